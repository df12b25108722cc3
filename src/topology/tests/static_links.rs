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
