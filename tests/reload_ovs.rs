//! Config reload on real Open vSwitch (issue 6 item 4): `tapdemon run --config FILE` with
//! one bridge s1 (once OF1.3, once OF1.0) (h1..h5 on ports 1..5), patches p12 (1<->2) and p34 (3<->4), taps
//! t1 (s1:1) and t3 (s1:3) to the monitor h5 (s1:5).
//!
//! 1. t1 changed in the file, SIGHUP: only flows with t1's cookie change; every other
//!    flow keeps its duration and packet counters (it was not re-installed).
//! 2. A broken file, by SIGHUP and by `POST /api/reload`: refused with `file:line` and the
//!    key, in the log and the API; the flow table is identical.
//! 3. p34 removed, by `POST /api/reload`: the report lists it removed and the rest
//!    unchanged; exactly p34's flows (and t3's split flows on them) are gone, the others untouched, and h3 no longer reaches h4.
//!
//! A tap created by the API before the first reload survives all of them, untouched.
//! Needs root; fails, never skips, when OVS, iproute2, ethtool or tcpdump are missing.

mod support;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::flows::parse_flow_line;
use support::lab::{Lab, OfVersions};
use tapdemon::pipeline::cookie::{Cookie, Kind};

const SECS: fn(u64) -> Duration = Duration::from_secs;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The controller process, killed (by its PID) when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    fn signal(&self, sig: i32) {
        let pid = i32::try_from(self.0.id()).unwrap();
        // SAFETY: kill(2) on our own child's PID; no memory is shared.
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0);
    }
}

fn http(method: &str, url: &str) -> Option<(u16, serde_json::Value)> {
    http_body(method, url, None)
}

fn http_body(
    method: &str,
    url: &str,
    body: Option<serde_json::Value>,
) -> Option<(u16, serde_json::Value)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = reqwest::Client::new();
        let mut req = match method {
            "POST" => c.post(url),
            _ => c.get(url),
        };
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.ok()?;
        let code = r.status().as_u16();
        Some((code, r.json().await.unwrap_or(serde_json::Value::Null)))
    })
}

fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}");
}

/// One flow as `dump-flows` shows it: everything but the statistics, and the statistics.
#[derive(Debug, Clone)]
struct Flow {
    cookie: u64,
    /// table, priority, match, actions, timeouts: equal keys = the same flow entry.
    key: String,
    /// table, priority, match: where in the table it sits.
    slot: String,
    n_packets: u64,
    duration: f64,
}

fn flows(lab: &Lab) -> Vec<Flow> {
    let b = lab.bridge("s1");
    let proto = b.versions.ofctl_protocol();
    let text = lab.ofctl(&["--no-names", "-O", proto, "dump-flows", &b.dev]);
    text.lines()
        .filter_map(|line| {
            let f = parse_flow_line(line)?;
            let duration = line
                .split(", ")
                .find_map(|s| s.trim().strip_prefix("duration="))
                .and_then(|d| d.trim_end_matches('s').parse::<f64>().ok())?;
            Some(Flow {
                cookie: f.cookie,
                key: format!(
                    "cookie={:#x} table={} priority={} {} idle={} hard={} actions={}",
                    f.cookie,
                    f.table,
                    f.priority,
                    f.match_,
                    f.idle_timeout,
                    f.hard_timeout,
                    f.actions
                ),
                slot: format!("table={} priority={} {}", f.table, f.priority, f.match_),
                n_packets: f.n_packets,
                duration,
            })
        })
        .collect()
}

fn by_key(fs: &[Flow]) -> BTreeMap<String, Flow> {
    fs.iter().map(|f| (f.key.clone(), f.clone())).collect()
}

