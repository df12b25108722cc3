//! `OFPT_STATS_REPLY` (`ofp_stats_reply`, spec §5.3.5) and the per-type reply structs.
//!
//! ```text
//!  0               2               4
//! +---------------+---------------+------------------------------ - -
//! |     type      |     flags     | body: one struct or an array of them
//! +---------------+---------------+------------------------------ - -
//! ```
//!
//! `flags & OFPSF_REPLY_MORE` means more replies with the same xid follow.

use bytes::{BufMut, Bytes, BytesMut};

use super::action::{self, Action};
use super::consts::*;
use super::{fixed_str, Match, PortNo};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::reader::Reader;

/// `ofp_desc_stats`: the switch's description strings (1056 bytes).
///
/// ```text
/// mfr_desc[256] hw_desc[256] sw_desc[256] serial_num[32] dp_desc[256]
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DescStats {
    /// Manufacturer.
    pub mfr_desc: String,
    /// Hardware revision.
    pub hw_desc: String,
    /// Software revision.
    pub sw_desc: String,
    /// Serial number.
    pub serial_num: String,
    /// Human-readable datapath description.
    pub dp_desc: String,
}

impl DescStats {
    /// Decode 1056 bytes.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(DescStats {
            mfr_desc: fixed_str::decode::<DESC_STR_LEN>(r, "ofp_desc_stats.mfr_desc")?,
            hw_desc: fixed_str::decode::<DESC_STR_LEN>(r, "ofp_desc_stats.hw_desc")?,
            sw_desc: fixed_str::decode::<DESC_STR_LEN>(r, "ofp_desc_stats.sw_desc")?,
            serial_num: fixed_str::decode::<SERIAL_NUM_LEN>(r, "ofp_desc_stats.serial_num")?,
            dp_desc: fixed_str::decode::<DESC_STR_LEN>(r, "ofp_desc_stats.dp_desc")?,
        })
    }

    /// Append 1056 bytes.
    pub fn encode(&self, out: &mut BytesMut) {
        fixed_str::encode(&self.mfr_desc, DESC_STR_LEN, out);
        fixed_str::encode(&self.hw_desc, DESC_STR_LEN, out);
        fixed_str::encode(&self.sw_desc, DESC_STR_LEN, out);
        fixed_str::encode(&self.serial_num, SERIAL_NUM_LEN, out);
        fixed_str::encode(&self.dp_desc, DESC_STR_LEN, out);
    }
}

/// `ofp_flow_stats`: one flow entry.
///
/// ```text
///  0       2   3   4                                       44              48
/// +-------+---+---+---------------------------------------+---------------+
/// |length |tbl|pad|            match (ofp_match)          | duration_sec  |
/// +-------+---+---+-------+-------+-----------------------+---------------+
/// |duration_nsec  |priorit|idle_to|hard_to|     pad (6)   |    cookie     ...
/// +---------------+-------+-------+-------+---------------+-------------- - -
/// 48              52      54      56      58              64              72
/// ... | packet_count (8) | byte_count (8) | actions ...     (88 + actions)
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FlowStats {
    /// Table the flow is in.
    pub table_id: u8,
    /// Its match.
    #[serde(rename = "match")]
    pub match_: Match,
    /// Seconds alive.
    pub duration_sec: u32,
    /// Nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
    /// Priority.
    pub priority: u16,
    /// Idle timeout.
    pub idle_timeout: u16,
    /// Hard timeout.
    pub hard_timeout: u16,
    /// Cookie.
    pub cookie: u64,
    /// Packets matched.
    pub packet_count: u64,
    /// Bytes matched.
    pub byte_count: u64,
    /// Actions.
    pub actions: Vec<Action>,
}

