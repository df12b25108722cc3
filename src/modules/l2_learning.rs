//! `l2_learning`: a MAC-learning switch, on by default.
//!
//! Per switch it learns MAC -> port from the source of each PACKET_IN. A frame for a known
//! unicast destination gets a flow (idle timeout from the config) and is sent on with a
//! packet-out; unknown and multicast destinations are flooded (OFPP_FLOOD). OF1.3 switches
//! send nothing to the controller by default, so they get a table-miss flow at connect
//! (priority 0, output CONTROLLER, max_len OFPCML_NO_BUFFER); OF1.0 switches need none.
//! A port that goes down or is deleted forgets its MACs and loses the flows toward it.
//!
//! Flooding assumes a loop-free topology: list the switches it should run on
//! (`switches = [...]`) where there are parallel links.
//!
//! ```toml
//! [l2_learning]
//! enabled = true            # default
//! switches = ["s1", "s2"]   # default: every switch
//! idle_timeout = 60         # seconds, learned flows
//! hard_timeout = 0
//! priority = 4096
//! cookie = 0x4c32           # marks this module's flows
//! flow_match = "in_port_src_dst"   # or "dst"
//! max_macs = 65536          # per switch
//! mac_age_secs = 300
//! ```

use std::collections::HashMap;
use std::time::{Duration, Instant};

use proto::flow::{Action, FlowMod, Masked, Match, PacketOut, PortNo};
use proto::{DatapathId, MacAddr};
use serde::Deserialize;
use toml::Spanned;
use tracing::{debug, info, warn};

use crate::config::SwitchRef;
use crate::event::{Event, PacketIn, PortReason, PortStatus, SwitchInfo};
use crate::module::Module;
use crate::outbox::{Msg, Outbox};
use crate::switch::Version;

/// `[l2_learning]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct L2LearningConfig {
    /// Run at all.
    pub enabled: bool,
    /// Switches to run on (names from `[switches]` or datapath ids); default all.
    pub switches: Option<Vec<Spanned<SwitchRef>>>,
    /// Idle timeout of learned flows, seconds (0 = none).
    pub idle_timeout: u16,
    /// Hard timeout of learned flows, seconds (0 = none).
    pub hard_timeout: u16,
    /// Priority of learned flows.
    pub priority: u16,
    /// Cookie on every flow this module installs (1.3 deletes are scoped by it).
    pub cookie: u64,
    /// What learned flows match on.
    pub flow_match: FlowMatch,
    /// MACs remembered per switch; new ones beyond it are not learned.
    pub max_macs: usize,
    /// A MAC not seen for this long is forgotten (and flooded to again).
    pub mac_age_secs: u64,
}

impl Default for L2LearningConfig {
    fn default() -> Self {
        L2LearningConfig {
            enabled: true,
            switches: None,
            idle_timeout: 60,
            hard_timeout: 0,
            priority: 0x1000,
            cookie: 0x4c32,
            flow_match: FlowMatch::InPortSrcDst,
            max_macs: 65536,
            mac_age_secs: 300,
        }
    }
}

/// What a learned flow matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowMatch {
    /// in_port + eth_src + eth_dst (Ryu's simple_switch): new sources still reach the
    /// controller and get learned.
    InPortSrcDst,
    /// eth_dst only: fewer flows, but a source is learned only from flooded traffic.
    Dst,
}

#[derive(Debug, Clone, Copy)]
struct Learned {
    port: u32,
    seen: Instant,
}

#[derive(Debug)]
struct SwitchState {
    version: Version,
    /// Keyed by MACs from the network: a fast hasher, randomly seeded.
    macs: HashMap<MacAddr, Learned, foldhash::fast::RandomState>,
    /// When a full table was last swept for aged entries: a sweep is O(table), so a
    /// flood of new MACs into a full table must not trigger one per packet.
    last_sweep: Option<Instant>,
}

/// Minimum time between two sweeps of a full MAC table.
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);

/// Batch id of the table-miss flow sent at connect.
const TABLE_MISS_BATCH: u64 = 1;

