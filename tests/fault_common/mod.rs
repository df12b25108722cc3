//! Shared by the fault tests (`tests/fault_*.rs`): the controller in-process
//! ([`crate::support::controller`]) with an event recorder, and tap flow counting on a
//! real bridge.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proto::DatapathId;
use tapdemon::event::Event;
use tapdemon::module::{Module, ModuleSpec};
use tapdemon::outbox::Outbox;

pub use crate::support::controller::wait_for;
use crate::support::controller::InProcess;
use crate::support::lab::Lab;

pub const SECS: fn(u64) -> Duration = Duration::from_secs;

/// A switch event as the modules saw it.
#[derive(Debug, Clone)]
pub enum Seen {
    Up { dpid: u64, replaced: bool },
    Down { dpid: u64, reason: String },
}

/// Switch events in arrival order, with when they arrived.
pub type Log = Arc<Mutex<Vec<(Instant, Seen)>>>;

/// A module that records switch up/down events.
struct Recorder(Log);

impl Module for Recorder {
    fn name(&self) -> &'static str {
        "fault-recorder"
    }
    fn handle(&mut self, _now: Instant, ev: &Event, _out: &mut Outbox) {
        let seen = match ev {
            Event::SwitchUp { info, replaced } => Seen::Up {
                dpid: info.id.dpid.0,
                replaced: *replaced,
            },
            Event::SwitchDown { switch, reason } => Seen::Down {
                dpid: switch.dpid.0,
                reason: reason.to_string(),
            },
            _ => return,
        };
        self.0.lock().unwrap().push((Instant::now(), seen));
    }
}

/// The controller in-process ([`InProcess`]) with a [`Recorder`] of switch events.
pub struct Ctl {
    inner: InProcess,
    pub log: Log,
}

impl std::ops::Deref for Ctl {
    type Target = InProcess;
    fn deref(&self) -> &InProcess {
        &self.inner
    }
}

impl Ctl {
    /// Start with `config_text` on an ephemeral port; `sources` also starts the trigger
    /// sources (embedded collector, sFlow-RT client).
    pub fn start(config_text: &str, sources: bool) -> Ctl {
        let log: Log = Default::default();
        let extra = vec![ModuleSpec {
            module: Box::new(Recorder(log.clone())),
            switches: None,
        }];
        Ctl {
            inner: InProcess::start_with(config_text, sources, extra),
            log,
        }
    }

    /// The connection id of `dpid`'s registered session.
    pub fn conn(&self, dpid: u64) -> Option<u64> {
        self.handle.switches.get(DatapathId(dpid)).map(|h| h.conn)
    }

    /// The state the tap module reports for `name` (as the REST API lists it).
    pub fn tap_state(&self, name: &str) -> String {
        self.tap(name).state
    }

    /// Recorded events since `since`.
    pub fn events_since(&self, since: Instant) -> Vec<Seen> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(t, _)| *t >= since)
            .map(|(_, s)| s.clone())
            .collect()
    }
}

/// Flows on `bridge` with a tap cookie (0x7d03...).
pub fn tap_flows(lab: &Lab, bridge: &str) -> usize {
    lab.dump_flows(bridge)
        .iter()
        .filter(|f| f.cookie >> 48 == 0x7d03)
        .count()
}
