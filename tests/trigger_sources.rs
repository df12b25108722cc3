//! Trigger sources wired into the runtime: `[collector]` in the TOML config, the collector
//! started by `controller::start_sources`, and its events delivered to modules as
//! `Event::Trigger` through the bus.

mod support;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tapdemon::bus::Bus;
use tapdemon::config::Config;
use tapdemon::controller::{start_sources, Handle};
use tapdemon::event::Event;
use tapdemon::module::{Module, ModuleSpec};
use tapdemon::outbox::Outbox;
use tapdemon::switch::handle::Switches;
use tapdemon::switch::placement::Placement;
use tokio::net::UdpSocket;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

const CONFIG: &str = r#"
[collector]
listen = "127.0.0.1:0"

[collector.flows.web]
keys = "ipsource,ipdestination,tcpsourceport,tcpdestinationport"
filter = "tcpdestinationport=80"

[collector.thresholds.web]
metric = "web"
value = 1000
byFlow = true
"#;

/// Records the trigger events it is given.
struct Recorder(Arc<Mutex<Vec<Event>>>);

impl Module for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }
    fn handle(&mut self, _now: Instant, ev: &Event, _out: &mut Outbox) {
        if matches!(ev, Event::Trigger(_)) {
            self.0.lock().unwrap().push(ev.clone());
        }
    }
}

/// One sFlow datagram with one sampled TCP packet h2 -> h1:80 (1-in-1 sampling).
fn web_datagram(seq: u32) -> Bytes {
    support::sflow::web_datagram(seq, 2, 1, 5, 6)
}

#[tokio::test]
async fn collector_events_reach_modules() {
    let config = Config::parse(CONFIG, Path::new("test.toml")).expect("config parses");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let shutdown = CancellationToken::new();
    let tracker = TaskTracker::new();
    let switches = Switches::default();
    let spec = ModuleSpec {
        module: Box::new(Recorder(seen.clone())),
        switches: None,
    };
    let bus = Bus::start(vec![spec], switches.clone(), 64, &tracker, shutdown.clone());
    let placement = Placement::start(switches.clone(), &tracker, shutdown.clone());
    let handle = Handle {
        switches,
        bus,
        topology: None,
        sources: Default::default(),
        taps: None,
        placement,
    };
    let handle = start_sources(handle, &config, &tracker, shutdown.clone()).await;
    let collector = handle
        .sources
        .collector
        .as_ref()
        .expect("collector started");

    let agent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    agent.connect(collector.local_addr).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut seq = 0;
    let ev = loop {
        seq += 1;
        agent.send(&web_datagram(seq)).await.unwrap();
        if let Some(ev) = seen.lock().unwrap().first().cloned() {
            break ev;
        }
        assert!(
            Instant::now() < deadline,
            "no trigger event reached the module within 2 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let Event::Trigger(t) = ev else {
        unreachable!()
    };
    assert_eq!(t.threshold_id, "web");
    assert_eq!(t.flow_key.as_deref(), Some("10.0.0.2,10.0.0.1,40960,80"));
    shutdown.cancel();
    tracker.close();
    tokio::time::timeout(Duration::from_secs(5), tracker.wait())
        .await
        .expect("shutdown");
}

#[test]
fn bad_collector_definitions_are_config_errors() {
    let text = "[collector.thresholds.web]\nmetric = \"nope\"\nvalue = 1\n";
    let e = Config::parse(text, Path::new("bad.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("bad.toml:1"), "{e}");
    assert!(e.contains("nope"), "{e}");
}
