//! `stats_reply.rs` message tests.

use bytes::Bytes;

use super::check;
use crate::of10::consts::*;
use crate::of10::*;
fn header(len: u16, ty: u16, flags: u16) -> Vec<u8> {
    let mut v = vec![1, 17];
    v.extend_from_slice(&len.to_be_bytes());
    v.extend_from_slice(&[0, 0, 0, 4]);
    v.extend_from_slice(&ty.to_be_bytes());
    v.extend_from_slice(&flags.to_be_bytes());
    v
}

fn reply(flags: u16, body: StatsReplyBody) -> Message {
    Message::StatsReply(StatsReply { flags, body })
}

fn padded(s: &str, n: usize) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.resize(n, 0);
    v
}

#[test]
fn desc() {
    let mut b = header(1068, OFPST_DESC, 0);
    b.extend(padded("Nicira, Inc.", 256));
    b.extend(padded("Open vSwitch", 256));
    b.extend(padded("3.1.0", 256));
    b.extend(padded("None", 32));
    b.extend(padded("s1", 256));
    check(
        &b,
        4,
        reply(
            0,
            StatsReplyBody::Desc(DescStats {
                mfr_desc: "Nicira, Inc.".into(),
                hw_desc: "Open vSwitch".into(),
                sw_desc: "3.1.0".into(),
                serial_num: "None".into(),
                dp_desc: "s1".into(),
            }),
        ),
    );
}

#[test]
fn flow() {
    let mut b = header(12 + 96 + 88, OFPST_FLOW, OFPSF_REPLY_MORE);
    // Entry 1: 96 bytes with one output action.
    b.extend_from_slice(&[0, 96, 0, 0]);
    b.extend_from_slice(&[0x00, 0x3f, 0xff, 0xfe, 0, 4]);
    b.extend_from_slice(&[0; 34]);
    b.extend_from_slice(&[
        0, 0, 0, 10, 0, 0, 0, 20, 0x80, 0, 0, 0, 0, 120, 0, 0, 0, 0, 0, 0,
    ]);
    b.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0x2a]);
    b.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 1, 0]);
    b.extend_from_slice(&[0, 0, 0, 8, 0, 3, 0, 0]);
    // Entry 2: 88 bytes, no actions (a drop flow), in table 1.
    b.extend_from_slice(&[0, 88, 1, 0, 0x00, 0x3f, 0xff, 0xff]);
    b.extend_from_slice(&[0; 80]);
    let mut m = Match::all();
    m.set_wildcard(OFPFW_IN_PORT, false);
    m.in_port = PortNo(4);
    let first = FlowStats {
        table_id: 0,
        match_: m,
        duration_sec: 10,
        duration_nsec: 20,
        priority: 0x8000,
        idle_timeout: 0,
        hard_timeout: 120,
        cookie: 42,
        packet_count: 5,
        byte_count: 256,
        actions: vec![Action::Output {
            port: PortNo(3),
            max_len: 0,
        }],
    };
    let second = FlowStats {
        table_id: 1,
        match_: Match::all(),
        duration_sec: 0,
        duration_nsec: 0,
        priority: 0,
        idle_timeout: 0,
        hard_timeout: 0,
        cookie: 0,
        packet_count: 0,
        byte_count: 0,
        actions: vec![],
    };
    let msg = reply(OFPSF_REPLY_MORE, StatsReplyBody::Flow(vec![first, second]));
    check(&b, 4, msg.clone());
    let Message::StatsReply(r) = msg else {
        unreachable!()
    };
    assert!(r.more());
    // An entry length below 88 is an error at the entry, not a loop.
    let mut bad = b.clone();
    bad[12..14].copy_from_slice(&[0, 0]);
    let e = Message::decode(&Bytes::from(bad)).unwrap_err();
    assert_eq!((e.field, e.offset), ("ofp_flow_stats.length", 12));
}

#[test]
fn aggregate_table_port_queue() {
    let mut b = header(36, OFPST_AGGREGATE, 0);
    b.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 3]);
    b.extend_from_slice(&[0; 4]);
    check(
        &b,
        4,
        reply(
            0,
            StatsReplyBody::Aggregate(AggregateStats {
                packet_count: 1,
                byte_count: 2,
                flow_count: 3,
            }),
        ),
    );

    let mut b = header(76, OFPST_TABLE, 0);
    b.extend_from_slice(&[0, 0, 0, 0]);
    b.extend(padded("classifier", 32));
    b.extend_from_slice(&[0x00, 0x3f, 0xff, 0xff, 0, 0x0f, 0x42, 0x40, 0, 0, 0, 2]);
    b.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 7]);
    check(
        &b,
        4,
        reply(
            0,
            StatsReplyBody::Table(vec![TableStats {
                table_id: 0,
                name: "classifier".into(),
                wildcards: OFPFW_ALL,
                max_entries: 1_000_000,
                active_count: 2,
                lookup_count: 9,
                matched_count: 7,
            }]),
        ),
    );

    let mut b = header(116, OFPST_PORT, 0);
    b.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]);
    for i in 1..=12u64 {
        b.extend_from_slice(&i.to_be_bytes());
    }
    check(
        &b,
        4,
        reply(
            0,
            StatsReplyBody::Port(vec![PortStats {
                port_no: PortNo(1),
                rx_packets: 1,
                tx_packets: 2,
                rx_bytes: 3,
                tx_bytes: 4,
                rx_dropped: 5,
                tx_dropped: 6,
                rx_errors: 7,
                tx_errors: 8,
                rx_frame_err: 9,
                rx_over_err: 10,
                rx_crc_err: 11,
                collisions: 12,
            }]),
        ),
    );
    // 104 + 1 bytes is not a whole number of port entries.
    let mut bad = b.clone();
    bad.push(0);
    bad[3] = 117;
    let e = Message::decode(&Bytes::from(bad)).unwrap_err();
    assert_eq!((e.field, e.offset), ("ofp_port_stats", 12));

    let mut b = header(44, OFPST_QUEUE, 0);
    b.extend_from_slice(&[0, 2, 0, 0, 0, 0, 0, 1]);
    b.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 11]);
    b.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 12]);
    check(
        &b,
        4,
        reply(
            0,
            StatsReplyBody::Queue(vec![QueueStats {
                port_no: PortNo(2),
                queue_id: 1,
                tx_bytes: 10,
                tx_packets: 11,
                tx_errors: 12,
            }]),
        ),
    );
}

#[test]
fn vendor_and_unknown() {
    let mut b = header(20, OFPST_VENDOR, 0);
    b.extend_from_slice(&[0, 0, 0x23, 0x20, 1, 2, 3, 4]);
    check(
        &b,
        4,
        reply(
            0,
            StatsReplyBody::Vendor {
                vendor: NX_VENDOR_ID,
                body: Bytes::from_static(&[1, 2, 3, 4]),
            },
        ),
    );
    let mut b = header(14, 0x1234, 0);
    b.extend_from_slice(&[5, 6]);
    check(
        &b,
        4,
        reply(
            0,
            StatsReplyBody::Unknown {
                ty: 0x1234,
                body: Bytes::from_static(&[5, 6]),
            },
        ),
    );
}
