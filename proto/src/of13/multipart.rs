//! `OFPT_MULTIPART_REQUEST` / `OFPT_MULTIPART_REPLY` (spec 1.3.5 §A.3.5): the envelope and
//! the dispatch to each body type.
//!
//! ```text
//! ofp_multipart_request / ofp_multipart_reply (after ofp_header)
//! +---------------+---------------+-------------------------------+----------
//! |  type (u16)   |  flags (u16)  |           pad[4]              | body ...
//! +---------------+---------------+-------------------------------+----------
//! ```
//! A long reply is split over several messages with `OFPMPF_REPLY_MORE` set on all but the
//! last; each message decodes on its own (the runtime joins the bodies). A multipart type
//! this crate does not know keeps its body raw and re-encodes byte for byte.

use bytes::{BufMut, Bytes, BytesMut};

use super::consts::*;
use super::experimenter::Experimenter;
use super::multipart_desc::Desc;
use super::multipart_flow::{
    AggregateStatsReply, AggregateStatsRequest, FlowStats, FlowStatsRequest,
};
use super::multipart_group::{GroupDesc, GroupStats, GroupStatsRequest};
use super::multipart_meter::{MeterConfig, MeterFeatures, MeterMultipartRequest, MeterStats};
use super::multipart_stats::{
    GroupFeatures, PortStats, PortStatsRequest, QueueStats, QueueStatsRequest, TableStats,
};
use super::port::Port;
use super::table_features::TableFeatures;
use crate::error::{DecodeError, EncodeError};
use crate::reader::Reader;

/// Decode fixed or self-delimiting items until the reader is empty.
pub(crate) fn list<T>(
    r: &mut Reader<'_>,
    mut f: impl FnMut(&mut Reader<'_>) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    let mut v = Vec::new();
    while !r.is_empty() {
        v.push(f(r)?);
    }
    Ok(v)
}

/// `ofp_multipart_request`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MultipartRequest {
    /// `OFPMPF_REQ_MORE` when more requests follow.
    pub flags: u16,
    /// The typed body; its variant decides `ofp_multipart_request.type`.
    pub body: MultipartRequestBody,
}

/// `ofp_multipart_reply`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MultipartReply {
    /// `OFPMPF_REPLY_MORE` when more replies follow.
    pub flags: u16,
    /// The typed body; its variant decides `ofp_multipart_reply.type`.
    pub body: MultipartReplyBody,
}

/// Request bodies, one variant per `OFPMP_*` type.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MultipartRequestBody {
    /// `OFPMP_DESC`: empty body.
    Desc,
    /// `OFPMP_FLOW`.
    Flow(FlowStatsRequest),
    /// `OFPMP_AGGREGATE`.
    Aggregate(AggregateStatsRequest),
    /// `OFPMP_TABLE`: empty body.
    Table,
    /// `OFPMP_PORT_STATS`.
    PortStats(PortStatsRequest),
    /// `OFPMP_QUEUE`.
    Queue(QueueStatsRequest),
    /// `OFPMP_GROUP`.
    Group(GroupStatsRequest),
    /// `OFPMP_GROUP_DESC`: empty body.
    GroupDesc,
    /// `OFPMP_GROUP_FEATURES`: empty body.
    GroupFeatures,
    /// `OFPMP_METER`.
    Meter(MeterMultipartRequest),
    /// `OFPMP_METER_CONFIG`.
    MeterConfig(MeterMultipartRequest),
    /// `OFPMP_METER_FEATURES`: empty body.
    MeterFeatures,
    /// `OFPMP_TABLE_FEATURES`: empty to query, or the tables to configure.
    TableFeatures(Vec<TableFeatures>),
    /// `OFPMP_PORT_DESC`: empty body.
    PortDesc,
    /// `OFPMP_EXPERIMENTER`: `ofp_experimenter_multipart_header` and raw data.
    Experimenter(Experimenter),
    /// A type this crate does not decode; the body is kept verbatim.
    Unknown {
        /// `ofp_multipart_request.type`.
        #[serde(rename = "type")]
        ty: u16,
        /// Everything after the 8-byte multipart header.
        #[serde(with = "crate::serde_hex")]
        body: Bytes,
    },
}

