//! OpenFlow 1.0 (wire version 0x01): every message of the 1.0.0 spec.
//!
//! [`Message`] is the whole-message entry point: [`Message::decode`] takes one framed
//! message (as produced by [`crate::header::peek_len`] or the `codec` framer) and
//! [`Message::encode`] appends one. Each message body has its own file named after it;
//! wire constants are in [`consts`] with the spec's spelling.
//!
//! Contract (see the crate docs): decoding never panics, errors carry the message type,
//! field and absolute offset, unknown message types / actions / stats / queue properties
//! decode to values that re-encode byte for byte, and payloads are zero-copy slices.
//! Padding is ignored on decode and written as zeros.
//!
//! # Implemented
//! All 22 message types of OpenFlow 1.0.0 (`OFPT_HELLO` .. `OFPT_QUEUE_GET_CONFIG_REPLY`),
//! all 12 actions plus vendor actions, all six stats types plus vendor stats, and the
//! min-rate queue property. Nothing in the 1.0.0 spec is omitted.
//!
//! # Not byte-exact
//! Round trips are byte-exact except for (a) padding, re-emitted as zeros, and (b) bytes after
//! the first NUL in fixed-size strings (`ofp_phy_port.name`, `ofp_desc_stats`, table
//! names), which the spec defines as padding and which decode to a `String` (invalid UTF-8
//! is replaced).
//!
//! # Files
//! One file per spec structure family: [`match_`], [`action`], [`flow_mod`],
//! [`flow_removed`], [`packet_in`], [`packet_out`], [`features`] (+ `ofp_phy_port`),
//! [`port`] (port-status, port-mod), [`config`], [`error_msg`], [`vendor`],
//! [`stats_request`], [`stats_reply`], [`queue`], [`port_no`], [`consts`], and [`neutral`]
//! (the version-neutral [`crate::flow`] model to and from 1.0).

pub mod action;
pub mod config;
pub mod consts;
pub mod error_msg;
pub mod features;
mod fixed_str;
pub mod flow_mod;
pub mod flow_removed;
pub mod match_;
pub mod neutral;
pub mod packet_in;
pub mod packet_out;
pub mod port;
pub mod port_no;
pub mod queue;
pub mod stats_reply;
pub mod stats_request;
pub mod vendor;

use bytes::{BufMut, Bytes, BytesMut};

pub use action::Action;
pub use config::SwitchConfig;
pub use error_msg::{ErrorMsg, ErrorType};
pub use features::{FeaturesReply, PhyPort};
pub use flow_mod::{FlowMod, FlowModCommand};
pub use flow_removed::{FlowRemoved, FlowRemovedReason};
pub use match_::Match;
pub use packet_in::{PacketIn, PacketInReason};
pub use packet_out::PacketOut;
pub use port::{PortMod, PortReason, PortStatus};
pub use port_no::PortNo;
pub use queue::{PacketQueue, QueueGetConfigReply, QueueGetConfigRequest, QueueProp};
pub use stats_reply::{
    AggregateStats, DescStats, FlowStats, PortStats, QueueStats, StatsReply, StatsReplyBody,
    TableStats,
};
pub use stats_request::{FlowStatsRequest, StatsRequest, StatsRequestBody};
pub use vendor::Vendor;

use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::header::{encode_message, Header, HEADER_LEN, OFP10_VERSION};
use crate::reader::Reader;
use consts::*;

