//! Real Open vSwitch → embedded collector: a userspace bridge exports sFlow (1-in-1) to the
//! collector task on 127.0.0.1; an HTTP download between two namespace hosts crosses a
//! web-traffic threshold and raises an event naming the hosts, the ports and the switch
//! port, within 2 s. Needs root and Open vSwitch (fails, saying what to install, without).

mod support;

use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use proto::DatapathId;
use support::lab::{wait_until, Lab, OfVersions};
use support::prereq;
use tapdemon::collector::ifmap::os_ifindex;
use tapdemon::collector::udp::lock;
use tapdemon::collector::{spawn, AgentFilter, CollectorConfig};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const HTTP_PORT: u16 = 8080;

fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[test]
fn http_download_raises_a_web_event_naming_hosts_ports_and_switch_port() {
    prereq::require(&["python3"]);
    let mut lab = Lab::new();
    lab.add_bridge("s1", 1, OfVersions::Both, None);
    lab.add_host("h1", "s1", 1, 1);
    lab.add_host("h2", "s1", 2, 2);
    // no controller in this test: the bridge forwards by itself
    lab.add_flow("s1", "priority=0,actions=NORMAL");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let cfg: CollectorConfig = serde_json::from_value(serde_json::json!({
        "listen": "127.0.0.1:0",
        "flows": {"web": {
            "keys": "ipsource,ipdestination,tcpsourceport,tcpdestinationport",
            "value": "bytes",
            "filter": format!("tcpsourceport={HTTP_PORT}|tcpdestinationport={HTTP_PORT}"),
            "t": 2}},
        "thresholds": {"web": {"metric": "web", "value": 200000, "byFlow": true, "timeout": 10}}
    }))
    .unwrap();
    let (tx, mut rx) = mpsc::channel(256);
    let shutdown = CancellationToken::new();
    let h = rt.block_on(spawn(&cfg, tx, shutdown.clone())).unwrap();

    // What the controller knows from the switch (port names and numbers), with the OS
    // ifindex of each name: the same numbers OVS puts in its flow samples.
    let mut ifindex = Vec::new();
    for port in [1u16, 2] {
        let name = lab.port_iface("s1", port);
        let idx = os_ifindex(&name).unwrap();
        assert_eq!(
            idx,
            lab.port_ifindex("s1", port),
            "OVS and /sys disagree on {name}"
        );
        lock(&h.engine).ifmap_mut().add_switch_port(
            DatapathId(1),
            u32::from(port),
            &name,
            Some(idx),
        );
        ifindex.push((port, name, idx));
    }
    lab.enable_sflow("s1", h.local_addr.port(), 1, 10);

    // h1 serves a 16 MB file; h2 will download it
    let www = lab.path("www");
    std::fs::create_dir_all(&www).unwrap();
    std::fs::write(www.join("big"), vec![0u8; 16 << 20]).unwrap();
    std::fs::write(www.join("small"), b"ok").unwrap();
    let www = www.to_str().unwrap().to_string();
    let port = HTTP_PORT.to_string();
    let _server = lab.spawn(
        "h1",
        &[
            "python3",
            "-m",
            "http.server",
            &port,
            "--bind",
            "10.0.0.1",
            "--directory",
            &www,
        ],
    );
    let fetch = |path: &str| {
        format!(
            "import urllib.request as u; u.urlopen('http://10.0.0.1:{HTTP_PORT}/{path}', timeout=20).read()"
        )
    };
    let small = fetch("small");
    assert!(
        wait_until(Duration::from_secs(10), || lab
            .exec("h2", &["python3", "-c", &small])
            .status
            .success()),
        "HTTP server in h1 not reachable from h2"
    );
    // sFlow arrives (the small fetch and ARP were sampled) and stays under the threshold
    assert!(wait_until(Duration::from_secs(5), || lock(&h.engine)
        .agents()
        .get("127.0.0.1".parse().unwrap())
        .is_some_and(|a| a.flow_samples > 0)));
    std::thread::sleep(Duration::from_millis(300));
    assert!(rx.try_recv().is_err(), "event before the download");

    let big = fetch("big");
    let started = Instant::now();
    let started_ms = epoch_ms();
    let mut client = lab.spawn("h2", &["python3", "-c", &big]);
    let ev = rt
        .block_on(async { tokio::time::timeout(Duration::from_secs(2), rx.recv()).await })
        .expect("no sFlow event within 2 s of starting the download")
        .unwrap();
    let latency = started.elapsed();

    let h1: IpAddr = "10.0.0.1".parse().unwrap();
    assert_eq!(ev.threshold_id, "web");
    assert_eq!(ev.key("ipsource"), Some("10.0.0.1"), "{ev:?}");
    assert_eq!(ev.key("ipdestination"), Some("10.0.0.2"));
    assert_eq!(ev.key("tcpsourceport"), Some(port.as_str()));
    let client_port: u16 = ev.key("tcpdestinationport").unwrap().parse().unwrap();
    assert!(client_port >= 1024, "{client_port}");
    assert!(ev.value >= 200_000.0);
    assert_eq!(ev.agent, "127.0.0.1".parse::<IpAddr>().unwrap());
    // the server's packets enter the switch at port 1
    let (_, name1, idx1) = &ifindex[0];
    assert_eq!(ev.data_source, idx1.to_string());
    let loc = ev
        .location
        .clone()
        .expect("data source not mapped to a switch port");
    assert_eq!((loc.dpid, loc.port_no), (DatapathId(1), 1));
    assert_eq!(loc.port_name.as_deref(), Some(name1.as_str()));
    assert!(ev.timestamp >= started_ms && ev.timestamp - started_ms < 2000);
    eprintln!(
        "event after {latency:?}: {}",
        serde_json::to_string(&ev).unwrap()
    );
    assert!(ev.key("ipsource").unwrap().parse::<IpAddr>().unwrap() == h1);

    // the original script's view: /metric/ALL/web/json has the flow as topKeys[0]
    {
        let e = lock(&h.engine);
        let m = e.metric(h.clock.now(), &AgentFilter::All, "web").unwrap();
        let top = m[0]
            .top_keys
            .as_ref()
            .expect("topKeys absent during the download");
        assert!(
            top.iter()
                .any(|k| Some(k.key.as_str()) == ev.flow_key.as_deref()),
            "{top:?}"
        );
    }

    // OVS's own counter records (1004: dpid + OpenFlow port) map the same ifindex
    // (polling=10: the first port counters come within ~10 s)
    let agent: IpAddr = "127.0.0.1".parse().unwrap();
    assert!(
        wait_until(Duration::from_secs(25), || lock(&h.engine)
            .ifmap()
            .from_counters(agent, *idx1)
            .is_some()),
        "no OVS counter record 1004 for ifindex {idx1}"
    );
    let c = lock(&h.engine).ifmap().from_counters(agent, *idx1).unwrap();
    assert_eq!((c.dpid, c.port_no), (DatapathId(1), 1));
    assert_eq!(c.port_name.as_deref(), Some(name1.as_str()));
    let (_, _, idx2) = &ifindex[1];
    assert!(wait_until(Duration::from_secs(15), || lock(&h.engine)
        .ifmap()
        .from_counters(agent, *idx2)
        .is_some_and(|l| l.port_no == 2)));

    {
        let e = lock(&h.engine);
        let a = e.agents().get(agent).unwrap();
        assert!(
            a.datagrams > 10 && a.flow_samples > 100 && a.counter_samples > 0,
            "{a:?}"
        );
        assert_eq!(a.parse_errors, 0);
    }
    let _ = client.is_running();
    shutdown.cancel();
    rt.block_on(h.task).unwrap();
}