/// The module.
#[derive(Debug)]
pub struct L2Learning {
    config: L2LearningConfig,
    /// Looked up twice per packet-in: a fast hasher (the keys are our switches').
    switches: HashMap<DatapathId, SwitchState, foldhash::fast::RandomState>,
    /// MACs not learned because a table was full (logged when it first happens).
    pub not_learned: u64,
}

impl L2Learning {
    /// A module with no switches yet.
    pub fn new(config: L2LearningConfig) -> Self {
        L2Learning {
            config,
            switches: HashMap::default(),
            not_learned: 0,
        }
    }

    /// The port `mac` was learned on at `dpid`, if still fresh at `now`.
    pub fn lookup(&self, now: Instant, dpid: DatapathId, mac: MacAddr) -> Option<u32> {
        let l = self.switches.get(&dpid)?.macs.get(&mac)?;
        (now.saturating_duration_since(l.seen) < self.mac_age()).then_some(l.port)
    }

    fn mac_age(&self) -> Duration {
        Duration::from_secs(self.config.mac_age_secs)
    }

    /// Deletes scoped to this module's flows where the version allows (1.3 cookie mask;
    /// 1.0 has none, so there the match and out_port alone scope them).
    fn delete(&self, version: Version, match_: Match, out_port: Option<u32>) -> FlowMod {
        let mut fm = FlowMod::delete(match_);
        fm.out_port = out_port.map(PortNo::Number);
        if version == Version::Of13 {
            fm.cookie = self.config.cookie;
            fm.cookie_mask = u64::MAX;
        }
        fm
    }

    fn switch_up(&mut self, info: &SwitchInfo, out: &mut Outbox) {
        let dpid = info.id.dpid;
        self.switches.insert(
            dpid,
            SwitchState {
                version: info.version,
                macs: HashMap::default(),
                last_sweep: None,
            },
        );
        if info.version == Version::Of13 {
            // Stale flows of an earlier session would point at ports we no longer
            // believe in; remove ours before adding the table-miss flow.
            let clear = self.delete(info.version, Match::default(), None);
            let mut miss = FlowMod::add(
                Match::default(),
                vec![Action::Output {
                    port: PortNo::Controller,
                    max_len: 0xffff,
                }],
                0,
            );
            miss.cookie = self.config.cookie;
            out.confirmed(
                dpid,
                TABLE_MISS_BATCH,
                vec![Msg::FlowMod(clear), Msg::FlowMod(miss)],
            );
        }
    }

