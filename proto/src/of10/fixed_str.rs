//! NUL-padded fixed-size strings (`char name[OFP_MAX_PORT_NAME_LEN]`, `char mfr_desc[256]`).
//!
//! They decode to a `String` up to the first NUL (invalid UTF-8 is replaced, lossy) and
//! encode NUL-padded, truncated so at least one NUL remains, as the spec requires.
//! Bytes after the first NUL are not kept: the spec calls them padding.

use bytes::{BufMut, BytesMut};

use crate::error::DecodeError;
use crate::reader::Reader;

/// Read an `N`-byte NUL-terminated string.
pub(crate) fn decode<const N: usize>(
    r: &mut Reader<'_>,
    field: &'static str,
) -> Result<String, DecodeError> {
    let raw: &[u8] = r.peek(N, field)?;
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    let s = String::from_utf8_lossy(raw.get(..end).unwrap_or_default()).into_owned();
    r.skip(N, field)?;
    Ok(s)
}

/// Write `s` into `n` bytes, NUL-padded; cut to `n - 1` bytes (on a char boundary).
pub(crate) fn encode(s: &str, n: usize, out: &mut BytesMut) {
    let mut cut = s.len().min(n.saturating_sub(1));
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    let bytes = s.as_bytes().get(..cut).unwrap_or_default();
    out.put_slice(bytes);
    out.put_bytes(0, n - bytes.len());
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    #[test]
    fn round_trip_and_truncation() {
        let mut out = BytesMut::new();
        encode("Port7", 16, &mut out);
        assert_eq!(&out[..], b"Port7\0\0\0\0\0\0\0\0\0\0\0");
        let buf = out.freeze();
        let mut r = Reader::new(&buf, "TEST");
        assert_eq!(decode::<16>(&mut r, "name").unwrap(), "Port7");
        assert!(r.is_empty());

        let mut out = BytesMut::new();
        encode("abcdefgh", 4, &mut out);
        assert_eq!(&out[..], b"abc\0");
        let mut out = BytesMut::new();
        encode("aé", 3, &mut out);
        assert_eq!(&out[..], b"a\0\0");

        let unterminated = Bytes::from_static(b"abcd");
        let mut r = Reader::new(&unterminated, "TEST");
        assert_eq!(decode::<4>(&mut r, "name").unwrap(), "abcd");
    }
}
