//! `ofp_match` (spec 1.3.5 §7.2.3.1, §A.2.3): an OXM TLV list, padded to 8 bytes.
//!
//! ```text
//!  0               2               4
//! +---------------+---------------+------------------------- - -+---------+
//! | type (OXM=1)  |    length     |   oxm_fields (length - 4)    | pad to 8|
//! +---------------+---------------+------------------------- - -+---------+
//! ```
//! `length` counts the 4-byte header and the OXM fields, not the padding.
//!
//! # Storage: zero-copy, validated, decoded lazily
//! A packet-in's match must not heap-allocate, so [`Match`] keeps the raw OXM list as a
//! [`Bytes`] slice of the message (a reference count, no copy) and [`Match::iter`] decodes
//! one [`Oxm`] at a time. Every TLV is still decoded once at decode time, so malformed
//! fields are errors with their absolute offset, and a `Match` always holds a valid list:
//! the iterator never fails. Building a match ([`Match::from_fields`]) encodes the fields
//! once. Equality compares the encoded bytes, so field order matters, as on the wire.

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::reader::Reader;

use super::consts_flow::OFPMT_OXM;
use super::oxm::Oxm;
use super::tlv::{pad8, put_zeros};

/// Length of the `ofp_match` header (type + length).
pub const MATCH_HEADER_LEN: usize = 4;

/// An OXM `ofp_match`: the validated OXM TLVs, kept encoded (see the module docs).
/// Serialises as the list of its [`Oxm`] fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Match {
    oxm: Bytes,
}

impl Match {
    /// The empty match (all wildcards).
    pub fn new() -> Match {
        Match::default()
    }

    /// A match of these fields, in this order.
    pub fn from_fields<'a, I>(fields: I) -> Result<Match, EncodeError>
    where
        I: IntoIterator<Item = &'a Oxm>,
    {
        let mut out = BytesMut::new();
        for f in fields {
            f.encode(&mut out)?;
        }
        Ok(Match { oxm: out.freeze() })
    }

    /// A match over OXM TLVs that [`Oxm::encode`] wrote (so they are valid).
    pub(crate) fn from_encoded(oxm: Bytes) -> Match {
        Match { oxm }
    }

    /// The fields, decoded one at a time.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            buf: &self.oxm,
            pos: 0,
        }
    }

    /// The raw OXM TLVs (without the match header or padding).
    pub fn oxm_bytes(&self) -> &Bytes {
        &self.oxm
    }

    /// True when the match has no fields (matches everything).
    pub fn is_empty(&self) -> bool {
        self.oxm.is_empty()
    }

    /// The `ofp_match.length` value: header plus fields, without padding.
    pub fn length(&self) -> usize {
        MATCH_HEADER_LEN + self.oxm.len()
    }

    /// Bytes on the wire, padding included.
    pub fn encoded_len(&self) -> usize {
        pad8(self.length())
    }

    /// The first field for which `f` returns `Some`.
    pub fn find<T>(&self, f: impl FnMut(Oxm) -> Option<T>) -> Option<T> {
        self.iter().find_map(f)
    }

    /// The `in_port` field, if present (ignoring any mask).
    pub fn in_port(&self) -> Option<u32> {
        self.find(|o| match o {
            Oxm::InPort(m) => Some(m.value),
            _ => None,
        })
    }

    /// Decode a match and its padding. Every OXM field is validated here.
    // Inlined into PACKET_IN's decoder: the `Bytes` it returns is then built in place, not
    // copied back through memory (a store-forwarding stall in the profile; -20% per PACKET_IN).
    #[inline]
    pub fn decode(r: &mut Reader<'_>) -> Result<Match, DecodeError> {
        let start = r.offset();
        let ty = r.u16("ofp_match.type")?;
        let len = usize::from(r.u16("ofp_match.length")?);
        if ty != OFPMT_OXM {
            return Err(r.error_at(
                start,
                "ofp_match.type",
                DecodeErrorKind::BadValue {
                    value: u64::from(ty),
                },
            ));
        }
        if len < MATCH_HEADER_LEN || len - MATCH_HEADER_LEN > r.remaining() {
            return Err(r.error_at(
                start,
                "ofp_match.length",
                DecodeErrorKind::BadLength { value: len },
            ));
        }
        let mut sub = r.sub(len - MATCH_HEADER_LEN, "ofp_match.oxm_fields")?;
        let mut check = sub.clone();
        while !check.is_empty() {
            Oxm::validate(&mut check)?;
        }
        let oxm = sub.rest();
        r.skip(pad8(len) - len, "ofp_match.pad")?;
        Ok(Match { oxm })
    }

    /// Append header, fields and zero padding.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        let len = self.length();
        let len16 = u16::try_from(len).map_err(|_| EncodeError::TooLong { len })?;
        let [l0, l1] = len16.to_be_bytes();
        let [t0, t1] = OFPMT_OXM.to_be_bytes();
        out.reserve(pad8(len));
        out.put_slice(&[t0, t1, l0, l1]);
        out.put_slice(&self.oxm);
        put_zeros(out, pad8(len) - len);
        Ok(())
    }
}

