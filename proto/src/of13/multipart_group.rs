//! Multipart bodies for groups (spec 1.3.5 §7.3.5.9-§7.3.5.10, §A.3.5.9-§A.3.5.10):
//! `OFPMP_GROUP` request and reply entries, `OFPMP_GROUP_DESC` reply entries (the
//! group-desc request body is empty).
//!
//! ```text
//! ofp_group_stats_request (8):  group_id u32 | pad[4]
//! ofp_group_stats (one per group; the reply body is a list of them):
//!  0 +---------------+---------------+-------------------------------+
//!    |    length     |    pad[2]     |           group_id            |
//!  8 +---------------+---------------+-------------------------------+
//!    |           ref_count           |            pad[4]             |
//! 16 +-------------------------------+-------------------------------+
//!    |         packet_count          |          byte_count           |
//! 32 +-------------------------------+-------------------------------+
//!    |         duration_sec          |         duration_nsec         |
//! 40 +-------------------------------+-------------------------------+
//!    | ofp_bucket_counter[] (16 bytes each: packet_count u64, byte_count u64)
//!    +----------------------------------------------------------- - -
//! ofp_group_desc (one per group; the reply body is a list of them):
//!  0 +---------------+-------+-------+-------------------------------+
//!    |    length     | type  |  pad  |           group_id            |
//!  8 +---------------+-------+-------+-------------------------------+
//!    | ofp_bucket[] (to length)
//!    +----------------------------------------------------------- - -
//! ```

use bytes::{BufMut, BytesMut};

use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::reader::Reader;

use super::group_mod::{Bucket, GroupType};
use super::tlv::{atomic, patch_len16, put_zeros};

/// `ofp_group_stats_request`: the body of an `OFPMP_GROUP` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GroupStatsRequest {
    /// The group, or `OFPG_ALL`.
    pub group_id: u32,
}

impl GroupStatsRequest {
    /// Encoded length.
    pub const LEN: usize = 8;

    /// Decode the body after the multipart header.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let group_id = r.u32("ofp_group_stats_request.group_id")?;
        r.skip(4, "ofp_group_stats_request.pad")?;
        Ok(GroupStatsRequest { group_id })
    }

    /// Bytes [`GroupStatsRequest::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        Self::LEN
    }

    /// Append the 8 bytes.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.group_id);
        put_zeros(out, 4);
    }
}

/// `ofp_bucket_counter`: per-bucket counters of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BucketCounter {
    /// Packets processed by the bucket.
    pub packet_count: u64,
    /// Bytes processed by the bucket.
    pub byte_count: u64,
}

/// `ofp_group_stats`: one group of an `OFPMP_GROUP` reply.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GroupStats {
    /// The group.
    pub group_id: u32,
    /// Flows and groups that forward to it.
    pub ref_count: u32,
    /// Packets processed.
    pub packet_count: u64,
    /// Bytes processed.
    pub byte_count: u64,
    /// Time alive, seconds part.
    pub duration_sec: u32,
    /// Time alive beyond `duration_sec`, nanoseconds.
    pub duration_nsec: u32,
    /// One counter per bucket.
    pub bucket_stats: Vec<BucketCounter>,
}

/// Bytes of `ofp_group_stats` before the bucket counters.
const GROUP_STATS_FIXED_LEN: usize = 40;
/// Bytes of one `ofp_bucket_counter`.
const BUCKET_COUNTER_LEN: usize = 16;

