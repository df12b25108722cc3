//! Taps in a general network on real Open vSwitch: a 3-switch line with l2_learning,
//! h1 on s1:1, h2 on s2:2, h3 on s3:2, a monitor host h9 on s3:3 two switches away from
//! h1. Expected: with the tap on h1's port, h1, h2 and h3 all still ping each other, h9
//! captures h1's traffic (untagged, both directions) and nothing of h2<->h3; after the tap
//! is removed, no tap flow is left on any switch, everyone still pings, and h9 captures no
//! more copies. Once on OF1.0 bridges, once on OF1.3. Needs root; fails, never skips, when
//! OVS, iproute2, ethtool or tcpdump are missing.

mod support;

use std::time::Duration;

use support::controller::{wait_for, InProcess as Ctl};
use support::hosts::pcap_lines;
use support::lab::{Lab, LinkKind, OfVersions};
use tapdemon::modules::control::Control;

const SECS: fn(u64) -> Duration = Duration::from_secs;

const CONFIG: &str = r#"
[controller]
listen = ["127.0.0.1:0"]
[switches]
s1 = 1
s2 = 2
s3 = 3
[topology]
probe_interval_secs = 1
[[tap]]
name = "h1"
source = "s1:1"
direction = "both"
monitor = "s3:3"
"#;

/// Flows on `bridge` that belong to a tap (cookie 0x7d03...) or to the pipeline's monitor
/// guard (0x7d0f..., not the OF1.3 table-0 default at priority 0).
fn tap_flows(lab: &Lab, bridge: &str) -> usize {
    lab.dump_flows(bridge)
        .iter()
        .filter(|f| f.cookie >> 48 == 0x7d03 || (f.cookie >> 48 == 0x7d0f && f.priority != 0))
        .count()
}

fn ping_all(lab: &Lab) {
    for h in ["h1", "h2", "h3"] {
        lab.flush_arp(h);
    }
    for (a, b) in [("h1", "h2"), ("h1", "h3"), ("h2", "h3")] {
        assert!(lab.ping(a, b, 2, SECS(5)), "{a} cannot ping {b}");
        assert!(lab.ping(b, a, 1, SECS(5)), "{b} cannot ping {a}");
    }
}

fn line(versions: OfVersions) {
    let ctl = Ctl::start(CONFIG);
    let mut lab = Lab::new();
    for (s, d) in [("s1", 1), ("s2", 2), ("s3", 3)] {
        lab.add_bridge(s, d, versions, Some(ctl.port));
    }
    lab.add_host("h1", "s1", 1, 1);
    lab.add_host("h2", "s2", 2, 2);
    lab.add_host("h3", "s3", 2, 3);
    lab.add_host("h9", "s3", 3, 9);
    lab.link("s1", 2, "s2", 1, LinkKind::Veth);
    lab.link("s2", 3, "s3", 1, LinkKind::Veth);
    for s in ["s1", "s2", "s3"] {
        assert!(lab.wait_connected(s, SECS(15)), "{s} did not connect");
    }
    wait_for("the tap on all three switches", SECS(30), || {
        ["s1", "s2", "s3"].iter().all(|s| tap_flows(&lab, s) > 0)
    });

    let (cap, pcap) = lab.capture(
        Some("h9"),
        &lab.host("h9").iface.clone(),
        "icmp",
        "h9-tap.pcap",
    );
    ping_all(&lab);
    std::thread::sleep(SECS(1));
    cap.stop_with(libc::SIGINT, SECS(3));
    let seen = pcap_lines(&pcap);
    let has = |s: &str| seen.iter().any(|l| l.contains(s));
    for flow in [
        "10.0.0.1 > 10.0.0.2: ICMP echo request",
        "10.0.0.2 > 10.0.0.1: ICMP echo reply",
        "10.0.0.3 > 10.0.0.1: ICMP echo request",
        "10.0.0.1 > 10.0.0.3: ICMP echo reply",
    ] {
        assert!(has(flow), "h9 did not capture `{flow}`: {seen:#?}");
    }
    assert!(!has("10.0.0.2 > 10.0.0.3"), "h9 captured h2->h3: {seen:#?}");
    assert!(!has("10.0.0.3 > 10.0.0.2"), "h9 captured h3->h2: {seen:#?}");
    assert!(!has("vlan"), "copies reached h9 tagged: {seen:#?}");

    // Remove the tap: exactly its flows go, forwarding stays.
    let removed = ctl.handle.bus.control(
        "tap",
        Control::Deactivate {
            name: "h1".into(),
            by: "test".into(),
        },
    );
    assert!(removed, "the tap module is not running");
    wait_for("no tap flows left", SECS(10), || {
        ["s1", "s2", "s3"].iter().all(|s| tap_flows(&lab, s) == 0)
    });
    let (cap, pcap) = lab.capture(
        Some("h9"),
        &lab.host("h9").iface.clone(),
        "icmp",
        "h9-after.pcap",
    );
    ping_all(&lab);
    std::thread::sleep(SECS(1));
    cap.stop_with(libc::SIGINT, SECS(3));
    let seen = pcap_lines(&pcap);
    assert!(
        !seen.iter().any(|l| l.contains("ICMP echo reply")),
        "h9 still gets copies after the tap was removed: {seen:#?}"
    );
}

#[test]
fn line_tap_of10() {
    line(OfVersions::Of10);
}

#[test]
fn line_tap_of13() {
    line(OfVersions::Of13);
}
