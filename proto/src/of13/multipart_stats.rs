//! Fixed-layout multipart bodies (spec 1.3.5 §A.3.5): table, port and queue statistics and
//! group features.
//!
//! ```text
//! ofp_table_stats (24):        table_id, pad[3], active_count (u32), lookup_count, matched_count (u64)
//! ofp_port_stats_request (8):  port_no (u32), pad[4]
//! ofp_port_stats (112):        port_no, pad[4], 12 x u64 counters, duration_sec, duration_nsec
//! ofp_queue_stats_request (8): port_no (u32), queue_id (u32)
//! ofp_queue_stats (40):        port_no, queue_id, tx_bytes, tx_packets, tx_errors, duration_sec, duration_nsec
//! ofp_group_features (40):     types, capabilities, max_groups[4], actions[4]   (u32 each)
//! ```

use bytes::{BufMut, BytesMut};

use crate::error::DecodeError;
use crate::reader::Reader;

/// `ofp_table_stats`: one entry of the `OFPMP_TABLE` reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TableStats {
    /// Table id.
    pub table_id: u8,
    /// Active entries.
    pub active_count: u32,
    /// Packets looked up in table.
    pub lookup_count: u64,
    /// Packets that hit table.
    pub matched_count: u64,
}

impl TableStats {
    /// Encoded length.
    pub const LEN: usize = 24;

    /// Decode one entry.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let table_id = r.u8("ofp_table_stats.table_id")?;
        r.skip(3, "ofp_table_stats.pad")?;
        Ok(TableStats {
            table_id,
            active_count: r.u32("ofp_table_stats.active_count")?,
            lookup_count: r.u64("ofp_table_stats.lookup_count")?,
            matched_count: r.u64("ofp_table_stats.matched_count")?,
        })
    }

    /// Append one entry.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u8(self.table_id);
        out.put_bytes(0, 3);
        out.put_u32(self.active_count);
        out.put_u64(self.lookup_count);
        out.put_u64(self.matched_count);
    }
}

/// `ofp_port_stats_request`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PortStatsRequest {
    /// The port, or `OFPP_ANY` for all.
    pub port_no: u32,
}

impl PortStatsRequest {
    /// Decode the request body.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let port_no = r.u32("ofp_port_stats_request.port_no")?;
        r.skip(4, "ofp_port_stats_request.pad")?;
        Ok(PortStatsRequest { port_no })
    }

    /// Append the request body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.port_no);
        out.put_bytes(0, 4);
    }
}

/// `ofp_port_stats`: one entry of the `OFPMP_PORT_STATS` reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct PortStats {
    /// Port number.
    pub port_no: u32,
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
    /// Packets with RX overrun.
    pub rx_over_err: u64,
    /// CRC errors.
    pub rx_crc_err: u64,
    /// Collisions.
    pub collisions: u64,
    /// Time the port has been alive, seconds.
    pub duration_sec: u32,
    /// Time the port has been alive beyond `duration_sec`, nanoseconds.
    pub duration_nsec: u32,
}

impl PortStats {
    /// Encoded length.
    pub const LEN: usize = 112;

    /// Decode one entry.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let port_no = r.u32("ofp_port_stats.port_no")?;
        r.skip(4, "ofp_port_stats.pad")?;
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
            duration_sec: r.u32("ofp_port_stats.duration_sec")?,
            duration_nsec: r.u32("ofp_port_stats.duration_nsec")?,
        })
    }

    /// Append one entry.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.port_no);
        out.put_bytes(0, 4);
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
        out.put_u32(self.duration_sec);
        out.put_u32(self.duration_nsec);
    }
}

/// `ofp_queue_stats_request`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueueStatsRequest {
    /// The port, or `OFPP_ANY` for all.
    pub port_no: u32,
    /// The queue, or `OFPQ_ALL`.
    pub queue_id: u32,
}

impl QueueStatsRequest {
    /// Decode the request body.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(QueueStatsRequest {
            port_no: r.u32("ofp_queue_stats_request.port_no")?,
            queue_id: r.u32("ofp_queue_stats_request.queue_id")?,
        })
    }

    /// Append the request body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.port_no);
        out.put_u32(self.queue_id);
    }
}

/// `ofp_queue_stats`: one entry of the `OFPMP_QUEUE` reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueueStats {
    /// Port number.
    pub port_no: u32,
    /// Queue id.
    pub queue_id: u32,
    /// Transmitted bytes.
    pub tx_bytes: u64,
    /// Transmitted packets.
    pub tx_packets: u64,
    /// Packets dropped due to overrun.
    pub tx_errors: u64,
    /// Time the queue has been alive, seconds.
    pub duration_sec: u32,
    /// Time beyond `duration_sec`, nanoseconds.
    pub duration_nsec: u32,
}

