//! Fixed-size, NUL-padded text fields (`char name[OFP_MAX_PORT_NAME_LEN]`, `ofp_desc`).
//!
//! The raw bytes are kept, so a field re-encodes byte for byte even when a switch leaves
//! garbage after the terminating NUL or sends bytes that are not UTF-8. Serde writes the
//! text (up to the first NUL, lossy UTF-8), which is what a reader of JSON wants.

use std::borrow::Cow;
use std::fmt;

use bytes::{BufMut, BytesMut};

use crate::error::DecodeError;
use crate::reader::Reader;

/// `N` bytes of NUL-padded text.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FixedStr<const N: usize>(pub [u8; N]);

impl<const N: usize> FixedStr<N> {
    /// Text truncated to `N - 1` bytes (on a character boundary) so a NUL always ends it.
    pub fn new(s: &str) -> Self {
        let mut out = [0u8; N];
        let mut end = s.len().min(N.saturating_sub(1));
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        out[..end].copy_from_slice(&s.as_bytes()[..end]);
        FixedStr(out)
    }

    /// The text up to the first NUL; invalid UTF-8 is replaced, never an error.
    pub fn as_str(&self) -> Cow<'_, str> {
        let end = self.0.iter().position(|&b| b == 0).unwrap_or(N);
        String::from_utf8_lossy(&self.0[..end])
    }

    /// Read `N` bytes.
    pub fn decode(r: &mut Reader<'_>, field: &'static str) -> Result<Self, DecodeError> {
        r.array::<N>(field).map(FixedStr)
    }

    /// Write the `N` bytes.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_slice(&self.0);
    }
}

impl<const N: usize> Default for FixedStr<N> {
    fn default() -> Self {
        FixedStr([0; N])
    }
}

impl<const N: usize> fmt::Display for FixedStr<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str())
    }
}

impl<const N: usize> fmt::Debug for FixedStr<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.as_str(), f)
    }
}

impl<const N: usize> serde::Serialize for FixedStr<N> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_str())
    }
}

impl<'de, const N: usize> serde::Deserialize<'de> for FixedStr<N> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.len() >= N {
            return Err(serde::de::Error::custom(format!(
                "string of {} bytes does not fit a {N}-byte field",
                s.len()
            )));
        }
        Ok(FixedStr::new(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_raw_bytes_and_reads_text() {
        let s = FixedStr::<8>(*b"eth0\0xyz");
        assert_eq!(s.as_str(), "eth0");
        let mut out = BytesMut::new();
        s.encode(&mut out);
        assert_eq!(&out[..], b"eth0\0xyz");
        assert_eq!(FixedStr::<4>::new("abcdef").0, *b"abc\0");
        // "é" is two bytes: truncation must not split it.
        assert_eq!(FixedStr::<3>::new("aé").0, *b"a\0\0");
    }
}
