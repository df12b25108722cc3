//! l2_learning fed events, outbox asserted (Faucet's valve tests, without sockets).

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;

use super::*;
use crate::event::{PacketInReason, PortDesc, SwitchId};

const DP: DatapathId = DatapathId(2);

fn mac(n: u8) -> MacAddr {
    MacAddr([0, 0, 0, 0, 0, n])
}

fn sw() -> SwitchId {
    SwitchId {
        dpid: DP,
        name: Some(Arc::from("s2")),
    }
}

fn up(version: Version) -> Event {
    Event::SwitchUp {
        info: Arc::new(SwitchInfo {
            id: sw(),
            version,
            n_buffers: 0,
            n_tables: 254,
            ports: BTreeMap::new(),
        }),
        replaced: false,
    }
}

fn frame(dst: MacAddr, src: MacAddr) -> Bytes {
    let mut f = Vec::new();
    f.extend_from_slice(&dst.0);
    f.extend_from_slice(&src.0);
    f.extend_from_slice(&[0x08, 0x00]);
    f.extend_from_slice(&[0x45; 46]);
    Bytes::from(f)
}

fn pkt(in_port: u32, dst: MacAddr, src: MacAddr) -> Event {
    let data = frame(dst, src);
    Event::PacketIn(PacketIn {
        switch: sw(),
        in_port,
        reason: PacketInReason::NoMatch,
        buffer_id: None,
        table_id: 0,
        cookie: 0,
        total_len: data.len() as u16,
        match_: Match {
            in_port: Some(in_port),
            ..Match::default()
        },
        data,
    })
}

fn port_event(port: u32, reason: PortReason, link_down: bool) -> Event {
    Event::PortStatus(PortStatus {
        switch: sw(),
        reason,
        port: PortDesc {
            port_no: port,
            hw_addr: mac(0xee),
            name: format!("s2-eth{port}"),
            admin_down: false,
            link_down,
        },
    })
}

fn run(m: &mut L2Learning, now: Instant, ev: Event) -> Outbox {
    let mut out = Outbox::new();
    m.handle(now, &ev, &mut out);
    out
}

fn output(port: PortNo) -> Vec<Action> {
    vec![Action::Output { port, max_len: 0 }]
}

#[test]
fn of13_gets_table_miss_at_connect_of10_none() {
    let mut m = L2Learning::new(L2LearningConfig::default());
    let t = Instant::now();
    let mut out = run(&mut m, t, up(Version::Of13));
    let b = out.take_batches();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].1.confirm, Some(TABLE_MISS_BATCH));
    let Msg::FlowMod(clear) = &b[0].1.msgs[0] else {
        panic!("{:?}", b[0].1.msgs)
    };
    assert_eq!(clear.command, proto::flow::Command::Delete);
    assert_eq!((clear.cookie, clear.cookie_mask), (0x4c32, u64::MAX));
    assert_eq!(b[0].1.msgs[1], Msg::Barrier);
    let Msg::FlowMod(miss) = &b[0].1.msgs[2] else {
        panic!()
    };
    assert_eq!(miss.priority, 0);
    assert_eq!(miss.match_, Match::default());
    assert_eq!(
        miss.actions,
        vec![Action::Output {
            port: PortNo::Controller,
            max_len: 0xffff
        }]
    );
    let mut m = L2Learning::new(L2LearningConfig::default());
    assert!(run(&mut m, t, up(Version::Of10)).is_empty());
}

