//! Compositor tests on a fake network: the guarantees of issue 5, on both versions.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use proto::flow::{Action, FlowMod, Masked, Match, PacketOut, PortNo};
use proto::ofctl::parse_match;
use proto::{DatapathId, MacAddr};

use super::cookie::{Cookie, Kind};
use super::fake_table::{Delivery, Dest, FakeNet, FakeSwitch};
use super::matching::Packet;
use super::*;
use crate::outbox::Msg;
use crate::switch::Version;
use crate::topology::PortRef;

const VERSIONS: [Version; 2] = [Version::Of10, Version::Of13];

fn mac(n: u8) -> MacAddr {
    MacAddr([0, 0, 0, 0, 0, n])
}

/// hN -> hM, ICMP or TCP to `dport`.
fn pkt(src: u8, dst: u8, dport: Option<u16>) -> Packet {
    Packet {
        eth_src: mac(src),
        eth_dst: mac(dst),
        vlans: vec![],
        eth_type: 0x0800,
        ipv4: Some((
            Ipv4Addr::new(10, 0, 0, src),
            Ipv4Addr::new(10, 0, 0, dst),
            if dport.is_some() { 6 } else { 1 },
        )),
        tp: Some(dport.map(|d| (40000, d)).unwrap_or((8, 0))),
    }
}

fn frame(src: u8, dst: u8) -> bytes::Bytes {
    let mut f = vec![0, 0, 0, 0, 0, dst, 0, 0, 0, 0, 0, src, 0x08, 0x00];
    f.extend_from_slice(&[0x45, 0, 0, 28, 0, 0, 0, 0, 64, 1, 0, 0]);
    f.extend_from_slice(&[10, 0, 0, src, 10, 0, 0, dst, 8, 0, 0, 0, 0, 0, 0, 0]);
    bytes::Bytes::from(f)
}

fn out(port: u32) -> Action {
    Action::Output {
        port: PortNo::Number(port),
        max_len: 0,
    }
}

fn patch(a: u32, b: u32) -> Vec<Msg> {
    let flow = |i: u32, o: u32| {
        let m = Match {
            in_port: Some(i),
            ..Match::default()
        };
        let mut fm = FlowMod::add(m, vec![out(o)], 0x2000);
        fm.cookie = Cookie::new(Kind::Patch, 1).value();
        Msg::FlowMod(fm)
    };
    vec![flow(a, b), flow(b, a)]
}

fn at(d: u64, p: u32) -> PortRef {
    PortRef::new(DatapathId(d), p)
}

fn host(d: u64, p: u32) -> Delivery {
    Delivery {
        at: at(d, p),
        vlans: vec![],
    }
}

/// Pipelines and fake switches side by side: every message a pipeline emits is applied
/// to its fake switch.
struct Lab {
    pipes: BTreeMap<DatapathId, Pipeline>,
    net: FakeNet,
}

impl Lab {
    fn new(version: Version, switches: &[(u64, u32)]) -> Lab {
        let mut lab = Lab {
            pipes: BTreeMap::new(),
            net: FakeNet::default(),
        };
        for (d, n) in switches {
            let pipe = Pipeline::new(version, 1..=*n);
            let mut sw = FakeSwitch::new(version, 1..=*n);
            sw.apply(&pipe.connect());
            lab.pipes.insert(DatapathId(*d), pipe);
            lab.net.switches.insert(DatapathId(*d), sw);
        }
        lab
    }

    /// The seed topology: s1 and s2 with hosts on 1-5, uplinks 6-10 to s3 1-10; h11 on s3:11.
    fn seed(version: Version) -> Lab {
        let mut lab = Lab::new(version, &[(1, 10), (2, 10), (3, 11)]);
        for i in 0..5 {
            lab.net.link(at(1, 6 + i), at(3, 1 + i));
            lab.net.link(at(2, 6 + i), at(3, 6 + i));
        }
        lab
    }

