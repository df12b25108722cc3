//! The version-neutral flow model ([`crate::flow`]) in OpenFlow 1.0 terms.
//!
//! - [`flow::FlowMod::to_of10`] and [`flow::PacketOut::to_of10`] encode for a 1.0 switch.
//!   Whatever 1.0 cannot express is an [`EncodeError`], never a silent approximation:
//!   group and push-VLAN actions, goto-table, a table other than 0, a cookie mask,
//!   32-bit port numbers above `OFPP_MAX`, IPv4 masks that are not prefixes, Ethernet masks,
//!   VLAN ids above 4095, DSCP above 63.
//! - `SetQueue(q)` applies to the outputs that follow it, so each later `Output` becomes
//!   `OFPAT_ENQUEUE` (port, q) (OF1.3's set-queue semantics); a `SetQueue` with no output
//!   after it is an error. An enqueue has no `max_len`, so the output's is dropped.
//! - [`Match::to_neutral`] goes the other way, for matches from flow-removed, flow stats
//!   and the like. It cannot fail; the two ECN bits of `nw_tos` are not part of the model.
//!
//! Port numbers: 1.0 ports are 16-bit. A neutral `u32` in-port up to `OFPP_MAX` (0xff00)
//! maps to itself; the 1.3 reserved range 0xffffff00..=0xffffffff maps onto 1.0's
//! 0xff00..=0xffff (OFPP_LOCAL 0xfffffffe -> 0xfffe), and back.

use std::net::Ipv4Addr;

use bytes::BytesMut;

use super::consts::*;
use super::{Action, FlowMod, FlowModCommand, Match, PacketOut, PortNo};
use crate::error::EncodeError;
use crate::flow::{self, Masked, VlanMatch};
use crate::header::{encode_message, OFP10_VERSION};
use crate::types::MacAddr;

const V: &str = "1.0";

fn unsupported(what: &'static str) -> EncodeError {
    EncodeError::Unsupported { version: V, what }
}

fn out_of_range(field: &'static str, value: u64) -> EncodeError {
    EncodeError::OutOfRange {
        version: V,
        field,
        value,
    }
}

/// 1.3-style reserved 32-bit port numbers start here.
const OFPP13_MAX: u32 = 0xffff_ff00;

/// A neutral raw 32-bit port number as a 1.0 port.
fn port_u32_to_of10(n: u32, field: &'static str) -> Result<PortNo, EncodeError> {
    if n <= u32::from(OFPP_MAX) {
        Ok(PortNo(n as u16))
    } else if n >= OFPP13_MAX {
        Ok(PortNo((n - 0xffff_0000) as u16))
    } else {
        Err(out_of_range(field, u64::from(n)))
    }
}

/// A 1.0 port as a neutral raw 32-bit number (the inverse of `port_u32_to_of10`).
fn port_of10_to_u32(p: PortNo) -> u32 {
    if p.0 <= OFPP_MAX {
        u32::from(p.0)
    } else {
        0xffff_0000 | u32::from(p.0)
    }
}

impl PortNo {
    /// A neutral port as a 1.0 port: reserved ports map by name (`Any` is `OFPP_NONE`),
    /// numbers must be at most `OFPP_MAX`.
    pub fn from_neutral(p: flow::PortNo, field: &'static str) -> Result<PortNo, EncodeError> {
        Ok(match p {
            flow::PortNo::Number(n) if n <= u32::from(OFPP_MAX) => PortNo(n as u16),
            flow::PortNo::Number(n) => return Err(out_of_range(field, u64::from(n))),
            flow::PortNo::InPort => PortNo::IN_PORT,
            flow::PortNo::Table => PortNo::TABLE,
            flow::PortNo::Normal => PortNo::NORMAL,
            flow::PortNo::Flood => PortNo::FLOOD,
            flow::PortNo::All => PortNo::ALL,
            flow::PortNo::Controller => PortNo::CONTROLLER,
            flow::PortNo::Local => PortNo::LOCAL,
            flow::PortNo::Any => PortNo::NONE,
        })
    }

