//! LLDP discovery: probes, link up/down, expiry, forged frames, snapshots.

use super::*;

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
    let t4 = lab.t0 + Duration::from_secs(4);
    let probe = lab
        .topo
        .poll_probes(t4)
        .into_iter()
        .find(|pr| pr.dpid == d(3) && pr.port == 1)
        .unwrap();
    assert_eq!(
        lab.topo.handle_lldp(t4, d(1), 6, &probe.frame),
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
    // A genuine probe replayed after the link timeout (6 s) is refused.
    let later = now + Duration::from_secs(7);
    assert_eq!(
        lab.topo.handle_lldp(later, d(3), 1, &ours.frame),
        Err(LldpIgnored::Stale(p(1, 6)))
    );
    // The same frame with its timestamp edited no longer matches its tag.
    let mut edited = ours.frame.to_vec();
    let repr = lldp::Repr::parse(&ours.frame).unwrap();
    let tlv_at = edited.len() - 2 - 20;
    assert_eq!(
        &edited[tlv_at..tlv_at + 4],
        &[0x0e, 0x74, 0x64, 1],
        "{repr:?}"
    );
    edited[tlv_at + 11] ^= 1;
    assert_eq!(
        lab.topo.handle_lldp(now, d(3), 1, &Bytes::from(edited)),
        Err(LldpIgnored::BadTag(p(1, 6)))
    );
    // Fresh, it is accepted.
    assert_eq!(
        count_up(&lab.topo.handle_lldp(now, d(3), 1, &ours.frame).unwrap()),
        1
    );
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

#[test]
fn quiet_ports_are_never_probed() {
    let cfg: TopologyConfig = toml::from_str("quiet_ports = [\"s3:11\", \"s1:1\"]").unwrap();
    let mut lab = Lab::new(&cfg);
    lab.up(1, 2);
    lab.up(3, 11);
    let probed = |lab: &mut Lab, t: u64| -> Vec<PortRef> {
        lab.topo
            .poll_probes(lab.t0 + Duration::from_secs(t))
            .iter()
            .map(|pr| p(pr.dpid.0, pr.port))
            .collect()
    };
    let first = probed(&mut lab, 0);
    assert_eq!(first.len(), 11);
    assert!(!first.contains(&p(3, 11)) && !first.contains(&p(1, 1)));
    lab.topo.set_quiet(p(1, 1), false);
    lab.topo.set_quiet(p(3, 10), true);
    let second = probed(&mut lab, 2);
    assert!(second.contains(&p(1, 1)) && !second.contains(&p(3, 10)));
    assert_eq!(
        Topology::new(&toml::from_str("quiet_ports = [\"s3\"]").unwrap(), &names()).err(),
        Some(TopologyConfigError::BadQuietPort {
            index: 0,
            value: "s3".into()
        })
    );
}
