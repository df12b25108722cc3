//! Unit tests for the neutral-model conversions.

use bytes::Bytes;

use super::*;
use crate::flow::{Command, Flags, PortNo as NPort};
use crate::of10::Message;

fn mac(s: &str) -> MacAddr {
    s.parse().unwrap()
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

/// The PyTapDEMon rule: hard_timeout=120,in_port=4,actions=output:3,output:7.
#[test]
fn tap_flow_mod() {
    let mut fm = flow::FlowMod::add(
        flow::Match {
            in_port: Some(4),
            ..Default::default()
        },
        vec![
            flow::Action::Output {
                port: NPort::Number(3),
                max_len: 0,
            },
            flow::Action::Output {
                port: NPort::Number(7),
                max_len: 0,
            },
        ],
        0x8000,
    );
    fm.hard_timeout = 120;
    fm.cookie = 0x7a;
    fm.flags = Flags {
        send_flow_rem: true,
        check_overlap: false,
        reset_counts: true,
    };
    let o = fm.to_of10().unwrap();
    assert_eq!(o.match_.wildcards, OFPFW_ALL & !OFPFW_IN_PORT);
    assert_eq!(o.match_.in_port, PortNo(4));
    assert_eq!(o.command, FlowModCommand::Add);
    assert_eq!(o.hard_timeout, 120);
    assert_eq!(o.priority, 0x8000);
    assert_eq!(o.cookie, 0x7a);
    assert_eq!(o.flags, OFPFF_SEND_FLOW_REM);
    assert_eq!(o.buffer_id, OFP_NO_BUFFER);
    assert_eq!(o.out_port, PortNo::NONE);
    assert_eq!(
        o.actions,
        vec![
            Action::Output {
                port: PortNo(3),
                max_len: 0
            },
            Action::Output {
                port: PortNo(7),
                max_len: 0
            },
        ]
    );
}

fn full_match() -> flow::Match {
    flow::Match {
        in_port: Some(0xfffffffe),
        eth_src: Some(Masked::exact(mac("00:00:00:00:00:01"))),
        eth_dst: Some(Masked {
            value: mac("00:00:00:00:00:02"),
            mask: Some(MacAddr::BROADCAST),
        }),
        eth_type: Some(0x0800),
        vlan: Some(VlanMatch::Vid(10)),
        vlan_pcp: Some(3),
        ip_dscp: Some(46),
        ip_proto: Some(6),
        ipv4_src: Some(Masked {
            value: ip("10.1.2.3"),
            mask: Some(ip("255.255.0.0")),
        }),
        ipv4_dst: Some(Masked::exact(ip("10.0.0.9"))),
        tp_src: Some(1234),
        tp_dst: Some(80),
    }
}

#[test]
fn match_every_field() {
    let o = Match::from_neutral(&full_match()).unwrap();
    // Only the bits of fields that do not exist remain: none; both prefixes are counts.
    assert_eq!(o.wildcards, 16 << OFPFW_NW_SRC_SHIFT);
    assert_eq!(o.in_port, PortNo::LOCAL);
    assert_eq!(o.nw_tos, 46 << 2);
    assert_eq!(o.nw_src(), Some((ip("10.1.0.0"), 16)));
    assert_eq!(o.nw_dst(), Some((ip("10.0.0.9"), 32)));
    assert_eq!(o.dl_vlan(), Some(10));
    // And back: the source address comes back masked, the eth_dst mask as exact.
    let mut expect = full_match();
    expect.eth_dst = Some(Masked::exact(mac("00:00:00:00:00:02")));
    expect.ipv4_src = Some(Masked {
        value: ip("10.1.0.0"),
        mask: Some(ip("255.255.0.0")),
    });
    assert_eq!(o.to_neutral(), expect);
    assert_eq!(flow::Match::from(&o), expect);
}

#[test]
fn empty_match_is_all_wildcards() {
    let o = Match::from_neutral(&flow::Match::default()).unwrap();
    assert_eq!(o, Match::all());
    assert_eq!(o.to_neutral(), flow::Match::default());
}

#[test]
fn untagged_vlan() {
    let m = flow::Match {
        vlan: Some(VlanMatch::Untagged),
        ..Default::default()
    };
    let o = Match::from_neutral(&m).unwrap();
    assert_eq!(o.dl_vlan(), Some(OFP_VLAN_NONE));
    assert_eq!(o.to_neutral(), m);
}

#[test]
fn match_errors() {
    let bad = |m: flow::Match| Match::from_neutral(&m).unwrap_err();
    assert_eq!(
        bad(flow::Match {
            in_port: Some(0x10000),
            ..Default::default()
        }),
        out_of_range("in_port", 0x10000)
    );
    assert_eq!(
        bad(flow::Match {
            ipv4_dst: Some(Masked {
                value: ip("10.0.0.0"),
                mask: Some(ip("255.0.255.0")),
            }),
            ..Default::default()
        }),
        unsupported("an IPv4 mask that is not a prefix")
    );
    assert_eq!(
        bad(flow::Match {
            eth_src: Some(Masked {
                value: mac("01:00:00:00:00:00"),
                mask: Some(mac("01:00:00:00:00:00")),
            }),
            ..Default::default()
        }),
        unsupported("an Ethernet address mask")
    );
    assert!(matches!(
        bad(flow::Match {
            vlan: Some(VlanMatch::Vid(4096)),
            ..Default::default()
        }),
        EncodeError::OutOfRange { .. }
    ));
    assert!(matches!(
        bad(flow::Match {
            ip_dscp: Some(64),
            ..Default::default()
        }),
        EncodeError::OutOfRange { .. }
    ));
}

#[test]
fn prefix_lengths() {
    assert_eq!(prefix_len(ip("0.0.0.0")), Some(0));
    assert_eq!(prefix_len(ip("255.255.255.255")), Some(32));
    assert_eq!(prefix_len(ip("255.255.255.128")), Some(25));
    assert_eq!(prefix_len(ip("255.255.255.127")), None);
    // A zero mask wildcards the address entirely.
    let m = flow::Match {
        ipv4_src: Some(Masked {
            value: ip("10.0.0.1"),
            mask: Some(ip("0.0.0.0")),
        }),
        ..Default::default()
    };
    let o = Match::from_neutral(&m).unwrap();
    assert_eq!(o.nw_src(), None);
}

#[test]
fn every_action() {
    let actions = vec![
        flow::Action::SetVlanVid(5),
        flow::Action::SetVlanPcp(2),
        flow::Action::PopVlan,
        flow::Action::SetEthSrc(mac("00:00:00:00:00:01")),
        flow::Action::SetEthDst(mac("00:00:00:00:00:02")),
        flow::Action::SetIpv4Src(ip("1.2.3.4")),
        flow::Action::SetIpv4Dst(ip("5.6.7.8")),
        flow::Action::SetTpSrc(1),
        flow::Action::SetTpDst(2),
        flow::Action::Output {
            port: NPort::Controller,
            max_len: 128,
        },
        flow::Action::SetQueue(9),
        flow::Action::SetTpDst(3),
        flow::Action::Output {
            port: NPort::Number(2),
            max_len: 0,
        },
        flow::Action::Output {
            port: NPort::InPort,
            max_len: 0,
        },
    ];
    assert_eq!(
        actions_to_of10(&actions).unwrap(),
        vec![
            Action::SetVlanVid(5),
            Action::SetVlanPcp(2),
            Action::StripVlan,
            Action::SetDlSrc(mac("00:00:00:00:00:01")),
            Action::SetDlDst(mac("00:00:00:00:00:02")),
            Action::SetNwSrc(ip("1.2.3.4")),
            Action::SetNwDst(ip("5.6.7.8")),
            Action::SetTpSrc(1),
            Action::SetTpDst(2),
            Action::Output {
                port: PortNo::CONTROLLER,
                max_len: 128
            },
            Action::SetTpDst(3),
            Action::Enqueue {
                port: PortNo(2),
                queue_id: 9
            },
            Action::Enqueue {
                port: PortNo::IN_PORT,
                queue_id: 9
            },
        ]
    );
}

#[test]
fn action_errors() {
    let err = |a: Vec<flow::Action>| actions_to_of10(&a).unwrap_err();
    assert_eq!(
        err(vec![flow::Action::Group(1)]),
        unsupported("group actions")
    );
    assert_eq!(
        err(vec![flow::Action::PushVlan(0x8100)]),
        unsupported("push_vlan")
    );
    assert_eq!(
        err(vec![flow::Action::SetQueue(1)]),
        unsupported("set_queue without a following output")
    );
    assert_eq!(
        err(vec![
            flow::Action::SetQueue(1),
            flow::Action::SetQueue(2),
            flow::Action::Output {
                port: NPort::Number(1),
                max_len: 0
            }
        ]),
        unsupported("set_queue without a following output")
    );
    assert_eq!(
        err(vec![flow::Action::Output {
            port: NPort::Number(0xff01),
            max_len: 0
        }]),
        out_of_range("output port", 0xff01)
    );
    assert!(matches!(
        err(vec![flow::Action::SetVlanVid(0x1000)]),
        EncodeError::OutOfRange { .. }
    ));
    assert!(matches!(
        err(vec![flow::Action::SetVlanPcp(8)]),
        EncodeError::OutOfRange { .. }
    ));
}

#[test]
fn flow_mod_errors_and_delete() {
    let base = flow::FlowMod::delete(flow::Match::default());
    let o = base.to_of10().unwrap();
    assert_eq!(o.command, FlowModCommand::Delete);
    assert_eq!(o.out_port, PortNo::NONE);
    let o = flow::FlowMod {
        out_port: Some(NPort::Number(3)),
        command: Command::DeleteStrict,
        buffer_id: Some(77),
        ..base.clone()
    }
    .to_of10()
    .unwrap();
    assert_eq!((o.out_port, o.buffer_id), (PortNo(3), 77));
    assert_eq!(o.command, FlowModCommand::DeleteStrict);
    let any = flow::FlowMod {
        out_port: Some(NPort::Any),
        ..base.clone()
    };
    assert_eq!(any.to_of10().unwrap().out_port, PortNo::NONE);
    for (fm, want) in [
        (
            flow::FlowMod {
                table_id: 1,
                ..base.clone()
            },
            out_of_range("table_id", 1),
        ),
        (
            flow::FlowMod {
                goto_table: Some(1),
                ..base.clone()
            },
            unsupported("goto_table"),
        ),
        (
            flow::FlowMod {
                cookie_mask: 0xff,
                ..base.clone()
            },
            unsupported("cookie_mask"),
        ),
        (
            flow::FlowMod {
                out_port: Some(NPort::Number(0x10000)),
                ..base.clone()
            },
            out_of_range("out_port", 0x10000),
        ),
    ] {
        assert_eq!(fm.to_of10().unwrap_err(), want);
    }
    let o = flow::FlowMod {
        command: Command::Modify,
        flags: Flags {
            send_flow_rem: false,
            check_overlap: true,
            reset_counts: false,
        },
        ..base.clone()
    }
    .to_of10()
    .unwrap();
    assert_eq!(
        (o.command, o.flags),
        (FlowModCommand::Modify, OFPFF_CHECK_OVERLAP)
    );
    let o = flow::FlowMod {
        command: Command::ModifyStrict,
        ..base
    }
    .to_of10()
    .unwrap();
    assert_eq!(o.command, FlowModCommand::ModifyStrict);
}

#[test]
fn packet_out() {
    let po = flow::PacketOut {
        buffer_id: None,
        in_port: None,
        actions: vec![flow::Action::Output {
            port: NPort::Flood,
            max_len: 0,
        }],
        data: Bytes::from_static(b"frame"),
    };
    let o = po.to_of10().unwrap();
    assert_eq!(o.buffer_id, OFP_NO_BUFFER);
    assert_eq!(o.in_port, PortNo::CONTROLLER);
    assert_eq!(o.data, Bytes::from_static(b"frame"));
    let o = flow::PacketOut {
        buffer_id: Some(3),
        in_port: Some(NPort::Number(2)),
        ..po.clone()
    }
    .to_of10()
    .unwrap();
    assert_eq!((o.buffer_id, o.in_port), (3, PortNo(2)));
    assert!(flow::PacketOut {
        actions: vec![flow::Action::Group(1)],
        ..po
    }
    .to_of10()
    .is_err());
}

#[test]
fn ports_both_ways() {
    for p in [
        NPort::InPort,
        NPort::Table,
        NPort::Normal,
        NPort::Flood,
        NPort::All,
        NPort::Controller,
        NPort::Local,
        NPort::Any,
        NPort::Number(1),
        NPort::Number(0xff00),
    ] {
        assert_eq!(PortNo::from_neutral(p, "p").unwrap().to_neutral(), p);
    }
    for raw in [1u32, 0xff00, 0xfffffff8, 0xfffffffe, 0xffffffff] {
        assert_eq!(port_of10_to_u32(port_u32_to_of10(raw, "p").unwrap()), raw);
    }
    assert!(port_u32_to_of10(0xff01, "p").is_err());
}

/// `encode_of10` writes what `to_of10` then `Message::encode` write, after whatever the
/// buffer held; on an error it writes nothing.
#[test]
fn encode_of10_is_to_of10_encoded() {
    let out = |port| flow::Action::Output {
        port: NPort::Number(port),
        max_len: 0,
    };
    let learned = flow::FlowMod {
        idle_timeout: 60,
        buffer_id: Some(0x1234),
        cookie: 0x10,
        ..flow::FlowMod::add(
            flow::Match {
                in_port: Some(2),
                eth_src: Some(Masked::exact(mac("00:00:00:00:00:01"))),
                eth_dst: Some(Masked::exact(mac("00:00:00:00:00:02"))),
                ..Default::default()
            },
            vec![out(1)],
            0x8000,
        )
    };
    let many = flow::FlowMod::add(
        flow::Match {
            ipv4_src: Some(Masked {
                value: ip("10.0.0.0"),
                mask: Some(ip("255.255.255.0")),
            }),
            ..Default::default()
        },
        vec![
            flow::Action::SetVlanVid(10),
            flow::Action::SetEthDst(mac("00:00:00:00:00:0b")),
            flow::Action::SetQueue(9),
            out(3),
            out(7),
        ],
        7,
    );
    let delete = flow::FlowMod {
        out_port: Some(NPort::Number(3)),
        ..flow::FlowMod::delete(flow::Match::default())
    };
    let none = flow::FlowMod::add(flow::Match::default(), vec![], 1);
    for (xid, fm) in [(1, learned), (0xdead_beef, many), (3, delete), (4, none)] {
        let mut want = BytesMut::from(&b"before"[..]);
        Message::FlowMod(fm.to_of10().unwrap())
            .encode(xid, &mut want)
            .unwrap();
        let mut got = BytesMut::from(&b"before"[..]);
        fm.encode_of10(xid, &mut got).unwrap();
        assert_eq!(got, want, "{fm:?}");
    }
    let bad_action = flow::FlowMod::add(flow::Match::default(), vec![flow::Action::Group(1)], 1);
    let bad_match = flow::FlowMod {
        table_id: 2,
        ..flow::FlowMod::add(flow::Match::default(), vec![out(1)], 1)
    };
    for fm in [bad_action, bad_match] {
        let mut got = BytesMut::from(&b"before"[..]);
        assert_eq!(fm.encode_of10(1, &mut got), Err(fm.to_of10().unwrap_err()));
        assert_eq!(&got[..], b"before");
    }
}