/// Reply bodies, one variant per `OFPMP_*` type.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MultipartReplyBody {
    /// `OFPMP_DESC`: `ofp_desc` (boxed: it is 1056 bytes of text).
    Desc(Box<Desc>),
    /// `OFPMP_FLOW`: an array of `ofp_flow_stats`.
    Flow(Vec<FlowStats>),
    /// `OFPMP_AGGREGATE`: `ofp_aggregate_stats_reply`.
    Aggregate(AggregateStatsReply),
    /// `OFPMP_TABLE`: an array of `ofp_table_stats`.
    Table(Vec<TableStats>),
    /// `OFPMP_PORT_STATS`: an array of `ofp_port_stats`.
    PortStats(Vec<PortStats>),
    /// `OFPMP_QUEUE`: an array of `ofp_queue_stats`.
    Queue(Vec<QueueStats>),
    /// `OFPMP_GROUP`: an array of `ofp_group_stats`.
    Group(Vec<GroupStats>),
    /// `OFPMP_GROUP_DESC`: an array of `ofp_group_desc`.
    GroupDesc(Vec<GroupDesc>),
    /// `OFPMP_GROUP_FEATURES`: `ofp_group_features`.
    GroupFeatures(GroupFeatures),
    /// `OFPMP_METER`: an array of `ofp_meter_stats`.
    Meter(Vec<MeterStats>),
    /// `OFPMP_METER_CONFIG`: an array of `ofp_meter_config`.
    MeterConfig(Vec<MeterConfig>),
    /// `OFPMP_METER_FEATURES`: `ofp_meter_features`.
    MeterFeatures(MeterFeatures),
    /// `OFPMP_TABLE_FEATURES`: an array of `ofp_table_features`.
    TableFeatures(Vec<TableFeatures>),
    /// `OFPMP_PORT_DESC`: an array of `ofp_port`.
    PortDesc(Vec<Port>),
    /// `OFPMP_EXPERIMENTER`: `ofp_experimenter_multipart_header` and raw data.
    Experimenter(Experimenter),
    /// A type this crate does not decode; the body is kept verbatim.
    Unknown {
        /// `ofp_multipart_reply.type`.
        #[serde(rename = "type")]
        ty: u16,
        /// Everything after the 8-byte multipart header.
        #[serde(with = "crate::serde_hex")]
        body: Bytes,
    },
}

/// Name of a multipart type, for errors and logs (`"OFPMP_PORT_DESC"`).
pub fn mp_type_name(ty: u16) -> &'static str {
    match ty {
        OFPMP_DESC => "OFPMP_DESC",
        OFPMP_FLOW => "OFPMP_FLOW",
        OFPMP_AGGREGATE => "OFPMP_AGGREGATE",
        OFPMP_TABLE => "OFPMP_TABLE",
        OFPMP_PORT_STATS => "OFPMP_PORT_STATS",
        OFPMP_QUEUE => "OFPMP_QUEUE",
        OFPMP_GROUP => "OFPMP_GROUP",
        OFPMP_GROUP_DESC => "OFPMP_GROUP_DESC",
        OFPMP_GROUP_FEATURES => "OFPMP_GROUP_FEATURES",
        OFPMP_METER => "OFPMP_METER",
        OFPMP_METER_CONFIG => "OFPMP_METER_CONFIG",
        OFPMP_METER_FEATURES => "OFPMP_METER_FEATURES",
        OFPMP_TABLE_FEATURES => "OFPMP_TABLE_FEATURES",
        OFPMP_PORT_DESC => "OFPMP_PORT_DESC",
        OFPMP_EXPERIMENTER => "OFPMP_EXPERIMENTER",
        _ => "OFPMP_UNKNOWN",
    }
}

/// `"OFPMP_FLOW request"`: the reader context while decoding a request body.
pub fn request_name(ty: u16) -> &'static str {
    match ty {
        OFPMP_DESC => "OFPMP_DESC request",
        OFPMP_FLOW => "OFPMP_FLOW request",
        OFPMP_AGGREGATE => "OFPMP_AGGREGATE request",
        OFPMP_TABLE => "OFPMP_TABLE request",
        OFPMP_PORT_STATS => "OFPMP_PORT_STATS request",
        OFPMP_QUEUE => "OFPMP_QUEUE request",
        OFPMP_GROUP => "OFPMP_GROUP request",
        OFPMP_GROUP_DESC => "OFPMP_GROUP_DESC request",
        OFPMP_GROUP_FEATURES => "OFPMP_GROUP_FEATURES request",
        OFPMP_METER => "OFPMP_METER request",
        OFPMP_METER_CONFIG => "OFPMP_METER_CONFIG request",
        OFPMP_METER_FEATURES => "OFPMP_METER_FEATURES request",
        OFPMP_TABLE_FEATURES => "OFPMP_TABLE_FEATURES request",
        OFPMP_PORT_DESC => "OFPMP_PORT_DESC request",
        OFPMP_EXPERIMENTER => "OFPMP_EXPERIMENTER request",
        _ => "OFPMP_UNKNOWN request",
    }
}