impl FlowStats {
    /// Decode one entry (its `length` must fit in the reader).
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        let len = r.u16("ofp_flow_stats.length")? as usize;
        r.check_tlv_len(len, start, OFP_FLOW_STATS_LEN, 8, "ofp_flow_stats.length")?;
        let table_id = r.u8("ofp_flow_stats.table_id")?;
        r.skip(1, "ofp_flow_stats.pad")?;
        let match_ = Match::decode(r)?;
        let duration_sec = r.u32("ofp_flow_stats.duration_sec")?;
        let duration_nsec = r.u32("ofp_flow_stats.duration_nsec")?;
        let priority = r.u16("ofp_flow_stats.priority")?;
        let idle_timeout = r.u16("ofp_flow_stats.idle_timeout")?;
        let hard_timeout = r.u16("ofp_flow_stats.hard_timeout")?;
        r.skip(6, "ofp_flow_stats.pad2")?;
        let cookie = r.u64("ofp_flow_stats.cookie")?;
        let packet_count = r.u64("ofp_flow_stats.packet_count")?;
        let byte_count = r.u64("ofp_flow_stats.byte_count")?;
        let actions = action::decode_list(r, len - OFP_FLOW_STATS_LEN)?;
        Ok(FlowStats {
            table_id,
            match_,
            duration_sec,
            duration_nsec,
            priority,
            idle_timeout,
            hard_timeout,
            cookie,
            packet_count,
            byte_count,
            actions,
        })
    }

    /// Append the entry.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        let len = self.encoded_len();
        let len = u16::try_from(len).map_err(|_| EncodeError::TooLong { len })?;
        out.put_u16(len);
        out.put_u8(self.table_id);
        out.put_u8(0);
        self.match_.encode(out);
        out.put_u32(self.duration_sec);
        out.put_u32(self.duration_nsec);
        out.put_u16(self.priority);
        out.put_u16(self.idle_timeout);
        out.put_u16(self.hard_timeout);
        out.put_bytes(0, 6);
        out.put_u64(self.cookie);
        out.put_u64(self.packet_count);
        out.put_u64(self.byte_count);
        action::encode_list(&self.actions, out)
    }

    /// Wire length of the entry.
    pub fn encoded_len(&self) -> usize {
        OFP_FLOW_STATS_LEN + action::list_len(&self.actions)
    }
}

/// `ofp_aggregate_stats_reply` (24 bytes).
///
/// ```text
/// packet_count(8) byte_count(8) flow_count(4) pad(4)
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AggregateStats {
    /// Packets in all matching flows.
    pub packet_count: u64,
    /// Bytes in all matching flows.
    pub byte_count: u64,
    /// Number of matching flows.
    pub flow_count: u32,
}

/// `ofp_table_stats` (64 bytes).
///
/// ```text
/// table_id(1) pad(3) name[32] wildcards(4) max_entries(4) active_count(4)
/// lookup_count(8) matched_count(8)
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TableStats {
    /// Table id.
    pub table_id: u8,
    /// Table name.
    pub name: String,
    /// `OFPFW_*` bits the table supports.
    pub wildcards: u32,
    /// Capacity.
    pub max_entries: u32,
    /// Entries in use.
    pub active_count: u32,
    /// Packets looked up.
    pub lookup_count: u64,
    /// Packets that hit.
    pub matched_count: u64,
}

impl TableStats {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let table_id = r.u8("ofp_table_stats.table_id")?;
        r.skip(3, "ofp_table_stats.pad")?;
        Ok(TableStats {
            table_id,
            name: fixed_str::decode::<OFP_MAX_TABLE_NAME_LEN>(r, "ofp_table_stats.name")?,
            wildcards: r.u32("ofp_table_stats.wildcards")?,
            max_entries: r.u32("ofp_table_stats.max_entries")?,
            active_count: r.u32("ofp_table_stats.active_count")?,
            lookup_count: r.u64("ofp_table_stats.lookup_count")?,
            matched_count: r.u64("ofp_table_stats.matched_count")?,
        })
    }

    fn encode(&self, out: &mut BytesMut) {
        out.put_u8(self.table_id);
        out.put_bytes(0, 3);
        fixed_str::encode(&self.name, OFP_MAX_TABLE_NAME_LEN, out);
        out.put_u32(self.wildcards);
        out.put_u32(self.max_entries);
        out.put_u32(self.active_count);
        out.put_u64(self.lookup_count);
        out.put_u64(self.matched_count);
    }
}

/// `ofp_port_stats` (104 bytes): port_no(2) pad(6) then twelve u64 counters.
/// A counter the switch does not keep is all ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PortStats {
    /// Port.
    pub port_no: PortNo,
    /// Received packets.
    pub rx_packets: u64,
    /// Transmitted packets.
    pub tx_packets: u64,
    /// Received bytes.
    pub rx_bytes: u64,
    /// Transmitted bytes.
    pub tx_bytes: u64,
    /// Packets dropped by RX.
    pub rx_dropped: u64,
    /// Packets dropped by TX.
    pub tx_dropped: u64,
    /// Receive errors.
    pub rx_errors: u64,
    /// Transmit errors.
    pub tx_errors: u64,
    /// Frame alignment errors.
    pub rx_frame_err: u64,
    /// Overruns.
    pub rx_over_err: u64,
    /// CRC errors.
    pub rx_crc_err: u64,
    /// Collisions.
    pub collisions: u64,
}

