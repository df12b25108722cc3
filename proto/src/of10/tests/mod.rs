//! Whole-message tests: static bytes -> decode == repr, repr -> encode == bytes (appended
//! after 0xa5 filler, so a wrong start offset or a forgotten byte shows).

use std::net::Ipv4Addr;

use bytes::{Bytes, BytesMut};

use super::*;
use crate::types::{DatapathId, MacAddr};

mod queue;
mod stats_reply;
mod stats_request;

pub(super) fn check(bytes: &[u8], xid: u32, msg: Message) {
    let buf = Bytes::copy_from_slice(bytes);
    let (h, got) = Message::decode(&buf).unwrap();
    assert_eq!(h.xid, xid);
    assert_eq!(h.ty, msg.msg_type());
    assert_eq!(got, msg);
    let mut out = BytesMut::from(&[0xa5u8; 3][..]);
    msg.encode(xid, &mut out).unwrap();
    assert_eq!(&out[..3], &[0xa5; 3]);
    assert_eq!(&out[3..], bytes, "{}", msg.type_name());
    assert_eq!(msg.encoded_len(), bytes.len());
}

#[test]
fn hello_echo_barrier_requests() {
    check(
        &[1, 0, 0, 8, 0, 0, 0, 1],
        1,
        Message::Hello { body: Bytes::new() },
    );
    check(
        &[1, 0, 0, 12, 0, 0, 0, 1, 0, 1, 0, 4],
        1,
        Message::Hello {
            body: Bytes::from_static(&[0, 1, 0, 4]),
        },
    );
    check(
        &[1, 2, 0, 11, 0, 0, 0, 9, b'a', b'b', b'c'],
        9,
        Message::EchoRequest {
            data: Bytes::from_static(b"abc"),
        },
    );
    check(
        &[1, 3, 0, 8, 0, 0, 0, 9],
        9,
        Message::EchoReply { data: Bytes::new() },
    );
    check(&[1, 5, 0, 8, 0, 0, 0, 2], 2, Message::FeaturesRequest);
    check(&[1, 7, 0, 8, 0, 0, 0, 3], 3, Message::GetConfigRequest);
    check(&[1, 18, 0, 8, 0, 0, 0, 4], 4, Message::BarrierRequest);
    check(&[1, 19, 0, 8, 0, 0, 0, 4], 4, Message::BarrierReply);
}

#[test]
fn error_and_vendor() {
    check(
        &[1, 1, 0, 16, 0, 0, 0, 5, 0, 2, 0, 4, 1, 14, 0, 80],
        5,
        Message::Error(ErrorMsg {
            ty: ErrorType::BadAction,
            code: consts::OFPBAC_BAD_OUT_PORT,
            data: Bytes::from_static(&[1, 14, 0, 80]),
        }),
    );
    check(
        &[1, 1, 0, 12, 0, 0, 0, 5, 0x12, 0x34, 0x56, 0x78],
        5,
        Message::Error(ErrorMsg {
            ty: ErrorType::Unknown(0x1234),
            code: 0x5678,
            data: Bytes::new(),
        }),
    );
    check(
        &[1, 4, 0, 16, 0, 0, 0, 6, 0, 0, 0x23, 0x20, 0, 0, 0, 10],
        6,
        Message::Vendor(Vendor {
            vendor: consts::NX_VENDOR_ID,
            body: Bytes::from_static(&[0, 0, 0, 10]),
        }),
    );
}

/// Ryu's `1-6-ofp_switch_features.packet`, inlined so this unit test stands alone.
static FEATURES_REPLY: [u8; 128] = [
    0x01, 0x06, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x12, 0x34, 0x56, 0x78,
    0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa9, 0x00, 0x00, 0x08, 0x43,
    0x00, 0x07, 0xf2, 0x0b, 0xa4, 0xd0, 0x3f, 0x70, 0x50, 0x6f, 0x72, 0x74, 0x37, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    0x00, 0x00, 0x02, 0x88, 0x00, 0x00, 0x02, 0x80, 0x00, 0x00, 0x02, 0x88, 0x00, 0x00, 0x02, 0x88,
    0x00, 0x06, 0xf2, 0x0b, 0xa4, 0x7d, 0xf8, 0xea, 0x50, 0x6f, 0x72, 0x74, 0x36, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x00, 0x00, 0x02, 0x88, 0x00, 0x00, 0x02, 0x80, 0x00, 0x00, 0x02, 0x88, 0x00, 0x00, 0x02, 0x88,
];

fn phy_port(no: u16, mac: [u8; 6], name: &str, state: u32) -> PhyPort {
    PhyPort {
        port_no: PortNo(no),
        hw_addr: MacAddr(mac),
        name: name.into(),
        config: 0,
        state,
        curr: 648,
        advertised: 640,
        supported: 648,
        peer: 648,
    }
}

