//! `queue.rs` message tests.

use bytes::Bytes;

use super::check;
use crate::error::DecodeErrorKind;
use crate::of10::*;
#[test]
fn request() {
    check(
        &[1, 20, 0, 12, 0, 0, 0, 5, 0, 3, 0, 0],
        5,
        Message::QueueGetConfigRequest(QueueGetConfigRequest { port: PortNo(3) }),
    );
}

#[test]
fn reply_with_known_and_unknown_properties() {
    let bytes = [
        1, 21, 0, 64, 0, 0, 0, 5, // header
        0, 3, 0, 0, 0, 0, 0, 0, // port 3
        0, 0, 0, 1, 0, 24, 0, 0, // queue 1, len 24
        0, 1, 0, 16, 0, 0, 0, 0, 1, 0xf4, 0, 0, 0, 0, 0, 0, // min_rate 500
        0, 0, 0, 2, 0, 24, 0, 0, // queue 2, len 24
        0, 9, 0, 16, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, // property 9
    ];
    check(
        &bytes,
        5,
        Message::QueueGetConfigReply(QueueGetConfigReply {
            port: PortNo(3),
            queues: vec![
                PacketQueue {
                    queue_id: 1,
                    properties: vec![QueueProp::MinRate { rate: 500 }],
                },
                PacketQueue {
                    queue_id: 2,
                    properties: vec![QueueProp::Unknown {
                        property: 9,
                        body: Bytes::from_static(&[1, 2, 3, 4, 5, 6, 7, 8]),
                    }],
                },
            ],
        }),
    );
    // A zero-length property is an error at that property.
    let mut bad = bytes;
    bad[26..28].copy_from_slice(&[0, 0]);
    let e = Message::decode(&Bytes::copy_from_slice(&bad)).unwrap_err();
    assert_eq!(e.field, "ofp_queue_prop_header.len");
    assert_eq!(
        (e.offset, e.kind),
        (24, DecodeErrorKind::BadLength { value: 0 })
    );
}