/// Every flow of `before` for which `keep` holds is in `after`, not re-installed: its
/// duration went on (not reset) and its packet counter did not drop.
fn assert_untouched(before: &[Flow], after: &[Flow], keep: impl Fn(&Flow) -> bool, what: &str) {
    let after = by_key(after);
    let mut checked = 0;
    for b in before.iter().filter(|f| keep(f)) {
        let a = after
            .get(&b.key)
            .unwrap_or_else(|| panic!("{what}: flow gone or changed: {}\nnow: {after:#?}", b.key));
        assert!(
            a.duration >= b.duration && a.n_packets >= b.n_packets,
            "{what}: flow re-installed (duration {} -> {}, n_packets {} -> {}): {}",
            b.duration,
            a.duration,
            b.n_packets,
            a.n_packets,
            b.key
        );
        checked += 1;
    }
    assert!(checked > 0, "{what}: no flows to compare");
}

fn keys(fs: &[Flow], pred: impl Fn(&Flow) -> bool) -> Vec<String> {
    let mut v: Vec<String> = fs
        .iter()
        .filter(|f| pred(f))
        .map(|f| f.key.clone())
        .collect();
    v.sort();
    v
}

fn config(rest: u16, t1_direction: &str, with_p34: bool) -> String {
    let p34 = if with_p34 {
        "[[patch]]\nname = \"p34\"\nswitch = \"s1\"\nports = [3, 4]\n\n"
    } else {
        ""
    };
    format!(
        "[switches]\ns1 = 1\n\n[l2_learning]\nenabled = false\n\n\
         [collector]\nlisten = \"127.0.0.1:0\"\n\n\
         [rest]\nlisten = \"127.0.0.1:{rest}\"\n\n\
         [[patch]]\nname = \"p12\"\nswitch = \"s1\"\nports = [1, 2]\n\n{p34}\
         [[tap]]\nname = \"t1\"\nsource = \"s1:1\"\ndirection = \"{t1_direction}\"\nmonitor = \"s1:5\"\n\n\
         [[tap]]\nname = \"t3\"\nsource = \"s1:3\"\nmonitor = \"s1:5\"\n"
    )
}

fn tap_cookie(base: &str, name: &str) -> u64 {
    let (_, taps) = http("GET", &format!("{base}/api/taps")).expect("GET /api/taps");
    let t = taps
        .as_array()
        .and_then(|a| a.iter().find(|t| t["name"] == name))
        .unwrap_or_else(|| panic!("no tap {name}: {taps}"));
    let c = t["cookie"].as_str().expect("tap cookie");
    u64::from_str_radix(c.trim_start_matches("0x"), 16).unwrap()
}

fn reload_events(base: &str) -> Vec<serde_json::Value> {
    http("GET", &format!("{base}/api/events?type=reload"))
        .and_then(|(_, v)| v.as_array().cloned())
        .unwrap_or_default()
}

fn log_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// t3's copies of what p34 forwarded: split flows just above p34's (OF1.0: both ways;
/// OF1.3: the egress copy on in_port=4 -> 3; its ingress copy is a table-0 flow of its own).
fn rides_p34(f: &Flow, t3: u64) -> bool {
    f.cookie == t3
        && f.key.contains(" priority=8193 ")
        && (f.key.contains("in_port=3") || f.key.contains("in_port=4"))
}

#[test]
fn reload_applies_only_the_difference_of13() {
    reload_applies_only_the_difference(OfVersions::Of13);
}

#[test]
fn reload_applies_only_the_difference_of10() {
    reload_applies_only_the_difference(OfVersions::Of10);
}

