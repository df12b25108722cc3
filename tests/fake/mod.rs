//! A fake switch speaking raw OpenFlow bytes over TCP, and a controller on 127.0.0.1:0.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use proto::{of10, of13, DatapathId, Header, MacAddr};
use tapdemon::config::Config;
use tapdemon::controller::{self, Handle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How long any single expected message may take.
pub const STEP: Duration = Duration::from_secs(5);

/// A running controller.
pub struct Controller {
    pub addr: SocketAddr,
    pub handle: Handle,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
}

impl Controller {
    /// Start with `config` (its listen addresses are ignored: 127.0.0.1:0 is used).
    pub async fn start(config: Config) -> Controller {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let (handle, tracker) = controller::start(vec![listener], config, shutdown.clone());
        Controller {
            addr,
            handle,
            shutdown,
            tracker,
        }
    }

    /// Short timeouts, so that bad clients are dropped quickly.
    /// Defaults, minus LLDP discovery: these tests script the exact message sequence and
    /// probes (packet-outs, the LLDP trap flow) would interleave with it.
    pub fn scripted_config() -> Config {
        let mut c = Config::default();
        c.topology.enabled = false;
        c
    }

    pub fn fast_config() -> Config {
        let mut c = Self::scripted_config();
        c.controller.handshake_timeout_secs = 1;
        c.controller.echo_interval_secs = 1;
        c.controller.echo_misses = 2;
        // No LLDP probes racing the messages these session tests expect.
        c.topology.enabled = false;
        c
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        self.tracker.close();
        tokio::time::timeout(STEP, self.tracker.wait())
            .await
            .expect("controller did not shut down");
    }

    /// Wait until `dpid` is registered (handshake done).
    pub async fn wait_connected(&self, dpid: u64) {
        tokio::time::timeout(STEP, async {
            while self.handle.switches.get(DatapathId(dpid)).is_none() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("switch never registered");
    }
}

/// One fake switch connection.
pub struct FakeSwitch {
    rd: OwnedReadHalf,
    wr: Arc<Mutex<OwnedWriteHalf>>,
    pub version: u8,
}

impl FakeSwitch {
    pub async fn connect(addr: SocketAddr) -> FakeSwitch {
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let (rd, wr) = stream.into_split();
        FakeSwitch {
            rd,
            wr: Arc::new(Mutex::new(wr)),
            version: 0,
        }
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.wr.lock().await.write_all(bytes).await.unwrap();
    }

    /// Write without asserting success (the peer may already have closed).
    pub async fn try_send(&mut self, bytes: &[u8]) {
        let _ = self.wr.lock().await.write_all(bytes).await;
    }

    /// Keep the session alive while the test is busy elsewhere: an echo request every
    /// 300 ms (any message counts as a sign of life). The replies are skipped by `ping`.
    pub fn keepalive(&self) -> tokio::task::JoinHandle<()> {
        let wr = self.wr.clone();
        let v = self.version;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(300)).await;
                let msg = [v, 2, 0, 8, 0xfe, 0xed, 0, 0];
                if wr.lock().await.write_all(&msg).await.is_err() {
                    return;
                }
            }
        })
    }

    /// The next whole message, or `None` on EOF / reset.
    pub async fn recv_opt(&mut self) -> Option<Bytes> {
        let mut hdr = [0u8; 8];
        tokio::time::timeout(STEP, self.rd.read_exact(&mut hdr))
            .await
            .expect("timed out waiting for a message")
            .ok()?;
        let len = usize::from(u16::from_be_bytes([hdr[2], hdr[3]]));
        assert!(len >= 8, "controller sent a bad length {len}");
        let mut buf = vec![0u8; len];
        buf[..8].copy_from_slice(&hdr);
        tokio::time::timeout(STEP, self.rd.read_exact(&mut buf[8..]))
            .await
            .expect("timed out waiting for a message body")
            .ok()?;
        Some(Bytes::from(buf))
    }

    pub async fn recv(&mut self) -> Bytes {
        self.recv_opt().await.expect("connection closed")
    }

    /// Next message that is not an echo request (those are answered) or echo reply.
    pub async fn recv_skip_echo(&mut self) -> Bytes {
        loop {
            let m = self.recv().await;
            match m[1] {
                2 => {
                    let mut reply = m.to_vec();
                    reply[1] = 3;
                    self.send(&reply).await;
                }
                3 => {}
                _ => return m,
            }
        }
    }

    /// Like [`Self::recv_skip_echo`], but also skips what the topology module sends to
    /// every switch (its LLDP flow-mod, cookie "topo", with the barrier that confirms it,
    /// and LLDP probe packet-outs): tests of other modules see only their messages.
    pub async fn recv_skip_topology(&mut self) -> Bytes {
        let mut skip_barrier = false;
        loop {
            let m = self.recv_skip_echo().await;
            let v13 = m[0] == 4;
            let (flow_mod, packet_out, barrier) = if v13 { (14, 13, 20) } else { (14, 13, 18) };
            let cookie_at = if v13 { 8 } else { 48 };
            if m[1] == flow_mod
                && m.get(cookie_at..cookie_at + 8) == Some(&0x746f_706fu64.to_be_bytes()[..])
            {
                skip_barrier = true;
                continue;
            }
            if m[1] == barrier && skip_barrier {
                skip_barrier = false;
                let mut reply = m.to_vec();
                reply[1] = barrier + 1;
                self.send(&reply).await;
                continue;
            }
            if m[1] == packet_out {
                let (alen_at, actions_at) = if v13 { (16, 24) } else { (14, 16) };
                let alen = usize::from(u16::from_be_bytes([m[alen_at], m[alen_at + 1]]));
                let ty = actions_at + alen + 12;
                if m.get(ty..ty + 2) == Some(&[0x88, 0xcc][..]) {
                    continue;
                }
            }
            return m;
        }
    }

    /// Expect the controller to close the connection within `within`, collecting what
    /// it sent before.
    pub async fn expect_closed(&mut self, within: Duration) -> Vec<Bytes> {
        let mut got = Vec::new();
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let mut hdr = [0u8; 8];
            let r = tokio::time::timeout_at(deadline, self.rd.read_exact(&mut hdr)).await;
            match r {
                Err(_) => panic!("still connected after {within:?}; got {got:?}"),
                Ok(Err(_)) => return got,
                Ok(Ok(_)) => {
                    let len = usize::from(u16::from_be_bytes([hdr[2], hdr[3]]));
                    let mut buf = vec![0u8; len.max(8)];
                    buf[..8].copy_from_slice(&hdr);
                    if self.rd.read_exact(&mut buf[8..]).await.is_err() {
                        return got;
                    }
                    got.push(Bytes::from(buf));
                }
            }
        }
    }

    /// HELLO, FEATURES and SET_CONFIG as an OF1.0 switch with ports 1..=n_ports.
    pub async fn handshake10(&mut self, dpid: u64, n_ports: u16) {
        self.version = 1;
        self.send(&[1, 0, 0, 8, 0, 0, 0, 1]).await;
        let hello = self.recv().await;
        assert_eq!(hello[1], 0, "expected HELLO");
        let freq = self.recv().await;
        assert_eq!(
            (freq[0], freq[1]),
            (1, 5),
            "expected an OF1.0 FEATURES_REQUEST"
        );
        let xid = Header::parse(&freq).unwrap().xid;
        let reply = of10::Message::FeaturesReply(of10::FeaturesReply {
            datapath_id: DatapathId(dpid),
            n_buffers: 0,
            n_tables: 1,
            capabilities: 0,
            actions: 0,
            ports: (1..=n_ports).map(phy10).collect(),
        });
        self.send(&reply.to_bytes(xid).unwrap()).await;
        let cfg = self.recv().await;
        assert_eq!((cfg[0], cfg[1]), (1, 9), "expected SET_CONFIG");
        self.pipeline_connect(&[14]).await;
    }

    /// The switch pipeline's flows at connect (`Pipeline::connect`), by message type:
    /// OF1.0 one delete-all FLOW_MOD; OF1.3 two deletes, a barrier, the table-0 default.
    pub async fn pipeline_connect(&mut self, types: &[u8]) {
        for ty in types {
            let m = self.recv_skip_echo().await;
            assert_eq!(m[1], *ty, "expected the pipeline's connect flows: {m:?}");
            if m[1] == 20 {
                let mut reply = m.to_vec();
                reply[1] = 21;
                self.send(&reply).await;
            }
        }
    }

    /// HELLO (bitmap {1.0, 1.3}, like OVS), FEATURES, SET_CONFIG and port-desc as OF1.3.
    pub async fn handshake13(&mut self, dpid: u64, n_ports: u32) {
        self.version = 4;
        self.send(&[4, 0, 0, 16, 0, 0, 0, 1, 0, 1, 0, 8, 0, 0, 0, 0x12])
            .await;
        let hello = self.recv().await;
        assert_eq!(hello[1], 0);
        let freq = self.recv().await;
        assert_eq!(
            (freq[0], freq[1]),
            (4, 5),
            "expected an OF1.3 FEATURES_REQUEST"
        );
        let xid = Header::parse(&freq).unwrap().xid;
        let reply = of13::Message::FeaturesReply(of13::SwitchFeatures {
            datapath_id: DatapathId(dpid),
            n_buffers: 0,
            n_tables: 254,
            auxiliary_id: 0,
            capabilities: 0,
            reserved: 0,
        });
        self.send(&reply.to_bytes(xid).unwrap()).await;
        let cfg = self.recv().await;
        assert_eq!((cfg[0], cfg[1]), (4, 9), "expected SET_CONFIG");
        let mp = self.recv().await;
        assert_eq!((mp[0], mp[1]), (4, 18), "expected a port-desc request");
        let xid = Header::parse(&mp).unwrap().xid;
        let reply = of13::Message::MultipartReply(of13::MultipartReply {
            flags: 0,
            body: of13::MultipartReplyBody::PortDesc((1..=n_ports).map(port13).collect()),
        });
        self.send(&reply.to_bytes(xid).unwrap()).await;
        self.pipeline_connect(&[14, 14, 20, 14]).await;
    }

    /// Send an echo request and expect its reply (proves the session is alive).
    pub async fn ping(&mut self, xid: u32) {
        let v = self.version;
        let x = xid.to_be_bytes();
        self.send(&[v, 2, 0, 12, x[0], x[1], x[2], x[3], 1, 2, 3, 4])
            .await;
        loop {
            let m = self.recv().await;
            if m[1] == 3 && Header::parse(&m).unwrap().xid == xid {
                assert_eq!(&m[8..], &[1, 2, 3, 4]);
                return;
            }
            if m[1] == 2 {
                let mut reply = m.to_vec();
                reply[1] = 3;
                self.send(&reply).await;
            }
        }
    }
}