    fn forward(&mut self, d: u64, msgs: Vec<Msg>) -> Vec<Msg> {
        let sent = self.pipes.get_mut(&DatapathId(d)).unwrap().forwarding(msgs);
        self.net.sw(d).apply(&sent);
        sent
    }

    fn tap(&mut self, d: u64, update: TapUpdate) -> Vec<Msg> {
        let sent = self.pipes.get_mut(&DatapathId(d)).unwrap().update(update);
        self.net.sw(d).apply(&sent);
        sent
    }

    fn send(&self, from: PortRef, p: &Packet) -> Vec<Delivery> {
        self.net.send(from, p)
    }

    fn dump(&mut self, d: u64) -> Vec<String> {
        self.net.sw(d).dump()
    }
}

/// A tap from `src` on switch `sd` to monitor `mon` on switch `md` along `path`
/// ((switch, in_port, out_port) after the source switch), VLAN `vlan`.
fn cross_tap(
    id: TapId,
    (sd, src, uplink): (u64, u32, u32),
    path: &[(u64, u32, u32)],
    vlan: u16,
    direction: Direction,
    filter: Match,
    hard_timeout: u16,
) -> Vec<(u64, SwitchTap)> {
    let mut v = vec![(
        sd,
        SwitchTap {
            id,
            hard_timeout,
            rules: vec![TapRule::Source {
                port: src,
                direction,
                filter,
                copy: CopyTo::Tagged {
                    vlan,
                    out_port: uplink,
                },
            }],
        },
    )];
    for (i, (d, in_port, out_port)) in path.iter().enumerate() {
        let rule = if i + 1 == path.len() {
            TapRule::Deliver {
                in_port: *in_port,
                vlan,
                port: *out_port,
            }
        } else {
            TapRule::Transit {
                in_port: *in_port,
                vlan,
                out_port: *out_port,
            }
        };
        v.push((
            *d,
            SwitchTap {
                id,
                hard_timeout,
                rules: vec![rule],
            },
        ));
    }
    v
}

fn install(lab: &mut Lab, parts: Vec<(u64, SwitchTap)>) {
    // Downstream first, as the tap module does: copies never arrive before their path.
    for (d, tap) in parts.into_iter().rev() {
        lab.tap(d, TapUpdate::Set { tap, rearm: false });
    }
}

fn seed_taps(lab: &mut Lab) {
    let h1 = cross_tap(
        1,
        (1, 1, 6),
        &[(3, 1, 11)],
        4000,
        Direction::Both,
        Match::default(),
        0,
    );
    let h7 = cross_tap(
        2,
        (2, 2, 6),
        &[(3, 6, 11)],
        4001,
        Direction::Both,
        Match::default(),
        0,
    );
    install(lab, h1);
    install(lab, h7);
}

fn seed_patches(lab: &mut Lab) {
    lab.forward(1, [patch(1, 2), patch(3, 4)].concat());
    lab.forward(2, patch(1, 2));
}

#[test]
fn seed_static_part_on_both_versions() {
    for v in VERSIONS {
        let mut lab = Lab::seed(v);
        seed_patches(&mut lab);
        seed_taps(&mut lab);
        let mon = host(3, 11);
        // Patched pairs still reach each other; h1's and h7's traffic is also at h11.
        assert_eq!(
            lab.send(at(1, 1), &pkt(1, 2, None)),
            vec![host(1, 2), mon.clone()],
            "{v:?}"
        );
        assert_eq!(
            lab.send(at(1, 2), &pkt(2, 1, None)),
            vec![host(1, 1), mon.clone()],
            "{v:?}"
        );
        assert_eq!(
            lab.send(at(2, 1), &pkt(6, 7, None)),
            vec![host(2, 2), mon.clone()],
            "{v:?}"
        );
        assert_eq!(
            lab.send(at(2, 2), &pkt(7, 6, None)),
            vec![host(2, 1), mon.clone()],
            "{v:?}"
        );
        // h3 <-> h4: delivered, never copied.
        assert_eq!(
            lab.send(at(1, 3), &pkt(3, 4, None)),
            vec![host(1, 4)],
            "{v:?}"
        );
        assert_eq!(
            lab.send(at(1, 4), &pkt(4, 3, None)),
            vec![host(1, 3)],
            "{v:?}"
        );
        // h8 has no patch: nothing; h11 is output-only.
        assert_eq!(lab.send(at(2, 3), &pkt(8, 9, None)), vec![], "{v:?}");
        assert_eq!(lab.send(at(3, 11), &pkt(11, 1, None)), vec![], "{v:?}");
    }
}

