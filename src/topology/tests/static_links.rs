//! Static links, with discovery off and beside discovery.

use super::*;

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
fn discovery_limited_to_some_switches_with_static_links_for_the_rest() {
    let cfg: TopologyConfig = toml::from_str(
        r#"
        switches = ["s1", "0x3"]
        [[links]]
        a = "s2:6"
        b = "s3:6"
        "#,
    )
    .unwrap();
    let mut lab = Lab::new(&cfg);
    for i in 0..5 {
        lab.cable(p(1, 6 + i), p(3, 1 + i));
        lab.cable(p(2, 6 + i), p(3, 6 + i));
    }
    lab.up(1, 10);
    lab.up(2, 10);
    lab.up(3, 11);
    let probes = lab.topo.poll_probes(lab.now);
    assert!(probes.iter().all(|pr| pr.dpid != d(2)), "s2 is not probed");
    // s3's probe arriving at s2 is not believed either.
    let from_s3 = probes
        .iter()
        .find(|pr| pr.dpid == d(3) && pr.port == 7)
        .unwrap();
    assert_eq!(
        lab.topo.handle_lldp(lab.now, d(2), 7, &from_s3.frame),
        Err(LldpIgnored::DiscoveryOff(d(2)))
    );
    lab.at(2);
    let links = lab.topo.links();
    let discovered = links
        .iter()
        .filter(|(_, k)| *k == LinkKind::Discovered)
        .count();
    assert_eq!(discovered, 10, "s1 <-> s3 only");
    assert_eq!(links.len(), 12, "plus static s2:6 <-> s3:6");
    assert_eq!(
        lab.topo.path_to_port(d(2), p(3, 11)),
        Some(vec![
            TapHop {
                dpid: d(2),
                in_port: None,
                out_port: 6
            },
            TapHop {
                dpid: d(3),
                in_port: Some(6),
                out_port: 11
            },
        ])
    );
    // s2's undeclared uplinks look like edge ports: declaring links is how to say otherwise.
    assert!(lab.topo.is_edge_port(p(2, 7)));

    let bad: TopologyConfig = toml::from_str("switches = [\"s9\"]").unwrap();
    assert_eq!(
        Topology::new(&bad, &names()).err(),
        Some(TopologyConfigError::UnknownDiscoverySwitch("s9".into()))
    );
}
