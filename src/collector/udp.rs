//! The collector's threads: UDP socket → bounded queue → `proto::sflow` → [`Engine`] →
//! trigger events.
//!
//! # Isolation
//! A flood of datagrams (100k/s, garbage or not) must not delay OpenFlow handling, so the
//! collector never runs on the tokio worker threads that serve the switches:
//! - a **receive thread** only reads datagrams and queues them; when the queue holds
//!   `queue_len` datagrams or [`QUEUE_BYTES`] bytes, the datagram is dropped and counted
//!   ([`TaskStats::queue_dropped`], `tapdemon_sflow_datagrams_dropped_total`). Reading
//!   keeps up with far more than the engine, so the kernel's socket buffer rarely
//!   overflows; when it does, the kernel counts it ([`socket_drops`]).
//! - an **engine thread** decodes and aggregates in batches of at most [`BATCH`] datagrams
//!   per lock of the engine (a `std::sync::Mutex`; the REST API takes it briefly for
//!   queries; OpenFlow sessions never take it), and expires flows every [`TICK`]. It
//!   publishes the per-agent counters ([`AgentSnapshot`]) after a batch at most every
//!   [`PUBLISH_EVERY`] and at every tick, so `/metrics` never waits for the engine lock.
//! - Events go out with `try_send`: a full channel drops the event (counted, logged rate-
//!   limited) rather than stalling the engine.
//! - Parse errors are counted per agent by the engine and logged at most once per
//!   [`LOG_EVERY`] with the number suppressed, never once per bad datagram.
//!
//! Both threads stop when the shutdown token is cancelled or the event channel closes
//! (the runtime that owned its receiver is gone).

use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::adapter::feed_datagram;
use super::agents::AgentSnapshot;
use super::config::{CollectorConfig, CollectorConfigError};
use super::engine::Engine;
use crate::trigger::TriggerEvent;

/// Datagrams handled per lock of the engine.
pub const BATCH: usize = 64;
/// How often idle flows are expired and thresholds re-armed.
pub const TICK: Duration = Duration::from_millis(250);
/// At most one warning of each kind this often.
pub const LOG_EVERY: Duration = Duration::from_secs(10);
/// Bytes that may wait in the queue (whatever `queue_len` says): 64 KiB datagrams would
/// otherwise let a flood hold `queue_len` × 64 KiB.
pub const QUEUE_BYTES: usize = 16 << 20;
/// Per-agent counters are published at most this often after batches (and at every tick).
pub const PUBLISH_EVERY: Duration = Duration::from_millis(20);
/// How often the receive thread looks at the shutdown token while the socket is quiet.
const POLL: Duration = Duration::from_millis(100);

/// The engine, shared between the collector's engine thread and the queries (REST API).
pub type SharedEngine = Arc<Mutex<Engine>>;

/// Locks the engine; a poisoned lock (a panic elsewhere while holding it) is taken over,
/// since the engine's state stays consistent between calls.
pub fn lock(engine: &SharedEngine) -> MutexGuard<'_, Engine> {
    engine.lock().unwrap_or_else(|p| p.into_inner())
}

/// Epoch milliseconds from a monotonic clock (wall-clock steps do not disturb the rates).
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    epoch_ms: u64,
    start: Instant,
}

impl Clock {
    /// Starts at the current wall-clock time.
    pub fn new() -> Self {
        let epoch_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        Clock {
            epoch_ms,
            start: Instant::now(),
        }
    }

