//! `stats_request.rs` message tests.

use bytes::Bytes;

use super::check;
use crate::of10::consts::*;
use crate::of10::*;
fn header(len: u8, ty: u16) -> Vec<u8> {
    let mut v = vec![1, 16, 0, len, 0, 0, 0, 3];
    v.extend_from_slice(&ty.to_be_bytes());
    v.extend_from_slice(&[0, 0]);
    v
}

#[test]
fn bodiless_and_small_requests() {
    let req = |body| Message::StatsRequest(StatsRequest::new(body));
    check(&header(12, OFPST_DESC), 3, req(StatsRequestBody::Desc));
    check(&header(12, OFPST_TABLE), 3, req(StatsRequestBody::Table));
    let mut b = header(20, OFPST_PORT);
    b.extend_from_slice(&[0xff, 0xff, 0, 0, 0, 0, 0, 0]);
    check(
        &b,
        3,
        req(StatsRequestBody::Port {
            port_no: PortNo::NONE,
        }),
    );
    let mut b = header(20, OFPST_QUEUE);
    b.extend_from_slice(&[0xff, 0xfc, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    check(
        &b,
        3,
        req(StatsRequestBody::Queue {
            port_no: PortNo::ALL,
            queue_id: OFPQ_ALL,
        }),
    );
    let mut b = header(18, OFPST_VENDOR);
    b.extend_from_slice(&[0, 0, 0x23, 0x20, 9, 9]);
    check(
        &b,
        3,
        req(StatsRequestBody::Vendor {
            vendor: NX_VENDOR_ID,
            body: Bytes::from_static(&[9, 9]),
        }),
    );
    let mut b = header(13, 77);
    b.push(1);
    check(
        &b,
        3,
        req(StatsRequestBody::Unknown {
            ty: 77,
            body: Bytes::from_static(&[1]),
        }),
    );
}

#[test]
fn flow_and_aggregate_requests() {
    for (ty, wrap) in [
        (OFPST_FLOW, StatsRequestBody::Flow as fn(_) -> _),
        (OFPST_AGGREGATE, StatsRequestBody::Aggregate),
    ] {
        let mut b = header(56, ty);
        b.extend_from_slice(&[0x00, 0x3f, 0xff, 0xff]);
        b.extend_from_slice(&[0; 36]);
        b.extend_from_slice(&[0xff, 0, 0xff, 0xff]);
        check(
            &b,
            3,
            Message::StatsRequest(StatsRequest::new(wrap(FlowStatsRequest::all()))),
        );
    }
    // A desc request with a body is rejected where the body starts.
    let mut b = header(13, OFPST_DESC);
    b.push(0);
    let e = Message::decode(&Bytes::from(b)).unwrap_err();
    assert_eq!((e.field, e.offset), ("ofp_stats_request.body", 12));
}
