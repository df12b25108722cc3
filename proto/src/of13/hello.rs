//! `OFPT_HELLO` with hello elements (spec 1.3.5 §A.5.1).
//!
//! ```text
//! ofp_hello_elem_header         ofp_hello_elem_versionbitmap
//! +--------+--------+           +--------+--------+----------------------+
//! |  type  | length |  ...      | type=1 | length | bitmaps[] (u32 each) |  + pad to 8
//! +--------+--------+           +--------+--------+----------------------+
//! ```
//! `length` counts the 4-byte element header and the data, not the padding. An element
//! this decoder does not know is kept raw so the hello re-encodes byte for byte.

use bytes::{BufMut, Bytes, BytesMut};

use super::consts::OFPHET_VERSIONBITMAP;
use crate::error::{DecodeError, DecodeErrorKind};
use crate::reader::Reader;

/// `ofp_hello`: a list of hello elements (empty for a pre-1.3.1 style hello).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Hello {
    /// The elements, in wire order.
    pub elements: Vec<HelloElem>,
}

/// One hello element.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HelloElem {
    /// `OFPHET_VERSIONBITMAP`: bit `v` of word `v / 32` is set when version `v` is supported.
    VersionBitmap(Vec<u32>),
    /// Any other element type, data kept verbatim (without padding).
    Unknown {
        /// `ofp_hello_elem_header.type`.
        ty: u16,
        /// The bytes after the 4-byte element header, up to `length`.
        #[serde(with = "crate::serde_hex")]
        body: Bytes,
    },
}

fn pad8(len: usize) -> usize {
    (8 - len % 8) % 8
}

impl Hello {
    /// A hello advertising exactly these wire versions (e.g. `[0x01, 0x04]`).
    pub fn with_versions(versions: &[u8]) -> Hello {
        let words = versions
            .iter()
            .map(|&v| v as usize / 32 + 1)
            .max()
            .unwrap_or(0);
        let mut bitmap = vec![0u32; words];
        for &v in versions {
            if let Some(w) = bitmap.get_mut(v as usize / 32) {
                *w |= 1 << (v % 32);
            }
        }
        Hello {
            elements: vec![HelloElem::VersionBitmap(bitmap)],
        }
    }

    /// The versions advertised by the version bitmap elements, ascending, or `None` when
    /// the hello carries no bitmap (then only the header version counts, spec §6.3.1).
    pub fn versions(&self) -> Option<Vec<u8>> {
        let mut found = false;
        let mut out = Vec::new();
        for e in &self.elements {
            if let HelloElem::VersionBitmap(words) = e {
                found = true;
                for (i, w) in words.iter().enumerate().take(8) {
                    for bit in 0..32 {
                        if w & (1 << bit) != 0 {
                            out.push((i * 32 + bit) as u8);
                        }
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        found.then_some(out)
    }

    /// Decode the body after `ofp_header`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut elements = Vec::new();
        while !r.is_empty() {
            let start = r.offset();
            let ty = r.u16("ofp_hello_elem_header.type")?;
            let len = r.u16("ofp_hello_elem_header.length")? as usize;
            r.check_tlv_len(len, start, 4, 1, "ofp_hello_elem_header.length")?;
            let mut body = r.sub(len - 4, "ofp_hello_elem data")?;
            // The final element's padding is sometimes omitted; tolerate that rather than
            // fail version negotiation over it.
            let pad = pad8(len).min(r.remaining());
            r.skip(pad, "ofp_hello_elem padding")?;
            let elem = if ty == OFPHET_VERSIONBITMAP {
                if body.remaining() % 4 != 0 {
                    return Err(r.error_at(
                        start + 2,
                        "ofp_hello_elem_versionbitmap.length",
                        DecodeErrorKind::BadLength { value: len },
                    ));
                }
                let mut words = Vec::with_capacity(body.remaining() / 4);
                while !body.is_empty() {
                    words.push(body.u32("ofp_hello_elem_versionbitmap.bitmaps")?);
                }
                HelloElem::VersionBitmap(words)
            } else {
                HelloElem::Unknown {
                    ty,
                    body: body.rest(),
                }
            };
            elements.push(elem);
        }
        Ok(Hello { elements })
    }

    /// Bytes [`Hello::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        self.elements
            .iter()
            .map(|e| {
                let len = e.unpadded_len();
                len + pad8(len)
            })
            .sum()
    }

    /// Append the body (elements, each padded to 8 bytes with zeros).
    pub fn encode(&self, out: &mut BytesMut) {
        for e in &self.elements {
            let len = e.unpadded_len();
            match e {
                HelloElem::VersionBitmap(words) => {
                    out.put_u16(OFPHET_VERSIONBITMAP);
                    out.put_u16(len as u16);
                    for w in words {
                        out.put_u32(*w);
                    }
                }
                HelloElem::Unknown { ty, body } => {
                    out.put_u16(*ty);
                    out.put_u16(len as u16);
                    out.put_slice(body);
                }
            }
            out.put_bytes(0, pad8(len));
        }
    }
}

impl HelloElem {
    fn unpadded_len(&self) -> usize {
        match self {
            HelloElem::VersionBitmap(w) => 4 + 4 * w.len(),
            HelloElem::Unknown { body, .. } => 4 + body.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Body of a hello advertising 1.0 and 1.3 (bitmap 0x12), plus an unknown element.
    static BODY: [u8; 16] = [
        0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x12, // versionbitmap
        0x00, 0x07, 0x00, 0x05, 0xab, 0x00, 0x00, 0x00, // unknown type 7, 1 byte + pad
    ];

    fn hello() -> Hello {
        Hello {
            elements: vec![
                HelloElem::VersionBitmap(vec![0x12]),
                HelloElem::Unknown {
                    ty: 7,
                    body: Bytes::from_static(&[0xab]),
                },
            ],
        }
    }

    #[test]
    fn parse() {
        let buf = Bytes::from_static(&BODY);
        let h = Hello::decode(&mut Reader::new(&buf, "OFPT_HELLO")).unwrap();
        assert_eq!(h, hello());
        assert_eq!(h.versions(), Some(vec![1, 4]));
    }

    #[test]
    fn emit() {
        let h = hello();
        let mut out = BytesMut::new();
        h.encode(&mut out);
        assert_eq!(h.encoded_len(), BODY.len());
        assert_eq!(&out[..], &BODY[..]);
    }

    #[test]
    fn with_versions() {
        let h = Hello::with_versions(&[4, 1]);
        assert_eq!(h.elements, vec![HelloElem::VersionBitmap(vec![0x12])]);
        assert_eq!(Hello::default().versions(), None);
        assert_eq!(Hello::with_versions(&[33]).versions(), Some(vec![33]));
    }

    #[test]
    fn zero_length_element_is_an_error() {
        let buf = Bytes::from_static(&[0, 1, 0, 0, 0, 0, 0, 0]);
        let e = Hello::decode(&mut Reader::new(&buf, "OFPT_HELLO")).unwrap_err();
        assert_eq!(e.offset, 0);
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 0 });
    }
}
