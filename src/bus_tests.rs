//! The bus fed by hand: queues, caps and drops, packet-in routing, per-switch modules.

use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use proto::flow::Match;

use super::*;
use crate::event::{PacketIn, PacketInReason};
use crate::switch::ConnectionError;

/// Blocks in `handle` while `gate` is held by the test; reports every event kind.
struct Slow {
    gate: Arc<Mutex<()>>,
    seen: std_mpsc::Sender<&'static str>,
}

impl Module for Slow {
    fn name(&self) -> &'static str {
        "slow"
    }
    fn handle(&mut self, _now: Instant, ev: &Event, out: &mut Outbox) {
        let _g = self.gate.lock().unwrap();
        if let Event::SwitchDown { .. } = ev {
            out.timer(Duration::from_millis(10), 7);
        }
        if let Event::PacketIn(p) = ev {
            let fm = proto::flow::FlowMod::add(Match::default(), vec![], 1);
            out.confirmed(p.switch.dpid, 5, vec![crate::outbox::Msg::FlowMod(fm)]);
        }
        let kind = match ev {
            Event::Timer(Timer { id: 7 }) => "timer7",
            Event::BatchResult(BatchResult {
                batch: Some(5),
                result: Err(BatchError::NotConnected),
                ..
            }) => "not_connected",
            e => e.kind(),
        };
        let _ = self.seen.send(kind);
    }
}

/// Reports every event kind; reads no packet-ins.
struct Deaf {
    seen: std_mpsc::Sender<&'static str>,
}

impl Module for Deaf {
    fn name(&self) -> &'static str {
        "deaf"
    }
    fn handle(&mut self, _now: Instant, ev: &Event, _out: &mut Outbox) {
        let _ = self.seen.send(ev.kind());
    }
    fn wants_packet_ins(&self) -> bool {
        false
    }
}

/// `module` on the switches `on` (empty: every switch).
fn spec(module: impl Module + 'static, on: &[u64]) -> ModuleSpec {
    ModuleSpec {
        module: Box::new(module),
        switches: (!on.is_empty()).then(|| on.iter().map(|&d| DatapathId(d)).collect()),
    }
}

/// A bus over `specs` (8 packet-ins per switch), with its tracker and shutdown token.
fn start(specs: Vec<ModuleSpec>) -> (Arc<Bus>, TaskTracker, CancellationToken) {
    let tracker = TaskTracker::new();
    let shutdown = CancellationToken::new();
    let bus = Bus::start(specs, Switches::default(), 8, &tracker, shutdown.clone());
    (bus, tracker, shutdown)
}

async fn stop(tracker: TaskTracker, shutdown: CancellationToken) {
    shutdown.cancel();
    tracker.close();
    tracker.wait().await;
}

fn sw(d: u64) -> SwitchId {
    SwitchId {
        dpid: DatapathId(d),
        name: None,
    }
}

