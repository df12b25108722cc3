//! `GET /api/switches/{switch}/flows` against a fake switch speaking raw OpenFlow 1.3 (no
//! OVS): a reply split over two multipart messages is joined; a switch that never answers
//! gets a 504 after `[rest] stats_timeout_secs`; one that answers with an ERROR gets a 502
//! naming the refusal; one that disconnects mid-request a 503; an unknown switch a 404
//! naming it. Port statistics polled from the same fake switch give counters and rates.

mod fake;

use std::sync::Arc;
use std::time::{Duration, Instant};

use fake::{Controller, FakeSwitch};
use proto::{of13, Header};
use tapdemon::rest::runtime_view::RuntimeView;
use tapdemon::rest::stats::StatsService;
use tapdemon::rest::{AppState, EventHub, RestConfig};

const DPID: u64 = 0x42;

fn flow(cookie: u64, priority: u16, out: u32) -> of13::FlowStats {
    of13::FlowStats {
        table_id: 0,
        duration_sec: 7,
        duration_nsec: 0,
        priority,
        idle_timeout: 0,
        hard_timeout: 120,
        flags: 0,
        cookie,
        packet_count: 3,
        byte_count: 294,
        match_: of13::match_::Match::from_fields([&of13::oxm::Oxm::InPort(
            proto::flow::Masked::exact(4),
        )])
        .unwrap(),
        instructions: vec![of13::instruction::Instruction::ApplyActions(vec![
            of13::action::Action::Output {
                port: out,
                max_len: 0,
            },
        ])],
    }
}

fn reply(body: of13::MultipartReplyBody, more: bool, xid: u32) -> bytes::Bytes {
    of13::Message::MultipartReply(of13::MultipartReply {
        flags: u16::from(more),
        body,
    })
    .to_bytes(xid)
    .unwrap()
}

/// The next statistics request from the controller: (xid, multipart type). What modules
/// send at switch-up (flow-mods, barriers: answered) is passed over.
async fn next_request(sw: &mut FakeSwitch) -> (u32, u16) {
    loop {
        let m = sw.recv_skip_echo().await;
        match m[1] {
            18 => {
                return (
                    Header::parse(&m).unwrap().xid,
                    u16::from_be_bytes([m[8], m[9]]),
                )
            }
            20 => {
                let mut r = m.to_vec();
                r[1] = 21;
                sw.send(&r).await;
            }
            _ => {}
        }
    }
}

struct Api {
    base: String,
    client: reqwest::Client,
}

impl Api {
    async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let code = r.status().as_u16();
        (code, r.json().await.unwrap())
    }
}

