//! Scenario tests: the engine driven by a fake wiring that carries each probe to the port at
//! the other end of its cable, on a virtual clock.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use bytes::Bytes;
use proto::pkt::lldp;
use proto::{DatapathId, MacAddr};

use super::*;

fn d(n: u64) -> DatapathId {
    DatapathId(n)
}

fn p(dpid: u64, port: u32) -> PortRef {
    PortRef::new(DatapathId(dpid), port)
}

fn mac(n: u8) -> MacAddr {
    MacAddr([0, 0, 0, 0, 0, n])
}

fn port_desc(dpid: u64, number: u32, live: bool) -> PortDesc {
    PortDesc {
        number,
        name: format!("s{dpid}-eth{number}"),
        hw_addr: MacAddr([2, 0, 0, 0, dpid as u8, number as u8]),
        live,
    }
}

fn ports(dpid: u64, n: u32) -> Vec<PortDesc> {
    (1..=n).map(|i| port_desc(dpid, i, true)).collect()
}

fn names() -> BTreeMap<String, DatapathId> {
    (1..=3).map(|i| (format!("s{i}"), d(i))).collect()
}

/// Switches, cables and a clock around one engine.
struct Lab {
    topo: Topology,
    cables: BTreeMap<PortRef, PortRef>,
    t0: Instant,
    now: Instant,
}

impl Lab {
    fn new(config: &TopologyConfig) -> Lab {
        let t0 = Instant::now();
        Lab {
            topo: Topology::new(config, &names()).unwrap(),
            cables: BTreeMap::new(),
            t0,
            now: t0,
        }
    }

    fn cable(&mut self, a: PortRef, b: PortRef) {
        self.cables.insert(a, b);
        self.cables.insert(b, a);
    }

    fn cut(&mut self, a: PortRef) {
        if let Some(b) = self.cables.remove(&a) {
            self.cables.remove(&b);
        }
    }

    fn up(&mut self, dpid: u64, nports: u32) -> Vec<TopologyEvent> {
        self.topo.switch_up(self.now, d(dpid), &ports(dpid, nports))
    }

    /// Advance to `secs` after start, expire, then send due probes over the cables.
    fn at(&mut self, secs: u64) -> Vec<TopologyEvent> {
        self.now = self.t0 + Duration::from_secs(secs);
        let mut events = self.topo.handle_timeout(self.now);
        // Answers to new links are due at once; a bounded loop delivers them too.
        for _ in 0..3 {
            for probe in self.topo.poll_probes(self.now) {
                if let Some(peer) = self.cables.get(&p(probe.dpid.0, probe.port)).copied() {
                    if let Ok(e) =
                        self.topo
                            .handle_lldp(self.now, peer.dpid, peer.port, &probe.frame)
                    {
                        events.extend(e);
                    }
                }
            }
        }
        let next = self.topo.poll_timeout();
        assert!(next.is_none_or(|t| t > self.now), "probes left due");
        events
    }

    fn link_set(&self) -> Vec<(PortRef, PortRef)> {
        self.topo
            .links()
            .into_iter()
            .map(|(l, _)| (l.src, l.dst))
            .collect()
    }
}

/// PyTapDEMon: s1 6-10 <-> s3 1-5, s2 6-10 <-> s3 6-10, h11 on s3 port 11.
fn seed() -> Lab {
    let mut lab = Lab::new(&TopologyConfig::default());
    for i in 0..5 {
        lab.cable(p(1, 6 + i), p(3, 1 + i));
        lab.cable(p(2, 6 + i), p(3, 6 + i));
    }
    lab.up(1, 10);
    lab.up(2, 10);
    lab.up(3, 11);
    lab
}

fn count_up(events: &[TopologyEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, TopologyEvent::LinkUp { .. }))
        .count()
}

