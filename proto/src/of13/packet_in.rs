//! `OFPT_PACKET_IN` (spec 1.3.5 §7.4.1, §A.4.1): `ofp_packet_in`.
//!
//! ```text
//!  after ofp_header (8 bytes); offsets from the start of the message
//!  8 +-------------------------------+---------------+-------+-------+
//!    |           buffer_id           |   total_len   |reason |table  |
//! 16 +-------------------------------+---------------+-------+-------+
//!    |                             cookie                            |
//! 24 +------------------------- - -+-------+-----------------------------
//!    | ofp_match (padded to 8)     |pad[2] | data (to the end of the message)
//!    +------------------------- - -+-------+----------------------------- - -
//! ```
//!
//! Decoding allocates nothing: the match keeps its OXM list and `data` is the frame, both
//! as [`Bytes`] slices of the received message (see [`Match`] for how its fields are read).

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{DecodeError, EncodeError};
use crate::reader::Reader;

use super::consts_flow::*;
use super::match_::Match;
use super::tlv::{atomic, put_zeros};

enum_with_unknown! {
    /// `ofp_packet_in_reason`.
    pub enum PacketInReason(u8) {
        /// OFPR_NO_MATCH: no matching flow (table-miss flow entry).
        NoMatch = OFPR_NO_MATCH,
        /// OFPR_ACTION: an action output to the controller.
        Action = OFPR_ACTION,
        /// OFPR_INVALID_TTL: the packet has an invalid TTL.
        InvalidTtl = OFPR_INVALID_TTL,
    }
}

/// `ofp_packet_in`: a packet sent to the controller.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PacketIn {
    /// Where the switch buffered the packet, or `OFP_NO_BUFFER`.
    pub buffer_id: u32,
    /// Full length of the frame (`data` may be shorter).
    pub total_len: u16,
    /// Why the packet was sent.
    pub reason: PacketInReason,
    /// The table that was looked up.
    pub table_id: u8,
    /// Cookie of the flow that sent it (`0xffffffffffffffff` for none).
    pub cookie: u64,
    /// Pipeline fields: `in_port` always, `in_phy_port`, `metadata`, `tunnel_id` when set.
    #[serde(rename = "match")]
    pub match_: Match,
    /// The frame (or its first `max_len`/`miss_send_len` bytes).
    #[serde(with = "crate::serde_hex")]
    pub data: Bytes,
}

/// Bytes of `ofp_packet_in` between the header and the match.
const FIXED_LEN: usize = 16;

impl PacketIn {
    /// The `in_port` the match carries (every OF1.3 packet-in has one).
    pub fn in_port(&self) -> Option<u32> {
        self.match_.in_port()
    }

