//! The topology module fed events, outbox asserted; the engine's own logic is tested in
//! `src/topology/tests/`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use proto::MacAddr;

use super::*;
use crate::event::{PacketInReason, PortDesc, SwitchId, Timer};
use crate::modules::hosts::{source_ip, HostsModule, FULL_PAUSE};
use crate::switch::Version;
use crate::topology::{LinkKind, PortRef};

fn sw(n: u64) -> SwitchId {
    SwitchId {
        dpid: DatapathId(n),
        name: Some(Arc::from(format!("s{n}").as_str())),
    }
}

fn port(dpid: u64, n: u32, up: bool) -> PortDesc {
    PortDesc {
        port_no: n,
        hw_addr: MacAddr([2, 0, 0, 0, dpid as u8, n as u8]),
        name: format!("s{dpid}-eth{n}"),
        admin_down: false,
        link_down: !up,
    }
}

fn up(dpid: u64, version: Version, ports: &[(u32, bool)]) -> Event {
    Event::SwitchUp {
        info: Arc::new(SwitchInfo {
            id: sw(dpid),
            version,
            n_buffers: 0,
            n_tables: 254,
            ports: ports
                .iter()
                .map(|(n, live)| (*n, port(dpid, *n, *live)))
                .collect(),
        }),
        replaced: false,
    }
}

fn packet_in(dpid: u64, in_port: u32, data: Bytes) -> Event {
    Event::PacketIn(PacketIn {
        switch: sw(dpid),
        in_port,
        reason: PacketInReason::Action,
        buffer_id: None,
        table_id: 0,
        cookie: COOKIE,
        total_len: data.len() as u16,
        match_: Match {
            in_port: Some(in_port),
            ..Match::default()
        },
        data,
    })
}

fn module() -> TopologyModule {
    let names = (1..=3).map(|i| (format!("s{i}"), DatapathId(i))).collect();
    TopologyModule::new(&TopologyConfig::default(), &names).unwrap()
}

fn run(m: &mut TopologyModule, now: Instant, ev: Event) -> Outbox {
    let mut out = Outbox::new();
    m.handle(now, &ev, &mut out);
    out
}

/// (port, frame) of each probe packet-out queued for `dpid`.
fn probes(out: &Outbox, dpid: u64) -> Vec<(u32, Bytes)> {
    out.packet_outs(DatapathId(dpid))
        .into_iter()
        .map(|po| {
            assert_eq!(po.in_port, None);
            assert_eq!(po.buffer_id, None);
            let [Action::Output {
                port: PortNo::Number(p),
                ..
            }] = po.actions[..]
            else {
                panic!("unexpected actions {:?}", po.actions);
            };
            (p, po.data.clone())
        })
        .collect()
}

#[test]
fn switch_up_installs_the_lldp_flow_and_probes_live_ports() {
    for version in [Version::Of10, Version::Of13] {
        let mut m = module();
        let t0 = Instant::now();
        let mut out = run(
            &mut m,
            t0,
            up(1, version, &[(1, true), (2, false), (3, true)]),
        );
        let fms = out.flow_mods(DatapathId(1));
        assert_eq!(fms.len(), 1);
        let fm = fms[0];
        assert_eq!(fm.priority, LLDP_PRIORITY);
        assert_eq!(fm.cookie, COOKIE);
        assert_eq!(fm.match_.eth_type, Some(0x88cc));
        assert_eq!(fm.match_.eth_dst, Some(Masked::exact(lldp::NEAREST_BRIDGE)));
        assert_eq!(
            fm.actions,
            vec![Action::Output {
                port: PortNo::Controller,
                max_len: 0xffff
            }]
        );
        let sent = probes(&out, 1);
        assert_eq!(sent.iter().map(|(p, _)| *p).collect::<Vec<_>>(), vec![1, 3]);
        for (p, frame) in &sent {
            let repr = lldp::Repr::parse(frame).unwrap();
            assert_eq!(repr.probe_origin(), Some((DatapathId(1), *p)));
            assert_eq!(repr.src, MacAddr([2, 0, 0, 0, 1, *p as u8]));
        }
        assert_eq!(out.timers().len(), 1);
        assert_eq!(out.timers()[0].after, Duration::from_secs(2));
        // The flow goes in a confirmed batch; its result is only logged.
        let batches = out.take_batches();
        assert!(batches
            .iter()
            .any(|(_, b)| b.confirm == Some(LLDP_FLOW_BATCH)));
    }
}

