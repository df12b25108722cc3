//! `topology`: LLDP link discovery, static links, host locations and paths, on every switch.
//!
//! A thin adapter between the runtime's events and the sans-IO engine in
//! [`crate::topology`], which holds all the logic and its tests:
//! - at switch-up it installs a flow sending LLDP (`eth_type 0x88cc`, nearest-bridge
//!   destination) to the controller above every forwarding flow, on OF1.0 and OF1.3 alike,
//!   so no patch, tap or learned flow ever swallows a probe;
//! - it sends the engine's probes as packet-outs, on a timer it re-arms for the engine's
//!   next deadline;
//! - LLDP packet-ins go to the engine's discovery (the only packet-ins it is sent); every
//!   other packet-in teaches the engine where its source lives, through
//!   [`super::hosts`] in the switch's own task.
//!
//! The module receives every switch's events whatever `topology.switches` says: that list
//! only limits where probes are sent and believed. Other modules and the REST API read the
//! engine through [`SharedTopology`].
//!
//! ```toml
//! [topology]
//! enabled = true              # LLDP discovery; static links and hosts work either way
//! probe_interval_secs = 2
//! [[topology.links]]
//! a = "s1:6"
//! b = "s3:1"
//! ```

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Instant;

use proto::flow::{Action, FlowMod, Masked, Match, PacketOut, PortNo};
use proto::pkt::lldp;
use proto::DatapathId;
use tracing::{debug, warn};

use crate::event::{Event, PacketIn, PortReason, PortStatus, SwitchInfo};
use crate::module::Module;
use crate::outbox::{Msg, Outbox};
use crate::topology::{PortUpdate, SwitchPort, Topology, TopologyConfig, TopologyConfigError};

/// Cookie on the LLDP flow ("topo").
pub const COOKIE: u64 = 0x746f_706f;
/// Priority of the LLDP flow: above every forwarding and tap flow.
pub const LLDP_PRIORITY: u16 = 0xff00;
/// Batch id of the LLDP flow sent at switch-up.
const LLDP_FLOW_BATCH: u64 = 1;
/// The module asks for one kind of timer.
const TIMER_ID: u64 = 1;

/// The engine, shared between this module (the only writer) and readers such as the tap
/// module and the REST API. Locks are held for one call, never across an await.
#[derive(Debug, Clone)]
pub struct SharedTopology(Arc<RwLock<Topology>>);

impl SharedTopology {
    /// Read access. A panic elsewhere cannot leave the engine half-updated in a way readers
    /// care about (the controller stops on a module panic anyway), so poisoning is ignored.
    pub fn read(&self) -> RwLockReadGuard<'_, Topology> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Topology> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The module.
#[derive(Debug)]
pub struct TopologyModule {
    topo: SharedTopology,
    /// When the timer we asked for fires; `None` when none is pending.
    timer_at: Option<Instant>,
}

impl TopologyModule {
    /// A module for `config`; `names` are the `[switches]` names.
    pub fn new(
        config: &TopologyConfig,
        names: &BTreeMap<String, DatapathId>,
    ) -> Result<Self, TopologyConfigError> {
        Ok(TopologyModule {
            topo: SharedTopology(Arc::new(RwLock::new(Topology::new(config, names)?))),
            timer_at: None,
        })
    }

    /// A handle on the engine for other modules and the REST API.
    pub fn shared(&self) -> SharedTopology {
        self.topo.clone()
    }

    fn switch_up(&mut self, now: Instant, info: &SwitchInfo, out: &mut Outbox) {
        let dpid = info.id.dpid;
        let ports: Vec<SwitchPort> = info.ports.values().map(switch_port).collect();
        let discovers = {
            let mut topo = self.topo.write();
            topo.switch_up(now, dpid, &ports);
            topo.discovers(dpid)
        };
        if !discovers {
            // No probes go out, so no LLDP needs to come back: leave the table alone.
            return;
        }
        let match_ = Match {
            eth_type: Some(lldp::ETHERTYPE),
            eth_dst: Some(Masked::exact(lldp::NEAREST_BRIDGE)),
            ..Match::default()
        };
        let to_controller = Action::Output {
            port: PortNo::Controller,
            max_len: 0xffff,
        };
        let mut fm = FlowMod::add(match_, vec![to_controller], LLDP_PRIORITY);
        fm.cookie = COOKIE;
        out.confirmed(dpid, LLDP_FLOW_BATCH, vec![Msg::FlowMod(fm)]);
    }