/// One OpenFlow 1.0 message: the body that follows `ofp_header`, typed by `ofp_type`.
/// The header's xid travels separately ([`Message::decode`] returns the [`Header`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Message {
    /// `OFPT_HELLO`; 1.0 defines no body, but any bytes are kept (later versions add elements).
    Hello {
        /// Body bytes, normally empty.
        #[serde(with = "crate::serde_hex")]
        body: Bytes,
    },
    /// `OFPT_ERROR`.
    Error(ErrorMsg),
    /// `OFPT_ECHO_REQUEST`.
    EchoRequest {
        /// Arbitrary payload, echoed back in the reply.
        #[serde(with = "crate::serde_hex")]
        data: Bytes,
    },
    /// `OFPT_ECHO_REPLY`.
    EchoReply {
        /// The request's payload.
        #[serde(with = "crate::serde_hex")]
        data: Bytes,
    },
    /// `OFPT_VENDOR`.
    Vendor(Vendor),
    /// `OFPT_FEATURES_REQUEST` (no body).
    FeaturesRequest,
    /// `OFPT_FEATURES_REPLY`.
    FeaturesReply(FeaturesReply),
    /// `OFPT_GET_CONFIG_REQUEST` (no body).
    GetConfigRequest,
    /// `OFPT_GET_CONFIG_REPLY`.
    GetConfigReply(SwitchConfig),
    /// `OFPT_SET_CONFIG`.
    SetConfig(SwitchConfig),
    /// `OFPT_PACKET_IN`.
    PacketIn(PacketIn),
    /// `OFPT_FLOW_REMOVED`.
    FlowRemoved(FlowRemoved),
    /// `OFPT_PORT_STATUS`.
    PortStatus(PortStatus),
    /// `OFPT_PACKET_OUT`.
    PacketOut(PacketOut),
    /// `OFPT_FLOW_MOD`.
    FlowMod(FlowMod),
    /// `OFPT_PORT_MOD`.
    PortMod(PortMod),
    /// `OFPT_STATS_REQUEST`.
    StatsRequest(StatsRequest),
    /// `OFPT_STATS_REPLY`.
    StatsReply(StatsReply),
    /// `OFPT_BARRIER_REQUEST` (no body).
    BarrierRequest,
    /// `OFPT_BARRIER_REPLY` (no body).
    BarrierReply,
    /// `OFPT_QUEUE_GET_CONFIG_REQUEST`.
    QueueGetConfigRequest(QueueGetConfigRequest),
    /// `OFPT_QUEUE_GET_CONFIG_REPLY`.
    QueueGetConfigReply(QueueGetConfigReply),
    /// A message type 1.0 does not define; re-encoded byte for byte.
    Unknown {
        /// `ofp_header.type`.
        ty: u8,
        /// Everything after the header.
        #[serde(with = "crate::serde_hex")]
        body: Bytes,
    },
}

/// The spec name of an OpenFlow 1.0 message type (`"OFPT_FLOW_MOD"`); `"OFPT_UNKNOWN"` for
/// numbers the spec does not define.
pub fn type_name(ty: u8) -> &'static str {
    const NAMES: [&str; 22] = [
        "OFPT_HELLO",
        "OFPT_ERROR",
        "OFPT_ECHO_REQUEST",
        "OFPT_ECHO_REPLY",
        "OFPT_VENDOR",
        "OFPT_FEATURES_REQUEST",
        "OFPT_FEATURES_REPLY",
        "OFPT_GET_CONFIG_REQUEST",
        "OFPT_GET_CONFIG_REPLY",
        "OFPT_SET_CONFIG",
        "OFPT_PACKET_IN",
        "OFPT_FLOW_REMOVED",
        "OFPT_PORT_STATUS",
        "OFPT_PACKET_OUT",
        "OFPT_FLOW_MOD",
        "OFPT_PORT_MOD",
        "OFPT_STATS_REQUEST",
        "OFPT_STATS_REPLY",
        "OFPT_BARRIER_REQUEST",
        "OFPT_BARRIER_REPLY",
        "OFPT_QUEUE_GET_CONFIG_REQUEST",
        "OFPT_QUEUE_GET_CONFIG_REPLY",
    ];
    NAMES.get(ty as usize).copied().unwrap_or("OFPT_UNKNOWN")
}