fn reload_applies_only_the_difference(versions: OfVersions) {
    let mut lab = Lab::new();
    let conf = lab.path("reload.toml");
    let log = lab.path("tapdemon.log");
    let (of_port, rest_port) = (free_port(), free_port());
    std::fs::write(&conf, config(rest_port, "both", true)).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_tapdemon"))
        .args([
            "run",
            "--listen",
            &format!("127.0.0.1:{of_port}"),
            "--config",
        ])
        .arg(&conf)
        .env("RUST_LOG", "info")
        // Not the machine's state file: this test's API tap must not outlive it.
        .env("TAPDEMON_STATE_FILE", lab.path("state.json"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("start tapdemon");
    let ctl = Running(child);
    let base = format!("http://127.0.0.1:{rest_port}");
    wait_for("the REST API", SECS(15), || {
        http("GET", &format!("{base}/api/switches")).is_some()
    });

    lab.add_bridge("s1", 1, versions, Some(of_port));
    for n in 1..=5u8 {
        lab.add_host(&format!("h{n}"), "s1", u16::from(n), n);
    }
    assert!(lab.wait_connected("s1", SECS(15)), "s1 did not connect");
    let (t1, t3) = (tap_cookie(&base, "t1"), tap_cookie(&base, "t3"));
    let (p12, p34) = (
        Cookie::new(Kind::Patch, 1).value(),
        Cookie::new(Kind::Patch, 2).value(),
    );
    wait_for("patch and tap flows", SECS(15), || {
        let fs = flows(&lab);
        [t1, t3, p12, p34]
            .iter()
            .all(|c| fs.iter().any(|f| f.cookie == *c))
    });
    // A tap from the API (not in the file): it survives every reload untouched.
    let (code, body) = http_body(
        "POST",
        &format!("{base}/api/taps"),
        Some(serde_json::json!({"name": "api2", "source": "s1:2", "direction": "in", "monitor": "s1:5"})),
    )
    .unwrap();
    assert_eq!(code, 201, "{body}");
    let api2 = tap_cookie(&base, "api2");
    // Traffic through both patches, so the counters are not zero; then let durations grow
    // past what a re-installed flow would show.
    assert!(lab.ping("h1", "h2", 3, SECS(5)), "h1 cannot reach h2");
    assert!(lab.ping("h3", "h4", 3, SECS(5)), "h3 cannot reach h4");
    std::thread::sleep(SECS(2));
    let before = flows(&lab);
    // (On OF1.0 the taps' split flows carry the patches' traffic, on OF1.3 the patches'.)
    assert!(
        before
            .iter()
            .filter(|f| f.n_packets > 0 && f.cookie != t1)
            .count()
            >= 2,
        "{before:#?}"
    );
    assert!(before.iter().any(|f| f.cookie == api2), "{before:#?}");

    // 1. t1 copies ingress only now: SIGHUP.
    std::fs::write(&conf, config(rest_port, "ingress", true)).unwrap();
    ctl.signal(libc::SIGHUP);
    wait_for("the reload event", SECS(10), || {
        !reload_events(&base).is_empty()
    });
    let ev = reload_events(&base)[0].clone();
    assert_eq!(ev["ok"], true, "{ev}");
    let msg = ev["message"].as_str().unwrap_or_default().to_string();
    assert!(msg.contains("changed [\"tap:t1\"]"), "{msg}");
    let t1_before = keys(&before, |f| f.cookie == t1);
    wait_for("t1's new flows", SECS(10), || {
        keys(&flows(&lab), |f| f.cookie == t1) != t1_before
    });
    std::thread::sleep(Duration::from_millis(500));
    let after = flows(&lab);
    assert_untouched(&before, &after, |f| f.cookie != t1, "after changing t1");
    // Nothing else appeared, except (OF1.0) a split flow t1 shared with another tap that
    // now serves that tap alone, under its cookie, in the same slot.
    let appeared: Vec<&Flow> = after
        .iter()
        .filter(|f| f.cookie != t1 && !before.iter().any(|b| b.key == f.key))
        .collect();
    assert!(
        appeared
            .iter()
            .all(|f| before.iter().any(|b| b.cookie == t1 && b.slot == f.slot)),
        "flows other than t1's appeared: {appeared:#?}"
    );
    // t1's egress copy (on what p12 forwards to port 1) is gone, its ingress copy stays.
    let t1_after = keys(&after, |f| f.cookie == t1);
    assert!(
        t1_after.len() < t1_before.len() && !t1_after.is_empty(),
        "{t1_before:#?} -> {t1_after:#?}"
    );
    let logged = log_text(&log);
    assert!(
        logged.contains("config reloaded") && logged.contains("tap:t1"),
        "{logged}"
    );

    // 2. A broken file: refused, nothing changes. By SIGHUP, then by the API.
    let good = config(rest_port, "ingress", true);
    let broken = good.replace("ports = [3, 4]", "ports = [3, 3]");
    let line = broken.lines().position(|l| l == "ports = [3, 3]").unwrap() + 1;
    std::fs::write(&conf, &broken).unwrap();
    ctl.signal(libc::SIGHUP);
    wait_for("the refused reload event", SECS(10), || {
        reload_events(&base).len() == 2
    });
    let ev = reload_events(&base)[0].clone();
    assert_eq!(ev["ok"], false, "{ev}");
    let msg = ev["message"].as_str().unwrap_or_default();
    let at = format!("reload.toml:{line}");
    assert!(
        msg.contains(&at) && msg.contains("patch.ports") && msg.contains("running config kept"),
        "{msg}"
    );
    let (code, body) = http("POST", &format!("{base}/api/reload")).unwrap();
    assert_eq!(code, 422, "{body}");
    assert_eq!(body["field"], "patch.ports", "{body}");
    assert!(
        body["error"].as_str().unwrap_or_default().contains(&at),
        "{body}"
    );
    wait_for("the refusal in the log", SECS(5), || {
        let l = log_text(&log);
        l.contains("config reload refused") && l.contains(&at)
    });
    let unchanged = flows(&lab);
    assert_untouched(&after, &unchanged, |_| true, "after a broken file");
    assert_eq!(keys(&after, |_| true), keys(&unchanged, |_| true));

    // 3. p34 removed, by the API.
    std::fs::write(&conf, config(rest_port, "ingress", false)).unwrap();
    let (code, rep) = http("POST", &format!("{base}/api/reload")).unwrap();
    assert_eq!(code, 200, "{rep}");
    assert_eq!(rep["removed"], serde_json::json!(["patch:p34"]), "{rep}");
    assert_eq!(rep["added"], serde_json::json!([]), "{rep}");
    assert_eq!(rep["changed"], serde_json::json!([]), "{rep}");
    assert_eq!(
        rep["unchanged_names"],
        serde_json::json!(["patch:p12", "tap:t1", "tap:t3"]),
        "{rep}"
    );
    assert_eq!(rep["needs_restart"], serde_json::json!([]), "{rep}");
    wait_for("p34's flows to go", SECS(10), || {
        !flows(&lab).iter().any(|f| f.cookie == p34)
    });
    std::thread::sleep(Duration::from_millis(500));
    let last = flows(&lab);
    // What went: p34's flows, and t3's copies riding them.
    let went: Vec<&Flow> = unchanged
        .iter()
        .filter(|f| !last.iter().any(|l| l.key == f.key))
        .collect();
    assert!(
        went.iter().all(|f| f.cookie == p34 || rides_p34(f, t3)),
        "unexpected flows removed: {went:#?}"
    );
    let went: Vec<String> = went.iter().map(|f| f.key.clone()).collect();
    assert!(
        went.iter()
            .filter(|k| k.starts_with(&format!("cookie={p34:#x} ")))
            .count()
            == 2,
        "{went:#?}"
    );
    assert_untouched(
        &unchanged,
        &last,
        |f| f.cookie != p34 && !rides_p34(f, t3),
        "after removing p34",
    );
    assert!(last.iter().any(|f| f.cookie == api2), "{last:#?}");
    assert_eq!(tap_cookie(&base, "api2"), api2);
    assert!(!lab.ping("h3", "h4", 2, SECS(3)), "h3 still reaches h4");
    assert!(lab.ping("h1", "h2", 2, SECS(5)), "h1 lost h2");
    drop(ctl);
}
