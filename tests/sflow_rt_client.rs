//! The `sflow_rt` module against an in-test HTTP server that answers like sFlow-RT.
//!
//! Shapes served (sources as cited in shared/notes/sflow-rt-api.md):
//! - `GET /events/json`: an array of `{eventID, timestamp, thresholdID, metric, threshold,
//!   value, agent, dataSource, flowKey}`, **newest first**, `[]` when the long-poll timeout
//!   expires (section 1.5: sFlow-RT's UI `resources/inc/events.js`, `extras/threshold.py`,
//!   `extras/largeflows.js`, ddos-protect).
//! - `GET /metric/ALL/{name}/json`: `[{agent, dataSource, metricName, metricValue, metricN,
//!   lastUpdate, lastUpdateMax, lastUpdateMin, topKeys:[{key, value, lastUpdate}]}]`, with
//!   `topKeys` absent when no flow is active (section 1.6: sFlow-RT UI `metricchart.js`;
//!   PyTapDEMon tests `'topKeys' in data[0]`).
//! - `PUT /flow/{name}/json`, `PUT /threshold/{name}/json`: JSON bodies as in section
//!   1.3/1.4 (PyTapDEMon's `{keys:..., value:'bytes'}`, labredes' threshold body).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tapdemon::modules::sflow_rt::{spawn, SflowRtConfig};
use tapdemon::trigger::{TriggerEvent, TriggerSource};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