impl Message {
    /// Decode one whole message: `buf` must hold exactly the `ofp_header.length` bytes
    /// of one OpenFlow 1.0 message.
    pub fn decode(buf: &Bytes) -> Result<(Header, Message), DecodeError> {
        let header = Header::parse(buf)?;
        let context = type_name(header.ty);
        let mut r = Reader::new(buf, context);
        if header.version != OFP10_VERSION {
            return Err(r.error_at(
                0,
                "ofp_header.version",
                DecodeErrorKind::BadVersion {
                    version: header.version,
                },
            ));
        }
        let len = header.length as usize;
        if buf.len() < len {
            return Err(r.error_at(
                2,
                "ofp_header.length",
                DecodeErrorKind::Truncated {
                    need: len,
                    have: buf.len(),
                },
            ));
        }
        if buf.len() > len {
            return Err(r.error_at(
                len,
                "ofp_header.length",
                DecodeErrorKind::TrailingBytes {
                    count: buf.len() - len,
                },
            ));
        }
        r.skip(HEADER_LEN, "ofp_header")?;
        let r = &mut r;
        let msg = match header.ty {
            OFPT_HELLO => Message::Hello { body: r.rest() },
            OFPT_ERROR => Message::Error(ErrorMsg::decode(r)?),
            OFPT_ECHO_REQUEST => Message::EchoRequest { data: r.rest() },
            OFPT_ECHO_REPLY => Message::EchoReply { data: r.rest() },
            OFPT_VENDOR => Message::Vendor(Vendor::decode(r)?),
            OFPT_FEATURES_REQUEST => Message::FeaturesRequest,
            OFPT_FEATURES_REPLY => Message::FeaturesReply(FeaturesReply::decode(r)?),
            OFPT_GET_CONFIG_REQUEST => Message::GetConfigRequest,
            OFPT_GET_CONFIG_REPLY => Message::GetConfigReply(SwitchConfig::decode(r)?),
            OFPT_SET_CONFIG => Message::SetConfig(SwitchConfig::decode(r)?),
            OFPT_PACKET_IN => Message::PacketIn(PacketIn::decode(r)?),
            OFPT_FLOW_REMOVED => Message::FlowRemoved(FlowRemoved::decode(r)?),
            OFPT_PORT_STATUS => Message::PortStatus(PortStatus::decode(r)?),
            OFPT_PACKET_OUT => Message::PacketOut(PacketOut::decode(r)?),
            OFPT_FLOW_MOD => Message::FlowMod(FlowMod::decode(r)?),
            OFPT_PORT_MOD => Message::PortMod(PortMod::decode(r)?),
            OFPT_STATS_REQUEST => Message::StatsRequest(StatsRequest::decode(r)?),
            OFPT_STATS_REPLY => Message::StatsReply(StatsReply::decode(r)?),
            OFPT_BARRIER_REQUEST => Message::BarrierRequest,
            OFPT_BARRIER_REPLY => Message::BarrierReply,
            OFPT_QUEUE_GET_CONFIG_REQUEST => {
                Message::QueueGetConfigRequest(QueueGetConfigRequest::decode(r)?)
            }
            OFPT_QUEUE_GET_CONFIG_REPLY => {
                Message::QueueGetConfigReply(QueueGetConfigReply::decode(r)?)
            }
            ty => Message::Unknown { ty, body: r.rest() },
        };
        // Fixed-size bodies must fill the message exactly.
        r.finish(context)?;
        Ok((header, msg))
    }

    /// Append this message with transaction id `xid`. On error nothing is appended.
    pub fn encode(&self, xid: u32, out: &mut BytesMut) -> Result<(), EncodeError> {
        encode_message(OFP10_VERSION, self.msg_type(), xid, out, |out| {
            self.encode_body(out)
        })
    }

    /// Encode into a fresh buffer.
    pub fn to_bytes(&self, xid: u32) -> Result<Bytes, EncodeError> {
        let mut out = BytesMut::with_capacity(self.encoded_len());
        self.encode(xid, &mut out)?;
        Ok(out.freeze())
    }

