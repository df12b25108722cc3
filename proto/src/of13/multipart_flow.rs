//! Multipart bodies for flows (spec 1.3.5 §7.3.5.2-§7.3.5.3, §A.3.5.2-§A.3.5.3):
//! `OFPMP_FLOW` and `OFPMP_AGGREGATE` requests and replies.
//!
//! ```text
//! ofp_flow_stats_request / ofp_aggregate_stats_request (after the multipart header):
//!  0 +-------+-----------------------+-------------------------------+
//!    |table  |        pad[3]         |           out_port            |
//!  8 +-------+-----------------------+-------------------------------+
//!    |           out_group           |            pad[4]             |
//! 16 +-------------------------------+-------------------------------+
//!    |            cookie             |          cookie_mask          |
//! 32 +-------------------------------+-------------------------------+
//!    | ofp_match (padded to 8)
//!    +------------------------- - -
//! ofp_flow_stats (one per flow; the reply body is a list of them):
//!  0 +---------------+-------+-------+-------------------------------+
//!    |    length     |table  |  pad  |         duration_sec          |
//!  8 +---------------+-------+-------+---------------+---------------+
//!    |         duration_nsec         |   priority    | idle_timeout  |
//! 16 +---------------+---------------+---------------+---------------+
//!    | hard_timeout  |     flags     |            pad[4]             |
//! 24 +---------------+---------------+-------------------------------+
//!    |            cookie             |         packet_count          |
//! 40 +-------------------------------+-------------------------------+
//!    |          byte_count           | ofp_match | instructions (to length)
//! 48 +-------------------------------+---------- - -+------------- - -
//! ofp_aggregate_stats_reply (24 bytes):
//!    packet_count u64 | byte_count u64 | flow_count u32 | pad[4]
//! ```

use bytes::{BufMut, BytesMut};

use crate::error::{DecodeError, EncodeError};
use crate::reader::Reader;

use super::instruction::Instruction;
use super::match_::Match;
use super::tlv::{atomic, patch_len16, put_zeros};

/// Both flow-stats and aggregate-stats requests share one layout (`$spec` names it in errors).
macro_rules! flow_stats_request {
    ($(#[$doc:meta])* $name:ident, $spec:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        pub struct $name {
            /// Table to read, or `OFPTT_ALL`.
            pub table_id: u8,
            /// Only flows that output to this port (`OFPP_ANY` = any).
            pub out_port: u32,
            /// Only flows that output to this group (`OFPG_ANY` = any).
            pub out_group: u32,
            /// Only flows whose cookie matches under `cookie_mask`.
            pub cookie: u64,
            /// Cookie bits to compare (0 = ignore the cookie).
            pub cookie_mask: u64,
            /// Only flows matching this (non-strictly).
            #[serde(rename = "match")]
            pub match_: Match,
        }

        impl $name {
            /// Decode the body after the multipart header.
            pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                let table_id = r.u8(concat!($spec, ".table_id"))?;
                r.skip(3, concat!($spec, ".pad"))?;
                let out_port = r.u32(concat!($spec, ".out_port"))?;
                let out_group = r.u32(concat!($spec, ".out_group"))?;
                r.skip(4, concat!($spec, ".pad2"))?;
                Ok($name {
                    table_id,
                    out_port,
                    out_group,
                    cookie: r.u64(concat!($spec, ".cookie"))?,
                    cookie_mask: r.u64(concat!($spec, ".cookie_mask"))?,
                    match_: Match::decode(r)?,
                })
            }

            /// Bytes [`Self::encode`] writes.
            pub fn encoded_len(&self) -> usize {
                32 + self.match_.encoded_len()
            }

            /// Append the body. On error nothing is appended.
            pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
                atomic(out, |out| {
                    out.put_u8(self.table_id);
                    put_zeros(out, 3);
                    out.put_u32(self.out_port);
                    out.put_u32(self.out_group);
                    put_zeros(out, 4);
                    out.put_u64(self.cookie);
                    out.put_u64(self.cookie_mask);
                    self.match_.encode(out)
                })
            }
        }
    };
}