#[test]
fn seed_topology_is_discovered() {
    let mut lab = seed();
    let events = lab.at(0);
    assert_eq!(count_up(&events), 20, "{events:#?}");
    let mut want = Vec::new();
    for i in 0..5 {
        want.extend([
            (p(1, 6 + i), p(3, 1 + i)),
            (p(3, 1 + i), p(1, 6 + i)),
            (p(2, 6 + i), p(3, 6 + i)),
            (p(3, 6 + i), p(2, 6 + i)),
        ]);
    }
    want.sort();
    assert_eq!(lab.link_set(), want);
    for port in 1..=5 {
        assert!(lab.topo.is_edge_port(p(1, port)));
        assert!(lab.topo.is_edge_port(p(2, port)));
        assert!(!lab.topo.is_edge_port(p(1, port + 5)));
        assert!(!lab.topo.is_edge_port(p(3, port)));
    }
    assert!(lab.topo.is_edge_port(p(3, 11)));
    assert!(!lab.topo.is_edge_port(p(4, 1)), "unknown switch");
    // Probes keep links up without new events.
    for t in 1..30 {
        assert_eq!(lab.at(t), vec![], "at {t}s");
    }
    assert_eq!(lab.link_set().len(), 20);
}

#[test]
fn probes_follow_the_interval() {
    let mut lab = seed();
    assert_eq!(lab.topo.poll_timeout(), Some(lab.t0));
    assert_eq!(lab.topo.poll_probes(lab.t0).len(), 31);
    assert_eq!(lab.topo.poll_probes(lab.t0).len(), 0);
    let next = lab.t0 + Duration::from_secs(2);
    assert_eq!(lab.topo.poll_timeout(), Some(next));
    assert_eq!(
        lab.topo.poll_probes(next - Duration::from_millis(1)).len(),
        0
    );
    let probes = lab.topo.poll_probes(next);
    assert_eq!(probes.len(), 31);
    let probe = &probes[0];
    assert_eq!((probe.dpid, probe.port), (d(1), 1));
    let repr = lldp::Repr::parse(&probe.frame).unwrap();
    assert_eq!(repr.probe_origin(), Some((d(1), 1)));
    assert_eq!(repr.src, MacAddr([2, 0, 0, 0, 1, 1]));
    assert_eq!(repr.dst, lldp::NEAREST_BRIDGE);
    assert_eq!(repr.ttl, 6);
    assert_eq!(repr.system_name(), Some("s1"));
}

#[test]
fn links_expire_without_probes() {
    let mut lab = seed();
    lab.at(0);
    lab.cut(p(2, 6));
    for t in 1..6 {
        assert_eq!(lab.at(t), vec![], "at {t}s");
    }
    let events = lab.at(6);
    let mut down: Vec<_> = events
        .iter()
        .map(|e| match e {
            TopologyEvent::LinkDown {
                link,
                reason: LinkDownReason::Timeout,
                kind: LinkKind::Discovered,
            } => (link.src, link.dst),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    down.sort();
    assert_eq!(down, vec![(p(2, 6), p(3, 6)), (p(3, 6), p(2, 6))]);
    assert_eq!(lab.link_set().len(), 18);
    assert!(lab.topo.is_edge_port(p(2, 6)));
    // Re-plugging brings it back at the next probe.
    lab.cable(p(2, 6), p(3, 6));
    assert_eq!(count_up(&lab.at(8)), 2);
}

#[test]
fn port_down_removes_links_at_once() {
    let mut lab = seed();
    lab.at(0);
    let events = lab
        .topo
        .port_status(lab.now, d(1), PortUpdate::Changed(port_desc(1, 6, false)));
    let down: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            TopologyEvent::LinkDown { link, reason, .. } => Some((link.src, link.dst, *reason)),
            _ => None,
        })
        .collect();
    assert_eq!(
        down,
        vec![
            (p(1, 6), p(3, 1), LinkDownReason::PortDown),
            (p(3, 1), p(1, 6), LinkDownReason::PortDown)
        ]
    );
    // s3 keeps probing port 1, but the receiving port is down: nothing comes back.
    assert_eq!(lab.at(2), vec![]);
    let probe = lab
        .topo
        .poll_probes(lab.t0 + Duration::from_secs(4))
        .into_iter()
        .find(|pr| pr.dpid == d(3) && pr.port == 1)
        .unwrap();
    assert_eq!(
        lab.topo.handle_lldp(lab.now, d(1), 6, &probe.frame),
        Err(LldpIgnored::PortNotLive(p(1, 6)))
    );
    // Port up: probed at once, link back.
    let now = lab.t0 + Duration::from_secs(5);
    lab.topo
        .port_status(now, d(1), PortUpdate::Changed(port_desc(1, 6, true)));
    assert_eq!(count_up(&lab.at(5)), 2);
    // Deleting the port works the same way.
    let events = lab.topo.port_status(lab.now, d(3), PortUpdate::Deleted(1));
    assert!(events.iter().all(|e| matches!(
        e,
        TopologyEvent::LinkDown {
            reason: LinkDownReason::PortDeleted,
            ..
        }
    )));
    assert_eq!(events.len(), 2);
}

