//! XDR helpers shared by the sFlow decoders and encoders: addresses, padded opaques and
//! length-prefixed structures.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{DecodeError, DecodeErrorKind};
use crate::reader::Reader;

/// Bytes of XDR padding after `len` bytes of opaque data.
pub(crate) fn pad(len: usize) -> usize {
    (4 - len % 4) % 4
}

/// `address` (spec: `address_type` 0 = unknown, 1 = IPv4, 2 = IPv6). `None` = unknown.
pub(crate) fn read_address(
    r: &mut Reader<'_>,
    field: &'static str,
) -> Result<Option<IpAddr>, DecodeError> {
    let at = r.offset();
    match r.u32(field)? {
        0 => Ok(None),
        1 => Ok(Some(IpAddr::V4(Ipv4Addr::from(r.array::<4>(field)?)))),
        2 => Ok(Some(IpAddr::V6(Ipv6Addr::from(r.array::<16>(field)?)))),
        other => Err(r.error_at(
            at,
            field,
            DecodeErrorKind::BadValue {
                value: u64::from(other),
            },
        )),
    }
}

/// Encode an `address`.
pub(crate) fn put_address(out: &mut BytesMut, a: Option<IpAddr>) {
    match a {
        None => out.put_u32(0),
        Some(IpAddr::V4(v4)) => {
            out.put_u32(1);
            out.put_slice(&v4.octets());
        }
        Some(IpAddr::V6(v6)) => {
            out.put_u32(2);
            out.put_slice(&v6.octets());
        }
    }
}

/// Encoded size of an `address`.
pub(crate) fn address_len(a: Option<IpAddr>) -> usize {
    match a {
        None => 4,
        Some(IpAddr::V4(_)) => 8,
        Some(IpAddr::V6(_)) => 20,
    }
}

/// A variable-length `opaque<>`: length word, bytes, zero padding to 4. The padding may be
/// missing at the very end of a record (seen from some agents); anything else is checked.
pub(crate) fn read_opaque(
    r: &mut Reader<'_>,
    len_field: &'static str,
    field: &'static str,
) -> Result<Bytes, DecodeError> {
    let at = r.offset();
    let len = r.u32(len_field)? as usize;
    if len > r.remaining() {
        return Err(r.error_at(at, len_field, DecodeErrorKind::BadLength { value: len }));
    }
    let data = r.bytes(len, field)?;
    r.skip(pad(len).min(r.remaining()), field)?;
    Ok(data)
}

/// Encode an `opaque<>` with its padding.
pub(crate) fn put_opaque(out: &mut BytesMut, data: &[u8]) {
    out.put_u32(data.len() as u32);
    out.put_slice(data);
    out.put_bytes(0, pad(data.len()));
}

/// Read a `data_format, length` pair and return the format word, the offset of the
/// structure and a sub-reader over exactly its body. The body must fit in what remains of
/// the container and be a multiple of 4 bytes.
pub(crate) fn read_tlv<'a>(
    r: &mut Reader<'a>,
    format_field: &'static str,
    len_field: &'static str,
) -> Result<(u32, usize, Reader<'a>), DecodeError> {
    let start = r.offset();
    let format = r.u32(format_field)?;
    let len_at = r.offset();
    let len = r.u32(len_field)? as usize;
    if len > r.remaining() || len % 4 != 0 {
        return Err(r.error_at(len_at, len_field, DecodeErrorKind::BadLength { value: len }));
    }
    let body = r.sub(len, len_field)?;
    Ok((format, start, body))
}

/// Write a `data_format` and a placeholder length; returns where the length goes.
pub(crate) fn begin_tlv(out: &mut BytesMut, format: u32) -> usize {
    out.put_u32(format);
    let at = out.len();
    out.put_u32(0);
    at
}

/// Patch the length written by [`begin_tlv`] to cover everything emitted since.
pub(crate) fn end_tlv(out: &mut BytesMut, len_at: usize) {
    let body = out.len().saturating_sub(len_at + 4) as u32;
    if let Some(slot) = out.get_mut(len_at..len_at + 4) {
        slot.copy_from_slice(&body.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opaque_round_trip_with_padding() {
        let mut out = BytesMut::new();
        put_opaque(&mut out, &[1, 2, 3, 4, 5]);
        assert_eq!(&out[..], &[0, 0, 0, 5, 1, 2, 3, 4, 5, 0, 0, 0]);
        let buf = out.freeze();
        let mut r = Reader::new(&buf, "TEST");
        assert_eq!(
            &read_opaque(&mut r, "len", "data").unwrap()[..],
            &[1, 2, 3, 4, 5]
        );
        assert!(r.is_empty());
    }

    #[test]
    fn opaque_length_past_end_is_an_error() {
        let buf = Bytes::from_static(&[0, 0, 0, 9, 1, 2, 3, 4]);
        let mut r = Reader::new(&buf, "TEST");
        let e = read_opaque(&mut r, "len", "data").unwrap_err();
        assert_eq!(e.offset, 0);
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 9 });
    }

    #[test]
    fn address_types() {
        let buf = Bytes::from_static(&[0, 0, 0, 1, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3]);
        let mut r = Reader::new(&buf, "TEST");
        assert_eq!(
            read_address(&mut r, "a").unwrap(),
            Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)))
        );
        assert_eq!(read_address(&mut r, "a").unwrap(), None);
        let e = read_address(&mut r, "a").unwrap_err();
        assert_eq!(e.offset, 12);
        assert_eq!(e.kind, DecodeErrorKind::BadValue { value: 3 });
    }
}
