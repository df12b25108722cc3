//! Statistics read from a switch on demand: flow stats and port stats, in a
//! version-neutral form.
//!
//! A caller (the REST API, the port-stats poller) sends
//! [`super::handle::Command::Stats`] through a [`super::handle::SwitchHandle`] and awaits
//! the answer; the [`super::session::Session`] sends OFPT_STATS_REQUEST (1.0) or
//! OFPT_MULTIPART_REQUEST (1.3), joins the replies carrying the request's xid until one
//! comes without OFPSF_REPLY_MORE / OFPMPF_REPLY_MORE, and answers with a
//! [`StatsReply`] or a typed [`StatsError`]: the switch refused (an ERROR with that xid),
//! a reply did not decode, no complete answer in time, or the connection ended.
//!
//! This file also holds the conversions from each version's stats bodies to the neutral
//! types (the only version-specific code for statistics).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use proto::flow::{self, Action};
use proto::{of10, of13, DecodeError, EncodeError};
use tokio::sync::oneshot;

use crate::event::OfError;

/// What to ask a switch for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsRequest {
    /// Every flow of every table (OFPST_FLOW / OFPMP_FLOW, all wildcards).
    Flows,
    /// Counters of every port (OFPST_PORT / OFPMP_PORT_STATS, OFPP_NONE / OFPP_ANY).
    Ports,
}

impl StatsRequest {
    /// The request's OpenFlow name for `version`, for errors.
    pub fn type_name(self, version: super::Version) -> &'static str {
        match (self, version) {
            (StatsRequest::Flows, super::Version::Of10) => "OFPST_FLOW request",
            (StatsRequest::Ports, super::Version::Of10) => "OFPST_PORT request",
            (StatsRequest::Flows, super::Version::Of13) => "OFPMP_FLOW request",
            (StatsRequest::Ports, super::Version::Of13) => "OFPMP_PORT_STATS request",
        }
    }
}

/// A complete (reassembled) answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsReply {
    /// Flow entries, in the order the switch sent them.
    Flows(Vec<FlowStat>),
    /// Port counters.
    Ports(Vec<PortStat>),
}

impl StatsReply {
    /// An empty answer of the kind `request` asks for.
    pub fn empty(request: StatsRequest) -> Self {
        match request {
            StatsRequest::Flows => StatsReply::Flows(Vec::new()),
            StatsRequest::Ports => StatsReply::Ports(Vec::new()),
        }
    }

    /// Entries so far.
    pub fn len(&self) -> usize {
        match self {
            StatsReply::Flows(v) => v.len(),
            StatsReply::Ports(v) => v.len(),
        }
    }

    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Add a reply part's entries (OF1.0 stats and OF1.3 multipart parts alike); `Err`
    /// when the part is of another kind.
    fn append(&mut self, part: StatsReply) -> Result<(), ()> {
        fn extend<T>(acc: &mut Vec<T>, v: Vec<T>) -> Result<(), ()> {
            acc.extend(v);
            Ok(())
        }
        match (self, part) {
            (StatsReply::Flows(acc), StatsReply::Flows(v)) => extend(acc, v),
            (StatsReply::Ports(acc), StatsReply::Ports(v)) => extend(acc, v),
            _ => Err(()),
        }
    }
}

/// Why a statistics request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    /// No switch with that datapath id is connected (or its handshake is not done).
    #[error("switch not connected")]
    NotConnected,
    /// The connection ended before the answer was complete.
    #[error("switch disconnected before answering the {msg_type}")]
    Disconnected {
        /// The request.
        msg_type: &'static str,
    },
    /// The complete answer did not arrive in time.
    #[error("no complete answer to the {msg_type} within {timeout:?} ({parts} parts received)")]
    Timeout {
        /// The request.
        msg_type: &'static str,
        /// How long we waited.
        timeout: Duration,
        /// Reply messages received before giving up.
        parts: usize,
    },
    /// The switch answered with an ERROR.
    #[error("switch refused the {msg_type}: {error}")]
    Refused {
        /// The request.
        msg_type: &'static str,
        /// The error.
        error: OfError,
    },
    /// A reply part did not decode.
    #[error("undecodable reply to the {msg_type}: {error}")]
    Decode {
        /// The request.
        msg_type: &'static str,
        /// Where and what.
        error: DecodeError,
    },
    /// The request could not be encoded for this switch (a bug, never input).
    #[error("cannot encode the statistics request: {0}")]
    Encode(EncodeError),
    /// A reply with the request's xid was of another statistics type.
    #[error("the switch answered the {msg_type} with another statistics type")]
    WrongReply {
        /// The request.
        msg_type: &'static str,
    },
    /// The answer grew past [`MAX_ENTRIES`]; the rest was not kept.
    #[error("the {msg_type} answer has more than {max} entries")]
    TooLarge {
        /// The request.
        msg_type: &'static str,
        /// The limit.
        max: usize,
    },
}

