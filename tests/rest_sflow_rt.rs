//! sFlow-RT's REST API served by tapdemon over the embedded collector's engine, over HTTP:
//! the PyTapDEMon cron script's calls and the JSON shapes sFlow-RT clients read. Each shape
//! is checked against its source, quoted from `shared/notes/sflow-rt-api.md`.

mod rest;

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proto::MacAddr;
use rest::{assert_refused, json, Parts, Server};
use tapdemon::collector::agents::AgentSnapshot;
use tapdemon::collector::udp::Clock;
use tapdemon::collector::{DatagramMeta, Engine, IfRef, PacketSample, SharedEngine};
use tapdemon::rest::sflow_collector::CollectorService;

fn agent() -> IpAddr {
    "127.0.0.1".parse().unwrap()
}

/// A TCP packet from 10.0.0.`src`:`sport` to 10.0.0.`dst`:`dport` sampled 1-in-`rate` on ifIndex 3.
fn tcp(src: u8, dst: u8, sport: u16, dport: u16, len: u32, rate: u32) -> PacketSample {
    let mut s = PacketSample::new(agent());
    s.source_id = 3;
    s.input = Some(IfRef::Index(3));
    s.sampling_rate = rate;
    s.frame_length = len;
    s.src_mac = Some(MacAddr([0, 0, 0, 0, 0, src]));
    s.dst_mac = Some(MacAddr([0, 0, 0, 0, 0, dst]));
    s.ethertype = Some(0x0800);
    s.ip_src = Some(IpAddr::from([10, 0, 0, src]));
    s.ip_dst = Some(IpAddr::from([10, 0, 0, dst]));
    s.ip_protocol = Some(6);
    s.src_port = Some(sport);
    s.dst_port = Some(dport);
    s
}

struct Collector {
    engine: SharedEngine,
    clock: Clock,
    agents: AgentSnapshot,
    seq: u32,
}

impl Collector {
    /// One datagram with `samples` flow samples, as the UDP task feeds the engine.
    fn datagram(&mut self, samples: &[PacketSample]) {
        self.seq += 1;
        let now = self.clock.now();
        let mut e = self.engine.lock().unwrap();
        e.handle_datagram_meta(
            now,
            &DatagramMeta {
                agent: agent(),
                sub_agent: 0,
                sequence: self.seq,
                uptime_ms: self.seq * 100,
                flow_samples: samples.len() as u32,
                counter_samples: 0,
                bytes: 100 + 200 * samples.len(),
            },
        );
        for s in samples {
            e.handle_sample(now, s);
        }
        let _ = e.poll_events();
        // As the engine thread does after a batch.
        self.agents.publish(AgentSnapshot::take(e.agents()));
    }
}