    /// Now, in epoch ms.
    pub fn now(&self) -> u64 {
        self.epoch_ms + self.start.elapsed().as_millis() as u64
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

/// Counters of the collector's threads (the engine counts the rest). Also added to the
/// process-wide `/metrics` counters.
#[derive(Debug, Default)]
pub struct TaskStats {
    /// Datagrams read from the socket.
    pub datagrams: AtomicU64,
    /// Datagrams dropped because the queue to the engine was full.
    pub queue_dropped: AtomicU64,
    /// Datagrams the engine took from the queue.
    pub processed: AtomicU64,
    /// Datagrams that did not decode.
    pub parse_errors: AtomicU64,
    /// Events dropped because the channel was full.
    pub events_dropped: AtomicU64,
}

/// A running collector.
#[derive(Debug)]
pub struct CollectorHandle {
    /// The engine, for queries and for adding switch ports to the ifIndex map.
    pub engine: SharedEngine,
    /// The bound address (useful with port 0).
    pub local_addr: SocketAddr,
    /// Thread counters.
    pub stats: Arc<TaskStats>,
    /// The clock the engine runs on (use it for queries: `engine.metric(clock.now(), ..)`).
    pub clock: Clock,
    /// Per-agent counters, readable without the engine lock.
    pub agents: AgentSnapshot,
    /// Ends once both threads have stopped (after the shutdown token is cancelled).
    pub task: JoinHandle<()>,
}

/// Why the collector did not start.
#[derive(Debug, thiserror::Error)]
pub enum CollectorError {
    /// Bad flows or thresholds.
    #[error(transparent)]
    Config(#[from] CollectorConfigError),
    /// The socket could not be bound.
    #[error("cannot bind sFlow socket {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// The OS refused a thread.
    #[error("cannot start the sFlow collector's {name} thread: {source}")]
    Thread {
        /// Which one.
        name: &'static str,
        /// Why.
        source: io::Error,
    },
}

/// Builds the engine from `cfg`, binds `cfg.listen` and starts the threads. Events go to
/// `events`; the threads stop when `shutdown` is cancelled.
pub async fn spawn(
    cfg: &CollectorConfig,
    events: mpsc::Sender<TriggerEvent>,
    shutdown: CancellationToken,
) -> Result<CollectorHandle, CollectorError> {
    let engine = Arc::new(Mutex::new(cfg.build_engine()?));
    let bind_err = |source| CollectorError::Bind {
        addr: cfg.listen,
        source,
    };
    let socket = UdpSocket::bind(cfg.listen).map_err(bind_err)?;
    socket.set_read_timeout(Some(POLL)).map_err(bind_err)?;
    let local_addr = socket.local_addr().map_err(bind_err)?;
    let stats = Arc::new(TaskStats::default());
    let clock = Clock::new();
    let (tx, rx) = sync_channel(cfg.queue_len.max(1));
    let queued = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let receiver = Receive {
        socket,
        queue: tx,
        queued: queued.clone(),
        stats: stats.clone(),
        stop: stop.clone(),
        shutdown: shutdown.clone(),
    };
    let rx_thread = std::thread::Builder::new()
        .name("sflow-rx".into())
        .spawn(move || receiver.run())
        .map_err(|source| CollectorError::Thread {
            name: "receive",
            source,
        })?;
    let agents = AgentSnapshot::default();
    let worker = Work {
        queue: rx,
        queued,
        agents: agents.clone(),
        engine: engine.clone(),
        clock,
        stats: stats.clone(),
        events,
        shutdown,
    };
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    let spawned = std::thread::Builder::new()
        .name("sflow-engine".into())
        .spawn(move || {
            worker.run();
            stop.store(true, Ordering::Release);
            let _ = rx_thread.join();
            let _ = done_tx.send(());
        });
    if let Err(source) = spawned {
        // The receive thread sees its queue closed at the next datagram or poll.
        return Err(CollectorError::Thread {
            name: "engine",
            source,
        });
    }
    info!(%local_addr, queue_len = cfg.queue_len, "sFlow collector listening");
    let task = tokio::spawn(async move {
        let _ = done_rx.await;
        debug!("sFlow collector stopped");
    });
    Ok(CollectorHandle {
        engine,
        local_addr,
        stats,
        clock,
        agents,
        task,
    })
}

/// A warning printed at most once per [`LOG_EVERY`].
#[derive(Debug, Default)]
struct RateLimited {
    last: Option<Instant>,
    suppressed: u64,
}

impl RateLimited {
    /// Returns the number suppressed since the last print when it is time to print again.
    fn ready(&mut self) -> Option<u64> {
        let now = Instant::now();
        if self.last.is_some_and(|l| now.duration_since(l) < LOG_EVERY) {
            self.suppressed += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.suppressed))
    }
}

type Queued = (Bytes, IpAddr);

/// The receive thread: socket → queue, dropping (and counting) what does not fit.
struct Receive {
    socket: UdpSocket,
    queue: SyncSender<Queued>,
    queued: Arc<AtomicUsize>,
    stats: Arc<TaskStats>,
    stop: Arc<AtomicBool>,
    shutdown: CancellationToken,
}

impl Receive {
    fn run(self) {
        let mut buf = vec![0u8; 65_536];
        let mut drop_log = RateLimited::default();
        let metrics = crate::metrics::get();
        while !self.stop.load(Ordering::Acquire) && !self.shutdown.is_cancelled() {
            let (len, peer) = match self.socket.recv_from(&mut buf) {
                Ok(r) => r,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    continue
                }
                Err(err) => {
                    // ICMP errors surfacing on the socket and the like: not fatal.
                    debug!(%err, "sFlow socket receive error");
                    std::thread::sleep(Duration::from_millis(1));
                    continue;
                }
            };
            self.stats.datagrams.fetch_add(1, Ordering::Relaxed);
            metrics.sflow_datagrams_received.inc();
            let fits = self.queued.fetch_add(len, Ordering::AcqRel) + len <= QUEUE_BYTES;
            let item = (
                Bytes::copy_from_slice(buf.get(..len).unwrap_or_default()),
                peer.ip(),
            );
            let sent = if fits {
                self.queue.try_send(item)
            } else {
                Err(TrySendError::Full(item))
            };
            match sent {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => {
                    self.queued.fetch_sub(len, Ordering::AcqRel);
                    self.stats.queue_dropped.fetch_add(1, Ordering::Relaxed);
                    metrics.sflow_datagrams_dropped.inc();
                    if let Some(suppressed) = drop_log.ready() {
                        warn!(suppressed, "sFlow queue full: datagram dropped");
                    }
                }
                Err(TrySendError::Disconnected(_)) => break,
            }
        }
    }
}

/// The engine thread: queue → decode → engine → events.
struct Work {
    queue: Receiver<Queued>,
    queued: Arc<AtomicUsize>,
    agents: AgentSnapshot,
    engine: SharedEngine,
    clock: Clock,
    stats: Arc<TaskStats>,
    events: mpsc::Sender<TriggerEvent>,
    shutdown: CancellationToken,
}

impl Work {
    fn run(self) {
        let mut bad_log = RateLimited::default();
        let mut drop_log = RateLimited::default();
        let mut next_tick = Instant::now() + TICK;
        let mut published = Instant::now();
        while !self.shutdown.is_cancelled() && !self.events.is_closed() {
            let wait = next_tick.saturating_duration_since(Instant::now());
            match self.queue.recv_timeout(wait) {
                Ok(first) => {
                    let out = {
                        let mut e = lock(&self.engine);
                        let mut next = Some(first);
                        let mut n = 0;
                        while let Some((bytes, peer)) = next.take() {
                            self.queued.fetch_sub(bytes.len(), Ordering::AcqRel);
                            self.handle_one(&mut e, &mut bad_log, &bytes, peer);
                            n += 1;
                            if n < BATCH {
                                next = self.queue.try_recv().ok();
                            }
                        }
                        let agents = (published.elapsed() >= PUBLISH_EVERY)
                            .then(|| AgentSnapshot::take(e.agents()));
                        (e.poll_events(), agents)
                    };
                    if let Some(list) = out.1 {
                        self.agents.publish(list);
                        published = Instant::now();
                    }
                    forward(out.0, &self.events, &self.stats, &mut drop_log);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if Instant::now() >= next_tick {
                let out = {
                    let mut e = lock(&self.engine);
                    e.handle_timeout(self.clock.now());
                    (e.poll_events(), AgentSnapshot::take(e.agents()))
                };
                self.agents.publish(out.1);
                published = Instant::now();
                forward(out.0, &self.events, &self.stats, &mut drop_log);
                next_tick = Instant::now() + TICK;
            }
        }
    }

    fn handle_one(&self, e: &mut Engine, bad_log: &mut RateLimited, bytes: &Bytes, peer: IpAddr) {
        self.stats.processed.fetch_add(1, Ordering::Relaxed);
        if let Err(err) = feed_datagram(e, self.clock.now(), peer, bytes) {
            self.stats.parse_errors.fetch_add(1, Ordering::Relaxed);
            if let Some(suppressed) = bad_log.ready() {
                warn!(%peer, %err, suppressed, "bad sFlow datagram");
            }
        }
    }
}

fn forward(
    out: Vec<TriggerEvent>,
    events: &mpsc::Sender<TriggerEvent>,
    stats: &TaskStats,
    drop_log: &mut RateLimited,
) {
    for ev in out {
        debug!(event_id = ev.event_id, threshold = %ev.threshold_id, agent = %ev.agent,
               data_source = %ev.data_source, flow_key = ?ev.flow_key, "sFlow threshold event");
        match events.try_send(ev) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                stats.events_dropped.fetch_add(1, Ordering::Relaxed);
                if let Some(suppressed) = drop_log.ready() {
                    warn!(suppressed, "trigger event channel full: event dropped");
                }
            }
            // Nobody listens any more (shutting down): nothing to do.
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }
}

/// Datagrams the kernel dropped on the UDP socket bound to `local` because its receive
/// buffer was full (the `drops` column of `/proc/net/udp`, Linux). `None` when unknown.
pub fn socket_drops(local: SocketAddr) -> Option<u64> {
    let (file, addr_hex) = match local.ip() {
        IpAddr::V4(a) => (
            "/proc/net/udp",
            format!("{:08X}", u32::from_ne_bytes(a.octets())),
        ),
        IpAddr::V6(a) => {
            let o = a.octets();
            let words: String = o
                .chunks_exact(4)
                .map(|c| format!("{:08X}", u32::from_ne_bytes(c.try_into().unwrap_or([0; 4]))))
                .collect();
            ("/proc/net/udp6", words)
        }
    };
    let want = format!("{addr_hex}:{:04X}", local.port());
    let text = std::fs::read_to_string(file).ok()?;
    text.lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|f| f.get(1) == Some(&want.as_str()))
        .and_then(|f| f.last().and_then(|d| d.parse().ok()))
}