#[test]
fn probes_in_packet_ins_make_links_both_ways() {
    let mut m = module();
    let t0 = Instant::now();
    // s1 port 2 <-> s2 port 1.
    let out1 = run(&mut m, t0, up(1, Version::Of13, &[(1, true), (2, true)]));
    run(&mut m, t0, up(2, Version::Of10, &[(1, true), (2, true)]));
    let (_, frame) = probes(&out1, 1).into_iter().find(|(p, _)| *p == 2).unwrap();
    let out = run(&mut m, t0, packet_in(2, 1, frame));
    // The new link asks for s2's probe back on port 1 at once.
    let back = probes(&out, 2);
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].0, 1);
    run(&mut m, t0, packet_in(1, 2, back[0].1.clone()));
    let links: Vec<_> = m
        .shared()
        .read()
        .links()
        .into_iter()
        .map(|(l, k)| (l.src, l.dst, k))
        .collect();
    let p = |d, n| PortRef::new(DatapathId(d), n);
    assert_eq!(
        links,
        vec![
            (p(1, 2), p(2, 1), LinkKind::Discovered),
            (p(2, 1), p(1, 2), LinkKind::Discovered)
        ]
    );
    assert_eq!(
        m.shared()
            .read()
            .shortest_path(DatapathId(1), DatapathId(2))
            .map(|h| h.len()),
        Some(1)
    );
    // A port going down takes the link with it.
    run(
        &mut m,
        t0,
        Event::PortStatus(PortStatus {
            switch: sw(2),
            reason: PortReason::Delete,
            port: port(2, 1, false),
        }),
    );
    assert!(m.shared().read().links().is_empty());
}

#[test]
fn timers_resend_probes_and_expire_silent_links() {
    let mut m = module();
    let t0 = Instant::now();
    let out1 = run(&mut m, t0, up(1, Version::Of13, &[(1, true)]));
    run(&mut m, t0, up(2, Version::Of13, &[(1, true)]));
    let (_, frame) = probes(&out1, 1).pop().unwrap();
    run(&mut m, t0, packet_in(2, 1, frame));
    assert_eq!(m.shared().read().links().len(), 1);
    // Each tick re-sends probes and re-arms; nothing comes back, so the link expires at 6 s.
    let mut at = t0;
    for _ in 0..3 {
        let after = m.timer_at.unwrap().saturating_duration_since(at);
        assert_eq!(after, Duration::from_secs(2));
        at += after;
        let out = run(
            &mut m,
            at,
            Event::Timer(crate::event::Timer { id: TIMER_ID }),
        );
        assert_eq!(probes(&out, 1).len(), 1);
        assert_eq!(probes(&out, 2).len(), 1);
        assert_eq!(out.timers().len(), 1);
    }
    assert!(m.shared().read().links().is_empty());
}

fn ether(src: MacAddr, ethertype: u16, payload: &[u8]) -> Bytes {
    let mut f = vec![0xff; 6];
    f.extend_from_slice(&src.0);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    Bytes::from(f)
}

#[test]
fn hosts_are_learned_from_packet_ins() {
    let mut m = module();
    let t0 = Instant::now();
    run(&mut m, t0, up(1, Version::Of13, &[(1, true), (2, true)]));
    let h1 = MacAddr([0, 0, 0, 0, 0, 1]);
    // An ARP request from 10.0.0.1.
    let mut arp = vec![0, 1, 8, 0, 6, 4, 0, 1];
    arp.extend_from_slice(&h1.0);
    arp.extend_from_slice(&[10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2]);
    // Host frames are not the topology module's: the switch task's `hosts` learns them.
    let frame = packet_in(1, 2, ether(h1, 0x0806, &arp));
    let Event::PacketIn(pi) = &frame else {
        unreachable!()
    };
    assert!(!(m.packet_in_filter().unwrap())(pi));
    let out = run(&mut m, t0, frame.clone());
    assert!(out.is_empty());
    assert_eq!(m.shared().read().host_location(h1), None);
    let mut hosts = HostsModule::new(m.shared()).per_switch().unwrap();
    let mut out = Outbox::new();
    hosts.handle(t0, &frame, &mut out);
    assert!(out.is_empty());
    let at = m.shared().read().host_location(Ipv4Addr::new(10, 0, 0, 1));
    assert_eq!(at, Some(PortRef::new(DatapathId(1), 2)));
    assert_eq!(
        m.shared().read().host_location(h1),
        Some(PortRef::new(DatapathId(1), 2))
    );
}

