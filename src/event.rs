//! What modules are told: the version-neutral [`Event`]s.
//!
//! Switch sessions turn decoded OpenFlow 1.0 and 1.3 messages into these (one conversion
//! function per version, in `src/switch/of10.rs` and `src/switch/of13.rs`), so a module
//! never sees version-specific types.
//!
//! # Extension point
//! Later event sources (the sFlow collector, sFlow-RT polling, topology discovery, REST)
//! add a variant here carrying their own payload struct, and publish it through
//! [`crate::bus::Bus::publish`]. [`Event`] is `#[non_exhaustive]`: modules match the
//! variants they care about and ignore the rest with `_ => {}`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use proto::flow::Match;
use proto::{DatapathId, EncodeError, MacAddr};

use crate::switch::{ConnectionError, Version};

/// A switch as modules and logs name it: its datapath id and its configured name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SwitchId {
    /// The datapath id.
    pub dpid: DatapathId,
    /// The name from `[switches]`, if configured.
    pub name: Option<Arc<str>>,
}

impl fmt::Display for SwitchId {
    /// `s1 (0000000000000001)`, or just the dpid when unnamed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "{n} ({})", self.dpid),
            None => write!(f, "{}", self.dpid),
        }
    }
}

/// A port, from the features reply (1.0), the port-desc multipart reply (1.3) or a
/// PORT_STATUS (`ofp_phy_port` / `ofp_port`), reduced to what modules use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortDesc {
    /// Port number (1.0 numbers widened to 32 bits).
    pub port_no: u32,
    /// Hardware address.
    pub hw_addr: MacAddr,
    /// Interface name (`s1-eth1`).
    pub name: String,
    /// OFPPC_PORT_DOWN: administratively down.
    pub admin_down: bool,
    /// OFPPS_LINK_DOWN: no physical link.
    pub link_down: bool,
}

impl PortDesc {
    /// Usable for forwarding: neither administratively nor physically down.
    pub fn is_up(&self) -> bool {
        !self.admin_down && !self.link_down
    }
}

/// A connected switch, as its handshake described it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchInfo {
    /// Who.
    pub id: SwitchId,
    /// Negotiated OpenFlow version.
    pub version: Version,
    /// Packets the switch can buffer (0: none; OVS's userspace datapath buffers none).
    pub n_buffers: u32,
    /// Flow tables.
    pub n_tables: u8,
    /// Ports by number, excluding LOCAL.
    pub ports: BTreeMap<u32, PortDesc>,
}

/// Why a packet came to the controller (`ofp_packet_in_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketInReason {
    /// OFPR_NO_MATCH (1.3: also the table-miss flow's OFPR_ACTION in OVS's spelling).
    NoMatch,
    /// OFPR_ACTION: an output-to-controller action.
    Action,
    /// OFPR_INVALID_TTL (1.3).
    InvalidTtl,
    /// A reason this controller does not know.
    Other(u8),
}

/// A PACKET_IN in the neutral model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketIn {
    /// From which switch.
    pub switch: SwitchId,
    /// Ingress port.
    pub in_port: u32,
    /// Why it was sent.
    pub reason: PacketInReason,
    /// The switch's buffer holding the packet, if it buffered it.
    pub buffer_id: Option<u32>,
    /// Table that sent it (0 on 1.0).
    pub table_id: u8,
    /// Cookie of the flow that sent it (0 on 1.0 or table miss).
    pub cookie: u64,
    /// Full length of the frame (`data` may be shorter).
    pub total_len: u16,
    /// The packet's match fields as the switch reported them (1.3: the OXM match;
    /// 1.0: just `in_port`).
    pub match_: Match,
    /// The frame, or its first miss_send_len bytes.
    pub data: Bytes,
}

impl PacketIn {
    /// Ethernet destination, source and EtherType (after one 802.1Q tag), if the frame
    /// holds a full Ethernet header.
    pub fn ethernet(&self) -> Option<(MacAddr, MacAddr, u16)> {
        let d = self.data.get(..14)?;
        let mut dst = [0u8; 6];
        let mut src = [0u8; 6];
        dst.copy_from_slice(d.get(0..6)?);
        src.copy_from_slice(d.get(6..12)?);
        let mut ty = u16::from_be_bytes([*d.get(12)?, *d.get(13)?]);
        if ty == 0x8100 {
            let t = self.data.get(16..18)?;
            ty = u16::from_be_bytes([*t.first()?, *t.get(1)?]);
        }
        Some((MacAddr(dst), MacAddr(src), ty))
    }
}

