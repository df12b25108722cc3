//! The collector task: UDP socket → `proto::sflow` → [`Engine`] → trigger events.
//!
//! # Isolation
//! - The engine sits behind a `std::sync::Mutex` that is held only for synchronous,
//!   bounded work (at most [`BATCH`] datagrams of at most 64 KiB each, no `.await` while
//!   held). OpenFlow sessions never take it; the REST API takes it briefly for queries.
//! - After each batch the task yields to the runtime, so a flood of datagrams (garbage or
//!   not) shares the worker threads fairly with everything else.
//! - Events go out with `try_send`: a full channel drops the event (counted, logged rate-
//!   limited) rather than stalling the socket.
//! - Parse errors are counted per agent by the engine and logged at most once per
//!   [`LOG_EVERY`] with the number suppressed, never once per bad datagram.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::adapter::feed_datagram;
use super::config::{CollectorConfig, CollectorConfigError};
use super::engine::Engine;
use crate::trigger::TriggerEvent;

/// Datagrams handled per lock and per turn before yielding.
pub const BATCH: usize = 64;
/// How often idle flows are expired and thresholds re-armed.
pub const TICK: Duration = Duration::from_millis(250);
/// At most one warning of each kind this often.
pub const LOG_EVERY: Duration = Duration::from_secs(10);

/// The engine, shared between the collector task and the queries (REST API).
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

/// Counters of the task itself (the engine counts the rest).
#[derive(Debug, Default)]
pub struct TaskStats {
    /// Datagrams received.
    pub datagrams: AtomicU64,
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
    /// Task counters.
    pub stats: Arc<TaskStats>,
    /// The clock the engine runs on (use it for queries: `engine.metric(clock.now(), ..)`).
    pub clock: Clock,
    /// The task; it ends when the shutdown token is cancelled.
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
}

/// Builds the engine from `cfg`, binds `cfg.listen` and spawns the task. Events go to
/// `events`; the task stops when `shutdown` is cancelled.
pub async fn spawn(
    cfg: &CollectorConfig,
    events: mpsc::Sender<TriggerEvent>,
    shutdown: CancellationToken,
) -> Result<CollectorHandle, CollectorError> {
    let engine = Arc::new(Mutex::new(cfg.build_engine()?));
    let socket = UdpSocket::bind(cfg.listen)
        .await
        .map_err(|source| CollectorError::Bind {
            addr: cfg.listen,
            source,
        })?;
    let local_addr = socket.local_addr().map_err(|source| CollectorError::Bind {
        addr: cfg.listen,
        source,
    })?;
    info!(%local_addr, "sFlow collector listening");
    let stats = Arc::new(TaskStats::default());
    let clock = Clock::new();
    let task = tokio::spawn(run(
        socket,
        engine.clone(),
        clock,
        stats.clone(),
        events,
        shutdown,
    ));
    Ok(CollectorHandle {
        engine,
        local_addr,
        stats,
        clock,
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

/// The task body: receive, decode, feed, forward events, until `shutdown`.
pub async fn run(
    socket: UdpSocket,
    engine: SharedEngine,
    clock: Clock,
    stats: Arc<TaskStats>,
    events: mpsc::Sender<TriggerEvent>,
    shutdown: CancellationToken,
) {
    let mut buf = vec![0u8; 65_536];
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut bad_log = RateLimited::default();
    let mut drop_log = RateLimited::default();
    loop {
        let first = tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            _ = tick.tick() => {
                let out = {
                    let mut e = lock(&engine);
                    e.handle_timeout(clock.now());
                    e.poll_events()
                };
                forward(out, &events, &stats, &mut drop_log);
                continue;
            }
            r = socket.recv_from(&mut buf) => r,
        };
        let out = {
            let mut e = lock(&engine);
            let mut next = Some(first);
            let mut n = 0;
            while let Some(r) = next.take() {
                match r {
                    Ok((len, peer)) => {
                        handle_one(&mut e, &clock, &stats, &mut bad_log, &buf, len, peer.ip())
                    }
                    Err(err) => debug!(%err, "sFlow socket receive error"),
                }
                n += 1;
                if n < BATCH {
                    next = match socket.try_recv_from(&mut buf) {
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => None,
                        r => Some(r),
                    };
                }
            }
            e.poll_events()
        };
        forward(out, &events, &stats, &mut drop_log);
        tokio::task::yield_now().await;
    }
    debug!("sFlow collector stopped");
}

fn handle_one(
    e: &mut Engine,
    clock: &Clock,
    stats: &TaskStats,
    bad_log: &mut RateLimited,
    buf: &[u8],
    len: usize,
    peer: IpAddr,
) {
    stats.datagrams.fetch_add(1, Ordering::Relaxed);
    let bytes = Bytes::copy_from_slice(buf.get(..len).unwrap_or_default());
    if let Err(err) = feed_datagram(e, clock.now(), peer, &bytes) {
        stats.parse_errors.fetch_add(1, Ordering::Relaxed);
        if let Some(suppressed) = bad_log.ready() {
            warn!(%peer, %err, suppressed, "bad sFlow datagram");
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