#[tokio::test]
async fn pytapdemon_script_and_sflow_rt_shapes() {
    let engine: SharedEngine = Arc::new(Mutex::new(Engine::new()));
    let clock = Clock::new();
    let agents = AgentSnapshot::default();
    let mut col = Collector {
        engine: engine.clone(),
        clock,
        agents: agents.clone(),
        seq: 0,
    };
    let srv = Server::with(Parts {
        sflow: Some(Arc::new(CollectorService::from_parts(
            engine, clock, agents,
        ))),
        ..Parts::default()
    })
    .await;
    let c = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();

    // 1.2: `/version` "returns plain text".
    let resp = c.get(srv.url("/version")).send().await.unwrap();
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert!(!resp.text().await.unwrap().trim().is_empty());

    // The PyTapDEMon definition, typed as its users type it (1.3: "PyTapDEMon (blog)
    // definition: `{keys:'ipsource,ipdestination,tcpsourceport,tcpdestinationport',
    // value:'bytes'}`"): relaxed JSON, unquoted keys, single quotes.
    let resp = c
        .put(srv.url("/flow/tcp/json"))
        .body("{keys:'ipsource,ipdestination,tcpsourceport,tcpdestinationport', value:'bytes'}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let (code, def) = json(c.get(srv.url("/flow/tcp/json")).send().await.unwrap()).await;
    assert_eq!(code, 200);
    assert_eq!(
        def["keys"],
        "ipsource,ipdestination,tcpsourceport,tcpdestinationport"
    );
    assert_eq!(def["value"], "bytes");
    let (_, all) = json(c.get(srv.url("/flow/json")).send().await.unwrap()).await;
    assert!(all.get("tcp").is_some(), "{all}");

    // 1.6: "`topKeys` is absent when no flow is active. PyTapDEMon tests `'topKeys' in
    // data[0]`."
    let (code, m) = json(c.get(srv.url("/metric/ALL/tcp/json")).send().await.unwrap()).await;
    assert_eq!(code, 200);
    assert_eq!(m[0]["metricName"], "tcp");
    assert!(m[0].get("topKeys").is_none(), "{m}");

    // 1.4 canonical threshold body: `{'metric':'pair','value':1000000/8,'byFlow':True,'timeout':1}`.
    let resp = c
        .put(srv.url("/threshold/web/json"))
        .body("{metric:'tcp', value:1000, byFlow:true, timeout:1}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let (_, th) = json(c.get(srv.url("/threshold/web/json")).send().await.unwrap()).await;
    assert_eq!(
        (th["metric"].as_str(), th["byFlow"].as_bool()),
        (Some("tcp"), Some(true))
    );

    // 1.5 long-poll recipe: "Start with `eventID=-1`"; "An empty array means the timeout
    // expired". First with nothing to report:
    let started = Instant::now();
    let (code, evs) = json(
        c.get(srv.url("/events/json?eventID=-1&maxEvents=10&timeout=0.3"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((code, evs), (200, serde_json::json!([])));
    assert!(started.elapsed() >= Duration::from_millis(300));

    // Then a poll that is waiting when h2 -> h1 web traffic crosses the threshold.
    let poll = {
        let c = c.clone();
        let url = srv.url("/events/json?eventID=-1&maxEvents=10&timeout=10");
        tokio::spawn(async move { json(c.get(url).send().await.unwrap()).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    col.datagram(&[
        tcp(2, 1, 40000, 80, 1500, 100),
        tcp(2, 1, 40000, 80, 1500, 100),
    ]);
    let (code, evs) = poll.await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "long-poll answered at once"
    );
    assert_eq!(code, 200);
    // 1.5: keys verbatim from sFlow-RT's events.js / threshold.py / largeflows.js.
    let ev = &evs[0];
    for k in [
        "eventID",
        "timestamp",
        "thresholdID",
        "metric",
        "threshold",
        "value",
        "agent",
        "dataSource",
        "flowKey",
    ] {
        assert!(ev.get(k).is_some(), "event lacks {k}: {ev}");
    }
    assert_eq!(ev["thresholdID"], "web");
    assert_eq!(ev["flowKey"], "10.0.0.2,10.0.0.1,40000,80");
    assert_eq!(ev["agent"], "127.0.0.1");
    assert_eq!(ev["dataSource"], "3");
    // 1.5: "`timestamp` is epoch ms".
    assert!(ev["timestamp"].as_u64().unwrap() > 1_600_000_000_000);
    // "The array is newest-first. Every client does `eventID = events[0]["eventID"]`":
    // polling after it returns nothing new.
    let last = ev["eventID"].as_u64().unwrap();
    let (_, evs) = json(
        c.get(srv.url(&format!(
            "/events/json?eventID={last}&maxEvents=10&timeout=0.1"
        )))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(evs, serde_json::json!([]));

    // 1.6 metric shape; PyTapDEMon reads `data[0]['topKeys'][0]['key']`.
    let (_, m) = json(c.get(srv.url("/metric/ALL/tcp/json")).send().await.unwrap()).await;
    let m0 = &m[0];
    for k in [
        "agent",
        "dataSource",
        "metricName",
        "metricValue",
        "metricN",
        "lastUpdate",
        "lastUpdateMax",
        "lastUpdateMin",
        "topKeys",
    ] {
        assert!(m0.get(k).is_some(), "metric lacks {k}: {m0}");
    }
    assert_eq!(m0["topKeys"][0]["key"], "10.0.0.2,10.0.0.1,40000,80");
    assert!(m0["topKeys"][0]["value"].as_f64().unwrap() > 1000.0);
    // `max:` is sFlow-RT's default aggregation prefix (1.2).
    let (code, _) = json(
        c.get(srv.url("/metric/127.0.0.1/max:tcp/json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(code, 200);

    // 1.7: "`/activeflows/...`: an array of `{key, value, ...}`".
    let (_, af) = json(
        c.get(srv.url("/activeflows/ALL/tcp/json?maxFlows=5"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(af[0]["key"], "10.0.0.2,10.0.0.1,40000,80");
    assert!(af[0]["value"].as_f64().unwrap() > 0.0);

    // 1.2 `/agents/json`: "an object keyed by agent IP" with the Chou book's fields.
    let (_, agents) = json(c.get(srv.url("/agents/json")).send().await.unwrap()).await;
    let a = &agents["127.0.0.1"];
    assert_eq!(a["sFlowDatagramsReceived"], 1);
    assert_eq!(a["sFlowFlowSamples"], 2);
    assert_eq!(a["sFlowDatagramsLost"], 0);
    assert_eq!(a["sFlowDatagramSource"], serde_json::json!(["127.0.0.1"]));
    assert!(a.get("firstSeen").is_some() && a.get("lastSeen").is_some());
    let (_, none) = json(
        c.get(srv.url("/agents/json?agent=10.9.9.9"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(none, serde_json::json!({}));
    // 1.2 `/analyzer/json`: `sFlowAgents`, `sFlowDatagramsReceived`, ..., `eventsGenerated`.
    let (_, an) = json(c.get(srv.url("/analyzer/json")).send().await.unwrap()).await;
    assert_eq!(
        (
            an["sFlowAgents"].as_u64(),
            an["sFlowDatagramsReceived"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert!(an["eventsGenerated"].as_u64().unwrap() >= 1);

    // The same counters in /metrics and /api/sflow/*.
    let text = c
        .get(srv.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("tapdemon_sflow_datagrams_total{agent=\"127.0.0.1\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("tapdemon_sflow_samples_total{agent=\"127.0.0.1\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("tapdemon_sflow_datagrams_lost_total{agent=\"127.0.0.1\"} 0"),
        "{text}"
    );
    assert!(
        text.contains("tapdemon_sflow_parse_errors_total{agent=\"127.0.0.1\"} 0"),
        "{text}"
    );
    let (_, top) = json(
        c.get(srv.url("/api/sflow/flows/tcp/top?n=1"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(top.as_array().unwrap().len(), 1);

    // Refusals.
    let bad = |r: reqwest::RequestBuilder| async move { json(r.send().await.unwrap()).await };
    let got = bad(c
        .put(srv.url("/flow/x/json"))
        .body("{keys:'nosuchkey', value:'bytes'}"))
    .await;
    assert_eq!(got.0, 400, "{}", got.1);
    assert!(
        got.1["error"].as_str().unwrap().contains("nosuchkey"),
        "{}",
        got.1
    );
    let got = bad(c
        .put(srv.url("/flow/x/json"))
        .body("{keys:'ipsource', colour:1}"))
    .await;
    assert_refused(&got, 400, Some("colour"), "unknown field");
    let got = bad(c.put(srv.url("/flow/x/json")).body("{keys:")).await;
    assert_refused(&got, 400, None, "invalid JSON");
    assert_refused(
        &bad(c.get(srv.url("/metric/ALL/nope/json"))).await,
        404,
        Some("metric"),
        "no metric",
    );
    assert_refused(
        &bad(c.get(srv.url("/metric/h1/tcp/json"))).await,
        400,
        Some("agent"),
        "bad agent",
    );
    assert_refused(
        &bad(c.get(srv.url("/events/json?timeout=soon"))).await,
        400,
        Some("timeout"),
        "not a number",
    );
    assert_refused(
        &bad(c.get(srv.url("/events/json?timeout=9999"))).await,
        400,
        Some("timeout"),
        "outside",
    );
    assert_refused(
        &bad(c.get(srv.url("/activeflows/ALL/tcp/json?aggMode=sum"))).await,
        400,
        Some("aggMode"),
        "only `max`",
    );
    let resp = c.delete(srv.url("/flow/tcp/json")).send().await.unwrap();
    assert_eq!(resp.status(), 204);
    assert_refused(
        &bad(c.delete(srv.url("/flow/tcp/json"))).await,
        404,
        Some("name"),
        "no flow",
    );
    assert_refused(
        &bad(c.get(srv.url("/threshold/none/json"))).await,
        404,
        Some("name"),
        "no threshold",
    );
    srv.stop().await;
}
