//! `OFPMP_DESC` reply body (`ofp_desc`, spec 1.3.5 §A.3.5.1): the switch's description.
//!
//! ```text
//! mfr_desc[256] hw_desc[256] sw_desc[256] serial_num[32] dp_desc[256]   (1056 bytes)
//! ```

use bytes::BytesMut;

use super::consts::{DESC_STR_LEN, SERIAL_NUM_LEN};
use super::strings::FixedStr;
use crate::error::DecodeError;
use crate::reader::Reader;

/// `ofp_desc`.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Desc {
    /// Manufacturer description.
    pub mfr_desc: FixedStr<DESC_STR_LEN>,
    /// Hardware description.
    pub hw_desc: FixedStr<DESC_STR_LEN>,
    /// Software description.
    pub sw_desc: FixedStr<DESC_STR_LEN>,
    /// Serial number.
    pub serial_num: FixedStr<SERIAL_NUM_LEN>,
    /// Human readable description of the datapath.
    pub dp_desc: FixedStr<DESC_STR_LEN>,
}

impl Desc {
    /// Encoded length.
    pub const LEN: usize = 4 * DESC_STR_LEN + SERIAL_NUM_LEN;

    /// Decode the 1056 bytes.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Desc {
            mfr_desc: FixedStr::decode(r, "ofp_desc.mfr_desc")?,
            hw_desc: FixedStr::decode(r, "ofp_desc.hw_desc")?,
            sw_desc: FixedStr::decode(r, "ofp_desc.sw_desc")?,
            serial_num: FixedStr::decode(r, "ofp_desc.serial_num")?,
            dp_desc: FixedStr::decode(r, "ofp_desc.dp_desc")?,
        })
    }

    /// Bytes [`Desc::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        Self::LEN
    }

    /// Append the 1056 bytes.
    pub fn encode(&self, out: &mut BytesMut) {
        self.mfr_desc.encode(out);
        self.hw_desc.encode(out);
        self.sw_desc.encode(out);
        self.serial_num.encode(out);
        self.dp_desc.encode(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_offsets() {
        let d = Desc {
            mfr_desc: FixedStr::new("Nicira, Inc."),
            hw_desc: FixedStr::new("Open vSwitch"),
            sw_desc: FixedStr::new("3.1.0"),
            serial_num: FixedStr::new("None"),
            dp_desc: FixedStr::new("s1"),
        };
        let mut out = BytesMut::new();
        d.encode(&mut out);
        assert_eq!(out.len(), Desc::LEN);
        assert_eq!(&out[768..772], b"None");
        assert_eq!(&out[800..802], b"s1");
        let buf = out.freeze();
        assert_eq!(
            Desc::decode(&mut Reader::new(&buf, "OFPMP_DESC reply")).unwrap(),
            d
        );
        let short = buf.slice(..900);
        let e = Desc::decode(&mut Reader::new(&short, "OFPMP_DESC reply")).unwrap_err();
        assert_eq!((e.field, e.offset), ("ofp_desc.dp_desc", 800));
    }
}
