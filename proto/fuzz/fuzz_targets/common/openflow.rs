//! What the OpenFlow targets (`of10`, `of13`) share: the input fed as is and framed, and
//! the decode -> encode -> decode round trip every decoded message must survive.
//! Included with `#[path = "common/openflow.rs"] mod openflow;`.
// Each target reads the parts of a round trip it checks.
#![allow(dead_code)]

use std::fmt::{Debug, Display};

use bytes::{Bytes, BytesMut};

/// `check` on `data` as is (any bytes, including wrong versions and lengths), then on
/// `data` framed as an OpenFlow `version` message of its own length, so the fuzzer spends
/// its time in the bodies.
pub fn as_is_and_framed(data: &[u8], version: u8, check: impl Fn(&Bytes)) {
    check(&Bytes::copy_from_slice(data));
    if data.len() >= 8 && data.len() <= usize::from(u16::MAX) {
        let mut v = data.to_vec();
        v[0] = version;
        v[2..4].copy_from_slice(&(data.len() as u16).to_be_bytes());
        check(&Bytes::from(v));
    }
}

/// A decoded message, its re-encoding, and that decoded again.
pub struct RoundTrip<M> {
    /// The xid both decodes read.
    pub xid: u32,
    /// Decoded from the input.
    pub msg: M,
    /// `msg` encoded again.
    pub out: Bytes,
    /// `out` decoded.
    pub again: M,
}

/// Decode `buf`; `None` if it does not decode. A message that decodes must re-encode, the
/// bytes must decode again with the same xid, and the generic entry point
/// (`tapdemon_proto::Message::decode`) must agree that `buf` decodes; panics otherwise.
pub fn round_trip<M: Debug, D: Display, E: Display>(
    buf: &Bytes,
    decode: impl Fn(&Bytes) -> Result<(u32, M), D>,
    encode: impl Fn(&M, u32, &mut BytesMut) -> Result<(), E>,
    name: impl Fn(&M) -> &'static str,
) -> Option<RoundTrip<M>> {
    let (xid, msg) = decode(buf).ok()?;
    let mut out = BytesMut::new();
    if let Err(e) = encode(&msg, xid, &mut out) {
        panic!("decoded {} does not re-encode: {e}\n{msg:?}", name(&msg));
    }
    let out = out.freeze();
    let (xid2, again) = match decode(&out) {
        Ok(v) => v,
        Err(e) => panic!("re-encoded {} does not decode: {e}\n{msg:?}", name(&msg)),
    };
    assert_eq!(xid2, xid);
    assert!(tapdemon_proto::Message::decode(buf).is_ok());
    Some(RoundTrip {
        xid,
        msg,
        out,
        again,
    })
}