pub fn phy10(n: u16) -> of10::PhyPort {
    of10::PhyPort {
        port_no: of10::PortNo(n),
        hw_addr: MacAddr([0x0a, 0, 0, 0, 0, n as u8]),
        name: format!("s1-eth{n}"),
        config: 0,
        state: 0,
        curr: 0,
        advertised: 0,
        supported: 0,
        peer: 0,
    }
}

pub fn port13(n: u32) -> of13::Port {
    of13::Port {
        port_no: n,
        hw_addr: MacAddr([0x0a, 0, 0, 0, 1, n as u8]),
        name: of13::FixedStr::new(&format!("s2-eth{n}")),
        config: 0,
        state: 0,
        curr: 0,
        advertised: 0,
        supported: 0,
        peer: 0,
        curr_speed: 0,
        max_speed: 0,
    }
}

/// An Ethernet frame from `src` to `dst`, IPv4 payload.
pub fn frame(dst: [u8; 6], src: [u8; 6]) -> Bytes {
    let mut f = Vec::new();
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    f.extend_from_slice(&[0x08, 0x00]);
    f.extend_from_slice(&[0x45; 46]);
    Bytes::from(f)
}

/// An OF1.0 PACKET_IN (no buffer) of `data` on `in_port`.
pub fn packet_in10(in_port: u16, data: Bytes, xid: u32) -> Bytes {
    of10::Message::PacketIn(of10::PacketIn {
        buffer_id: 0xffff_ffff,
        total_len: data.len() as u16,
        in_port: of10::PortNo(in_port),
        reason: of10::PacketInReason::NoMatch,
        data,
    })
    .to_bytes(xid)
    .unwrap()
}
