//! OpenFlow 1.3 (wire version 0x04): every message type 0-29 of the 1.3 spec.
//!
//! [`Message`] is the entry point: [`Message::decode`] takes one whole message (as framed
//! by [`crate::header::peek_len`]) and [`Message::encode`] writes one, computing every
//! length. Each message body has its own file named after it (`hello.rs`, `port.rs`,
//! `multipart.rs`...), with the spec's struct name and layout in its doc comment.
//!
//! Decoding never panics; every error names the message (`OFPT_FLOW_MOD`,
//! `OFPMP_PORT_DESC reply`), the field and the absolute byte offset. Message types, multipart
//! types, hello elements, queue properties, meter bands and table-feature properties that
//! this crate does not know decode to `Unknown` values that re-encode byte for byte.

// Flow side: match, OXM, actions, instructions, flow/group mods, packet-in/out.
pub mod action;
pub mod consts_flow;
pub mod flow_mod;
pub mod flow_removed;
pub mod group_mod;
pub mod instruction;
pub mod match_;
pub mod multipart_flow;
pub mod multipart_group;
pub mod neutral;
pub mod oxm;
pub mod packet_in;
pub mod packet_out;
pub(crate) mod tlv;

// Everything else.
pub mod async_config;
pub mod consts;
pub mod error_msg;
pub mod experimenter;
pub mod hello;
pub mod meter;
pub mod multipart;
pub mod multipart_desc;
pub mod multipart_meter;
pub mod multipart_stats;
pub mod port;
pub mod queue_config;
pub mod role;
pub mod strings;
pub mod switch_features;
pub mod table_features;
pub mod table_mod;

use bytes::{BufMut, Bytes, BytesMut};

use self::consts::*;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::header::{encode_message, Header, HEADER_LEN, OFP13_VERSION};
use crate::reader::Reader;

pub use self::async_config::AsyncConfig;
pub use self::error_msg::ErrorMsg;
pub use self::experimenter::Experimenter;
pub use self::flow_mod::FlowMod;
pub use self::flow_removed::FlowRemoved;
pub use self::group_mod::{Bucket, GroupMod};
pub use self::hello::{Hello, HelloElem};
pub use self::meter::{MeterBand, MeterMod};
pub use self::multipart::{
    MultipartReply, MultipartReplyBody, MultipartRequest, MultipartRequestBody,
};
pub use self::multipart_desc::Desc;
pub use self::multipart_flow::{
    AggregateStatsReply, AggregateStatsRequest, FlowStats, FlowStatsRequest,
};
pub use self::multipart_group::{BucketCounter, GroupDesc, GroupStats, GroupStatsRequest};
pub use self::multipart_meter::{
    MeterBandStats, MeterConfig, MeterFeatures, MeterMultipartRequest, MeterStats,
};
pub use self::multipart_stats::{
    GroupFeatures, PortStats, PortStatsRequest, QueueStats, QueueStatsRequest, TableStats,
};
pub use self::packet_in::PacketIn;
pub use self::packet_out::PacketOut;
pub use self::port::{Port, PortMod, PortStatus};
pub use self::queue_config::{PacketQueue, QueueGetConfigReply, QueueGetConfigRequest, QueueProp};
pub use self::role::Role;
pub use self::strings::FixedStr;
pub use self::switch_features::{SwitchConfig, SwitchFeatures};
pub use self::table_features::{OxmId, TableFeatureProp, TableFeatures, TlvId};
pub use self::table_mod::TableMod;

