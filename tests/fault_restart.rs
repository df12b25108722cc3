//! Restarts on both sides of the OpenFlow connection with taps active (issue 7), on real
//! Open vSwitch with the seed topology (`mininet/pytapdemon.toml`), the `tapdemon` binary run as
//! a child process with a state file in a scratch directory:
//!
//! - the controller killed with SIGKILL and started again with the same config and state
//!   file: a 300 s REST tap, an untimed REST tap and the web trigger's `tap:h9` and
//!   `patch:s2-3-4` come back (REST lists the taps with less time left), their flows are on the switches with the
//!   reduced hard timeout, no flow carries a tap cookie no live tap owns, none is
//!   duplicated, and the copies reach the monitor hosts again (OF1.3);
//! - a static `[[tap]]` deleted through the API stays off after a SIGKILL and restart, and
//!   through a reload of the same config; a reload that changes its definition brings it back;
//! - ovs-vswitchd killed and restarted while taps are active: after reconnecting the taps'
//!   flows are back and the copies reach the monitor hosts (OF1.0).
//!
//! Needs root; fails, never skips, when OVS, iproute2, ethtool or tcpdump are missing.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::Value;
use support::bg::wait_dead;
use support::controller::{free_tcp_port, free_udp_port};
use support::flows::FlowEntry;
use support::hosts::pcap_lines;
use support::lab::{wait_until, Lab, OfVersions};
use support::seed::{seed_connected, wait_static_taps, SWITCHES};

const SECS: fn(u64) -> Duration = Duration::from_secs;
/// Magic byte and kind `tap` (src/pipeline/cookie.rs).
const TAP_COOKIE: u64 = 0x7D03;

/// The seed config on private ports, keeping its taps in `state`.
fn config_text(of_port: u16, rest_port: u16, sflow_port: u16, state: &Path) -> String {
    let seed = include_str!("../mininet/pytapdemon.toml");
    let out = seed
        .replace(
            "listen = [\"127.0.0.1:6653\"]",
            &format!(
                "listen = [\"127.0.0.1:{of_port}\"]\nstate_file = {:?}",
                state.display().to_string()
            ),
        )
        .replace(
            "listen = \"127.0.0.1:6343\"",
            &format!("listen = \"127.0.0.1:{sflow_port}\""),
        )
        .replace(
            "sflow_rt_listen = \"127.0.0.1:8008\"",
            &format!("listen = \"127.0.0.1:{rest_port}\""),
        );
    assert_ne!(out, seed);
    assert!(out.contains(&format!("127.0.0.1:{rest_port}")) && out.contains("state_file"));
    out
}

/// `tapdemon run` as a child, killed (SIGKILL) and reaped on drop.
struct Controller {
    child: Child,
}

