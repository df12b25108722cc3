//! `OFPT_FEATURES_REPLY` (`ofp_switch_features`, spec 1.3.5 §A.3.1) and the switch
//! configuration carried by `OFPT_GET_CONFIG_REPLY` / `OFPT_SET_CONFIG`
//! (`ofp_switch_config`, §A.3.2).
//!
//! ```text
//! ofp_switch_features (body, 24 bytes)
//! +---------------------------------------------------------------+
//! |                       datapath_id (u64)                        |
//! +-------------------------------+-------+-------+---------------+
//! |          n_buffers            |n_tabl.|aux_id |     pad       |
//! +-------------------------------+-------+-------+---------------+
//! |          capabilities         |           reserved            |
//! +-------------------------------+-------------------------------+
//! ofp_switch_config (body, 4 bytes): flags (u16), miss_send_len (u16)
//! ```
//! OF1.3 dropped the port list from the features reply: ports come from `OFPMP_PORT_DESC`.

use bytes::{BufMut, BytesMut};

use crate::error::DecodeError;
use crate::reader::Reader;
use crate::types::DatapathId;

/// `ofp_switch_features`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SwitchFeatures {
    /// Datapath unique id; the low 48 bits are usually a MAC address.
    pub datapath_id: DatapathId,
    /// Max packets buffered at once.
    pub n_buffers: u32,
    /// Number of tables supported by the datapath.
    pub n_tables: u8,
    /// 0 for the main connection, non-zero for an auxiliary connection.
    pub auxiliary_id: u8,
    /// Bitmap of `OFPC_*`.
    pub capabilities: u32,
    /// Reserved; kept so the message re-encodes byte for byte.
    pub reserved: u32,
}

impl SwitchFeatures {
    /// Body length.
    pub const LEN: usize = 24;

    /// Decode the body after `ofp_header`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let datapath_id = DatapathId(r.u64("ofp_switch_features.datapath_id")?);
        let n_buffers = r.u32("ofp_switch_features.n_buffers")?;
        let n_tables = r.u8("ofp_switch_features.n_tables")?;
        let auxiliary_id = r.u8("ofp_switch_features.auxiliary_id")?;
        r.skip(2, "ofp_switch_features.pad")?;
        let capabilities = r.u32("ofp_switch_features.capabilities")?;
        let reserved = r.u32("ofp_switch_features.reserved")?;
        Ok(SwitchFeatures {
            datapath_id,
            n_buffers,
            n_tables,
            auxiliary_id,
            capabilities,
            reserved,
        })
    }

    /// Bytes [`SwitchFeatures::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        Self::LEN
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u64(self.datapath_id.0);
        out.put_u32(self.n_buffers);
        out.put_u8(self.n_tables);
        out.put_u8(self.auxiliary_id);
        out.put_bytes(0, 2);
        out.put_u32(self.capabilities);
        out.put_u32(self.reserved);
    }
}

/// `ofp_switch_config`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SwitchConfig {
    /// `OFPC_FRAG_*` bits.
    pub flags: u16,
    /// Max bytes of a table-miss packet sent to the controller (`OFPCML_NO_BUFFER`: all).
    pub miss_send_len: u16,
}

impl SwitchConfig {
    /// Body length.
    pub const LEN: usize = 4;

    /// Decode the body after `ofp_header`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(SwitchConfig {
            flags: r.u16("ofp_switch_config.flags")?,
            miss_send_len: r.u16("ofp_switch_config.miss_send_len")?,
        })
    }

    /// Bytes [`SwitchConfig::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        Self::LEN
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u16(self.flags);
        out.put_u16(self.miss_send_len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    static FEATURES: [u8; 24] = [
        0x00, 0x00, 0x08, 0x60, 0x6e, 0x7f, 0x74, 0xe7, // datapath_id
        0x00, 0x00, 0x01, 0x00, 0xfe, 0x00, 0x00, 0x00, // n_buffers 256, n_tables 254, aux 0
        0x00, 0x00, 0x00, 0x4f, 0x00, 0x00, 0x00, 0x00, // capabilities, reserved
    ];

    fn features() -> SwitchFeatures {
        SwitchFeatures {
            datapath_id: DatapathId(0x0860_6e7f_74e7),
            n_buffers: 256,
            n_tables: 254,
            auxiliary_id: 0,
            capabilities: 0x4f,
            reserved: 0,
        }
    }

    #[test]
    fn parse() {
        let buf = Bytes::from_static(&FEATURES);
        let f = SwitchFeatures::decode(&mut Reader::new(&buf, "OFPT_FEATURES_REPLY")).unwrap();
        assert_eq!(f, features());
    }

    #[test]
    fn emit() {
        let mut out = BytesMut::new();
        features().encode(&mut out);
        assert_eq!(&out[..], &FEATURES[..]);
    }

    #[test]
    fn config_round_trip() {
        let buf = Bytes::from_static(&[0x00, 0x01, 0xff, 0xff]);
        let c = SwitchConfig::decode(&mut Reader::new(&buf, "OFPT_SET_CONFIG")).unwrap();
        assert_eq!(
            c,
            SwitchConfig {
                flags: 1,
                miss_send_len: 0xffff
            }
        );
        let mut out = BytesMut::new();
        c.encode(&mut out);
        assert_eq!(&out[..], &buf[..]);
    }
}