    fn port_status(&mut self, now: Instant, ps: &PortStatus) {
        let update = match ps.reason {
            PortReason::Delete => PortUpdate::Deleted(ps.port.port_no),
            PortReason::Add | PortReason::Modify | PortReason::Other(_) => {
                PortUpdate::Changed(switch_port(&ps.port))
            }
        };
        self.topo.write().port_status(now, ps.switch.dpid, update);
    }

    fn lldp_in(&mut self, now: Instant, pi: &PacketIn) {
        let result = self
            .topo
            .write()
            .handle_lldp(now, pi.switch.dpid, pi.in_port, &pi.data);
        if let Err(why) = result {
            debug!(switch = %pi.switch, in_port = pi.in_port, %why, "LLDP ignored");
        }
    }

    /// Send due probes and make sure a timer is pending for the engine's next deadline.
    fn flush(&mut self, now: Instant, out: &mut Outbox) {
        let (probes, next, host_timeout) = {
            let mut topo = self.topo.write();
            (
                topo.poll_probes(now),
                topo.poll_timeout(),
                topo.host_timeout(),
            )
        };
        // Hosts are learned in the switch tasks, which arm no timer: one always pending
        // within a host's lifetime means none outlives its expiry by more than a turn.
        let next = match host_timeout {
            Some(t) => Some(next.map_or(now + t, |n| n.min(now + t))),
            None => next,
        };
        for probe in probes {
            out.packet_out(
                probe.dpid,
                PacketOut {
                    buffer_id: None,
                    in_port: None,
                    actions: vec![Action::Output {
                        port: PortNo::Number(probe.port),
                        max_len: 0,
                    }],
                    data: probe.frame,
                },
            );
        }
        if let Some(next) = next {
            // One pending timer is enough unless the new deadline comes sooner.
            if self.timer_at.is_none_or(|t| next < t) {
                self.timer_at = Some(next);
                out.timer(next.saturating_duration_since(now), TIMER_ID);
            }
        }
    }
}

/// The runtime's port description in the engine's terms.
fn switch_port(p: &crate::event::PortDesc) -> SwitchPort {
    SwitchPort {
        number: p.port_no,
        name: p.name.clone(),
        hw_addr: p.hw_addr,
        live: p.is_up(),
    }
}

impl Module for TopologyModule {
    fn name(&self) -> &'static str {
        "topology"
    }

    /// LLDP only: host traffic is learned by `hosts`, in the switch tasks.
    fn packet_in_filter(&self) -> Option<fn(&PacketIn) -> bool> {
        Some(|pi| lldp::is_lldp(&pi.data))
    }

    fn handle(&mut self, now: Instant, ev: &Event, out: &mut Outbox) {
        match ev {
            Event::SwitchUp { info, .. } => self.switch_up(now, info, out),
            Event::SwitchDown { switch, .. } => {
                self.topo.write().switch_down(switch.dpid);
            }
            Event::PortStatus(ps) => self.port_status(now, ps),
            Event::PacketIn(pi) if lldp::is_lldp(&pi.data) => self.lldp_in(now, pi),
            // Hosts are learned in the switch tasks (modules::hosts).
            Event::PacketIn(_) => return,
            Event::Timer(_) => {
                if self.timer_at.is_some_and(|t| t <= now) {
                    self.timer_at = None;
                }
                self.topo.write().handle_timeout(now);
            }
            Event::BatchResult(r) => {
                if let Err(e) = &r.result {
                    warn!(switch = %r.switch, error = %e, "LLDP flow not installed: discovery cannot see this switch's links");
                }
                return;
            }
            _ => return,
        }
        // A new switch, a port up or a new link may have made probes due now (a new link
        // asks for the reverse direction's probe at once).
        self.flush(now, out);
    }
}

#[cfg(test)]
#[path = "topology_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "topology_wire_tests.rs"]
mod wire_tests;
