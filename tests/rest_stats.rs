//! Statistics through the REST API on real Open vSwitch, seed topology
//! (`mininet/pytapdemon.toml`), OpenFlow 1.0 and 1.3:
//! - `GET /api/switches/{s}/flows` lists the same flows as `ovs-ofctl dump-flows` (table,
//!   cookie, priority, match fields, output ports), as JSON and as dump-flows text;
//! - port counters in `/api/switches/{s}/ports/{p}` grow with a ping between namespace
//!   hosts, and the polled rates are non-zero while it runs;
//! - `/api/patches` shows which patches are on the switches, `/api/events` carries the
//!   topology (LLDP links) and tap (configured taps activated) changes;
//! - an unknown switch is a 404 naming it.
//!
//! Needs root; fails, never skips, when OVS, iproute2, ethtool or tcpdump are missing.
//! The switch that never answers (timeout), refuses, or disconnects mid-request is in
//! `tests/rest_stats_fake.rs` (a fake switch, no OVS).

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::controller::{wait_for, InProcess as Ctl};
use support::flows::{parse_dump_flows, FlowEntry};
use support::lab::OfVersions;
use support::seed::seed_connected;
use tapdemon::config::Config;
use tapdemon::rest::launch::{start_stats, start_watch};
use tapdemon::rest::runtime_view::RuntimeView;
use tapdemon::rest::taps_adapter::TapsAdapter;
use tapdemon::rest::{AppState, EventHub, RestConfig};

const SECS: fn(u64) -> Duration = Duration::from_secs;

/// What must agree between the API and `ovs-ofctl dump-flows` for one flow.
fn key(f: &FlowEntry) -> (u8, u64, u16, BTreeSet<String>, BTreeSet<u32>) {
    let fields = f.match_fields().iter().map(|s| s.to_string()).collect();
    (
        f.table,
        f.cookie,
        f.priority,
        fields,
        f.output_ports().into_iter().collect(),
    )
}