/// Most entries one answer may collect (a switch's full table of a million flows would
/// otherwise be held in the controller's memory at once).
pub const MAX_ENTRIES: usize = 200_000;

/// One part of a flow's actions, in order: a neutral action, or the ovs-ofctl text of
/// something the neutral model does not express (`goto_table:1`, `write_actions(...)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowAction {
    /// An action of the neutral model.
    Neutral(Action),
    /// Anything else, as ovs-ofctl would show it.
    Text(String),
}

/// One flow entry as a flow-stats reply reported it, version-neutral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowStat {
    /// Table.
    pub table_id: u8,
    /// Seconds alive.
    pub duration_sec: u32,
    /// Priority.
    pub priority: u16,
    /// Idle timeout.
    pub idle_timeout: u16,
    /// Hard timeout.
    pub hard_timeout: u16,
    /// Cookie.
    pub cookie: u64,
    /// Packets.
    pub packet_count: u64,
    /// Bytes.
    pub byte_count: u64,
    /// Match (fields outside the neutral model are dropped; see `proto::of13::neutral`).
    pub match_: flow::Match,
    /// Actions and (1.3) instructions, in order.
    pub actions: Vec<FlowAction>,
}

/// One port's counters (`ofp_port_stats`). A counter the switch does not keep is all ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PortStat {
    /// Port number (1.0 numbers widened; OFPP_LOCAL stays 0xfffe on 1.0).
    pub port_no: u32,
    /// Received packets.
    pub rx_packets: u64,
    /// Transmitted packets.
    pub tx_packets: u64,
    /// Received bytes.
    pub rx_bytes: u64,
    /// Transmitted bytes.
    pub tx_bytes: u64,
    /// Dropped on receive.
    pub rx_dropped: u64,
    /// Dropped on transmit.
    pub tx_dropped: u64,
    /// Receive errors.
    pub rx_errors: u64,
    /// Transmit errors.
    pub tx_errors: u64,
}

/// Where an answer goes.
pub type StatsResult = Result<StatsReply, StatsError>;

/// A request waiting for its (last) reply.
#[derive(Debug)]
struct Pending {
    msg_type: &'static str,
    deadline: Instant,
    timeout: Duration,
    parts: usize,
    acc: StatsReply,
    reply: oneshot::Sender<StatsResult>,
}

/// The session's outstanding statistics requests, by xid (sans-IO: time is a parameter;
/// answers go to each requester's oneshot, which works without a runtime).
#[derive(Debug, Default)]
pub struct StatsTable {
    pending: HashMap<u32, Pending>,
}

impl StatsTable {
    /// Remember a request sent with `xid`.
    pub fn insert(
        &mut self,
        xid: u32,
        request: StatsRequest,
        msg_type: &'static str,
        deadline: (Instant, Duration),
        reply: oneshot::Sender<StatsResult>,
    ) {
        let pending = Pending {
            msg_type,
            deadline: deadline.0 + deadline.1,
            timeout: deadline.1,
            parts: 0,
            acc: StatsReply::empty(request),
            reply,
        };
        self.pending.insert(xid, pending);
    }

    /// True if `xid` is an outstanding request.
    pub fn contains(&self, xid: u32) -> bool {
        self.pending.contains_key(&xid)
    }

