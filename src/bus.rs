//! Running modules: one task per module, fed through its own queue.
//!
//! # Queue semantics
//! Each module has one unbounded channel, so events stay in order, plus counters of the
//! PACKET_INs in it: one per switch ([`Budget`], held by that switch's task) and one in
//! total. Publishing never blocks: a PACKET_IN that would push its switch's count past
//! `controller.module_queue_len`, or the total past 64 times that, is dropped (counted in
//! [`Bus::dropped_packet_ins`], with a `warn!`), while lifecycle events (switch up/down,
//! port status, errors, batch results, timers) are always queued. Their number is bounded
//! by what switches do, not by traffic. So a slow module loses packet-ins but never stalls
//! a switch's reader, never stalls other modules and never misses a switch going down;
//! and one flooding switch uses up its own share, not the others'. (A switch task that
//! has just dropped a burst pauses reading for 1 ms, still writing answers meanwhile, a
//! bounded delay that never depends on a module: see `switch::driver`. Under a cbench-style flood this lets TCP slow the
//! sender instead of spending the CPU on reading packets only to drop them.)
//!
//! # Per-switch modules
//! A module that returns an instance from [`Module::per_switch`] gets no task and no
//! queue here: [`Bus::per_switch_modules`] hands each switch task its own instances, which
//! it runs inline (see [`crate::module`]). Publishing skips them; they keep their index
//! (their position in the module list), which is the origin of their batches.
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

use crate::event::{BatchError, BatchResult, Event, PacketIn, SwitchId, Timer};
use crate::module::{Module, ModuleSpec};
use crate::modules::control::Control;
use crate::outbox::Outbox;
use crate::switch::handle::Switches;

/// One module's queue, as the publishers see it.
#[derive(Debug)]
struct Queue {
    name: &'static str,
    switches: Option<std::collections::HashSet<DatapathId>>,
    /// [`Module::wants_packet_ins`]: PACKET_INs are not queued for modules that ignore them.
    packet_ins_wanted: bool,
    /// [`Module::packet_in_filter`].
    packet_in_filter: Option<fn(&PacketIn) -> bool>,
    tx: mpsc::UnboundedSender<Delivery>,
    packet_ins: Arc<AtomicUsize>,
    dropped: AtomicU64,
    /// Runs inside each switch task ([`Module::per_switch`]): nothing is queued here.
    local: bool,
}

/// A per-switch module: the prototype its switch instances are made from.
struct PerSwitch {
    index: usize,
    switches: Option<std::collections::HashSet<DatapathId>>,
    /// `Box<dyn Module>` is `Send` but not `Sync`; locked only at switch-up.
    proto: std::sync::Mutex<Box<dyn Module>>,
}

impl std::fmt::Debug for PerSwitch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PerSwitch")
            .field("index", &self.index)
            .field("switches", &self.switches)
            .finish()
    }
}

/// An event in a module's queue, with the per-switch counter to release when taken.
type Delivery = (Arc<Event>, Option<Arc<AtomicUsize>>);

/// One switch's share of every module's queue (see the module docs). Created per
/// connection with [`Bus::budget`].
#[derive(Debug)]
pub struct Budget {
    per_module: Vec<Arc<AtomicUsize>>,
}

/// Total PACKET_INs per module queue, as a multiple of the per-switch cap.
const TOTAL_CAP_FACTOR: usize = 64;

