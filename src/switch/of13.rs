//! OpenFlow 1.3: decoded [`proto::of13`] messages to [`Incoming`], [`Outgoing`] to bytes.
//!
//! PACKET_IN, FLOW_REMOVED, FLOW_MOD and PACKET_OUT are handled through their body types
//! directly, so this works whether or not `of13::Message` carries them as variants.

use bytes::{Bytes, BytesMut};
use proto::header::patch_length;
use proto::of13::consts::{
    OFPPC_PORT_DOWN, OFPPR_ADD, OFPPR_DELETE, OFPPR_MODIFY, OFPPS_LINK_DOWN, OFPP_ANY, OFPP_MAX,
    OFPT_FLOW_MOD, OFPT_FLOW_REMOVED, OFPT_PACKET_IN, OFPT_PACKET_OUT, OFP_NO_BUFFER,
};
use proto::of13::consts_flow::{OFPG_ANY, OFPTT_ALL};
use proto::of13::flow_removed::FlowRemovedReason as Frr;
use proto::of13::packet_in::PacketInReason as Pir;
use proto::of13::{self, Message};
use proto::reader::Reader;
use proto::{flow, DecodeError, EncodeError, Header, HEADER_LEN, OFP13_VERSION};

use super::stats;
use super::wire::{Incoming, Outgoing};
use crate::event::{
    FlowRemoved, FlowRemovedReason, PacketIn, PacketInReason, PortDesc, PortReason, SwitchId,
};

/// Decode one OF1.3 message.
pub fn decode(buf: &Bytes, switch: &SwitchId) -> Result<Incoming, DecodeError> {
    let header = Header::parse(buf)?;
    match header.ty {
        OFPT_PACKET_IN => {
            let mut r = body_reader(buf, "OFPT_PACKET_IN")?;
            let p = of13::packet_in::PacketIn::decode(&mut r)?;
            let in_port = p.in_port().unwrap_or(0);
            return Ok(Incoming::PacketIn(PacketIn {
                switch: switch.clone(),
                in_port,
                reason: match p.reason {
                    Pir::NoMatch => PacketInReason::NoMatch,
                    Pir::Action => PacketInReason::Action,
                    Pir::InvalidTtl => PacketInReason::InvalidTtl,
                    Pir::Unknown(v) => PacketInReason::Other(v),
                },
                buffer_id: (p.buffer_id != OFP_NO_BUFFER).then_some(p.buffer_id),
                table_id: p.table_id,
                cookie: p.cookie,
                total_len: p.total_len,
                match_: flow::Match::from(&p.match_),
                data: p.data,
            }));
        }
        OFPT_FLOW_REMOVED => {
            let mut r = body_reader(buf, "OFPT_FLOW_REMOVED")?;
            let f = of13::flow_removed::FlowRemoved::decode(&mut r)?;
            r.finish("ofp_flow_removed")?;
            return Ok(Incoming::FlowRemoved(FlowRemoved {
                switch: switch.clone(),
                cookie: f.cookie,
                priority: f.priority,
                reason: match f.reason {
                    Frr::IdleTimeout => FlowRemovedReason::IdleTimeout,
                    Frr::HardTimeout => FlowRemovedReason::HardTimeout,
                    Frr::Delete => FlowRemovedReason::Delete,
                    Frr::GroupDelete => FlowRemovedReason::GroupDelete,
                    Frr::Unknown(v) => FlowRemovedReason::Other(v),
                },
                table_id: f.table_id,
                match_: flow::Match::from(&f.match_),
                duration_sec: f.duration_sec,
                idle_timeout: f.idle_timeout,
                hard_timeout: f.hard_timeout,
                packet_count: f.packet_count,
                byte_count: f.byte_count,
            }));
        }
        OFPT_FLOW_MOD | OFPT_PACKET_OUT => {
            return Ok(Incoming::Ignored(of13::type_name_of(header.ty)));
        }
        _ => {}
    }
    let (_, msg) = Message::decode(buf)?;
    Ok(match msg {
        Message::Hello(_) => Incoming::Hello,
        Message::Error(e) => match e {
            of13::ErrorMsg::Standard { ty, code, data } => Incoming::Error { ty, code, data },
            of13::ErrorMsg::Experimenter { exp_type, data, .. } => Incoming::Error {
                ty: 0xffff,
                code: exp_type,
                data,
            },
        },
        Message::EchoRequest { data } => Incoming::EchoRequest(data),
        Message::EchoReply { data } => Incoming::EchoReply(data),
        Message::FeaturesReply(f) => Incoming::FeaturesReply {
            dpid: f.datapath_id,
            n_buffers: f.n_buffers,
            n_tables: f.n_tables,
            ports: None,
        },
        Message::MultipartReply(m) => {
            let more = m.more();
            let name = of13::multipart::reply_name(m.mp_type());
            match m.body {
                of13::MultipartReplyBody::PortDesc(ports) => Incoming::PortDescReply {
                    ports: ports.iter().filter_map(port).collect(),
                    more,
                },
                of13::MultipartReplyBody::Flow(flows) => Incoming::FlowStatsReply {
                    flows: flows.iter().map(stats::flow_from_of13).collect(),
                    more,
                },
                of13::MultipartReplyBody::PortStats(ports) => Incoming::PortStatsReply {
                    ports: ports.iter().map(stats::port_from_of13).collect(),
                    more,
                },
                _ => Incoming::Ignored(name),
            }
        }
        Message::PortStatus(s) => match port(&s.desc) {
            Some(desc) => Incoming::PortStatus {
                reason: match s.reason {
                    OFPPR_ADD => PortReason::Add,
                    OFPPR_DELETE => PortReason::Delete,
                    OFPPR_MODIFY => PortReason::Modify,
                    v => PortReason::Other(v),
                },
                port: desc,
            },
            None => Incoming::Ignored("OFPT_PORT_STATUS (reserved port)"),
        },
        Message::BarrierReply => Incoming::BarrierReply,
        Message::Unknown { ty, .. } => Incoming::UnknownType(ty),
        other => Incoming::Ignored(other.type_name()),
    })
}

