//! `OFPT_STATS_REQUEST` (`ofp_stats_request`, spec §5.3.5).
//!
//! ```text
//!  0               2               4
//! +---------------+---------------+------------------------------ - -
//! |     type      |     flags     | body (depends on type)
//! +---------------+---------------+------------------------------ - -
//! ```
//!
//! | type | body |
//! |---|---|
//! | `OFPST_DESC`, `OFPST_TABLE` | none |
//! | `OFPST_FLOW`, `OFPST_AGGREGATE` | `ofp_flow_stats_request` / `ofp_aggregate_stats_request` (44) |
//! | `OFPST_PORT` | `ofp_port_stats_request` (8) |
//! | `OFPST_QUEUE` | `ofp_queue_stats_request` (8) |
//! | `OFPST_VENDOR` | vendor id (4) + vendor body |

use bytes::{BufMut, Bytes, BytesMut};

use super::consts::*;
use super::{Match, PortNo};
use crate::error::DecodeError;
use crate::reader::Reader;

/// `ofp_flow_stats_request` (and the identical `ofp_aggregate_stats_request`).
///
/// ```text
///  0                                       40  41  42      44
/// +---------------------------------------+---+---+-------+
/// |            match (ofp_match)          |tbl|pad|out_prt|
/// +---------------------------------------+---+---+-------+
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FlowStatsRequest {
    /// Flows to report.
    #[serde(rename = "match")]
    pub match_: Match,
    /// Table to read, or 0xff for all tables.
    pub table_id: u8,
    /// Only flows that output to this port; `OFPP_NONE` for any.
    pub out_port: PortNo,
}

impl FlowStatsRequest {
    /// Wire size.
    pub const LEN: usize = 44;

    /// Every flow in every table.
    pub fn all() -> Self {
        FlowStatsRequest {
            match_: Match::all(),
            table_id: 0xff,
            out_port: PortNo::NONE,
        }
    }

    /// Decode 44 bytes.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let match_ = Match::decode(r)?;
        let table_id = r.u8("ofp_flow_stats_request.table_id")?;
        r.skip(1, "ofp_flow_stats_request.pad")?;
        Ok(FlowStatsRequest {
            match_,
            table_id,
            out_port: PortNo(r.u16("ofp_flow_stats_request.out_port")?),
        })
    }

    /// Append 44 bytes.
    pub fn encode(&self, out: &mut BytesMut) {
        self.match_.encode(out);
        out.put_u8(self.table_id);
        out.put_u8(0);
        out.put_u16(self.out_port.0);
    }
}

/// The typed body of an `ofp_stats_request`; the variant fixes `ofp_stats_request.type`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatsRequestBody {
    /// `OFPST_DESC`: switch description.
    Desc,
    /// `OFPST_FLOW`: individual flow statistics.
    Flow(FlowStatsRequest),
    /// `OFPST_AGGREGATE`: aggregate flow statistics.
    Aggregate(FlowStatsRequest),
    /// `OFPST_TABLE`: flow table statistics.
    Table,
    /// `OFPST_PORT` (`ofp_port_stats_request`): one port, or `OFPP_NONE` for all.
    Port {
        /// Port to report.
        port_no: PortNo,
    },
    /// `OFPST_QUEUE` (`ofp_queue_stats_request`).
    Queue {
        /// Port (`OFPP_ALL` for all ports).
        port_no: PortNo,
        /// Queue (`OFPQ_ALL` for all queues).
        queue_id: u32,
    },
    /// `OFPST_VENDOR`.
    Vendor {
        /// Vendor id.
        vendor: u32,
        /// Vendor-defined body.
        #[serde(with = "crate::serde_hex")]
        body: Bytes,
    },
    /// A stats type the spec does not define, kept raw.
    Unknown {
        /// `ofp_stats_request.type`.
        ty: u16,
        /// Everything after `flags`.
        #[serde(with = "crate::serde_hex")]
        body: Bytes,
    },
}

