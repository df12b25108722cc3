//! `ofp_switch_config` (spec §5.3.2): the body of `OFPT_GET_CONFIG_REPLY` and
//! `OFPT_SET_CONFIG`. `OFPT_GET_CONFIG_REQUEST` has no body.
//!
//! ```text
//!  0               2               4
//! +---------------+---------------+
//! |     flags     | miss_send_len |
//! +---------------+---------------+
//! ```

use bytes::{BufMut, BytesMut};

use crate::error::DecodeError;
use crate::reader::Reader;

/// `ofp_switch_config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SwitchConfig {
    /// `OFPC_FRAG_*` fragment handling.
    pub flags: u16,
    /// Bytes of a table-miss packet to send to the controller.
    pub miss_send_len: u16,
}

impl SwitchConfig {
    /// Body length.
    pub const LEN: usize = 4;

    /// Decode the 4-byte body.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(SwitchConfig {
            flags: r.u16("ofp_switch_config.flags")?,
            miss_send_len: r.u16("ofp_switch_config.miss_send_len")?,
        })
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u16(self.flags);
        out.put_u16(self.miss_send_len);
    }

    /// Body length.
    pub fn encoded_len(&self) -> usize {
        Self::LEN
    }
}