#[test]
fn switch_down_removes_its_links_and_hosts() {
    let mut lab = seed();
    lab.at(0);
    lab.topo
        .learn_host(lab.now, mac(8), None, p(2, 3), HostSource::PacketIn)
        .unwrap();
    let events = lab.topo.switch_down(d(2));
    assert_eq!(events.len(), 11, "{events:#?}");
    assert_eq!(lab.link_set().len(), 10);
    assert_eq!(lab.topo.host_location(mac(8)), None);
    assert_eq!(lab.topo.shortest_path(d(2), d(3)), None);
    assert_eq!(lab.topo.switch_down(d(2)), vec![]);
}

#[test]
fn seed_path_uses_lowest_uplink() {
    let mut lab = seed();
    lab.at(0);
    let hop = Hop {
        dpid: d(2),
        out_port: 6,
        next_dpid: d(3),
        next_in_port: 6,
    };
    assert_eq!(lab.topo.shortest_path(d(2), d(3)), Some(vec![hop]));
    let tap = vec![
        TapHop {
            dpid: d(2),
            in_port: None,
            out_port: 6,
        },
        TapHop {
            dpid: d(3),
            in_port: Some(6),
            out_port: 11,
        },
    ];
    assert_eq!(lab.topo.path_to_port(d(2), p(3, 11)), Some(tap));
    assert_eq!(lab.topo.shortest_path(d(3), d(3)), Some(vec![]));
    assert_eq!(
        lab.topo.path_to_port(d(3), p(3, 11)),
        Some(vec![TapHop {
            dpid: d(3),
            in_port: None,
            out_port: 11
        }])
    );
    // s1 to s2 goes through s3 on the lowest ports of each.
    let path = lab.topo.shortest_path(d(1), d(2)).unwrap();
    assert_eq!(
        path.iter()
            .map(|h| (h.dpid.0, h.out_port, h.next_dpid.0, h.next_in_port))
            .collect::<Vec<_>>(),
        vec![(1, 6, 3, 1), (3, 6, 2, 6)]
    );
    // Uplink 6 down: 7 takes over; back up: 6 again.
    lab.topo
        .port_status(lab.now, d(2), PortUpdate::Changed(port_desc(2, 6, false)));
    assert_eq!(lab.topo.shortest_path(d(2), d(3)).unwrap()[0].out_port, 7);
    lab.topo.port_status(
        lab.t0 + Duration::from_secs(1),
        d(2),
        PortUpdate::Changed(port_desc(2, 6, true)),
    );
    lab.at(1);
    assert_eq!(lab.topo.shortest_path(d(2), d(3)).unwrap()[0].out_port, 6);
}

