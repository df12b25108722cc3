//! Fault: the same datapath id connecting twice (issue 7; cf. Floodlight CVE-2024-29461,
//! where two switches with one id evict each other forever).
//!
//! 1. A one-shot impostor (a fake switch) claims the id of a connected OVS bridge: it
//!    replaces the real session (SwitchUp says `replaced`), the real bridge reconnects
//!    within seconds, replaces the impostor back, and is served (h1 pings h2).
//! 2. Two real bridges with the same `other-config:datapath-id`, both reconnecting for
//!    15 s: newer-wins replacements stop after `FLAP_LIMIT` (hold-down), the established
//!    session then stays put and the twin is refused, logged as an error.
//!
//! Needs root and OVS; fails, never skips, when they are missing.

#[path = "fake/mod.rs"]
mod fake;
#[path = "fault_common/mod.rs"]
mod fault_common;
mod support;

use std::net::SocketAddr;
use std::time::Instant;

use fault_common::{wait_for, Ctl, Seen, SECS};
use proto::DatapathId;
use support::lab::{Lab, OfVersions};
use tapdemon::switch::handle::FLAP_LIMIT;

const CONFIG: &str = r#"
[controller]
listen = ["127.0.0.1:0"]
echo_interval_secs = 1
echo_misses = 3
"#;

const REAL: u64 = 0x10;
const TWIN: u64 = 0x20;

fn ups(ctl: &Ctl, dpid: u64, since: Instant) -> Vec<bool> {
    ctl.events_since(since)
        .into_iter()
        .filter_map(|e| match e {
            Seen::Up { dpid: d, replaced } if d == dpid => Some(replaced),
            _ => None,
        })
        .collect()
}

#[test]
fn newer_session_wins_without_flapping() {
    let ctl = Ctl::start(CONFIG, false);
    let mut lab = Lab::new();
    lab.add_bridge("s1", REAL, OfVersions::Of13, Some(ctl.port));
    lab.add_host("h1", "s1", 1, 1);
    lab.add_host("h2", "s1", 2, 2);
    assert!(lab.wait_connected("s1", SECS(15)), "s1 did not connect");
    wait_for("s1 registered", SECS(5), || ctl.conn(REAL).is_some());
    let real = ctl.conn(REAL).unwrap();

    // 1. The impostor: newer wins, then the real switch wins it back.
    let t0 = Instant::now();
    let addr: SocketAddr = ([127, 0, 0, 1], ctl.port).into();
    let mut impostor = ctl.rt.block_on(async {
        let mut f = fake::FakeSwitch::connect(addr).await;
        f.handshake13(REAL, 9).await;
        f
    });
    let imp = ctl.conn(REAL).expect("impostor registered");
    assert_ne!(imp, real, "the impostor did not replace the real session");
    // The modules hear of it a moment after the registry changed (a loaded machine once
    // showed the registry ahead of the event).
    wait_for("the impostor's SwitchUp", SECS(5), || {
        !ups(&ctl, REAL, t0).is_empty()
    });
    assert!(
        ups(&ctl, REAL, t0).first() == Some(&true),
        "the impostor's SwitchUp does not say it replaced a session: {:?}",
        ctl.events_since(t0)
    );
    ctl.rt
        .block_on(async { impostor.expect_closed(SECS(10)).await });
    let back = wait_for("the real switch back", SECS(10), || {
        ctl.handle
            .switches
            .get(DatapathId(REAL))
            .is_some_and(|h| h.conn != imp && h.conn != real && h.info.ports.len() != 9)
    });
    // The modules hear of it a moment after the registry changed.
    wait_for("two replacements (impostor in, real back)", SECS(5), || {
        ups(&ctl, REAL, t0).len() >= 2
    });
    assert!(
        ups(&ctl, REAL, t0) == [true, true],
        "expected two replacements (impostor in, real back): {:?}",
        ctl.events_since(t0)
    );
    lab.flush_arp("h1");
    assert!(
        lab.ping("h1", "h2", 2, SECS(5)),
        "h1 cannot ping h2 after the impostor left"
    );
    eprintln!("real switch served again {back:?} after the impostor was closed");

    // 2. Two live bridges with one datapath id, both reconnecting.
    lab.add_bridge("s2", TWIN, OfVersions::Of13, None);
    lab.add_bridge("s3", TWIN, OfVersions::Of13, None);
    let t1 = Instant::now();
    let target = format!("tcp:127.0.0.1:{}", ctl.port);
    lab.set_controllers("s2", &[&target]);
    lab.set_controllers("s3", &[&target]);
    std::thread::sleep(SECS(15));
    let seen = ups(&ctl, TWIN, t1);
    let replacements = seen.iter().filter(|r| **r).count();
    assert!(
        replacements >= 1,
        "the two bridges never met: {:?}",
        ctl.events_since(t1)
    );
    assert!(
        replacements <= FLAP_LIMIT,
        "{replacements} replacements in 15 s: the twins flap ({:?})",
        ctl.events_since(t1)
    );
    // Settled: the established session stays, the twin keeps being refused.
    let kept = ctl.conn(TWIN).expect("one of the twins stays registered");
    let t2 = Instant::now();
    let refused_before = ctl.handle.switches.refusals(DatapathId(TWIN));
    std::thread::sleep(SECS(10));
    assert_eq!(
        ctl.conn(TWIN),
        Some(kept),
        "the established twin was replaced or dropped: {:?}",
        ctl.events_since(t2)
    );
    assert!(
        ups(&ctl, TWIN, t2).is_empty(),
        "sessions still change: {:?}",
        ctl.events_since(t2)
    );
    let refused = ctl.handle.switches.refusals(DatapathId(TWIN));
    assert!(
        refused > refused_before,
        "the twin stopped trying or was let in: refusals {refused_before} -> {refused}"
    );
    // The real switch of part 1 was never disturbed by the twins.
    assert!(
        ctl.events_since(t1).iter().all(|e| match e {
            Seen::Up { dpid, .. } | Seen::Down { dpid, .. } => *dpid != REAL,
        }),
        "s1's session changed: {:?}",
        ctl.events_since(t1)
    );
}
