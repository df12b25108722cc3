//! Connected switches by datapath id, and the handle modules' output goes through.
//!
//! A switch is registered when its handshake finishes. A second connection with the same
//! datapath id (a switch that restarted before we noticed the old one died) replaces the
//! first: the registry hands back the stale handle and the new session closes it with
//! [`super::ConnectionError::Replaced`]. Unregistering checks the connection id, so a
//! replaced session's exit cannot remove its successor.
//!
//! # Two live switches with one datapath id
//! "Newer wins" alone makes two *live* switches claiming one datapath id (a cloned VM, a
//! copy-pasted `other-config:datapath-id`, an impostor) evict each other forever: each
//! reconnects after its backoff and replaces the other (Floodlight's CVE-2024-29461 is
//! this loop). So [`Switches::admit`] counts replacements per datapath id: more than
//! [`FLAP_LIMIT`] within [`FLAP_WINDOW`] puts the id in *hold-down*: the established
//! session is kept, and every newcomer is refused (closed right after its FEATURES_REPLY,
//! logged as an error) until no newcomer has tried for [`HOLD_DOWN`]. A switch that
//! really restarted during a hold-down gets in as soon as its old session is found dead
//! (echo timeout): it then has no live rival to replace.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

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
    /// Continue in the connection group (or leave it): see [`super::placement`].
    Move {
        /// Into the group.
        to_group: bool,
    },
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

/// Replacements of one datapath id within this window count towards [`FLAP_LIMIT`].
pub const FLAP_WINDOW: Duration = Duration::from_secs(60);
/// More replacements than this within [`FLAP_WINDOW`] start a hold-down. A switch that
/// restarts (one replacement) or an impostor that connects once (it replaces the real
/// switch, which replaces it back: two) stays below it.
pub const FLAP_LIMIT: usize = 3;
/// A hold-down lasts until no newcomer has tried for this long.
pub const HOLD_DOWN: Duration = Duration::from_secs(60);

/// What [`Switches::admit`] decided for a new session.
#[derive(Debug)]
pub enum Admission {
    /// The first session of this datapath id.
    New,
    /// It replaced this (stale) session, which the caller must close.
    Replaced(SwitchHandle),
    /// Refused: the datapath id is in hold-down and this established session is kept.
    Refused {
        /// The session kept.
        established: u64,
        /// Newcomers refused so far in this hold-down (this one included).
        refused: u64,
    },
}

/// Replacement history of one datapath id.
#[derive(Debug, Default)]
struct Flaps {
    replaced_at: Vec<Instant>,
    held_until: Option<Instant>,
    refused: u64,
}

/// The registry.
#[derive(Debug, Clone, Default)]
pub struct Switches {
    inner: Arc<Mutex<HashMap<DatapathId, SwitchHandle>>>,
    flaps: Arc<Mutex<HashMap<DatapathId, Flaps>>>,
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

    /// Register a new session unless its datapath id flaps (see the module docs).
    pub fn admit(&self, handle: SwitchHandle, now: Instant) -> Admission {
        let dpid = handle.info.id.dpid;
        let mut map = self.lock();
        let Some(established) = map.get(&dpid).map(|h| h.conn) else {
            map.insert(dpid, handle);
            return Admission::New;
        };
        let mut flaps = self.flaps.lock().unwrap_or_else(PoisonError::into_inner);
        let f = flaps.entry(dpid).or_default();
        f.replaced_at
            .retain(|t| now.saturating_duration_since(*t) < FLAP_WINDOW);
        let held = f.held_until.is_some_and(|u| now < u);
        if !held && f.replaced_at.len() < FLAP_LIMIT {
            f.replaced_at.push(now);
            f.refused = 0;
            f.held_until = None;
            return match map.insert(dpid, handle) {
                Some(old) => Admission::Replaced(old),
                None => Admission::New,
            };
        }
        f.held_until = Some(now + HOLD_DOWN);
        f.refused += 1;
        Admission::Refused {
            established,
            refused: f.refused,
        }
    }

    /// Newcomers refused in `dpid`'s current or last hold-down.
    pub fn refusals(&self, dpid: DatapathId) -> u64 {
        let flaps = self.flaps.lock().unwrap_or_else(PoisonError::into_inner);
        flaps.get(&dpid).map_or(0, |f| f.refused)
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

    /// Every connected switch's handle.
    pub fn handles(&self) -> Vec<SwitchHandle> {
        self.lock().values().cloned().collect()
    }

    /// Every connected switch, by datapath id.
    pub fn list(&self) -> Vec<Arc<SwitchInfo>> {
        let mut v: Vec<_> = self.lock().values().map(|h| h.info.clone()).collect();
        v.sort_by_key(|i| i.id.dpid);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::SwitchId;
    use crate::switch::Version;

    fn handle(conn: u64) -> SwitchHandle {
        let info = SwitchInfo {
            id: SwitchId {
                dpid: DatapathId(7),
                name: None,
            },
            version: Version::Of13,
            n_buffers: 0,
            n_tables: 254,
            ports: Default::default(),
        };
        SwitchHandle {
            conn,
            info: Arc::new(info),
            tx: mpsc::unbounded_channel().0,
        }
    }

    fn conn(a: &Admission) -> Option<u64> {
        match a {
            Admission::New => None,
            Admission::Replaced(old) => Some(old.conn),
            Admission::Refused { established, .. } => Some(*established),
        }
    }

    #[test]
    fn newer_wins_until_the_id_flaps_then_the_established_session_is_kept() {
        let s = Switches::default();
        let t0 = Instant::now();
        assert!(matches!(s.admit(handle(1), t0), Admission::New));
        // A restart and an impostor's one-shot visit (replaced, then replaced back).
        for (i, c) in [2, 3, 4].into_iter().enumerate() {
            let a = s.admit(handle(c), t0 + Duration::from_secs(i as u64 + 1));
            assert!(matches!(a, Admission::Replaced(_)), "{a:?}");
            assert_eq!(conn(&a), Some(c - 1));
        }
        // The fourth replacement within the window: hold-down, conn 4 stays.
        for (i, c) in [5, 6, 7].into_iter().enumerate() {
            let a = s.admit(handle(c), t0 + Duration::from_secs(10 + 8 * i as u64));
            assert!(
                matches!(a, Admission::Refused { established: 4, refused } if refused == i as u64 + 1),
                "{a:?}"
            );
        }
        assert_eq!(s.get(DatapathId(7)).map(|h| h.conn), Some(4));
        // Refusals keep the hold-down going; once quiet for HOLD_DOWN (and the window
        // passed), a newcomer replaces again.
        let later = t0 + Duration::from_secs(26) + HOLD_DOWN + FLAP_WINDOW;
        assert!(matches!(s.admit(handle(8), later), Admission::Replaced(_)));
        // The established session gone, a newcomer is simply new.
        s.unregister(DatapathId(7), 8);
        let a = s.admit(handle(9), later + Duration::from_secs(1));
        assert!(matches!(a, Admission::New), "{a:?}");
    }
}