impl PortStats {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let port_no = PortNo(r.u16("ofp_port_stats.port_no")?);
        r.skip(6, "ofp_port_stats.pad")?;
        Ok(PortStats {
            port_no,
            rx_packets: r.u64("ofp_port_stats.rx_packets")?,
            tx_packets: r.u64("ofp_port_stats.tx_packets")?,
            rx_bytes: r.u64("ofp_port_stats.rx_bytes")?,
            tx_bytes: r.u64("ofp_port_stats.tx_bytes")?,
            rx_dropped: r.u64("ofp_port_stats.rx_dropped")?,
            tx_dropped: r.u64("ofp_port_stats.tx_dropped")?,
            rx_errors: r.u64("ofp_port_stats.rx_errors")?,
            tx_errors: r.u64("ofp_port_stats.tx_errors")?,
            rx_frame_err: r.u64("ofp_port_stats.rx_frame_err")?,
            rx_over_err: r.u64("ofp_port_stats.rx_over_err")?,
            rx_crc_err: r.u64("ofp_port_stats.rx_crc_err")?,
            collisions: r.u64("ofp_port_stats.collisions")?,
        })
    }

    fn encode(&self, out: &mut BytesMut) {
        out.put_u16(self.port_no.0);
        out.put_bytes(0, 6);
        for v in [
            self.rx_packets,
            self.tx_packets,
            self.rx_bytes,
            self.tx_bytes,
            self.rx_dropped,
            self.tx_dropped,
            self.rx_errors,
            self.tx_errors,
            self.rx_frame_err,
            self.rx_over_err,
            self.rx_crc_err,
            self.collisions,
        ] {
            out.put_u64(v);
        }
    }
}

/// `ofp_queue_stats` (32 bytes): port_no(2) pad(2) queue_id(4) tx_bytes(8)
/// tx_packets(8) tx_errors(8).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueueStats {
    /// Port.
    pub port_no: PortNo,
    /// Queue.
    pub queue_id: u32,
    /// Bytes sent.
    pub tx_bytes: u64,
    /// Packets sent.
    pub tx_packets: u64,
    /// Packets dropped for overrun.
    pub tx_errors: u64,
}

impl QueueStats {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let port_no = PortNo(r.u16("ofp_queue_stats.port_no")?);
        r.skip(2, "ofp_queue_stats.pad")?;
        Ok(QueueStats {
            port_no,
            queue_id: r.u32("ofp_queue_stats.queue_id")?,
            tx_bytes: r.u64("ofp_queue_stats.tx_bytes")?,
            tx_packets: r.u64("ofp_queue_stats.tx_packets")?,
            tx_errors: r.u64("ofp_queue_stats.tx_errors")?,
        })
    }

    fn encode(&self, out: &mut BytesMut) {
        out.put_u16(self.port_no.0);
        out.put_bytes(0, 2);
        out.put_u32(self.queue_id);
        out.put_u64(self.tx_bytes);
        out.put_u64(self.tx_packets);
        out.put_u64(self.tx_errors);
    }
}

/// The typed body of an `ofp_stats_reply`; the variant fixes `ofp_stats_reply.type`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatsReplyBody {
    /// `OFPST_DESC`.
    Desc(DescStats),
    /// `OFPST_FLOW`.
    Flow(Vec<FlowStats>),
    /// `OFPST_AGGREGATE`.
    Aggregate(AggregateStats),
    /// `OFPST_TABLE`.
    Table(Vec<TableStats>),
    /// `OFPST_PORT`.
    Port(Vec<PortStats>),
    /// `OFPST_QUEUE`.
    Queue(Vec<QueueStats>),
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
        /// `ofp_stats_reply.type`.
        ty: u16,
        /// Everything after `flags`.
        #[serde(with = "crate::serde_hex")]
        body: Bytes,
    },
}

/// `ofp_stats_reply`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatsReply {
    /// `OFPSF_*` flags.
    pub flags: u16,
    /// The statistics.
    pub body: StatsReplyBody,
}

/// Decode an array of fixed-size records that must fill the reader exactly.
fn fixed_array<T>(
    r: &mut Reader<'_>,
    size: usize,
    field: &'static str,
    decode: fn(&mut Reader<'_>) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    if r.remaining() % size != 0 {
        return Err(r.error(
            field,
            DecodeErrorKind::BadLength {
                value: r.remaining(),
            },
        ));
    }
    let mut v = Vec::with_capacity(r.remaining() / size);
    while !r.is_empty() {
        v.push(decode(r)?);
    }
    Ok(v)
}