    /// Outstanding requests.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// None outstanding.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// One reply part for `xid`; the last one (`more` false) answers the requester.
    /// Returns false if no request has that xid (a late part after a timeout).
    pub fn part(&mut self, xid: u32, part: StatsReply, more: bool) -> bool {
        let Some(p) = self.pending.get_mut(&xid) else {
            return false;
        };
        p.parts += 1;
        let fits = p.acc.append(part).map_err(|()| StatsError::WrongReply {
            msg_type: p.msg_type,
        });
        let outcome = match fits {
            Err(e) => Some(Err(e)),
            Ok(()) if p.acc.len() > MAX_ENTRIES => Some(Err(StatsError::TooLarge {
                msg_type: p.msg_type,
                max: MAX_ENTRIES,
            })),
            Ok(()) if !more => None,
            Ok(()) => return true,
        };
        if let Some(p) = self.pending.remove(&xid) {
            let result = match outcome {
                Some(e) => e,
                None => Ok(p.acc),
            };
            // The requester may have given up (its HTTP client went away): nothing to do.
            let _ = p.reply.send(result);
        }
        true
    }

    /// Fail `xid` with what `error` makes of its request name; false if unknown.
    pub fn fail(&mut self, xid: u32, error: impl FnOnce(&'static str) -> StatsError) -> bool {
        match self.pending.remove(&xid) {
            Some(p) => {
                let _ = p.reply.send(Err(error(p.msg_type)));
                true
            }
            None => false,
        }
    }

    /// Fail every request (the connection ended).
    pub fn fail_all(&mut self) {
        for (_, p) in self.pending.drain() {
            let _ = p.reply.send(Err(StatsError::Disconnected {
                msg_type: p.msg_type,
            }));
        }
    }

    /// The earliest deadline.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.pending.values().map(|p| p.deadline).min()
    }

    /// Answer every request whose deadline passed with [`StatsError::Timeout`].
    pub fn expire(&mut self, now: Instant) {
        let late: Vec<u32> = self
            .pending
            .iter()
            .filter(|(_, p)| p.deadline <= now)
            .map(|(x, _)| *x)
            .collect();
        for xid in late {
            if let Some(p) = self.pending.remove(&xid) {
                let _ = p.reply.send(Err(StatsError::Timeout {
                    msg_type: p.msg_type,
                    timeout: p.timeout,
                    parts: p.parts,
                }));
            }
        }
    }
}

/// A [`FlowStat`] from an OF1.0 or OF1.3 flow-stats entry `$f` (the fields both name
/// alike), with the version's own match and actions.
macro_rules! flow_stat {
    ($f:expr, $match_:expr, $actions:expr) => {
        FlowStat {
            table_id: $f.table_id,
            duration_sec: $f.duration_sec,
            priority: $f.priority,
            idle_timeout: $f.idle_timeout,
            hard_timeout: $f.hard_timeout,
            cookie: $f.cookie,
            packet_count: $f.packet_count,
            byte_count: $f.byte_count,
            match_: $match_,
            actions: $actions,
        }
    };
}

/// A [`PortStat`] from an OF1.0 or OF1.3 port-stats entry `$p`, with its port number.
macro_rules! port_stat {
    ($p:expr, $port_no:expr) => {
        PortStat {
            port_no: $port_no,
            rx_packets: $p.rx_packets,
            tx_packets: $p.tx_packets,
            rx_bytes: $p.rx_bytes,
            tx_bytes: $p.tx_bytes,
            rx_dropped: $p.rx_dropped,
            tx_dropped: $p.tx_dropped,
            rx_errors: $p.rx_errors,
            tx_errors: $p.tx_errors,
        }
    };
}

// ---- OpenFlow 1.0 ----

/// An OF1.0 flow-stats entry, neutral.
pub fn flow_from_of10(f: &of10::FlowStats) -> FlowStat {
    flow_stat!(
        f,
        flow::Match::from(&f.match_),
        f.actions.iter().map(action_from_of10).collect()
    )
}