/// A misbehaviour for the next long-poll.
#[derive(Debug, Clone)]
enum Fault {
    /// Answer after this long.
    Slow(Duration),
    /// Answer this text with 200.
    Garbage(&'static str),
    /// Answer this status.
    Status(u16),
}

#[derive(Debug, Default)]
struct State {
    events: Vec<Value>,
    requests: Vec<(String, String, String)>,
    faults: VecDeque<Fault>,
    metric: Value,
}

type Shared = Arc<Mutex<State>>;

fn event(id: u64, threshold: &str, key: &str) -> Value {
    json!({"eventID": id, "timestamp": 1_369_000_000_000u64 + id, "thresholdID": threshold,
           "metric": "tcp", "threshold": 125000.0, "value": 431234.5,
           "agent": "127.0.0.1", "dataSource": "3", "flowKey": key})
}

fn query(path: &str, name: &str) -> Option<String> {
    let q = path.split_once('?')?.1;
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Newest first, ids above `after`, at most `max`.
fn answer_events(st: &State, after: i64, max: usize) -> Vec<Value> {
    let mut v: Vec<Value> = st
        .events
        .iter()
        .filter(|e| e["eventID"].as_i64().unwrap() > after)
        .cloned()
        .collect();
    v.reverse();
    v.truncate(max);
    v
}

async fn respond(state: Shared, method: &str, path: &str) -> (u16, String) {
    if method == "PUT" {
        return (204, String::new());
    }
    if path.starts_with("/metric/") {
        let m = state.lock().unwrap().metric.clone();
        return (200, m.to_string());
    }
    if !path.starts_with("/events/json") {
        return (404, "not found".into());
    }
    let max: usize = query(path, "maxEvents")
        .and_then(|m| m.parse().ok())
        .unwrap_or(100);
    let after: i64 = query(path, "eventID")
        .and_then(|m| m.parse().ok())
        .unwrap_or(-1);
    let Some(timeout) = query(path, "timeout").and_then(|t| t.parse::<u64>().ok()) else {
        let st = state.lock().unwrap();
        return (200, Value::from(answer_events(&st, -1, max)).to_string());
    };
    let fault = state.lock().unwrap().faults.pop_front();
    match fault {
        Some(Fault::Slow(d)) => tokio::time::sleep(d).await,
        Some(Fault::Garbage(g)) => return (200, g.to_string()),
        Some(Fault::Status(s)) => return (s, "internal error".into()),
        None => {}
    }
    // long-poll: answer as soon as there is something after `after`, or [] at the timeout
    let deadline = Instant::now() + Duration::from_secs(timeout);
    loop {
        let v = answer_events(&state.lock().unwrap(), after, max);
        if !v.is_empty() || Instant::now() >= deadline {
            return (200, Value::from(v).to_string());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn connection(state: Shared, mut s: TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let Ok(n) = s.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut first = head.lines().next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_string();
    let path = first.next().unwrap_or("").to_string();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let Ok(n) = s.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..head_end + len]).to_string();
    state
        .lock()
        .unwrap()
        .requests
        .push((method.clone(), path.clone(), body));
    let (status, text) = respond(state, &method, &path).await;
    let resp = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    let _ = s.write_all(resp.as_bytes()).await;
    let _ = s.shutdown().await;
}

/// Serves `state` on `addr` until the returned task is aborted (which also aborts the
/// connections in flight, like a server going away).
async fn serve(addr: SocketAddr, state: Shared) -> JoinHandle<()> {
    let listener = TcpListener::bind(addr).await.unwrap();
    tokio::spawn(async move {
        let mut conns = JoinSet::new();
        loop {
            let Ok((s, _)) = listener.accept().await else {
                continue;
            };
            conns.spawn(connection(state.clone(), s));
        }
    })
}

async fn free_addr() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap()
}

fn config(addr: SocketAddr) -> SflowRtConfig {
    serde_json::from_value(json!({
        "enabled": true,
        "url": format!("http://{addr}"),
        "poll_timeout": 1,
        "max_events": 10,
        "request_timeout": 0.5,
        "backoff_initial": 0.05,
        "backoff_max": 0.4,
        "flows": {"tcp": {"keys": "ipsource,ipdestination,tcpsourceport,tcpdestinationport", "value": "bytes"}},
        "thresholds": {"web": {"metric": "tcp", "value": 125000, "byFlow": true, "timeout": 1}}
    }))
    .unwrap()
}

async fn next(rx: &mut mpsc::Receiver<TriggerEvent>, within: Duration) -> TriggerEvent {
    tokio::time::timeout(within, rx.recv())
        .await
        .expect("no event in time")
        .expect("channel closed")
}

async fn nothing(rx: &mut mpsc::Receiver<TriggerEvent>, during: Duration) {
    if let Ok(Some(e)) = tokio::time::timeout(during, rx.recv()).await {
        panic!("unexpected event {e:?}");
    }
}

/// Waits until the server saw a long-poll with `eventID=id`.
async fn polled_after(state: &Shared, id: i64) {
    let want = format!("eventID={id}");
    for _ in 0..200 {
        let seen = state.lock().unwrap().requests.iter().any(|(m, p, _)| {
            m == "GET"
                && p.starts_with("/events/json")
                && p.contains("timeout=")
                && p.ends_with(&want)
        });
        if seen {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "no long-poll with {want}: {:?}",
        state.lock().unwrap().requests
    );
}

fn count(state: &Shared, method: &str, prefix: &str) -> usize {
    state
        .lock()
        .unwrap()
        .requests
        .iter()
        .filter(|(m, p, _)| m == method && p.starts_with(prefix))
        .count()
}

#[tokio::test]
async fn puts_definitions_skips_backlog_and_delivers_oldest_first_once() {
    let addr = free_addr().await;
    let state = Shared::default();
    state.lock().unwrap().events = vec![event(1, "old", "a"), event(2, "old", "b")];
    let server = serve(addr, state.clone()).await;
    let shutdown = CancellationToken::new();
    let (tx, mut rx) = mpsc::channel(64);
    let task = spawn(config(addr), tx, None, shutdown.clone()).unwrap();

    // the backlog (1, 2) is skipped: the first long-poll asks for events after 2
    polled_after(&state, 2).await;
    {
        let st = state.lock().unwrap();
        let put = |p: &str| {
            st.requests
                .iter()
                .find(|(m, path, _)| m == "PUT" && path == p)
                .map(|(_, _, b)| serde_json::from_str::<Value>(b).unwrap())
                .unwrap_or_else(|| panic!("no PUT {p}"))
        };
        assert_eq!(
            put("/flow/tcp/json")["keys"],
            "ipsource,ipdestination,tcpsourceport,tcpdestinationport"
        );
        assert_eq!(put("/threshold/web/json")["byFlow"], true);
        let poll = st
            .requests
            .iter()
            .find(|(_, p, _)| p.contains("timeout="))
            .unwrap();
        assert_eq!(poll.1, "/events/json?maxEvents=10&timeout=1&eventID=2");
    }
    // three at once: delivered oldest first
    state.lock().unwrap().events.extend([
        event(3, "web", "10.0.0.2,10.0.0.1,43000,80"),
        event(4, "web", "10.0.0.3,10.0.0.1,43001,80"),
        event(5, "web", "10.0.0.4,10.0.0.1,43002,80"),
    ]);
    let got: Vec<u64> = [
        next(&mut rx, Duration::from_secs(3)).await,
        next(&mut rx, Duration::from_secs(1)).await,
        next(&mut rx, Duration::from_secs(1)).await,
    ]
    .iter()
    .map(|e| e.event_id)
    .collect();
    assert_eq!(got, [3, 4, 5]);
    // a long-poll expires with [] and the next one resumes after 5
    tokio::time::sleep(Duration::from_millis(1300)).await;
    polled_after(&state, 5).await;
    state
        .lock()
        .unwrap()
        .events
        .push(event(6, "web", "10.0.0.5,10.0.0.1,43003,80"));
    let e = next(&mut rx, Duration::from_secs(3)).await;
    assert_eq!(e.event_id, 6);
    assert_eq!(e.source, TriggerSource::SflowRt);
    assert_eq!(e.agent.to_string(), "127.0.0.1");
    assert_eq!(e.data_source, "3");
    assert_eq!(e.key("ipsource"), Some("10.0.0.5"));
    assert_eq!(e.key("tcpdestinationport"), Some("80"));
    nothing(&mut rx, Duration::from_millis(1500)).await;

    shutdown.cancel();
    task.await.unwrap();
    server.abort();
}

#[tokio::test]
async fn survives_outages_and_restarts_without_duplicates() {
    let addr = free_addr().await;
    let shutdown = CancellationToken::new();
    let (tx, mut rx) = mpsc::channel(64);
    // nothing listens yet: connection refused, retried with backoff
    let task = spawn(config(addr), tx, None, shutdown.clone()).unwrap();
    nothing(&mut rx, Duration::from_millis(600)).await;
    assert!(!task.is_finished());

    let state = Shared::default();
    let server = serve(addr, state.clone()).await;
    polled_after(&state, -1).await;
    state
        .lock()
        .unwrap()
        .events
        .extend([event(1, "web", "k1"), event(2, "web", "k2")]);
    assert_eq!(next(&mut rx, Duration::from_secs(3)).await.event_id, 1);
    assert_eq!(next(&mut rx, Duration::from_secs(1)).await.event_id, 2);
    polled_after(&state, 2).await;

    // the network goes away (the server keeps its events); event 3 happens meanwhile
    server.abort();
    let _ = server.await;
    state.lock().unwrap().events.push(event(3, "web", "k3"));
    nothing(&mut rx, Duration::from_millis(500)).await;
    let puts_before = count(&state, "PUT", "/flow/");
    let server = serve(addr, state.clone()).await;
    // reconnect: definitions PUT again, event 3 delivered once, then 4
    assert_eq!(next(&mut rx, Duration::from_secs(4)).await.event_id, 3);
    assert!(count(&state, "PUT", "/flow/") > puts_before);
    state.lock().unwrap().events.push(event(4, "web", "k4"));
    assert_eq!(next(&mut rx, Duration::from_secs(3)).await.event_id, 4);
    nothing(&mut rx, Duration::from_millis(1200)).await;

    // sFlow-RT itself restarts: its event ids start again at 1
    server.abort();
    let _ = server.await;
    let fresh = Shared::default();
    let server = serve(addr, fresh.clone()).await;
    polled_after(&fresh, -1).await;
    fresh
        .lock()
        .unwrap()
        .events
        .push(event(1, "after-restart", "k5"));
    let e = next(&mut rx, Duration::from_secs(3)).await;
    assert_eq!((e.event_id, e.threshold_id.as_str()), (1, "after-restart"));
    nothing(&mut rx, Duration::from_millis(1200)).await;

    shutdown.cancel();
    task.await.unwrap();
    server.abort();
}

#[tokio::test]
async fn slow_answers_bad_json_and_errors_are_retried() {
    let addr = free_addr().await;
    let state = Shared::default();
    state.lock().unwrap().faults = VecDeque::from([
        // longer than the HTTP timeout (2 x poll timeout of 1 s)
        Fault::Slow(Duration::from_millis(2600)),
        Fault::Garbage("{not json"),
        Fault::Garbage(r#"{"eventID": 1}"#),
        Fault::Garbage(r#"[{"eventID": "x"}]"#),
        Fault::Status(500),
    ]);
    state.lock().unwrap().events.clear();
    let server = serve(addr, state.clone()).await;
    let shutdown = CancellationToken::new();
    let (tx, mut rx) = mpsc::channel(64);
    let task = spawn(config(addr), tx, None, shutdown.clone()).unwrap();
    // wait until every fault was served, then an event must still get through, once
    for _ in 0..400 {
        if state.lock().unwrap().faults.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        state.lock().unwrap().faults.is_empty(),
        "faults not all served"
    );
    state.lock().unwrap().events.push(event(1, "web", "k1"));
    assert_eq!(next(&mut rx, Duration::from_secs(5)).await.event_id, 1);
    nothing(&mut rx, Duration::from_millis(1200)).await;
    // every failure re-ran the setup
    assert!(
        count(&state, "PUT", "/threshold/") >= 5,
        "{:?}",
        state.lock().unwrap().requests
    );
    shutdown.cancel();
    task.await.unwrap();
    server.abort();
}

#[tokio::test]
async fn metric_poll_turns_new_top_keys_into_events() {
    let addr = free_addr().await;
    let state = Shared::default();
    // idle: topKeys absent
    state.lock().unwrap().metric = json!([{"metricName": "tcp", "metricN": 0}]);
    let server = serve(addr, state.clone()).await;
    let mut cfg = config(addr);
    cfg.metric_poll_interval = Some(0.1);
    cfg.metric_min_value = 1000.0;
    let shutdown = CancellationToken::new();
    let (tx, mut rx) = mpsc::channel(64);
    let task = spawn(cfg, tx, None, shutdown.clone()).unwrap();
    nothing(&mut rx, Duration::from_millis(500)).await;
    assert!(count(&state, "GET", "/metric/ALL/tcp/json") >= 2);

    let busy = json!([{"agent": "127.0.0.1", "dataSource": "4", "metricName": "tcp",
        "metricValue": 250000.0, "metricN": 1, "lastUpdate": 100, "lastUpdateMax": 100,
        "lastUpdateMin": 100, "topKeys": [
            {"key": "10.0.0.2,10.0.0.1,43000,80", "value": 250000.0, "lastUpdate": 100},
            {"key": "10.0.0.3,10.0.0.1,43001,80", "value": 10.0, "lastUpdate": 100}]}]);
    state.lock().unwrap().metric = busy.clone();
    let e = next(&mut rx, Duration::from_secs(2)).await;
    assert_eq!(e.threshold_id, "metric:tcp");
    assert_eq!(e.flow_key.as_deref(), Some("10.0.0.2,10.0.0.1,43000,80"));
    assert_eq!(e.key("ipsource"), Some("10.0.0.2"));
    assert_eq!(e.data_source, "4");
    // still on top: no repeat; the small flow is below metric_min_value
    nothing(&mut rx, Duration::from_millis(500)).await;
    // gone, then back: a new event
    state.lock().unwrap().metric = json!([{"metricName": "tcp", "metricN": 0}]);
    tokio::time::sleep(Duration::from_millis(400)).await;
    state.lock().unwrap().metric = busy;
    let e2 = next(&mut rx, Duration::from_secs(2)).await;
    assert_eq!(e2.flow_key, e.flow_key);
    assert!(e2.event_id > e.event_id);
    shutdown.cancel();
    task.await.unwrap();
    server.abort();
}

#[test]
fn config_is_checked() {
    let bad = |v: Value| {
        let c: SflowRtConfig = serde_json::from_value(v).unwrap();
        let (tx, _rx) = mpsc::channel(1);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let _g = rt.enter();
        spawn(c, tx, None, CancellationToken::new())
            .unwrap_err()
            .to_string()
    };
    assert!(bad(json!({"url": "ftp://x"})).contains("url"));
    assert!(bad(json!({"flows": {"f": {"value": "bytes"}}})).contains("[sflow_rt.flows.f]"));
    assert!(bad(json!({"thresholds": {"t": {"metric": "f"}}})).contains("[sflow_rt.thresholds.t]"));
    assert!(bad(json!({"backoff_max": 0})).contains("backoff_max"));
    assert!(bad(json!({"metric_poll_interval": 1e-12})).contains("metric_poll_interval"));
    assert!(bad(json!({"backoff_initial": 1e300})).contains("backoff_initial"));
    assert!(bad(json!({"poll_timeout": u64::MAX})).contains("poll_timeout"));
    assert!(serde_json::from_value::<SflowRtConfig>(json!({"urll": "x"})).is_err());
    let t: SflowRtConfig = toml::from_str(
        "enabled = true\nmetric_poll_interval = 60\n[flows.tcp]\nkeys = 'ipsource,ipdestination'\nvalue = 'bytes'\n[thresholds.web]\nmetric = 'tcp'\nvalue = 125000\nbyFlow = true\n",
    )
    .unwrap();
    assert_eq!(t.flows["tcp"]["keys"], "ipsource,ipdestination");
    assert_eq!(t.thresholds["web"]["byFlow"], true);
    assert_eq!(t.metric_poll_interval, Some(60.0));
    let d = SflowRtConfig::default();
    assert!(!d.enabled);
    assert_eq!(
        (d.url.as_str(), d.poll_timeout),
        ("http://127.0.0.1:8008", 60)
    );
}
