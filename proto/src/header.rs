//! `ofp_header`, common to every OpenFlow version (spec 1.0 §5.1, 1.3 §A.1).
//!
//! ```text
//!  0       1       2               4                               8
//! +-------+-------+---------------+-------------------------------+
//! |version| type  |    length     |              xid              |
//! +-------+-------+---------------+-------------------------------+
//! ```

use crate::error::{DecodeError, DecodeErrorKind};

/// Length of `ofp_header`.
pub const HEADER_LEN: usize = 8;

/// OpenFlow 1.0 wire version.
pub const OFP10_VERSION: u8 = 0x01;
/// OpenFlow 1.3 wire version.
pub const OFP13_VERSION: u8 = 0x04;

/// A decoded `ofp_header`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Header {
    /// Wire version (0x01 = 1.0, 0x04 = 1.3).
    pub version: u8,
    /// Message type; its meaning depends on the version.
    #[serde(rename = "type")]
    pub ty: u8,
    /// Total message length including this header.
    pub length: u16,
    /// Transaction id.
    pub xid: u32,
}

impl Header {
    /// Decode the first 8 bytes. Checks only that `length` is at least the header size.
    pub fn parse(buf: &[u8]) -> Result<Header, DecodeError> {
        if buf.len() < HEADER_LEN {
            return Err(DecodeError {
                context: "ofp_header",
                field: "ofp_header",
                offset: 0,
                kind: DecodeErrorKind::Truncated {
                    need: HEADER_LEN,
                    have: buf.len(),
                },
            });
        }
        let length = u16::from_be_bytes([buf[2], buf[3]]);
        if (length as usize) < HEADER_LEN {
            return Err(DecodeError {
                context: "ofp_header",
                field: "ofp_header.length",
                offset: 2,
                kind: DecodeErrorKind::BadLength {
                    value: length as usize,
                },
            });
        }
        Ok(Header {
            version: buf[0],
            ty: buf[1],
            length,
            xid: u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]),
        })
    }

    /// Append the 8 header bytes.
    pub fn emit(&self, out: &mut impl bytes::BufMut) {
        out.put_u8(self.version);
        out.put_u8(self.ty);
        out.put_u16(self.length);
        out.put_u32(self.xid);
    }
}

/// Framing: how long is the message at the front of `buf`?
///
/// `Ok(None)` means "need more bytes" (fewer than 8 buffered); it is not an error.
/// A length field below 8 is an error: the stream cannot be re-synchronised after it.
pub fn peek_len(buf: &[u8]) -> Result<Option<usize>, DecodeError> {
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    Header::parse(buf).map(|h| Some(h.length as usize))
}

/// Write a message's total length into its header once the body is encoded.
/// `start` is the index of the header's first byte in `out`.
pub fn patch_length(out: &mut [u8], start: usize) -> Result<(), crate::error::EncodeError> {
    let len = out.len() - start;
    if len > u16::MAX as usize {
        return Err(crate::error::EncodeError::TooLong { len });
    }
    out[start + 2..start + 4].copy_from_slice(&(len as u16).to_be_bytes());
    Ok(())
}

/// Append one whole message: its header, then what `body` writes, then the header's
/// length patched. On an error nothing is appended.
pub fn encode_message(
    version: u8,
    ty: u8,
    xid: u32,
    out: &mut bytes::BytesMut,
    body: impl FnOnce(&mut bytes::BytesMut) -> Result<(), crate::error::EncodeError>,
) -> Result<(), crate::error::EncodeError> {
    let start = out.len();
    // `ofp_header` with a zero length (patched below), in one copy.
    let [x0, x1, x2, x3] = xid.to_be_bytes();
    out.extend_from_slice(&[version, ty, 0, 0, x0, x1, x2, x3]);
    let res = body(out).and_then(|()| patch_length(&mut out[..], start));
    if res.is_err() {
        out.truncate(start);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    static HELLO: [u8; 8] = [0x04, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x2a];

    #[test]
    fn parse_and_emit() {
        let h = Header::parse(&HELLO).unwrap();
        assert_eq!(
            h,
            Header {
                version: 4,
                ty: 0,
                length: 8,
                xid: 42
            }
        );
        let mut out = Vec::new();
        h.emit(&mut out);
        assert_eq!(out, HELLO);
    }

    #[test]
    fn framing() {
        assert_eq!(peek_len(&HELLO[..7]).unwrap(), None);
        assert_eq!(peek_len(&HELLO).unwrap(), Some(8));
        let bad = [0x04, 0x00, 0x00, 0x00, 0, 0, 0, 0];
        let e = peek_len(&bad).unwrap_err();
        assert_eq!(e.offset, 2);
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 0 });
    }
}