#[test]
fn unknown_floods_then_known_installs_flow_and_packet_out() {
    let mut m = L2Learning::new(L2LearningConfig::default());
    let t = Instant::now();
    run(&mut m, t, up(Version::Of10));
    // h1 (port 1) -> h2: unknown, flooded, h1 learned.
    let out = run(&mut m, t, pkt(1, mac(2), mac(1)));
    assert!(out.flow_mods(DP).is_empty());
    let po = out.packet_outs(DP);
    assert_eq!(po.len(), 1);
    assert_eq!(po[0].actions, output(PortNo::Flood));
    assert_eq!(po[0].in_port, Some(PortNo::Number(1)));
    assert_eq!(po[0].data, frame(mac(2), mac(1)));
    assert_eq!(m.lookup(t, DP, mac(1)), Some(1));
    // h2 (port 3) -> h1: known, flow on in_port+src+dst with the idle timeout, then sent.
    let out = run(&mut m, t, pkt(3, mac(1), mac(2)));
    let fm = out.flow_mods(DP);
    assert_eq!(fm.len(), 1);
    assert_eq!(
        fm[0].match_,
        Match {
            in_port: Some(3),
            eth_src: Some(Masked::exact(mac(2))),
            eth_dst: Some(Masked::exact(mac(1))),
            ..Match::default()
        }
    );
    assert_eq!(fm[0].actions, output(PortNo::Number(1)));
    assert_eq!((fm[0].idle_timeout, fm[0].hard_timeout), (60, 0));
    assert_eq!((fm[0].priority, fm[0].cookie), (0x1000, 0x4c32));
    let po = out.packet_outs(DP);
    assert_eq!(po.len(), 1);
    assert_eq!(po[0].actions, output(PortNo::Number(1)));
    // Flow before packet-out in what the switch receives.
    let b = run(&mut m, t, pkt(3, mac(1), mac(2))).take_batches();
    assert!(matches!(
        b[0].1.msgs[..],
        [Msg::FlowMod(_), Msg::PacketOut(_)]
    ));
}

#[test]
fn dst_only_match_and_config_timeouts() {
    let cfg = L2LearningConfig {
        flow_match: FlowMatch::Dst,
        idle_timeout: 7,
        hard_timeout: 30,
        ..L2LearningConfig::default()
    };
    let mut m = L2Learning::new(cfg);
    let t = Instant::now();
    run(&mut m, t, up(Version::Of13));
    run(&mut m, t, pkt(1, mac(2), mac(1)));
    let out = run(&mut m, t, pkt(2, mac(1), mac(2)));
    let fm = out.flow_mods(DP);
    assert_eq!(
        fm[0].match_,
        Match {
            eth_dst: Some(Masked::exact(mac(1))),
            ..Match::default()
        }
    );
    assert_eq!((fm[0].idle_timeout, fm[0].hard_timeout), (7, 30));
}

#[test]
fn multicast_and_broadcast_flood_and_are_not_learned() {
    let mut m = L2Learning::new(L2LearningConfig::default());
    let t = Instant::now();
    run(&mut m, t, up(Version::Of10));
    run(&mut m, t, pkt(1, mac(9), mac(1)));
    let out = run(&mut m, t, pkt(2, MacAddr::BROADCAST, mac(2)));
    assert!(out.flow_mods(DP).is_empty());
    assert_eq!(out.packet_outs(DP)[0].actions, output(PortNo::Flood));
    let mcast = MacAddr([0x01, 0x00, 0x5e, 0, 0, 1]);
    let out = run(&mut m, t, pkt(2, mcast, mac(2)));
    assert_eq!(out.packet_outs(DP)[0].actions, output(PortNo::Flood));
    // A multicast source is never learned.
    run(&mut m, t, pkt(2, mac(1), mcast));
    assert_eq!(m.lookup(t, DP, mcast), None);
    // LLDP / STP are not forwarded at all.
    let lldp = MacAddr([0x01, 0x80, 0xc2, 0, 0, 0x0e]);
    assert!(run(&mut m, t, pkt(2, lldp, mac(2))).is_empty());
}

#[test]
fn hairpin_is_dropped() {
    let mut m = L2Learning::new(L2LearningConfig::default());
    let t = Instant::now();
    run(&mut m, t, up(Version::Of10));
    run(&mut m, t, pkt(1, mac(9), mac(1)));
    run(&mut m, t, pkt(1, mac(9), mac(2)));
    assert!(run(&mut m, t, pkt(1, mac(1), mac(2))).is_empty());
}

