//! Commands between modules (and from the REST API): [`Control`], delivered to one module
//! by name as [`crate::event::Event::Control`].
//!
//! The trigger module activates patches and taps this way; the REST API creates, deletes
//! and activates taps the same way, and reads their state from [`super::tap::TapTable`].

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use proto::flow::Match;

use crate::pipeline::Direction;
use crate::topology::PortRef;

/// A tap created at runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TapSpec {
    /// Unique name (a dynamic tap re-created under the same name is re-armed instead).
    pub name: String,
    /// The tapped port.
    pub source: PortRef,
    /// Which traffic.
    pub direction: Direction,
    /// Only packets matching this.
    pub filter: Match,
    /// Where copies go.
    pub monitor: PortRef,
}

/// A command for the `patch` or `tap` module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// Activate the named patch or tap for `duration` (`None`: its configured
    /// `duration_secs`); if it is active, extend it to `now + duration` (its flows' hard
    /// timeouts restart) rather than duplicate it.
    Activate {
        /// The patch or tap name.
        name: String,
        /// For how long.
        duration: Option<Duration>,
        /// Who asked (a trigger's name, `rest`), for logs.
        by: String,
    },
    /// Create (or re-arm) a runtime tap; `duration: None` keeps it until deleted.
    CreateTap {
        /// The tap.
        spec: TapSpec,
        /// For how long.
        duration: Option<Duration>,
        /// Who asked.
        by: String,
    },
    /// Deactivate the named patch or tap; a runtime tap is forgotten.
    Deactivate {
        /// The name.
        name: String,
        /// Who asked.
        by: String,
    },
    /// A reloaded config: the module compares its configured items with these, by name,
    /// and touches only the ones that differ (see [`crate::rest::reload`]).
    Reconfigure {
        /// The module's part of the new config.
        items: Reconfig,
        /// Answered once the module has applied it.
        done: Ack,
    },
}

/// One module's part of a reloaded config, resolved (switch names to datapath ids,
/// filters parsed) exactly as the module's constructor resolves it, so that "unchanged"
/// means "the same flows".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reconfig {
    /// For `tap`: `[taps]` and every `[[tap]]`.
    Taps {
        /// `[taps] reconcile_secs` (the VLAN range needs a restart).
        reconcile_secs: u64,
        /// The taps.
        taps: Vec<super::tap_config::ConfiguredTap>,
    },
    /// For `patch`: every `[[patch]]`.
    Patches(Vec<super::patch::PatchDef>),
    /// For `trigger`: every `[[trigger]]`.
    Triggers(Vec<super::trigger::Rule>),
}

/// What a module did with a [`Reconfig`]: item names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Installed (or armed) anew.
    pub added: Vec<String>,
    /// Deactivated and forgotten, their flows deleted.
    pub removed: Vec<String>,
    /// Replaced.
    pub changed: Vec<String>,
    /// Left alone: no flow-mod sent for them.
    pub unchanged: Vec<String>,
}

/// The answer channel of a [`Control::Reconfigure`]: the reloader waits on it so that a
/// reload reports after the modules acted. Equal only to itself.
#[derive(Debug, Clone)]
pub struct Ack(Arc<Mutex<Option<tokio::sync::oneshot::Sender<Applied>>>>);

impl Ack {
    /// A new ack and the receiver that gets the module's answer.
    pub fn new() -> (Self, tokio::sync::oneshot::Receiver<Applied>) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        (Ack(Arc::new(Mutex::new(Some(tx)))), rx)
    }

    /// Answer (once; later calls do nothing).
    pub fn done(&self, applied: Applied) {
        let tx = self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(tx) = tx {
            // The reloader may have given up waiting.
            let _ = tx.send(applied);
        }
    }
}

impl PartialEq for Ack {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Ack {}