    /// This port in the neutral model. Numbers between `OFPP_MAX` and the reserved ports
    /// (unused by the spec) stay numbers.
    pub fn to_neutral(self) -> flow::PortNo {
        match self {
            PortNo::IN_PORT => flow::PortNo::InPort,
            PortNo::TABLE => flow::PortNo::Table,
            PortNo::NORMAL => flow::PortNo::Normal,
            PortNo::FLOOD => flow::PortNo::Flood,
            PortNo::ALL => flow::PortNo::All,
            PortNo::CONTROLLER => flow::PortNo::Controller,
            PortNo::LOCAL => flow::PortNo::Local,
            PortNo::NONE => flow::PortNo::Any,
            PortNo(n) => flow::PortNo::Number(u32::from(n)),
        }
    }
}

/// The prefix length of a contiguous IPv4 mask, `None` if it is not a prefix.
fn prefix_len(mask: Ipv4Addr) -> Option<u8> {
    let m = u32::from(mask);
    let len = m.leading_ones();
    (m.checked_shl(len).unwrap_or(0) == 0).then_some(len as u8)
}

fn mac_exact(m: &Masked<MacAddr>) -> Result<Option<MacAddr>, EncodeError> {
    match m.mask {
        None => Ok(Some(m.value)),
        Some(MacAddr([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])) => Ok(Some(m.value)),
        Some(MacAddr([0, 0, 0, 0, 0, 0])) => Ok(None),
        Some(_) => Err(unsupported("an Ethernet address mask")),
    }
}

fn ipv4_prefix(m: &Masked<Ipv4Addr>) -> Result<(Ipv4Addr, u8), EncodeError> {
    match m.mask {
        None => Ok((m.value, 32)),
        Some(mask) => {
            let len =
                prefix_len(mask).ok_or_else(|| unsupported("an IPv4 mask that is not a prefix"))?;
            Ok((Ipv4Addr::from(u32::from(m.value) & u32::from(mask)), len))
        }
    }
}

impl Match {
    /// Encode a neutral match. Fields left `None` stay wildcarded.
    pub fn from_neutral(m: &flow::Match) -> Result<Match, EncodeError> {
        let mut o = Match::all();
        if let Some(p) = m.in_port {
            o.in_port = port_u32_to_of10(p, "in_port")?;
            o.set_wildcard(OFPFW_IN_PORT, false);
        }
        if let Some(mac) = m.eth_src.as_ref().map(mac_exact).transpose()?.flatten() {
            o.dl_src = mac;
            o.set_wildcard(OFPFW_DL_SRC, false);
        }
        if let Some(mac) = m.eth_dst.as_ref().map(mac_exact).transpose()?.flatten() {
            o.dl_dst = mac;
            o.set_wildcard(OFPFW_DL_DST, false);
        }
        if let Some(t) = m.eth_type {
            o.dl_type = t;
            o.set_wildcard(OFPFW_DL_TYPE, false);
        }
        if let Some(v) = m.vlan {
            o.dl_vlan = match v {
                VlanMatch::Untagged => OFP_VLAN_NONE,
                VlanMatch::Vid(vid) if vid <= 0x0fff => vid,
                VlanMatch::Vid(vid) => return Err(out_of_range("vlan_vid", u64::from(vid))),
            };
            o.set_wildcard(OFPFW_DL_VLAN, false);
        }
        if let Some(pcp) = m.vlan_pcp {
            if pcp > 7 {
                return Err(out_of_range("vlan_pcp", u64::from(pcp)));
            }
            o.dl_vlan_pcp = pcp;
            o.set_wildcard(OFPFW_DL_VLAN_PCP, false);
        }
        if let Some(dscp) = m.ip_dscp {
            if dscp > 63 {
                return Err(out_of_range("ip_dscp", u64::from(dscp)));
            }
            o.nw_tos = dscp << 2;
            o.set_wildcard(OFPFW_NW_TOS, false);
        }
        if let Some(p) = m.ip_proto {
            o.nw_proto = p;
            o.set_wildcard(OFPFW_NW_PROTO, false);
        }
        if let Some(src) = &m.ipv4_src {
            let (a, len) = ipv4_prefix(src)?;
            o.set_nw_src(a, len);
        }
        if let Some(dst) = &m.ipv4_dst {
            let (a, len) = ipv4_prefix(dst)?;
            o.set_nw_dst(a, len);
        }
        if let Some(p) = m.tp_src {
            o.tp_src = p;
            o.set_wildcard(OFPFW_TP_SRC, false);
        }
        if let Some(p) = m.tp_dst {
            o.tp_dst = p;
            o.set_wildcard(OFPFW_TP_DST, false);
        }
        Ok(o)
    }