/// One OpenFlow 1.3 message (the header's version, length and xid are not part of it:
/// [`Message::decode`] returns the [`Header`] beside it, [`Message::encode`] takes the xid).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Message {
    /// `OFPT_HELLO`.
    Hello(Hello),
    /// `OFPT_ERROR`.
    Error(ErrorMsg),
    /// `OFPT_ECHO_REQUEST`: arbitrary data the reply must echo.
    EchoRequest {
        /// Opaque payload.
        #[serde(with = "crate::serde_hex")]
        data: Bytes,
    },
    /// `OFPT_ECHO_REPLY`.
    EchoReply {
        /// The request's payload.
        #[serde(with = "crate::serde_hex")]
        data: Bytes,
    },
    /// `OFPT_EXPERIMENTER`.
    Experimenter(Experimenter),
    /// `OFPT_FEATURES_REQUEST`: header only.
    FeaturesRequest,
    /// `OFPT_FEATURES_REPLY`.
    FeaturesReply(SwitchFeatures),
    /// `OFPT_GET_CONFIG_REQUEST`: header only.
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
    /// `OFPT_GROUP_MOD`.
    GroupMod(GroupMod),
    /// `OFPT_PORT_MOD`.
    PortMod(PortMod),
    /// `OFPT_TABLE_MOD`.
    TableMod(TableMod),
    /// `OFPT_MULTIPART_REQUEST`.
    MultipartRequest(MultipartRequest),
    /// `OFPT_MULTIPART_REPLY`.
    MultipartReply(MultipartReply),
    /// `OFPT_BARRIER_REQUEST`: header only.
    BarrierRequest,
    /// `OFPT_BARRIER_REPLY`: header only.
    BarrierReply,
    /// `OFPT_QUEUE_GET_CONFIG_REQUEST`.
    QueueGetConfigRequest(QueueGetConfigRequest),
    /// `OFPT_QUEUE_GET_CONFIG_REPLY`.
    QueueGetConfigReply(QueueGetConfigReply),
    /// `OFPT_ROLE_REQUEST`.
    RoleRequest(Role),
    /// `OFPT_ROLE_REPLY`.
    RoleReply(Role),
    /// `OFPT_GET_ASYNC_REQUEST`: header only.
    GetAsyncRequest,
    /// `OFPT_GET_ASYNC_REPLY`.
    GetAsyncReply(AsyncConfig),
    /// `OFPT_SET_ASYNC`.
    SetAsync(AsyncConfig),
    /// `OFPT_METER_MOD`.
    MeterMod(MeterMod),
    /// A message type this crate does not decode, kept verbatim.
    Unknown {
        /// `ofp_header.type`.
        #[serde(rename = "type")]
        ty: u8,
        /// Everything after the 8-byte header.
        #[serde(with = "crate::serde_hex")]
        body: Bytes,
    },
}

/// The spec name of a message type (`"OFPT_FLOW_MOD"`), `"OFPT_UNKNOWN"` for others.
pub fn type_name_of(ty: u8) -> &'static str {
    match ty {
        OFPT_HELLO => "OFPT_HELLO",
        OFPT_ERROR => "OFPT_ERROR",
        OFPT_ECHO_REQUEST => "OFPT_ECHO_REQUEST",
        OFPT_ECHO_REPLY => "OFPT_ECHO_REPLY",
        OFPT_EXPERIMENTER => "OFPT_EXPERIMENTER",
        OFPT_FEATURES_REQUEST => "OFPT_FEATURES_REQUEST",
        OFPT_FEATURES_REPLY => "OFPT_FEATURES_REPLY",
        OFPT_GET_CONFIG_REQUEST => "OFPT_GET_CONFIG_REQUEST",
        OFPT_GET_CONFIG_REPLY => "OFPT_GET_CONFIG_REPLY",
        OFPT_SET_CONFIG => "OFPT_SET_CONFIG",
        OFPT_PACKET_IN => "OFPT_PACKET_IN",
        OFPT_FLOW_REMOVED => "OFPT_FLOW_REMOVED",
        OFPT_PORT_STATUS => "OFPT_PORT_STATUS",
        OFPT_PACKET_OUT => "OFPT_PACKET_OUT",
        OFPT_FLOW_MOD => "OFPT_FLOW_MOD",
        OFPT_GROUP_MOD => "OFPT_GROUP_MOD",
        OFPT_PORT_MOD => "OFPT_PORT_MOD",
        OFPT_TABLE_MOD => "OFPT_TABLE_MOD",
        OFPT_MULTIPART_REQUEST => "OFPT_MULTIPART_REQUEST",
        OFPT_MULTIPART_REPLY => "OFPT_MULTIPART_REPLY",
        OFPT_BARRIER_REQUEST => "OFPT_BARRIER_REQUEST",
        OFPT_BARRIER_REPLY => "OFPT_BARRIER_REPLY",
        OFPT_QUEUE_GET_CONFIG_REQUEST => "OFPT_QUEUE_GET_CONFIG_REQUEST",
        OFPT_QUEUE_GET_CONFIG_REPLY => "OFPT_QUEUE_GET_CONFIG_REPLY",
        OFPT_ROLE_REQUEST => "OFPT_ROLE_REQUEST",
        OFPT_ROLE_REPLY => "OFPT_ROLE_REPLY",
        OFPT_GET_ASYNC_REQUEST => "OFPT_GET_ASYNC_REQUEST",
        OFPT_GET_ASYNC_REPLY => "OFPT_GET_ASYNC_REPLY",
        OFPT_SET_ASYNC => "OFPT_SET_ASYNC",
        OFPT_METER_MOD => "OFPT_METER_MOD",
        _ => "OFPT_UNKNOWN",
    }
}

