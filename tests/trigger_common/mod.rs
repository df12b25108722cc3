//! The sFlow-triggered PyTapDEMon scenario on the lab's seed topology, shared by
//! `tests/trigger_seed.rs` (behaviour) and `benches/trigger_lab.rs` (latency): the
//! controller in-process *with its trigger sources* (the embedded sFlow collector on an
//! ephemeral UDP port: [`Controller::start_with_sources`]), `mininet/pytapdemon.toml` with a short trigger duration, real OVS
//! exporting sFlow 1-in-1 to it, and a real HTTP server in h1's namespace.
#![allow(dead_code)]

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::support::bg::BgProcess;
pub use crate::support::controller::InProcess as Controller;
use crate::support::lab::{wait_until, Lab, OfVersions};
use crate::support::prereq;
use crate::support::seed::seed_connected;

/// The scenario config: `mininet/pytapdemon.toml` with the embedded collector on an
/// ephemeral port and the `web` trigger lasting `duration_secs`.
pub fn scenario_config(duration_secs: u64) -> String {
    let text = include_str!("../../mininet/pytapdemon.toml");
    let mut out = text
        .replace("listen = \"127.0.0.1:6343\"", "listen = \"127.0.0.1:0\"")
        .replace(
            "duration_secs = 120",
            &format!("duration_secs = {duration_secs}"),
        );
    assert_ne!(out, text, "mininet/pytapdemon.toml changed shape");
    assert!(out.contains(&format!("duration_secs = {duration_secs}")));
    // The REST API is not started in-process; keep its ports out of the way anyway.
    out = out.replace("127.0.0.1:8008", "127.0.0.1:0");
    out
}

/// The seed topology on `versions` bridges pointed at `ctl`, every switch connected, the
/// static taps' delivery flows on s3 (LLDP found the uplinks), sFlow 1-in-1 from every
/// switch to the collector, and `python3 -m http.server 80` listening in h1 (returned:
/// keep it until the lab goes).
pub fn seed_lab(ctl: &Controller, versions: OfVersions) -> (Lab, BgProcess) {
    prereq::require(&["python3", "curl"]);
    let mut lab = seed_connected(ctl.port, versions, Duration::from_secs(30), String::new);
    for s in ["s1", "s2", "s3"] {
        lab.enable_sflow(s, ctl.sflow_port(), 1, 10);
    }
    let www = lab.path("www");
    std::fs::create_dir_all(&www).unwrap();
    std::fs::write(www.join("index.html"), "<h1>PyTapDEMon</h1>\n").unwrap();
    let www = www.to_str().unwrap().to_string();
    let server = lab.spawn(
        "h1",
        &[
            "python3",
            "-m",
            "http.server",
            "80",
            "--bind",
            "10.0.0.1",
            "--directory",
            &www,
        ],
    );
    // Ready when it accepts a connection from inside h1 itself: that never crosses a
    // switch, so sFlow sees no web traffic before the test's fetch.
    let probe = "import socket; socket.create_connection(('10.0.0.1', 80), 1).close()";
    let up = wait_until(Duration::from_secs(15), || {
        lab.exec("h1", &["python3", "-c", probe]).status.success()
    });
    assert!(up, "the HTTP server in h1 did not start");
    (lab, server)
}

/// h2 fetches `http://10.0.0.1/` (curl, 5 s limit). Returns the wall-clock instant just
/// before curl started (Unix epoch microseconds) and whether the fetch succeeded.
pub fn fetch_page(lab: &Lab) -> (u64, bool) {
    let sent = epoch_us();
    let out = lab.exec(
        "h2",
        &[
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "--max-time",
            "5",
            "http://10.0.0.1/index.html",
        ],
    );
    (sent, out.status.success())
}

/// Wall clock, Unix epoch microseconds (the clock of `TapInfo::confirmed_at_us`).
pub fn epoch_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64
}

/// Wait until tap `name` is inactive in the controller and s2 holds no flow with a hard
/// timeout (its activation expired on both sides).
pub fn wait_expired(ctl: &Controller, lab: &Lab, name: &str, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if !ctl.tap(name).active && lab.dump_flows("s2").iter().all(|f| f.hard_timeout == 0) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}