    /// This match in the neutral model (for flow-removed, flow stats, ...).
    pub fn to_neutral(&self) -> flow::Match {
        let prefix = |(a, len): (Ipv4Addr, u8)| Masked {
            value: a,
            mask: (len < 32).then(|| Ipv4Addr::from(u32::MAX << (32 - u32::from(len)))),
        };
        flow::Match {
            in_port: self.in_port().map(port_of10_to_u32),
            eth_src: self.dl_src().map(Masked::exact),
            eth_dst: self.dl_dst().map(Masked::exact),
            eth_type: self.dl_type(),
            vlan: self.dl_vlan().map(|v| {
                if v == OFP_VLAN_NONE {
                    VlanMatch::Untagged
                } else {
                    VlanMatch::Vid(v)
                }
            }),
            vlan_pcp: self.dl_vlan_pcp(),
            ip_dscp: self.nw_tos().map(|t| t >> 2),
            ip_proto: self.nw_proto(),
            ipv4_src: self.nw_src().map(prefix),
            ipv4_dst: self.nw_dst().map(prefix),
            tp_src: self.tp_src(),
            tp_dst: self.tp_dst(),
        }
    }
}

impl From<&Match> for flow::Match {
    fn from(m: &Match) -> Self {
        m.to_neutral()
    }
}

/// Encode a neutral action list (see the module docs for `SetQueue`).
pub fn actions_to_of10(actions: &[flow::Action]) -> Result<Vec<Action>, EncodeError> {
    let mut out = Vec::with_capacity(actions.len());
    each_action_to_of10(actions, |a| {
        out.push(a);
        Ok(())
    })?;
    Ok(out)
}

/// Convert a neutral action list one action at a time, handing each to `f` (an encoder
/// writes them with no list in between).
fn each_action_to_of10(
    actions: &[flow::Action],
    mut f: impl FnMut(Action) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let mut queue: Option<u32> = None;
    let mut queue_used = true;
    for a in actions {
        f(match *a {
            flow::Action::Output { port, max_len } => {
                let port = PortNo::from_neutral(port, "output port")?;
                match queue {
                    Some(queue_id) => {
                        queue_used = true;
                        Action::Enqueue { port, queue_id }
                    }
                    None => Action::Output { port, max_len },
                }
            }
            flow::Action::SetQueue(q) => {
                if !queue_used {
                    return Err(unsupported("set_queue without a following output"));
                }
                queue = Some(q);
                queue_used = false;
                continue;
            }
            flow::Action::SetVlanVid(vid) if vid <= 0x0fff => Action::SetVlanVid(vid),
            flow::Action::SetVlanVid(vid) => {
                return Err(out_of_range("set_vlan_vid", u64::from(vid)))
            }
            flow::Action::SetVlanPcp(pcp) if pcp <= 7 => Action::SetVlanPcp(pcp),
            flow::Action::SetVlanPcp(pcp) => {
                return Err(out_of_range("set_vlan_pcp", u64::from(pcp)))
            }
            flow::Action::PopVlan => Action::StripVlan,
            flow::Action::PushVlan(_) => return Err(unsupported("push_vlan")),
            flow::Action::SetEthSrc(m) => Action::SetDlSrc(m),
            flow::Action::SetEthDst(m) => Action::SetDlDst(m),
            flow::Action::SetIpv4Src(a) => Action::SetNwSrc(a),
            flow::Action::SetIpv4Dst(a) => Action::SetNwDst(a),
            flow::Action::SetTpSrc(p) => Action::SetTpSrc(p),
            flow::Action::SetTpDst(p) => Action::SetTpDst(p),
            flow::Action::Group(_) => return Err(unsupported("group actions")),
        })?;
    }
    if !queue_used {
        return Err(unsupported("set_queue without a following output"));
    }
    Ok(())
}