#[test]
fn path_choice_does_not_depend_on_discovery_order() {
    // Learn the uplinks highest port first: the path still picks the lowest.
    let mut lab = seed();
    let probes = lab.topo.poll_probes(lab.now);
    for pr in probes.iter().rev() {
        if let Some(peer) = lab.cables.get(&p(pr.dpid.0, pr.port)).copied() {
            lab.topo
                .handle_lldp(lab.now, peer.dpid, peer.port, &pr.frame)
                .unwrap();
        }
    }
    assert_eq!(lab.topo.shortest_path(d(2), d(3)).unwrap()[0].out_port, 6);
    assert_eq!(lab.topo.shortest_path(d(3), d(2)).unwrap()[0].out_port, 6);
    assert_eq!(lab.topo.shortest_path(d(3), d(1)).unwrap()[0].out_port, 1);
}

/// s1 -- s2 -- s3, host ports 1 on s1 and 2 on s3.
fn line() -> Lab {
    let mut lab = Lab::new(&TopologyConfig::default());
    lab.cable(p(1, 2), p(2, 1));
    lab.cable(p(2, 2), p(3, 1));
    lab.up(1, 2);
    lab.up(2, 3);
    lab.up(3, 2);
    lab.at(0);
    lab
}

#[test]
fn line_topology_paths() {
    let mut lab = line();
    assert_eq!(lab.link_set().len(), 4);
    assert_eq!(
        lab.topo.path_to_port(d(1), p(3, 2)),
        Some(vec![
            TapHop {
                dpid: d(1),
                in_port: None,
                out_port: 2
            },
            TapHop {
                dpid: d(2),
                in_port: Some(1),
                out_port: 2
            },
            TapHop {
                dpid: d(3),
                in_port: Some(1),
                out_port: 2
            },
        ])
    );
    let back = lab.topo.shortest_path(d(3), d(1)).unwrap();
    assert_eq!(
        back.iter()
            .map(|h| (h.dpid.0, h.out_port, h.next_in_port))
            .collect::<Vec<_>>(),
        vec![(3, 1, 2), (2, 1, 2)]
    );
    // The middle switch goes: no path, until it returns.
    lab.topo.switch_down(d(2));
    assert_eq!(lab.topo.shortest_path(d(1), d(3)), None);
    assert_eq!(lab.topo.path_to_port(d(1), p(3, 2)), None);
    lab.now = lab.t0 + Duration::from_secs(1);
    lab.up(2, 3);
    lab.at(1);
    assert_eq!(lab.topo.shortest_path(d(1), d(3)).map(|p| p.len()), Some(2));
}

#[test]
fn one_way_link_is_used_one_way_only() {
    let mut lab = line();
    // s3's probes no longer reach s2 (a unidirectional fault): s3 -> s2 expires, s2 -> s3 stays.
    lab.cables.remove(&p(3, 1));
    for t in 1..=6 {
        lab.at(t);
    }
    assert!(lab.topo.shortest_path(d(2), d(3)).is_some());
    assert_eq!(lab.topo.shortest_path(d(3), d(2)), None);
    assert!(!lab.topo.is_edge_port(p(3, 1)));
}

#[test]
fn recabling_replaces_the_link() {
    let mut lab = line();
    // s1 port 2 moves from s2 port 1 to s2 port 3.
    lab.cut(p(1, 2));
    lab.cable(p(1, 2), p(2, 3));
    let events = lab.at(2);
    assert!(events.contains(&TopologyEvent::LinkDown {
        link: Link {
            src: p(1, 2),
            dst: p(2, 1)
        },
        kind: LinkKind::Discovered,
        reason: LinkDownReason::Replaced
    }));
    assert_eq!(count_up(&events), 2);
    assert_eq!(lab.topo.shortest_path(d(2), d(1)).unwrap()[0].out_port, 3);
}

