//! Host learning on edge ports, moves, expiry.

use super::*;

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

/// Switch 1 (ports 1 and 2) up at `now`, in an engine that keeps at most `max_hosts`.
fn one_switch(now: Instant, max_hosts: usize) -> Topology {
    let cfg = TopologyConfig {
        max_hosts,
        ..Default::default()
    };
    let mut topo = Topology::new(&cfg, &names()).unwrap();
    topo.switch_up(now, d(1), &ports(1, 2));
    topo
}

#[test]
fn a_mac_flood_stops_at_max_hosts() {
    let now = Instant::now();
    let mut topo = one_switch(now, 3);
    for n in 1..=3 {
        topo.learn_host(now, mac(n), None, p(1, 1), HostSource::PacketIn)
            .unwrap();
    }
    assert_eq!(
        topo.learn_host(now, mac(4), None, p(1, 1), HostSource::PacketIn),
        Err(HostIgnored::TableFull(3))
    );
    // Known hosts still move.
    assert!(matches!(
        topo.learn_host(now, mac(2), None, p(1, 2), HostSource::PacketIn),
        Ok(Some(TopologyEvent::HostMoved { .. }))
    ));
    assert_eq!(topo.snapshot(now).hosts.len(), 3);
}

#[test]
fn only_news_needs_the_exclusive_lock() {
    let t = Instant::now();
    let mut topo = one_switch(t, 2);
    let sec = Duration::from_secs(1);
    let ip = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
    let news = |topo: &Topology, t, m, ip, at| topo.host_sighting_is_news(t, mac(m), ip, at, sec);
    assert_eq!(
        news(&topo, t, 1, Some(ip), p(1, 1)),
        Ok(true),
        "unknown host"
    );
    topo.learn_host(t, mac(1), Some(ip), p(1, 1), HostSource::PacketIn)
        .unwrap();
    assert_eq!(
        news(&topo, t, 1, Some(ip), p(1, 1)),
        Ok(false),
        "nothing new"
    );
    assert_eq!(
        news(&topo, t, 1, None, p(1, 1)),
        Ok(false),
        "no IP is no news"
    );
    let other = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
    assert_eq!(
        news(&topo, t, 1, Some(other), p(1, 1)),
        Ok(true),
        "a new IP"
    );
    let unspecified = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    assert_eq!(
        news(&topo, t, 1, Some(unspecified), p(1, 1)),
        Ok(false),
        "never kept"
    );
    assert_eq!(news(&topo, t, 1, Some(ip), p(1, 2)), Ok(true), "moved");
    assert_eq!(
        news(&topo, t + sec, 1, Some(ip), p(1, 1)),
        Ok(true),
        "refresh due"
    );
    topo.learn_host(t, mac(2), None, p(1, 2), HostSource::PacketIn)
        .unwrap();
    assert_eq!(
        news(&topo, t, 3, None, p(1, 1)),
        Err(HostIgnored::TableFull(2)),
        "full: refused without the exclusive lock"
    );
    assert_eq!(
        news(&topo, t + sec, 2, None, p(1, 2)),
        Ok(true),
        "known hosts still refresh"
    );
}