flow_stats_request! {
    /// `ofp_flow_stats_request`: the body of an `OFPMP_FLOW` request.
    FlowStatsRequest, "ofp_flow_stats_request"
}

flow_stats_request! {
    /// `ofp_aggregate_stats_request`: the body of an `OFPMP_AGGREGATE` request.
    AggregateStatsRequest, "ofp_aggregate_stats_request"
}

/// `ofp_flow_stats`: one flow entry of an `OFPMP_FLOW` reply (the body is a list of these).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FlowStats {
    /// The flow's table.
    pub table_id: u8,
    /// Time alive, seconds part.
    pub duration_sec: u32,
    /// Time alive beyond `duration_sec`, nanoseconds.
    pub duration_nsec: u32,
    /// Priority.
    pub priority: u16,
    /// Idle timeout.
    pub idle_timeout: u16,
    /// Hard timeout.
    pub hard_timeout: u16,
    /// `OFPFF_*` bits.
    pub flags: u16,
    /// Cookie.
    pub cookie: u64,
    /// Packets matched.
    pub packet_count: u64,
    /// Bytes matched.
    pub byte_count: u64,
    /// Match.
    #[serde(rename = "match")]
    pub match_: Match,
    /// Instructions.
    pub instructions: Vec<Instruction>,
}

/// Bytes of `ofp_flow_stats` before the match.
const FLOW_STATS_FIXED_LEN: usize = 48;

impl FlowStats {
    /// Decode one entry; consumes exactly its `length` bytes.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        let len = usize::from(r.u16("ofp_flow_stats.length")?);
        // The fixed part plus the smallest (empty, padded) match.
        r.check_tlv_len(
            len,
            start,
            FLOW_STATS_FIXED_LEN + 8,
            8,
            "ofp_flow_stats.length",
        )?;
        let mut e = r.sub(len - 2, "ofp_flow_stats")?;
        let table_id = e.u8("ofp_flow_stats.table_id")?;
        e.skip(1, "ofp_flow_stats.pad")?;
        let duration_sec = e.u32("ofp_flow_stats.duration_sec")?;
        let duration_nsec = e.u32("ofp_flow_stats.duration_nsec")?;
        let priority = e.u16("ofp_flow_stats.priority")?;
        let idle_timeout = e.u16("ofp_flow_stats.idle_timeout")?;
        let hard_timeout = e.u16("ofp_flow_stats.hard_timeout")?;
        let flags = e.u16("ofp_flow_stats.flags")?;
        e.skip(4, "ofp_flow_stats.pad2")?;
        let cookie = e.u64("ofp_flow_stats.cookie")?;
        let packet_count = e.u64("ofp_flow_stats.packet_count")?;
        let byte_count = e.u64("ofp_flow_stats.byte_count")?;
        let match_ = Match::decode(&mut e)?;
        let n = e.remaining();
        let instructions = Instruction::decode_list(&mut e, n, "ofp_flow_stats.instructions")?;
        Ok(FlowStats {
            table_id,
            duration_sec,
            duration_nsec,
            priority,
            idle_timeout,
            hard_timeout,
            flags,
            cookie,
            packet_count,
            byte_count,
            match_,
            instructions,
        })
    }

    /// Bytes on the wire (its `length`).
    pub fn encoded_len(&self) -> usize {
        FLOW_STATS_FIXED_LEN + self.match_.encoded_len() + Instruction::list_len(&self.instructions)
    }

    /// Append the entry. On error nothing is appended.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        atomic(out, |out| {
            let start = out.len();
            out.put_u16(0);
            out.put_u8(self.table_id);
            put_zeros(out, 1);
            out.put_u32(self.duration_sec);
            out.put_u32(self.duration_nsec);
            out.put_u16(self.priority);
            out.put_u16(self.idle_timeout);
            out.put_u16(self.hard_timeout);
            out.put_u16(self.flags);
            put_zeros(out, 4);
            out.put_u64(self.cookie);
            out.put_u64(self.packet_count);
            out.put_u64(self.byte_count);
            self.match_.encode(out)?;
            Instruction::encode_list(&self.instructions, out)?;
            patch_len16(out, start, start)
        })
    }
}