impl Message {
    /// Decode one whole message: `buf` must hold exactly the bytes the header's `length`
    /// claims. A version other than 0x04 is [`DecodeErrorKind::BadVersion`].
    pub fn decode(buf: &Bytes) -> Result<(Header, Message), DecodeError> {
        let header = Header::parse(buf)?;
        if header.version != OFP13_VERSION {
            return Err(DecodeError {
                context: "ofp_header",
                field: "ofp_header.version",
                offset: 0,
                kind: DecodeErrorKind::BadVersion {
                    version: header.version,
                },
            });
        }
        let mut r = Reader::new(buf, type_name_of(header.ty));
        let len = header.length as usize;
        if len > buf.len() {
            return Err(r.error_at(
                2,
                "ofp_header.length",
                DecodeErrorKind::Truncated {
                    need: len,
                    have: buf.len(),
                },
            ));
        }
        if len < buf.len() {
            return Err(r.error_at(
                len,
                "ofp_header.length",
                DecodeErrorKind::TrailingBytes {
                    count: buf.len() - len,
                },
            ));
        }
        r.skip(HEADER_LEN, "ofp_header")?;
        let msg = Self::decode_body(header.ty, &mut r)?;
        r.finish("message body")?;
        Ok((header, msg))
    }

    fn decode_body(ty: u8, r: &mut Reader<'_>) -> Result<Message, DecodeError> {
        let header_only = |r: &mut Reader<'_>, m: Message| r.finish("message body").map(|_| m);
        Ok(match ty {
            OFPT_HELLO => Message::Hello(Hello::decode(r)?),
            OFPT_ERROR => Message::Error(ErrorMsg::decode(r)?),
            OFPT_ECHO_REQUEST => Message::EchoRequest { data: r.rest() },
            OFPT_ECHO_REPLY => Message::EchoReply { data: r.rest() },
            OFPT_EXPERIMENTER => Message::Experimenter(Experimenter::decode(r)?),
            OFPT_FEATURES_REQUEST => header_only(r, Message::FeaturesRequest)?,
            OFPT_FEATURES_REPLY => Message::FeaturesReply(SwitchFeatures::decode(r)?),
            OFPT_GET_CONFIG_REQUEST => header_only(r, Message::GetConfigRequest)?,
            OFPT_GET_CONFIG_REPLY => Message::GetConfigReply(SwitchConfig::decode(r)?),
            OFPT_SET_CONFIG => Message::SetConfig(SwitchConfig::decode(r)?),
            OFPT_PACKET_IN => Message::PacketIn(PacketIn::decode(r)?),
            OFPT_FLOW_REMOVED => Message::FlowRemoved(FlowRemoved::decode(r)?),
            OFPT_PORT_STATUS => Message::PortStatus(PortStatus::decode(r)?),
            OFPT_PACKET_OUT => Message::PacketOut(PacketOut::decode(r)?),
            OFPT_FLOW_MOD => Message::FlowMod(FlowMod::decode(r)?),
            OFPT_GROUP_MOD => Message::GroupMod(GroupMod::decode(r)?),
            OFPT_PORT_MOD => Message::PortMod(PortMod::decode(r)?),
            OFPT_TABLE_MOD => Message::TableMod(TableMod::decode(r)?),
            OFPT_MULTIPART_REQUEST => Message::MultipartRequest(MultipartRequest::decode(r)?),
            OFPT_MULTIPART_REPLY => Message::MultipartReply(MultipartReply::decode(r)?),
            OFPT_BARRIER_REQUEST => header_only(r, Message::BarrierRequest)?,
            OFPT_BARRIER_REPLY => header_only(r, Message::BarrierReply)?,
            OFPT_QUEUE_GET_CONFIG_REQUEST => {
                Message::QueueGetConfigRequest(QueueGetConfigRequest::decode(r)?)
            }
            OFPT_QUEUE_GET_CONFIG_REPLY => {
                Message::QueueGetConfigReply(QueueGetConfigReply::decode(r)?)
            }
            OFPT_ROLE_REQUEST => Message::RoleRequest(Role::decode(r)?),
            OFPT_ROLE_REPLY => Message::RoleReply(Role::decode(r)?),
            OFPT_GET_ASYNC_REQUEST => header_only(r, Message::GetAsyncRequest)?,
            OFPT_GET_ASYNC_REPLY => Message::GetAsyncReply(AsyncConfig::decode(r)?),
            OFPT_SET_ASYNC => Message::SetAsync(AsyncConfig::decode(r)?),
            OFPT_METER_MOD => Message::MeterMod(MeterMod::decode(r)?),
            _ => Message::Unknown { ty, body: r.rest() },
        })
    }