#[test]
fn hosts_are_learned_on_edge_ports_only() {
    let mut lab = seed();
    lab.at(0);
    let ip9 = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9));
    let learned = lab
        .topo
        .learn_host(lab.now, mac(9), Some(ip9), p(2, 4), HostSource::PacketIn)
        .unwrap();
    assert_eq!(
        learned,
        Some(TopologyEvent::HostLearned {
            mac: mac(9),
            location: p(2, 4)
        })
    );
    // The same host seen again: no event. Seen from the uplink (a copy of its traffic
    // flooded through s3): ignored, the location stays.
    assert_eq!(
        lab.topo
            .learn_host(lab.now, mac(9), Some(ip9), p(2, 4), HostSource::Sflow),
        Ok(None)
    );
    assert_eq!(
        lab.topo
            .learn_host(lab.now, mac(9), None, p(3, 6), HostSource::PacketIn),
        Err(HostIgnored::NotEdgePort(p(3, 6)))
    );
    assert_eq!(lab.topo.host_location(mac(9)), Some(p(2, 4)));
    assert_eq!(lab.topo.host_location(ip9), Some(p(2, 4)));
    assert_eq!(
        lab.topo.host_location(Ipv4Addr::new(10, 0, 0, 8)),
        None,
        "unknown ip"
    );
    // Group and zero MACs, unknown switches.
    assert!(lab
        .topo
        .learn_host(
            lab.now,
            MacAddr::BROADCAST,
            None,
            p(2, 4),
            HostSource::PacketIn
        )
        .is_err());
    assert!(lab
        .topo
        .learn_host(
            lab.now,
            MacAddr::default(),
            None,
            p(2, 4),
            HostSource::PacketIn
        )
        .is_err());
    assert_eq!(
        lab.topo
            .learn_host(lab.now, mac(1), None, p(9, 1), HostSource::PacketIn),
        Err(HostIgnored::UnknownSwitch(d(9)))
    );
    // 0.0.0.0 (a DHCP client) is not an address of the host.
    lab.topo
        .learn_host(
            lab.now,
            mac(7),
            Some(Ipv4Addr::UNSPECIFIED.into()),
            p(2, 2),
            HostSource::PacketIn,
        )
        .unwrap();
    assert!(lab.topo.host(mac(7)).unwrap().ips.is_empty());
}

#[test]
fn hosts_move_and_expire() {
    let mut lab = seed();
    lab.at(0);
    let ip = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3));
    lab.topo
        .learn_host(lab.now, mac(3), Some(ip), p(1, 3), HostSource::PacketIn)
        .unwrap();
    let moved = lab
        .topo
        .learn_host(lab.now, mac(3), None, p(2, 5), HostSource::Sflow)
        .unwrap();
    assert_eq!(
        moved,
        Some(TopologyEvent::HostMoved {
            mac: mac(3),
            from: p(1, 3),
            to: p(2, 5)
        })
    );
    assert_eq!(lab.topo.host_location(ip), Some(p(2, 5)));
    // The address is taken over by another MAC.
    lab.topo
        .learn_host(lab.now, mac(4), Some(ip), p(1, 4), HostSource::PacketIn)
        .unwrap();
    assert_eq!(lab.topo.host_location(ip), Some(p(1, 4)));
    assert!(lab.topo.host(mac(3)).unwrap().ips.is_empty());
    // Default idle timeout is 300 s; refreshing mac(4) at 200 s keeps it to 500 s.
    lab.now = lab.t0 + Duration::from_secs(200);
    lab.topo
        .learn_host(lab.now, mac(4), None, p(1, 4), HostSource::PacketIn)
        .unwrap();
    // (Links expire too: this test sends no probes.)
    let hosts_only = |events: Vec<TopologyEvent>| -> Vec<TopologyEvent> {
        events
            .into_iter()
            .filter(|e| matches!(e, TopologyEvent::HostRemoved { .. }))
            .collect()
    };
    let expired = hosts_only(lab.topo.handle_timeout(lab.t0 + Duration::from_secs(300)));
    assert_eq!(
        expired,
        vec![TopologyEvent::HostRemoved {
            mac: mac(3),
            location: p(2, 5),
            reason: HostRemovedReason::Timeout
        }]
    );
    assert!(lab.topo.host(mac(4)).is_some());
    assert_eq!(
        hosts_only(lab.topo.handle_timeout(lab.t0 + Duration::from_secs(499))),
        vec![]
    );
    assert_eq!(
        hosts_only(lab.topo.handle_timeout(lab.t0 + Duration::from_secs(500))).len(),
        1
    );
    assert_eq!(lab.topo.host_location(ip), None);
}