impl Controller {
    fn start(config: &Path, log: &Path) -> Controller {
        let log = File::options().create(true).append(true).open(log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_tapdemon"))
            .args(["run", "--config"])
            .arg(config)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start tapdemon");
        Controller { child }
    }

    /// SIGKILL by PID, and wait until it is gone.
    fn sigkill(mut self) {
        let pid = self.child.id();
        // SAFETY: kill(2) on our own child's PID; no memory is shared.
        assert_eq!(
            unsafe { libc::kill(i32::try_from(pid).unwrap(), libc::SIGKILL) },
            0
        );
        let _ = self.child.wait();
        assert!(wait_dead(pid, SECS(5)), "tapdemon {pid} survived SIGKILL");
    }
}

impl Drop for Controller {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One scenario's files and ports.
struct Setup {
    dir: PathBuf,
    config: PathBuf,
    state: PathBuf,
    log: PathBuf,
    of_port: u16,
    sflow_port: u16,
    base: String,
}

impl Setup {
    fn new(tag: &str) -> Setup {
        let dir = std::env::temp_dir().join(format!("tapdemon-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (of_port, rest_port, sflow_port) = (free_tcp_port(), free_tcp_port(), free_udp_port());
        // A directory the controller has to create.
        let state = dir.join("var/state.json");
        let config = dir.join("tapdemon.toml");
        std::fs::write(&config, config_text(of_port, rest_port, sflow_port, &state)).unwrap();
        Setup {
            log: dir.join("tapdemon.log"),
            dir,
            config,
            state,
            of_port,
            sflow_port,
            base: format!("http://127.0.0.1:{rest_port}"),
        }
    }

    fn start(&self) -> Controller {
        let c = Controller::start(&self.config, &self.log);
        assert!(
            wait_until(SECS(15), || self.get("/api/taps").is_some()),
            "REST API did not come up; log:\n{}",
            self.log_text()
        );
        c
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn call(&self, method: reqwest::Method, path: &str, body: Option<&str>) -> (u16, Value) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let url = format!("{}{path}", self.base);
        rt.block_on(async move {
            let mut req = reqwest::Client::new()
                .request(method, url)
                .timeout(SECS(10));
            if let Some(b) = body {
                req = req
                    .header("content-type", "application/json")
                    .body(b.to_string());
            }
            let r = req.send().await.expect("REST request");
            let status = r.status().as_u16();
            (status, r.json().await.unwrap_or(Value::Null))
        })
    }

    fn get(&self, path: &str) -> Option<Value> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let url = format!("{}{path}", self.base);
        rt.block_on(async move {
            let r = reqwest::Client::new()
                .get(url)
                .timeout(SECS(2))
                .send()
                .await
                .ok()?;
            r.json().await.ok()
        })
    }

    fn create_tap(&self, body: &str) -> Value {
        let (code, v) = self.call(reqwest::Method::POST, "/api/taps", Some(body));
        assert_eq!(code, 201, "POST /api/taps {body}: {v}");
        v
    }

    /// The taps REST lists, by name.
    fn taps(&self) -> BTreeMap<String, Value> {
        self.get("/api/taps")
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t["name"].as_str().unwrap_or_default().to_string(), t))
            .collect()
    }

    fn stored_patches(&self) -> Vec<String> {
        self.stored_names("patches")
    }

    /// The names in the state file's list `key`.
    fn stored_names(&self, key: &str) -> Vec<String> {
        let Ok(text) = std::fs::read_to_string(&self.state) else {
            return Vec::new();
        };
        let v: Value = serde_json::from_str(&text).expect("the state file is JSON");
        v[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|p| p["name"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn stored(&self) -> Vec<(String, Option<u64>)> {
        let Ok(text) = std::fs::read_to_string(&self.state) else {
            return Vec::new();
        };
        let v: Value = serde_json::from_str(&text).expect("the state file is JSON");
        v["taps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["name"].as_str().unwrap().to_string(),
                    t["expires_at_unix_ms"].as_u64(),
                )
            })
            .collect()
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        } else {
            eprintln!("controller log kept in {}", self.log.display());
        }
    }
}

fn cookie(tap: &Value) -> u64 {
    let c = tap["cookie"].as_str().expect("a cookie");
    u64::from_str_radix(c.trim_start_matches("0x"), 16).unwrap()
}

/// Flows of the tap with cookie `c`, by switch.
fn flows_of(lab: &Lab, c: u64) -> BTreeMap<&'static str, Vec<FlowEntry>> {
    SWITCHES
        .iter()
        .map(|s| {
            let mine = lab
                .dump_flows(s)
                .into_iter()
                .filter(|f| f.cookie == c)
                .collect();
            (*s, mine)
        })
        .collect()
}

/// Every tap-kind flow belongs to a live tap.
fn assert_no_orphans(lab: &Lab, live: &BTreeSet<u64>) {
    for s in SWITCHES {
        let flows = lab.dump_flows(s);
        let orphans: Vec<_> = flows
            .iter()
            .filter(|f| f.cookie >> 48 == TAP_COOKIE && !live.contains(&f.cookie))
            .collect();
        assert!(
            orphans.is_empty(),
            "{s} holds tap flows no live tap owns (live {live:x?}): {orphans:#?}"
        );
    }
}

/// How many flows each named tap has on each switch.
fn flow_counts(
    lab: &Lab,
    taps: &BTreeMap<String, Value>,
    names: &[&str],
) -> BTreeMap<String, Vec<usize>> {
    names
        .iter()
        .map(|n| {
            let f = flows_of(lab, cookie(&taps[*n]));
            (n.to_string(), f.values().map(Vec::len).collect())
        })
        .collect()
}

