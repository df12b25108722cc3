//! Running modules: one task per module, fed through its own queue.
//!
//! # Queue semantics
//! Each module has one unbounded channel of `Arc<Event>`, so events stay in order, plus a
//! counter of PACKET_INs in it. [`Bus::publish`] never blocks: a PACKET_IN that would push
//! the count past `controller.module_queue_len` is dropped (counted in
//! [`Bus::dropped_packet_ins`], with a `warn!`), while lifecycle events (switch up/down,
//! port status, errors, batch results, timers) are always queued. Their number is bounded
//! by what switches do, not by traffic. So a slow module loses packet-ins but never stalls
//! a switch's reader, never stalls other modules and never misses a switch going down.
//!
//! # Failure
//! A module that panics is a bug in an invariant (Faucet's `kill_on_exception`): the panic
//! is logged and the whole controller shuts down rather than run on with a module silently
//! gone (Ryu's swallowed exceptions).

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use proto::DatapathId;
use tokio::sync::mpsc;
use tokio::time::Instant as TokioInstant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, error, info_span, warn, Instrument};

use crate::event::{BatchError, BatchResult, Event, SwitchId, Timer};
use crate::module::{Module, ModuleSpec};
use crate::modules::control::Control;
use crate::outbox::Outbox;
use crate::switch::handle::Switches;

/// One module's queue, as the publishers see it.
#[derive(Debug)]
struct Queue {
    name: &'static str,
    switches: Option<std::collections::HashSet<DatapathId>>,
    tx: mpsc::UnboundedSender<Arc<Event>>,
    packet_ins: Arc<AtomicUsize>,
    dropped: AtomicU64,
}

/// The event fan-out to every module.
#[derive(Debug)]
pub struct Bus {
    queues: Vec<Queue>,
    cap: usize,
}

impl Bus {
    /// Spawn one task per module on `tracker`. Module output goes to `switches`;
    /// `shutdown` stops the tasks (and is cancelled if a module panics).
    pub fn start(
        specs: Vec<ModuleSpec>,
        switches: Switches,
        cap: usize,
        tracker: &TaskTracker,
        shutdown: CancellationToken,
    ) -> Arc<Bus> {
        let mut queues = Vec::new();
        let mut tasks = Vec::new();
        for (index, spec) in specs.into_iter().enumerate() {
            let (tx, rx) = mpsc::unbounded_channel();
            let packet_ins = Arc::new(AtomicUsize::new(0));
            queues.push(Queue {
                name: spec.module.name(),
                switches: spec.switches,
                tx: tx.clone(),
                packet_ins: packet_ins.clone(),
                dropped: AtomicU64::new(0),
            });
            tasks.push(ModuleTask {
                index,
                module: spec.module,
                rx,
                own: tx,
                packet_ins,
                switches: switches.clone(),
                timers: BTreeMap::new(),
                timer_seq: 0,
            });
        }
        let bus = Arc::new(Bus { queues, cap });
        for task in tasks {
            let span = info_span!("module", module = task.module.name());
            tracker.spawn(task.run(bus.clone(), shutdown.clone()).instrument(span));
        }
        bus
    }

    /// Names of the running modules, in order.
    pub fn module_names(&self) -> Vec<&'static str> {
        self.queues.iter().map(|q| q.name).collect()
    }

    /// PACKET_INs dropped so far for module `index` because its queue was full.
    pub fn dropped_packet_ins(&self, index: usize) -> u64 {
        self.queues
            .get(index)
            .map(|q| q.dropped.load(Ordering::Relaxed))
            .unwrap_or(0)
    }

    /// Send `ev` to every module running on its switch. Never blocks.
    pub fn publish(&self, ev: Event) {
        let dpid = ev.dpid();
        let ev = Arc::new(ev);
        for q in &self.queues {
            let runs = match (dpid, &q.switches) {
                (Some(d), Some(set)) => set.contains(&d),
                _ => true,
            };
            if runs {
                self.enqueue(q, &ev);
            }
        }
    }

    /// Send a command to the module called `target` (`"tap"`, `"patch"`): how modules and
    /// the REST API drive each other. False if no such module runs.
    pub fn control(&self, target: &str, control: Control) -> bool {
        match self.queues.iter().find(|q| q.name == target) {
            Some(q) => {
                self.enqueue(q, &Arc::new(Event::Control(Arc::new(control))));
                true
            }
            None => false,
        }
    }

    /// Send `ev` to module `index` only (batch results).
    pub fn deliver(&self, index: usize, ev: Event) {
        if let Some(q) = self.queues.get(index) {
            self.enqueue(q, &Arc::new(ev));
        }
    }

    fn enqueue(&self, q: &Queue, ev: &Arc<Event>) {
        if matches!(**ev, Event::PacketIn(_)) {
            if q.packet_ins.load(Ordering::Relaxed) >= self.cap {
                let n = q.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                // One line per thousand drops: a full queue is a flood by definition.
                if n == 1 || n % 1000 == 0 {
                    warn!(
                        module = q.name,
                        dropped = n,
                        cap = self.cap,
                        "module queue full, dropping packet-in"
                    );
                }
                return;
            }
            q.packet_ins.fetch_add(1, Ordering::Relaxed);
        }
        // Fails only when the module task has ended (shutdown).
        let _ = q.tx.send(ev.clone());
    }
}