    fn packet_in(&mut self, now: Instant, pi: &PacketIn, out: &mut Outbox) {
        let dpid = pi.switch.dpid;
        let Some((dst, src, ethertype)) = pi.ethernet() else {
            debug!(switch = %pi.switch, len = pi.data.len(), "packet-in too short for Ethernet");
            return;
        };
        // Link-local control frames (STP, LLDP, LACP: 01:80:c2:00:00:0x) are never forwarded.
        if ethertype == 0x88cc || dst.0[..5] == [0x01, 0x80, 0xc2, 0x00, 0x00] {
            return;
        }
        let max_macs = self.config.max_macs;
        let age = self.mac_age();
        let Some(sw) = self.switches.get_mut(&dpid) else {
            return;
        };
        let version = sw.version;
        let mut moved_from = None;
        if !src.is_multicast() {
            match sw.macs.get_mut(&src) {
                Some(l) => {
                    if l.port != pi.in_port {
                        moved_from = Some(l.port);
                        l.port = pi.in_port;
                    }
                    l.seen = now;
                }
                None => {
                    let sweep_due = sw
                        .last_sweep
                        .is_none_or(|t| now.saturating_duration_since(t) >= SWEEP_INTERVAL);
                    if sw.macs.len() >= max_macs && sweep_due {
                        sw.macs
                            .retain(|_, l| now.saturating_duration_since(l.seen) < age);
                        sw.last_sweep = Some(now);
                    }
                    if sw.macs.len() < max_macs {
                        let learned = Learned {
                            port: pi.in_port,
                            seen: now,
                        };
                        sw.macs.insert(src, learned);
                        debug!(switch = %pi.switch, mac = %src, port = pi.in_port, "learned");
                    } else {
                        if self.not_learned == 0 {
                            warn!(switch = %pi.switch, max_macs, "MAC table full, not learning");
                        }
                        self.not_learned += 1;
                    }
                }
            }
        }
        if let Some(old) = moved_from {
            info!(switch = %pi.switch, mac = %src, from = old, to = pi.in_port, "host moved");
            let toward = Match {
                eth_dst: Some(Masked::exact(src)),
                ..Match::default()
            };
            out.flow_mod(dpid, self.delete(version, toward, None));
        }
        let out_port = if dst.is_multicast() {
            None
        } else {
            self.lookup(now, dpid, dst)
        };
        match out_port {
            // The destination is behind the port the frame came from: nothing to do.
            Some(port) if port == pi.in_port => {}
            Some(port) => {
                let match_ = match self.config.flow_match {
                    FlowMatch::InPortSrcDst => Match {
                        in_port: Some(pi.in_port),
                        eth_src: Some(Masked::exact(src)),
                        eth_dst: Some(Masked::exact(dst)),
                        ..Match::default()
                    },
                    FlowMatch::Dst => Match {
                        eth_dst: Some(Masked::exact(dst)),
                        ..Match::default()
                    },
                };
                let action = Action::Output {
                    port: PortNo::Number(port),
                    max_len: 0,
                };
                let mut fm = FlowMod::add(match_, vec![action.clone()], self.config.priority);
                fm.idle_timeout = self.config.idle_timeout;
                fm.hard_timeout = self.config.hard_timeout;
                fm.cookie = self.config.cookie;
                // A buffered packet is released by the flow-mod itself.
                fm.buffer_id = pi.buffer_id;
                out.flow_mod(dpid, fm);
                if pi.buffer_id.is_none() {
                    out.packet_out(dpid, packet_out(pi, action));
                }
            }
            None => {
                let flood = Action::Output {
                    port: PortNo::Flood,
                    max_len: 0,
                };
                out.packet_out(dpid, packet_out(pi, flood));
            }
        }
    }

    fn port_status(&mut self, ps: &PortStatus, out: &mut Outbox) {
        if ps.reason != PortReason::Delete && ps.port.is_up() {
            return;
        }
        let dpid = ps.switch.dpid;
        let Some(sw) = self.switches.get_mut(&dpid) else {
            return;
        };
        let port = ps.port.port_no;
        let before = sw.macs.len();
        sw.macs.retain(|_, l| l.port != port);
        let version = sw.version;
        info!(switch = %ps.switch, port, forgotten = before - sw.macs.len(), "port down, forgetting MACs");
        out.flow_mod(dpid, self.delete(version, Match::default(), Some(port)));
        let from = Match {
            in_port: Some(port),
            ..Match::default()
        };
        out.flow_mod(dpid, self.delete(version, from, None));
    }
}

fn packet_out(pi: &PacketIn, action: Action) -> PacketOut {
    PacketOut {
        buffer_id: pi.buffer_id,
        in_port: Some(PortNo::Number(pi.in_port)),
        actions: vec![action],
        data: if pi.buffer_id.is_some() {
            bytes::Bytes::new()
        } else {
            pi.data.clone()
        },
    }
}

impl Module for L2Learning {
    fn name(&self) -> &'static str {
        "l2_learning"
    }

    /// MAC tables are per switch and nothing is shared: each switch runs its own instance
    /// inside its task, answering packet-ins without a hop to another task.
    fn per_switch(&self) -> Option<Box<dyn Module>> {
        Some(Box::new(L2Learning::new(self.config.clone())))
    }

    fn handle(&mut self, now: Instant, ev: &Event, out: &mut Outbox) {
        match ev {
            Event::SwitchUp { info, .. } => self.switch_up(info, out),
            Event::SwitchDown { switch, .. } => {
                self.switches.remove(&switch.dpid);
            }
            Event::PacketIn(pi) => self.packet_in(now, pi, out),
            Event::PortStatus(ps) => self.port_status(ps, out),
            Event::BatchResult(r) => {
                if let Err(e) = &r.result {
                    warn!(switch = %r.switch, batch = ?r.batch, error = %e, "flow programming failed");
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
#[path = "l2_learning_tests.rs"]
mod tests;
