//! OpenFlow 1.3 decoder on arbitrary bytes: never panics, and whatever decodes re-encodes
//! and decodes to the same message (the round-trip invariant).
#![no_main]

#[path = "common/openflow.rs"]
mod openflow;

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use tapdemon_proto::of13::Message;

fn check(buf: &Bytes) {
    let Some(rt) = openflow::round_trip(
        buf,
        |b| Message::decode(b).map(|(h, m)| (h.xid, m)),
        Message::encode,
        Message::type_name,
    ) else {
        return;
    };
    assert_eq!(rt.again, rt.msg, "round trip changed the message");
}

fuzz_target!(|data: &[u8]| openflow::as_is_and_framed(data, 4, check));
