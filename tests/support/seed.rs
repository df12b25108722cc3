//! The seed topology (`mininet/pytapdemon.toml`'s s1, s2, s3 and h1-h11) connected to a
//! controller and ready: every switch connected, and the configured static taps h1 and h7
//! delivering on s3 (which needs LLDP to have found the uplinks).

use std::time::Duration;

use super::lab::{wait_until, Lab, OfVersions};

/// The seed's switches.
pub const SWITCHES: [&str; 3] = ["s1", "s2", "s3"];

/// Flows on s3 that deliver tap copies (they match a tap VLAN).
pub fn tap_deliveries_on_s3(lab: &Lab) -> usize {
    lab.dump_flows("s3")
        .iter()
        .filter(|f| f.match_fields().iter().any(|m| m.starts_with("dl_vlan=")))
        .count()
}

/// Wait up to `limit` for h1's and h7's delivery flows on s3.
pub fn wait_static_taps(lab: &Lab, limit: Duration) -> bool {
    wait_until(limit, || tap_deliveries_on_s3(lab) >= 2)
}

/// The seed topology on `versions` bridges pointed at the controller on `port`, every
/// switch connected within 15 s and the static taps on s3 within `taps_within`. A failure
/// message ends with `context()` (a controller log, say).
pub fn seed_connected(
    port: u16,
    versions: OfVersions,
    taps_within: Duration,
    context: impl Fn() -> String,
) -> Lab {
    let lab = Lab::seed_topology(Some(port), versions);
    for s in SWITCHES {
        assert!(
            lab.wait_connected(s, Duration::from_secs(15)),
            "{s} did not connect{}",
            context()
        );
    }
    assert!(
        wait_static_taps(&lab, taps_within),
        "the h1 and h7 taps never reached s3{}",
        context()
    );
    lab
}