#[test]
fn hosts_learned_in_switch_tasks_still_expire() {
    // Discovery off: no probe timer would otherwise be pending.
    let cfg = TopologyConfig {
        enabled: false,
        ..TopologyConfig::default()
    };
    let life = Duration::from_secs(cfg.host_timeout_secs);
    let mut m = TopologyModule::new(&cfg, &BTreeMap::new()).unwrap();
    let t0 = Instant::now();
    let out = run(&mut m, t0, up(1, Version::Of10, &[(1, true)]));
    let [timer] = out.timers() else {
        panic!("one timer expected, got {:?}", out.timers());
    };
    assert!(timer.after <= life, "timer in {:?}", timer.after);
    // The sighting goes straight into the engine, past the module.
    let h1 = MacAddr([0, 0, 0, 0, 0, 1]);
    let mut hosts = HostsModule::new(m.shared());
    let t1 = t0 + Duration::from_secs(1);
    hosts.handle(
        t1,
        &packet_in(1, 1, ether(h1, 0x88b5, &[])),
        &mut Outbox::new(),
    );
    assert!(m.shared().read().host_location(h1).is_some());
    // The first timer finds it fresh and re-arms for its expiry, which then removes it.
    let out = run(
        &mut m,
        t0 + timer.after,
        Event::Timer(Timer { id: timer.id }),
    );
    assert!(m.shared().read().host_location(h1).is_some());
    let [next] = out.timers() else {
        panic!("one timer expected, got {:?}", out.timers());
    };
    assert_eq!(t0 + timer.after + next.after, t1 + life);
    run(&mut m, t1 + life, Event::Timer(Timer { id: next.id }));
    assert_eq!(m.shared().read().host_location(h1), None);
}

/// A topology module whose host table holds one host, with switch 1 (ports 1 and 2) up.
fn one_host_table(t0: Instant) -> TopologyModule {
    let cfg = TopologyConfig {
        enabled: false,
        max_hosts: 1,
        ..TopologyConfig::default()
    };
    let mut m = TopologyModule::new(&cfg, &BTreeMap::new()).unwrap();
    run(&mut m, t0, up(1, Version::Of10, &[(1, true), (2, true)]));
    m
}

#[test]
fn a_full_host_table_pauses_this_switchs_sightings_then_notices_moves() {
    let t0 = Instant::now();
    let m = one_host_table(t0);
    let mut hosts = HostsModule::new(m.shared()).per_switch().unwrap();
    let (h1, h2) = (MacAddr([0, 0, 0, 0, 0, 1]), MacAddr([0, 0, 0, 0, 0, 2]));
    let mut see = |t: Instant, mac: MacAddr, port: u32| {
        let frame = packet_in(1, port, ether(mac, 0x88b5, &[]));
        hosts.handle(t, &frame, &mut Outbox::new());
    };
    see(t0, h1, 1);
    // The table (one host) is full: h2 is refused, and the pause begins.
    see(t0, h2, 2);
    assert_eq!(m.shared().read().host_location(h2), None);
    // Within the pause this switch does not ask the engine: h1's move goes unnoticed...
    let moved = |m: &TopologyModule| m.shared().read().host_location(h1);
    see(t0 + FULL_PAUSE / 2, h1, 2);
    assert_eq!(moved(&m), Some(PortRef::new(DatapathId(1), 1)));
    // ...and its next frame after the pause records it.
    see(t0 + FULL_PAUSE, h1, 2);
    assert_eq!(moved(&m), Some(PortRef::new(DatapathId(1), 2)));
}

#[test]
fn refusals_are_counted_across_instances() {
    let t0 = Instant::now();
    let m = one_host_table(t0);
    let shared = HostsModule::new(m.shared());
    let mut a = shared.per_switch().unwrap();
    for i in 1..=5u8 {
        let frame = packet_in(1, 1, ether(MacAddr([0, 0, 0, 0, 0, i]), 0x88b5, &[]));
        a.handle(t0, &frame, &mut Outbox::new());
    }
    // One learned, four refused (three of them during the pause); an instance that ends
    // reports what it counted.
    drop(a);
    assert_eq!(shared.refused(), 4);
}

#[test]
fn source_ip_reads_every_kind_and_never_panics() {
    let mac = MacAddr([0, 0, 0, 0, 0, 9]);
    let mut ip4 = vec![
        0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 9, 10, 0, 0, 8,
    ];
    assert_eq!(
        source_ip(&ether(mac, 0x0800, &ip4)),
        Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9)))
    );
    let mut ip6 = vec![0x60, 0, 0, 0, 0, 0, 58, 64];
    ip6.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
    ip6.extend_from_slice(&[0; 16]);
    let mut tagged = vec![0x00, 0x05, 0x86, 0xdd];
    tagged.extend_from_slice(&ip6);
    assert_eq!(
        source_ip(&ether(mac, 0x8100, &tagged)),
        Some(IpAddr::V6(Ipv6Addr::LOCALHOST))
    );
    // Non-IPv4 ARP, other EtherTypes, and every truncation: no address, no panic.
    assert_eq!(
        source_ip(&ether(mac, 0x0806, &[0, 1, 0x86, 0xdd, 6, 16])),
        None
    );
    assert_eq!(source_ip(&ether(mac, 0x88b5, &ip4)), None);
    ip4.truncate(15);
    let f = ether(mac, 0x0800, &ip4);
    for n in 0..f.len() {
        assert_eq!(source_ip(&f[..n]), None);
    }
}
