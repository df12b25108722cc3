//! `OFPT_FLOW_REMOVED` (spec 1.3.5 §7.4.2, §A.4.2): `ofp_flow_removed`.
//!
//! ```text
//!  after ofp_header (8 bytes); offsets from the start of the message
//!  8 +---------------------------------------------------------------+
//!    |                            cookie                             |
//! 16 +---------------+-------+-------+-------------------------------+
//!    |   priority    |reason |table  |         duration_sec          |
//! 24 +---------------+-------+-------+---------------+---------------+
//!    |         duration_nsec         | idle_timeout  | hard_timeout  |
//! 32 +-------------------------------+---------------+---------------+
//!    |                         packet_count                          |
//! 40 +---------------------------------------------------------------+
//!    |                          byte_count                           |
//! 48 +------------------------- - -+----------------------------------+
//!    | ofp_match (padded to 8)     |
//!    +------------------------- - -+
//! ```

use bytes::{BufMut, BytesMut};

use crate::error::{DecodeError, EncodeError};
use crate::reader::Reader;

use super::consts_flow::*;
use super::match_::Match;
use super::tlv::atomic;

enum_with_unknown! {
    /// `ofp_flow_removed_reason`.
    pub enum FlowRemovedReason(u8) {
        /// OFPRR_IDLE_TIMEOUT: idle time exceeded `idle_timeout`.
        IdleTimeout = OFPRR_IDLE_TIMEOUT,
        /// OFPRR_HARD_TIMEOUT: time exceeded `hard_timeout`.
        HardTimeout = OFPRR_HARD_TIMEOUT,
        /// OFPRR_DELETE: evicted by a DELETE flow-mod.
        Delete = OFPRR_DELETE,
        /// OFPRR_GROUP_DELETE: a group it used was removed.
        GroupDelete = OFPRR_GROUP_DELETE,
    }
}

/// `ofp_flow_removed`: a flow with `OFPFF_SEND_FLOW_REM` left the table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FlowRemoved {
    /// The flow's cookie.
    pub cookie: u64,
    /// The flow's priority.
    pub priority: u16,
    /// Why it was removed.
    pub reason: FlowRemovedReason,
    /// Its table.
    pub table_id: u8,
    /// Time it was alive, seconds part.
    pub duration_sec: u32,
    /// Time it was alive beyond `duration_sec`, nanoseconds.
    pub duration_nsec: u32,
    /// Its idle timeout.
    pub idle_timeout: u16,
    /// Its hard timeout.
    pub hard_timeout: u16,
    /// Packets it matched.
    pub packet_count: u64,
    /// Bytes it matched.
    pub byte_count: u64,
    /// Its match.
    #[serde(rename = "match")]
    pub match_: Match,
}

/// Bytes of `ofp_flow_removed` between the header and the match.
const FIXED_LEN: usize = 40;

impl FlowRemoved {
    /// Decode the body after `ofp_header`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(FlowRemoved {
            cookie: r.u64("ofp_flow_removed.cookie")?,
            priority: r.u16("ofp_flow_removed.priority")?,
            reason: FlowRemovedReason::from(r.u8("ofp_flow_removed.reason")?),
            table_id: r.u8("ofp_flow_removed.table_id")?,
            duration_sec: r.u32("ofp_flow_removed.duration_sec")?,
            duration_nsec: r.u32("ofp_flow_removed.duration_nsec")?,
            idle_timeout: r.u16("ofp_flow_removed.idle_timeout")?,
            hard_timeout: r.u16("ofp_flow_removed.hard_timeout")?,
            packet_count: r.u64("ofp_flow_removed.packet_count")?,
            byte_count: r.u64("ofp_flow_removed.byte_count")?,
            match_: Match::decode(r)?,
        })
    }

    /// Bytes [`FlowRemoved::encode`] writes (the body, without `ofp_header`).
    pub fn encoded_len(&self) -> usize {
        FIXED_LEN + self.match_.encoded_len()
    }

    /// Append the body. On error nothing is appended.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        atomic(out, |out| {
            out.put_u64(self.cookie);
            out.put_u16(self.priority);
            out.put_u8(self.reason.into());
            out.put_u8(self.table_id);
            out.put_u32(self.duration_sec);
            out.put_u32(self.duration_nsec);
            out.put_u16(self.idle_timeout);
            out.put_u16(self.hard_timeout);
            out.put_u64(self.packet_count);
            out.put_u64(self.byte_count);
            self.match_.encode(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DecodeErrorKind;
    use crate::flow::Masked;
    use crate::of13::oxm::Oxm;
    use bytes::Bytes;

    static FLOW_REMOVED: [u8; 64] = [
        0x04, 0x0b, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, // ofp_header
        0x00, 0x00, 0x00, 0x00, 0x74, 0x61, 0x70, 0x01, // cookie
        0x00, 0x7b, 0x01, 0x00, 0x00, 0x00, 0x00, 0x78, // priority, reason, table, dur_sec
        0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x78, // dur_nsec, idle, hard
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, // packet_count
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb4, // byte_count
        0x00, 0x01, 0x00, 0x0c, 0x80, 0x00, 0x00, 0x04, // match: in_port=4
        0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, //
    ];

    fn repr() -> FlowRemoved {
        FlowRemoved {
            cookie: 0x7461_7001,
            priority: 123,
            reason: FlowRemovedReason::HardTimeout,
            table_id: 0,
            duration_sec: 120,
            duration_nsec: 100,
            idle_timeout: 0,
            hard_timeout: 120,
            packet_count: 3,
            byte_count: 180,
            match_: Match::from_fields(&[Oxm::InPort(Masked::exact(4))]).unwrap(),
        }
    }

    #[test]
    fn parse() {
        let buf = Bytes::from_static(&FLOW_REMOVED);
        let mut r = Reader::new(&buf, "OFPT_FLOW_REMOVED");
        r.skip(8, "ofp_header").unwrap();
        assert_eq!(FlowRemoved::decode(&mut r).unwrap(), repr());
        assert!(r.is_empty());
    }

    #[test]
    fn emit() {
        let mut out = BytesMut::from(&[0xa5u8; 8][..]);
        repr().encode(&mut out).unwrap();
        assert_eq!(&out[8..], &FLOW_REMOVED[8..]);
        assert_eq!(repr().encoded_len(), FLOW_REMOVED.len() - 8);
    }

    #[test]
    fn bad_lengths() {
        let err = |bytes: &[u8]| {
            let buf = Bytes::copy_from_slice(bytes);
            let mut r = Reader::new(&buf, "OFPT_FLOW_REMOVED");
            r.skip(8, "ofp_header").unwrap();
            FlowRemoved::decode(&mut r).unwrap_err()
        };
        let e = err(&FLOW_REMOVED[..44]);
        assert_eq!((e.field, e.offset), ("ofp_flow_removed.byte_count", 40));
        assert_eq!(e.kind, DecodeErrorKind::Truncated { need: 8, have: 4 });
        let mut b = FLOW_REMOVED;
        b[51] = 0x14;
        let e = err(&b);
        assert_eq!((e.field, e.offset), ("ofp_match.length", 48));
        // Padding after the match missing.
        let e = err(&FLOW_REMOVED[..60]);
        assert_eq!((e.field, e.offset), ("ofp_match.pad", 60));
    }
}
