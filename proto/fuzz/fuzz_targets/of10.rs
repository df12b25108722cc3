//! OpenFlow 1.0 decoder on arbitrary bytes: never panics, and whatever decodes re-encodes
//! and decodes to the same message (the round-trip invariant).
#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use tapdemon_proto::of10::Message;

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
    let (h2, again) = match Message::decode(&out) {
        Ok(v) => v,
        Err(e) => panic!(
            "re-encoded {} does not decode: {e}\n{msg:?}",
            msg.type_name()
        ),
    };
    assert_eq!(h2.xid, header.xid);
    // OF1.0 fixed-size strings (port, table, desc names) decode lossily to a String and
    // encode cut to N-1 bytes, so a name that is unterminated or holds invalid UTF-8 changes
    // once (fuzz_regressions.rs: of10_port_name_*). After that one normalisation the
    // encoding must be a fixed point; everything else must survive unchanged.
    let mut out2 = BytesMut::new();
    again.encode(header.xid, &mut out2).expect("re-encodes");
    assert_eq!(&out2[..], &out[..], "encoding is not a fixed point");
    if again != msg {
        assert_eq!(again.type_name(), msg.type_name());
        assert_eq!(out.len(), buf.len(), "only string bytes may change");
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
        v[0] = 1;
        v[2..4].copy_from_slice(&(data.len() as u16).to_be_bytes());
        check(&Bytes::from(v));
    }
});
