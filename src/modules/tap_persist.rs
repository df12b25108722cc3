//! The tap module's side of [`crate::state`]: what it hands its [`TapStateSink`].
//!
//! - Dynamic taps (runtime, and activated `static = false` ones) while active, with their end.
//! - Static taps deactivated at runtime, with [`definition_hash`] of their definition: the
//!   restore sends them a [`crate::modules::control::Control::Deactivate`] after a restart
//!   while the config's definition is unchanged, so an operator's `DELETE` is not undone
//!   by a restart. A reload or restart that changes the definition brings the tap back
//!   (the operator edited that tap: the config speaks again).

use std::time::Instant;

use super::{Origin, Tap, TapModule};
use crate::state::{definition_hash, SavedOrigin, SavedStaticOff, TapSnapshot};

impl Tap {
    fn definition_hash(&self) -> String {
        definition_hash(self.source, self.monitor, self.direction, &self.filter)
    }
}

impl TapModule {
    /// Hand the sink the dynamic taps (active, not static) and the static taps that are
    /// off, each list if it changed.
    pub(super) fn save_state(&mut self, now: Instant) {
        let Some(sink) = self.state_sink.as_mut() else {
            return;
        };
        let snap: Vec<TapSnapshot> = self
            .taps
            .values()
            .filter(|t| t.active)
            .filter_map(|t| {
                let origin = match t.origin {
                    Origin::Static => return None,
                    Origin::Activatable => SavedOrigin::Activatable,
                    Origin::Runtime => SavedOrigin::Runtime,
                };
                Some(TapSnapshot {
                    name: t.name.clone(),
                    origin,
                    source: t.source,
                    monitor: t.monitor,
                    direction: t.direction,
                    filter: t.filter.clone(),
                    until: t.until,
                })
            })
            .collect();
        if snap != self.saved {
            sink.save(&snap, now);
            self.saved = snap;
        }
        let off: Vec<SavedStaticOff> = self
            .taps
            .values()
            .filter(|t| t.origin == Origin::Static && !t.active)
            .map(|t| SavedStaticOff {
                name: t.name.clone(),
                definition_hash: t.definition_hash(),
            })
            .collect();
        if off != self.saved_off {
            sink.save_static_off(&off);
            self.saved_off = off;
        }
    }

    /// [`super::TapInfo::deactivated`]: for a static tap that is off, who turned it off and
    /// what brings it back.
    pub(super) fn deactivated_note(&self, t: &Tap) -> Option<String> {
        if t.origin != Origin::Static || t.active {
            return None;
        }
        let by = t.off_by.as_deref().unwrap_or("unknown");
        Some(if self.state_sink.is_some() {
            format!(
                "deactivated by {by}; stays off across restarts until its [[tap]] definition \
                 changes or it is activated again"
            )
        } else {
            format!(
                "deactivated by {by}; back at the next restart ([controller] state_file is off)"
            )
        })
    }
}
