//! The collector task over real UDP on 127.0.0.1, with datagrams built by the
//! `proto::sflow` encoder; and the adapter over the shared third-party corpus.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use proto::sflow::{
    CounterSample, DataSource, Datagram, FlowRecord, FlowSample, HeaderProtocol, Interface, Sample,
    SampledHeader, UnknownCounts, UnknownRecord,
};
use proto::DatapathId;
use tapdemon::collector::adapter::feed_datagram;
use tapdemon::collector::udp::lock;
use tapdemon::collector::{spawn, CollectorConfig, Engine};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Ethernet + IPv4 + TCP header, h`src` -> h`dst`, ports `sport` -> `dport`.
fn tcp_frame(src: u8, dst: u8, sport: u16, dport: u16) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&[0, 0, 0, 0, 0, dst, 0, 0, 0, 0, 0, src, 0x08, 0x00]);
    f.extend_from_slice(&[0x45, 0, 0x05, 0xdc, 0, 1, 0x40, 0, 64, 6, 0, 0]);
    f.extend_from_slice(&[10, 0, 0, src, 10, 0, 0, dst]);
    f.extend_from_slice(&sport.to_be_bytes());
    f.extend_from_slice(&dport.to_be_bytes());
    f.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
    f
}

fn datagram(seq: u32, samples: Vec<Sample>) -> Bytes {
    let d = Datagram {
        agent: Some("127.0.0.1".parse().unwrap()),
        sub_agent_id: 1,
        sequence_number: seq,
        uptime_ms: 1000 + seq,
        samples,
        unknown: UnknownCounts::default(),
    };
    let mut out = BytesMut::new();
    d.encode(&mut out);
    out.freeze()
}

fn flow_sample(ifindex: u32, rate: u32, frame: Vec<u8>) -> Sample {
    Sample::Flow(FlowSample {
        expanded: false,
        sequence_number: 1,
        source_id: DataSource {
            source_type: 0,
            index: ifindex,
        },
        sampling_rate: rate,
        sample_pool: rate,
        drops: 0,
        input: Interface::Index(ifindex),
        output: Interface::Index(ifindex + 1),
        records: vec![FlowRecord::SampledHeader(SampledHeader {
            protocol: HeaderProtocol::Ethernet,
            frame_length: 1518,
            stripped: 4,
            header: Bytes::from(frame),
        })],
    })
}

/// A port counter sample the way OVS sends one: records 1004 (dpid, port) and 1005 (name).
fn ovs_port_counters(ifindex: u32, dpid: u64, port: u32, name: &str) -> Sample {
    let mut of_port = dpid.to_be_bytes().to_vec();
    of_port.extend_from_slice(&port.to_be_bytes());
    let mut pname = (name.len() as u32).to_be_bytes().to_vec();
    pname.extend_from_slice(name.as_bytes());
    while pname.len() % 4 != 0 {
        pname.push(0);
    }
    let rec = |format, body: Vec<u8>| {
        proto::sflow::CounterRecord::Unknown(UnknownRecord {
            enterprise: 0,
            format,
            body: Bytes::from(body),
        })
    };
    Sample::Counter(CounterSample {
        expanded: false,
        sequence_number: 1,
        source_id: DataSource {
            source_type: 0,
            index: ifindex,
        },
        records: vec![rec(1004, of_port), rec(1005, pname)],
    })
}

fn config(listen: &str) -> CollectorConfig {
    serde_json::from_value(serde_json::json!({
        "listen": listen,
        "flows": {"web": {"keys": "ipsource,ipdestination,tcpsourceport,tcpdestinationport",
                          "filter": "tcpdestinationport=80"}},
        "thresholds": {"web": {"metric": "web", "value": 100000, "byFlow": true, "timeout": 5}}
    }))
    .unwrap()
}