    /// `ofp_header.type` of this message.
    pub fn msg_type(&self) -> u8 {
        match self {
            Message::Hello(_) => OFPT_HELLO,
            Message::Error(_) => OFPT_ERROR,
            Message::EchoRequest { .. } => OFPT_ECHO_REQUEST,
            Message::EchoReply { .. } => OFPT_ECHO_REPLY,
            Message::Experimenter(_) => OFPT_EXPERIMENTER,
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
            Message::GroupMod(_) => OFPT_GROUP_MOD,
            Message::PortMod(_) => OFPT_PORT_MOD,
            Message::TableMod(_) => OFPT_TABLE_MOD,
            Message::MultipartRequest(_) => OFPT_MULTIPART_REQUEST,
            Message::MultipartReply(_) => OFPT_MULTIPART_REPLY,
            Message::BarrierRequest => OFPT_BARRIER_REQUEST,
            Message::BarrierReply => OFPT_BARRIER_REPLY,
            Message::QueueGetConfigRequest(_) => OFPT_QUEUE_GET_CONFIG_REQUEST,
            Message::QueueGetConfigReply(_) => OFPT_QUEUE_GET_CONFIG_REPLY,
            Message::RoleRequest(_) => OFPT_ROLE_REQUEST,
            Message::RoleReply(_) => OFPT_ROLE_REPLY,
            Message::GetAsyncRequest => OFPT_GET_ASYNC_REQUEST,
            Message::GetAsyncReply(_) => OFPT_GET_ASYNC_REPLY,
            Message::SetAsync(_) => OFPT_SET_ASYNC,
            Message::MeterMod(_) => OFPT_METER_MOD,
            Message::Unknown { ty, .. } => *ty,
        }
    }