impl QueueStats {
    /// Encoded length.
    pub const LEN: usize = 40;

    /// Decode one entry.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(QueueStats {
            port_no: r.u32("ofp_queue_stats.port_no")?,
            queue_id: r.u32("ofp_queue_stats.queue_id")?,
            tx_bytes: r.u64("ofp_queue_stats.tx_bytes")?,
            tx_packets: r.u64("ofp_queue_stats.tx_packets")?,
            tx_errors: r.u64("ofp_queue_stats.tx_errors")?,
            duration_sec: r.u32("ofp_queue_stats.duration_sec")?,
            duration_nsec: r.u32("ofp_queue_stats.duration_nsec")?,
        })
    }

    /// Append one entry.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.port_no);
        out.put_u32(self.queue_id);
        out.put_u64(self.tx_bytes);
        out.put_u64(self.tx_packets);
        out.put_u64(self.tx_errors);
        out.put_u32(self.duration_sec);
        out.put_u32(self.duration_nsec);
    }
}

/// `ofp_group_features`: the `OFPMP_GROUP_FEATURES` reply body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GroupFeatures {
    /// Bitmap of `OFPGT_*` values supported.
    pub types: u32,
    /// Bitmap of `OFPGFC_*` capability supported.
    pub capabilities: u32,
    /// Maximum number of groups for each type (indexed by `OFPGT_*`).
    pub max_groups: [u32; 4],
    /// Bitmaps of `OFPAT_*` that are supported, per group type.
    pub actions: [u32; 4],
}

impl GroupFeatures {
    /// Encoded length.
    pub const LEN: usize = 40;

    /// Decode the body.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let types = r.u32("ofp_group_features.types")?;
        let capabilities = r.u32("ofp_group_features.capabilities")?;
        let mut max_groups = [0; 4];
        for m in &mut max_groups {
            *m = r.u32("ofp_group_features.max_groups")?;
        }
        let mut actions = [0; 4];
        for a in &mut actions {
            *a = r.u32("ofp_group_features.actions")?;
        }
        Ok(GroupFeatures {
            types,
            capabilities,
            max_groups,
            actions,
        })
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.types);
        out.put_u32(self.capabilities);
        self.max_groups.iter().for_each(|v| out.put_u32(*v));
        self.actions.iter().for_each(|v| out.put_u32(*v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn rt<T: PartialEq + std::fmt::Debug>(
        v: T,
        len: usize,
        enc: impl Fn(&T, &mut BytesMut),
        dec: impl Fn(&mut Reader<'_>) -> Result<T, DecodeError>,
    ) {
        let mut out = BytesMut::new();
        enc(&v, &mut out);
        assert_eq!(out.len(), len);
        let buf = out.freeze();
        let mut r = Reader::new(&buf, "T");
        assert_eq!(dec(&mut r).unwrap(), v);
        assert!(r.is_empty());
        let short = buf.slice(..len - 1);
        assert!(dec(&mut Reader::new(&short, "T")).is_err());
    }

    #[test]
    fn table_stats_bytes() {
        static B: [u8; 24] = [
            1, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 6,
        ];
        let buf = Bytes::from_static(&B);
        let t = TableStats::decode(&mut Reader::new(&buf, "OFPMP_TABLE reply")).unwrap();
        assert_eq!(
            t,
            TableStats {
                table_id: 1,
                active_count: 4,
                lookup_count: 5,
                matched_count: 6
            }
        );
        let mut out = BytesMut::new();
        t.encode(&mut out);
        assert_eq!(&out[..], &B[..]);
    }

    #[test]
    fn round_trips() {
        let ps = PortStats {
            port_no: 7,
            tx_bytes: 336,
            tx_packets: 4,
            collisions: 9,
            duration_nsec: 1,
            ..PortStats::default()
        };
        rt(ps, PortStats::LEN, PortStats::encode, PortStats::decode);
        let qs = QueueStats {
            port_no: 7,
            queue_id: 1,
            tx_bytes: 2,
            tx_packets: 3,
            tx_errors: 4,
            duration_sec: 5,
            duration_nsec: 6,
        };
        rt(qs, QueueStats::LEN, QueueStats::encode, QueueStats::decode);
        let gf = GroupFeatures {
            types: 15,
            capabilities: 5,
            max_groups: [1, 2, 3, 4],
            actions: [5, 6, 7, 8],
        };
        rt(
            gf,
            GroupFeatures::LEN,
            GroupFeatures::encode,
            GroupFeatures::decode,
        );
        let pr = PortStatsRequest {
            port_no: 0xffff_ffff,
        };
        rt(pr, 8, PortStatsRequest::encode, PortStatsRequest::decode);
        let qr = QueueStatsRequest {
            port_no: 1,
            queue_id: 2,
        };
        rt(qr, 8, QueueStatsRequest::encode, QueueStatsRequest::decode);
    }
}
