//! The neutral messages a [`super::session::Session`] speaks, and the per-version
//! dispatch to [`super::of10`] / [`super::of13`].
//!
//! The session only ever sees [`Incoming`] and produces [`Outgoing`]: the version-specific
//! part of the runtime is the two small conversion modules, one function each way.

use bytes::{Bytes, BytesMut};
use proto::flow::{FlowMod, PacketOut};
use proto::{DatapathId, DecodeError, EncodeError};

use super::stats::{FlowStat, PortStat};
use super::Version;
use crate::event::{FlowRemoved, PacketIn, PortDesc, PortReason, SwitchId};

/// What a switch sent, converted from its version's message type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// OFPT_HELLO after negotiation (ignored).
    Hello,
    /// OFPT_ERROR (standard or experimenter; `ty` 0xffff for the latter).
    Error {
        /// `ofp_error_type`
        ty: u16,
        /// Code.
        code: u16,
        /// Offending message prefix.
        data: Bytes,
    },
    /// OFPT_ECHO_REQUEST
    EchoRequest(Bytes),
    /// OFPT_ECHO_REPLY
    EchoReply(Bytes),
    /// OFPT_FEATURES_REPLY; `ports` only on 1.0 (1.3 sends them in a port-desc reply).
    FeaturesReply {
        /// Datapath id.
        dpid: DatapathId,
        /// Buffers.
        n_buffers: u32,
        /// Tables.
        n_tables: u8,
        /// 1.0 ports.
        ports: Option<Vec<PortDesc>>,
    },
    /// OFPMP_PORT_DESC reply (1.3); `more` = OFPMPF_REPLY_MORE.
    PortDescReply {
        /// Ports in this part.
        ports: Vec<PortDesc>,
        /// More parts follow.
        more: bool,
    },
    /// OFPT_PACKET_IN
    PacketIn(PacketIn),
    /// OFPT_PORT_STATUS
    PortStatus {
        /// What happened.
        reason: PortReason,
        /// The port now.
        port: PortDesc,
    },
    /// OFPT_FLOW_REMOVED
    FlowRemoved(FlowRemoved),
    /// OFPT_BARRIER_REPLY
    BarrierReply,
    /// A flow-stats reply part (OFPST_FLOW / OFPMP_FLOW); `more` = REPLY_MORE.
    FlowStatsReply {
        /// Entries in this part.
        flows: Vec<FlowStat>,
        /// More parts follow.
        more: bool,
    },
    /// A port-stats reply part (OFPST_PORT / OFPMP_PORT_STATS); `more` = REPLY_MORE.
    PortStatsReply {
        /// Entries in this part.
        ports: Vec<PortStat>,
        /// More parts follow.
        more: bool,
    },
    /// A known message the runtime has no use for (config replies, stats, vendor).
    Ignored(&'static str),
    /// A message type this version does not define: answered OFPBRC_BAD_TYPE.
    UnknownType(u8),
}

/// What the session sends.
#[derive(Debug, Clone, Copy)]
pub enum Outgoing<'a> {
    /// OFPT_FEATURES_REQUEST
    FeaturesRequest,
    /// OFPT_SET_CONFIG with flags OFPC_FRAG_NORMAL.
    SetConfig {
        /// Bytes of a table-miss packet to send.
        miss_send_len: u16,
    },
    /// OFPMP_PORT_DESC request (1.3 only).
    PortDescRequest,
    /// OFPT_ECHO_REQUEST
    EchoRequest(&'a [u8]),
    /// OFPT_ECHO_REPLY
    EchoReply(&'a Bytes),
    /// OFPT_BARRIER_REQUEST
    BarrierRequest,
    /// OFPT_FLOW_MOD from the neutral model.
    FlowMod(&'a FlowMod),
    /// OFPT_PACKET_OUT from the neutral model.
    PacketOut(&'a PacketOut),
    /// Every flow of every table (OFPST_FLOW / OFPMP_FLOW request, all wildcards).
    FlowStatsRequest,
    /// Every port's counters (OFPST_PORT / OFPMP_PORT_STATS request).
    PortStatsRequest,
}

/// Decode one framed message of the session's version. The header version was checked.
/// `switch` fills the events' switch field.
pub fn decode(version: Version, buf: &Bytes, switch: &SwitchId) -> Result<Incoming, DecodeError> {
    match version {
        Version::Of10 => super::of10::decode(buf, switch),
        Version::Of13 => super::of13::decode(buf, switch),
    }
}

/// Encode one message for the session's version, appending to `out`.
pub fn encode(
    version: Version,
    msg: &Outgoing<'_>,
    xid: u32,
    out: &mut BytesMut,
) -> Result<(), EncodeError> {
    match version {
        Version::Of10 => super::of10::encode(msg, xid, out),
        Version::Of13 => super::of13::encode(msg, xid, out),
    }
}

/// OFPET_BAD_REQUEST, the same number in 1.0 and 1.3.
pub const OFPET_BAD_REQUEST: u16 = 1;
/// OFPBRC_BAD_VERSION
pub const OFPBRC_BAD_VERSION: u16 = 0;
/// OFPBRC_BAD_TYPE
pub const OFPBRC_BAD_TYPE: u16 = 1;
/// OFPBRC_BAD_LEN
pub const OFPBRC_BAD_LEN: u16 = 6;