/// What happened to a port (`ofp_port_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortReason {
    /// OFPPR_ADD
    Add,
    /// OFPPR_DELETE
    Delete,
    /// OFPPR_MODIFY (state or config changed: up/down)
    Modify,
    /// Unknown reason code.
    Other(u8),
}

/// A PORT_STATUS; the session has already updated its port table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortStatus {
    /// Which switch.
    pub switch: SwitchId,
    /// What happened.
    pub reason: PortReason,
    /// The port as it is now.
    pub port: PortDesc,
}

/// Why a flow was removed (`ofp_flow_removed_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowRemovedReason {
    /// OFPRR_IDLE_TIMEOUT
    IdleTimeout,
    /// OFPRR_HARD_TIMEOUT
    HardTimeout,
    /// OFPRR_DELETE
    Delete,
    /// OFPRR_GROUP_DELETE (1.3)
    GroupDelete,
    /// Unknown reason code.
    Other(u8),
}

/// A FLOW_REMOVED (sent for flows added with `send_flow_rem`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRemoved {
    /// Which switch.
    pub switch: SwitchId,
    /// The flow's cookie.
    pub cookie: u64,
    /// The flow's priority.
    pub priority: u16,
    /// Why.
    pub reason: FlowRemovedReason,
    /// Table (0 on 1.0).
    pub table_id: u8,
    /// The flow's match.
    pub match_: Match,
    /// How long the flow lived, seconds.
    pub duration_sec: u32,
    /// Its idle timeout.
    pub idle_timeout: u16,
    /// Its hard timeout (0 on 1.0, which does not report it).
    pub hard_timeout: u16,
    /// Packets it matched.
    pub packet_count: u64,
    /// Bytes it matched.
    pub byte_count: u64,
}

/// An OFPT_ERROR from a switch, with the raw type and code (their numbering differs
/// between 1.0 and 1.3; [`OfError::type_name`] spells them out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfError {
    /// The session's version (which numbering `ty` and `code` use).
    pub version: Version,
    /// `ofp_error_type`.
    pub ty: u16,
    /// The type-specific code.
    pub code: u16,
    /// Usually the first 64 bytes of the offending message.
    pub data: Bytes,
}

impl OfError {
    /// The spec's name of the error type (`OFPET_FLOW_MOD_FAILED`).
    pub fn type_name(&self) -> &'static str {
        let names10: &[&'static str] = &[
            "OFPET_HELLO_FAILED",
            "OFPET_BAD_REQUEST",
            "OFPET_BAD_ACTION",
            "OFPET_FLOW_MOD_FAILED",
            "OFPET_PORT_MOD_FAILED",
            "OFPET_QUEUE_OP_FAILED",
        ];
        let names13: &[&'static str] = &[
            "OFPET_HELLO_FAILED",
            "OFPET_BAD_REQUEST",
            "OFPET_BAD_ACTION",
            "OFPET_BAD_INSTRUCTION",
            "OFPET_BAD_MATCH",
            "OFPET_FLOW_MOD_FAILED",
            "OFPET_GROUP_MOD_FAILED",
            "OFPET_PORT_MOD_FAILED",
            "OFPET_TABLE_MOD_FAILED",
            "OFPET_QUEUE_OP_FAILED",
            "OFPET_SWITCH_CONFIG_FAILED",
            "OFPET_ROLE_REQUEST_FAILED",
            "OFPET_METER_MOD_FAILED",
            "OFPET_TABLE_FEATURES_FAILED",
        ];
        let names = match self.version {
            Version::Of10 => names10,
            Version::Of13 => names13,
        };
        match names.get(usize::from(self.ty)) {
            Some(n) => n,
            None if self.ty == 0xffff => "OFPET_EXPERIMENTER",
            None => "unknown error type",
        }
    }
}

impl fmt::Display for OfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}) code {}", self.type_name(), self.ty, self.code)
    }
}

/// An ERROR not attributable to a confirmed batch (those arrive in [`BatchResult`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchError {
    /// Which switch.
    pub switch: SwitchId,
    /// The xid of the message that caused it.
    pub xid: u32,
    /// The message type we sent with that xid (`OFPT_FLOW_MOD`), if we still remember it.
    pub caused_by: Option<&'static str>,
    /// The error.
    pub error: OfError,
}