/// Ping `from` -> `to` while capturing ICMP on `monitor`; the lines it captured.
fn copies(lab: &mut Lab, monitor: &str, from: &str, to: &str, file: &str) -> Vec<String> {
    lab.flush_arp(from);
    lab.flush_arp(to);
    let (cap, pcap) = lab.capture(Some(monitor), &format!("{monitor}-eth0"), "icmp", file);
    assert!(
        lab.ping(from, to, 2, SECS(5)),
        "{from} cannot ping {to} through its patch"
    );
    std::thread::sleep(SECS(1));
    cap.stop_with(libc::SIGINT, SECS(3));
    pcap_lines(&pcap)
}

fn assert_copied(seen: &[String], monitor: &str, src: &str, dst: &str) {
    for flow in [
        format!("{src} > {dst}: ICMP echo request"),
        format!("{dst} > {src}: ICMP echo reply"),
    ] {
        assert!(
            seen.iter().any(|l| l.contains(&flow)),
            "{monitor} did not capture `{flow}`: {seen:#?}"
        );
    }
}

/// The seed topology on `versions`, connected, with the configured taps installed.
fn lab(setup: &Setup, versions: OfVersions) -> Lab {
    seed_connected(setup.of_port, versions, SECS(40), || {
        format!("; log:\n{}", setup.log_text())
    })
}

fn wait_configured_taps(lab: &Lab, setup: &Setup) {
    // h1's and h7's delivery flows on s3: LLDP found the uplinks.
    assert!(
        wait_static_taps(lab, SECS(40)),
        "the configured taps were not installed; log:\n{}",
        setup.log_text()
    );
}

