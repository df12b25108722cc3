//! Tap path planning: from a source port to a monitor port anywhere in the network, the
//! [`SwitchTap`] each switch on the way needs, or a reason why not.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;

use proto::flow::Match;
use proto::DatapathId;

use super::rules::{CopyTo, Direction, SwitchTap, TapId, TapRule};
use crate::topology::{PortRef, TapHop, Topology};

/// What the network looks like to the planner.
pub trait Network {
    /// Is the switch connected?
    fn has_switch(&self, dpid: DatapathId) -> bool;
    /// Does the connected switch have this port?
    fn has_port(&self, at: PortRef) -> bool;
    /// Is the port used by an inter-switch link?
    fn is_link_port(&self, at: PortRef) -> bool;
    /// The way from switch `src` to port `dst` ([`Topology::path_to_port`]).
    fn path_to_port(&self, src: DatapathId, dst: PortRef) -> Option<Vec<TapHop>>;
}

/// The topology engine plus the ports the tap module saw in switch-up and port-status
/// events.
#[derive(Debug, Clone, Copy)]
pub struct TopologyNetwork<'a> {
    /// Links and paths.
    pub topology: &'a Topology,
    /// Connected switches and their ports.
    pub ports: &'a BTreeMap<DatapathId, BTreeSet<u32>>,
}

impl Network for TopologyNetwork<'_> {
    fn has_switch(&self, dpid: DatapathId) -> bool {
        self.ports.contains_key(&dpid)
    }
    fn has_port(&self, at: PortRef) -> bool {
        self.ports
            .get(&at.dpid)
            .is_some_and(|p| p.contains(&at.port))
    }
    fn is_link_port(&self, at: PortRef) -> bool {
        self.topology.switches().any(|d| d == at.dpid) && !self.topology.is_edge_port(at)
    }
    fn path_to_port(&self, src: DatapathId, dst: PortRef) -> Option<Vec<TapHop>> {
        self.topology.path_to_port(src, dst)
    }
}

/// A tap to plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TapRequest {
    /// Its id (cookie owner id).
    pub id: TapId,
    /// The tapped port.
    pub source: PortRef,
    /// Which traffic.
    pub direction: Direction,
    /// Only packets matching this.
    pub filter: Match,
    /// Where copies go.
    pub monitor: PortRef,
    /// Hard timeout of its flows, seconds (0: none).
    pub hard_timeout: u16,
}

impl TapRequest {
    /// Copies cross switches, tagged with a VLAN of their own.
    pub fn needs_vlan(&self) -> bool {
        self.source.dpid != self.monitor.dpid
    }
}

/// Why a tap cannot be installed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The switch is not connected.
    #[error("switch {0} is not connected")]
    UnknownSwitch(DatapathId),
    /// The switch has no such port.
    #[error("port {0} does not exist")]
    UnknownPort(PortRef),
    /// Copies would go back out of the port they copy.
    #[error("the monitor port {0} is the source port")]
    MonitorIsSource(PortRef),
    /// A monitor port must be a host port: copies on a link would reach the next switch.
    #[error("the monitor port {0} is an inter-switch link")]
    MonitorIsLink(PortRef),
    /// The topology has no path.
    #[error("no path from switch {from} to the monitor port {to}")]
    NoPath {
        /// Source switch.
        from: DatapathId,
        /// Monitor port.
        to: PortRef,
    },
    /// The path would send copies out of the tapped port (tapping an uplink towards the
    /// monitor), where they would be copied again.
    #[error("the path to the monitor leaves by the tapped port {0}")]
    PathUsesSourcePort(PortRef),
    /// The path visits a switch twice.
    #[error("the path to the monitor loops through switch {0}")]
    Loop(DatapathId),
    /// Every VLAN of the tap range is in use.
    #[error("no free tap VLAN in {first}..={last}")]
    NoVlan {
        /// First VLAN of the range.
        first: u16,
        /// Last VLAN of the range.
        last: u16,
    },
    /// A cross-switch tap was planned without a VLAN (a caller bug, reported not panicked).
    #[error("a tap across switches needs a VLAN")]
    VlanMissing,
}

