//! Connected switches, their ports, and when each port is due for its next probe.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use proto::{DatapathId, MacAddr};

use super::{PortRef, PortUpdate, SwitchPort, OFPP_MAX};

/// One port and its probe schedule.
#[derive(Debug, Clone)]
pub(super) struct Port {
    pub(super) desc: SwitchPort,
    /// When to probe next; `None` while the port is down.
    next_probe: Option<Instant>,
}

/// A connected switch.
#[derive(Debug, Clone, Default)]
pub(super) struct Switch {
    pub(super) ports: BTreeMap<u32, Port>,
}

/// What a port update changed.
#[derive(Debug, Clone, Copy)]
pub(super) struct PortChange {
    pub(super) port: u32,
    pub(super) was_live: bool,
    pub(super) is_live: bool,
}

/// The switches currently connected.
#[derive(Debug, Default)]
pub(super) struct Graph {
    switches: BTreeMap<DatapathId, Switch>,
}

/// Reserved ports (LOCAL, CONTROLLER...) are not part of the topology.
fn is_physical(port: u32) -> bool {
    (1..=OFPP_MAX).contains(&port)
}

fn port_entry(now: Instant, desc: &SwitchPort) -> Port {
    Port {
        desc: desc.clone(),
        // A port that comes up is probed at once, so links appear without waiting an interval.
        next_probe: desc.live.then_some(now),
    }
}

impl Graph {
    pub(super) fn contains(&self, dpid: DatapathId) -> bool {
        self.switches.contains_key(&dpid)
    }

    pub(super) fn dpids(&self) -> impl Iterator<Item = DatapathId> + '_ {
        self.switches.keys().copied()
    }

    pub(super) fn switches(&self) -> impl Iterator<Item = (DatapathId, &Switch)> + '_ {
        self.switches.iter().map(|(d, s)| (*d, s))
    }

    pub(super) fn switch_up(&mut self, now: Instant, dpid: DatapathId, ports: &[SwitchPort]) {
        let ports = ports
            .iter()
            .filter(|p| is_physical(p.number))
            .map(|p| (p.number, port_entry(now, p)))
            .collect();
        self.switches.insert(dpid, Switch { ports });
    }

    /// False if the switch was not connected.
    pub(super) fn switch_down(&mut self, dpid: DatapathId) -> bool {
        self.switches.remove(&dpid).is_some()
    }

    /// Apply a port-status; `None` when the switch is unknown or the port is reserved.
    pub(super) fn port_update(
        &mut self,
        now: Instant,
        dpid: DatapathId,
        update: &PortUpdate,
    ) -> Option<PortChange> {
        let switch = self.switches.get_mut(&dpid)?;
        match update {
            PortUpdate::Deleted(number) => {
                let old = switch.ports.remove(number)?;
                Some(PortChange {
                    port: *number,
                    was_live: old.desc.live,
                    is_live: false,
                })
            }
            PortUpdate::Changed(desc) => {
                if !is_physical(desc.number) {
                    return None;
                }
                let was_live = switch.ports.get(&desc.number).is_some_and(|p| p.desc.live);
                let entry = switch
                    .ports
                    .entry(desc.number)
                    .or_insert_with(|| port_entry(now, desc));
                entry.desc = desc.clone();
                entry.next_probe = match (was_live, desc.live) {
                    (_, false) => None,
                    (false, true) => Some(now),
                    (true, true) => entry.next_probe,
                };
                Some(PortChange {
                    port: desc.number,
                    was_live,
                    is_live: desc.live,
                })
            }
        }
    }

    pub(super) fn has_port(&self, at: PortRef) -> bool {
        self.switches
            .get(&at.dpid)
            .is_some_and(|s| s.ports.contains_key(&at.port))
    }

    pub(super) fn is_live(&self, at: PortRef) -> bool {
        self.switches
            .get(&at.dpid)
            .and_then(|s| s.ports.get(&at.port))
            .is_some_and(|p| p.desc.live)
    }

    /// Probe a live port at the next poll.
    pub(super) fn probe_now(&mut self, at: PortRef, now: Instant) {
        if let Some(port) = self
            .switches
            .get_mut(&at.dpid)
            .and_then(|s| s.ports.get_mut(&at.port))
        {
            if port.desc.live {
                port.next_probe = Some(now);
            }
        }
    }

    /// Ports whose probe is due, with the MAC to send from; reschedules them.
    pub(super) fn due_probes(
        &mut self,
        now: Instant,
        interval: Duration,
    ) -> Vec<(PortRef, MacAddr)> {
        let mut due = Vec::new();
        for (dpid, switch) in &mut self.switches {
            for (number, port) in &mut switch.ports {
                if port.next_probe.is_some_and(|t| t <= now) {
                    // Past the end of time means never again (only reachable with absurd configs).
                    port.next_probe = now.checked_add(interval);
                    due.push((PortRef::new(*dpid, *number), port.desc.hw_addr));
                }
            }
        }
        due
    }

    pub(super) fn next_probe(&self) -> Option<Instant> {
        self.switches
            .values()
            .flat_map(|s| s.ports.values())
            .filter_map(|p| p.next_probe)
            .min()
    }
}
