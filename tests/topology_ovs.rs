//! Topology discovery against real Open vSwitch (needs root; fails, never skips, when OVS,
//! iproute2 or ethtool are missing): a 3-switch line with one switch on OF1.0 and two on
//! OF1.3, hosts at both ends, l2_learning forwarding.
//!
//! Expected: the four directed links are discovered by LLDP within a few probe intervals;
//! every bridge carries the LLDP trap flow; hosts are located on their edge ports although
//! their traffic also crosses the uplinks; taking an uplink down removes its links through
//! port status, well before the link timeout.

mod support;

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use proto::{DatapathId, MacAddr};
use support::controller::{wait_for, InProcess};
use support::lab::{Lab, LinkKind, OfVersions};
use tapdemon::modules::topology::{SharedTopology, LLDP_PRIORITY};
use tapdemon::topology::PortRef;

fn links(topo: &SharedTopology) -> Vec<(PortRef, PortRef)> {
    topo.read()
        .links()
        .into_iter()
        .map(|(l, _)| (l.src, l.dst))
        .collect()
}

#[test]
fn a_mixed_version_line_is_discovered_on_real_ovs() {
    let ctl = InProcess::start(
        "[controller]\nlisten = [\"127.0.0.1:0\"]\n\
         [topology]\nprobe_interval_secs = 1\nlink_timeout_secs = 5\n",
    );
    let port = ctl.port;
    let topo = ctl
        .handle
        .topology
        .clone()
        .expect("the topology module runs");

    let mut lab = Lab::new();
    lab.add_bridge("s1", 1, OfVersions::Of10, Some(port));
    lab.add_bridge("s2", 2, OfVersions::Of13, Some(port));
    lab.add_bridge("s3", 3, OfVersions::Both, Some(port));
    lab.add_host("h1", "s1", 1, 1);
    lab.add_host("h3", "s3", 2, 3);
    lab.link("s1", 2, "s2", 1, LinkKind::Veth);
    lab.link("s2", 2, "s3", 1, LinkKind::Veth);

    let p = |d, n| PortRef::new(DatapathId(d), n);
    let took = wait_for("four links", Duration::from_secs(20), || {
        links(&topo).len() == 4
    });
    eprintln!("line discovered {took:?} after the bridges were set up");
    assert_eq!(
        links(&topo),
        vec![
            (p(1, 2), p(2, 1)),
            (p(2, 1), p(1, 2)),
            (p(2, 2), p(3, 1)),
            (p(3, 1), p(2, 2)),
        ]
    );
    let hops: Vec<_> = topo
        .read()
        .path_to_port(DatapathId(1), p(3, 2))
        .unwrap()
        .into_iter()
        .map(|h| (h.dpid.0, h.in_port, h.out_port))
        .collect();
    assert_eq!(hops, vec![(1, None, 2), (2, Some(1), 2), (3, Some(1), 2)]);

    for bridge in ["s1", "s2", "s3"] {
        let trap = lab
            .dump_flows(bridge)
            .into_iter()
            .find(|f| f.priority == LLDP_PRIORITY)
            .unwrap_or_else(|| panic!("no LLDP flow on {bridge}"));
        assert!(trap.match_.contains("0x88cc"), "{bridge}: {trap:?}");
        assert!(trap.actions.contains("CONTROLLER"), "{bridge}: {trap:?}");
        assert!(trap.n_packets > 0, "{bridge} trapped no probe: {trap:?}");
    }

    // Traffic end to end (l2_learning), then the hosts are where they plug in, not on the
    // uplinks their frames also crossed.
    assert!(
        lab.ping("h1", "h3", 3, Duration::from_secs(10)),
        "h1 cannot ping h3 across the line"
    );
    let h1 = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
    wait_for("h1 and h3 located", Duration::from_secs(5), || {
        topo.read().host_location(h1).is_some()
            && topo
                .read()
                .host_location(MacAddr([0, 0, 0, 0, 0, 3]))
                .is_some()
    });
    assert_eq!(topo.read().host_location(h1), Some(p(1, 1)));
    assert_eq!(
        topo.read().host_location(Ipv4Addr::new(10, 0, 0, 3)),
        Some(p(3, 2))
    );

    // Uplink s2:2 down: port status removes both directions at once (the timeout is 5 s).
    let iface = lab.port_iface("s2", 2);
    let start = Instant::now();
    std::process::Command::new("ip")
        .args(["link", "set", &iface, "down"])
        .status()
        .unwrap();
    wait_for("the s2-s3 links to go", Duration::from_secs(3), || {
        links(&topo) == vec![(p(1, 2), p(2, 1)), (p(2, 1), p(1, 2))]
    });
    eprintln!(
        "links removed {:?} after the port went down",
        start.elapsed()
    );
    assert_eq!(
        topo.read().shortest_path(DatapathId(1), DatapathId(3)),
        None
    );

    // Back up: probed at once, rediscovered.
    std::process::Command::new("ip")
        .args(["link", "set", &iface, "up"])
        .status()
        .unwrap();
    wait_for("the s2-s3 links to return", Duration::from_secs(10), || {
        links(&topo).len() == 4
    });

    drop(ctl);
    drop(lab);
}
