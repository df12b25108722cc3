//! The per-switch flow pipeline: how taps compose with forwarding (issue 5).
//!
//! Forwarding modules (`patch`, `l2_learning`, `topology`) describe the flows they want as
//! if they were alone on the switch. Taps never add competing flows: every module's batch
//! passes through the switch's [`Pipeline`], which owns the table layout and adds the
//! copies. Removing a tap recomputes the tap-derived flows and applies the difference, so
//! exactly the forwarding that was there remains.
//!
//! # Layout per version
//! - **OF1.3**: table 0 is the tap stage, table 1 the forwarding stage. Table 0 has a
//!   priority-0 `goto_table:1` installed at connect. Ingress copies are table-0 flows
//!   `in_port=P,<filter> actions=<copy>,goto_table:1`, where the copy leaves the packet as
//!   it was (`push_vlan, set_field:V->vlan_vid, output:UPLINK, pop_vlan`). Egress copies
//!   decorate the forwarding flows that output to the port (split flows, below).
//! - **OF1.0** (one table): a forwarding flow whose packets a tap copies gets a *split
//!   flow*: `forwarding match ∧ in_port/filter` at its priority + 1, with the forwarding
//!   actions followed by the copy actions. The forwarding flow itself is never modified,
//!   so a timed tap's split flow carries the hard timeout and, when it expires on the
//!   switch, the untouched forwarding flow beneath takes over by itself.
//! - Several taps overlapping one flow: one split per overlapping subset, at priority +
//!   subset size, so the packets both taps want carry both copies.
//! - Copies to another switch are tagged with the tap's VLAN; each switch on the path has
//!   a `in_port=<from>,dl_vlan=V` flow above all forwarding ([`priority::TAP_TRANSIT`],
//!   OF1.3 table 0) that passes it on or, on the monitor switch, untags it and outputs it
//!   to the monitor port. Tagged copies never meet a forwarding flow.
//! - Monitor ports are output-only: a guard flow drops what they receive, and FLOOD/ALL
//!   (in forwarding flows with an in_port, and in packet-outs) become explicit outputs that
//!   skip them.
//! - Packet-outs from forwarding modules get the copies their packet would get.
//!
//! Cookies: [`cookie`]. The compositor is sans-IO and version-aware; the switch's driver
//! feeds it. Its limits: copies see the packet after forwarding actions that rewrite it
//! (ingress copies included); OF1.0 copies of tagged frames carry the tap VLAN in place of
//! theirs.

mod base;
pub mod compose;
pub mod cookie;
pub mod derive;
pub mod matching;
pub mod plan;
pub mod rules;

#[cfg(test)]
pub(crate) mod fake_table;
#[cfg(test)]
mod tests;

pub use compose::Pipeline;
pub use rules::{priority, CopyTo, Direction, SwitchTap, TapId, TapRule, TapUpdate};