#[test]
fn features_reply() {
    check(
        &FEATURES_REPLY,
        0,
        Message::FeaturesReply(FeaturesReply {
            datapath_id: DatapathId(0xff_1234_5678),
            n_buffers: 0,
            n_tables: 255,
            capabilities: 169,
            actions: 2115,
            ports: vec![
                phy_port(7, [0xf2, 0x0b, 0xa4, 0xd0, 0x3f, 0x70], "Port7", 16),
                phy_port(6, [0xf2, 0x0b, 0xa4, 0x7d, 0xf8, 0xea], "Port6", 2),
            ],
        }),
    );
    // A partial port is an error at the start of the ports.
    let mut short = FEATURES_REPLY[..127].to_vec();
    short[3] = 127;
    let e = Message::decode(&Bytes::from(short)).unwrap_err();
    assert_eq!(e.context, "OFPT_FEATURES_REPLY");
    assert_eq!(e.offset, 32);
}

#[test]
fn config_messages() {
    let cfg = SwitchConfig {
        flags: consts::OFPC_FRAG_NORMAL,
        miss_send_len: 0xffff,
    };
    check(
        &[1, 8, 0, 12, 0, 0, 0, 7, 0, 0, 0xff, 0xff],
        7,
        Message::GetConfigReply(cfg),
    );
    check(
        &[1, 9, 0, 12, 0, 0, 0, 7, 0, 0, 0xff, 0xff],
        7,
        Message::SetConfig(cfg),
    );
}

#[test]
fn packet_in() {
    let mut bytes = vec![1, 10, 0, 24, 0, 0, 0, 8];
    bytes.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0, 60, 0, 3, 0, 0]);
    bytes.extend_from_slice(&[1, 2, 3, 4, 5, 6]);
    let msg = Message::PacketIn(PacketIn {
        buffer_id: consts::OFP_NO_BUFFER,
        total_len: 60,
        in_port: PortNo(3),
        reason: PacketInReason::NoMatch,
        data: Bytes::from_static(&[1, 2, 3, 4, 5, 6]),
    });
    check(&bytes, 8, msg.clone());
    if let Message::PacketIn(p) = msg {
        assert_eq!(p.buffer(), None);
    }
}

#[test]
fn packet_in_data_is_a_slice_of_the_input() {
    let buf = Bytes::from(vec![
        1, 10, 0, 22, 0, 0, 0, 8, 0, 0, 0, 1, 0, 4, 0, 1, 1, 0, 9, 9, 9, 9,
    ]);
    let (_, msg) = Message::decode(&buf).unwrap();
    let Message::PacketIn(p) = msg else {
        panic!("not a packet-in");
    };
    assert_eq!(p.data.as_ptr(), buf[18..].as_ptr());
    assert_eq!(p.reason, PacketInReason::Action);
}

fn sample_match() -> Match {
    let mut m = Match::all();
    m.set_wildcard(consts::OFPFW_IN_PORT, false);
    m.in_port = PortNo(4);
    m
}

fn match_bytes() -> Vec<u8> {
    let mut v = vec![0x00, 0x3f, 0xff, 0xfe, 0x00, 0x04];
    v.resize(40, 0);
    v
}

#[test]
fn flow_mod() {
    // ovs-ofctl add-flow s2 hard_timeout=120,in_port=4,actions=output:3,output:7
    let mut bytes = vec![1, 14, 0, 88, 0, 0, 0, 10];
    bytes.extend(match_bytes());
    bytes.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0x2a]); // cookie
    bytes.extend_from_slice(&[0, 0, 0, 0, 0, 120, 0x80, 0]); // ADD, idle 0, hard 120, prio
    bytes.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 1]); // buffer, out, flags
    bytes.extend_from_slice(&[0, 0, 0, 8, 0, 3, 0, 0, 0, 0, 0, 8, 0, 7, 0, 0]);
    let mut fm = FlowMod::add(
        sample_match(),
        0x8000,
        vec![
            Action::Output {
                port: PortNo(3),
                max_len: 0,
            },
            Action::Output {
                port: PortNo(7),
                max_len: 0,
            },
        ],
    );
    fm.cookie = 42;
    fm.hard_timeout = 120;
    fm.flags = consts::OFPFF_SEND_FLOW_REM;
    check(&bytes, 10, Message::FlowMod(fm));
}

#[test]
fn flow_removed() {
    let mut bytes = vec![1, 11, 0, 88, 0, 0, 0, 11];
    bytes.extend(match_bytes());
    bytes.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0x2a, 0x80, 0, 1, 0]);
    bytes.extend_from_slice(&[0, 0, 0, 120, 0, 0, 0, 5, 0, 0, 0, 0]);
    bytes.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 1, 0]);
    check(
        &bytes,
        11,
        Message::FlowRemoved(FlowRemoved {
            match_: sample_match(),
            cookie: 42,
            priority: 0x8000,
            reason: FlowRemovedReason::HardTimeout,
            duration_sec: 120,
            duration_nsec: 5,
            idle_timeout: 0,
            packet_count: 3,
            byte_count: 256,
        }),
    );
}

