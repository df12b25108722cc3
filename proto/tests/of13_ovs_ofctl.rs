//! Oracle: Open vSwitch's own parser must read what our OF1.3 flow-side encoders emit the
//! way we mean it. Messages built from the neutral flow model (and a few OF1.3-only ones)
//! are written to a file and decoded by `ovs-ofctl ofp-parse`, whose text is compared
//! line by line. Needs `ovs-ofctl` (Debian `openvswitch-common`); no root, no switch.

use std::net::Ipv4Addr;
use std::process::Command;

use bytes::Bytes;
use tapdemon_proto::flow::{self, Action as A, Masked, PortNo, VlanMatch};
use tapdemon_proto::of13::action::Action;
use tapdemon_proto::of13::group_mod::{Bucket, GroupMod, GroupModCommand, GroupType};
use tapdemon_proto::of13::multipart::{MultipartRequest, MultipartRequestBody};
use tapdemon_proto::of13::multipart_flow::FlowStatsRequest;
use tapdemon_proto::of13::Message;

fn ofp_parse(messages: &[Message]) -> String {
    let mut buf = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        buf.extend_from_slice(&m.to_bytes(i as u32 + 1).expect("encode"));
    }
    let path = std::env::temp_dir().join(format!("tapdemon-of13-oracle-{}.of", std::process::id()));
    std::fs::write(&path, &buf).expect("write temp file");
    let out = Command::new("ovs-ofctl")
        .arg("ofp-parse")
        .arg(&path)
        .output();
    let _ = std::fs::remove_file(&path);
    let out = out.unwrap_or_else(|e| {
        panic!("cannot run ovs-ofctl ({e}): install Debian package openvswitch-common")
    });
    assert!(
        out.status.success(),
        "ovs-ofctl ofp-parse failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn bucket(port: u32) -> Bucket {
    Bucket {
        weight: 0,
        watch_port: 0xffff_ffff,
        watch_group: 0xffff_ffff,
        actions: vec![Action::Output { port, max_len: 0 }],
    }
}

#[test]
fn ovs_reads_our_flow_messages_as_meant() {
    // PyTapDEMon's tap rule.
    let mut tap = flow::FlowMod::add(
        flow::Match {
            in_port: Some(4),
            ..Default::default()
        },
        vec![
            A::Output {
                port: PortNo::Number(3),
                max_len: 0,
            },
            A::Output {
                port: PortNo::Number(7),
                max_len: 0,
            },
        ],
        0x8000,
    );
    tap.hard_timeout = 120;

    // Most of the neutral model at once.
    let mut rich = flow::FlowMod::add(
        flow::Match {
            in_port: Some(1),
            eth_src: Some(Masked::exact("00:00:00:00:00:01".parse().unwrap())),
            eth_type: Some(0x0800),
            vlan: Some(VlanMatch::Vid(10)),
            ip_proto: Some(6),
            ipv4_dst: Some(Masked {
                value: Ipv4Addr::new(10, 0, 0, 0),
                mask: Some(Ipv4Addr::new(255, 255, 255, 0)),
            }),
            tp_dst: Some(80),
            ..Default::default()
        },
        vec![
            A::SetVlanVid(20),
            A::SetTpDst(8080),
            A::PopVlan,
            A::Group(5),
            A::SetQueue(2),
            A::Output {
                port: PortNo::Controller,
                max_len: 0xffff,
            },
        ],
        10,
    );
    rich.goto_table = Some(2);
    rich.cookie = 0x7461_7000_0000_0001;
    rich.flags.send_flow_rem = true;
    rich.idle_timeout = 30;

    // A module's cleanup: every flow with its cookie, in every table.
    let mut cleanup = flow::FlowMod::delete(flow::Match {
        vlan: Some(VlanMatch::Untagged),
        ..Default::default()
    });
    cleanup.cookie = 0x7461_7000_0000_0000;
    cleanup.cookie_mask = 0xffff_ffff_0000_0000;
    cleanup.table_id = 0xff;

    let flood = flow::PacketOut {
        buffer_id: None,
        in_port: Some(PortNo::Number(2)),
        actions: vec![A::Output {
            port: PortNo::Flood,
            max_len: 0,
        }],
        data: Bytes::from_static(&[
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 1, 0x08, 0x06,
        ]),
    };

    let messages = [
        Message::FlowMod(tap.to_of13().unwrap()),
        Message::FlowMod(rich.to_of13().unwrap()),
        Message::FlowMod(cleanup.to_of13().unwrap()),
        Message::PacketOut(flood.to_of13().unwrap()),
        Message::GroupMod(GroupMod {
            command: GroupModCommand::Add,
            ty: GroupType::All,
            group_id: 7,
            buckets: vec![bucket(3), bucket(11)],
        }),
        Message::MultipartRequest(MultipartRequest {
            flags: 0,
            body: MultipartRequestBody::Flow(FlowStatsRequest {
                table_id: 1,
                out_port: 3,
                out_group: 0xffff_ffff,
                cookie: 0,
                cookie_mask: 0,
                match_: flow::Match {
                    eth_type: Some(0x0806),
                    ..Default::default()
                }
                .to_of13()
                .unwrap(),
            }),
        }),
    ];
    let text = ofp_parse(&messages);
    let expected = [
        "OFPT_FLOW_MOD (OF1.3) (xid=0x1): ADD in_port=4 hard:120 actions=output:3,output:7",
        "OFPT_FLOW_MOD (OF1.3) (xid=0x2): ADD priority=10,tcp,in_port=1,dl_vlan=10,\
         dl_src=00:00:00:00:00:01,nw_dst=10.0.0.0/24,tp_dst=80 cookie:0x7461700000000001 \
         idle:30 send_flow_rem actions=set_field:4116->vlan_vid,set_field:8080->tcp_dst,\
         pop_vlan,group:5,set_queue:2,CONTROLLER:65535,goto_table:2",
        "OFPT_FLOW_MOD (OF1.3) (xid=0x3): DEL table:255 priority=0,vlan_tci=0x0000/0x1fff \
         cookie:0x7461700000000000/0xffffffff00000000 actions=drop",
        "OFPT_PACKET_OUT (OF1.3) (xid=0x4): in_port=2 actions=FLOOD data_len=14",
        "arp,vlan_tci=0x0000,dl_src=00:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff,\
         arp_spa=0.0.0.0,arp_tpa=0.0.0.0,arp_op=0,arp_sha=00:00:00:00:00:00,\
         arp_tha=00:00:00:00:00:00",
        "OFPT_GROUP_MOD (OF1.3) (xid=0x5):",
        " ADD group_id=7,type=all,bucket=actions=output:3,bucket=actions=output:11",
        "OFPST_FLOW request (OF1.3) (xid=0x6): table=1 out_port=3 arp",
    ];
    let got: Vec<&str> = text.lines().collect();
    for (i, want) in expected.iter().enumerate() {
        assert_eq!(got.get(i).copied(), Some(*want), "line {i} of:\n{text}");
    }
    assert_eq!(got.len(), expected.len(), "{text}");
}