#[test]
fn hosts_go_with_their_port_and_when_their_port_becomes_a_link() {
    let mut lab = seed();
    lab.at(0);
    lab.topo
        .learn_host(lab.now, mac(1), None, p(1, 1), HostSource::PacketIn)
        .unwrap();
    let events = lab
        .topo
        .port_status(lab.now, d(1), PortUpdate::Changed(port_desc(1, 1, false)));
    assert_eq!(
        events,
        vec![TopologyEvent::HostRemoved {
            mac: mac(1),
            location: p(1, 1),
            reason: HostRemovedReason::PortDown
        }]
    );

    // Traffic from h11 arrives on s1's uplink before discovery has seen that link: learned
    // there, then forgotten when the link comes up.
    let mut lab = seed();
    lab.topo
        .learn_host(lab.now, mac(11), None, p(1, 6), HostSource::PacketIn)
        .unwrap();
    let events = lab.at(0);
    assert!(events.contains(&TopologyEvent::HostRemoved {
        mac: mac(11),
        location: p(1, 6),
        reason: HostRemovedReason::PortIsLink
    }));
    assert_eq!(lab.topo.host_location(mac(11)), None);
    lab.topo
        .learn_host(lab.now, mac(11), None, p(3, 11), HostSource::PacketIn)
        .unwrap();
    assert_eq!(lab.topo.host_location(mac(11)), Some(p(3, 11)));
}

fn static_config(enabled: bool) -> TopologyConfig {
    toml::from_str::<BTreeMap<String, TopologyConfig>>(&format!(
        r#"
        [topology]
        enabled = {enabled}
        [[topology.links]]
        a = "s1:2"
        b = "s2:1"
        [[topology.links]]
        a = "0x2:2"
        b = "0000000000000003:1"
        "#
    ))
    .unwrap()
    .remove("topology")
    .unwrap()
}

#[test]
fn static_links_without_discovery() {
    let mut lab = Lab::new(&static_config(false));
    lab.cable(p(1, 2), p(2, 1));
    lab.cable(p(2, 2), p(3, 1));
    assert_eq!(lab.up(1, 2), vec![], "s2 not up yet");
    assert_eq!(count_up(&lab.up(2, 3)), 2);
    assert_eq!(count_up(&lab.up(3, 2)), 2);
    assert!(lab.topo.poll_probes(lab.now).is_empty(), "discovery is off");
    assert_eq!(lab.topo.poll_timeout(), None);
    assert_eq!(lab.link_set().len(), 4);
    assert!(lab.topo.links().iter().all(|(_, k)| *k == LinkKind::Static));
    assert!(!lab.topo.is_edge_port(p(2, 1)));
    // Never expire.
    assert_eq!(lab.at(3600), vec![]);
    assert_eq!(lab.topo.shortest_path(d(1), d(3)).map(|p| p.len()), Some(2));
    // Down with their port, up again with it.
    let events = lab
        .topo
        .port_status(lab.now, d(2), PortUpdate::Changed(port_desc(2, 2, false)));
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|e| matches!(
        e,
        TopologyEvent::LinkDown {
            kind: LinkKind::Static,
            reason: LinkDownReason::PortDown,
            ..
        }
    )));
    assert_eq!(lab.topo.shortest_path(d(1), d(3)), None);
    assert!(!lab.topo.is_edge_port(p(2, 2)), "still a link port");
    lab.topo
        .port_status(lab.now, d(2), PortUpdate::Changed(port_desc(2, 2, true)));
    assert_eq!(lab.topo.shortest_path(d(1), d(3)).map(|p| p.len()), Some(2));
    // And with their switch.
    let events = lab.topo.switch_down(d(3));
    assert!(events.iter().all(|e| matches!(
        e,
        TopologyEvent::LinkDown {
            reason: LinkDownReason::SwitchDown,
            ..
        }
    )));
    assert_eq!(events.len(), 2);
}