/// The event fan-out to every module.
#[derive(Debug)]
pub struct Bus {
    queues: Vec<Queue>,
    per_switch: Vec<PerSwitch>,
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
        let mut per_switch = Vec::new();
        for (index, spec) in specs.into_iter().enumerate() {
            let (tx, rx) = mpsc::unbounded_channel();
            let packet_ins = Arc::new(AtomicUsize::new(0));
            let local = spec.module.per_switch().is_some();
            queues.push(Queue {
                name: spec.module.name(),
                switches: spec.switches.clone(),
                packet_ins_wanted: spec.module.wants_packet_ins(),
                packet_in_filter: spec.module.packet_in_filter(),
                tx: tx.clone(),
                packet_ins: packet_ins.clone(),
                dropped: AtomicU64::new(0),
                local,
            });
            if local {
                per_switch.push(PerSwitch {
                    index,
                    switches: spec.switches,
                    proto: std::sync::Mutex::new(spec.module),
                });
                continue;
            }
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
        let bus = Arc::new(Bus {
            queues,
            per_switch,
            cap,
        });
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

    /// Fresh instances of the per-switch modules that run on `dpid`, with their indexes.
    pub fn per_switch_modules(&self, dpid: DatapathId) -> Vec<(usize, Box<dyn Module>)> {
        self.per_switch
            .iter()
            .filter(|p| p.switches.as_ref().is_none_or(|s| s.contains(&dpid)))
            .filter_map(|p| {
                let proto = p
                    .proto
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                proto.per_switch().map(|m| (p.index, m))
            })
            .collect()
    }

    /// PACKET_INs dropped so far for module `index` because its queue was full.
    pub fn dropped_packet_ins(&self, index: usize) -> u64 {
        self.queues
            .get(index)
            .map(|q| q.dropped.load(Ordering::Relaxed))
            .unwrap_or(0)
    }

    /// A fresh per-switch share of every module's queue.
    pub fn budget(&self) -> Budget {
        Budget {
            per_module: self
                .queues
                .iter()
                .map(|_| Arc::new(AtomicUsize::new(0)))
                .collect(),
        }
    }

    fn runs_on(q: &Queue, dpid: Option<DatapathId>) -> bool {
        if q.local {
            return false;
        }
        match (dpid, &q.switches) {
            (Some(d), Some(set)) => set.contains(&d),
            _ => true,
        }
    }

    /// Does module `q` get PACKET_INs from `dpid`?
    fn takes_packet_ins(q: &Queue, dpid: DatapathId) -> bool {
        q.packet_ins_wanted && Self::runs_on(q, Some(dpid))
    }

    /// Would a PACKET_IN from `dpid` be queued by any module? The switch task asks before
    /// decoding one, so that a flood is dropped at the cost of reading its header only.
    pub fn wants_packet_in(&self, dpid: DatapathId, budget: &Budget) -> bool {
        self.queues
            .iter()
            .zip(&budget.per_module)
            .any(|(q, b)| Self::takes_packet_ins(q, dpid) && self.has_room(q, Some(b)))
    }

    /// Count a PACKET_IN dropped before decoding (every module's queue was full).
    pub fn count_dropped(&self, dpid: DatapathId) {
        for q in self
            .queues
            .iter()
            .filter(|q| Self::takes_packet_ins(q, dpid))
        {
            self.note_drop(q);
        }
    }

    /// Send `ev` to every module running on its switch. Never blocks. PACKET_INs count
    /// against the total cap only; switch tasks use [`Bus::publish_from`].
    pub fn publish(&self, ev: Event) {
        self.publish_inner(ev, None)
    }

    /// [`Bus::publish`] for a switch's own events, charging PACKET_INs to its `budget`.
    pub fn publish_from(&self, ev: Event, budget: &Budget) {
        self.publish_inner(ev, Some(budget))
    }

    fn publish_inner(&self, ev: Event, budget: Option<&Budget>) {
        let dpid = ev.dpid();
        // Most PACKET_INs are for per-switch modules only: no allocation for those.
        let Some(first) = self.queues.iter().position(|q| Self::takes(q, dpid, &ev)) else {
            return;
        };
        let ev = Arc::new(ev);
        for (i, q) in self.queues.iter().enumerate().skip(first) {
            if Self::takes(q, dpid, &ev) {
                let b = budget.and_then(|b| b.per_module.get(i));
                self.enqueue(q, &ev, b);
            }
        }
    }

    /// Is `ev` (from `dpid`) queued for module `q`?
    fn takes(q: &Queue, dpid: Option<DatapathId>, ev: &Event) -> bool {
        Self::runs_on(q, dpid)
            && match ev {
                Event::PacketIn(pi) => {
                    q.packet_ins_wanted && q.packet_in_filter.is_none_or(|f| f(pi))
                }
                _ => true,
            }
    }

    /// Send a command to the module called `target` (`"tap"`, `"patch"`): how modules and
    /// the REST API drive each other. False if no such module runs.
    pub fn control(&self, target: &str, control: Control) -> bool {
        match self.queues.iter().find(|q| q.name == target && !q.local) {
            Some(q) => {
                self.enqueue(q, &Arc::new(Event::Control(Arc::new(control))), None);
                true
            }
            None => false,
        }
    }

    /// Send `ev` to module `index` only (batch results).
    pub fn deliver(&self, index: usize, ev: Event) {
        if let Some(q) = self.queues.get(index).filter(|q| !q.local) {
            self.enqueue(q, &Arc::new(ev), None);
        }
    }

    fn has_room(&self, q: &Queue, budget: Option<&Arc<AtomicUsize>>) -> bool {
        let total = q.packet_ins.load(Ordering::Relaxed);
        let mine = budget.map(|b| b.load(Ordering::Relaxed)).unwrap_or(0);
        mine < self.cap && total < self.cap.saturating_mul(TOTAL_CAP_FACTOR)
    }

    fn enqueue(&self, q: &Queue, ev: &Arc<Event>, budget: Option<&Arc<AtomicUsize>>) {
        let mut charged = None;
        if matches!(**ev, Event::PacketIn(_)) {
            if !self.has_room(q, budget) {
                self.note_drop(q);
                return;
            }
            q.packet_ins.fetch_add(1, Ordering::Relaxed);
            if let Some(b) = budget {
                b.fetch_add(1, Ordering::Relaxed);
                charged = Some(b.clone());
            }
        }
        // Fails only when the module task has ended (shutdown).
        let _ = q.tx.send((ev.clone(), charged));
    }

    fn note_drop(&self, q: &Queue) {
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
    }
}

/// The task side of one module.
struct ModuleTask {
    index: usize,
    module: Box<dyn Module>,
    rx: mpsc::UnboundedReceiver<Delivery>,
    /// To queue our own "not connected" batch results.
    own: mpsc::UnboundedSender<Delivery>,
    packet_ins: Arc<AtomicUsize>,
    switches: Switches,
    /// (deadline, sequence) -> timer id
    timers: BTreeMap<(TokioInstant, u64), u64>,
    timer_seq: u64,
}

impl ModuleTask {
    async fn run(mut self, bus: Arc<Bus>, shutdown: CancellationToken) {
        // One registration for the task's life, not one per event.
        let cancelled = shutdown.cancelled();
        tokio::pin!(cancelled);
        loop {
            let next_timer = self.timers.keys().next().map(|(t, _)| *t);
            tokio::select! {
                biased;
                _ = &mut cancelled => break,
                ev = self.rx.recv() => {
                    let Some(first) = ev else { break };
                    // Events already queued are handled in this wake-up (a bounded number,
                    // so timers and shutdown are not held back).
                    let mut next = Some(first);
                    let mut taken = 0;
                    while let Some((ev, charged)) = next {
                        if matches!(*ev, Event::PacketIn(_)) {
                            self.packet_ins.fetch_sub(1, Ordering::Relaxed);
                        }
                        if let Some(b) = charged {
                            b.fetch_sub(1, Ordering::Relaxed);
                        }
                        if !self.handle(&ev, &bus, &shutdown) {
                            return;
                        }
                        taken += 1;
                        next = if taken < 64 && !shutdown.is_cancelled() {
                            self.rx.try_recv().ok()
                        } else {
                            None
                        };
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
                    let _ = self.own.send((Arc::new(ev), None));
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
                let _ = self.own.send((Arc::new(ev), None));
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
#[path = "bus_tests.rs"]
mod tests;