impl StatsReply {
    /// The `OFPST_*` type.
    pub fn stats_type(&self) -> u16 {
        match &self.body {
            StatsReplyBody::Desc(_) => OFPST_DESC,
            StatsReplyBody::Flow(_) => OFPST_FLOW,
            StatsReplyBody::Aggregate(_) => OFPST_AGGREGATE,
            StatsReplyBody::Table(_) => OFPST_TABLE,
            StatsReplyBody::Port(_) => OFPST_PORT,
            StatsReplyBody::Queue(_) => OFPST_QUEUE,
            StatsReplyBody::Vendor { .. } => OFPST_VENDOR,
            StatsReplyBody::Unknown { ty, .. } => *ty,
        }
    }

    /// True when more replies with the same xid follow (`OFPSF_REPLY_MORE`).
    pub fn more(&self) -> bool {
        self.flags & OFPSF_REPLY_MORE != 0
    }

    /// Decode the message body (everything after `ofp_header`).
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let ty = r.u16("ofp_stats_reply.type")?;
        let flags = r.u16("ofp_stats_reply.flags")?;
        let body = match ty {
            OFPST_DESC => StatsReplyBody::Desc(DescStats::decode(r)?),
            OFPST_FLOW => {
                let mut flows = Vec::new();
                while !r.is_empty() {
                    flows.push(FlowStats::decode(r)?);
                }
                StatsReplyBody::Flow(flows)
            }
            OFPST_AGGREGATE => {
                let a = AggregateStats {
                    packet_count: r.u64("ofp_aggregate_stats_reply.packet_count")?,
                    byte_count: r.u64("ofp_aggregate_stats_reply.byte_count")?,
                    flow_count: r.u32("ofp_aggregate_stats_reply.flow_count")?,
                };
                r.skip(4, "ofp_aggregate_stats_reply.pad")?;
                StatsReplyBody::Aggregate(a)
            }
            OFPST_TABLE => StatsReplyBody::Table(fixed_array(
                r,
                OFP_TABLE_STATS_LEN,
                "ofp_table_stats",
                TableStats::decode,
            )?),
            OFPST_PORT => StatsReplyBody::Port(fixed_array(
                r,
                OFP_PORT_STATS_LEN,
                "ofp_port_stats",
                PortStats::decode,
            )?),
            OFPST_QUEUE => StatsReplyBody::Queue(fixed_array(
                r,
                OFP_QUEUE_STATS_LEN,
                "ofp_queue_stats",
                QueueStats::decode,
            )?),
            OFPST_VENDOR => StatsReplyBody::Vendor {
                vendor: r.u32("ofp_stats_reply.vendor")?,
                body: r.rest(),
            },
            ty => StatsReplyBody::Unknown { ty, body: r.rest() },
        };
        r.finish("ofp_stats_reply.body")?;
        Ok(StatsReply { flags, body })
    }

    /// Append the message body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        out.put_u16(self.stats_type());
        out.put_u16(self.flags);
        match &self.body {
            StatsReplyBody::Desc(d) => d.encode(out),
            StatsReplyBody::Flow(flows) => {
                for f in flows {
                    f.encode(out)?;
                }
            }
            StatsReplyBody::Aggregate(a) => {
                out.put_u64(a.packet_count);
                out.put_u64(a.byte_count);
                out.put_u32(a.flow_count);
                out.put_bytes(0, 4);
            }
            StatsReplyBody::Table(t) => t.iter().for_each(|t| t.encode(out)),
            StatsReplyBody::Port(p) => p.iter().for_each(|p| p.encode(out)),
            StatsReplyBody::Queue(q) => q.iter().for_each(|q| q.encode(out)),
            StatsReplyBody::Vendor { vendor, body } => {
                out.put_u32(*vendor);
                out.put_slice(body);
            }
            StatsReplyBody::Unknown { body, .. } => out.put_slice(body),
        }
        Ok(())
    }

    /// Body length (after `ofp_header`).
    pub fn encoded_len(&self) -> usize {
        4 + match &self.body {
            StatsReplyBody::Desc(_) => OFP_DESC_STATS_LEN,
            StatsReplyBody::Flow(f) => f.iter().map(FlowStats::encoded_len).sum(),
            StatsReplyBody::Aggregate(_) => 24,
            StatsReplyBody::Table(t) => t.len() * OFP_TABLE_STATS_LEN,
            StatsReplyBody::Port(p) => p.len() * OFP_PORT_STATS_LEN,
            StatsReplyBody::Queue(q) => q.len() * OFP_QUEUE_STATS_LEN,
            StatsReplyBody::Vendor { body, .. } => 4 + body.len(),
            StatsReplyBody::Unknown { body, .. } => body.len(),
        }
    }
}
