//! OpenFlow 1.3 decoder on arbitrary bytes: never panics, and whatever decodes re-encodes
//! and decodes to the same message (the round-trip invariant).
#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use tapdemon_proto::of13::Message;

fn check(buf: &Bytes) {
    let Ok((header, msg)) = Message::decode(buf) else {
        return;
    };
    let mut out = BytesMut::new();
    if let Err(e) = msg.encode(header.xid, &mut out) {
        panic!(
            "decoded {} does not re-encode: {e}\n{msg:?}",
            msg.type_name()
        );
    }
    let out = out.freeze();
    match Message::decode(&out) {
        Ok((h2, again)) => {
            assert_eq!(h2.xid, header.xid);
            assert_eq!(again, msg, "round trip changed the message");
        }
        Err(e) => panic!(
            "re-encoded {} does not decode: {e}\n{msg:?}",
            msg.type_name()
        ),
    }
    // Generic entry point agrees with the version's own.
    assert!(tapdemon_proto::Message::decode(buf).is_ok());
}

fuzz_target!(|data: &[u8]| {
    // As is: any bytes, including wrong versions and lengths.
    check(&Bytes::copy_from_slice(data));
    // Framed: right version and length, so the fuzzer spends its time in the bodies.
    if data.len() >= 8 && data.len() <= usize::from(u16::MAX) {
        let mut v = data.to_vec();
        v[0] = 4;
        v[2..4].copy_from_slice(&(data.len() as u16).to_be_bytes());
        check(&Bytes::from(v));
    }
});