#[test]
fn removing_a_tap_restores_exactly_the_forwarding() {
    for v in VERSIONS {
        let mut lab = Lab::seed(v);
        seed_patches(&mut lab);
        let before = [lab.dump(1), lab.dump(2), lab.dump(3)];
        seed_taps(&mut lab);
        assert_ne!(lab.dump(1), before[0]);
        for (d, id) in [(1, 1), (3, 1), (2, 2), (3, 2)] {
            lab.tap(d, TapUpdate::Remove(id));
        }
        assert_eq!([lab.dump(1), lab.dump(2), lab.dump(3)], before, "{v:?}");
        assert_eq!(lab.send(at(1, 1), &pkt(1, 2, None)), vec![host(1, 2)]);
    }
}

#[test]
fn timed_taps_carry_the_hard_timeout_and_report_removal() {
    for v in VERSIONS {
        let mut lab = Lab::seed(v);
        lab.forward(2, patch(3, 4));
        install(
            &mut lab,
            cross_tap(
                9,
                (2, 4, 7),
                &[(3, 7, 11)],
                4002,
                Direction::Both,
                Match::default(),
                120,
            ),
        );
        assert_eq!(
            lab.send(at(2, 3), &pkt(8, 9, None)),
            vec![host(2, 4), host(3, 11)]
        );
        let tap_cookie = Cookie::new(Kind::Tap, 9).value();
        for d in [2, 3] {
            let flows: Vec<_> = lab.net.sw(d).flows().cloned().collect();
            let tap_flows: Vec<_> = flows.iter().filter(|f| f.cookie == tap_cookie).collect();
            assert!(!tap_flows.is_empty(), "{v:?} s{d}");
            for f in tap_flows {
                assert_eq!(f.hard_timeout, 120, "{v:?} s{d} {f:?}");
                assert!(f.flags.send_flow_rem);
            }
            for f in flows.iter().filter(|f| f.cookie != tap_cookie) {
                assert_eq!(f.hard_timeout, 0, "{v:?} forwarding untouched: {f:?}");
            }
        }
        // Re-arming re-sends every flow of the tap (restarting the timeout), nothing else.
        let SwitchTap { rules, .. } = lab.pipes[&DatapathId(2)].taps().next().unwrap().clone();
        let tap = SwitchTap {
            id: 9,
            rules,
            hard_timeout: 120,
        };
        let sent = lab.tap(2, TapUpdate::Set { tap, rearm: true });
        assert!(!sent.is_empty());
        assert!(sent
            .iter()
            .all(|m| matches!(m, Msg::FlowMod(f) if f.cookie == tap_cookie)));
    }
}

#[test]
fn filters_narrow_what_is_copied() {
    for v in VERSIONS {
        let mut lab = Lab::seed(v);
        seed_patches(&mut lab);
        let web = parse_match("tcp,tp_dst=80").unwrap();
        install(
            &mut lab,
            cross_tap(
                1,
                (1, 1, 6),
                &[(3, 1, 11)],
                4000,
                Direction::Ingress,
                web,
                0,
            ),
        );
        assert_eq!(
            lab.send(at(1, 1), &pkt(1, 2, Some(80))),
            vec![host(1, 2), host(3, 11)]
        );
        assert_eq!(
            lab.send(at(1, 1), &pkt(1, 2, None)),
            vec![host(1, 2)],
            "{v:?}"
        );
        assert_eq!(lab.send(at(1, 1), &pkt(1, 2, Some(22))), vec![host(1, 2)]);
        // Ingress only: the reply is not copied.
        assert_eq!(lab.send(at(1, 2), &pkt(2, 1, Some(80))), vec![host(1, 1)]);
    }
}

