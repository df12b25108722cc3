//! Shortest paths and tap paths, with the deterministic tie-break.

use super::*;

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
