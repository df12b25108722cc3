//! `OFPT_GET_ASYNC_REPLY` / `OFPT_SET_ASYNC` (`ofp_async_config`, spec 1.3.5 §A.3.10):
//! which asynchronous messages this connection receives.
//!
//! ```text
//! packet_in_mask[2]  port_status_mask[2]  flow_removed_mask[2]   (u32 each, 24 bytes)
//! ```
//! Element 0 applies when the controller is master or equal, element 1 when it is slave.
//! Bit `n` enables reason `n` (`OFPR_*`, `OFPPR_*`, `OFPRR_*`).

use bytes::{BufMut, BytesMut};

use crate::error::DecodeError;
use crate::reader::Reader;

/// `ofp_async_config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct AsyncConfig {
    /// Packet-in reasons, [master/equal, slave].
    pub packet_in_mask: [u32; 2],
    /// Port-status reasons, [master/equal, slave].
    pub port_status_mask: [u32; 2],
    /// Flow-removed reasons, [master/equal, slave].
    pub flow_removed_mask: [u32; 2],
}

impl AsyncConfig {
    /// Body length.
    pub const LEN: usize = 24;

    /// Decode the body after `ofp_header`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(AsyncConfig {
            packet_in_mask: [
                r.u32("ofp_async_config.packet_in_mask")?,
                r.u32("ofp_async_config.packet_in_mask")?,
            ],
            port_status_mask: [
                r.u32("ofp_async_config.port_status_mask")?,
                r.u32("ofp_async_config.port_status_mask")?,
            ],
            flow_removed_mask: [
                r.u32("ofp_async_config.flow_removed_mask")?,
                r.u32("ofp_async_config.flow_removed_mask")?,
            ],
        })
    }

    /// Bytes [`AsyncConfig::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        Self::LEN
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        for m in [
            self.packet_in_mask,
            self.port_status_mask,
            self.flow_removed_mask,
        ] {
            out.put_u32(m[0]);
            out.put_u32(m[1]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn round_trip() {
        static BODY: [u8; 24] = [
            0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 3, 0, 0, 0, 15, 0, 0, 0, 3,
        ];
        let buf = Bytes::from_static(&BODY);
        let a = AsyncConfig::decode(&mut Reader::new(&buf, "OFPT_SET_ASYNC")).unwrap();
        assert_eq!(
            a,
            AsyncConfig {
                packet_in_mask: [5, 1],
                port_status_mask: [7, 3],
                flow_removed_mask: [15, 3],
            }
        );
        let mut out = BytesMut::new();
        a.encode(&mut out);
        assert_eq!(&out[..], &BODY[..]);
    }
}
