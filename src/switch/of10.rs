//! OpenFlow 1.0: decoded [`proto::of10::Message`]s to [`Incoming`], [`Outgoing`] to bytes.
//!
//! This and [`super::of13`] are the only version-specific code in the runtime.

use bytes::{Bytes, BytesMut};
use proto::flow;
use proto::of10::{self, Message};
use proto::{DecodeError, EncodeError};

use super::stats;
use super::wire::{Incoming, Outgoing};
use crate::event::{
    FlowRemoved, FlowRemovedReason, PacketIn, PacketInReason, PortDesc, PortReason, SwitchId,
};

/// Decode one OF1.0 message.
pub fn decode(buf: &Bytes, switch: &SwitchId) -> Result<Incoming, DecodeError> {
    let (_, msg) = Message::decode(buf)?;
    Ok(match msg {
        Message::Hello { .. } => Incoming::Hello,
        Message::Error(e) => Incoming::Error {
            ty: e.ty.into(),
            code: e.code,
            data: e.data,
        },
        Message::EchoRequest { data } => Incoming::EchoRequest(data),
        Message::EchoReply { data } => Incoming::EchoReply(data),
        Message::FeaturesReply(f) => Incoming::FeaturesReply {
            dpid: f.datapath_id,
            n_buffers: f.n_buffers,
            n_tables: f.n_tables,
            ports: Some(f.ports.iter().filter_map(port).collect()),
        },
        Message::PacketIn(p) => Incoming::PacketIn(PacketIn {
            switch: switch.clone(),
            in_port: u32::from(p.in_port.0),
            reason: match p.reason {
                of10::PacketInReason::NoMatch => PacketInReason::NoMatch,
                of10::PacketInReason::Action => PacketInReason::Action,
                of10::PacketInReason::Unknown(v) => PacketInReason::Other(v),
            },
            buffer_id: p.buffer(),
            table_id: 0,
            cookie: 0,
            total_len: p.total_len,
            match_: flow::Match {
                in_port: Some(u32::from(p.in_port.0)),
                ..flow::Match::default()
            },
            data: p.data,
        }),
        Message::PortStatus(s) => match port(&s.desc) {
            Some(desc) => Incoming::PortStatus {
                reason: match s.reason {
                    of10::PortReason::Add => PortReason::Add,
                    of10::PortReason::Delete => PortReason::Delete,
                    of10::PortReason::Modify => PortReason::Modify,
                    of10::PortReason::Unknown(v) => PortReason::Other(v),
                },
                port: desc,
            },
            None => Incoming::Ignored("OFPT_PORT_STATUS (reserved port)"),
        },
        Message::FlowRemoved(f) => Incoming::FlowRemoved(FlowRemoved {
            switch: switch.clone(),
            cookie: f.cookie,
            priority: f.priority,
            reason: match f.reason {
                of10::FlowRemovedReason::IdleTimeout => FlowRemovedReason::IdleTimeout,
                of10::FlowRemovedReason::HardTimeout => FlowRemovedReason::HardTimeout,
                of10::FlowRemovedReason::Delete => FlowRemovedReason::Delete,
                of10::FlowRemovedReason::Unknown(v) => FlowRemovedReason::Other(v),
            },
            table_id: 0,
            match_: flow::Match::from(&f.match_),
            duration_sec: f.duration_sec,
            idle_timeout: f.idle_timeout,
            hard_timeout: 0,
            packet_count: f.packet_count,
            byte_count: f.byte_count,
        }),
        Message::BarrierReply => Incoming::BarrierReply,
        Message::StatsReply(r) => {
            let more = r.more();
            match r.body {
                of10::StatsReplyBody::Flow(flows) => Incoming::FlowStatsReply {
                    flows: flows.iter().map(stats::flow_from_of10).collect(),
                    more,
                },
                of10::StatsReplyBody::Port(ports) => Incoming::PortStatsReply {
                    ports: ports.iter().map(stats::port_from_of10).collect(),
                    more,
                },
                _ => Incoming::Ignored("OFPT_STATS_REPLY"),
            }
        }
        Message::Unknown { ty, .. } => Incoming::UnknownType(ty),
        other => Incoming::Ignored(of10::type_name(other.msg_type())),
    })
}

/// Physical ports only: LOCAL and the other reserved numbers are not forwarding ports.
fn port(p: &of10::PhyPort) -> Option<PortDesc> {
    p.port_no.is_physical().then(|| PortDesc {
        port_no: u32::from(p.port_no.0),
        hw_addr: p.hw_addr,
        name: p.name.clone(),
        admin_down: p.is_admin_down(),
        link_down: p.is_link_down(),
    })
}

/// Encode one message as OF1.0.
pub fn encode(msg: &Outgoing<'_>, xid: u32, out: &mut BytesMut) -> Result<(), EncodeError> {
    let m = match *msg {
        // Every answer to a packet-in: straight to bytes.
        Outgoing::FlowMod(f) => return f.encode_of10(xid, out),
        Outgoing::FeaturesRequest => Message::FeaturesRequest,
        Outgoing::SetConfig { miss_send_len } => Message::SetConfig(of10::SwitchConfig {
            flags: 0,
            miss_send_len,
        }),
        Outgoing::PortDescRequest => {
            return Err(EncodeError::Unsupported {
                version: "1.0",
                what: "port description multipart (ports come in the features reply)",
            })
        }
        Outgoing::EchoRequest(data) => Message::EchoRequest {
            data: Bytes::copy_from_slice(data),
        },
        Outgoing::EchoReply(data) => Message::EchoReply { data: data.clone() },
        Outgoing::BarrierRequest => Message::BarrierRequest,
        Outgoing::PacketOut(p) => Message::PacketOut(p.to_of10()?),
        Outgoing::FlowStatsRequest => Message::StatsRequest(of10::StatsRequest::new(
            of10::StatsRequestBody::Flow(of10::FlowStatsRequest::all()),
        )),
        Outgoing::PortStatsRequest => {
            Message::StatsRequest(of10::StatsRequest::new(of10::StatsRequestBody::Port {
                port_no: of10::PortNo::NONE,
            }))
        }
    };
    m.encode(xid, out)
}
