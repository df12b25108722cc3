//! Small helpers shared by the OF1.3 TLV encoders (match, actions, instructions, buckets).
//!
//! Length fields are written as a placeholder and patched once the body is encoded, so a
//! length can never disagree with the bytes that follow it.

use bytes::{BufMut, BytesMut};

use crate::error::EncodeError;

/// `n` rounded up to a multiple of 8 (OpenFlow's alignment for TLVs and matches).
pub(crate) const fn pad8(n: usize) -> usize {
    (n + 7) & !7
}

/// Append `n` zero bytes of padding.
pub(crate) fn put_zeros(out: &mut BytesMut, n: usize) {
    out.put_bytes(0, n);
}

/// Write `out.len() - start` into the u16 at `at` (a length placeholder written earlier).
pub(crate) fn patch_len16(out: &mut BytesMut, at: usize, start: usize) -> Result<(), EncodeError> {
    let len = out.len() - start;
    let v = u16::try_from(len).map_err(|_| EncodeError::TooLong { len })?;
    if let Some(slot) = out.get_mut(at..at + 2) {
        slot.copy_from_slice(&v.to_be_bytes());
    }
    Ok(())
}

/// Run `f`, and on error cut `out` back to where it was, so a failed encode never leaves a
/// half-written message in a buffer that may already hold other messages.
pub(crate) fn atomic<F>(out: &mut BytesMut, f: F) -> Result<(), EncodeError>
where
    F: FnOnce(&mut BytesMut) -> Result<(), EncodeError>,
{
    let start = out.len();
    let r = f(out);
    if r.is_err() {
        out.truncate(start);
    }
    r
}

/// Decode a TLV list (actions, instructions) filling exactly `len` bytes.
pub(crate) fn decode_list<'a, T>(
    r: &mut crate::reader::Reader<'a>,
    len: usize,
    field: &'static str,
    decode: impl Fn(&mut crate::reader::Reader<'a>) -> Result<T, crate::error::DecodeError>,
) -> Result<Vec<T>, crate::error::DecodeError> {
    let mut sub = r.sub(len, field)?;
    let mut items = Vec::new();
    while !sub.is_empty() {
        items.push(decode(&mut sub)?);
    }
    Ok(items)
}

/// Append every item of a TLV list in order; on error nothing is appended.
pub(crate) fn encode_list<T>(
    items: &[T],
    out: &mut BytesMut,
    encode: impl Fn(&T, &mut BytesMut) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    atomic(out, |out| items.iter().try_for_each(|i| encode(i, out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_and_patch() {
        assert_eq!(pad8(0), 0);
        assert_eq!(pad8(1), 8);
        assert_eq!(pad8(8), 8);
        assert_eq!(pad8(9), 16);
        let mut out = BytesMut::new();
        out.put_u16(0xffff);
        put_zeros(&mut out, 6);
        patch_len16(&mut out, 0, 0).unwrap();
        assert_eq!(&out[..], &[0, 8, 0, 0, 0, 0, 0, 0]);
        let r = atomic(&mut out, |o| {
            o.put_u8(1);
            Err(EncodeError::TooLong { len: 1 })
        });
        assert!(r.is_err());
        assert_eq!(out.len(), 8);
    }
}
