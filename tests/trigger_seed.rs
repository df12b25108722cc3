//! The triggered part of issue 5 end to end, on real Open vSwitch and the exact seed
//! topology, driven by real sFlow: every switch exports sFlow (sampling 1-in-1) to the
//! controller's embedded collector, configured by `mininet/pytapdemon.toml` (its `web`
//! flow, threshold and trigger; only the trigger's duration is shortened to 4 s).
//!
//! Before: h8 cannot reach h9 and the `h9` tap is inactive. Then h2 fetches a page over
//! HTTP from a real web server in h1's namespace; the collector sees the web flow, the
//! threshold fires, the trigger activates `patch:s2-3-4` and `tap:h9`. Within 2 s of the
//! request h8 pings h9, h11 (s3 port 11) captures that ICMP, s2's flows carry the 4 s hard
//! timeout and the controller's tap table says active and installed (with the barrier
//! confirmation time). When the activation expires, h8 no longer reaches h9, the switches
//! hold none of its flows, and the controller says inactive. Once on OF1.3 bridges, once on
//! OF1.0. Needs root; fails, never skips, when OVS, iproute2, ethtool, tcpdump, python3 or
//! curl are missing.

mod support;
#[path = "trigger_common/mod.rs"]
mod trigger_common;

use std::time::{Duration, Instant};

use support::hosts::pcap_lines;
use support::lab::OfVersions;
use trigger_common::{fetch_page, scenario_config, seed_lab, wait_expired, Controller};

const DURATION_SECS: u64 = 4;

fn triggered(versions: OfVersions) {
    let ctl = Controller::start_with_sources(&scenario_config(DURATION_SECS));
    let (mut lab, _server) = seed_lab(&ctl, versions);

    // Before: no path between h8 and h9, nothing active.
    lab.flush_arp("h8");
    lab.flush_arp("h9");
    assert!(
        !lab.ping("h8", "h9", 1, Duration::from_secs(2)),
        "h8 reached h9 before any web traffic"
    );
    let h9 = ctl.tap("h9");
    assert!(!h9.active && h9.state == "inactive", "{h9:?}");
    assert!(
        lab.dump_flows("s2").iter().all(|f| f.hard_timeout == 0),
        "timed flows on s2 before the trigger: {:#?}",
        lab.dump_flows("s2")
    );
    lab.flush_arp("h8");
    lab.flush_arp("h9");

    // The trigger: one page fetched by h2 from h1.
    let (cap, pcap) = lab.capture(Some("h11"), "h11-eth0", "icmp", "h11-triggered.pcap");
    let start = Instant::now();
    let (sent_us, fetched) = fetch_page(&lab);
    assert!(fetched, "h2 could not fetch the page from h1");
    let mut reached = None;
    while start.elapsed() < Duration::from_secs(2) {
        let left = Duration::from_secs(2).saturating_sub(start.elapsed());
        if lab.ping("h8", "h9", 1, left.min(Duration::from_millis(500))) {
            reached = Some(start.elapsed());
            break;
        }
    }
    let Some(took) = reached else {
        panic!(
            "h8 did not reach h9 within 2 s of the HTTP request; tap h9: {:?}; s2: {:#?}",
            ctl.tap("h9"),
            lab.dump_flows("s2")
        );
    };
    eprintln!("{versions:?}: HTTP request to h8 reaching h9: {took:?}");

    // Active in the controller, confirmed by barrier after the request was sent.
    let h9 = ctl.tap("h9");
    assert!(h9.active, "{h9:?}");
    assert_eq!(h9.state, "installed", "{h9:?}");
    let confirmed = h9.confirmed_at_us.expect("no barrier confirmation time");
    assert!(
        confirmed > sent_us && confirmed - sent_us < 2_000_000,
        "confirmed at {confirmed} µs, request sent at {sent_us} µs"
    );
    eprintln!(
        "{versions:?}: HTTP request to tap flows confirmed: {} ms",
        (confirmed - sent_us) / 1000
    );

    // s2 carries the patch and the tap with the configured hard timeout.
    let s2 = lab.dump_flows("s2");
    let timed: Vec<_> = s2
        .iter()
        .filter(|f| f.hard_timeout == DURATION_SECS as u16)
        .collect();
    assert!(
        timed.iter().any(|f| f.actions.contains("output:4"))
            && timed.iter().any(|f| f.actions.contains("output:3"))
            && timed
                .iter()
                .any(|f| f.output_ports().iter().any(|p| (6..=10).contains(p))),
        "s2 lacks the patch 3<->4 and the copies to an uplink with hard_timeout={DURATION_SECS}: {s2:#?}"
    );

    // h11 captures the ICMP between h8 and h9.
    assert!(lab.ping("h8", "h9", 2, Duration::from_secs(3)));
    std::thread::sleep(Duration::from_millis(500));
    cap.stop_with(libc::SIGINT, Duration::from_secs(3));
    let seen = pcap_lines(&pcap);
    for flow in [
        "10.0.0.8 > 10.0.0.9: ICMP echo request",
        "10.0.0.9 > 10.0.0.8: ICMP echo reply",
    ] {
        assert!(
            seen.iter().any(|l| l.contains(flow)),
            "h11 did not capture `{flow}`: {seen:#?}"
        );
    }
    assert!(
        !seen.iter().any(|l| l.contains("vlan")),
        "copies reached h11 tagged: {seen:#?}"
    );

    // Expiry: the switch drops the flows, the controller agrees, h8 is cut off again.
    assert!(
        wait_expired(&ctl, &lab, "h9", Duration::from_secs(DURATION_SECS + 6)),
        "the activation did not expire; tap h9: {:?}; s2: {:#?}",
        ctl.tap("h9"),
        lab.dump_flows("s2")
    );
    let h9 = ctl.tap("h9");
    assert_eq!(
        (h9.active, h9.state.as_str(), h9.confirmed_at_us),
        (false, "inactive", None),
        "{h9:?}"
    );
    assert!(h9.switches.is_empty(), "{h9:?}");
    lab.flush_arp("h8");
    lab.flush_arp("h9");
    assert!(
        !lab.ping("h8", "h9", 1, Duration::from_secs(2)),
        "h8 still reaches h9 after the activation expired"
    );
    // The static patches and taps are untouched.
    assert!(lab.ping("h1", "h2", 1, Duration::from_secs(3)));
}

#[test]
fn http_fetch_opens_h8_h9_and_mirrors_h9_until_expiry_of13() {
    triggered(OfVersions::Of13);
}

#[test]
fn http_fetch_opens_h8_h9_and_mirrors_h9_until_expiry_of10() {
    triggered(OfVersions::Of10);
}