#[test]
fn static_links_beside_discovery() {
    let mut lab = Lab::new(&static_config(true));
    lab.cable(p(1, 2), p(2, 1));
    lab.cable(p(2, 2), p(3, 1));
    lab.cable(p(1, 1), p(3, 2));
    lab.up(1, 2);
    lab.up(2, 2);
    lab.up(3, 2);
    let probes = lab.topo.poll_probes(lab.now);
    let probed: Vec<_> = probes.iter().map(|pr| p(pr.dpid.0, pr.port)).collect();
    assert_eq!(
        probed,
        vec![p(1, 1), p(3, 2)],
        "static ports are not probed"
    );
    for pr in probes {
        let peer = lab.cables[&p(pr.dpid.0, pr.port)];
        lab.topo
            .handle_lldp(lab.now, peer.dpid, peer.port, &pr.frame)
            .unwrap();
    }
    let kinds: Vec<_> = lab.topo.links().iter().map(|(_, k)| *k).collect();
    assert_eq!(kinds.len(), 6);
    assert_eq!(kinds.iter().filter(|k| **k == LinkKind::Static).count(), 4);
    // s1 -> s3 direct (discovered) beats two static hops.
    assert_eq!(lab.topo.shortest_path(d(1), d(3)).map(|p| p.len()), Some(1));
    // Adding a static link over a discovered one replaces it.
    let events = lab.topo.add_static_link(p(1, 1), p(3, 2)).unwrap();
    assert_eq!(events.len(), 4, "{events:#?}");
    assert_eq!(
        lab.topo.add_static_link(p(1, 1), p(3, 1)),
        Err(StaticLinkError::PortInUse {
            port: p(1, 1),
            peer: p(3, 2)
        })
    );
}

#[test]
fn forged_and_foreign_lldp_is_ignored() {
    let mut lab = seed();
    let now = lab.now;
    // A plain OVS/Ryu-style probe claiming s1:6, sent by a host on s2 port 1.
    let forged = lldp::Repr::probe(d(1), 6, mac(6), 120, None)
        .to_bytes()
        .unwrap();
    assert_eq!(
        lab.topo.handle_lldp(now, d(2), 1, &forged),
        Err(LldpIgnored::Foreign)
    );
    // A probe from another tapdemon instance: right format, wrong key.
    let mut other = Topology::new(&TopologyConfig::default(), &names()).unwrap();
    other.switch_up(now, d(1), &ports(1, 10));
    let theirs = other
        .poll_probes(now)
        .into_iter()
        .find(|pr| pr.port == 6)
        .unwrap();
    assert_eq!(
        lab.topo.handle_lldp(now, d(3), 1, &theirs.frame),
        Err(LldpIgnored::BadTag(p(1, 6)))
    );
    assert!(matches!(
        lab.topo
            .handle_lldp(now, d(3), 1, &Bytes::from_static(&[0u8; 20])),
        Err(LldpIgnored::Malformed(_))
    ));
    // Our own probe, but the receiver is not connected.
    let ours = lab
        .topo
        .poll_probes(now)
        .into_iter()
        .find(|pr| pr.dpid == d(1) && pr.port == 6)
        .unwrap();
    assert_eq!(
        lab.topo.handle_lldp(now, d(7), 1, &ours.frame),
        Err(LldpIgnored::UnknownSwitch(d(7)))
    );
    assert_eq!(
        lab.topo.handle_lldp(now, d(1), 6, &ours.frame),
        Err(LldpIgnored::Looped(p(1, 6)))
    );
    assert!(lab.topo.links().is_empty());
}