/// Plan `req`: the rules per switch, source switch first. `vlan` is the tap's VLAN
/// ([`VlanPool`]), needed when source and monitor are on different switches.
pub fn plan(
    net: &dyn Network,
    req: &TapRequest,
    vlan: Option<u16>,
) -> Result<Vec<(DatapathId, SwitchTap)>, PlanError> {
    for at in [req.source, req.monitor] {
        if !net.has_switch(at.dpid) {
            return Err(PlanError::UnknownSwitch(at.dpid));
        }
        if !net.has_port(at) {
            return Err(PlanError::UnknownPort(at));
        }
    }
    if req.source == req.monitor {
        return Err(PlanError::MonitorIsSource(req.monitor));
    }
    if net.is_link_port(req.monitor) {
        return Err(PlanError::MonitorIsLink(req.monitor));
    }
    let tap = |rules| SwitchTap {
        id: req.id,
        rules,
        hard_timeout: req.hard_timeout,
    };
    let source = |copy| TapRule::Source {
        port: req.source.port,
        direction: req.direction,
        filter: req.filter.clone(),
        copy,
    };
    if !req.needs_vlan() {
        let copy = CopyTo::Local {
            port: req.monitor.port,
        };
        return Ok(vec![(req.source.dpid, tap(vec![source(copy)]))]);
    }
    let vlan = vlan.ok_or(PlanError::VlanMissing)?;
    let path = net
        .path_to_port(req.source.dpid, req.monitor)
        .ok_or(PlanError::NoPath {
            from: req.source.dpid,
            to: req.monitor,
        })?;
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(path.len());
    let last = path.len().saturating_sub(1);
    for (i, hop) in path.iter().enumerate() {
        if !seen.insert(hop.dpid) {
            return Err(PlanError::Loop(hop.dpid));
        }
        let rule = match (i, hop.in_port) {
            (0, _) => {
                if hop.out_port == req.source.port {
                    return Err(PlanError::PathUsesSourcePort(req.source));
                }
                source(CopyTo::Tagged {
                    vlan,
                    out_port: hop.out_port,
                })
            }
            (i, Some(in_port)) if i == last => TapRule::Deliver {
                in_port,
                vlan,
                port: hop.out_port,
            },
            (_, Some(in_port)) => TapRule::Transit {
                in_port,
                vlan,
                out_port: hop.out_port,
            },
            (_, None) => {
                return Err(PlanError::NoPath {
                    from: req.source.dpid,
                    to: req.monitor,
                })
            }
        };
        if i == last && hop.in_port == Some(req.monitor.port) {
            return Err(PlanError::MonitorIsLink(req.monitor));
        }
        out.push((hop.dpid, tap(vec![rule])));
    }
    Ok(out)
}

/// One VLAN per cross-switch tap, from the configured range.
#[derive(Debug, Clone)]
pub struct VlanPool {
    range: RangeInclusive<u16>,
    used: BTreeMap<TapId, u16>,
}

impl VlanPool {
    /// A pool over `range` (VLAN ids 1..=4094).
    pub fn new(range: RangeInclusive<u16>) -> Self {
        VlanPool {
            range,
            used: BTreeMap::new(),
        }
    }

    /// The tap's VLAN, allocating the lowest free one if it has none.
    pub fn get(&mut self, tap: TapId) -> Result<u16, PlanError> {
        if let Some(v) = self.used.get(&tap) {
            return Ok(*v);
        }
        let taken: BTreeSet<u16> = self.used.values().copied().collect();
        let v = self
            .range
            .clone()
            .find(|v| !taken.contains(v))
            .ok_or(PlanError::NoVlan {
                first: *self.range.start(),
                last: *self.range.end(),
            })?;
        self.used.insert(tap, v);
        Ok(v)
    }

    /// Give the tap's VLAN back.
    pub fn release(&mut self, tap: TapId) {
        self.used.remove(&tap);
    }
}
