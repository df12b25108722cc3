//! What a tap asks of one switch: the input of the compositor.
//!
//! The tap module plans a tap over the network ([`super::plan`]) and hands each switch on
//! the way its [`SwitchTap`]: on the source switch a [`TapRule::Source`] (copy this port's
//! traffic, here or tagged towards an uplink), on each transit switch a
//! [`TapRule::Transit`], on the monitor switch a [`TapRule::Deliver`].

use proto::flow::{Action, Match, PortNo};
use serde::{Deserialize, Serialize};

use crate::switch::Version;

/// A tap's id: the owner id in its flows' cookies (48 bits).
pub type TapId = u64;

/// Which traffic of the source port is copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// What the port receives (the attached host sends).
    Ingress,
    /// What the switch sends out of the port.
    Egress,
    /// Both.
    Both,
}

impl Direction {
    /// Copies what the port receives.
    pub fn ingress(self) -> bool {
        matches!(self, Direction::Ingress | Direction::Both)
    }

    /// Copies what the switch sends out of the port.
    pub fn egress(self) -> bool {
        matches!(self, Direction::Egress | Direction::Both)
    }
}

/// Where the source switch sends a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CopyTo {
    /// The monitor port is on this switch: output the copy there, as it is.
    Local {
        /// The monitor port.
        port: u32,
    },
    /// Tag the copy with the tap's VLAN and send it towards the monitor switch.
    Tagged {
        /// The tap's VLAN id.
        vlan: u16,
        /// The uplink.
        out_port: u32,
    },
}

impl CopyTo {
    /// The actions that emit the copy and leave the packet as it was (the forwarding
    /// actions may follow, on OF1.3 in the next table). OF1.0's `mod_vlan_vid` adds a tag
    /// to an untagged frame; OF1.3 pushes one, and pops it again.
    pub fn actions(self, version: Version) -> Vec<Action> {
        let out = |port| Action::Output {
            port: PortNo::Number(port),
            max_len: 0,
        };
        match (self, version) {
            (CopyTo::Local { port }, _) => vec![out(port)],
            (CopyTo::Tagged { vlan, out_port }, Version::Of10) => {
                vec![Action::SetVlanVid(vlan), out(out_port), Action::PopVlan]
            }
            (CopyTo::Tagged { vlan, out_port }, Version::Of13) => vec![
                Action::PushVlan(0x8100),
                Action::SetVlanVid(vlan),
                out(out_port),
                Action::PopVlan,
            ],
        }
    }
}

/// One tap's part on one switch.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TapRule {
    /// Copy the traffic of `port` (narrowed by `filter`) to `copy`.
    Source {
        /// The tapped port.
        port: u32,
        /// Which traffic.
        direction: Direction,
        /// Only packets matching this (empty: all).
        filter: Match,
        /// Where the copy goes.
        copy: CopyTo,
    },
    /// Pass tagged copies arriving on `in_port` on towards `out_port`.
    Transit {
        /// From the previous switch.
        in_port: u32,
        /// The tap's VLAN.
        vlan: u16,
        /// Towards the next switch.
        out_port: u32,
    },
    /// Untag copies arriving on `in_port` and output them on the monitor `port`.
    Deliver {
        /// From the previous switch.
        in_port: u32,
        /// The tap's VLAN.
        vlan: u16,
        /// The monitor port.
        port: u32,
    },
}

impl TapRule {
    /// The monitor port this rule outputs to on this switch, if any.
    pub fn monitor_port(&self) -> Option<u32> {
        match self {
            TapRule::Source {
                copy: CopyTo::Local { port },
                ..
            }
            | TapRule::Deliver { port, .. } => Some(*port),
            _ => None,
        }
    }
}

/// Everything one tap installs on one switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchTap {
    /// The tap.
    pub id: TapId,
    /// Its rules on this switch.
    pub rules: Vec<TapRule>,
    /// Hard timeout of its flows, seconds (0: until removed).
    pub hard_timeout: u16,
}

/// A change to a switch's taps, from the tap module to the switch's pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TapUpdate {
    /// Install or replace a tap's rules. `rearm`: re-send its flows even if unchanged,
    /// which restarts their hard timeout on the switch.
    Set {
        /// The tap's rules here.
        tap: SwitchTap,
        /// Restart the hard timeout.
        rearm: bool,
    },
    /// Remove a tap's flows, restoring the forwarding as it was.
    Remove(TapId),
}

/// Flow priorities the pipeline uses. Forwarding modules keep their own bands, at least
/// 16 apart and below [`TAP_SOURCE`] (OF1.0 split flows sit just above the forwarding
/// flow they decorate: one step per tap overlapping it).
pub mod priority {
    /// OF1.3 table 0: ingress copies, one step per overlapping tap above this.
    pub const TAP_SOURCE: u16 = 0x8000;
    /// Transit, delivery and monitor-port guard flows: above every forwarding flow,
    /// below the topology module's LLDP trap.
    pub const TAP_TRANSIT: u16 = 0xf000;
}
