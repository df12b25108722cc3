//! Commands between modules (and from the REST API): [`Control`], delivered to one module
//! by name as [`crate::event::Event::Control`].
//!
//! The trigger module activates patches and taps this way; the REST API creates, deletes
//! and activates taps the same way, and reads their state from [`super::tap::TapTable`].

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
}
