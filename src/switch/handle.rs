//! Connected switches by datapath id, and the handle modules' output goes through.
//!
//! A switch is registered when its handshake finishes. A second connection with the same
//! datapath id (a switch that restarted before we noticed the old one died) replaces the
//! first: the registry hands back the stale handle and the new session closes it with
//! [`super::ConnectionError::Replaced`]. Unregistering checks the connection id, so a
//! replaced session's exit cannot remove its successor.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use proto::DatapathId;
use tokio::sync::{mpsc, oneshot};

use super::session::Origin;
use super::stats::{StatsError, StatsRequest, StatsResult};
use super::ConnectionError;
use crate::event::{BatchId, SwitchInfo};
use crate::outbox::Batch;
use crate::pipeline::TapUpdate;

/// What the runtime asks of a switch's task.
#[derive(Debug)]
pub enum Command {
    /// Send a module's batch.
    Send {
        /// The module (for the batch result).
        origin: Origin,
        /// The messages.
        batch: Batch,
    },
    /// Apply a tap change to the switch's pipeline; the flow-mods it produces are
    /// confirmed with a barrier (`BatchResult { batch: Some(batch) }` to `origin`).
    Tap {
        /// The module (the tap module).
        origin: Origin,
        /// The module's id for the result.
        batch: BatchId,
        /// The change.
        update: TapUpdate,
    },
    /// Ask for statistics; the reassembled answer (or why not) goes to `reply`.
    Stats {
        /// What to ask for.
        request: StatsRequest,
        /// How long the switch has to answer completely.
        timeout: Duration,
        /// Where the answer goes.
        reply: oneshot::Sender<StatsResult>,
    },
    /// Close the connection.
    Close(ConnectionError),
}

/// A registered switch.
#[derive(Debug, Clone)]
pub struct SwitchHandle {
    /// Connection id, unique per accepted connection.
    pub conn: u64,
    /// What the handshake said.
    pub info: Arc<SwitchInfo>,
    /// The switch task's command queue (unbounded: commands are produced by module tasks
    /// in response to events, so their rate is bounded by the module queues).
    pub tx: mpsc::UnboundedSender<Command>,
}

impl SwitchHandle {
    /// Queue a batch; false if the task has gone.
    pub fn send(&self, origin: Origin, batch: Batch) -> bool {
        self.tx.send(Command::Send { origin, batch }).is_ok()
    }

    /// Ask the switch for statistics and wait for the complete answer: at most `timeout`
    /// (the session enforces it; a small margin here covers a task that has gone).
    pub async fn stats(&self, request: StatsRequest, timeout: Duration) -> StatsResult {
        let (reply, rx) = oneshot::channel();
        let cmd = Command::Stats {
            request,
            timeout,
            reply,
        };
        if self.tx.send(cmd).is_err() {
            return Err(StatsError::NotConnected);
        }
        let gone = || StatsError::Disconnected {
            msg_type: match request {
                StatsRequest::Flows => "flow statistics request",
                StatsRequest::Ports => "port statistics request",
            },
        };
        match tokio::time::timeout(timeout + Duration::from_secs(1), rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) | Err(_) => Err(gone()),
        }
    }

    /// Queue a tap change for the switch's pipeline; false if the task has gone.
    pub fn tap(&self, origin: Origin, batch: BatchId, update: TapUpdate) -> bool {
        self.tx
            .send(Command::Tap {
                origin,
                batch,
                update,
            })
            .is_ok()
    }
}

/// The registry.
#[derive(Debug, Clone, Default)]
pub struct Switches {
    inner: Arc<Mutex<HashMap<DatapathId, SwitchHandle>>>,
}

impl Switches {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<DatapathId, SwitchHandle>> {
        // The map stays consistent even if a holder panicked: every critical section is a
        // single insert, remove or clone.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Register a switch; returns the handle it replaced, if any.
    pub fn register(&self, handle: SwitchHandle) -> Option<SwitchHandle> {
        self.lock().insert(handle.info.id.dpid, handle)
    }

    /// Remove `dpid` if it is still connection `conn`.
    pub fn unregister(&self, dpid: DatapathId, conn: u64) {
        let mut map = self.lock();
        if map.get(&dpid).is_some_and(|h| h.conn == conn) {
            map.remove(&dpid);
        }
    }

    /// Refresh what is known of `dpid` (after a PORT_STATUS), if it is still `conn`.
    pub fn update_info(&self, dpid: DatapathId, conn: u64, info: Arc<SwitchInfo>) {
        if let Some(h) = self.lock().get_mut(&dpid).filter(|h| h.conn == conn) {
            h.info = info;
        }
    }

    /// The handle of a connected switch.
    pub fn get(&self, dpid: DatapathId) -> Option<SwitchHandle> {
        self.lock().get(&dpid).cloned()
    }

    /// Every connected switch, by datapath id.
    pub fn list(&self) -> Vec<Arc<SwitchInfo>> {
        let mut v: Vec<_> = self.lock().values().map(|h| h.info.clone()).collect();
        v.sort_by_key(|i| i.id.dpid);
        v
    }
}
