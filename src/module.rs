//! The module API.
//!
//! A module is a sans-IO state machine (Faucet's Valve, quinn-proto's `handle_*`): it is
//! fed one [`Event`] at a time with the current time, and answers by filling an
//! [`Outbox`]. It never holds a socket, never blocks and never sees version-specific bytes,
//! so it is unit-tested by feeding events and asserting on the outbox.
//!
//! The runtime ([`crate::bus`]) runs each module in its own task, behind its own queue:
//! PACKET_INs beyond `controller.module_queue_len` are dropped and counted; lifecycle
//! events (switch up/down, port status, errors, batch results, timers) are never dropped.
//!
//! # Per-switch modules (the fast path)
//! A module whose state is per switch (l2_learning: one MAC table per datapath, nothing
//! shared between switches) says so by returning a fresh instance from
//! [`Module::per_switch`]. The runtime then runs no task for it: each switch task builds
//! its own instance when the switch's handshake finishes (on the switches the module runs
//! on) and feeds it that switch's events inline, in the same order a queued module sees
//! them: `SwitchUp`, then `PacketIn`, `PortStatus`, `FlowRemoved`, `SwitchError`, its own
//! `BatchResult`s, and `SwitchDown`. Its outbox goes straight to that session, with no
//! channel hop and no cross-thread wake-up, so a PACKET_IN is answered in the read burst
//! that brought it. The instance is the same state machine, only scoped to one switch.
//! What a per-switch instance gets and may do:
//! - Only its switch's events: no `Timer`, `Control` or `Trigger` events; timers and
//!   controls it asks for are logged and ignored, as are messages for other switches
//!   (a confirmed batch for another switch gets `BatchError::NotConnected`).
//! - No queue, so nothing is dropped: a slow per-switch module slows the reading of its
//!   own switch only (TCP pushes back on that switch), never other switches or modules.
//! - A panic shuts the controller down, as for queued modules.
//!
//! Modules that need a global view (topology, tap, trigger, patch) return `None` and keep
//! their task and bounded queue.
//!
//! Writing a module: one file in `src/modules/`, with its config struct (serde,
//! `deny_unknown_fields`, with `enabled` and `switches` keys) and a type implementing
//! [`Module`]; then register both in [`crate::modules`].

use std::collections::HashSet;
use std::time::Instant;

use proto::DatapathId;

use crate::event::{Event, PacketIn};
use crate::outbox::Outbox;

/// A controller application.
pub trait Module: Send {
    /// The module's name: its config section and its `module` field in logs.
    fn name(&self) -> &'static str;

    /// Handle one event. `now` is the only clock a module may use.
    fn handle(&mut self, now: Instant, ev: &Event, out: &mut Outbox);

    /// Does the module read `Event::PacketIn`? One that does not is never sent one: each
    /// module a packet-in goes to costs a queue entry and a task wake-up.
    fn wants_packet_ins(&self) -> bool {
        true
    }

    /// Of the PACKET_INs it reads, which it is sent: `None` (the default) all of them. A
    /// module in its own task that needs only a few (topology: LLDP) names them here, so the
    /// rest cost it no queue entry and no wake-up. Called by switch tasks, so a plain `fn`.
    fn packet_in_filter(&self) -> Option<fn(&PacketIn) -> bool> {
        None
    }

    /// A fresh instance for one switch, if the module's state is per switch: the runtime
    /// then runs it inside each switch's task (see the module docs). `None` (the default):
    /// one instance in its own task, fed every switch's events through its queue.
    fn per_switch(&self) -> Option<Box<dyn Module>> {
        None
    }
}

/// A module ready to run, with the switches it runs on.
pub struct ModuleSpec {
    /// The module.
    pub module: Box<dyn Module>,
    /// The datapath ids whose events it receives; `None` = every switch.
    pub switches: Option<HashSet<DatapathId>>,
}

impl ModuleSpec {
    /// Does this module run on `dpid`?
    pub fn runs_on(&self, dpid: DatapathId) -> bool {
        self.switches.as_ref().is_none_or(|s| s.contains(&dpid))
    }
}

impl std::fmt::Debug for ModuleSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModuleSpec")
            .field("module", &self.module.name())
            .field("switches", &self.switches)
            .finish()
    }
}
