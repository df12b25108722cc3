//! `OFPT_ROLE_REQUEST` / `OFPT_ROLE_REPLY` (`ofp_role_request`, spec 1.3.5 §A.3.9).
//!
//! ```text
//! +---------------+---------------+-------------------------------+
//! |  role (u32)   |    pad[4]     |      generation_id (u64)      |
//! +---------------+---------------+-------------------------------+
//! ```

use bytes::{BufMut, BytesMut};

use crate::error::DecodeError;
use crate::reader::Reader;

/// `ofp_role_request` (the reply has the same layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Role {
    /// `OFPCR_ROLE_*`.
    pub role: u32,
    /// Master election generation id; stale ones are refused by the switch.
    pub generation_id: u64,
}

impl Role {
    /// Body length.
    pub const LEN: usize = 16;

    /// Decode the body after `ofp_header`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let role = r.u32("ofp_role_request.role")?;
        r.skip(4, "ofp_role_request.pad")?;
        let generation_id = r.u64("ofp_role_request.generation_id")?;
        Ok(Role {
            role,
            generation_id,
        })
    }

    /// Bytes [`Role::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        Self::LEN
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.role);
        out.put_bytes(0, 4);
        out.put_u64(self.generation_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn round_trip() {
        static BODY: [u8; 16] = [0, 0, 0, 2, 0, 0, 0, 0, 0xf0, 0, 0, 0, 0, 0, 0, 0];
        let buf = Bytes::from_static(&BODY);
        let role = Role::decode(&mut Reader::new(&buf, "OFPT_ROLE_REQUEST")).unwrap();
        assert_eq!(role.role, super::super::consts::OFPCR_ROLE_MASTER);
        assert_eq!(role.generation_id, 0xf000_0000_0000_0000);
        let mut out = BytesMut::new();
        role.encode(&mut out);
        assert_eq!(&out[..], &BODY[..]);
    }
}
