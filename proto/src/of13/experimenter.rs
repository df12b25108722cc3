//! `OFPT_EXPERIMENTER` (`ofp_experimenter_header`, spec 1.3.5 §A.5.4) and the
//! `OFPMP_EXPERIMENTER` multipart body (`ofp_experimenter_multipart_header`, §A.3.5.14),
//! which share one layout: experimenter id, experimenter type, opaque data.
//!
//! ```text
//! +-------------------------------+-------------------------------+---------
//! |       experimenter (u32)      |         exp_type (u32)        | data ...
//! +-------------------------------+-------------------------------+---------
//! ```
//! The data is kept raw: Nicira/ONF extensions (flow monitor, bundles...) are not decoded.

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::DecodeError;
use crate::reader::Reader;

/// An experimenter message or multipart body.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Experimenter {
    /// Experimenter id (OUI or IANA number; Nicira is 0x00002320).
    pub experimenter: u32,
    /// Experimenter-defined type.
    pub exp_type: u32,
    /// Experimenter-defined data.
    #[serde(with = "crate::serde_hex")]
    pub data: Bytes,
}

impl Experimenter {
    /// Decode from the experimenter id to the end of the reader.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let experimenter = r.u32("ofp_experimenter_header.experimenter")?;
        let exp_type = r.u32("ofp_experimenter_header.exp_type")?;
        Ok(Experimenter {
            experimenter,
            exp_type,
            data: r.rest(),
        })
    }

    /// Bytes [`Experimenter::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        8 + self.data.len()
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.experimenter);
        out.put_u32(self.exp_type);
        out.put_slice(&self.data);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static BODY: [u8; 12] = [0, 0, 0x23, 0x20, 0, 0, 0, 0x0a, 1, 2, 3, 4];

    #[test]
    fn round_trip() {
        let buf = Bytes::from_static(&BODY);
        let e = Experimenter::decode(&mut Reader::new(&buf, "OFPT_EXPERIMENTER")).unwrap();
        assert_eq!(e.experimenter, 0x2320);
        assert_eq!(e.exp_type, 10);
        assert_eq!(&e.data[..], &[1, 2, 3, 4]);
        let mut out = BytesMut::new();
        e.encode(&mut out);
        assert_eq!(&out[..], &BODY[..]);
        assert_eq!(e.encoded_len(), BODY.len());
    }
}
