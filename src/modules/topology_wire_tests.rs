//! The topology module behind real switch sessions, without sockets: each probe is encoded
//! by the session for its switch's version (OF1.0 or OF1.3), decoded as the switch would,
//! carried across a fake cable and handed back as the peer's PACKET_IN bytes. This checks
//! that probes survive both encodings in both directions, which the event-level tests cannot.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use proto::{of10, of13, Header, MacAddr};

use super::*;
use crate::config::SwitchDirectory;
use crate::switch::session::{Output, Session, SessionConfig};
use crate::switch::Version;
use crate::topology::PortRef;

fn config() -> SessionConfig {
    SessionConfig {
        miss_send_len: 0xffff,
        echo_interval: Duration::from_secs(60),
        echo_misses: 3,
        handshake_timeout: Duration::from_secs(10),
    }
}

fn drain(s: &mut Session) -> Vec<Bytes> {
    std::iter::from_fn(|| s.poll_transmit()).collect()
}

fn last_xid(tx: &[Bytes]) -> u32 {
    Header::parse(tx.last().unwrap()).unwrap().xid
}

fn hw(dpid: u64, port: u32) -> MacAddr {
    MacAddr([2, 0, 0, 0, dpid as u8, port as u8])
}

/// A session brought to Main as an OF1.0 switch with `ports`; returns its SwitchUp info.
fn up10(t: Instant, dpid: u64, ports: &[u16]) -> (Session, Arc<SwitchInfo>) {
    let mut s = Session::new(t, config(), Arc::new(SwitchDirectory::default()));
    drain(&mut s);
    s.handle_message(t, Bytes::from_static(&[1, 0, 0, 8, 0, 0, 0, 1]));
    let xid = last_xid(&drain(&mut s));
    let features = of10::FeaturesReply {
        datapath_id: DatapathId(dpid),
        n_buffers: 0,
        n_tables: 1,
        capabilities: 0,
        actions: 0,
        ports: ports
            .iter()
            .map(|&n| of10::PhyPort {
                port_no: of10::PortNo(n),
                hw_addr: hw(dpid, n.into()),
                name: format!("s{dpid}-eth{n}"),
                config: 0,
                state: 0,
                curr: 0,
                advertised: 0,
                supported: 0,
                peer: 0,
            })
            .collect(),
    };
    let reply = of10::Message::FeaturesReply(features)
        .to_bytes(xid)
        .unwrap();
    s.handle_message(t, reply);
    drain(&mut s);
    let info = up_info(&mut s);
    (s, info)
}

/// The same as an OF1.3 switch (OVS's HELLO, features, then the port-desc multipart).
fn up13(t: Instant, dpid: u64, ports: &[u32]) -> (Session, Arc<SwitchInfo>) {
    let mut s = Session::new(t, config(), Arc::new(SwitchDirectory::default()));
    drain(&mut s);
    s.handle_message(
        t,
        Bytes::from_static(&[4, 0, 0, 16, 0, 0, 0, 1, 0, 1, 0, 8, 0, 0, 0, 0x12]),
    );
    let xid = last_xid(&drain(&mut s));
    let features = of13::SwitchFeatures {
        datapath_id: DatapathId(dpid),
        n_buffers: 0,
        n_tables: 254,
        auxiliary_id: 0,
        capabilities: 0,
        reserved: 0,
    };
    let reply = of13::Message::FeaturesReply(features)
        .to_bytes(xid)
        .unwrap();
    s.handle_message(t, reply);
    let xid = last_xid(&drain(&mut s));
    let desc = ports
        .iter()
        .map(|&n| of13::Port {
            port_no: n,
            hw_addr: hw(dpid, n),
            name: of13::FixedStr::new(&format!("s{dpid}-eth{n}")),
            config: 0,
            state: 0,
            curr: 0,
            advertised: 0,
            supported: 0,
            peer: 0,
            curr_speed: 0,
            max_speed: 0,
        })
        .collect();
    let reply = of13::Message::MultipartReply(of13::MultipartReply {
        flags: 0,
        body: of13::MultipartReplyBody::PortDesc(desc),
    });
    s.handle_message(t, reply.to_bytes(xid).unwrap());
    drain(&mut s);
    let info = up_info(&mut s);
    (s, info)
}

fn up_info(s: &mut Session) -> Arc<SwitchInfo> {
    match s.poll_output() {
        Some(Output::Up(info)) => info,
        other => panic!("expected Up, got {other:?}"),
    }
}

/// Switches, cables, and the module between them.
struct Net {
    sessions: BTreeMap<u64, Session>,
    cables: BTreeMap<(u64, u32), (u64, u32)>,
    module: TopologyModule,
    /// LLDP flow-mods seen per switch, decoded in the switch's version.
    lldp_flows: BTreeMap<u64, usize>,
    carried: usize,
}

impl Net {
    fn cable(&mut self, a: (u64, u32), b: (u64, u32)) {
        self.cables.insert(a, b);
        self.cables.insert(b, a);
    }

    /// Hand `ev` to the module, then carry whatever it sends until nothing moves.
    fn feed(&mut self, t: Instant, ev: Event) {
        let mut queue = vec![ev];
        for _ in 0..100 {
            let Some(ev) = queue.pop() else {
                return;
            };
            let mut out = Outbox::new();
            self.module.handle(t, &ev, &mut out);
            for (dpid, batch) in out.take_batches() {
                let s = self.sessions.get_mut(&dpid.0).unwrap();
                s.send_batch(0, batch);
                for bytes in drain(s) {
                    if let Some((port, data)) = self.switch_receives(dpid.0, &bytes) {
                        if let Some(&(peer, peer_port)) = self.cables.get(&(dpid.0, port)) {
                            queue.extend(self.packet_in(t, peer, peer_port, data));
                        }
                    }
                }
            }
        }
        panic!("the module never went quiet");
    }