/// `"OFPMP_FLOW reply"`: the reader context while decoding a reply body.
pub fn reply_name(ty: u16) -> &'static str {
    match ty {
        OFPMP_DESC => "OFPMP_DESC reply",
        OFPMP_FLOW => "OFPMP_FLOW reply",
        OFPMP_AGGREGATE => "OFPMP_AGGREGATE reply",
        OFPMP_TABLE => "OFPMP_TABLE reply",
        OFPMP_PORT_STATS => "OFPMP_PORT_STATS reply",
        OFPMP_QUEUE => "OFPMP_QUEUE reply",
        OFPMP_GROUP => "OFPMP_GROUP reply",
        OFPMP_GROUP_DESC => "OFPMP_GROUP_DESC reply",
        OFPMP_GROUP_FEATURES => "OFPMP_GROUP_FEATURES reply",
        OFPMP_METER => "OFPMP_METER reply",
        OFPMP_METER_CONFIG => "OFPMP_METER_CONFIG reply",
        OFPMP_METER_FEATURES => "OFPMP_METER_FEATURES reply",
        OFPMP_TABLE_FEATURES => "OFPMP_TABLE_FEATURES reply",
        OFPMP_PORT_DESC => "OFPMP_PORT_DESC reply",
        OFPMP_EXPERIMENTER => "OFPMP_EXPERIMENTER reply",
        _ => "OFPMP_UNKNOWN reply",
    }
}

/// Read the 8-byte envelope and switch the reader's context to the body's name.
fn envelope(
    r: &mut Reader<'_>,
    what: &'static str,
    name: fn(u16) -> &'static str,
) -> Result<(u16, u16), DecodeError> {
    let ty = r.u16(what)?;
    r.set_context(name(ty));
    let flags = r.u16("ofp_multipart.flags")?;
    r.skip(4, "ofp_multipart.pad")?;
    Ok((ty, flags))
}

fn put_envelope(out: &mut BytesMut, ty: u16, flags: u16) {
    out.put_u16(ty);
    out.put_u16(flags);
    out.put_bytes(0, 4);
}

impl MultipartRequest {
    /// A single request (no `OFPMPF_REQ_MORE`).
    pub fn new(body: MultipartRequestBody) -> Self {
        MultipartRequest { flags: 0, body }
    }

    /// True when `OFPMPF_REQ_MORE` is set: more requests of this transaction follow.
    pub fn more(&self) -> bool {
        self.flags & OFPMPF_REQ_MORE != 0
    }