#[tokio::test]
async fn datagrams_become_one_event_with_location() {
    let shutdown = CancellationToken::new();
    let (tx, mut rx) = mpsc::channel(16);
    let h = spawn(&config("127.0.0.1:0"), tx, shutdown.clone())
        .await
        .unwrap();
    let agent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    agent.connect(h.local_addr).await.unwrap();
    agent
        .send(&datagram(1, vec![ovs_port_counters(7, 2, 3, "s2-eth3")]))
        .await
        .unwrap();
    // port 443 does not pass the filter; port 80 at 1-in-1000 crosses at once
    let https = flow_sample(7, 1000, tcp_frame(8, 9, 40000, 443));
    let web = flow_sample(7, 1000, tcp_frame(8, 9, 40001, 80));
    agent
        .send(&datagram(2, vec![https, web.clone()]))
        .await
        .unwrap();
    agent.send(&datagram(3, vec![web])).await.unwrap();

    let ev = tokio::time::timeout(Duration::from_secs(2), rx.recv())
        .await
        .expect("no event within 2 s")
        .unwrap();
    assert_eq!(ev.flow_key.as_deref(), Some("10.0.0.8,10.0.0.9,40001,80"));
    assert_eq!(ev.agent, "127.0.0.1".parse::<IpAddr>().unwrap());
    assert_eq!(ev.data_source, "7");
    let loc = ev.location.unwrap();
    assert_eq!((loc.dpid, loc.port_no), (DatapathId(2), 3));
    assert_eq!(loc.port_name.as_deref(), Some("s2-eth3"));
    // byFlow: the same flow again raises nothing more
    assert!(tokio::time::timeout(Duration::from_millis(300), rx.recv())
        .await
        .is_err());
    {
        let e = lock(&h.engine);
        let s = e.agents().get("127.0.0.1".parse().unwrap()).unwrap();
        assert_eq!(
            (s.datagrams, s.flow_samples, s.counter_samples, s.lost),
            (3, 3, 1, 0)
        );
    }
    // The counters `/metrics` reads, published by the engine thread, agree within a tick.
    let agent_ip: IpAddr = "127.0.0.1".parse().unwrap();
    let published = || {
        h.agents
            .get()
            .iter()
            .find(|(a, _)| *a == agent_ip)
            .map(|(_, s)| (s.datagrams, s.flow_samples, s.counter_samples, s.lost))
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while published() != Some((3, 3, 1, 0)) {
        assert!(
            std::time::Instant::now() < deadline,
            "published: {:?}",
            published()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    shutdown.cancel();
    h.task.await.unwrap();
}

#[tokio::test]
async fn a_garbage_flood_is_counted_and_does_not_stop_events() {
    let shutdown = CancellationToken::new();
    let (tx, mut rx) = mpsc::channel(16);
    let h = spawn(&config("127.0.0.1:0"), tx, shutdown.clone())
        .await
        .unwrap();
    let flood = UdpSocket::bind("127.0.0.2:0").await.unwrap();
    flood.connect(h.local_addr).await.unwrap();
    // Bounded: 20k bad datagrams of a few kinds (NetFlow v5 header, truncated v5, noise).
    let mut v5_truncated = datagram(1, vec![flow_sample(7, 1, tcp_frame(1, 2, 3, 80))]).to_vec();
    v5_truncated.truncate(60);
    let kinds: [Vec<u8>; 3] = [vec![0, 5, 0, 1, 0, 0, 0, 0], v5_truncated, vec![0xa5; 1200]];
    for i in 0..20_000 {
        let _ = flood.send(&kinds[i % 3]).await;
    }
    let agent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    agent.connect(h.local_addr).await.unwrap();
    // The collector's queue is bounded: a datagram arriving while it is full is dropped
    // (and counted), like any sFlow datagram on a busy link. The agent's next export (every
    // 200 ms here) gets through and raises the event.
    let web = datagram(1, vec![flow_sample(4, 1000, tcp_frame(2, 1, 50000, 80))]);
    let ev = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            agent.send(&web).await.unwrap();
            if let Ok(ev) = tokio::time::timeout(Duration::from_millis(200), rx.recv()).await {
                return ev;
            }
        }
    })
    .await
    .expect("event lost behind the flood")
    .unwrap();
    assert_eq!(ev.key("ipsource"), Some("10.0.0.2"));
    {
        let e = lock(&h.engine);
        let bad = e.agents().get("127.0.0.2".parse().unwrap()).unwrap();
        // the kernel may drop some of the flood; most must have been seen and counted
        assert!(bad.parse_errors > 1000, "{bad:?}");
        assert_eq!(bad.datagrams, 0);
    }
    shutdown.cancel();
    h.task.await.unwrap();
}

fn corpus_dir() -> PathBuf {
    let base = std::env::var_os("TAPDEMON_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance"));
    base.join("sflow/raw")
}

#[test]
fn the_shared_corpus_feeds_the_engine_and_negatives_are_counted() {
    let dir = corpus_dir();
    let mut e = Engine::new();
    e.set_flow(
        "all",
        &serde_json::from_str(r#"{"keys":"agent,inputifindex,ethernetprotocol"}"#).unwrap(),
    )
    .unwrap();
    let peer: IpAddr = "192.0.2.99".parse().unwrap();
    let mut ok = 0;
    let mut flow_samples = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = entry.unwrap().path();
        if p.extension().is_none_or(|x| x != "bin") {
            continue;
        }
        let buf = Bytes::from(std::fs::read(&p).unwrap());
        let s = feed_datagram(&mut e, 1_000, peer, &buf)
            .unwrap_or_else(|err| panic!("{}: {err}", p.display()));
        ok += 1;
        flow_samples += s.flow_samples;
    }
    assert_eq!(ok, 72, "the corpus has 72 datagrams");
    assert_eq!(flow_samples, 32, "flow samples in the corpus");
    assert!(!e.top_flows(1_000, "all", 10).unwrap().is_empty());
    let mut rejected = 0;
    for entry in std::fs::read_dir(dir.join("negative")).unwrap() {
        let buf = Bytes::from(std::fs::read(entry.unwrap().path()).unwrap());
        assert!(feed_datagram(&mut e, 1_000, peer, &buf).is_err());
        rejected += 1;
    }
    assert_eq!(rejected, 7);
    // counted against the agent in the header when it parsed, else against the UDP peer
    assert_eq!(e.stats().parse_errors, 7);
    assert!(e.agents().get(peer).unwrap().parse_errors >= 5);
}

#[test]
fn ovs_bridge_sampler_data_source_is_attributed_to_the_input_port() {
    let mut e = Engine::new();
    e.set_flow(
        "pair",
        &serde_json::from_str(r#"{"keys":"ipsource,ipdestination"}"#).unwrap(),
    )
    .unwrap();
    let mut s = flow_sample(9, 1, tcp_frame(1, 2, 3, 80));
    if let Sample::Flow(f) = &mut s {
        f.source_id.index = 0;
    }
    let peer: IpAddr = "127.0.0.1".parse().unwrap();
    feed_datagram(&mut e, 1_000, peer, &datagram(1, vec![s])).unwrap();
    let top = e.top_flows(1_000, "pair", 1).unwrap();
    assert_eq!(
        (top[0].key.as_str(), top[0].data_source.as_str()),
        ("10.0.0.1,10.0.0.2", "9")
    );
}
