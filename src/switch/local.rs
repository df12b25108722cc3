//! The per-switch modules of one switch ([`crate::module::Module::per_switch`]), run
//! inline by its task: fed the switch's events as the session produces them, their
//! outboxes applied straight to the session (through the switch's flow pipeline), with no
//! channel hop. See `crate::module` for what such a module gets and may do.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use proto::DatapathId;
use tracing::{error, warn};

use super::session::{Origin, Session};
use crate::bus::Bus;
use crate::event::{BatchError, BatchResult, Event, SwitchId};
use crate::module::Module;
use crate::outbox::Outbox;
use crate::pipeline::Pipeline;

/// The instances running on one switch, with their module indexes.
#[derive(Default)]
pub struct LocalModules {
    mods: Vec<(Origin, Box<dyn Module>)>,
    /// Any of them reads PACKET_INs.
    packet_ins: bool,
    /// Reused for every event (emptied by `apply`): a fresh one allocated per packet-in.
    out: Outbox,
}

impl std::fmt::Debug for LocalModules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = self.mods.iter().map(|(_, m)| m.name()).collect();
        f.debug_struct("LocalModules")
            .field("mods", &names)
            .finish()
    }
}

impl LocalModules {
    /// The per-switch modules that run on `dpid`, fresh.
    pub fn start(bus: &Bus, dpid: DatapathId) -> Self {
        let mods = bus.per_switch_modules(dpid);
        let packet_ins = mods.iter().any(|(_, m)| m.wants_packet_ins());
        LocalModules {
            mods,
            packet_ins,
            out: Outbox::new(),
        }
    }

    /// Does one of them read PACKET_INs? (Then none is dropped before decoding.)
    pub fn wants_packet_ins(&self) -> bool {
        self.packet_ins
    }

    /// Is `origin` one of these instances?
    pub fn has(&self, origin: Origin) -> bool {
        self.mods.iter().any(|(i, _)| *i == origin)
    }

    /// Feed `ev` to every instance (`only`: to that one, for its batch results) and apply
    /// their output. False if one panicked: the caller shuts the controller down.
    pub fn feed(
        &mut self,
        now: Instant,
        ev: &Event,
        only: Option<Origin>,
        session: &mut Session,
        pipeline: &mut Option<Pipeline>,
    ) -> bool {
        if matches!(ev, Event::PacketIn(_)) && !self.packet_ins {
            return true;
        }
        let mut results = Vec::new();
        for (index, module) in &mut self.mods {
            if only.is_some_and(|o| o != *index)
                || (matches!(ev, Event::PacketIn(_)) && !module.wants_packet_ins())
            {
                continue;
            }
            let out = &mut self.out;
            let r = std::panic::catch_unwind(AssertUnwindSafe(|| module.handle(now, ev, out)));
            if r.is_err() {
                error!(
                    module = module.name(),
                    event = ev.kind(),
                    "module panicked; shutting the controller down"
                );
                return false;
            }
            apply(*index, module.name(), out, session, pipeline, &mut results);
        }
        // Refused batches (for other switches) come back to their module, in order.
        for (index, ev) in results {
            if !self.feed(now, &ev, Some(index), session, pipeline) {
                return false;
            }
        }
        true
    }
}

/// Send a per-switch instance's output to its own session.
fn apply(
    index: Origin,
    name: &'static str,
    out: &mut Outbox,
    session: &mut Session,
    pipeline: &mut Option<Pipeline>,
    results: &mut Vec<(Origin, Event)>,
) {
    let own = session.switch().map(|s| s.dpid);
    for (dpid, mut batch) in out.drain_batches() {
        if Some(dpid) == own {
            if let Some(p) = pipeline.as_mut() {
                batch.msgs = p.forwarding(batch.msgs);
            }
            session.send_batch(index, batch);
            continue;
        }
        warn!(
            module = name,
            %dpid,
            "a per-switch module's output for another switch is not sent"
        );
        if let Some(id) = batch.confirm {
            let ev = Event::BatchResult(BatchResult {
                switch: SwitchId { dpid, name: None },
                batch: Some(id),
                result: Err(BatchError::NotConnected),
            });
            results.push((index, ev));
        }
    }
    let taps = out.take_taps();
    for (dpid, id, _) in &taps {
        let ev = Event::BatchResult(BatchResult {
            switch: SwitchId {
                dpid: *dpid,
                name: None,
            },
            batch: Some(*id),
            result: Err(BatchError::NotConnected),
        });
        results.push((index, ev));
    }
    let controls = out.take_controls();
    let timers = out.take_timers();
    if !taps.is_empty() || !controls.is_empty() || !timers.is_empty() {
        warn!(
            module = name,
            taps = taps.len(),
            controls = controls.len(),
            timers = timers.len(),
            "a per-switch module asked for taps, controls or timers: ignored"
        );
    }
}