    /// Decode the body after `ofp_header`; the reader's context becomes
    /// `"OFPMP_<TYPE> request"` so errors name the body type.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (ty, flags) = envelope(r, "ofp_multipart_request.type", request_name)?;
        let empty = |r: &mut Reader<'_>, b: MultipartRequestBody| {
            r.finish("ofp_multipart_request.body").map(|_| b)
        };
        let body = match ty {
            OFPMP_DESC => empty(r, MultipartRequestBody::Desc)?,
            OFPMP_FLOW => MultipartRequestBody::Flow(FlowStatsRequest::decode(r)?),
            OFPMP_AGGREGATE => MultipartRequestBody::Aggregate(AggregateStatsRequest::decode(r)?),
            OFPMP_TABLE => empty(r, MultipartRequestBody::Table)?,
            OFPMP_PORT_STATS => MultipartRequestBody::PortStats(PortStatsRequest::decode(r)?),
            OFPMP_QUEUE => MultipartRequestBody::Queue(QueueStatsRequest::decode(r)?),
            OFPMP_GROUP => MultipartRequestBody::Group(GroupStatsRequest::decode(r)?),
            OFPMP_GROUP_DESC => empty(r, MultipartRequestBody::GroupDesc)?,
            OFPMP_GROUP_FEATURES => empty(r, MultipartRequestBody::GroupFeatures)?,
            OFPMP_METER => MultipartRequestBody::Meter(MeterMultipartRequest::decode(r)?),
            OFPMP_METER_CONFIG => {
                MultipartRequestBody::MeterConfig(MeterMultipartRequest::decode(r)?)
            }
            OFPMP_METER_FEATURES => empty(r, MultipartRequestBody::MeterFeatures)?,
            OFPMP_TABLE_FEATURES => {
                MultipartRequestBody::TableFeatures(list(r, TableFeatures::decode)?)
            }
            OFPMP_PORT_DESC => empty(r, MultipartRequestBody::PortDesc)?,
            OFPMP_EXPERIMENTER => MultipartRequestBody::Experimenter(Experimenter::decode(r)?),
            _ => MultipartRequestBody::Unknown { ty, body: r.rest() },
        };
        Ok(MultipartRequest { flags, body })
    }

    /// `ofp_multipart_request.type` of the body.
    pub fn mp_type(&self) -> u16 {
        match &self.body {
            MultipartRequestBody::Desc => OFPMP_DESC,
            MultipartRequestBody::Flow(_) => OFPMP_FLOW,
            MultipartRequestBody::Aggregate(_) => OFPMP_AGGREGATE,
            MultipartRequestBody::Table => OFPMP_TABLE,
            MultipartRequestBody::Group(_) => OFPMP_GROUP,
            MultipartRequestBody::PortStats(_) => OFPMP_PORT_STATS,
            MultipartRequestBody::Queue(_) => OFPMP_QUEUE,
            MultipartRequestBody::GroupDesc => OFPMP_GROUP_DESC,
            MultipartRequestBody::GroupFeatures => OFPMP_GROUP_FEATURES,
            MultipartRequestBody::Meter(_) => OFPMP_METER,
            MultipartRequestBody::MeterConfig(_) => OFPMP_METER_CONFIG,
            MultipartRequestBody::MeterFeatures => OFPMP_METER_FEATURES,
            MultipartRequestBody::TableFeatures(_) => OFPMP_TABLE_FEATURES,
            MultipartRequestBody::PortDesc => OFPMP_PORT_DESC,
            MultipartRequestBody::Experimenter(_) => OFPMP_EXPERIMENTER,
            MultipartRequestBody::Unknown { ty, .. } => *ty,
        }
    }

    /// `"OFPMP_PORT_DESC request"`.
    pub fn type_name(&self) -> &'static str {
        request_name(self.mp_type())
    }

    /// Append the envelope and body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        put_envelope(out, self.mp_type(), self.flags);
        match &self.body {
            MultipartRequestBody::Desc
            | MultipartRequestBody::Table
            | MultipartRequestBody::GroupDesc
            | MultipartRequestBody::GroupFeatures
            | MultipartRequestBody::MeterFeatures
            | MultipartRequestBody::PortDesc => {}
            MultipartRequestBody::Flow(f) => f.encode(out)?,
            MultipartRequestBody::Aggregate(a) => a.encode(out)?,
            MultipartRequestBody::Group(g) => g.encode(out),
            MultipartRequestBody::PortStats(p) => p.encode(out),
            MultipartRequestBody::Queue(q) => q.encode(out),
            MultipartRequestBody::Meter(m) | MultipartRequestBody::MeterConfig(m) => m.encode(out),
            MultipartRequestBody::TableFeatures(t) => t.iter().for_each(|t| t.encode(out)),
            MultipartRequestBody::Experimenter(e) => e.encode(out),
            MultipartRequestBody::Unknown { body, .. } => out.put_slice(body),
        }
        Ok(())
    }
}

impl MultipartReply {
    /// A final reply (no `OFPMPF_REPLY_MORE`).
    pub fn new(body: MultipartReplyBody) -> Self {
        MultipartReply { flags: 0, body }
    }