/// The task side of one module.
struct ModuleTask {
    index: usize,
    module: Box<dyn Module>,
    rx: mpsc::UnboundedReceiver<Arc<Event>>,
    /// To queue our own "not connected" batch results.
    own: mpsc::UnboundedSender<Arc<Event>>,
    packet_ins: Arc<AtomicUsize>,
    switches: Switches,
    /// (deadline, sequence) -> timer id
    timers: BTreeMap<(TokioInstant, u64), u64>,
    timer_seq: u64,
}

impl ModuleTask {
    async fn run(mut self, bus: Arc<Bus>, shutdown: CancellationToken) {
        loop {
            let next_timer = self.timers.keys().next().map(|(t, _)| *t);
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => break,
                ev = self.rx.recv() => {
                    let Some(ev) = ev else { break };
                    if matches!(*ev, Event::PacketIn(_)) {
                        self.packet_ins.fetch_sub(1, Ordering::Relaxed);
                    }
                    if !self.handle(&ev, &bus, &shutdown) {
                        break;
                    }
                }
                _ = sleep_until_opt(next_timer), if next_timer.is_some() => {
                    let now = TokioInstant::now();
                    while let Some(entry) = self.timers.first_entry() {
                        if entry.key().0 > now {
                            break;
                        }
                        let id = entry.remove();
                        if !self.handle(&Event::Timer(Timer { id }), &bus, &shutdown) {
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Run the module on one event and route its outbox. False if the module panicked.
    fn handle(&mut self, ev: &Event, bus: &Bus, shutdown: &CancellationToken) -> bool {
        let now = TokioInstant::now();
        let mut out = Outbox::new();
        let module = &mut self.module;
        let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
            module.handle(now.into_std(), ev, &mut out)
        }));
        if r.is_err() {
            error!(
                event = ev.kind(),
                "module panicked; shutting the controller down"
            );
            shutdown.cancel();
            return false;
        }
        for (dpid, batch) in out.take_batches() {
            let (confirm, len) = (batch.confirm, batch.msgs.len());
            let sent = match self.switches.get(dpid) {
                Some(h) => h.send(self.index, batch),
                None => false,
            };
            if !sent {
                debug!(%dpid, msgs = len, "output for a switch that is not connected");
                if let Some(id) = confirm {
                    let ev = Event::BatchResult(BatchResult {
                        switch: SwitchId { dpid, name: None },
                        batch: Some(id),
                        result: Err(BatchError::NotConnected),
                    });
                    let _ = self.own.send(Arc::new(ev));
                }
            }
        }
        for (dpid, id, update) in out.take_taps() {
            let sent = self
                .switches
                .get(dpid)
                .is_some_and(|h| h.tap(self.index, id, update));
            if !sent {
                let ev = Event::BatchResult(BatchResult {
                    switch: SwitchId { dpid, name: None },
                    batch: Some(id),
                    result: Err(BatchError::NotConnected),
                });
                let _ = self.own.send(Arc::new(ev));
            }
        }
        for (target, control) in out.take_controls() {
            if !bus.control(target, control) {
                warn!(target, "command for a module that is not running");
            }
        }
        for t in out.take_timers() {
            self.timer_seq += 1;
            self.timers.insert((now + t.after, self.timer_seq), t.id);
        }
        true
    }
}

async fn sleep_until_opt(t: Option<TokioInstant>) {
    if let Some(t) = t {
        tokio::time::sleep_until(t).await;
    }
}

#[cfg(test)]
mod tests {
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
        let spec = ModuleSpec {
            module: Box::new(Slow {
                gate: gate.clone(),
                seen: seen_tx,
            }),
            switches: None,
        };
        let tracker = TaskTracker::new();
        let shutdown = CancellationToken::new();
        let bus = Bus::start(
            vec![spec],
            Switches::default(),
            8,
            &tracker,
            shutdown.clone(),
        );
        let held = gate.lock().unwrap();
        // The module takes the first event and blocks; the rest queue up to the cap.
        let start = std::time::Instant::now();
        for _ in 0..1000 {
            bus.publish(pkt(1));
        }
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
        shutdown.cancel();
        tracker.close();
        tracker.wait().await;
    }

    #[tokio::test]
    async fn per_module_switch_filter() {
        let (seen_tx, seen) = std_mpsc::channel();
        let spec = ModuleSpec {
            module: Box::new(Slow {
                gate: Arc::new(Mutex::new(())),
                seen: seen_tx,
            }),
            switches: Some([DatapathId(2)].into_iter().collect()),
        };
        let tracker = TaskTracker::new();
        let shutdown = CancellationToken::new();
        let bus = Bus::start(
            vec![spec],
            Switches::default(),
            8,
            &tracker,
            shutdown.clone(),
        );
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
        shutdown.cancel();
        tracker.close();
        tracker.wait().await;
    }
}