    fn encode_body(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        match self {
            Message::Hello { body: b }
            | Message::EchoRequest { data: b }
            | Message::EchoReply { data: b }
            | Message::Unknown { body: b, .. } => out.put_slice(b),
            Message::Error(m) => m.encode(out),
            Message::Vendor(m) => m.encode(out),
            Message::FeaturesRequest
            | Message::GetConfigRequest
            | Message::BarrierRequest
            | Message::BarrierReply => {}
            Message::FeaturesReply(m) => m.encode(out),
            Message::GetConfigReply(m) | Message::SetConfig(m) => m.encode(out),
            Message::PacketIn(m) => m.encode(out),
            Message::FlowRemoved(m) => m.encode(out),
            Message::PortStatus(m) => m.encode(out),
            Message::PacketOut(m) => m.encode(out)?,
            Message::FlowMod(m) => m.encode(out)?,
            Message::PortMod(m) => m.encode(out),
            Message::StatsRequest(m) => m.encode(out),
            Message::StatsReply(m) => m.encode(out)?,
            Message::QueueGetConfigRequest(m) => m.encode(out),
            Message::QueueGetConfigReply(m) => m.encode(out)?,
        }
        Ok(())
    }

    /// Total length on the wire, header included.
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN
            + match self {
                Message::Hello { body: b }
                | Message::EchoRequest { data: b }
                | Message::EchoReply { data: b }
                | Message::Unknown { body: b, .. } => b.len(),
                Message::Error(m) => m.encoded_len(),
                Message::Vendor(m) => m.encoded_len(),
                Message::FeaturesRequest
                | Message::GetConfigRequest
                | Message::BarrierRequest
                | Message::BarrierReply => 0,
                Message::FeaturesReply(m) => m.encoded_len(),
                Message::GetConfigReply(m) | Message::SetConfig(m) => m.encoded_len(),
                Message::PacketIn(m) => m.encoded_len(),
                Message::FlowRemoved(m) => m.encoded_len(),
                Message::PortStatus(m) => m.encoded_len(),
                Message::PacketOut(m) => m.encoded_len(),
                Message::FlowMod(m) => m.encoded_len(),
                Message::PortMod(m) => m.encoded_len(),
                Message::StatsRequest(m) => m.encoded_len(),
                Message::StatsReply(m) => m.encoded_len(),
                Message::QueueGetConfigRequest(m) => m.encoded_len(),
                Message::QueueGetConfigReply(m) => m.encoded_len(),
            }
    }

    /// The `ofp_header.type` value.
    pub fn msg_type(&self) -> u8 {
        match self {
            Message::Hello { .. } => OFPT_HELLO,
            Message::Error(_) => OFPT_ERROR,
            Message::EchoRequest { .. } => OFPT_ECHO_REQUEST,
            Message::EchoReply { .. } => OFPT_ECHO_REPLY,
            Message::Vendor(_) => OFPT_VENDOR,
            Message::FeaturesRequest => OFPT_FEATURES_REQUEST,
            Message::FeaturesReply(_) => OFPT_FEATURES_REPLY,
            Message::GetConfigRequest => OFPT_GET_CONFIG_REQUEST,
            Message::GetConfigReply(_) => OFPT_GET_CONFIG_REPLY,
            Message::SetConfig(_) => OFPT_SET_CONFIG,
            Message::PacketIn(_) => OFPT_PACKET_IN,
            Message::FlowRemoved(_) => OFPT_FLOW_REMOVED,
            Message::PortStatus(_) => OFPT_PORT_STATUS,
            Message::PacketOut(_) => OFPT_PACKET_OUT,
            Message::FlowMod(_) => OFPT_FLOW_MOD,
            Message::PortMod(_) => OFPT_PORT_MOD,
            Message::StatsRequest(_) => OFPT_STATS_REQUEST,
            Message::StatsReply(_) => OFPT_STATS_REPLY,
            Message::QueueGetConfigRequest(_) => OFPT_QUEUE_GET_CONFIG_REQUEST,
            Message::QueueGetConfigReply(_) => OFPT_QUEUE_GET_CONFIG_REPLY,
            Message::BarrierRequest => OFPT_BARRIER_REQUEST,
            Message::BarrierReply => OFPT_BARRIER_REPLY,
            Message::Unknown { ty, .. } => *ty,
        }
    }

    /// The spec name of this message's type (`"OFPT_FLOW_MOD"`).
    pub fn type_name(&self) -> &'static str {
        type_name(self.msg_type())
    }
}

#[cfg(test)]
mod tests;
