//! `OFPT_PACKET_OUT` (`ofp_packet_out`, spec §5.3.6).
//!
//! ```text
//!  0               4       6       8
//! +---------------+-------+-------+----------------------+-------------- - -
//! |   buffer_id   |in_port|act_len| actions (act_len)    | data (if unbuffered)
//! +---------------+-------+-------+----------------------+-------------- - -
//! ```

use bytes::{BufMut, Bytes, BytesMut};

use super::action::{self, Action};
use super::consts::*;
use super::PortNo;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::reader::Reader;

/// `ofp_packet_out`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PacketOut {
    /// Buffered packet to send, or `OFP_NO_BUFFER` to send `data`.
    pub buffer_id: u32,
    /// Port the packet is deemed to have come in on (`OFPP_NONE` for none).
    pub in_port: PortNo,
    /// Actions to apply.
    pub actions: Vec<Action>,
    /// The frame, when `buffer_id` is `OFP_NO_BUFFER`.
    #[serde(with = "crate::serde_hex")]
    pub data: Bytes,
}

impl PacketOut {
    /// Length of the fixed part after `ofp_header`.
    pub const FIXED_LEN: usize = OFP_PACKET_OUT_LEN - OFP_HEADER_LEN;

    /// Decode the body.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let buffer_id = r.u32("ofp_packet_out.buffer_id")?;
        let in_port = PortNo(r.u16("ofp_packet_out.in_port")?);
        let at = r.offset();
        let actions_len = r.u16("ofp_packet_out.actions_len")? as usize;
        if actions_len > r.remaining() {
            return Err(r.error_at(
                at,
                "ofp_packet_out.actions_len",
                DecodeErrorKind::BadLength { value: actions_len },
            ));
        }
        let actions = action::decode_list(r, actions_len)?;
        Ok(PacketOut {
            buffer_id,
            in_port,
            actions,
            data: r.rest(),
        })
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        let actions_len = action::list_len(&self.actions);
        let actions_len =
            u16::try_from(actions_len).map_err(|_| EncodeError::TooLong { len: actions_len })?;
        out.put_u32(self.buffer_id);
        out.put_u16(self.in_port.0);
        out.put_u16(actions_len);
        action::encode_list(&self.actions, out)?;
        out.put_slice(&self.data);
        Ok(())
    }

    /// Body length.
    pub fn encoded_len(&self) -> usize {
        Self::FIXED_LEN + action::list_len(&self.actions) + self.data.len()
    }
}