/// `ofp_stats_request`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatsRequest {
    /// `ofp_stats_request.flags` (none are defined in 1.0).
    pub flags: u16,
    /// What is requested.
    pub body: StatsRequestBody,
}

impl StatsRequest {
    /// A request with no flags.
    pub fn new(body: StatsRequestBody) -> Self {
        StatsRequest { flags: 0, body }
    }

    /// The `OFPST_*` type.
    pub fn stats_type(&self) -> u16 {
        match &self.body {
            StatsRequestBody::Desc => OFPST_DESC,
            StatsRequestBody::Flow(_) => OFPST_FLOW,
            StatsRequestBody::Aggregate(_) => OFPST_AGGREGATE,
            StatsRequestBody::Table => OFPST_TABLE,
            StatsRequestBody::Port { .. } => OFPST_PORT,
            StatsRequestBody::Queue { .. } => OFPST_QUEUE,
            StatsRequestBody::Vendor { .. } => OFPST_VENDOR,
            StatsRequestBody::Unknown { ty, .. } => *ty,
        }
    }

    /// Decode the message body (everything after `ofp_header`).
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let ty = r.u16("ofp_stats_request.type")?;
        let flags = r.u16("ofp_stats_request.flags")?;
        let body = match ty {
            OFPST_DESC => StatsRequestBody::Desc,
            OFPST_FLOW => StatsRequestBody::Flow(FlowStatsRequest::decode(r)?),
            OFPST_AGGREGATE => StatsRequestBody::Aggregate(FlowStatsRequest::decode(r)?),
            OFPST_TABLE => StatsRequestBody::Table,
            OFPST_PORT => {
                let port_no = PortNo(r.u16("ofp_port_stats_request.port_no")?);
                r.skip(6, "ofp_port_stats_request.pad")?;
                StatsRequestBody::Port { port_no }
            }
            OFPST_QUEUE => {
                let port_no = PortNo(r.u16("ofp_queue_stats_request.port_no")?);
                r.skip(2, "ofp_queue_stats_request.pad")?;
                let queue_id = r.u32("ofp_queue_stats_request.queue_id")?;
                StatsRequestBody::Queue { port_no, queue_id }
            }
            OFPST_VENDOR => StatsRequestBody::Vendor {
                vendor: r.u32("ofp_stats_request.vendor")?,
                body: r.rest(),
            },
            ty => StatsRequestBody::Unknown { ty, body: r.rest() },
        };
        r.finish("ofp_stats_request.body")?;
        Ok(StatsRequest { flags, body })
    }

    /// Append the message body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u16(self.stats_type());
        out.put_u16(self.flags);
        match &self.body {
            StatsRequestBody::Desc | StatsRequestBody::Table => {}
            StatsRequestBody::Flow(f) | StatsRequestBody::Aggregate(f) => f.encode(out),
            StatsRequestBody::Port { port_no } => {
                out.put_u16(port_no.0);
                out.put_bytes(0, 6);
            }
            StatsRequestBody::Queue { port_no, queue_id } => {
                out.put_u16(port_no.0);
                out.put_bytes(0, 2);
                out.put_u32(*queue_id);
            }
            StatsRequestBody::Vendor { vendor, body } => {
                out.put_u32(*vendor);
                out.put_slice(body);
            }
            StatsRequestBody::Unknown { body, .. } => out.put_slice(body),
        }
    }

    /// Body length (after `ofp_header`).
    pub fn encoded_len(&self) -> usize {
        4 + match &self.body {
            StatsRequestBody::Desc | StatsRequestBody::Table => 0,
            StatsRequestBody::Flow(_) | StatsRequestBody::Aggregate(_) => FlowStatsRequest::LEN,
            StatsRequestBody::Port { .. } | StatsRequestBody::Queue { .. } => 8,
            StatsRequestBody::Vendor { body, .. } => 4 + body.len(),
            StatsRequestBody::Unknown { body, .. } => body.len(),
        }
    }
}
