//! Trigger latency in the lab: from the first HTTP packet sent to the tap flows confirmed
//! by barrier, on real Open vSwitch with real sFlow.
//!
//! The seed topology (tests/support, userspace OVS, hosts in namespaces), every switch
//! exporting sFlow 1-in-1 to tapdemon's embedded collector, the controller in-process with
//! `mininet/pytapdemon.toml` (the `web` trigger shortened to 2 s so each round starts from
//! an inactive tap). Each round: wait until the `h9` tap is inactive on the switches and in
//! the controller, note the wall clock, let h2 fetch a page from the web server in h1
//! (`curl`, started right after the clock is read, so the figure includes its start-up and
//! is an upper bound), then poll the controller's tap table for `confirmed_at_us`: the wall
//! clock at which the switches' barrier replies confirmed every flow of the activation (the
//! patch's flows go out in the same moment). Latency = confirmed - sent, same clock.
//!
//! Needs root, Open vSwitch, iproute2, ethtool, tcpdump, python3 and curl; takes the lab
//! lock (/tmp/tapdemon-lab.lock). Run: `cargo bench --bench trigger_lab -- [ROUNDS] [of10]`
//! (default 10 rounds on OpenFlow 1.3). Prints one line per round and a summary line.

#[path = "../tests/support/mod.rs"]
mod support;
#[path = "../tests/trigger_common/mod.rs"]
mod trigger_common;

use std::time::{Duration, Instant};

use support::lab::OfVersions;
use trigger_common::{fetch_page, scenario_config, seed_lab, wait_expired, Controller};

const DURATION_SECS: u64 = 2;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rounds: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(10);
    let versions = if args.iter().any(|a| a == "of10") {
        OfVersions::Of10
    } else {
        OfVersions::Of13
    };
    let ctl = Controller::start_with_sources(&scenario_config(DURATION_SECS));
    let (lab, _server) = seed_lab(&ctl, versions);
    let mut lat = Vec::new();
    for round in 1..=rounds {
        assert!(
            wait_expired(&ctl, &lab, "h9", Duration::from_secs(DURATION_SECS + 10)),
            "round {round}: the previous activation did not expire"
        );
        // The collector keeps a per-flow threshold state; a fresh connection is a new flow.
        std::thread::sleep(Duration::from_millis(300));
        let (sent, ok) = fetch_page(&lab);
        assert!(ok, "round {round}: h2 could not fetch the page");
        let start = Instant::now();
        let confirmed = loop {
            if let Some(c) = ctl.tap("h9").confirmed_at_us {
                break c;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "round {round}: the tap was not installed within 10 s: {:?}",
                ctl.tap("h9")
            );
            std::thread::sleep(Duration::from_millis(1));
        };
        assert!(
            confirmed > sent,
            "round {round}: confirmed at {confirmed} µs, before the request ({sent} µs)"
        );
        let ms = (confirmed - sent) as f64 / 1000.0;
        println!("round {round}: {ms:.1} ms");
        lat.push(ms);
    }
    lat.sort_by(f64::total_cmp);
    let median = if lat.len() % 2 == 1 {
        lat[lat.len() / 2]
    } else {
        (lat[lat.len() / 2 - 1] + lat[lat.len() / 2]) / 2.0
    };
    let max = lat.last().copied().unwrap_or(f64::NAN);
    let min = lat.first().copied().unwrap_or(f64::NAN);
    println!(
        "trigger latency {versions:?}: rounds {} median {median:.1} ms min {min:.1} ms max {max:.1} ms target < 1000 ms: {}",
        lat.len(),
        if max < 1000.0 { "pass" } else { "FAIL" }
    );
}