fn action_from_of10(a: &of10::Action) -> FlowAction {
    use of10::Action as A;
    let n = match a {
        A::Output { port, max_len } => Action::Output {
            port: port.to_neutral(),
            max_len: *max_len,
        },
        A::SetVlanVid(v) => Action::SetVlanVid(*v),
        A::SetVlanPcp(p) => Action::SetVlanPcp(*p),
        A::StripVlan => Action::PopVlan,
        A::SetDlSrc(m) => Action::SetEthSrc(*m),
        A::SetDlDst(m) => Action::SetEthDst(*m),
        A::SetNwSrc(ip) => Action::SetIpv4Src(*ip),
        A::SetNwDst(ip) => Action::SetIpv4Dst(*ip),
        A::SetTpSrc(p) => Action::SetTpSrc(*p),
        A::SetTpDst(p) => Action::SetTpDst(*p),
        A::SetNwTos(t) => return FlowAction::Text(format!("mod_nw_tos:{t}")),
        A::Enqueue { port, queue_id } => {
            return FlowAction::Text(format!("enqueue:{}:{queue_id}", port.0))
        }
        A::Vendor { vendor, .. } => return FlowAction::Text(format!("vendor:{vendor:#x}")),
        A::Unknown { ty, .. } => return FlowAction::Text(format!("unknown_action:{ty}")),
    };
    FlowAction::Neutral(n)
}

/// An OF1.0 port-stats entry, neutral.
pub fn port_from_of10(p: &of10::PortStats) -> PortStat {
    port_stat!(p, u32::from(p.port_no.0))
}

// ---- OpenFlow 1.3 ----

/// An OF1.3 flow-stats entry, neutral.
pub fn flow_from_of13(f: &of13::FlowStats) -> FlowStat {
    let mut actions = Vec::new();
    for i in &f.instructions {
        use of13::instruction::Instruction as I;
        match i {
            I::ApplyActions(list) => actions.extend(list.iter().map(action_from_of13)),
            I::GotoTable { table_id } => {
                actions.push(FlowAction::Text(format!("goto_table:{table_id}")))
            }
            I::WriteActions(list) => {
                let inner: Vec<FlowAction> = list.iter().map(action_from_of13).collect();
                actions.push(FlowAction::Text(format!(
                    "write_actions({})",
                    format_actions(&inner)
                )))
            }
            I::ClearActions => actions.push(FlowAction::Text("clear_actions".into())),
            I::Meter { meter_id } => actions.push(FlowAction::Text(format!("meter:{meter_id}"))),
            I::WriteMetadata {
                metadata,
                metadata_mask,
            } => actions.push(FlowAction::Text(format!(
                "write_metadata:{metadata:#x}/{metadata_mask:#x}"
            ))),
            I::Experimenter { experimenter, .. } => actions.push(FlowAction::Text(format!(
                "experimenter_instruction:{experimenter:#x}"
            ))),
            I::Unknown { ty, .. } => {
                actions.push(FlowAction::Text(format!("unknown_instruction:{ty}")))
            }
        }
    }
    flow_stat!(f, flow::Match::from(&f.match_), actions)
}

