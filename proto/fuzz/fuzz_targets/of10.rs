//! OpenFlow 1.0 decoder on arbitrary bytes: never panics, and whatever decodes re-encodes
//! and decodes to the same message (the round-trip invariant).
#![no_main]

#[path = "common/openflow.rs"]
mod openflow;

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use tapdemon_proto::of10::Message;

fn check(buf: &Bytes) {
    let Some(rt) = openflow::round_trip(
        buf,
        |b| Message::decode(b).map(|(h, m)| (h.xid, m)),
        Message::encode,
        Message::type_name,
    ) else {
        return;
    };
    // OF1.0 fixed-size strings (port, table, desc names) decode lossily to a String and
    // encode cut to N-1 bytes, so a name that is unterminated or holds invalid UTF-8 changes
    // once (fuzz_regressions.rs: of10_port_name_*). After that one normalisation the
    // encoding must be a fixed point; everything else must survive unchanged.
    let mut out2 = BytesMut::new();
    rt.again.encode(rt.xid, &mut out2).expect("re-encodes");
    assert_eq!(&out2[..], &rt.out[..], "encoding is not a fixed point");
    if rt.again != rt.msg {
        assert_eq!(rt.again.type_name(), rt.msg.type_name());
        assert_eq!(rt.out.len(), buf.len(), "only string bytes may change");
    }
}

fuzz_target!(|data: &[u8]| openflow::as_is_and_framed(data, 1, check));