impl GroupStats {
    /// Decode one entry; consumes exactly its `length` bytes.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        let len = usize::from(r.u16("ofp_group_stats.length")?);
        r.check_tlv_len(
            len,
            start,
            GROUP_STATS_FIXED_LEN,
            8,
            "ofp_group_stats.length",
        )?;
        if (len - GROUP_STATS_FIXED_LEN) % BUCKET_COUNTER_LEN != 0 {
            return Err(r.error_at(
                start,
                "ofp_group_stats.length",
                DecodeErrorKind::BadLength { value: len },
            ));
        }
        let mut e = r.sub(len - 2, "ofp_group_stats")?;
        e.skip(2, "ofp_group_stats.pad")?;
        let group_id = e.u32("ofp_group_stats.group_id")?;
        let ref_count = e.u32("ofp_group_stats.ref_count")?;
        e.skip(4, "ofp_group_stats.pad2")?;
        let packet_count = e.u64("ofp_group_stats.packet_count")?;
        let byte_count = e.u64("ofp_group_stats.byte_count")?;
        let duration_sec = e.u32("ofp_group_stats.duration_sec")?;
        let duration_nsec = e.u32("ofp_group_stats.duration_nsec")?;
        let mut bucket_stats = Vec::with_capacity(e.remaining() / BUCKET_COUNTER_LEN);
        while !e.is_empty() {
            bucket_stats.push(BucketCounter {
                packet_count: e.u64("ofp_bucket_counter.packet_count")?,
                byte_count: e.u64("ofp_bucket_counter.byte_count")?,
            });
        }
        Ok(GroupStats {
            group_id,
            ref_count,
            packet_count,
            byte_count,
            duration_sec,
            duration_nsec,
            bucket_stats,
        })
    }

    /// Bytes on the wire (its `length`).
    pub fn encoded_len(&self) -> usize {
        GROUP_STATS_FIXED_LEN + BUCKET_COUNTER_LEN * self.bucket_stats.len()
    }

    /// Append the entry. Fails (appending nothing) past 4093 buckets, which would
    /// overflow `length`.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        atomic(out, |out| {
            let start = out.len();
            out.put_u16(0);
            put_zeros(out, 2);
            out.put_u32(self.group_id);
            out.put_u32(self.ref_count);
            put_zeros(out, 4);
            out.put_u64(self.packet_count);
            out.put_u64(self.byte_count);
            out.put_u32(self.duration_sec);
            out.put_u32(self.duration_nsec);
            for b in &self.bucket_stats {
                out.put_u64(b.packet_count);
                out.put_u64(b.byte_count);
            }
            patch_len16(out, start, start)
        })
    }
}

/// `ofp_group_desc`: one group of an `OFPMP_GROUP_DESC` reply.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GroupDesc {
    /// The group's type.
    #[serde(rename = "type")]
    pub ty: GroupType,
    /// The group.
    pub group_id: u32,
    /// Its buckets.
    pub buckets: Vec<Bucket>,
}

/// Bytes of `ofp_group_desc` before the buckets.
const GROUP_DESC_FIXED_LEN: usize = 8;