#[test]
fn forwarding_added_after_the_tap_is_decorated() {
    for v in VERSIONS {
        let mut lab = Lab::seed(v);
        seed_taps(&mut lab);
        assert_eq!(
            lab.send(at(1, 1), &pkt(1, 2, None)).len(),
            usize::from(v == Version::Of13)
        );
        seed_patches(&mut lab);
        assert_eq!(
            lab.send(at(1, 1), &pkt(1, 2, None)),
            vec![host(1, 2), host(3, 11)]
        );
        // The module deletes its flows: the splits go with them, the copies path stays.
        let mut del = FlowMod::delete(Match {
            in_port: Some(1),
            ..Match::default()
        });
        del.cookie = Cookie::new(Kind::Patch, 1).value();
        del.cookie_mask = u64::MAX;
        lab.forward(1, vec![Msg::FlowMod(del)]);
        let got = lab.send(at(1, 1), &pkt(1, 2, None));
        match v {
            // No forwarding flow left for h1's packets: only the copy stage.
            Version::Of10 => assert_eq!(got, vec![]),
            Version::Of13 => assert_eq!(got, vec![host(3, 11)]),
        }
        assert_eq!(
            lab.send(at(1, 2), &pkt(2, 1, None)),
            vec![host(1, 1), host(3, 11)]
        );
    }
}

#[test]
fn overlapping_taps_on_one_port_both_get_their_copies() {
    for v in VERSIONS {
        let mut lab = Lab::seed(v);
        seed_patches(&mut lab);
        let local = |id, port, filter: &str| SwitchTap {
            id,
            hard_timeout: 0,
            rules: vec![TapRule::Source {
                port: 1,
                direction: Direction::Ingress,
                filter: parse_match(filter).unwrap(),
                copy: CopyTo::Local { port },
            }],
        };
        lab.tap(
            1,
            TapUpdate::Set {
                tap: local(1, 5, ""),
                rearm: false,
            },
        );
        lab.tap(
            1,
            TapUpdate::Set {
                tap: local(2, 4, "tcp"),
                rearm: false,
            },
        );
        lab.forward(1, patch(7, 8));
        assert_eq!(
            lab.send(at(1, 1), &pkt(1, 2, Some(80))),
            vec![host(1, 2), host(1, 4), host(1, 5)],
            "{v:?}"
        );
        assert_eq!(
            lab.send(at(1, 1), &pkt(1, 2, None)),
            vec![host(1, 2), host(1, 5)]
        );
        lab.tap(1, TapUpdate::Remove(1));
        assert_eq!(
            lab.send(at(1, 1), &pkt(1, 2, Some(80))),
            vec![host(1, 2), host(1, 4)]
        );
        assert_eq!(lab.send(at(1, 1), &pkt(1, 2, None)), vec![host(1, 2)]);
        // Monitor ports are output-only while a tap uses them: port 4 (h4) is one now.
        assert_eq!(lab.send(at(1, 4), &pkt(4, 3, None)), vec![]);
        lab.tap(1, TapUpdate::Remove(2));
        assert_eq!(lab.send(at(1, 4), &pkt(4, 3, None)), vec![host(1, 3)]);
    }
}

