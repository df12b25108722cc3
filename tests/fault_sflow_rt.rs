//! Fault: sFlow-RT unreachable (issue 7). The `tapdemon` binary runs with both trigger
//! sources: the embedded collector and an `[sflow_rt]` client whose URL points at a
//! 127.0.0.1 port where, in turn,
//! 1. nothing listens (connection refused): the controller still starts and serves a real
//!    OVS bridge (h1 pings h2 through l2_learning); each failure is logged as a warning
//!    with its retry delay, and the retries are spaced by the doubling backoff (read from
//!    the JSON log's own timestamps), not a tight loop; meanwhile the embedded collector's
//!    threshold still activates a tap on the switch;
//! 2. a server accepts connections and never answers: the client's requests time out,
//!    are logged, and retried;
//! 3. an sFlow-RT-compatible server (in this test) answers: the client puts its flow
//!    definition and logs "sFlow-RT connected".
//!
//! Needs root and OVS; fails, never skips, when they are missing.

#[path = "fault_common/mod.rs"]
mod fault_common;
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use bytes::Bytes;
use fault_common::{tap_flows, wait_for, SECS};
use serde_json::Value;
use support::controller::{free_tcp_port, free_udp_port};
use support::lab::{Lab, OfVersions};

fn config(of: u16, rest: u16, collector: u16, rt: u16) -> String {
    format!(
        r#"
[controller]
listen = ["127.0.0.1:{of}"]
[rest]
listen = "127.0.0.1:{rest}"
[switches]
s1 = 1
[[tap]]
name = "h1"
source = "s1:1"
direction = "both"
monitor = "s1:3"
static = false
[collector]
listen = "127.0.0.1:{collector}"
[collector.flows.web]
keys = "ipsource,ipdestination,tcpsourceport,tcpdestinationport"
filter = "tcpdestinationport=80"
[collector.thresholds.web]
metric = "web"
value = 1000
byFlow = true
[[trigger]]
name = "web"
threshold = "web"
activate = ["tap:h1"]
duration_secs = 60
[sflow_rt]
enabled = true
url = "http://127.0.0.1:{rt}"
poll_timeout = 1
request_timeout = 0.5
backoff_initial = 0.2
backoff_max = 1.6
[sflow_rt.flows.tcp]
keys = "ipsource,ipdestination,tcpsourceport,tcpdestinationport"
value = "bytes"
"#
    )
}