    /// Decode what the controller sent `dpid` as that switch would; a packet-out with
    /// one output action gives (port, frame).
    fn switch_receives(&mut self, dpid: u64, bytes: &Bytes) -> Option<(u32, Bytes)> {
        if bytes[0] == 1 {
            match of10::Message::decode(bytes).unwrap().1 {
                of10::Message::PacketOut(po) => match po.actions[..] {
                    [of10::Action::Output { port, .. }] => Some((port.0.into(), po.data)),
                    _ => panic!("{po:?}"),
                },
                of10::Message::FlowMod(fm) => {
                    let m = proto::flow::Match::from(&fm.match_);
                    assert_eq!(m.eth_type, Some(0x88cc), "{fm:?}");
                    assert_eq!(m.eth_dst, Some(Masked::exact(lldp::NEAREST_BRIDGE)));
                    *self.lldp_flows.entry(dpid).or_default() += 1;
                    None
                }
                _ => None,
            }
        } else {
            match of13::Message::decode(bytes).unwrap().1 {
                of13::Message::PacketOut(po) => match po.actions[..] {
                    [of13::action::Action::Output { port, .. }] => Some((port, po.data)),
                    _ => panic!("{po:?}"),
                },
                of13::Message::FlowMod(fm) => {
                    let m = proto::flow::Match::from(&fm.match_);
                    assert_eq!(m.eth_type, Some(0x88cc), "{fm:?}");
                    assert_eq!(m.eth_dst, Some(Masked::exact(lldp::NEAREST_BRIDGE)));
                    *self.lldp_flows.entry(dpid).or_default() += 1;
                    None
                }
                _ => None,
            }
        }
    }

    /// The frame arriving on `port` of `dpid`, as that switch's PACKET_IN bytes, through
    /// its session, to the events the module would get.
    fn packet_in(&mut self, t: Instant, dpid: u64, port: u32, data: Bytes) -> Vec<Event> {
        self.carried += 1;
        let s = self.sessions.get_mut(&dpid).unwrap();
        let total_len = data.len() as u16;
        let bytes = match s.version() {
            Some(Version::Of10) => of10::Message::PacketIn(of10::PacketIn {
                buffer_id: u32::MAX,
                total_len,
                in_port: of10::PortNo(port as u16),
                reason: of10::PacketInReason::Action,
                data,
            })
            .to_bytes(0)
            .unwrap(),
            _ => of13::Message::PacketIn(of13::PacketIn {
                buffer_id: u32::MAX,
                total_len,
                reason: of13::packet_in::PacketInReason::Action,
                table_id: 0,
                cookie: COOKIE,
                match_: Match {
                    in_port: Some(port),
                    ..Match::default()
                }
                .to_of13()
                .unwrap(),
                data,
            })
            .to_bytes(0)
            .unwrap(),
        };
        s.handle_message(t, bytes);
        std::iter::from_fn(|| s.poll_output())
            .filter_map(|o| match o {
                Output::Broadcast(ev) => Some(ev),
                _ => None,
            })
            .collect()
    }
}

#[test]
fn a_mixed_version_line_is_discovered_through_the_sessions() {
    let t = Instant::now();
    let names = BTreeMap::new();
    let cfg = TopologyConfig::default();
    let mut net = Net {
        sessions: BTreeMap::new(),
        cables: BTreeMap::new(),
        module: TopologyModule::new(&cfg, &names).unwrap(),
        lldp_flows: BTreeMap::new(),
        carried: 0,
    };
    // s1 (OF1.0) port 2 -- port 1 s2 (OF1.3) port 2 -- port 1 s3 (OF1.3); hosts on the rest.
    net.cable((1, 2), (2, 1));
    net.cable((2, 2), (3, 1));
    let (s1, i1) = up10(t, 1, &[1, 2]);
    let (s2, i2) = up13(t, 2, &[1, 2, 3]);
    let (s3, i3) = up13(t, 3, &[1, 2]);
    net.sessions.extend([(1, s1), (2, s2), (3, s3)]);
    for info in [i1, i2, i3] {
        net.feed(
            t,
            Event::SwitchUp {
                info,
                replaced: false,
            },
        );
    }
    assert_eq!(
        net.lldp_flows,
        BTreeMap::from([(1, 1), (2, 1), (3, 1)]),
        "one LLDP flow per switch, in its own version"
    );
    let topo = net.module.shared();
    let p = |d, n| PortRef::new(DatapathId(d), n);
    let links: Vec<_> = topo
        .read()
        .links()
        .into_iter()
        .map(|(l, _)| (l.src, l.dst))
        .collect();
    assert_eq!(
        links,
        vec![
            (p(1, 2), p(2, 1)),
            (p(2, 1), p(1, 2)),
            (p(2, 2), p(3, 1)),
            (p(3, 1), p(2, 2)),
        ]
    );
    assert!(topo.read().is_edge_port(p(2, 3)));
    let hops: Vec<_> = topo
        .read()
        .path_to_port(DatapathId(1), p(3, 2))
        .unwrap()
        .into_iter()
        .map(|h| (h.dpid.0, h.in_port, h.out_port))
        .collect();
    assert_eq!(hops, vec![(1, None, 2), (2, Some(1), 2), (3, Some(1), 2)]);
    // No storm of replies: s1:2's and s2:2's first probes reach a switch the module does
    // not know yet (ignored); s2:1's and s3:1's each make a link and ask for exactly one
    // probe back. 2 + 2 x 2 = 6.
    assert_eq!(net.carried, 6);
}
