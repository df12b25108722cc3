//! `OFPT_PACKET_OUT` (spec 1.3.5 §7.3.7, §A.3.7): `ofp_packet_out`.
//!
//! ```text
//!  after ofp_header (8 bytes); offsets from the start of the message
//!  8 +-------------------------------+-------------------------------+
//!    |           buffer_id           |            in_port            |
//! 16 +---------------+---------------+-------------------------------+
//!    |  actions_len  |                    pad[6]                     |
//! 24 +---------------+-----------------------------------------------+
//!    | actions (actions_len bytes) | data (to the end, when unbuffered)
//!    +------------------------- - -+------------------------------- - -
//! ```

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::reader::Reader;

use super::action::Action;
use super::tlv::{atomic, patch_len16, put_zeros};

/// `ofp_packet_out`: send a packet (buffered or carried in `data`) through actions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PacketOut {
    /// A buffered packet, or `OFP_NO_BUFFER` to send `data`.
    pub buffer_id: u32,
    /// The port the packet is deemed to have arrived on (`OFPP_CONTROLLER` if none).
    pub in_port: u32,
    /// Actions, applied in order.
    pub actions: Vec<Action>,
    /// The frame, when `buffer_id` is `OFP_NO_BUFFER`.
    #[serde(with = "crate::serde_hex")]
    pub data: Bytes,
}

/// Bytes of `ofp_packet_out` between the header and the actions.
const FIXED_LEN: usize = 16;

impl PacketOut {
    /// Decode the body after `ofp_header`; `data` is whatever follows the actions.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let buffer_id = r.u32("ofp_packet_out.buffer_id")?;
        let in_port = r.u32("ofp_packet_out.in_port")?;
        let len_at = r.offset();
        let actions_len = usize::from(r.u16("ofp_packet_out.actions_len")?);
        r.skip(6, "ofp_packet_out.pad")?;
        if actions_len > r.remaining() {
            return Err(r.error_at(
                len_at,
                "ofp_packet_out.actions_len",
                DecodeErrorKind::BadLength { value: actions_len },
            ));
        }
        let actions = Action::decode_list(r, actions_len, "ofp_packet_out.actions")?;
        Ok(PacketOut {
            buffer_id,
            in_port,
            actions,
            data: r.rest(),
        })
    }

    /// Bytes [`PacketOut::encode`] writes (the body, without `ofp_header`).
    pub fn encoded_len(&self) -> usize {
        FIXED_LEN + Action::list_len(&self.actions) + self.data.len()
    }

    /// Append the body. On error nothing is appended.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        atomic(out, |out| {
            out.put_u32(self.buffer_id);
            out.put_u32(self.in_port);
            let len_at = out.len();
            out.put_u16(0);
            put_zeros(out, 6);
            let actions_start = out.len();
            Action::encode_list(&self.actions, out)?;
            patch_len16(out, len_at, actions_start)?;
            out.put_slice(&self.data);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::of13::consts_flow::OFP_NO_BUFFER;

    static PACKET_OUT: [u8; 44] = [
        0x04, 0x0d, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, // ofp_header
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd, // buffer_id, in_port=CONTROLLER
        0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // actions_len, pad
        0x00, 0x00, 0x00, 0x10, 0xff, 0xff, 0xff, 0xfb, // output:FLOOD
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
        0xde, 0xad, 0xbe, 0xef, // data
    ];

    fn repr() -> PacketOut {
        PacketOut {
            buffer_id: OFP_NO_BUFFER,
            in_port: 0xffff_fffd,
            actions: vec![Action::Output {
                port: 0xffff_fffb,
                max_len: 0,
            }],
            data: Bytes::from_static(&[0xde, 0xad, 0xbe, 0xef]),
        }
    }

    #[test]
    fn parse() {
        let buf = Bytes::from_static(&PACKET_OUT);
        let mut r = Reader::new(&buf, "OFPT_PACKET_OUT");
        r.skip(8, "ofp_header").unwrap();
        assert_eq!(PacketOut::decode(&mut r).unwrap(), repr());
        assert!(r.is_empty());
    }

    #[test]
    fn emit() {
        let mut out = BytesMut::from(&[0xa5u8; 8][..]);
        repr().encode(&mut out).unwrap();
        assert_eq!(&out[8..], &PACKET_OUT[8..]);
        assert_eq!(repr().encoded_len(), PACKET_OUT.len() - 8);
    }

    fn err(bytes: &[u8]) -> DecodeError {
        let buf = Bytes::copy_from_slice(bytes);
        let mut r = Reader::new(&buf, "OFPT_PACKET_OUT");
        r.skip(8, "ofp_header").unwrap();
        PacketOut::decode(&mut r).unwrap_err()
    }

    #[test]
    fn bad_lengths() {
        // actions_len past the end.
        let mut b = PACKET_OUT;
        b[17] = 0x30;
        let e = err(&b);
        assert_eq!((e.field, e.offset), ("ofp_packet_out.actions_len", 16));
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 0x30 });
        // actions_len cutting the output action in half.
        let mut b = PACKET_OUT;
        b[17] = 0x08;
        let e = err(&b);
        assert_eq!((e.field, e.offset), ("ofp_action_header.len", 24));
        // Zero-length action.
        let mut b = PACKET_OUT;
        b[27] = 0;
        let e = err(&b);
        assert_eq!((e.field, e.offset), ("ofp_action_header.len", 24));
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 0 });
    }

    #[test]
    fn no_actions_is_a_drop() {
        let po = PacketOut {
            actions: vec![],
            ..repr()
        };
        let mut out = BytesMut::new();
        po.encode(&mut out).unwrap();
        assert_eq!(&out[8..10], &[0, 0]);
        let buf = Bytes::from([&[0u8; 8][..], &out[..]].concat());
        let mut r = Reader::new(&buf, "OFPT_PACKET_OUT");
        r.skip(8, "ofp_header").unwrap();
        assert_eq!(PacketOut::decode(&mut r).unwrap(), po);
    }
}