async fn server(ctl: &Controller, timeout_secs: u64) -> (Api, StatsService) {
    let rest = RestConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        stats_timeout_secs: timeout_secs,
        port_stats_interval_secs: 0,
        ..RestConfig::default()
    };
    let stats = StatsService::new(ctl.handle.switches.clone(), rest.stats_timeout());
    let view = RuntimeView::new(ctl.handle.clone()).with_stats(Arc::new(stats.clone()));
    let state = AppState::new(Arc::new(view), EventHub::default());
    let addrs = tapdemon::rest::start(&rest, state, ctl.shutdown.clone(), &ctl.tracker)
        .await
        .unwrap();
    let api = Api {
        base: format!("http://{}", addrs[0]),
        client: reqwest::Client::new(),
    };
    (api, stats)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flows_joined_timeout_refusal_disconnect() {
    let ctl = Controller::start(Controller::scripted_config()).await;
    let api = Arc::new(server(&ctl, 1).await.0);
    let mut sw = FakeSwitch::connect(ctl.addr).await;
    sw.handshake13(DPID, 2).await;
    ctl.wait_connected(DPID).await;

    // Two parts, REPLY_MORE on the first: one answer with all three flows.
    let a = api.clone();
    let req = tokio::spawn(async move { a.get("/api/switches/0x42/flows").await });
    let (xid, mp) = next_request(&mut sw).await;
    assert_eq!(mp, 1, "OFPMP_FLOW");
    use of13::MultipartReplyBody::Flow;
    sw.send(&reply(
        Flow(vec![flow(1, 100, 3), flow(2, 200, 7)]),
        true,
        xid,
    ))
    .await;
    sw.send(&reply(Flow(vec![flow(3, 50, 1)]), false, xid))
        .await;
    let (code, v) = req.await.unwrap();
    assert_eq!(code, 200, "{v}");
    let flows = v.as_array().unwrap();
    let cookies: Vec<_> = flows
        .iter()
        .map(|f| f["cookie"].as_str().unwrap())
        .collect();
    assert_eq!(
        cookies,
        ["0x2", "0x1", "0x3"],
        "sorted by priority, high first"
    );
    assert_eq!(
        flows[0]["text"],
        "cookie=0x2, duration=7s, table=0, n_packets=3, n_bytes=294, hard_timeout=120, \
         priority=200,in_port=4 actions=output:7"
    );

    // Never answered: 504 after the 1 s timeout, the session stays up.
    let a = api.clone();
    let started = Instant::now();
    let req = tokio::spawn(async move { a.get("/api/switches/0x42/flows").await });
    let _ = next_request(&mut sw).await;
    let (code, v) = req.await.unwrap();
    let took = started.elapsed();
    assert_eq!(code, 504, "{v}");
    let msg = v["error"].as_str().unwrap();
    assert!(
        msg.contains("0000000000000042") && msg.contains("within 1s"),
        "{msg}"
    );
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "{took:?}"
    );
    sw.ping(0x77).await;

    // Refused: an ERROR with the request's xid is a 502 naming it.
    let a = api.clone();
    let req = tokio::spawn(async move { a.get("/api/switches/0x42/flows").await });
    let (xid, _) = next_request(&mut sw).await;
    let err = of13::Message::Error(of13::ErrorMsg::Standard {
        ty: 1,
        code: 2,
        data: bytes::Bytes::new(),
    });
    sw.send(&err.to_bytes(xid).unwrap()).await;
    let (code, v) = req.await.unwrap();
    assert_eq!(code, 502, "{v}");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("refused the OFPMP_FLOW request"),
        "{v}"
    );

    // Unknown switch: 404 naming it.
    let (code, v) = api.get("/api/switches/0x99/flows").await;
    assert_eq!(code, 404, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("0000000000000099"),
        "{v}"
    );
    assert_eq!(v["field"], "switch");

    // Disconnected while waiting: 503.
    let a = api.clone();
    let req = tokio::spawn(async move { a.get("/api/switches/0x42/flows").await });
    let _ = next_request(&mut sw).await;
    drop(sw);
    let (code, v) = req.await.unwrap();
    assert_eq!(code, 503, "{v}");
    assert!(v["error"].as_str().unwrap().contains("disconnected"), "{v}");
    ctl.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_counters_and_rates_from_two_polls() {
    let ctl = Controller::start(Controller::scripted_config()).await;
    let (api, stats) = server(&ctl, 2).await;
    let mut sw = FakeSwitch::connect(ctl.addr).await;
    sw.handshake13(DPID, 2).await;
    ctl.wait_connected(DPID).await;
    let port = |n: u32, rx_packets: u64, rx_bytes: u64| of13::PortStats {
        port_no: n,
        rx_packets,
        tx_packets: 1,
        rx_bytes,
        tx_bytes: 60,
        rx_dropped: 0,
        tx_dropped: 0,
        rx_errors: 0,
        tx_errors: 0,
        rx_frame_err: 0,
        rx_over_err: 0,
        rx_crc_err: 0,
        collisions: 0,
        duration_sec: 1,
        duration_nsec: 0,
    };
    for (rx, bytes) in [(10, 1_000), (110, 101_000)] {
        let s = stats.clone();
        let poll = tokio::spawn(async move { s.poll_ports().await });
        let (xid, mp) = next_request(&mut sw).await;
        assert_eq!(mp, 4, "OFPMP_PORT_STATS");
        use of13::MultipartReplyBody::PortStats;
        sw.send(&reply(PortStats(vec![port(1, rx, bytes)]), true, xid))
            .await;
        sw.send(&reply(PortStats(vec![port(2, 0, 0)]), false, xid))
            .await;
        poll.await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (code, p) = api.get("/api/switches/0x42/ports/1").await;
    assert_eq!(code, 200, "{p}");
    assert_eq!(p["counters"]["rx_packets"], 110);
    let r = &p["rates"];
    let dt = r["interval_secs"].as_f64().unwrap();
    assert!(dt > 0.1 && dt < 5.0, "{r}");
    let pps = r["rx_packets_per_sec"].as_f64().unwrap();
    assert!((pps - 100.0 / dt).abs() < 1e-6, "{r}");
    assert_eq!(r["tx_packets_per_sec"], 0.0);
    let (_, p2) = api.get("/api/switches/0x42/ports/2").await;
    assert_eq!(p2["rates"]["rx_bytes_per_sec"], 0.0, "{p2}");
    let (code, v) = api.get("/api/switches/0x42/ports/9").await;
    assert_eq!((code, v["field"].as_str()), (404, Some("port")), "{v}");
    drop(sw);
    ctl.stop().await;
}