/// A reader positioned after the header of a message framed to its exact length.
fn body_reader<'a>(buf: &'a Bytes, context: &'static str) -> Result<Reader<'a>, DecodeError> {
    let mut r = Reader::new(buf, context);
    r.skip(HEADER_LEN, "ofp_header")?;
    Ok(r)
}

/// Physical ports only: LOCAL and the other reserved numbers are not forwarding ports.
fn port(p: &of13::Port) -> Option<PortDesc> {
    (p.port_no >= 1 && p.port_no <= OFPP_MAX).then(|| PortDesc {
        port_no: p.port_no,
        hw_addr: p.hw_addr,
        name: p.name.as_str().into_owned(),
        admin_down: p.config & OFPPC_PORT_DOWN != 0,
        link_down: p.state & OFPPS_LINK_DOWN != 0,
    })
}

/// Encode one message as OF1.3.
pub fn encode(msg: &Outgoing<'_>, xid: u32, out: &mut BytesMut) -> Result<(), EncodeError> {
    let m = match *msg {
        Outgoing::FeaturesRequest => Message::FeaturesRequest,
        Outgoing::SetConfig { miss_send_len } => Message::SetConfig(of13::SwitchConfig {
            flags: 0,
            miss_send_len,
        }),
        Outgoing::PortDescRequest => Message::MultipartRequest(of13::MultipartRequest {
            flags: 0,
            body: of13::MultipartRequestBody::PortDesc,
        }),
        Outgoing::EchoRequest(data) => Message::EchoRequest {
            data: Bytes::copy_from_slice(data),
        },
        Outgoing::EchoReply(data) => Message::EchoReply { data: data.clone() },
        Outgoing::BarrierRequest => Message::BarrierRequest,
        Outgoing::FlowStatsRequest => Message::MultipartRequest(of13::MultipartRequest {
            flags: 0,
            body: of13::MultipartRequestBody::Flow(of13::FlowStatsRequest {
                table_id: OFPTT_ALL,
                out_port: OFPP_ANY,
                out_group: OFPG_ANY,
                cookie: 0,
                cookie_mask: 0,
                match_: of13::match_::Match::new(),
            }),
        }),
        Outgoing::PortStatsRequest => Message::MultipartRequest(of13::MultipartRequest {
            flags: 0,
            body: of13::MultipartRequestBody::PortStats(of13::PortStatsRequest {
                port_no: OFPP_ANY,
            }),
        }),
        Outgoing::FlowMod(f) => {
            let fm = f.to_of13()?;
            return with_header(OFPT_FLOW_MOD, xid, out, |out| fm.encode(out));
        }
        Outgoing::PacketOut(p) => {
            let po = p.to_of13()?;
            return with_header(OFPT_PACKET_OUT, xid, out, |out| po.encode(out));
        }
    };
    m.encode(xid, out)
}

fn with_header(
    ty: u8,
    xid: u32,
    out: &mut BytesMut,
    body: impl FnOnce(&mut BytesMut) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let start = out.len();
    Header {
        version: OFP13_VERSION,
        ty,
        length: 0,
        xid,
    }
    .emit(out);
    let res = body(out).and_then(|()| patch_length(&mut out[..], start));
    if res.is_err() {
        out.truncate(start);
    }
    res
}