/// Iterator over a [`Match`]'s fields.
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    buf: &'a Bytes,
    pos: usize,
}

impl Iterator for Iter<'_> {
    type Item = Oxm;

    fn next(&mut self) -> Option<Oxm> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let mut r = Reader::new(self.buf, "ofp_match");
        // The list was validated when the Match was built, so this cannot fail; if it
        // somehow did, stopping is the only safe answer.
        let oxm = r
            .skip(self.pos, "")
            .ok()
            .and_then(|()| Oxm::decode(&mut r).ok());
        self.pos = if oxm.is_some() {
            r.offset()
        } else {
            self.buf.len()
        };
        oxm
    }
}

impl<'a> IntoIterator for &'a Match {
    type Item = Oxm;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl serde::Serialize for Match {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Match {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let fields = <Vec<Oxm> as serde::Deserialize>::deserialize(d)?;
        Match::from_fields(&fields).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::Masked;
    use crate::types::MacAddr;

    // in_port=6, eth_src=f2:0b:a4:7d:f8:ea (length 22, 2 bytes of padding); from Ryu's
    // 4-12 flow-stats reply.
    static MATCH: [u8; 24] = [
        0x00, 0x01, 0x00, 0x16, 0x80, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x06, 0x80, 0x00, 0x08,
        0x06, 0xf2, 0x0b, 0xa4, 0x7d, 0xf8, 0xea, 0x00, 0x00,
    ];

    fn fields() -> Vec<Oxm> {
        vec![
            Oxm::InPort(Masked::exact(6)),
            Oxm::EthSrc(Masked::exact(MacAddr([0xf2, 0x0b, 0xa4, 0x7d, 0xf8, 0xea]))),
        ]
    }

    #[test]
    fn parse() {
        let buf = Bytes::from_static(&MATCH);
        let mut r = Reader::new(&buf, "TEST");
        let m = Match::decode(&mut r).unwrap();
        assert!(r.is_empty());
        assert_eq!(m.iter().collect::<Vec<_>>(), fields());
        assert_eq!(m.in_port(), Some(6));
        assert_eq!(m.length(), 22);
        assert_eq!(m.encoded_len(), 24);
    }

    #[test]
    fn emit() {
        let m = Match::from_fields(&fields()).unwrap();
        let mut out = BytesMut::from(&[0xa5u8; 2][..]);
        m.encode(&mut out).unwrap();
        assert_eq!(&out[2..], &MATCH[..]);
        // The empty match is 4 bytes of header and 4 of padding.
        let mut out = BytesMut::new();
        Match::new().encode(&mut out).unwrap();
        assert_eq!(&out[..], &[0, 1, 0, 4, 0, 0, 0, 0]);
    }

    #[test]
    fn json_is_the_field_list() {
        let m = Match::from_fields(&fields()).unwrap();
        let j = serde_json::to_string(&m).unwrap();
        assert_eq!(
            j,
            r#"[{"in_port":{"value":6,"mask":null}},{"eth_src":{"value":"f2:0b:a4:7d:f8:ea","mask":null}}]"#
        );
        let back: Match = serde_json::from_str(&j).unwrap();
        assert_eq!(back, m);
    }

    fn decode_err(bytes: &[u8]) -> DecodeError {
        let buf = Bytes::copy_from_slice(bytes);
        let mut r = Reader::new(&buf, "TEST");
        r.skip(8, "prefix").unwrap();
        Match::decode(&mut r).unwrap_err()
    }

    #[test]
    fn bad_lengths() {
        let prefix = [0u8; 8];
        // Length below the header.
        let e = decode_err(&[&prefix[..], &[0, 1, 0, 2, 0, 0, 0, 0]].concat());
        assert_eq!((e.field, e.offset), ("ofp_match.length", 8));
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 2 });
        // Length past the end.
        let e = decode_err(&[&prefix[..], &[0, 1, 0, 0x20, 0, 0, 0, 0]].concat());
        assert_eq!((e.field, e.offset), ("ofp_match.length", 8));
        // Padding missing.
        let e = decode_err(&[&prefix[..], &MATCH[..22]].concat());
        assert_eq!((e.field, e.offset), ("ofp_match.pad", 30));
        // An OXM field inside overruns the match length (eth_src cut to 5 bytes).
        let mut bad = MATCH;
        bad[3] = 0x15;
        let e = decode_err(&[&prefix[..], &bad[..]].concat());
        assert_eq!((e.field, e.offset), ("oxm_length", 20));
        // OFPMT_STANDARD is not OXM.
        let e = decode_err(&[&prefix[..], &[0, 0, 0, 4, 0, 0, 0, 0]].concat());
        assert_eq!((e.field, e.offset), ("ofp_match.type", 8));
    }
}