    /// Decode the body after `ofp_header`; `data` is the rest of the reader.
    // Inlined into the message decoder for the same reason as `Match::decode`.
    #[inline]
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        // One bounds check for the fixed part; when it is short, read field by field so
        // the error names the field that is cut off.
        let (buffer_id, total_len, reason, table_id, cookie) =
            if let Ok(f) = r.array::<FIXED_LEN>("ofp_packet_in") {
                let [b0, b1, b2, b3, t0, t1, reason, table_id, c0, c1, c2, c3, c4, c5, c6, c7] = f;
                (
                    u32::from_be_bytes([b0, b1, b2, b3]),
                    u16::from_be_bytes([t0, t1]),
                    reason,
                    table_id,
                    u64::from_be_bytes([c0, c1, c2, c3, c4, c5, c6, c7]),
                )
            } else {
                (
                    r.u32("ofp_packet_in.buffer_id")?,
                    r.u16("ofp_packet_in.total_len")?,
                    r.u8("ofp_packet_in.reason")?,
                    r.u8("ofp_packet_in.table_id")?,
                    r.u64("ofp_packet_in.cookie")?,
                )
            };
        let reason = PacketInReason::from(reason);
        let match_ = Match::decode(r)?;
        r.skip(2, "ofp_packet_in.pad")?;
        Ok(PacketIn {
            buffer_id,
            total_len,
            reason,
            table_id,
            cookie,
            match_,
            data: r.rest(),
        })
    }

    /// Bytes [`PacketIn::encode`] writes (the body, without `ofp_header`).
    pub fn encoded_len(&self) -> usize {
        FIXED_LEN + self.match_.encoded_len() + 2 + self.data.len()
    }

    /// Append the body. On error nothing is appended.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        atomic(out, |out| {
            out.put_u32(self.buffer_id);
            out.put_u16(self.total_len);
            out.put_u8(self.reason.into());
            out.put_u8(self.table_id);
            out.put_u64(self.cookie);
            self.match_.encode(out)?;
            put_zeros(out, 2);
            out.put_slice(&self.data);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DecodeErrorKind;
    use crate::flow::Masked;
    use crate::of13::oxm::Oxm;

    static PACKET_IN: [u8; 56] = [
        0x04, 0x0a, 0x00, 0x38, 0x00, 0x00, 0x00, 0x00, // ofp_header
        0xff, 0xff, 0xff, 0xff, 0x00, 0x0e, 0x01, 0x00, // buffer_id, total_len, reason, table
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // cookie
        0x00, 0x01, 0x00, 0x0c, 0x80, 0x00, 0x00, 0x04, // match: in_port=3
        0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, //
        0x00, 0x00, // pad
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, // frame: broadcast, from
        0x00, 0x00, 0x00, 0x01, 0x08, 0x06, //   00:00:00:00:00:01, ARP
    ];

    fn repr() -> PacketIn {
        PacketIn {
            buffer_id: OFP_NO_BUFFER,
            total_len: 14,
            reason: PacketInReason::Action,
            table_id: 0,
            cookie: u64::MAX,
            match_: Match::from_fields(&[Oxm::InPort(Masked::exact(3))]).unwrap(),
            data: Bytes::copy_from_slice(&PACKET_IN[42..]),
        }
    }

    #[test]
    fn parse() {
        let buf = Bytes::from_static(&PACKET_IN);
        let mut r = Reader::new(&buf, "OFPT_PACKET_IN");
        r.skip(8, "ofp_header").unwrap();
        let pi = PacketIn::decode(&mut r).unwrap();
        assert_eq!(pi, repr());
        assert_eq!(pi.in_port(), Some(3));
        // Zero-copy: the payload points into the message buffer.
        assert_eq!(pi.data.as_ptr(), PACKET_IN[42..].as_ptr());
    }

    #[test]
    fn emit() {
        let mut out = BytesMut::from(&[0xa5u8; 8][..]);
        repr().encode(&mut out).unwrap();
        assert_eq!(&out[8..], &PACKET_IN[8..]);
        assert_eq!(repr().encoded_len(), PACKET_IN.len() - 8);
    }

    fn err(bytes: &[u8]) -> DecodeError {
        let buf = Bytes::copy_from_slice(bytes);
        let mut r = Reader::new(&buf, "OFPT_PACKET_IN");
        r.skip(8, "ofp_header").unwrap();
        PacketIn::decode(&mut r).unwrap_err()
    }

    #[test]
    fn bad_lengths() {
        // Match length zero.
        let mut b = PACKET_IN;
        b[27] = 0;
        let e = err(&b);
        assert_eq!((e.field, e.offset), ("ofp_match.length", 24));
        // Match length past the end of the message.
        let mut b = PACKET_IN;
        b[27] = 0xff;
        let e = err(&b);
        assert_eq!((e.field, e.offset), ("ofp_match.length", 24));
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 0xff });
        // OXM length inside the match wrong for in_port.
        let mut b = PACKET_IN;
        b[31] = 2;
        let e = err(&b);
        assert_eq!((e.field, e.offset), ("oxm_length of in_port", 28));
        // Message ends inside the 2 pad bytes.
        let e = err(&PACKET_IN[..41]);
        assert_eq!((e.field, e.offset), ("ofp_packet_in.pad", 40));
        // Message ends inside the fixed part.
        let e = err(&PACKET_IN[..20]);
        assert_eq!((e.field, e.offset), ("ofp_packet_in.cookie", 16));
    }
}