/// The controller process, killed (by its PID) on drop.
struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    fn start(dir: &Path, config: &str) -> Daemon {
        let cfg = dir.join("tapdemon.toml");
        std::fs::write(&cfg, config).unwrap();
        let log = dir.join("tapdemon.log");
        let child = Command::new(env!("CARGO_BIN_EXE_tapdemon"))
            .args(["run", "--log-format", "json", "--config"])
            .arg(&cfg)
            .env("RUST_LOG", "info")
            // Its own state file: the taps its trigger activates must not outlive the test.
            .env("TAPDEMON_STATE_FILE", dir.join("state.json"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start tapdemon");
        Daemon { child, log }
    }

    /// Every JSON log line so far.
    fn lines(&self) -> Vec<Value> {
        let f = std::fs::File::open(&self.log).unwrap();
        BufReader::new(f)
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| serde_json::from_str(&l).ok())
            .collect()
    }

    /// Lines whose message is `msg`.
    fn with_message(&self, msg: &str) -> Vec<Value> {
        self.lines()
            .into_iter()
            .filter(|v| v["fields"]["message"] == msg)
            .collect()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Seconds since midnight of a log line's RFC 3339 UTC timestamp.
fn time_of_day(v: &Value) -> f64 {
    let ts = v["timestamp"].as_str().expect("timestamp");
    let t = &ts[ts.find('T').expect("RFC 3339") + 1..].trim_end_matches('Z');
    let mut parts = t.split(':');
    let h: f64 = parts.next().unwrap().parse().unwrap();
    let m: f64 = parts.next().unwrap().parse().unwrap();
    let s: f64 = parts.next().unwrap().parse().unwrap();
    h * 3600.0 + m * 60.0 + s
}

/// A duration as tracing prints `Debug` (`200ms`, `1.6s`).
fn debug_secs(s: &str) -> f64 {
    if let Some(ms) = s.strip_suffix("ms") {
        ms.parse::<f64>().unwrap() / 1000.0
    } else {
        s.strip_suffix('s').unwrap().parse().unwrap()
    }
}

/// One sFlow datagram with one sampled TCP packet 10.0.0.2 -> 10.0.0.1:80 (1-in-1).
fn web_datagram(seq: u32) -> Bytes {
    support::sflow::web_datagram(seq, 2, 1, 5, 6)
}

/// The port's server: first accepts and never answers (`serve` false), then answers like
/// sFlow-RT. Records the request lines.
struct RtServer {
    serve: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl RtServer {
    fn start(port: u16) -> RtServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let serve = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (s, r) = (serve.clone(), requests.clone());
        thread::spawn(move || {
            let mut hung = Vec::new();
            for c in listener.incoming() {
                let Ok(c) = c else { return };
                if s.load(Ordering::SeqCst) {
                    let r = r.clone();
                    thread::spawn(move || answer(c, &r));
                } else {
                    // Accept, read nothing, answer nothing; keep it open.
                    hung.push(c);
                }
            }
        });
        RtServer { serve, requests }
    }
}

/// HTTP/1.1 keep-alive: answer each request as sFlow-RT would (PUT: empty 200; events:
/// none after a short wait; anything else: `[]`).
fn answer(c: TcpStream, requests: &Mutex<Vec<String>>) {
    let mut rd = BufReader::new(c.try_clone().unwrap());
    let mut wr = c;
    loop {
        let mut line = String::new();
        if rd.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut len = 0;
        loop {
            let mut h = String::new();
            if rd.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            if h == "\r\n" {
                break;
            }
            if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; len];
        if rd.read_exact(&mut body).is_err() {
            return;
        }
        requests.lock().unwrap().push(line.trim().to_string());
        let body = if line.starts_with("PUT") {
            ""
        } else {
            if line.contains("/events/json") && !line.contains("maxEvents=1&") {
                thread::sleep(Duration::from_millis(300));
            }
            "[]"
        };
        let resp = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if wr.write_all(resp.as_bytes()).is_err() {
            return;
        }
    }
}

#[test]
fn controller_serves_and_triggers_while_sflow_rt_is_unreachable() {
    let (of, rest, collector, rt) = (
        free_tcp_port(),
        free_tcp_port(),
        free_udp_port(),
        free_tcp_port(),
    );
    let mut lab = Lab::new();
    let daemon = Daemon::start(lab.dir(), &config(of, rest, collector, rt));

    // 1. Nothing on the sFlow-RT port: switches are served all the same.
    lab.add_bridge("s1", 1, OfVersions::Of13, Some(of));
    lab.add_host("h1", "s1", 1, 1);
    lab.add_host("h2", "s1", 2, 2);
    lab.add_host("h3", "s1", 3, 3);
    assert!(lab.wait_connected("s1", SECS(15)), "s1 did not connect");
    assert!(
        lab.ping("h1", "h2", 2, SECS(5)),
        "h1 cannot ping h2 while sFlow-RT is unreachable"
    );
    wait_for("five refused attempts logged", SECS(10), || {
        daemon.with_message("sFlow-RT setup failed").len() >= 5
    });
    let failed = daemon.with_message("sFlow-RT setup failed");
    assert_eq!(failed[0]["level"], "WARN", "{:?}", failed[0]);
    let err = failed[0]["fields"]["error"].as_str().unwrap_or("");
    assert!(
        err.contains(&rt.to_string()) && err.contains("refused"),
        "the error does not say where and why: {err}"
    );
    // Spaced by the doubling delay each line announces (0.2, 0.4, 0.8, 1.6, 1.6 s).
    for w in failed.windows(2).take(4) {
        let announced = debug_secs(w[0]["fields"]["retry_in"].as_str().unwrap());
        let gap = time_of_day(&w[1]) - time_of_day(&w[0]);
        assert!(
            gap >= announced * 0.95,
            "retry after {gap:.3} s, announced {announced} s: {w:?}"
        );
        assert!(gap < announced + 1.0, "retry took {gap:.3} s: {w:?}");
    }
    let delays: Vec<f64> = failed
        .iter()
        .take(5)
        .map(|v| debug_secs(v["fields"]["retry_in"].as_str().unwrap()))
        .collect();
    assert_eq!(delays, [0.2, 0.4, 0.8, 1.6, 1.6], "backoff delays");

    // The embedded collector still triggers the tap.
    assert_eq!(
        tap_flows(&lab, "s1"),
        0,
        "the tap is active before any trigger"
    );
    let agent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut seq = 0;
    wait_for(
        "the collector's trigger to install the tap",
        SECS(10),
        || {
            seq += 1;
            agent
                .send_to(&web_datagram(seq), ("127.0.0.1", collector))
                .unwrap();
            tap_flows(&lab, "s1") > 0
        },
    );

    // 2. A server that accepts and hangs: timeouts, logged and retried.
    let hang_from = daemon.with_message("sFlow-RT setup failed").len();
    let server = RtServer::start(rt);
    wait_for("two timed-out attempts logged", SECS(15), || {
        daemon.with_message("sFlow-RT setup failed")[hang_from..]
            .iter()
            .filter(|v| {
                v["fields"]["error"]
                    .as_str()
                    .is_some_and(|e| e.contains("timed out"))
            })
            .count()
            >= 2
    });
    assert!(server.requests.lock().unwrap().is_empty());
    assert!(
        lab.ping("h1", "h2", 1, SECS(5)),
        "h1 cannot ping h2 during the hang"
    );

    // 3. The server answers: the client connects and puts its flow definition.
    server.serve.store(true, Ordering::SeqCst);
    wait_for("sFlow-RT connected", SECS(10), || {
        !daemon
            .with_message("sFlow-RT connected: polling events")
            .is_empty()
    });
    let reqs = server.requests.lock().unwrap().clone();
    assert!(
        reqs.iter().any(|r| r.starts_with("PUT /flow/tcp/json")),
        "no flow definition PUT: {reqs:?}"
    );
    wait_for("a long-poll", SECS(5), || {
        server
            .requests
            .lock()
            .unwrap()
            .iter()
            .any(|r| r.starts_with("GET /events/json") && r.contains("timeout="))
    });
    drop(daemon);
}
