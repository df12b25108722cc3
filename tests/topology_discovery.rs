//! Topology discovery through the whole controller over TCP: three fake OF1.3 switches in a
//! line, whose "cables" carry each probe packet-out to the peer switch as a packet-in. Proves
//! the runtime plumbing the unit tests cannot: the module's timers really fire and re-arm
//! (probes every second, silent links expire), and its packet-outs and packet-ins cross the
//! real sessions, bus and sockets. The same against real Open vSwitch is the lab's job.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use proto::flow::Match;
use proto::{of13, DatapathId, Header, MacAddr};
use tapdemon::config::Config;
use tapdemon::controller;
use tapdemon::topology::{PortRef, Topology};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

type Cables = Arc<Mutex<BTreeMap<(u64, u32), (u64, u32)>>>;
/// Frames to inject into a switch: (in_port, frame).
type Inbox = mpsc::UnboundedSender<(u32, Bytes)>;

fn port(dpid: u64, n: u32) -> of13::Port {
    of13::Port {
        port_no: n,
        hw_addr: MacAddr([2, 0, 0, 0, dpid as u8, n as u8]),
        name: of13::FixedStr::new(&format!("s{dpid}-eth{n}")),
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

/// A minimal OF1.3 switch: answers the handshake, echoes and barriers, sends each
/// packet-out across its cable, and turns injected frames into packet-ins.
async fn fake_switch(
    addr: std::net::SocketAddr,
    dpid: u64,
    nports: u32,
    cables: Cables,
    peers: Arc<Mutex<BTreeMap<u64, Inbox>>>,
    mut inbox: mpsc::UnboundedReceiver<(u32, Bytes)>,
) {
    let mut sock = TcpStream::connect(addr).await.unwrap();
    sock.write_all(&[4, 0, 0, 8, 0, 0, 0, 1]).await.unwrap();
    let mut buf = BytesMut::new();
    loop {
        tokio::select! {
            n = sock.read_buf(&mut buf) => {
                if n.unwrap_or(0) == 0 {
                    return;
                }
            }
            Some((in_port, data)) = inbox.recv() => {
                let pi = of13::Message::PacketIn(of13::packet_in::PacketIn {
                    buffer_id: u32::MAX,
                    total_len: data.len() as u16,
                    reason: of13::packet_in::PacketInReason::Action,
                    table_id: 0,
                    cookie: 0,
                    match_: Match { in_port: Some(in_port), ..Match::default() }.to_of13().unwrap(),
                    data,
                });
                sock.write_all(&pi.to_bytes(0).unwrap()).await.unwrap();
                continue;
            }
        }
        while let Some(len) = proto::header::peek_len(&buf).unwrap() {
            if buf.len() < len {
                break;
            }
            let msg = buf.split_to(len).freeze();
            let xid = Header::parse(&msg).unwrap().xid;
            let reply = match of13::Message::decode(&msg).unwrap().1 {
                of13::Message::FeaturesRequest => {
                    Some(of13::Message::FeaturesReply(of13::SwitchFeatures {
                        datapath_id: DatapathId(dpid),
                        n_buffers: 0,
                        n_tables: 254,
                        auxiliary_id: 0,
                        capabilities: 0,
                        reserved: 0,
                    }))
                }
                of13::Message::MultipartRequest(_) => {
                    Some(of13::Message::MultipartReply(of13::MultipartReply {
                        flags: 0,
                        body: of13::MultipartReplyBody::PortDesc(
                            (1..=nports).map(|n| port(dpid, n)).collect(),
                        ),
                    }))
                }
                of13::Message::EchoRequest { data } => Some(of13::Message::EchoReply { data }),
                of13::Message::BarrierRequest => Some(of13::Message::BarrierReply),
                of13::Message::PacketOut(po) => {
                    if let [of13::action::Action::Output { port, .. }] = po.actions[..] {
                        let peer = cables.lock().unwrap().get(&(dpid, port)).copied();
                        if let Some((peer, peer_port)) = peer {
                            if let Some(tx) = peers.lock().unwrap().get(&peer) {
                                let _ = tx.send((peer_port, po.data));
                            }
                        }
                    }
                    None
                }
                _ => None,
            };
            if let Some(r) = reply {
                sock.write_all(&r.to_bytes(xid).unwrap()).await.unwrap();
            }
        }
    }
}

fn links(topo: &Topology) -> Vec<(PortRef, PortRef)> {
    topo.links()
        .into_iter()
        .map(|(l, _)| (l.src, l.dst))
        .collect()
}

async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..100 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_is_discovered_and_a_cut_cable_expires() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Config::parse(
        "[controller]\nlisten = [\"127.0.0.1:0\"]\n\
         [topology]\nprobe_interval_secs = 1\nlink_timeout_secs = 3\n\
         [l2_learning]\nenabled = false\n",
        Path::new("test.toml"),
    )
    .unwrap();
    let shutdown = CancellationToken::new();
    let (handle, tracker) = controller::start(vec![listener], config, shutdown.clone());
    let topo = handle.topology.clone().expect("topology module runs");

    // s1:2 -- s2:1, s2:2 -- s3:1.
    let cables: Cables = Arc::default();
    for (a, b) in [((1, 2), (2, 1)), ((2, 2), (3, 1))] {
        cables.lock().unwrap().insert(a, b);
        cables.lock().unwrap().insert(b, a);
    }
    let peers: Arc<Mutex<BTreeMap<u64, Inbox>>> = Arc::default();
    let mut inboxes = Vec::new();
    for dpid in 1..=3 {
        let (tx, rx) = mpsc::unbounded_channel();
        peers.lock().unwrap().insert(dpid, tx);
        inboxes.push((dpid, rx));
    }
    for (dpid, rx) in inboxes {
        let (c, p) = (cables.clone(), peers.clone());
        tokio::spawn(fake_switch(addr, dpid, 3, c, p, rx));
    }

    let p = |d, n| PortRef::new(DatapathId(d), n);
    wait_for("four links", || links(&topo.read()).len() == 4).await;
    assert_eq!(
        links(&topo.read()),
        vec![
            (p(1, 2), p(2, 1)),
            (p(2, 1), p(1, 2)),
            (p(2, 2), p(3, 1)),
            (p(3, 1), p(2, 2)),
        ]
    );
    let path = topo.read().shortest_path(DatapathId(1), DatapathId(3));
    assert_eq!(path.map(|h| h.len()), Some(2));

    // Cut s2:2 -- s3:1. Only the timers can notice (no port goes down): within the
    // 3 s timeout plus a tick, the two links through it are gone and the others stay.
    cables.lock().unwrap().remove(&(2, 2));
    cables.lock().unwrap().remove(&(3, 1));
    wait_for("the cut links to expire", || {
        links(&topo.read()) == vec![(p(1, 2), p(2, 1)), (p(2, 1), p(1, 2))]
    })
    .await;
    // And the survivors are still refreshed by probes well past their own timeout.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(links(&topo.read()).len(), 2);
    assert_eq!(
        topo.read().shortest_path(DatapathId(1), DatapathId(3)),
        None
    );

    shutdown.cancel();
    tracker.close();
    tracker.wait().await;
}