impl flow::FlowMod {
    /// This flow-mod as an OpenFlow 1.0 `ofp_flow_mod`.
    pub fn to_of10(&self) -> Result<FlowMod, EncodeError> {
        let mut fm = self.to_of10_without_actions()?;
        fm.actions = actions_to_of10(&self.actions)?;
        Ok(fm)
    }

    /// Append this flow-mod as a whole OpenFlow 1.0 message with `xid`: the bytes of
    /// `to_of10()` encoded, without building its action list. On error nothing is added.
    pub fn encode_of10(&self, xid: u32, out: &mut BytesMut) -> Result<(), EncodeError> {
        let fm = self.to_of10_without_actions()?;
        encode_message(OFP10_VERSION, OFPT_FLOW_MOD, xid, out, |out| {
            fm.encode(out)?;
            each_action_to_of10(&self.actions, |a| a.encode(out))
        })
    }

    fn to_of10_without_actions(&self) -> Result<FlowMod, EncodeError> {
        if self.table_id != 0 {
            return Err(out_of_range("table_id", u64::from(self.table_id)));
        }
        if self.goto_table.is_some() {
            return Err(unsupported("goto_table"));
        }
        if self.cookie_mask != 0 {
            return Err(unsupported("cookie_mask"));
        }
        let command = match self.command {
            flow::Command::Add => FlowModCommand::Add,
            flow::Command::Modify => FlowModCommand::Modify,
            flow::Command::ModifyStrict => FlowModCommand::ModifyStrict,
            flow::Command::Delete => FlowModCommand::Delete,
            flow::Command::DeleteStrict => FlowModCommand::DeleteStrict,
        };
        // reset_counts is 1.3-only; a 1.0 add always starts counters at zero.
        let mut flags = 0;
        if self.flags.send_flow_rem {
            flags |= OFPFF_SEND_FLOW_REM;
        }
        if self.flags.check_overlap {
            flags |= OFPFF_CHECK_OVERLAP;
        }
        Ok(FlowMod {
            match_: Match::from_neutral(&self.match_)?,
            cookie: self.cookie,
            command,
            idle_timeout: self.idle_timeout,
            hard_timeout: self.hard_timeout,
            priority: self.priority,
            buffer_id: self.buffer_id.unwrap_or(OFP_NO_BUFFER),
            out_port: match self.out_port {
                Some(p) => PortNo::from_neutral(p, "out_port")?,
                None => PortNo::NONE,
            },
            flags,
            actions: Vec::new(),
        })
    }
}

impl flow::PacketOut {
    /// This packet-out as an OpenFlow 1.0 `ofp_packet_out` (`in_port: None` is
    /// `OFPP_CONTROLLER`, as the neutral model documents).
    pub fn to_of10(&self) -> Result<PacketOut, EncodeError> {
        Ok(PacketOut {
            buffer_id: self.buffer_id.unwrap_or(OFP_NO_BUFFER),
            in_port: match self.in_port {
                Some(p) => PortNo::from_neutral(p, "in_port")?,
                None => PortNo::CONTROLLER,
            },
            actions: actions_to_of10(&self.actions)?,
            data: self.data.clone(),
        })
    }
}

#[cfg(test)]
mod tests;
