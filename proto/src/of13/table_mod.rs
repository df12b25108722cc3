//! `OFPT_TABLE_MOD` (`ofp_table_mod`, spec 1.3.5 §A.3.3).
//!
//! ```text
//! +----------+-----------+-------------------+
//! | table_id |  pad[3]   |   config (u32)    |
//! +----------+-----------+-------------------+
//! ```

use bytes::{BufMut, BytesMut};

use crate::error::DecodeError;
use crate::reader::Reader;

/// `ofp_table_mod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TableMod {
    /// The table, or `OFPTT_ALL`.
    pub table_id: u8,
    /// `OFPTC_*` bits (only the deprecated ones exist in 1.3).
    pub config: u32,
}

impl TableMod {
    /// Body length.
    pub const LEN: usize = 8;

    /// Decode the body after `ofp_header`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let table_id = r.u8("ofp_table_mod.table_id")?;
        r.skip(3, "ofp_table_mod.pad")?;
        let config = r.u32("ofp_table_mod.config")?;
        Ok(TableMod { table_id, config })
    }

    /// Bytes [`TableMod::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        Self::LEN
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u8(self.table_id);
        out.put_bytes(0, 3);
        out.put_u32(self.config);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn round_trip() {
        static BODY: [u8; 8] = [0xff, 0, 0, 0, 0, 0, 0, 3];
        let buf = Bytes::from_static(&BODY);
        let t = TableMod::decode(&mut Reader::new(&buf, "OFPT_TABLE_MOD")).unwrap();
        assert_eq!(
            t,
            TableMod {
                table_id: 0xff,
                config: 3
            }
        );
        let mut out = BytesMut::new();
        t.encode(&mut out);
        assert_eq!(&out[..], &BODY[..]);
    }
}