    /// Decode the body after `ofp_header`; the reader's context becomes
    /// `"OFPMP_<TYPE> reply"` so errors name the body type.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (ty, flags) = envelope(r, "ofp_multipart_reply.type", reply_name)?;
        let body = match ty {
            OFPMP_DESC => MultipartReplyBody::Desc(Box::new(Desc::decode(r)?)),
            OFPMP_FLOW => MultipartReplyBody::Flow(list(r, FlowStats::decode)?),
            OFPMP_AGGREGATE => MultipartReplyBody::Aggregate(AggregateStatsReply::decode(r)?),
            OFPMP_TABLE => MultipartReplyBody::Table(list(r, TableStats::decode)?),
            OFPMP_GROUP => MultipartReplyBody::Group(list(r, GroupStats::decode)?),
            OFPMP_GROUP_DESC => MultipartReplyBody::GroupDesc(list(r, GroupDesc::decode)?),
            OFPMP_PORT_STATS => MultipartReplyBody::PortStats(list(r, PortStats::decode)?),
            OFPMP_QUEUE => MultipartReplyBody::Queue(list(r, QueueStats::decode)?),
            OFPMP_GROUP_FEATURES => MultipartReplyBody::GroupFeatures(GroupFeatures::decode(r)?),
            OFPMP_METER => MultipartReplyBody::Meter(list(r, MeterStats::decode)?),
            OFPMP_METER_CONFIG => MultipartReplyBody::MeterConfig(list(r, MeterConfig::decode)?),
            OFPMP_METER_FEATURES => MultipartReplyBody::MeterFeatures(MeterFeatures::decode(r)?),
            OFPMP_TABLE_FEATURES => {
                MultipartReplyBody::TableFeatures(list(r, TableFeatures::decode)?)
            }
            OFPMP_PORT_DESC => MultipartReplyBody::PortDesc(list(r, Port::decode)?),
            OFPMP_EXPERIMENTER => MultipartReplyBody::Experimenter(Experimenter::decode(r)?),
            _ => MultipartReplyBody::Unknown { ty, body: r.rest() },
        };
        Ok(MultipartReply { flags, body })
    }

    /// `ofp_multipart_reply.type` of the body.
    pub fn mp_type(&self) -> u16 {
        match &self.body {
            MultipartReplyBody::Desc(_) => OFPMP_DESC,
            MultipartReplyBody::Flow(_) => OFPMP_FLOW,
            MultipartReplyBody::Aggregate(_) => OFPMP_AGGREGATE,
            MultipartReplyBody::Table(_) => OFPMP_TABLE,
            MultipartReplyBody::Group(_) => OFPMP_GROUP,
            MultipartReplyBody::GroupDesc(_) => OFPMP_GROUP_DESC,
            MultipartReplyBody::PortStats(_) => OFPMP_PORT_STATS,
            MultipartReplyBody::Queue(_) => OFPMP_QUEUE,
            MultipartReplyBody::GroupFeatures(_) => OFPMP_GROUP_FEATURES,
            MultipartReplyBody::Meter(_) => OFPMP_METER,
            MultipartReplyBody::MeterConfig(_) => OFPMP_METER_CONFIG,
            MultipartReplyBody::MeterFeatures(_) => OFPMP_METER_FEATURES,
            MultipartReplyBody::TableFeatures(_) => OFPMP_TABLE_FEATURES,
            MultipartReplyBody::PortDesc(_) => OFPMP_PORT_DESC,
            MultipartReplyBody::Experimenter(_) => OFPMP_EXPERIMENTER,
            MultipartReplyBody::Unknown { ty, .. } => *ty,
        }
    }

    /// `"OFPMP_PORT_DESC reply"`.
    pub fn type_name(&self) -> &'static str {
        reply_name(self.mp_type())
    }

    /// True when `OFPMPF_REPLY_MORE` is set: more replies to this request follow.
    pub fn more(&self) -> bool {
        self.flags & OFPMPF_REPLY_MORE != 0
    }

    /// Append the envelope and body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        put_envelope(out, self.mp_type(), self.flags);
        match &self.body {
            MultipartReplyBody::Desc(d) => d.encode(out),
            MultipartReplyBody::Flow(v) => {
                for f in v {
                    f.encode(out)?;
                }
            }
            MultipartReplyBody::Aggregate(a) => a.encode(out),
            MultipartReplyBody::Table(v) => v.iter().for_each(|t| t.encode(out)),
            MultipartReplyBody::Group(v) => {
                for g in v {
                    g.encode(out)?;
                }
            }
            MultipartReplyBody::GroupDesc(v) => {
                for g in v {
                    g.encode(out)?;
                }
            }
            MultipartReplyBody::PortStats(v) => v.iter().for_each(|p| p.encode(out)),
            MultipartReplyBody::Queue(v) => v.iter().for_each(|q| q.encode(out)),
            MultipartReplyBody::GroupFeatures(g) => g.encode(out),
            MultipartReplyBody::Meter(v) => v.iter().for_each(|m| m.encode(out)),
            MultipartReplyBody::MeterConfig(v) => v.iter().for_each(|m| m.encode(out)),
            MultipartReplyBody::MeterFeatures(m) => m.encode(out),
            MultipartReplyBody::TableFeatures(v) => v.iter().for_each(|t| t.encode(out)),
            MultipartReplyBody::PortDesc(ports) => ports.iter().for_each(|p| p.encode(out)),
            MultipartReplyBody::Experimenter(e) => e.encode(out),
            MultipartReplyBody::Unknown { body, .. } => out.put_slice(body),
        }
        Ok(())
    }
}