    /// The spec name for logs and errors: `"OFPT_FLOW_MOD"`, or for multipart messages the
    /// body's name (`"OFPMP_PORT_DESC reply"`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Message::MultipartRequest(m) => m.type_name(),
            Message::MultipartReply(m) => m.type_name(),
            m => type_name_of(m.msg_type()),
        }
    }

    /// Append the whole message (header included) with this xid. Lengths are computed;
    /// on error nothing is left appended to `out`.
    pub fn encode(&self, xid: u32, out: &mut BytesMut) -> Result<(), EncodeError> {
        encode_message(OFP13_VERSION, self.msg_type(), xid, out, |out| {
            self.encode_body(out)
        })
    }

    /// The message as a fresh buffer.
    pub fn to_bytes(&self, xid: u32) -> Result<Bytes, EncodeError> {
        let mut out = BytesMut::new();
        self.encode(xid, &mut out)?;
        Ok(out.freeze())
    }

    fn encode_body(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        match self {
            Message::Hello(h) => h.encode(out),
            Message::Error(e) => e.encode(out),
            Message::EchoRequest { data } | Message::EchoReply { data } => out.put_slice(data),
            Message::Experimenter(e) => e.encode(out),
            Message::FeaturesRequest
            | Message::GetConfigRequest
            | Message::BarrierRequest
            | Message::BarrierReply
            | Message::GetAsyncRequest => {}
            Message::FeaturesReply(f) => f.encode(out),
            Message::GetConfigReply(c) | Message::SetConfig(c) => c.encode(out),
            Message::PacketIn(p) => p.encode(out)?,
            Message::FlowRemoved(f) => f.encode(out)?,
            Message::PortStatus(p) => p.encode(out),
            Message::PacketOut(p) => p.encode(out)?,
            Message::FlowMod(f) => f.encode(out)?,
            Message::GroupMod(g) => g.encode(out)?,
            Message::PortMod(p) => p.encode(out),
            Message::TableMod(t) => t.encode(out),
            Message::QueueGetConfigRequest(q) => q.encode(out),
            Message::QueueGetConfigReply(q) => q.encode(out),
            Message::RoleRequest(r) | Message::RoleReply(r) => r.encode(out),
            Message::GetAsyncReply(a) | Message::SetAsync(a) => a.encode(out),
            Message::MeterMod(m) => m.encode(out),
            Message::MultipartRequest(m) => m.encode(out)?,
            Message::MultipartReply(m) => m.encode(out)?,
            Message::Unknown { body, .. } => out.put_slice(body),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{DatapathId, MacAddr};

    fn round_trip(bytes: &'static [u8]) -> Message {
        let buf = Bytes::from_static(bytes);
        let (h, m) = Message::decode(&buf).unwrap();
        let mut out = BytesMut::new();
        m.encode(h.xid, &mut out).unwrap();
        assert_eq!(&out[..], bytes, "{m:?}");
        m
    }

    #[test]
    fn hello_from_ovs() {
        // OVS 3.x hello offering 1.0, 1.3 (bitmap 0x12).
        let m = round_trip(&[
            0x04, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x08, 0x00, 0x00,
            0x00, 0x12,
        ]);
        let Message::Hello(h) = m else {
            panic!("not a hello: {m:?}")
        };
        assert_eq!(h.versions(), Some(vec![1, 4]));
    }

    #[test]
    fn header_only_messages() {
        assert_eq!(
            round_trip(&[4, 5, 0, 8, 0, 0, 0, 7]),
            Message::FeaturesRequest
        );
        assert_eq!(
            round_trip(&[4, 20, 0, 8, 0, 0, 0, 7]),
            Message::BarrierRequest
        );
        let buf = Bytes::from_static(&[4, 21, 0, 9, 0, 0, 0, 7, 0]);
        let e = Message::decode(&buf).unwrap_err();
        assert_eq!(e.context, "OFPT_BARRIER_REPLY");
        assert_eq!(e.offset, 8);
        assert_eq!(e.kind, DecodeErrorKind::TrailingBytes { count: 1 });
    }

    #[test]
    fn features_reply() {
        let m = round_trip(&[
            0x04, 0x06, 0x00, 0x20, 0x00, 0x00, 0x00, 0x03, // header
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, // dpid
            0x00, 0x00, 0x00, 0x00, 0xfe, 0x00, 0x00, 0x00, // n_buffers, n_tables
            0x00, 0x00, 0x00, 0x4f, 0x00, 0x00, 0x00, 0x00, // capabilities, reserved
        ]);
        let Message::FeaturesReply(f) = m else {
            panic!("{m:?}")
        };
        assert_eq!(f.datapath_id, DatapathId(2));
        assert_eq!(f.n_tables, 254);
    }

    #[test]
    fn port_status_and_multipart_port_desc() {
        let port = Port {
            port_no: 3,
            hw_addr: MacAddr([2, 0, 0, 0, 0, 3]),
            name: FixedStr::new("s1-eth3"),
            config: 0,
            state: OFPPS_LIVE,
            curr: OFPPF_10GB_FD | OFPPF_COPPER,
            advertised: 0,
            supported: 0,
            peer: 0,
            curr_speed: 10_000_000,
            max_speed: 0,
        };
        let msgs = [
            Message::PortStatus(PortStatus {
                reason: OFPPR_ADD,
                desc: port.clone(),
            }),
            Message::MultipartReply(MultipartReply {
                flags: OFPMPF_REPLY_MORE,
                body: MultipartReplyBody::PortDesc(vec![port.clone(), port]),
            }),
            Message::MultipartRequest(MultipartRequest {
                flags: 0,
                body: MultipartRequestBody::PortDesc,
            }),
        ];
        let lens = [80, 16 + 128, 16];
        for (m, len) in msgs.iter().zip(lens) {
            let bytes = m.to_bytes(9).unwrap();
            assert_eq!(bytes.len(), len, "{}", m.type_name());
            let (h, back) = Message::decode(&bytes).unwrap();
            assert_eq!((h.xid, h.length as usize), (9, len));
            assert_eq!(&back, m);
        }
        assert_eq!(msgs[1].type_name(), "OFPMP_PORT_DESC reply");
        assert_eq!(msgs[0].type_name(), "OFPT_PORT_STATUS");
    }

    #[test]
    fn errors_name_the_multipart_body() {
        // A port-desc reply whose single port is cut short.
        let mut v = vec![4, 19, 0, 0, 0, 0, 0, 1, 0, 13, 0, 0, 0, 0, 0, 0];
        v.extend_from_slice(&[0u8; 20]);
        let len = v.len() as u16;
        v[2..4].copy_from_slice(&len.to_be_bytes());
        let e = Message::decode(&Bytes::from(v)).unwrap_err();
        assert_eq!(e.context, "OFPMP_PORT_DESC reply");
        assert_eq!(e.field, "ofp_port.name");
        assert_eq!(e.offset, 32);
    }

    #[test]
    fn wrong_version_and_length() {
        let e = Message::decode(&Bytes::from_static(&[1, 0, 0, 8, 0, 0, 0, 0])).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::BadVersion { version: 1 });
        let e = Message::decode(&Bytes::from_static(&[4, 2, 0, 12, 0, 0, 0, 0])).unwrap_err();
        assert_eq!(e.context, "OFPT_ECHO_REQUEST");
        assert_eq!(e.kind, DecodeErrorKind::Truncated { need: 12, have: 8 });
        assert_eq!(e.offset, 2);
    }

    #[test]
    fn unknown_type_survives() {
        let m = round_trip(&[4, 99, 0, 11, 0, 0, 0, 5, 1, 2, 3]);
        assert_eq!(m.type_name(), "OFPT_UNKNOWN");
        assert_eq!(m.msg_type(), 99);
        let m = round_trip(&[4, 19, 0, 18, 0, 0, 0, 5, 0x12, 0x34, 0, 1, 0, 0, 0, 0, 9, 9]);
        assert_eq!(m.type_name(), "OFPMP_UNKNOWN reply");
    }

    #[test]
    fn encode_too_long_leaves_nothing() {
        let m = Message::EchoRequest {
            data: Bytes::from(vec![0u8; 70_000]),
        };
        let mut out = BytesMut::from(&b"keep"[..]);
        assert!(matches!(
            m.encode(1, &mut out),
            Err(EncodeError::TooLong { .. })
        ));
        assert_eq!(&out[..], b"keep");
    }
}