impl GroupDesc {
    /// Decode one entry; consumes exactly its `length` bytes.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        let len = usize::from(r.u16("ofp_group_desc.length")?);
        r.check_tlv_len(len, start, GROUP_DESC_FIXED_LEN, 8, "ofp_group_desc.length")?;
        let ty = GroupType::from(r.u8("ofp_group_desc.type")?);
        r.skip(1, "ofp_group_desc.pad")?;
        let group_id = r.u32("ofp_group_desc.group_id")?;
        let buckets = Bucket::decode_list(r, len - GROUP_DESC_FIXED_LEN, "ofp_group_desc.buckets")?;
        Ok(GroupDesc {
            ty,
            group_id,
            buckets,
        })
    }

    /// Bytes on the wire (its `length`).
    pub fn encoded_len(&self) -> usize {
        GROUP_DESC_FIXED_LEN + Bucket::list_len(&self.buckets)
    }

    /// Append the entry. On error nothing is appended.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        atomic(out, |out| {
            let start = out.len();
            out.put_u16(0);
            out.put_u8(self.ty.into());
            put_zeros(out, 1);
            out.put_u32(self.group_id);
            Bucket::encode_list(&self.buckets, out)?;
            patch_len16(out, start, start)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::of13::action::Action;
    use bytes::Bytes;

    fn with_headers(bytes: &[u8]) -> Bytes {
        Bytes::from([&[0u8; 16][..], bytes].concat())
    }

    #[test]
    fn group_stats_request_round_trip() {
        let bytes = [0xff, 0xff, 0xff, 0xfc, 0, 0, 0, 0];
        let buf = with_headers(&bytes);
        let mut r = Reader::new(&buf, "OFPMP_GROUP request");
        r.skip(16, "headers").unwrap();
        let q = GroupStatsRequest::decode(&mut r).unwrap();
        assert_eq!(q.group_id, 0xffff_fffc);
        let mut out = BytesMut::from(&[0xa5u8; 1][..]);
        q.encode(&mut out);
        assert_eq!(&out[1..], &bytes[..]);
    }

    #[rustfmt::skip]
    static GROUP_STATS: [u8; 72] = [
        0x00, 0x48, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, // length 72, pad, group 7
        0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, // ref_count 2, pad
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, // packet_count
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8, // byte_count
        0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x05, // duration
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, // bucket 0 packets
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xe8, //          bytes
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // bucket 1
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
    ];

    fn group_stats() -> GroupStats {
        GroupStats {
            group_id: 7,
            ref_count: 2,
            packet_count: 10,
            byte_count: 1000,
            duration_sec: 60,
            duration_nsec: 5,
            bucket_stats: vec![
                BucketCounter {
                    packet_count: 10,
                    byte_count: 1000,
                },
                BucketCounter {
                    packet_count: 0,
                    byte_count: 0,
                },
            ],
        }
    }

    fn decode_stats(bytes: &[u8]) -> Result<GroupStats, DecodeError> {
        let buf = with_headers(bytes);
        let mut r = Reader::new(&buf, "OFPMP_GROUP reply");
        r.skip(16, "headers").unwrap();
        let g = GroupStats::decode(&mut r)?;
        assert!(r.is_empty());
        Ok(g)
    }

    #[test]
    fn group_stats_round_trip() {
        assert_eq!(decode_stats(&GROUP_STATS).unwrap(), group_stats());
        let mut out = BytesMut::from(&[0xa5u8; 2][..]);
        group_stats().encode(&mut out).unwrap();
        assert_eq!(&out[2..], &GROUP_STATS[..]);
        assert_eq!(group_stats().encoded_len(), GROUP_STATS.len());
    }

    #[test]
    fn group_stats_bad_lengths() {
        let mut b = GROUP_STATS;
        b[1] = 0;
        let e = decode_stats(&b).unwrap_err();
        assert_eq!((e.field, e.offset), ("ofp_group_stats.length", 16));
        // 48: 8-aligned but half a bucket counter.
        b[1] = 48;
        let e = decode_stats(&b[..48]).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 48 });
        // Past the end.
        b[1] = 88;
        let e = decode_stats(&b).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 88 });
    }

    #[rustfmt::skip]
    static GROUP_DESC: [u8; 40] = [
        0x00, 0x28, 0x03, 0x00, 0x00, 0x00, 0x00, 0x09, // length 40, FF, pad, group 9
        0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, // bucket len 32, weight, watch_port 2
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, // watch_group ANY, pad
        0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x02, //   output:2
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
    ];

    fn group_desc() -> GroupDesc {
        GroupDesc {
            ty: GroupType::FastFailover,
            group_id: 9,
            buckets: vec![Bucket {
                weight: 0,
                watch_port: 2,
                watch_group: 0xffff_ffff,
                actions: vec![Action::Output {
                    port: 2,
                    max_len: 0,
                }],
            }],
        }
    }

    fn decode_desc(bytes: &[u8]) -> Result<GroupDesc, DecodeError> {
        let buf = with_headers(bytes);
        let mut r = Reader::new(&buf, "OFPMP_GROUP_DESC reply");
        r.skip(16, "headers").unwrap();
        let g = GroupDesc::decode(&mut r)?;
        assert!(r.is_empty());
        Ok(g)
    }

    #[test]
    fn group_desc_round_trip() {
        assert_eq!(decode_desc(&GROUP_DESC).unwrap(), group_desc());
        let mut out = BytesMut::from(&[0xa5u8; 2][..]);
        group_desc().encode(&mut out).unwrap();
        assert_eq!(&out[2..], &GROUP_DESC[..]);
        assert_eq!(group_desc().encoded_len(), GROUP_DESC.len());
    }

    #[test]
    fn group_desc_bad_lengths() {
        let mut b = GROUP_DESC;
        b[1] = 4;
        let e = decode_desc(&b).unwrap_err();
        assert_eq!((e.field, e.offset), ("ofp_group_desc.length", 16));
        // Entry shorter than its bucket: the bucket overruns the entry.
        b[1] = 32;
        let e = decode_desc(&b[..32]).unwrap_err();
        assert_eq!((e.field, e.offset), ("ofp_bucket.len", 24));
        // Zero-length bucket.
        let mut b = GROUP_DESC;
        b[9] = 0;
        let e = decode_desc(&b).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 0 });
    }
}