/// `ofp_aggregate_stats_reply`: the body of an `OFPMP_AGGREGATE` reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AggregateStatsReply {
    /// Packets matched by the selected flows.
    pub packet_count: u64,
    /// Bytes matched by the selected flows.
    pub byte_count: u64,
    /// Number of flows selected.
    pub flow_count: u32,
}

impl AggregateStatsReply {
    /// Encoded length.
    pub const LEN: usize = 24;

    /// Decode the body after the multipart header.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let v = AggregateStatsReply {
            packet_count: r.u64("ofp_aggregate_stats_reply.packet_count")?,
            byte_count: r.u64("ofp_aggregate_stats_reply.byte_count")?,
            flow_count: r.u32("ofp_aggregate_stats_reply.flow_count")?,
        };
        r.skip(4, "ofp_aggregate_stats_reply.pad")?;
        Ok(v)
    }

    /// Bytes [`AggregateStatsReply::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        Self::LEN
    }

    /// Append the 24 bytes.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u64(self.packet_count);
        out.put_u64(self.byte_count);
        out.put_u32(self.flow_count);
        put_zeros(out, 4);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DecodeErrorKind;
    use crate::flow::Masked;
    use crate::of13::action::Action;
    use crate::of13::oxm::Oxm;
    use bytes::Bytes;

    // Bodies follow a 16-byte ofp_header + multipart header, so offsets start at 16.
    fn reader_for(bytes: &[u8]) -> Bytes {
        Bytes::from([&[0u8; 16][..], bytes].concat())
    }

    #[rustfmt::skip]
    static FLOW_STATS_REQUEST: [u8; 40] = [
        0xff, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, // OFPTT_ALL, pad, OFPP_ANY
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, // OFPG_ANY, pad
        0x00, 0x00, 0x00, 0x00, 0x74, 0x61, 0x70, 0x00, // cookie
        0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x00, // cookie_mask
        0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, // empty match
    ];

    #[test]
    fn flow_stats_request_round_trip() {
        let buf = reader_for(&FLOW_STATS_REQUEST);
        let mut r = Reader::new(&buf, "OFPMP_FLOW request");
        r.skip(16, "headers").unwrap();
        let req = FlowStatsRequest::decode(&mut r).unwrap();
        assert!(r.is_empty());
        assert_eq!(
            req,
            FlowStatsRequest {
                table_id: 0xff,
                out_port: 0xffff_ffff,
                out_group: 0xffff_ffff,
                cookie: 0x7461_7000,
                cookie_mask: 0xffff_ff00,
                match_: Match::new(),
            }
        );
        let mut out = BytesMut::from(&[0xa5u8; 2][..]);
        req.encode(&mut out).unwrap();
        assert_eq!(&out[2..], &FLOW_STATS_REQUEST[..]);
        assert_eq!(req.encoded_len(), FLOW_STATS_REQUEST.len());
        // Same bytes, aggregate flavour.
        let mut r = Reader::new(&buf, "OFPMP_AGGREGATE request");
        r.skip(16, "headers").unwrap();
        let agg = AggregateStatsRequest::decode(&mut r).unwrap();
        let mut out = BytesMut::new();
        agg.encode(&mut out).unwrap();
        assert_eq!(&out[..], &FLOW_STATS_REQUEST[..]);
        // Truncated: the error names the aggregate struct.
        let short = reader_for(&FLOW_STATS_REQUEST[..20]);
        let mut r = Reader::new(&short, "OFPMP_AGGREGATE request");
        r.skip(16, "headers").unwrap();
        let e = AggregateStatsRequest::decode(&mut r).unwrap_err();
        assert_eq!(
            (e.field, e.offset),
            ("ofp_aggregate_stats_request.cookie", 32)
        );
    }

    #[rustfmt::skip]
    static FLOW_STATS: [u8; 88] = [
        0x00, 0x58, 0x00, 0x00, 0x00, 0x00, 0x01, 0x66, // length 88, table 0, dur_sec 358
        0x06, 0xde, 0x87, 0x40, 0x00, 0x7b, 0x00, 0x00, // dur_nsec, priority 123, idle
        0x00, 0x78, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // hard 120, flags, pad
        0x00, 0x00, 0x00, 0x00, 0x74, 0x61, 0x70, 0x01, // cookie
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, // packet_count
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xee, // byte_count
        0x00, 0x01, 0x00, 0x0c, 0x80, 0x00, 0x00, 0x04, // match in_port=4
        0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, //
        0x00, 0x04, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, // apply_actions
        0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x03, //   output:3
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
    ];

    fn flow_stats_bytes() -> Vec<u8> {
        FLOW_STATS.to_vec()
    }

    fn flow_stats() -> FlowStats {
        FlowStats {
            table_id: 0,
            duration_sec: 358,
            duration_nsec: 115_246_912,
            priority: 123,
            idle_timeout: 0,
            hard_timeout: 120,
            flags: 1,
            cookie: 0x7461_7001,
            packet_count: 3,
            byte_count: 238,
            match_: Match::from_fields(&[Oxm::InPort(Masked::exact(4))]).unwrap(),
            instructions: vec![Instruction::ApplyActions(vec![Action::Output {
                port: 3,
                max_len: 0,
            }])],
        }
    }

    #[test]
    fn flow_stats_list_round_trip() {
        let one = flow_stats_bytes();
        let two = [&one[..], &one[..]].concat();
        let buf = reader_for(&two);
        let mut r = Reader::new(&buf, "OFPMP_FLOW reply");
        r.skip(16, "headers").unwrap();
        let a = FlowStats::decode(&mut r).unwrap();
        let b = FlowStats::decode(&mut r).unwrap();
        assert!(r.is_empty());
        assert_eq!(a, flow_stats());
        assert_eq!(a, b);
        let mut out = BytesMut::from(&[0xa5u8; 3][..]);
        a.encode(&mut out).unwrap();
        assert_eq!(&out[3..], &one[..]);
        assert_eq!(a.encoded_len(), one.len());
    }

    #[test]
    fn flow_stats_bad_lengths() {
        let err = |bytes: &[u8]| {
            let buf = reader_for(bytes);
            let mut r = Reader::new(&buf, "OFPMP_FLOW reply");
            r.skip(16, "headers").unwrap();
            FlowStats::decode(&mut r).unwrap_err()
        };
        let mut b = flow_stats_bytes();
        b[1] = 0;
        let e = err(&b);
        assert_eq!((e.field, e.offset), ("ofp_flow_stats.length", 16));
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 0 });
        b[1] = 0x51;
        assert_eq!(err(&b).kind, DecodeErrorKind::BadLength { value: 0x51 });
        b[1] = 0x60;
        assert_eq!(err(&b).kind, DecodeErrorKind::BadLength { value: 0x60 });
        // Entry length cuts the instruction: the instruction's length is now past the end.
        b[1] = 0x50;
        let e = err(&b);
        assert_eq!((e.field, e.offset), ("ofp_instruction.len", 80));
    }

    #[test]
    fn aggregate_reply_round_trip() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0xee, 0, 0, 0, 2, 0, 0, 0, 0,
        ];
        let buf = reader_for(&bytes);
        let mut r = Reader::new(&buf, "OFPMP_AGGREGATE reply");
        r.skip(16, "headers").unwrap();
        let a = AggregateStatsReply::decode(&mut r).unwrap();
        assert_eq!(
            a,
            AggregateStatsReply {
                packet_count: 3,
                byte_count: 238,
                flow_count: 2
            }
        );
        let mut out = BytesMut::from(&[0xa5u8; 1][..]);
        a.encode(&mut out);
        assert_eq!(&out[1..], &bytes[..]);
        let short = reader_for(&bytes[..20]);
        let mut r = Reader::new(&short, "OFPMP_AGGREGATE reply");
        r.skip(16, "headers").unwrap();
        let e = AggregateStatsReply::decode(&mut r).unwrap_err();
        assert_eq!((e.field, e.offset), ("ofp_aggregate_stats_reply.pad", 36));
    }
}
