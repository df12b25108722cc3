//! A bounds-checked cursor over a message's bytes.
//!
//! Every read checks what remains before touching the buffer, and every error carries the
//! absolute offset of the field being read. Sub-readers for TLVs (actions, OXM fields, sFlow
//! records) share the parent's buffer and offsets, so an error deep inside a nested structure
//! still points at the right byte of the whole message. Payloads are returned as [`Bytes`]
//! slices of the original buffer: no copy, no allocation.

use bytes::Bytes;

use crate::error::{DecodeError, DecodeErrorKind};

/// Cursor over `buf[pos..end]`; offsets reported in errors are indices into `buf`.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a Bytes,
    pos: usize,
    end: usize,
    context: &'static str,
}

impl<'a> Reader<'a> {
    /// A reader over the whole of `buf`. `context` names what is being decoded
    /// (`"OFPT_FLOW_MOD"`) and appears in every error.
    #[inline]
    pub fn new(buf: &'a Bytes, context: &'static str) -> Self {
        Reader {
            buf,
            pos: 0,
            end: buf.len(),
            context,
        }
    }

    /// Absolute offset of the next byte.
    #[inline]
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// Bytes left before the end of this reader's window.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.end - self.pos
    }

    /// True when nothing is left.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.pos == self.end
    }

    /// The context named in errors.
    #[inline]
    pub fn context(&self) -> &'static str {
        self.context
    }

    /// Change the context (once the message type is known).
    #[inline]
    pub fn set_context(&mut self, context: &'static str) {
        self.context = context;
    }

    /// An error at the current offset.
    #[cold]
    pub fn error(&self, field: &'static str, kind: DecodeErrorKind) -> DecodeError {
        self.error_at(self.pos, field, kind)
    }

    /// An error at an explicit absolute offset (for a length field read earlier).
    #[cold]
    pub fn error_at(
        &self,
        offset: usize,
        field: &'static str,
        kind: DecodeErrorKind,
    ) -> DecodeError {
        DecodeError {
            context: self.context,
            field,
            offset,
            kind,
        }
    }

    #[inline]
    fn need(&self, n: usize, field: &'static str) -> Result<(), DecodeError> {
        if self.remaining() < n {
            Err(self.error(
                field,
                DecodeErrorKind::Truncated {
                    need: n,
                    have: self.remaining(),
                },
            ))
        } else {
            Ok(())
        }
    }

    /// Read one byte.
    #[inline]
    pub fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        self.need(1, field)?;
        let v = self.buf[self.pos];
        self.pos += 1;
        Ok(v)
    }

    /// Read a big-endian u16.
    #[inline]
    pub fn u16(&mut self, field: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }

    /// Read a big-endian u32.
    #[inline]
    pub fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }

    /// Read a big-endian u64.
    #[inline]
    pub fn u64(&mut self, field: &'static str) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array(field)?))
    }

    /// Read a fixed-size array (MAC addresses, names, padding kept verbatim).
    #[inline]
    pub fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], DecodeError> {
        self.need(N, field)?;
        let mut out = [0u8; N];
        out.copy_from_slice(&self.buf[self.pos..self.pos + N]);
        self.pos += N;
        Ok(out)
    }

    /// Borrow the next `n` bytes as a zero-copy slice of the message.
    #[inline]
    pub fn bytes(&mut self, n: usize, field: &'static str) -> Result<Bytes, DecodeError> {
        self.need(n, field)?;
        let v = self.buf.slice(self.pos..self.pos + n);
        self.pos += n;
        Ok(v)
    }

    /// Everything left in this window, as a zero-copy slice.
    #[inline]
    pub fn rest(&mut self) -> Bytes {
        let v = self.buf.slice(self.pos..self.end);
        self.pos = self.end;
        v
    }

    /// Peek at the next `n` bytes without consuming them.
    #[inline]
    pub fn peek(&self, n: usize, field: &'static str) -> Result<&'a [u8], DecodeError> {
        self.need(n, field)?;
        let buf: &'a Bytes = self.buf;
        Ok(&buf[self.pos..self.pos + n])
    }

    /// Skip `n` bytes (padding).
    #[inline]
    pub fn skip(&mut self, n: usize, field: &'static str) -> Result<(), DecodeError> {
        self.need(n, field)?;
        self.pos += n;
        Ok(())
    }

    /// Split off a sub-reader over the next `n` bytes and advance past them.
    /// Used for TLVs whose length was read (and validated) by the caller.
    #[inline]
    pub fn sub(&mut self, n: usize, field: &'static str) -> Result<Reader<'a>, DecodeError> {
        self.need(n, field)?;
        let sub = Reader {
            buf: self.buf,
            pos: self.pos,
            end: self.pos + n,
            context: self.context,
        };
        self.pos += n;
        Ok(sub)
    }

    /// Fail unless everything was consumed.
    #[inline]
    pub fn finish(&self, field: &'static str) -> Result<(), DecodeError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.error(
                field,
                DecodeErrorKind::TrailingBytes {
                    count: self.remaining(),
                },
            ))
        }
    }

    /// Read a TLV length field that counts its own header: it must be at least `min`, a
    /// multiple of `align` (1 for none), and fit in what remains counted from `tlv_start`.
    /// This is the check whose absence made Ryu loop forever on a zero-length action.
    #[inline]
    pub fn check_tlv_len(
        &self,
        len: usize,
        tlv_start: usize,
        min: usize,
        align: usize,
        field: &'static str,
    ) -> Result<(), DecodeError> {
        let available = self.end - tlv_start;
        if len < min || len % align != 0 || len > available {
            Err(self.error_at(tlv_start, field, DecodeErrorKind::BadLength { value: len }))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_absolute_offsets() {
        let buf = Bytes::from_static(&[0, 1, 2, 3, 4, 5]);
        let mut r = Reader::new(&buf, "TEST");
        r.skip(2, "pad").unwrap();
        let mut sub = r.sub(3, "inner").unwrap();
        assert_eq!(sub.u16("a").unwrap(), 0x0203);
        let e = sub.u16("b").unwrap_err();
        assert_eq!(e.offset, 4);
        assert_eq!(e.field, "b");
        assert_eq!(e.kind, DecodeErrorKind::Truncated { need: 2, have: 1 });
        assert_eq!(r.offset(), 5);
    }

    #[test]
    fn tlv_length_zero_is_rejected() {
        let buf = Bytes::from_static(&[0; 16]);
        let r = Reader::new(&buf, "TEST");
        assert!(r.check_tlv_len(0, 0, 4, 8, "len").is_err());
        assert!(r.check_tlv_len(24, 0, 4, 8, "len").is_err());
        assert!(r.check_tlv_len(12, 0, 4, 8, "len").is_err());
        assert!(r.check_tlv_len(16, 0, 4, 8, "len").is_ok());
    }
}