#[test]
fn port_down_forgets_macs_and_deletes_flows_toward_it() {
    let mut m = L2Learning::new(L2LearningConfig::default());
    let t = Instant::now();
    run(&mut m, t, up(Version::Of13));
    run(&mut m, t, pkt(1, mac(9), mac(1)));
    run(&mut m, t, pkt(4, mac(9), mac(4)));
    // A port coming up changes nothing.
    assert!(run(&mut m, t, port_event(1, PortReason::Modify, false)).is_empty());
    let out = run(&mut m, t, port_event(1, PortReason::Modify, true));
    assert_eq!(m.lookup(t, DP, mac(1)), None);
    assert_eq!(m.lookup(t, DP, mac(4)), Some(4));
    let fm = out.flow_mods(DP);
    assert_eq!(fm.len(), 2);
    assert_eq!(fm[0].command, proto::flow::Command::Delete);
    assert_eq!(fm[0].out_port, Some(PortNo::Number(1)));
    assert_eq!((fm[0].cookie, fm[0].cookie_mask), (0x4c32, u64::MAX));
    assert_eq!(fm[1].match_.in_port, Some(1));
    // Deleted port, on 1.0: no cookie mask (1.0 has none).
    let mut m = L2Learning::new(L2LearningConfig::default());
    run(&mut m, t, up(Version::Of10));
    run(&mut m, t, pkt(4, mac(9), mac(4)));
    let out = run(&mut m, t, port_event(4, PortReason::Delete, false));
    assert_eq!(m.lookup(t, DP, mac(4)), None);
    assert_eq!(out.flow_mods(DP)[0].cookie_mask, 0);
}

#[test]
fn moved_host_and_aging() {
    let mut m = L2Learning::new(L2LearningConfig::default());
    let t = Instant::now();
    run(&mut m, t, up(Version::Of10));
    run(&mut m, t, pkt(1, mac(9), mac(1)));
    let out = run(&mut m, t, pkt(5, mac(9), mac(1)));
    assert_eq!(m.lookup(t, DP, mac(1)), Some(5));
    let fm = out.flow_mods(DP);
    assert_eq!(fm[0].command, proto::flow::Command::Delete);
    assert_eq!(fm[0].match_.eth_dst, Some(Masked::exact(mac(1))));
    let later = t + Duration::from_secs(301);
    assert_eq!(m.lookup(later, DP, mac(1)), None);
    let out = run(&mut m, later, pkt(2, mac(1), mac(2)));
    assert_eq!(out.packet_outs(DP)[0].actions, output(PortNo::Flood));
}

#[test]
fn table_full_stops_learning_and_switch_down_forgets() {
    let cfg = L2LearningConfig {
        max_macs: 2,
        ..L2LearningConfig::default()
    };
    let mut m = L2Learning::new(cfg);
    let t = Instant::now();
    run(&mut m, t, up(Version::Of10));
    for n in 1..=3 {
        run(&mut m, t, pkt(u32::from(n), mac(0x99), mac(n)));
    }
    assert_eq!(m.lookup(t, DP, mac(3)), None);
    assert_eq!(m.not_learned, 1);
    run(
        &mut m,
        t,
        Event::SwitchDown {
            switch: sw(),
            reason: Arc::new(crate::switch::ConnectionError::Closed),
        },
    );
    assert_eq!(m.lookup(t, DP, mac(1)), None);
    // Events from switches that are not up are ignored.
    assert!(run(&mut m, t, pkt(1, mac(2), mac(1))).is_empty());
}

#[test]
fn buffered_packet_is_released_by_the_flow_mod() {
    let mut m = L2Learning::new(L2LearningConfig::default());
    let t = Instant::now();
    run(&mut m, t, up(Version::Of10));
    run(&mut m, t, pkt(1, mac(9), mac(1)));
    let Event::PacketIn(mut pi) = pkt(2, mac(1), mac(2)) else {
        unreachable!()
    };
    pi.buffer_id = Some(77);
    let out = run(&mut m, t, Event::PacketIn(pi));
    assert_eq!(out.flow_mods(DP)[0].buffer_id, Some(77));
    assert!(out.packet_outs(DP).is_empty());
}