fn action_from_of13(a: &of13::action::Action) -> FlowAction {
    use of13::action::Action as A;
    use of13::oxm::Oxm;
    /// OFPVID_PRESENT: set on every VLAN id written by set-field.
    const VID_PRESENT: u16 = 0x1000;
    let n = match a {
        A::Output { port, max_len } => Action::Output {
            port: flow::PortNo::from_of13(*port),
            max_len: *max_len,
        },
        A::PopVlan => Action::PopVlan,
        A::PushVlan { ethertype } => Action::PushVlan(*ethertype),
        A::Group { group_id } => Action::Group(*group_id),
        A::SetQueue { queue_id } => Action::SetQueue(*queue_id),
        A::SetField(oxm) => match oxm {
            Oxm::VlanVid(m) if m.mask.is_none() => Action::SetVlanVid(m.value & !VID_PRESENT),
            Oxm::VlanPcp(m) if m.mask.is_none() => Action::SetVlanPcp(m.value),
            Oxm::EthSrc(m) if m.mask.is_none() => Action::SetEthSrc(m.value),
            Oxm::EthDst(m) if m.mask.is_none() => Action::SetEthDst(m.value),
            Oxm::Ipv4Src(m) if m.mask.is_none() => Action::SetIpv4Src(m.value),
            Oxm::Ipv4Dst(m) if m.mask.is_none() => Action::SetIpv4Dst(m.value),
            Oxm::TcpSrc(m) | Oxm::UdpSrc(m) | Oxm::SctpSrc(m) if m.mask.is_none() => {
                Action::SetTpSrc(m.value)
            }
            Oxm::TcpDst(m) | Oxm::UdpDst(m) | Oxm::SctpDst(m) if m.mask.is_none() => {
                Action::SetTpDst(m.value)
            }
            other => return FlowAction::Text(format!("set_field:->{}", other.name())),
        },
        A::CopyTtlOut => return FlowAction::Text("copy_ttl_out".into()),
        A::CopyTtlIn => return FlowAction::Text("copy_ttl_in".into()),
        A::SetMplsTtl { mpls_ttl } => return FlowAction::Text(format!("set_mpls_ttl:{mpls_ttl}")),
        A::DecMplsTtl => return FlowAction::Text("dec_mpls_ttl".into()),
        A::PushMpls { ethertype } => {
            return FlowAction::Text(format!("push_mpls:0x{ethertype:04x}"))
        }
        A::PopMpls { ethertype } => return FlowAction::Text(format!("pop_mpls:0x{ethertype:04x}")),
        A::SetNwTtl { nw_ttl } => return FlowAction::Text(format!("mod_nw_ttl:{nw_ttl}")),
        A::DecNwTtl => return FlowAction::Text("dec_ttl".into()),
        A::PushPbb { ethertype } => return FlowAction::Text(format!("push_pbb:0x{ethertype:04x}")),
        A::PopPbb => return FlowAction::Text("pop_pbb".into()),
        A::Experimenter { experimenter, .. } => {
            return FlowAction::Text(format!("experimenter:{experimenter:#x}"))
        }
        A::Unknown { ty, .. } => return FlowAction::Text(format!("unknown_action:{ty}")),
    };
    FlowAction::Neutral(n)
}

/// An OF1.3 port-stats entry, neutral.
pub fn port_from_of13(p: &of13::PortStats) -> PortStat {
    port_stat!(p, p.port_no)
}

/// Actions as `ovs-ofctl dump-flows` shows them (`output:3,goto_table:1`; `drop` if none).
pub fn format_actions(actions: &[FlowAction]) -> String {
    if actions.is_empty() {
        return "drop".into();
    }
    actions
        .iter()
        .map(|a| match a {
            FlowAction::Neutral(n) => proto::ofctl::format_actions(std::slice::from_ref(n)),
            FlowAction::Text(t) => t.clone(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::flow::PortNo;

    #[test]
    fn of13_instructions_in_ofctl_order() {
        let f = of13::FlowStats {
            table_id: 0,
            duration_sec: 1,
            duration_nsec: 0,
            priority: 7,
            idle_timeout: 0,
            hard_timeout: 0,
            flags: 0,
            cookie: 5,
            packet_count: 0,
            byte_count: 0,
            match_: of13::match_::Match::new(),
            instructions: vec![
                of13::instruction::Instruction::ApplyActions(vec![
                    of13::action::Action::SetField(of13::oxm::Oxm::VlanVid(flow::Masked::exact(
                        0x1000 | 100,
                    ))),
                    of13::action::Action::Output {
                        port: 3,
                        max_len: 0,
                    },
                ]),
                of13::instruction::Instruction::GotoTable { table_id: 1 },
            ],
        };
        let s = flow_from_of13(&f);
        assert_eq!(
            s.actions[..2],
            [
                FlowAction::Neutral(Action::SetVlanVid(100)),
                FlowAction::Neutral(Action::Output {
                    port: PortNo::Number(3),
                    max_len: 0
                })
            ]
        );
        assert_eq!(
            format_actions(&s.actions),
            "mod_vlan_vid:100,output:3,goto_table:1"
        );
        assert_eq!(format_actions(&[]), "drop");
    }
}
