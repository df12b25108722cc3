//! The embedded collector's engine, Faucet-style: hand-built samples, a fake clock (epoch ms
//! passed in), assertions on events, metrics and counters. No sockets.

use std::net::IpAddr;

use proto::{DatapathId, MacAddr};
use tapdemon::collector::flow_def::{FlowDefConfig, ThresholdDefConfig};
use tapdemon::collector::table::EVICT_FLOOR;
use tapdemon::collector::{
    AgentFilter, CollectorConfig, DatagramMeta, Engine, PacketSample, PortCounters,
};
use tapdemon::trigger::TriggerSource;

const T0: u64 = 1_700_000_000_000;

fn agent() -> IpAddr {
    "127.0.0.1".parse().unwrap()
}

/// A TCP sample h`src` -> h`dst` (10.0.0.N), sampled at ifindex `ds`.
fn tcp(src: u8, dst: u8, sport: u16, dport: u16, len: u32, rate: u32, ds: u32) -> PacketSample {
    let mut s = PacketSample::new(agent());
    s.source_id = ds;
    s.input = Some(tapdemon::collector::IfRef::Index(ds));
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

fn flow(json: &str) -> FlowDefConfig {
    serde_json::from_str(json).unwrap()
}

fn threshold(metric: &str, value: f64, by_flow: bool, timeout: f64) -> ThresholdDefConfig {
    ThresholdDefConfig {
        metric: metric.into(),
        value,
        by_flow,
        timeout,
    }
}

const TCP_FLOW: &str =
    r#"{"keys":"ipsource,ipdestination,tcpsourceport,tcpdestinationport","value":"bytes","t":2}"#;

fn engine_with_tcp() -> Engine {
    let mut e = Engine::new();
    e.set_flow("tcp", &flow(TCP_FLOW)).unwrap();
    e
}

fn top_value(e: &Engine, now: u64) -> f64 {
    e.top_flows(now, "tcp", 1).unwrap()[0].value
}

#[test]
fn steady_rate_converges_and_decays_when_samples_stop() {
    let mut e = engine_with_tcp();
    // 10 samples/s of 100-byte frames at 1-in-1: 1000 bytes/s, for 20 s (= 10 t)
    let mut now = T0;
    for _ in 0..200 {
        e.handle_sample(now, &tcp(8, 9, 40000, 80, 100, 1, 3));
        now += 100;
    }
    let v = top_value(&e, now);
    assert!((v - 1000.0).abs() < 60.0, "steady 1000 B/s smoothed to {v}");
    // one time constant later the value has decayed by e
    let later = top_value(&e, now + 2000);
    assert!((later / v - (-1.0f64).exp()).abs() < 1e-6, "{later} vs {v}");
}

#[test]
fn sampling_rate_scales_the_value_and_frames_count_frames() {
    let mut e = engine_with_tcp();
    e.set_flow(
        "frames",
        &flow(r#"{"keys":"ipsource","value":"frames","t":1}"#),
    )
    .unwrap();
    e.handle_sample(T0, &tcp(8, 9, 40000, 80, 1500, 100, 3));
    // one sample = 100 frames of 1500 bytes, smoothed over t=2 s
    assert_eq!(top_value(&e, T0), 1500.0 * 100.0 / 2.0);
    assert_eq!(e.top_flows(T0, "frames", 1).unwrap()[0].value, 100.0);
}

#[test]
fn filter_and_undefined_keys_exclude_samples() {
    let mut e = Engine::new();
    e.set_flow(
        "web",
        &flow(r#"{"keys":"ipsource,ipdestination,tcpdestinationport","filter":"tcpdestinationport=80&ipdestination=10.0.0.9"}"#),
    )
    .unwrap();
    e.handle_sample(T0, &tcp(8, 9, 40000, 443, 100, 1, 3));
    e.handle_sample(T0, &tcp(8, 7, 40000, 80, 100, 1, 3));
    let mut udp = tcp(8, 9, 40000, 80, 100, 1, 3);
    udp.ip_protocol = Some(17); // tcpdestinationport is undefined for UDP
    e.handle_sample(T0, &udp);
    assert!(e.top_flows(T0, "web", 5).unwrap().is_empty());
    e.handle_sample(T0, &tcp(8, 9, 40000, 80, 100, 1, 3));
    let top = e.top_flows(T0, "web", 5).unwrap();
    assert_eq!(top.len(), 1);
    assert_eq!(top[0].key, "10.0.0.8,10.0.0.9,80");
}

#[test]
fn metric_has_sflow_rt_shape_and_top_keys_disappear_when_idle() {
    let mut e = engine_with_tcp();
    let all = AgentFilter::All;
    // nothing yet: one entry, no topKeys (PyTapDEMon tests `'topKeys' in data[0]`)
    let m = serde_json::to_value(e.metric(T0, &all, "tcp").unwrap()).unwrap();
    assert_eq!(m[0]["metricName"], "tcp");
    assert_eq!(m[0]["metricN"], 0);
    assert!(m[0].get("topKeys").is_none(), "{m}");

    // three flows of different sizes at two data sources
    e.handle_sample(T0, &tcp(2, 1, 40000, 80, 1000, 1, 3));
    e.handle_sample(T0, &tcp(2, 1, 40000, 80, 1000, 1, 3));
    e.handle_sample(T0, &tcp(3, 1, 40001, 80, 500, 1, 4));
    e.handle_sample(T0 + 10, &tcp(4, 1, 40002, 22, 100, 1, 4));
    let now = T0 + 1000;
    let m = serde_json::to_value(e.metric(now, &all, "tcp").unwrap()).unwrap();
    // shape from sflow-rt-api.md 1.6 (sFlow-RT metricchart.js, PyTapDEMon)
    let m0 = &m[0];
    assert_eq!(m0["agent"], "127.0.0.1");
    assert_eq!(m0["dataSource"], "3");
    assert_eq!(m0["metricN"], 2);
    assert_eq!(m0["lastUpdate"], 1000);
    assert_eq!(m0["lastUpdateMax"], 990);
    assert_eq!(m0["lastUpdateMin"], 1000);
    let top = m0["topKeys"].as_array().unwrap();
    assert_eq!(top.len(), 3);
    assert_eq!(top[0]["key"], "10.0.0.2,10.0.0.1,40000,80");
    assert_eq!(top[1]["key"], "10.0.0.3,10.0.0.1,40001,80");
    assert!(top[0]["value"].as_f64().unwrap() > top[1]["value"].as_f64().unwrap());
    assert_eq!(m0["metricValue"], top[0]["value"]);
    assert_eq!(top[2]["lastUpdate"], 990);

    // an agent filter that matches nothing
    let other = AgentFilter::parse("192.0.2.1;192.0.2.2").unwrap();
    assert!(e.metric(now, &other, "tcp").unwrap()[0].top_keys.is_none());
    assert!(AgentFilter::parse("bogus").is_err());
    assert!(e.metric(now, &all, "nope").is_none());

    // long after the traffic, the flows decay below the floor and are evicted
    let idle = now + 60_000;
    assert!(top_value(&e, now) * (-30.0f64).exp() < EVICT_FLOOR);
    e.handle_timeout(idle);
    assert_eq!(e.flow_counts("tcp"), Some((0, 0)));
    let m = serde_json::to_value(e.metric(idle, &all, "tcp").unwrap()).unwrap();
    assert!(m[0].get("topKeys").is_none());
}

#[test]
fn top_n_limits_and_dedupes_across_data_sources() {
    let mut e = Engine::new();
    e.set_flow("pair", &flow(r#"{"keys":"ipsource,ipdestination","n":2}"#))
        .unwrap();
    for (src, len) in [(1u8, 100u32), (2, 300), (3, 200), (4, 50)] {
        e.handle_sample(T0, &tcp(src, 9, 1, 80, len, 1, 3));
    }
    // the same flow seen at a second data source counts once, at its larger value
    e.handle_sample(T0, &tcp(2, 9, 1, 80, 900, 1, 5));
    let m = e.metric(T0, &AgentFilter::All, "pair").unwrap();
    let keys: Vec<&str> = m[0]
        .top_keys
        .as_ref()
        .unwrap()
        .iter()
        .map(|k| k.key.as_str())
        .collect();
    assert_eq!(keys, ["10.0.0.2,10.0.0.9", "10.0.0.3,10.0.0.9"]);
    let af = e
        .active_flows(T0, &AgentFilter::All, "pair", 10, 0.0)
        .unwrap();
    assert_eq!(af.len(), 4);
    assert_eq!((af[0].data_source.as_str(), af[0].flow_n), ("5", 2));
    assert_eq!(af[0].value, 450.0);
    let big = e
        .active_flows(T0, &AgentFilter::All, "pair", 10, 90.0)
        .unwrap();
    assert_eq!(big.len(), 2);
}

#[test]
fn one_burst_raises_an_event_at_once_with_the_flow_and_location() {
    let mut e = engine_with_tcp();
    e.set_threshold("web", &threshold("tcp", 100_000.0, true, 1.0))
        .unwrap();
    // OVS counter records 1004/1005 map ifindex 7 to dpid 2 port 3
    e.handle_counters(
        T0,
        &PortCounters {
            agent: agent(),
            ifindex: 7,
            openflow_port: Some((DatapathId(2), 3)),
            port_name: Some("s2-eth3".into()),
        },
    );
    // below the threshold: 100 kB/s needs 200 kB in one sample at t=2
    e.handle_sample(T0, &tcp(8, 9, 44312, 80, 1500, 100, 7));
    assert!(e.poll_events().is_empty());
    // one sample at 1-in-1000 stands for 1.5 MB: crosses immediately, no timer needed
    e.handle_sample(T0 + 5, &tcp(8, 9, 44312, 80, 1500, 1000, 7));
    let ev = e.poll_events();
    assert_eq!(ev.len(), 1, "{ev:?}");
    let ev = &ev[0];
    assert_eq!(ev.event_id, 1);
    assert_eq!(ev.timestamp, T0 + 5);
    assert_eq!(
        (ev.threshold_id.as_str(), ev.metric.as_str()),
        ("web", "tcp")
    );
    assert_eq!(ev.threshold, 100_000.0);
    assert!(ev.value >= 750_000.0, "{}", ev.value);
    assert_eq!(ev.agent, agent());
    assert_eq!(ev.data_source, "7");
    assert_eq!(ev.flow_key.as_deref(), Some("10.0.0.8,10.0.0.9,44312,80"));
    assert_eq!(ev.key("tcpdestinationport"), Some("80"));
    assert_eq!(ev.key("ipsource"), Some("10.0.0.8"));
    assert_eq!(ev.source, TriggerSource::Embedded);
    let loc = ev.location.as_ref().unwrap();
    assert_eq!(
        (loc.dpid, loc.port_no, loc.port_name.as_deref()),
        (DatapathId(2), 3, Some("s2-eth3"))
    );
    // still over the threshold: no second event
    e.handle_sample(T0 + 10, &tcp(8, 9, 44312, 80, 1500, 1000, 7));
    assert!(e.poll_events().is_empty());
}

#[test]
fn by_flow_raises_per_new_flow_and_plain_threshold_once_per_data_source() {
    let mut e = engine_with_tcp();
    e.set_threshold("each", &threshold("tcp", 1000.0, true, 5.0))
        .unwrap();
    e.set_threshold("any", &threshold("tcp", 1000.0, false, 5.0))
        .unwrap();
    e.set_threshold("other", &threshold("udp", 1.0, false, 5.0))
        .unwrap();
    e.handle_sample(T0, &tcp(8, 9, 1000, 80, 5000, 1, 3));
    e.handle_sample(T0, &tcp(8, 9, 1001, 80, 5000, 1, 3));
    e.handle_sample(T0, &tcp(8, 9, 1002, 80, 5000, 1, 4));
    let ev = e.poll_events();
    let names: Vec<(&str, &str)> = ev
        .iter()
        .map(|e| (e.threshold_id.as_str(), e.flow_key.as_deref().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("any", "10.0.0.8,10.0.0.9,1000,80"),
            ("each", "10.0.0.8,10.0.0.9,1000,80"),
            ("each", "10.0.0.8,10.0.0.9,1001,80"),
            ("any", "10.0.0.8,10.0.0.9,1002,80"),
            ("each", "10.0.0.8,10.0.0.9,1002,80"),
        ]
    );
    let ids: Vec<u64> = ev.iter().map(|e| e.event_id).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    // sFlow-RT's /events/json order: newest first, after an id
    let newest: Vec<u64> = e
        .events_after(2, None, 10)
        .iter()
        .map(|e| e.event_id)
        .collect();
    assert_eq!(newest, [5, 4, 3]);
    let any: Vec<u64> = e
        .events_after(-1, Some("any"), 1)
        .iter()
        .map(|e| e.event_id)
        .collect();
    assert_eq!(any, [4]);
}

#[test]
fn rearms_only_after_timeout_below_the_value() {
    let mut e = engine_with_tcp();
    e.set_threshold("web", &threshold("tcp", 1000.0, true, 3.0))
        .unwrap();
    let burst = |e: &mut Engine, now| e.handle_sample(now, &tcp(8, 9, 1000, 80, 4000, 1, 3));
    burst(&mut e, T0); // 2000 B/s: falls below 1000 at T0 + 2·ln 2 s = T0 + 1387 ms
    assert_eq!(e.poll_events().len(), 1);
    // traffic continues: each burst pushes the re-arm time out, no new event
    for i in 1..10 {
        let now = T0 + i * 1000;
        e.handle_timeout(now);
        burst(&mut e, now);
        assert!(e.poll_events().is_empty(), "re-fired at {i} s");
    }
    // Bursts every second settle at ~5049 B/s; after the last one (9 s) the value falls
    // below 1000 at 9 + 2·ln(5.05) = 12.24 s, so the threshold re-arms at 15.24 s.
    e.handle_timeout(T0 + 15_000);
    burst(&mut e, T0 + 15_000);
    assert!(e.poll_events().is_empty(), "re-armed before the hold time");
    // That burst (2251 B/s) keeps it fired until 15 + 2·ln(2.25) + 3 = 19.62 s.
    e.handle_timeout(T0 + 19_800);
    burst(&mut e, T0 + 19_800);
    let ev = e.poll_events();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].event_id, 2);
}

#[test]
fn flow_cap_evicts_the_smallest_and_counts() {
    let mut e = Engine::new();
    e.set_flow(
        "src",
        &flow(r#"{"keys":"ipsource,tcpsourceport","maxFlows":100}"#),
    )
    .unwrap();
    // one elephant, then a flood of 2000 distinct one-packet mice
    e.handle_sample(T0, &tcp(1, 9, 1, 80, 1500, 1000, 3));
    for p in 0..2000u16 {
        e.handle_sample(T0 + 1, &tcp(2, 9, 1000 + p, 80, 64, 1, 3));
    }
    let (live, evicted) = e.flow_counts("src").unwrap();
    assert!(live <= 100, "{live}");
    assert!(evicted >= 1900, "{evicted}");
    let top = e.top_flows(T0 + 1, "src", 1).unwrap();
    assert_eq!(top[0].key, "10.0.0.1,1");
}

#[test]
fn agent_stats_and_parse_errors() {
    let mut e = Engine::new();
    let meta = |seq| DatagramMeta {
        agent: agent(),
        sub_agent: 0,
        sequence: seq,
        uptime_ms: seq * 10,
        flow_samples: 1,
        counter_samples: 0,
        bytes: 200,
    };
    for seq in [1, 2, 5, 6] {
        e.handle_datagram_meta(T0, &meta(seq));
    }
    e.handle_parse_error(T0, agent());
    let s = e.agents().get(agent()).unwrap();
    assert_eq!(
        (s.datagrams, s.lost, s.parse_errors, s.flow_samples),
        (4, 2, 1, 4)
    );
    let j = serde_json::to_value(s).unwrap();
    // sFlow-RT /agents/json names (sflow-rt-api.md 1.2, Chou book)
    assert_eq!(j["sFlowDatagramsReceived"], 4);
    assert_eq!(j["sFlowDatagramsLost"], 2);
    let r = serde_json::to_value(e.agents().report(T0 + 1500)).unwrap();
    assert_eq!(r["127.0.0.1"]["sFlowDatagramsReceived"], 4);
    assert_eq!(r["127.0.0.1"]["lastSeen"], 1500);
    assert_eq!(r["127.0.0.1"]["firstSeen"], 1500);
    assert_eq!(e.stats().parse_errors, 1);
}

#[test]
fn config_section_builds_an_engine_and_rejects_mistakes() {
    let cfg: CollectorConfig = serde_json::from_str(
        r#"{"listen":"127.0.0.1:16343",
            "flows":{"tcp":{"keys":"ipsource,ipdestination,tcpsourceport,tcpdestinationport","filter":"tcpdestinationport=80"}},
            "thresholds":{"web":{"metric":"tcp","value":10000,"byFlow":true,"timeout":10}}}"#,
    )
    .unwrap();
    assert!(cfg.enabled);
    let e = cfg.build_engine().unwrap();
    assert!(e.flow("tcp").is_some());
    assert!(e.threshold("web").unwrap().by_flow);
    assert_eq!(CollectorConfig::default().listen.port(), 6343);

    assert!(serde_json::from_str::<CollectorConfig>(r#"{"listn":"0.0.0.0:1"}"#).is_err());
    let bad: CollectorConfig =
        serde_json::from_str(r#"{"flows":{"tcp":{"keys":"ipsource","filter":"tcpdstport=80"}}}"#)
            .unwrap();
    let msg = bad.build_engine().unwrap_err().to_string();
    assert!(
        msg.contains("[collector.flows.tcp]") && msg.contains("tcpdstport"),
        "{msg}"
    );
    let bad: CollectorConfig =
        serde_json::from_str(r#"{"thresholds":{"web":{"metric":"tcp","value":1}}}"#).unwrap();
    assert!(bad
        .build_engine()
        .unwrap_err()
        .to_string()
        .contains("not a flow"));
}

#[test]
fn collector_section_reads_from_toml() {
    let cfg: CollectorConfig = toml::from_str(
        r#"
listen = "0.0.0.0:6343"
[flows.tcp]
keys = "ipsource,ipdestination,tcpsourceport,tcpdestinationport"
value = "bytes"
filter = "tcpdestinationport=80"
n = 10
t = 2
[thresholds.web]
metric = "tcp"
value = 10000
byFlow = true
timeout = 10
"#,
    )
    .unwrap();
    let e = cfg.build_engine().unwrap();
    assert_eq!(e.flow("tcp").unwrap().n, 10);
    assert_eq!(e.threshold("web").unwrap().value, 10000.0);
    let err = toml::from_str::<CollectorConfig>("[flows.tcp]\nkeys = \"ipsource\"\nbogus = 1\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("bogus"), "{err}");
}