#[test]
fn config_errors_name_the_key() {
    let parse = |s: &str| toml::from_str::<TopologyConfig>(s);
    assert!(
        parse("probe_interval = 2").is_err(),
        "unknown keys are refused"
    );
    assert!(parse("[[links]]\na = \"s1:1\"\nb = \"s2:1\"\nc = 1").is_err());
    let cfg = |s: &str| Topology::new(&parse(s).unwrap(), &names()).err();
    assert_eq!(
        cfg("probe_interval_secs = 0"),
        Some(TopologyConfigError::ZeroProbeInterval)
    );
    assert_eq!(
        cfg("probe_interval_secs = 5\nlink_timeout_secs = 5"),
        Some(TopologyConfigError::LinkTimeoutTooShort {
            timeout: 5,
            interval: 5
        })
    );
    let e = cfg("[[links]]\na = \"s1:6\"\nb = \"s3\"").unwrap();
    assert_eq!(
        e.to_string(),
        "topology.links[0].b: \"s3\" is not SWITCH:PORT (like \"s1:6\")"
    );
    let e = cfg("[[links]]\na = \"s1:6\"\nb = \"s3:1\"\n[[links]]\na = \"s9:6\"\nb = \"s3:2\"")
        .unwrap();
    assert_eq!(
        e,
        TopologyConfigError::UnknownSwitch {
            index: 1,
            end: "a",
            name: "s9".into()
        }
    );
    let e = cfg("[[links]]\na = \"s1:6\"\nb = \"s3:1\"\n[[links]]\na = \"s1:6\"\nb = \"s3:2\"")
        .unwrap();
    assert_eq!(
        e.to_string(),
        "topology.links[1]: port 0000000000000001:6 already has a static link to 0000000000000003:1"
    );
    assert!(matches!(
        cfg("[[links]]\na = \"s1:0\"\nb = \"s3:1\""),
        Some(TopologyConfigError::BadEndpoint { .. })
    ));
    assert!(matches!(
        cfg("[[links]]\na = \"s1:6\"\nb = \"s1:6\""),
        Some(TopologyConfigError::StaticLink {
            source: StaticLinkError::SelfLink(_),
            ..
        })
    ));
    // Defaults.
    let t = Topology::new(&parse("").unwrap(), &names()).unwrap();
    assert_eq!(t.probe_interval(), Duration::from_secs(2));
    assert_eq!(t.timers.link_timeout, Duration::from_secs(6));
}

#[test]
fn snapshot_serialises() {
    let mut lab = line();
    lab.topo
        .learn_host(
            lab.now,
            mac(1),
            Some(Ipv4Addr::new(10, 0, 0, 1).into()),
            p(1, 1),
            HostSource::PacketIn,
        )
        .unwrap();
    let snap = lab.topo.snapshot(lab.t0 + Duration::from_secs(1));
    assert_eq!(snap.switches.len(), 3);
    assert_eq!(snap.switches[0].name.as_deref(), Some("s1"));
    assert!(snap.switches[0].ports[0].edge);
    assert!(!snap.switches[0].ports[1].edge);
    assert_eq!(snap.links.len(), 4);
    assert_eq!(snap.links[0].last_probe_secs, Some(1.0));
    let json = serde_json::to_value(&snap).unwrap();
    assert_eq!(json["hosts"][0]["mac"], "00:00:00:00:00:01");
    assert_eq!(json["hosts"][0]["ips"][0], "10.0.0.1");
    assert_eq!(json["hosts"][0]["location"]["port"], 1);
    assert_eq!(json["links"][0]["kind"], "discovered");
    let back: Snapshot = serde_json::from_value(json).unwrap();
    assert_eq!(back, snap);
}