/// l2_learning-style flows (in_port, eth_src, eth_dst -> out) on a line s1 - s2 - s3:
/// h1 on s1:1, h2 on s2:2, h3 on s3:2, monitor h9 on s3:3; s1:2-s2:1, s2:3-s3:1.
fn line(v: Version) -> Lab {
    let mut lab = Lab::new(v, &[(1, 3), (2, 3), (3, 3)]);
    lab.net.link(at(1, 2), at(2, 1));
    lab.net.link(at(2, 3), at(3, 1));
    // (switch, mac, port towards it)
    let towards: &[(u64, u8, u32)] = &[
        (1, 1, 1),
        (1, 2, 2),
        (1, 3, 2),
        (2, 1, 1),
        (2, 2, 2),
        (2, 3, 3),
        (3, 1, 1),
        (3, 2, 1),
        (3, 3, 2),
    ];
    for &(d, dst, port) in towards {
        for &(d2, src, in_port) in towards {
            if d2 != d || src == dst || in_port == port {
                continue;
            }
            let m = Match {
                in_port: Some(in_port),
                eth_src: Some(Masked::exact(mac(src))),
                eth_dst: Some(Masked::exact(mac(dst))),
                ..Match::default()
            };
            let mut fm = FlowMod::add(m, vec![out(port)], 0x1000);
            fm.idle_timeout = 60;
            fm.cookie = 0x4c32;
            lab.forward(d, vec![Msg::FlowMod(fm)]);
        }
    }
    lab
}

#[test]
fn line_topology_copies_cross_two_switches_and_everyone_still_talks() {
    for v in VERSIONS {
        let mut lab = line(v);
        install(
            &mut lab,
            cross_tap(
                1,
                (1, 1, 2),
                &[(2, 1, 3), (3, 1, 3)],
                4000,
                Direction::Both,
                Match::default(),
                0,
            ),
        );
        let hosts = [(1u8, at(1, 1)), (2, at(2, 2)), (3, at(3, 2))];
        for (s, from) in hosts {
            for (d, to) in hosts {
                if s == d {
                    continue;
                }
                let mut want = vec![Delivery {
                    at: to,
                    vlans: vec![],
                }];
                if s == 1 || d == 1 {
                    want.push(host(3, 3));
                }
                want.sort();
                assert_eq!(lab.send(from, &pkt(s, d, None)), want, "{v:?} h{s}->h{d}");
            }
        }
        // l2_learning forgets the uplink on s2 (port down): its broad delete must not take
        // the transit flow with it.
        let del = FlowMod::delete(Match {
            in_port: Some(1),
            ..Match::default()
        });
        lab.forward(2, vec![Msg::FlowMod(del)]);
        let got = lab.send(at(1, 1), &pkt(1, 3, None));
        assert!(
            got.contains(&host(3, 3)),
            "{v:?} copy still delivered: {got:?}"
        );
        // A flooded packet-out on the monitor switch skips the monitor port.
        let po = PacketOut {
            buffer_id: None,
            in_port: Some(PortNo::Number(2)),
            actions: vec![Action::Output {
                port: PortNo::Flood,
                max_len: 0,
            }],
            data: frame(3, 7),
        };
        let sent = lab.forward(3, vec![Msg::PacketOut(po)]);
        let Some(Msg::PacketOut(po)) = sent.first() else {
            panic!("packet-out expected: {sent:?}");
        };
        assert_eq!(lab.net.sw(3).packet_out(po), vec![Dest::Port(1, vec![])]);
    }
}

#[test]
fn packet_outs_carry_the_copies_their_packet_would_get() {
    for v in VERSIONS {
        let mut lab = Lab::seed(v);
        seed_taps(&mut lab);
        let po = PacketOut {
            buffer_id: None,
            in_port: Some(PortNo::Number(1)),
            actions: vec![out(2)],
            data: frame(1, 2),
        };
        let sent = lab.forward(1, vec![Msg::PacketOut(po.clone())]);
        let Some(Msg::PacketOut(got)) = sent.first() else {
            panic!("{sent:?}")
        };
        assert_eq!(
            lab.net.sw(1).packet_out(got),
            vec![Dest::Port(2, vec![]), Dest::Port(6, vec![4000])],
            "{v:?}"
        );
        // A packet-out on an untapped port is unchanged.
        let other = PacketOut {
            in_port: Some(PortNo::Number(3)),
            actions: vec![out(4)],
            ..po
        };
        assert_eq!(
            lab.forward(1, vec![Msg::PacketOut(other.clone())]),
            vec![Msg::PacketOut(other)]
        );
    }
}

