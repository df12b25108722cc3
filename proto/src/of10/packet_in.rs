//! `OFPT_PACKET_IN` (`ofp_packet_in`, spec §5.4.1).
//!
//! ```text
//!  0               4       6       8   9   10
//! +---------------+-------+-------+---+---+------------------------- - -
//! |   buffer_id   |total_l|in_port|rsn|pad| data (the frame, maybe cut)
//! +---------------+-------+-------+---+---+------------------------- - -
//! ```
//!
//! Decoding is zero-copy: `data` is a [`Bytes`] slice of the message buffer, so a
//! packet-in costs no heap allocation (the hot path of a learning switch).

use bytes::{BufMut, Bytes, BytesMut};

use super::consts::*;
use super::PortNo;
use crate::error::DecodeError;
use crate::reader::Reader;

enum_with_unknown! {
    /// `ofp_packet_in_reason`.
    pub enum PacketInReason(u8) {
        /// `OFPR_NO_MATCH`: no flow matched.
        NoMatch = OFPR_NO_MATCH,
        /// `OFPR_ACTION`: an output-to-controller action.
        Action = OFPR_ACTION,
    }
}

/// `ofp_packet_in`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PacketIn {
    /// Switch buffer holding the packet, or `OFP_NO_BUFFER`.
    pub buffer_id: u32,
    /// Length of the whole frame (`data` may be shorter).
    pub total_len: u16,
    /// Port the frame arrived on.
    pub in_port: PortNo,
    /// Why it was sent.
    pub reason: PacketInReason,
    /// The frame (or its first `miss_send_len` / `max_len` bytes).
    #[serde(with = "crate::serde_hex")]
    pub data: Bytes,
}

impl PacketIn {
    /// Length of the fixed part after `ofp_header`.
    pub const FIXED_LEN: usize = OFP_PACKET_IN_LEN - OFP_HEADER_LEN;

    /// Decode the body.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let buffer_id = r.u32("ofp_packet_in.buffer_id")?;
        let total_len = r.u16("ofp_packet_in.total_len")?;
        let in_port = PortNo(r.u16("ofp_packet_in.in_port")?);
        let reason = PacketInReason::from(r.u8("ofp_packet_in.reason")?);
        r.skip(1, "ofp_packet_in.pad")?;
        Ok(PacketIn {
            buffer_id,
            total_len,
            in_port,
            reason,
            data: r.rest(),
        })
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.buffer_id);
        out.put_u16(self.total_len);
        out.put_u16(self.in_port.0);
        out.put_u8(self.reason.into());
        out.put_u8(0);
        out.put_slice(&self.data);
    }

    /// Body length.
    pub fn encoded_len(&self) -> usize {
        Self::FIXED_LEN + self.data.len()
    }

    /// The buffer id, `None` for `OFP_NO_BUFFER` (the whole frame is in `data`).
    pub fn buffer(&self) -> Option<u32> {
        (self.buffer_id != OFP_NO_BUFFER).then_some(self.buffer_id)
    }
}
