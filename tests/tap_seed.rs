//! The static part of issue 5 on real Open vSwitch, on the exact seed topology
//! (`mininet/seed.toml`): h1<->h2, h3<->h4 and h6<->h7 reach each other through patches;
//! h11 (s3 port 11) captures h1's and h7's traffic, untagged, but not h3's or h4's; h8
//! cannot reach h9 (its patch is only activated by the web trigger). Once on OF1.0
//! bridges, once on OF1.3. Needs root; fails, never skips, when OVS, iproute2, ethtool or
//! tcpdump are missing.

mod support;
#[path = "tap_common.rs"]
mod tap_common;

use std::time::Duration;

use support::hosts::pcap_lines;
use support::lab::{Lab, OfVersions};
use tap_common::{wait_for, Ctl};

const SECS: fn(u64) -> Duration = Duration::from_secs;

fn seed_static(versions: OfVersions) {
    let config = include_str!("../mininet/seed.toml").replace(
        "listen = [\"127.0.0.1:6653\"]",
        "listen = [\"127.0.0.1:0\"]",
    );
    let ctl = Ctl::start(&config);
    let mut lab = Lab::seed_topology(Some(ctl.port), versions);
    for s in ["s1", "s2", "s3"] {
        assert!(lab.wait_connected(s, SECS(15)), "{s} did not connect");
    }
    // The taps wait for LLDP to find the uplinks, then install delivery flows on s3.
    wait_for("the h1 and h7 taps on s3", SECS(30), || {
        lab.dump_flows("s3")
            .iter()
            .filter(|f| f.match_fields().iter().any(|m| m.starts_with("dl_vlan=")))
            .count()
            >= 2
    });
    let s1 = lab.dump_flows("s1");
    assert!(
        s1.iter()
            .any(|f| f.actions.contains("mod_vlan_vid") || f.actions.contains("push_vlan")),
        "no copy actions on s1: {s1:#?}"
    );
    for h in ["h1", "h2", "h3", "h4", "h6", "h7", "h8"] {
        lab.flush_arp(h);
    }
    let (cap, pcap) = lab.capture(Some("h11"), "h11-eth0", "icmp", "h11.pcap");
    for (a, b) in [("h1", "h2"), ("h3", "h4"), ("h6", "h7")] {
        assert!(
            lab.ping(a, b, 2, SECS(5)),
            "{a} cannot ping {b} through its patch"
        );
    }
    assert!(
        !lab.ping("h8", "h9", 1, SECS(2)),
        "h8 reached h9 without its patch"
    );
    std::thread::sleep(SECS(1));
    cap.stop_with(libc::SIGINT, SECS(3));
    let seen = pcap_lines(&pcap);
    let has = |s: &str| seen.iter().any(|l| l.contains(s));
    for flow in [
        "10.0.0.1 > 10.0.0.2: ICMP echo request",
        "10.0.0.2 > 10.0.0.1: ICMP echo reply",
        "10.0.0.6 > 10.0.0.7: ICMP echo request",
        "10.0.0.7 > 10.0.0.6: ICMP echo reply",
    ] {
        assert!(has(flow), "h11 did not capture `{flow}`: {seen:#?}");
    }
    for host in ["10.0.0.3", "10.0.0.4", "10.0.0.8", "10.0.0.9"] {
        assert!(!has(host), "h11 captured {host}'s traffic: {seen:#?}");
    }
    assert!(!has("vlan"), "copies reached h11 tagged: {seen:#?}");
}

#[test]
fn seed_static_part_of10() {
    seed_static(OfVersions::Of10);
}

#[test]
fn seed_static_part_of13() {
    seed_static(OfVersions::Of13);
}