fn pkt(d: u64) -> Event {
    Event::PacketIn(PacketIn {
        switch: sw(d),
        in_port: 1,
        reason: PacketInReason::NoMatch,
        buffer_id: None,
        table_id: 0,
        cookie: 0,
        total_len: 0,
        match_: Match::default(),
        data: Bytes::new(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_module_drops_packet_ins_but_never_lifecycle_events() {
    let gate = Arc::new(Mutex::new(()));
    let (seen_tx, seen) = std_mpsc::channel();
    let spec = spec(
        Slow {
            gate: gate.clone(),
            seen: seen_tx,
        },
        &[],
    );
    let (bus, tracker, shutdown) = start(vec![spec]);
    let held = gate.lock().unwrap();
    // The module takes the first event and blocks; the rest queue up to the cap.
    let start = std::time::Instant::now();
    let budget = bus.budget();
    for _ in 0..1000 {
        bus.publish_from(pkt(1), &budget);
    }
    // Another switch has its own share of the queue.
    let other = bus.budget();
    assert!(bus.wants_packet_in(DatapathId(2), &other));
    assert!(!bus.wants_packet_in(DatapathId(1), &budget));
    bus.publish(Event::SwitchDown {
        switch: sw(1),
        reason: Arc::new(ConnectionError::Closed),
    });
    // Publishing never waited for the module.
    assert!(start.elapsed() < Duration::from_secs(1));
    let dropped = bus.dropped_packet_ins(0);
    assert!(
        (1000 - 9..=1000 - 8).contains(&dropped),
        "dropped {dropped}"
    );
    drop(held);
    let mut kinds = Vec::new();
    while let Ok(k) = seen.recv_timeout(Duration::from_secs(5)) {
        kinds.push(k);
        if k == "timer7" {
            break;
        }
    }
    let packet_ins = kinds.iter().filter(|k| **k == "packet_in").count() as u64;
    assert_eq!(packet_ins + dropped, 1000);
    // Each packet-in's confirmed batch for the unconnected switch came back.
    let nc = kinds.iter().filter(|k| **k == "not_connected").count() as u64;
    assert_eq!(nc, packet_ins);
    // In order: the switch-down after the packet-ins, then the timer it asked for.
    let tail: Vec<_> = kinds
        .iter()
        .filter(|k| **k != "not_connected")
        .copied()
        .collect();
    assert_eq!(&tail[tail.len() - 2..], &["switch_down", "timer7"]);
    stop(tracker, shutdown).await;
}

#[tokio::test]
async fn packet_ins_go_only_to_modules_that_read_them() {
    let (deaf_tx, deaf_seen) = std_mpsc::channel();
    let (slow_tx, slow_seen) = std_mpsc::channel();
    let deaf = spec(Deaf { seen: deaf_tx }, &[]);
    let (alone, tracker, shutdown) = start(vec![deaf]);
    // Nobody reads packet-ins: the switch task drops them before decoding.
    assert!(!alone.wants_packet_in(DatapathId(1), &alone.budget()));
    let budget = alone.budget();
    for _ in 0..20 {
        alone.publish_from(pkt(1), &budget);
    }
    alone.publish(Event::SwitchDown {
        switch: sw(1),
        reason: Arc::new(ConnectionError::Closed),
    });
    // Not queued, so not dropped either.
    assert_eq!(alone.dropped_packet_ins(0), 0);

    let both = Bus::start(
        vec![
            spec(
                Deaf {
                    seen: std_mpsc::channel().0,
                },
                &[],
            ),
            spec(
                Slow {
                    gate: Arc::new(Mutex::new(())),
                    seen: slow_tx,
                },
                &[],
            ),
        ],
        Switches::default(),
        8,
        &tracker,
        shutdown.clone(),
    );
    assert!(both.wants_packet_in(DatapathId(1), &both.budget()));
    both.publish(pkt(1));
    let got = tokio::task::spawn_blocking(move || {
        (
            deaf_seen.recv_timeout(Duration::from_secs(5)),
            deaf_seen.recv_timeout(Duration::from_millis(200)).is_err(),
            slow_seen.recv_timeout(Duration::from_secs(5)),
        )
    })
    .await
    .unwrap();
    // The deaf module saw only the switch going down; the other one the packet-in.
    assert_eq!(got, (Ok("switch_down"), true, Ok("packet_in")));
    stop(tracker, shutdown).await;
}

/// Per switch: each instance counts its own packet-ins.
struct Counter {
    n: usize,
    seen: std_mpsc::Sender<usize>,
}

impl Module for Counter {
    fn name(&self) -> &'static str {
        "counter"
    }
    fn handle(&mut self, _now: Instant, ev: &Event, _out: &mut Outbox) {
        if let Event::PacketIn(_) = ev {
            self.n += 1;
            let _ = self.seen.send(self.n);
        }
    }
    fn per_switch(&self) -> Option<Box<dyn Module>> {
        Some(Box::new(Counter {
            n: 0,
            seen: self.seen.clone(),
        }))
    }
}

#[tokio::test]
async fn per_switch_modules_are_not_queued_and_get_fresh_instances() {
    let (seen_tx, seen) = std_mpsc::channel();
    let spec = spec(
        Counter {
            n: 0,
            seen: seen_tx,
        },
        &[2, 3],
    );
    let (bus, tracker, shutdown) = start(vec![spec]);
    // No task, no queue: publishing reaches nobody and drops nothing.
    let budget = bus.budget();
    assert!(!bus.wants_packet_in(DatapathId(2), &budget));
    bus.publish_from(pkt(2), &budget);
    assert!(seen.recv_timeout(Duration::from_millis(200)).is_err());
    assert_eq!(bus.dropped_packet_ins(0), 0);
    assert!(!bus.control(
        "counter",
        Control::Activate {
            name: "x".into(),
            duration: None,
            by: "test".into(),
        }
    ));
    assert_eq!(bus.module_names(), vec!["counter"]);
    // One fresh instance per switch it runs on, under its index.
    assert!(bus.per_switch_modules(DatapathId(1)).is_empty());
    let mut a = bus.per_switch_modules(DatapathId(2));
    let mut b = bus.per_switch_modules(DatapathId(3));
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].0, 0);
    let now = Instant::now();
    let mut out = Outbox::new();
    a[0].1.handle(now, &pkt(2), &mut out);
    a[0].1.handle(now, &pkt(2), &mut out);
    b[0].1.handle(now, &pkt(3), &mut out);
    let counts: Vec<usize> = seen.try_iter().collect();
    assert_eq!(counts, vec![1, 2, 1]);
    stop(tracker, shutdown).await;
}

#[tokio::test]
async fn per_module_switch_filter() {
    let (seen_tx, seen) = std_mpsc::channel();
    let spec = spec(
        Slow {
            gate: Arc::new(Mutex::new(())),
            seen: seen_tx,
        },
        &[2],
    );
    let (bus, tracker, shutdown) = start(vec![spec]);
    bus.publish(pkt(1));
    bus.publish(pkt(2));
    let got = tokio::task::spawn_blocking(move || {
        let first = seen.recv_timeout(Duration::from_secs(5));
        // Its batch result for dpid 2, and nothing about dpid 1.
        let second = seen.recv_timeout(Duration::from_secs(5));
        let third = seen.recv_timeout(Duration::from_millis(200));
        (first, second, third.is_err())
    })
    .await
    .unwrap();
    assert_eq!(got, (Ok("packet_in"), Ok("not_connected"), true));
    assert_eq!(bus.module_names(), vec!["slow"]);
    stop(tracker, shutdown).await;
}

/// Reads the packet-ins from port 7 only, and says so with a filter.
struct Picky {
    seen: std_mpsc::Sender<u32>,
}

impl Module for Picky {
    fn name(&self) -> &'static str {
        "picky"
    }
    fn handle(&mut self, _now: Instant, ev: &Event, _out: &mut Outbox) {
        if let Event::PacketIn(p) = ev {
            let _ = self.seen.send(p.in_port);
        }
    }
    fn packet_in_filter(&self) -> Option<fn(&PacketIn) -> bool> {
        Some(|p| p.in_port == 7)
    }
}

#[tokio::test]
async fn packet_in_filter_queues_only_what_it_accepts() {
    let (seen_tx, seen) = std_mpsc::channel();
    let spec = spec(Picky { seen: seen_tx }, &[]);
    let (bus, tracker, shutdown) = start(vec![spec]);
    let budget = bus.budget();
    bus.publish_from(pkt(1), &budget);
    let mut seven = pkt(1);
    if let Event::PacketIn(p) = &mut seven {
        p.in_port = 7;
    }
    bus.publish_from(seven, &budget);
    let got = tokio::task::spawn_blocking(move || {
        let first = seen.recv_timeout(Duration::from_secs(5));
        (
            first,
            seen.recv_timeout(Duration::from_millis(200)).is_err(),
        )
    })
    .await
    .unwrap();
    // Port 1's was never queued (so not dropped either); port 7's arrived.
    assert_eq!(got, (Ok(7), true));
    assert_eq!(bus.dropped_packet_ins(0), 0);
    stop(tracker, shutdown).await;
}
