//! `OFPT_VENDOR` (`ofp_vendor_header`, spec §5.5.4).
//!
//! ```text
//!  0               4
//! +---------------+------------------------------ - -
//! |    vendor     | vendor-defined body
//! +---------------+------------------------------ - -
//! ```

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::DecodeError;
use crate::reader::Reader;

/// `ofp_vendor_header` plus its opaque body.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Vendor {
    /// Vendor id (an OUI in the low 24 bits; Nicira is 0x00002320).
    pub vendor: u32,
    /// Everything after the vendor id.
    #[serde(with = "crate::serde_hex")]
    pub body: Bytes,
}

impl Vendor {
    /// Decode the body.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Vendor {
            vendor: r.u32("ofp_vendor_header.vendor")?,
            body: r.rest(),
        })
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.vendor);
        out.put_slice(&self.body);
    }

    /// Body length.
    pub fn encoded_len(&self) -> usize {
        4 + self.body.len()
    }
}