#[test]
fn connect_owns_table_zero_on_of13_and_starts_clean_on_of10() {
    let p13 = Pipeline::new(Version::Of13, [1, 2]);
    let msgs = p13.connect();
    let Some(Msg::FlowMod(default)) = msgs.last() else {
        panic!("{msgs:?}")
    };
    assert_eq!(
        (default.table_id, default.priority, default.goto_table),
        (0, 0, Some(1))
    );
    assert!(msgs.iter().any(|m| matches!(m, Msg::FlowMod(f)
        if f.table_id == 1 && f.cookie_mask == cookie::KIND_MASK
            && f.cookie == Cookie::kind_bits(Kind::Tap))));
    let p10 = Pipeline::new(Version::Of10, [1, 2]);
    assert_eq!(
        p10.connect(),
        vec![Msg::FlowMod(FlowMod::delete(Match::default()))]
    );
    // A module's OF1.3 flows land in table 1.
    let mut p = p13.clone();
    let sent = p.forwarding(patch(1, 2));
    assert!(sent
        .iter()
        .all(|m| matches!(m, Msg::FlowMod(f) if f.table_id == 1)));
}

/// A timed forwarding flow to `tp_dst`, for the bound tests.
fn timed_flow(i: u32) -> Msg {
    let m = Match {
        in_port: Some(3),
        tp_dst: Some((i % 60000) as u16),
        ip_proto: Some(6),
        eth_type: Some(0x0800),
        ipv4_dst: Some(Masked::exact(Ipv4Addr::from(i))),
        ..Match::default()
    };
    let mut fm = FlowMod::add(m, vec![out(1)], 0x1000);
    fm.idle_timeout = 60;
    Msg::FlowMod(fm)
}

/// Tap 1: everything entering `port`, copied to local port `to`.
fn ingress_tap(port: u32, to: u32) -> SwitchTap {
    SwitchTap {
        id: 1,
        hard_timeout: 0,
        rules: vec![TapRule::Source {
            port,
            direction: Direction::Ingress,
            filter: Match::default(),
            copy: CopyTo::Local { port: to },
        }],
    }
}

#[test]
fn a_re_added_flow_is_forgotten_after_older_ones() {
    let mut p = Pipeline::new(Version::Of10, [1, 2, 3]);
    let tap = ingress_tap(3, 2);
    p.forwarding(vec![timed_flow(0)]);
    for i in 1..compose::MAX_BASE as u32 {
        p.forwarding(vec![timed_flow(i)]);
    }
    // Flow 0, the oldest, is added again: flow 1 is now the oldest.
    p.forwarding(vec![timed_flow(0)]);
    p.forwarding(vec![timed_flow(compose::MAX_BASE as u32)]);
    assert_eq!(p.base_len(), compose::MAX_BASE);
    // A tap re-sends every remembered flow with its copy: flow 0 is among them, flow 1 not.
    let sent = p.update(TapUpdate::Set { tap, rearm: false });
    let has = |i: u32| {
        sent.iter().any(|m| {
            matches!(m, Msg::FlowMod(f)
            if f.match_.ipv4_dst == Some(Masked::exact(Ipv4Addr::from(i))))
        })
    };
    assert!(has(0), "the re-added flow is remembered");
    assert!(!has(1), "the oldest flow is forgotten");
    assert!(has(2) && has(compose::MAX_BASE as u32));
}

#[test]
fn remembered_forwarding_flows_are_bounded_and_permanent_ones_kept() {
    let mut p = Pipeline::new(Version::Of10, [1, 2, 3]);
    p.forwarding(patch(1, 2));
    for i in 0..(compose::MAX_BASE as u32 + 10) {
        p.forwarding(vec![timed_flow(i)]);
    }
    assert_eq!(p.base_len(), compose::MAX_BASE);
    // The patch flows (no timeout) survive: a tap still decorates them.
    let tap = ingress_tap(1, 3);
    let sent = p.update(TapUpdate::Set { tap, rearm: false });
    assert!(sent.iter().any(|m| matches!(m, Msg::FlowMod(f)
        if f.match_.in_port == Some(1) && f.priority == 0x2001)));
}