#[test]
fn port_status_and_port_mod() {
    let mut bytes = vec![1, 12, 0, 64, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0];
    bytes.extend_from_slice(&FEATURES_REPLY[32..80]);
    check(
        &bytes,
        0,
        Message::PortStatus(PortStatus {
            reason: PortReason::Modify,
            desc: phy_port(7, [0xf2, 0x0b, 0xa4, 0xd0, 0x3f, 0x70], "Port7", 16),
        }),
    );
    check(
        &[
            1, 15, 0, 32, 0, 0, 0, 1, 0, 7, 0xf2, 0x0b, 0xa4, 0xd0, 0x3f, 0x70, 0, 0, 0, 1, 0, 0,
            0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
        ],
        1,
        Message::PortMod(PortMod {
            port_no: PortNo(7),
            hw_addr: MacAddr([0xf2, 0x0b, 0xa4, 0xd0, 0x3f, 0x70]),
            config: consts::OFPPC_PORT_DOWN,
            mask: consts::OFPPC_PORT_DOWN,
            advertise: 0,
        }),
    );
}

#[test]
fn packet_out() {
    let mut bytes = vec![
        1, 13, 0, 38, 0, 0, 0, 12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd, 0, 16,
    ];
    bytes.extend_from_slice(&[0, 0, 0, 8, 0xff, 0xfb, 0, 0]);
    bytes.extend_from_slice(&[0, 6, 0, 8, 10, 0, 0, 9]);
    bytes.extend_from_slice(&[0xab, 0xcd, 0xef, 0x01, 0x23, 0x45]);
    check(
        &bytes,
        12,
        Message::PacketOut(PacketOut {
            buffer_id: consts::OFP_NO_BUFFER,
            in_port: PortNo::CONTROLLER,
            actions: vec![
                Action::Output {
                    port: PortNo::FLOOD,
                    max_len: 0,
                },
                Action::SetNwSrc(Ipv4Addr::new(10, 0, 0, 9)),
            ],
            data: Bytes::from_static(&[0xab, 0xcd, 0xef, 0x01, 0x23, 0x45]),
        }),
    );
    // actions_len past the end of the message.
    let mut bad = bytes.clone();
    bad[15] = 64;
    let e = Message::decode(&Bytes::from(bad)).unwrap_err();
    assert_eq!((e.field, e.offset), ("ofp_packet_out.actions_len", 14));
}

#[test]
fn unknown_type_round_trips() {
    check(
        &[1, 200, 0, 11, 0, 0, 0, 1, 7, 8, 9],
        1,
        Message::Unknown {
            ty: 200,
            body: Bytes::from_static(&[7, 8, 9]),
        },
    );
    assert_eq!(type_name(200), "OFPT_UNKNOWN");
}

#[test]
fn framing_errors() {
    let e = Message::decode(&Bytes::from_static(&[4, 0, 0, 8, 0, 0, 0, 0])).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::BadVersion { version: 4 });
    let e = Message::decode(&Bytes::from_static(&[1, 0, 0, 9, 0, 0, 0, 0])).unwrap_err();
    assert!(matches!(
        e.kind,
        DecodeErrorKind::Truncated { need: 9, have: 8 }
    ));
    let e = Message::decode(&Bytes::from_static(&[1, 0, 0, 8, 0, 0, 0, 0, 0])).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::TrailingBytes { count: 1 });
    // A body on a message that has none.
    let e = Message::decode(&Bytes::from_static(&[1, 5, 0, 9, 0, 0, 0, 0, 0])).unwrap_err();
    assert_eq!(e.context, "OFPT_FEATURES_REQUEST");
    assert_eq!(
        (e.offset, e.kind),
        (8, DecodeErrorKind::TrailingBytes { count: 1 })
    );
    // A truncated fixed body names the field.
    let e = Message::decode(&Bytes::from_static(&[1, 9, 0, 10, 0, 0, 0, 0, 0, 0])).unwrap_err();
    assert_eq!((e.field, e.offset), ("ofp_switch_config.miss_send_len", 10));
}

#[test]
fn encode_failure_appends_nothing() {
    let msg = Message::PacketOut(PacketOut {
        buffer_id: 1,
        in_port: PortNo::NONE,
        actions: vec![Action::Unknown {
            ty: 77,
            body: Bytes::from_static(&[1]),
        }],
        data: Bytes::new(),
    });
    let mut out = BytesMut::from(&b"xy"[..]);
    assert!(msg.encode(1, &mut out).is_err());
    assert_eq!(&out[..], b"xy");
    let big = Message::EchoRequest {
        data: Bytes::from(vec![0; 70_000]),
    };
    assert_eq!(
        big.encode(1, &mut out),
        Err(EncodeError::TooLong { len: 70_008 })
    );
    assert_eq!(&out[..], b"xy");
}