/// h3's port (s1:3) to h11 for 300 s, and h6's port (s2:1) to h5 (s1:5) until deleted:
/// neither port is tapped by the config, so what the monitors see is theirs.
fn create_api_taps(setup: &Setup) {
    setup
        .create_tap(r#"{"name":"h3-timed","source":"s1:3","monitor":"s3:11","duration_secs":300}"#);
    setup.create_tap(r#"{"name":"h6-kept","source":"s2:1","monitor":"s1:5"}"#);
}

/// One sFlow datagram with a sampled TCP packet h8 -> h9:80, as s2 would export it.
fn web_datagram(seq: u32) -> Bytes {
    support::sflow::web_datagram(seq, 8, 9, 3, 4)
}

/// Web traffic h8 -> h9 reported to the embedded collector until the `web` trigger
/// activated `tap:h9`.
fn fire_web_trigger(setup: &Setup) {
    let agent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut seq = 1;
    let fired = wait_until(SECS(15), || {
        for _ in 0..5 {
            agent
                .send_to(&web_datagram(seq), ("127.0.0.1", setup.sflow_port))
                .unwrap();
            seq += 1;
        }
        setup.taps().get("h9").is_some_and(|t| t["active"] == true)
    });
    assert!(
        fired,
        "the web trigger did not activate tap h9: {:?}\nlog:\n{}",
        setup.taps().get("h9"),
        setup.log_text()
    );
}

#[test]
fn controller_sigkill_keeps_rest_and_trigger_taps_of13() {
    let setup = Setup::new("fault-ctl-kill");
    let ctl = setup.start();
    let mut lab = lab(&setup, OfVersions::Of13);
    create_api_taps(&setup);
    fire_web_trigger(&setup);
    // Persisted as they changed: both API taps and the trigger's activation of h9 and of
    // its patch. The tap and patch modules report separately, so the file may hold the
    // taps a moment before the patch.
    assert!(
        wait_until(SECS(5), || setup.stored().len() == 3
            && setup.stored_patches() == ["s2-3-4"]),
        "state file: taps {:?}, patches {:?}",
        setup.stored(),
        setup.stored_patches()
    );
    let stored: BTreeMap<_, _> = setup.stored().into_iter().collect();
    assert!(stored["h3-timed"].is_some() && stored["h9"].is_some());
    assert_eq!(stored["h6-kept"], None);
    assert_eq!(setup.stored_patches(), vec!["s2-3-4".to_string()]);
    let before = setup.taps();
    let names = ["h3-timed", "h6-kept", "h9"];
    assert!(
        wait_until(SECS(10), || {
            let f = flows_of(&lab, cookie(&before["h9"]));
            !f["s2"].is_empty() && !f["s3"].is_empty()
        }),
        "the trigger's tap h9 was not installed"
    );
    let counts = flow_counts(&lab, &before, &names);
    let old_cookies: BTreeSet<u64> = before.values().map(cookie).collect();

    // Let some of the time pass, then kill -9.
    std::thread::sleep(SECS(2));
    ctl.sigkill();
    // The switches keep their flows while the controller is gone (fail_mode=secure).
    assert!(!flows_of(&lab, cookie(&before["h3-timed"]))["s1"].is_empty());
    // Tap flows no tap will own after the restart (as left by a tap deleted in a session
    // that crashed before saving): the new sessions must remove them.
    let orphan = (TAP_COOKIE << 48) | 0x63;
    lab.add_flow(
        "s1",
        &format!("table=1,cookie={orphan:#x},priority=5,in_port=5,actions=drop"),
    );
    lab.add_flow(
        "s3",
        &format!("table=0,cookie={orphan:#x},priority=5,in_port=11,actions=drop"),
    );
    assert!(!flows_of(&lab, orphan)["s1"].is_empty());

    let _ctl = setup.start();
    let taps = setup.taps();
    for name in ["h3-timed", "h6-kept", "h9"] {
        assert!(
            taps.get(name).is_some_and(|t| t["active"] == true),
            "{name} not restored: {taps:#?}\nlog:\n{}",
            setup.log_text()
        );
    }
    let left = |name: &str| setup.taps()[name]["remaining_secs"].as_f64();
    let h3_left = left("h3-timed").expect("h3-timed is timed");
    assert!(h3_left < 299.0 && h3_left > 240.0, "{h3_left}");
    let h9_left = left("h9").expect("h9 is timed");
    assert!(h9_left < 119.0 && h9_left > 60.0, "{h9_left}");
    assert_eq!(left("h6-kept"), None);

    // Installed again once the switches reconnected (the old flows are still there until
    // then: the new session deletes them) and LLDP found the links.
    assert!(
        wait_until(SECS(30), || setup
            .get("/api/switches")
            .and_then(|v| v.as_array().map(Vec::len))
            == Some(3)),
        "the switches did not reconnect; log:\n{}",
        setup.log_text()
    );
    wait_configured_taps(&lab, &setup);
    let taps = setup.taps();
    let want = [
        ("h3-timed", vec!["s1", "s3"]),
        ("h6-kept", vec!["s1", "s2", "s3"]),
        ("h9", vec!["s2", "s3"]),
    ];
    for (name, on) in &want {
        let c = cookie(&taps[*name]);
        let ok = wait_until(SECS(30), || {
            let f = flows_of(&lab, c);
            on.iter().all(|s| !f[s].is_empty())
                && f.values()
                    .flatten()
                    .all(|f| f.hard_timeout != 300 && f.hard_timeout != 120)
        });
        assert!(
            ok,
            "{name}'s flows are not back on {on:?} with the time left: {:#?}\nlog:\n{}",
            flows_of(&lab, c),
            setup.log_text()
        );
    }
    // Their hard timeouts are what was left, not the original durations.
    let hard = |name: &str| -> BTreeSet<u16> {
        flows_of(&lab, cookie(&taps[name]))
            .values()
            .flatten()
            .map(|f| f.hard_timeout)
            .collect()
    };
    let h3 = hard("h3-timed");
    assert!(h3.iter().all(|h| (240..299).contains(h)), "{h3:?}");
    let h9 = hard("h9");
    assert!(h9.iter().all(|h| (60..119).contains(h)), "{h9:?}");
    assert_eq!(hard("h6-kept"), BTreeSet::from([0]));

    let live: BTreeSet<u64> = taps
        .values()
        .filter(|t| t["active"] == true)
        .map(cookie)
        .collect();
    assert!(!live.contains(&orphan));
    assert_no_orphans(&lab, &live);
    // Each tap has as many flows per switch as before: none installed twice.
    wait_until(SECS(10), || flow_counts(&lab, &taps, &names) == counts);
    assert_eq!(flow_counts(&lab, &taps, &names), counts);
    let stale: Vec<_> = old_cookies.difference(&live).collect();
    for s in SWITCHES {
        let left: Vec<_> = lab
            .dump_flows(s)
            .into_iter()
            .filter(|f| stale.contains(&&f.cookie))
            .collect();
        assert!(
            left.is_empty(),
            "{s} kept flows of the old session: {left:#?}"
        );
    }

    // The copies reach the monitors again.
    let seen = copies(&mut lab, "h11", "h3", "h4", "h11-after-kill.pcap");
    assert_copied(&seen, "h11", "10.0.0.3", "10.0.0.4");
    let seen = copies(&mut lab, "h5", "h6", "h7", "h5-after-kill.pcap");
    assert_copied(&seen, "h5", "10.0.0.6", "10.0.0.7");
    // The trigger's patch came back with its tap: h8 reaches h9, and h11 sees it.
    let seen = copies(&mut lab, "h11", "h8", "h9", "h11-h9-after-kill.pcap");
    assert_copied(&seen, "h11", "10.0.0.8", "10.0.0.9");
}

/// Names in the state file's `static_off` list.
fn stored_static_off(setup: &Setup) -> Vec<String> {
    setup.stored_names("static_off")
}

/// True once no switch holds a flow with cookie `c`.
fn no_flows(lab: &Lab, c: u64) -> bool {
    flows_of(lab, c).values().all(Vec::is_empty)
}

#[test]
fn static_tap_deleted_through_the_api_stays_off_after_sigkill_until_its_config_changes() {
    let setup = Setup::new("fault-static-off");
    let ctl = setup.start();
    let lab = lab(&setup, OfVersions::Of13);
    let h1 = cookie(&setup.taps()["h1"]);
    let h7 = cookie(&setup.taps()["h7"]);
    assert!(!flows_of(&lab, h1)["s1"].is_empty() && !flows_of(&lab, h1)["s3"].is_empty());

    let (code, v) = setup.call(reqwest::Method::DELETE, "/api/taps/h1", None);
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["active"], false, "{v}");
    let note = v["deactivated"].as_str().unwrap_or_default().to_string();
    assert!(note.contains("stays off across restarts"), "{v}");
    assert!(
        wait_until(SECS(5), || no_flows(&lab, h1)),
        "h1's flows stayed"
    );
    assert!(
        wait_until(SECS(5), || stored_static_off(&setup) == ["h1"]),
        "state file: {:?}",
        std::fs::read_to_string(&setup.state)
    );

    ctl.sigkill();
    let ctl = setup.start();
    let t = setup.taps()["h1"].clone();
    assert_eq!(t["active"], false, "{t}");
    assert!(
        t["deactivated"]
            .as_str()
            .unwrap_or_default()
            .contains("before the restart"),
        "{t}"
    );
    // The switches reconnect and h7 (a static tap beside it) is installed again: h1 had
    // every chance to be installed too, and is not.
    assert!(
        wait_until(SECS(40), || {
            let f = flows_of(&lab, h7);
            !f["s2"].is_empty() && !f["s3"].is_empty()
        }),
        "h7 was not reinstalled; log:\n{}",
        setup.log_text()
    );
    std::thread::sleep(SECS(2));
    assert!(
        no_flows(&lab, h1),
        "h1 came back: {:#?}",
        flows_of(&lab, h1)
    );
    assert!(
        setup
            .log_text()
            .contains("static tap stays deactivated, as before the restart"),
        "{}",
        setup.log_text()
    );

    // A reload of the same config leaves it off.
    let (code, v) = setup.call(reqwest::Method::POST, "/api/reload", None);
    assert_eq!(code, 200, "{v}");
    std::thread::sleep(SECS(1));
    assert!(no_flows(&lab, h1) && setup.taps()["h1"]["active"] == false);

    // The operator changes h1 in the config: reloaded, it is back, and no longer kept off.
    let text = std::fs::read_to_string(&setup.config).unwrap();
    let changed = text.replacen(
        "name = \"h1\"\nsource = \"s1:1\"\ndirection = \"both\"",
        "name = \"h1\"\nsource = \"s1:1\"\ndirection = \"ingress\"",
        1,
    );
    assert_ne!(changed, text);
    std::fs::write(&setup.config, changed).unwrap();
    let (code, v) = setup.call(reqwest::Method::POST, "/api/reload", None);
    assert_eq!(code, 200, "{v}");
    assert!(
        wait_until(SECS(10), || {
            let f = flows_of(&lab, h1);
            !f["s1"].is_empty() && !f["s3"].is_empty()
        }),
        "h1 did not come back after its definition changed: {v}\nlog:\n{}",
        setup.log_text()
    );
    assert_eq!(setup.taps()["h1"]["active"], true);
    assert!(setup.taps()["h1"].get("deactivated").is_none());
    assert!(
        wait_until(SECS(5), || stored_static_off(&setup).is_empty()),
        "still kept off in the state file"
    );
    // And it stays on across the next restart.
    ctl.sigkill();
    let _ctl = setup.start();
    assert_eq!(setup.taps()["h1"]["active"], true, "{}", setup.log_text());
}

#[test]
fn vswitchd_restart_brings_tap_flows_back_of10() {
    let setup = Setup::new("fault-vswitchd");
    let _ctl = setup.start();
    let mut lab = lab(&setup, OfVersions::Of10);
    create_api_taps(&setup);
    let taps = setup.taps();
    let mine = [("h3-timed", ["s1", "s3"]), ("h6-kept", ["s2", "s1"])];
    for (name, on) in &mine {
        let f = flows_of(&lab, cookie(&taps[*name]));
        assert!(on.iter().all(|s| !f[s].is_empty()), "{name}: {f:#?}");
    }
    let names = ["h3-timed", "h6-kept"];
    let counts = flow_counts(&lab, &taps, &names);

    let started = Instant::now();
    lab.restart_vswitchd();
    // Flows are lost with the daemon; the controller's new sessions put them back.
    for (name, on) in &mine {
        let c = cookie(&taps[*name]);
        let ok = wait_until(SECS(40), || {
            let f = flows_of(&lab, c);
            on.iter().all(|s| !f[s].is_empty())
        });
        assert!(
            ok,
            "{name}'s flows are not back on {on:?}: {:#?}\nvswitchd log:\n{}\ncontroller log:\n{}",
            flows_of(&lab, c),
            lab.log_tail("ovs-vswitchd.log", 30),
            setup.log_text()
        );
    }
    eprintln!(
        "vswitchd restart to tap flows back: {:?}",
        started.elapsed()
    );
    // Through new sessions: each bridge connected twice.
    let connects = setup.log_text().matches("switch connected").count();
    assert!(
        connects >= 6,
        "{connects} connections:\n{}",
        setup.log_text()
    );
    let after = setup.taps();
    for (name, _) in &mine {
        assert_eq!(after[*name]["active"], true, "{:#?}", after[*name]);
        assert_eq!(cookie(&after[*name]), cookie(&taps[*name]));
    }
    let live: BTreeSet<u64> = after
        .values()
        .filter(|t| t["active"] == true)
        .map(cookie)
        .collect();
    assert_no_orphans(&lab, &live);
    wait_until(SECS(10), || flow_counts(&lab, &after, &names) == counts);
    assert_eq!(flow_counts(&lab, &after, &names), counts);

    let seen = copies(&mut lab, "h11", "h3", "h4", "h11-after-vswitchd.pcap");
    assert_copied(&seen, "h11", "10.0.0.3", "10.0.0.4");
    let seen = copies(&mut lab, "h5", "h6", "h7", "h5-after-vswitchd.pcap");
    assert_copied(&seen, "h5", "10.0.0.6", "10.0.0.7");
}

#[test]
fn a_corrupt_state_file_is_reported_kept_aside_and_the_controller_starts() {
    let setup = Setup::new("fault-corrupt-state");
    let dir = setup.state.parent().unwrap().to_path_buf();
    std::fs::create_dir_all(&dir).unwrap();
    let broken = br#"{"version": 1, "saved_at_unix_ms": 0, "taps": [{"name": "#;
    std::fs::write(&setup.state, broken).unwrap();
    let _ctl = setup.start();
    // Serving: the configured taps are listed.
    assert!(setup.taps().contains_key("h1"), "{:?}", setup.taps());
    let log = setup.log_text();
    let want = format!("state file {}: line 1 column", setup.state.display());
    assert!(
        log.contains(&want),
        "the log does not say `{want}...`:\n{log}"
    );
    let aside: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("state.json.corrupt-")
        })
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(std::fs::read(&aside[0]).unwrap(), broken);
    assert!(
        log.contains(&aside[0].display().to_string()),
        "the log does not say where the file went:\n{log}"
    );
    assert!(!setup.state.exists());
}