/// A module's name for one of its batches; chosen by the module, echoed in [`BatchResult`].
pub type BatchId = u64;

/// One message of a batch that the switch refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Index of the message in the batch as the module queued it.
    pub index: usize,
    /// Its type (`OFPT_FLOW_MOD`).
    pub msg_type: &'static str,
    /// The switch's error.
    pub error: OfError,
}

/// Why a batch did not fully apply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// The switch answered some messages with ERRORs before the barrier reply.
    #[error("switch rejected {} message(s), first: {} #{}: {}",
        .0.len(),
        .0.first().map(|r| r.msg_type).unwrap_or("?"),
        .0.first().map(|r| r.index).unwrap_or(0),
        .0.first().map(|r| r.error.to_string()).unwrap_or_default())]
    Rejected(Vec<Rejected>),
    /// A message cannot be expressed in the switch's version; nothing was sent.
    #[error("message #{index} ({msg_type}) cannot be encoded: {source}")]
    Encode {
        /// Index in the batch.
        index: usize,
        /// Its type.
        msg_type: &'static str,
        /// Why.
        source: EncodeError,
    },
    /// No switch with that datapath id is connected; nothing was sent.
    #[error("switch not connected")]
    NotConnected,
    /// The switch disconnected before the barrier reply.
    #[error("switch disconnected before the barrier reply")]
    Disconnected,
}

/// The outcome of a batch a module queued with [`crate::outbox::Outbox::confirmed`]
/// (`batch: Some(id)`), or the failure of unconfirmed messages (`batch: None`, only
/// sent on failure). Delivered to the module that sent it only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchResult {
    /// Which switch.
    pub switch: SwitchId,
    /// The module's id for the batch; `None` for unconfirmed messages.
    pub batch: Option<BatchId>,
    /// `Ok` once the barrier reply came with no error for any of the batch's messages.
    pub result: Result<(), BatchError>,
}

/// A module's timer fired (see [`crate::outbox::Outbox::timer`]). Delivered to the module
/// that asked only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    /// The id the module gave.
    pub id: u64,
}

/// Everything a module can be told.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// A switch finished its handshake. `replaced`: it replaced a stale session of the
    /// same datapath id (which sends no `SwitchDown`).
    SwitchUp {
        /// The switch.
        info: Arc<SwitchInfo>,
        /// A previous session of this datapath id was closed in its favour.
        replaced: bool,
    },
    /// A switch disconnected (not sent when a reconnect replaced it).
    SwitchDown {
        /// The switch.
        switch: SwitchId,
        /// Why.
        reason: Arc<ConnectionError>,
    },
    /// A packet from a switch.
    PacketIn(PacketIn),
    /// A port was added, removed or changed.
    PortStatus(PortStatus),
    /// A flow was removed.
    FlowRemoved(FlowRemoved),
    /// An ERROR not folded into a [`BatchResult`].
    SwitchError(SwitchError),
    /// A batch's outcome (to the sending module only).
    BatchResult(BatchResult),
    /// A timer fired (to the requesting module only).
    Timer(Timer),
    /// A command from another module or the REST API (to the named module only).
    Control(Arc<crate::modules::control::Control>),
}

impl Event {
    /// The switch the event is about, if any (used to filter per-module switch sets).
    pub fn dpid(&self) -> Option<DatapathId> {
        match self {
            Event::SwitchUp { info, .. } => Some(info.id.dpid),
            Event::SwitchDown { switch, .. } => Some(switch.dpid),
            Event::PacketIn(p) => Some(p.switch.dpid),
            Event::PortStatus(p) => Some(p.switch.dpid),
            Event::FlowRemoved(f) => Some(f.switch.dpid),
            Event::SwitchError(e) => Some(e.switch.dpid),
            Event::BatchResult(b) => Some(b.switch.dpid),
            Event::Timer(_) | Event::Control(_) => None,
        }
    }

    /// Short name for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::SwitchUp { .. } => "switch_up",
            Event::SwitchDown { .. } => "switch_down",
            Event::PacketIn(_) => "packet_in",
            Event::PortStatus(_) => "port_status",
            Event::FlowRemoved(_) => "flow_removed",
            Event::SwitchError(_) => "switch_error",
            Event::BatchResult(_) => "batch_result",
            Event::Timer(_) => "timer",
            Event::Control(_) => "control",
        }
    }
}