fn stats(versions: OfVersions) {
    let text = include_str!("../mininet/pytapdemon.toml").replace(
        "listen = [\"127.0.0.1:6653\"]",
        "listen = [\"127.0.0.1:0\"]",
    );
    let ctl = Ctl::start(&text);
    let config = Arc::new(Config::parse(&text, std::path::Path::new("pytapdemon.toml")).unwrap());
    let h = &ctl.handle;
    let rest = RestConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        port_stats_interval_secs: 1,
        ..RestConfig::default()
    };
    let shutdown = tokio_util::sync::CancellationToken::new();
    let tracker = tokio_util::task::TaskTracker::new();
    let hub = EventHub::default();
    let (stats, addrs) = ctl.rt.block_on(async {
        let stats = start_stats(h, &rest, &tracker, shutdown.clone());
        start_watch(&hub, h, &tracker, shutdown.clone());
        let adapter = TapsAdapter::new(
            h.bus.clone(),
            h.taps.clone().expect("tap module"),
            h.switches.clone(),
        );
        let view = RuntimeView::new(h.clone())
            .with_taps(Arc::new(adapter))
            .with_stats(Arc::new(stats.clone()))
            .with_config(Arc::new(move || config.clone()));
        let state = AppState::new(Arc::new(view), hub.clone());
        let addrs = tapdemon::rest::start(&rest, state, shutdown.clone(), &tracker)
            .await
            .unwrap();
        (stats, addrs)
    });
    drop(stats);
    let base = format!("http://{}", addrs[0]);
    let mut lab = seed_connected(ctl.port, versions, SECS(30), String::new);
    let client = reqwest::Client::new();
    let get = |path: &str| {
        let url = format!("{base}{path}");
        ctl.rt.block_on(async {
            let r = client.get(url).send().await.unwrap();
            let status = r.status().as_u16();
            let ty = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            (status, ty, r.text().await.unwrap())
        })
    };
    let json = |path: &str| {
        let (code, ty, body) = get(path);
        assert_eq!(code, 200, "{path}: {body}");
        assert!(ty.starts_with("application/json"), "{path}: {ty}");
        serde_json::from_str::<serde_json::Value>(&body).unwrap()
    };

    // Flows: the same on every switch as ovs-ofctl sees them. The tables can change
    // between the two reads (a tap re-armed), so a read is retried until both agree with
    // a dump taken right before and right after.
    for s in ["s1", "s2", "s3"] {
        let mut last = String::new();
        let agreed = (0..10).any(|_| {
            let before: BTreeSet<_> = lab.dump_flows(s).iter().map(key).collect();
            let (code, ty, body) = get(&format!("/api/switches/{s}/flows?format=text"));
            assert_eq!(code, 200, "{body}");
            assert!(ty.starts_with("text/plain"), "{ty}");
            let after: BTreeSet<_> = lab.dump_flows(s).iter().map(key).collect();
            let api: BTreeSet<_> = parse_dump_flows(&body).iter().map(key).collect();
            if before == after && api == after {
                return true;
            }
            last = format!(
                "API only: {:#?}\novs-ofctl only: {:#?}",
                api.difference(&after).collect::<Vec<_>>(),
                after.difference(&api).collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(300));
            false
        });
        assert!(
            agreed,
            "{s}: /flows and ovs-ofctl dump-flows differ:\n{last}"
        );
        // The JSON form: same count, cookies as 0x.. strings, the patch flows present.
        let v = json(&format!("/api/switches/{s}/flows"));
        let flows = v.as_array().unwrap();
        assert!(!flows.is_empty(), "{s} has no flows");
        for f in flows {
            assert!(f["cookie"].as_str().unwrap().starts_with("0x"), "{f}");
            assert!(f["text"].as_str().unwrap().contains("actions="), "{f}");
        }
    }
    let s1 = json("/api/switches/s1/flows");
    assert!(
        s1.as_array()
            .unwrap()
            .iter()
            .any(|f| f["match"] == "in_port=1"
                && f["actions"].as_str().unwrap().contains("output:2")),
        "the s1-1-2 patch flow is not listed: {s1:#}"
    );

    // Patches: the static ones are on their switches, the activatable one is not.
    let patches = json("/api/patches");
    let state_of = |name: &str| {
        patches
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no patch {name}: {patches:#}"))["active"]
            .as_bool()
            .unwrap()
    };
    assert!(state_of("s1-1-2") && state_of("s2-1-2"), "{patches:#}");
    assert!(!state_of("s2-3-4"), "{patches:#}");

    // Events: LLDP links and the configured taps' activation reached the event history.
    let topo = json("/api/events?type=topology&limit=100");
    assert!(
        topo.as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"]["event"] == "link_up"),
        "no link_up event: {topo:#}"
    );
    let taps = json("/api/events?type=tap&limit=100");
    assert!(
        taps.as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "activated" && e["tap"]["name"] == "h1"),
        "no activation event of tap h1: {taps:#}"
    );

    // The same events on the SSE stream (a client reconnecting from id 0 is replayed the
    // history): topology and tap events, named by type.
    let sse = ctl.rt.block_on(async {
        let mut r = client
            .get(format!("{base}/api/events/stream"))
            .header("Last-Event-ID", "0")
            .send()
            .await
            .unwrap();
        let mut text = String::new();
        let end = tokio::time::Instant::now() + SECS(5);
        while !(text.contains("event: topology") && text.contains("event: tap")) {
            match tokio::time::timeout_at(end, r.chunk()).await {
                Ok(Ok(Some(c))) => text.push_str(&String::from_utf8_lossy(&c)),
                _ => break,
            }
        }
        text
    });
    assert!(
        sse.contains("event: topology") && sse.contains("\"link_up\""),
        "no topology event on the SSE stream: {sse}"
    );
    assert!(
        sse.contains("event: tap") && sse.contains("\"activated\""),
        "no tap event on the SSE stream: {sse}"
    );

    // Port counters: h1 hangs on s1:1. Wait for two polls (counters and rates present).
    let port =
        |field: &str| -> serde_json::Value { json("/api/switches/s1/ports/1")[field].clone() };
    wait_for("s1:1 rates", SECS(10), || !port("rates").is_null());
    let before = port("counters");
    let rx0 = before["rx_packets"].as_u64().unwrap();
    let tx0 = before["tx_packets"].as_u64().unwrap();
    // 60 pings 50 ms apart: 3 s of traffic, over two poll intervals.
    let h2 = lab.ip_of("h2");
    let ping = lab.spawn("h1", &["ping", "-c", "60", "-i", "0.05", "-W", "1", &h2]);
    let start = Instant::now();
    let mut busy = None;
    while start.elapsed() < SECS(6) {
        let r = port("rates");
        // 20 echo requests in and 20 replies out per second, over a 1 s poll interval.
        if r["rx_packets_per_sec"].as_f64().unwrap_or(0.0) >= 10.0
            && r["tx_packets_per_sec"].as_f64().unwrap_or(0.0) >= 10.0
        {
            busy = Some(r);
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let busy = busy.expect("the rates of s1:1 never reached 10 packets/s during the ping");
    assert!(busy["rx_bytes_per_sec"].as_f64().unwrap() > 0.0, "{busy:#}");
    let mut ping = ping;
    wait_for("the ping to finish", SECS(15), || !ping.is_running());
    let out = ping.stop();
    let received: u32 = out
        .stdout
        .split(" received")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no ping summary: {}", out.stdout));
    assert!(received >= 55, "h1 -> h2: {}", out.stdout);
    // One more poll after the ping, then the counters include it.
    std::thread::sleep(SECS(2));
    let after = port("counters");
    let rx1 = after["rx_packets"].as_u64().unwrap();
    let tx1 = after["tx_packets"].as_u64().unwrap();
    assert!(
        rx1 >= rx0 + 50,
        "s1:1 rx_packets {rx0} -> {rx1} after 60 pings"
    );
    assert!(
        tx1 >= tx0 + 50,
        "s1:1 tx_packets {tx0} -> {tx1} after 60 replies"
    );
    // The switch's own count is at least what the API last read.
    let dump = lab.ofctl(&[
        "-O",
        versions.ofctl_protocol(),
        "dump-ports",
        &lab.bridge("s1").dev,
        "1",
    ]);
    let ovs_rx: u64 = dump
        .split("rx pkts=")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("cannot read dump-ports: {dump}"));
    assert!(
        ovs_rx >= rx1,
        "ovs-ofctl says {ovs_rx} rx packets, the API {rx1}"
    );
    // The same counters in the switch list.
    let list = json("/api/switches");
    let s1 = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "s1")
        .unwrap();
    assert!(s1["ports"][0]["counters"]["rx_packets"].as_u64().unwrap() >= rx1);

    // An unknown switch: 404 naming it.
    let (code, _, body) = get("/api/switches/0x99/flows");
    assert_eq!(code, 404, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        v["error"].as_str().unwrap().contains("0000000000000099"),
        "{v}"
    );
    assert_eq!(v["field"], "switch");

    shutdown.cancel();
    tracker.close();
    ctl.rt
        .block_on(async { tokio::time::timeout(SECS(5), tracker.wait()).await })
        .unwrap();
    drop(lab);
}

#[test]
fn stats_of10() {
    stats(OfVersions::Of10);
}

#[test]
fn stats_of13() {
    stats(OfVersions::Of13);
}
