//! One or more OpenFlow 1.0 messages of every type the codec emits, built with the proto API
//! and realistic values (the PyTapDEMon topology: s2, h8 on port 3, h9 on port 4).

use std::net::Ipv4Addr;

use bytes::Bytes;
use proto::of10::consts::*;
use proto::of10::*;
use proto::{DatapathId, MacAddr};

use super::{tcp_frame, Case};

fn mac(n: u8) -> MacAddr {
    MacAddr([0, 0, 0, 0, 0, n])
}

fn port(no: u16, name: &str) -> PhyPort {
    PhyPort {
        port_no: PortNo(no),
        hw_addr: MacAddr([0x02, 0, 0, 0, 2, no as u8]),
        name: name.to_string(),
        config: 0,
        state: OFPPS_STP_FORWARD,
        curr: OFPPF_1GB_FD | OFPPF_COPPER | OFPPF_AUTONEG,
        advertised: OFPPF_1GB_FD | OFPPF_100MB_FD,
        supported: OFPPF_1GB_FD | OFPPF_100MB_FD | OFPPF_10MB_FD | OFPPF_AUTONEG,
        peer: 0,
    }
}

/// h8 -> h9 web traffic: 5 fields exact, nw_dst as a /24 prefix.
fn web_match() -> Match {
    let mut m = Match::all();
    m.set_wildcard(OFPFW_IN_PORT, false);
    m.in_port = PortNo(3);
    m.set_wildcard(OFPFW_DL_TYPE, false);
    m.dl_type = 0x0800;
    m.set_wildcard(OFPFW_NW_PROTO, false);
    m.nw_proto = 6;
    m.set_nw_src(Ipv4Addr::new(10, 0, 0, 8), 32);
    m.set_nw_dst(Ipv4Addr::new(10, 0, 0, 0), 24);
    m.set_wildcard(OFPFW_TP_DST, false);
    m.tp_dst = 80;
    m
}

fn flow_stats() -> FlowStats {
    FlowStats {
        table_id: 0,
        match_: web_match(),
        duration_sec: 42,
        duration_nsec: 500_000_000,
        priority: 100,
        idle_timeout: 0,
        hard_timeout: 120,
        cookie: 0x7461_7000_0000_0001,
        packet_count: 1234,
        byte_count: 1_234_567,
        actions: vec![
            Action::Output {
                port: PortNo(3),
                max_len: 0,
            },
            Action::Output {
                port: PortNo(7),
                max_len: 0,
            },
        ],
    }
}

fn port_stats(no: u16) -> PortStats {
    PortStats {
        port_no: PortNo(no),
        rx_packets: 1000 + u64::from(no),
        tx_packets: 2000,
        rx_bytes: 1_500_000,
        tx_bytes: 3_000_000,
        rx_dropped: 1,
        tx_dropped: 0,
        rx_errors: 0,
        tx_errors: 0,
        rx_frame_err: 0,
        rx_over_err: 0,
        rx_crc_err: 0,
        collisions: 0,
    }
}

fn all_actions() -> Vec<Action> {
    vec![
        Action::SetVlanVid(10),
        Action::SetVlanPcp(3),
        Action::StripVlan,
        Action::SetDlSrc(mac(8)),
        Action::SetDlDst(mac(9)),
        Action::SetNwSrc(Ipv4Addr::new(10, 0, 0, 8)),
        Action::SetNwDst(Ipv4Addr::new(10, 0, 0, 9)),
        Action::SetNwTos(0x20),
        Action::SetTpSrc(8080),
        Action::SetTpDst(80),
        Action::Enqueue {
            port: PortNo(7),
            queue_id: 1,
        },
        Action::Output {
            port: PortNo(3),
            max_len: 0,
        },
        Action::Output {
            port: PortNo::CONTROLLER,
            max_len: 128,
        },
    ]
}

fn stats_req(body: StatsRequestBody) -> Message {
    Message::StatsRequest(StatsRequest { flags: 0, body })
}

fn stats_reply(body: StatsReplyBody) -> Message {
    Message::StatsReply(StatsReply { flags: 0, body })
}

/// Every message type and every stats body, each with a label.
pub(crate) fn cases() -> Vec<Case> {
    let frame = tcp_frame(128);
    let barrier = Message::BarrierRequest.to_bytes(77).unwrap_or_default();
    let web_add = FlowMod {
        cookie: 0x7461_7000_0000_0001,
        idle_timeout: 0,
        hard_timeout: 120,
        flags: OFPFF_SEND_FLOW_REM,
        ..FlowMod::add(
            web_match(),
            100,
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
        )
    };
    let flow_req = FlowStatsRequest {
        match_: Match::all(),
        table_id: 0xff,
        out_port: PortNo::NONE,
    };
    let msgs: Vec<(&str, Message)> = vec![
        ("hello", Message::Hello { body: Bytes::new() }),
        (
            "error bad-request (echoes the request)",
            Message::Error(ErrorMsg {
                ty: ErrorType::BadRequest,
                code: OFPBRC_BAD_TYPE,
                data: barrier,
            }),
        ),
        (
            "error hello-failed (ASCII reason)",
            Message::Error(ErrorMsg {
                ty: ErrorType::HelloFailed,
                code: OFPHFC_INCOMPATIBLE,
                data: Bytes::from_static(b"no common version"),
            }),
        ),
        (
            "echo request",
            Message::EchoRequest {
                data: Bytes::from_static(&[0, 0, 0, 0, 0, 0, 0, 42]),
            },
        ),
        (
            "echo reply",
            Message::EchoReply {
                data: Bytes::from_static(&[0, 0, 0, 0, 0, 0, 0, 42]),
            },
        ),
        (
            "vendor (Nicira role request)",
            Message::Vendor(Vendor {
                vendor: NX_VENDOR_ID,
                body: Bytes::from_static(&[0, 0, 0, 10, 0, 0, 0, 1]),
            }),
        ),
        ("features request", Message::FeaturesRequest),
        (
            "features reply with 3 ports",
            Message::FeaturesReply(FeaturesReply {
                datapath_id: DatapathId(2),
                n_buffers: 256,
                n_tables: 254,
                capabilities: OFPC_FLOW_STATS
                    | OFPC_TABLE_STATS
                    | OFPC_PORT_STATS
                    | OFPC_QUEUE_STATS
                    | OFPC_ARP_MATCH_IP,
                actions: 0xfff,
                ports: vec![port(3, "s2-eth3"), port(4, "s2-eth4"), port(7, "s2-eth7")],
            }),
        ),
        ("get config request", Message::GetConfigRequest),
        (
            "get config reply",
            Message::GetConfigReply(SwitchConfig {
                flags: OFPC_FRAG_NORMAL,
                miss_send_len: 128,
            }),
        ),
        (
            "set config",
            Message::SetConfig(SwitchConfig {
                flags: OFPC_FRAG_NORMAL,
                miss_send_len: 0xffff,
            }),
        ),
        (
            "packet-in (buffered, 128-byte TCP frame)",
            Message::PacketIn(PacketIn {
                buffer_id: 0x100,
                total_len: frame.len() as u16,
                in_port: PortNo(3),
                reason: PacketInReason::NoMatch,
                data: frame.clone(),
            }),
        ),
        (
            "flow-removed",
            Message::FlowRemoved(FlowRemoved {
                match_: web_match(),
                cookie: 0x7461_7000_0000_0001,
                priority: 100,
                reason: FlowRemovedReason::HardTimeout,
                duration_sec: 120,
                duration_nsec: 1000,
                idle_timeout: 0,
                packet_count: 77,
                byte_count: 9000,
            }),
        ),
        (
            "port-status modify",
            Message::PortStatus(PortStatus {
                reason: PortReason::Modify,
                desc: PhyPort {
                    config: OFPPC_PORT_DOWN,
                    state: OFPPS_LINK_DOWN,
                    ..port(4, "s2-eth4")
                },
            }),
        ),
        (
            "packet-out (unbuffered, with frame)",
            Message::PacketOut(PacketOut {
                buffer_id: OFP_NO_BUFFER,
                in_port: PortNo::CONTROLLER,
                actions: vec![Action::Output {
                    port: PortNo::FLOOD,
                    max_len: 0,
                }],
                data: frame,
            }),
        ),
        (
            "packet-out (buffered, two outputs)",
            Message::PacketOut(PacketOut {
                buffer_id: 0x100,
                in_port: PortNo(3),
                actions: vec![
                    Action::Output {
                        port: PortNo(4),
                        max_len: 0,
                    },
                    Action::Output {
                        port: PortNo(7),
                        max_len: 0,
                    },
                ],
                data: Bytes::new(),
            }),
        ),
        (
            "flow-mod add (5-field match, 2 outputs)",
            Message::FlowMod(web_add.clone()),
        ),
        (
            "flow-mod modify (every action)",
            Message::FlowMod(FlowMod {
                command: FlowModCommand::Modify,
                actions: all_actions(),
                ..web_add.clone()
            }),
        ),
        (
            "flow-mod delete-strict (no actions)",
            Message::FlowMod(FlowMod {
                command: FlowModCommand::DeleteStrict,
                actions: vec![],
                ..web_add
            }),
        ),
        (
            "port-mod",
            Message::PortMod(PortMod {
                port_no: PortNo(4),
                hw_addr: MacAddr([0x02, 0, 0, 0, 2, 4]),
                config: OFPPC_NO_FLOOD,
                mask: OFPPC_NO_FLOOD,
                advertise: 0,
            }),
        ),
        ("stats request desc", stats_req(StatsRequestBody::Desc)),
        (
            "stats request flow",
            stats_req(StatsRequestBody::Flow(flow_req)),
        ),
        (
            "stats request aggregate",
            stats_req(StatsRequestBody::Aggregate(flow_req)),
        ),
        ("stats request table", stats_req(StatsRequestBody::Table)),
        (
            "stats request port",
            stats_req(StatsRequestBody::Port {
                port_no: PortNo::NONE,
            }),
        ),
        (
            "stats request queue",
            stats_req(StatsRequestBody::Queue {
                port_no: PortNo(7),
                queue_id: OFPQ_ALL,
            }),
        ),
        (
            "stats request vendor",
            stats_req(StatsRequestBody::Vendor {
                vendor: NX_VENDOR_ID,
                body: Bytes::from_static(&[0, 0, 0, 0, 0, 0, 0, 0]),
            }),
        ),
        (
            "stats reply desc",
            stats_reply(StatsReplyBody::Desc(DescStats {
                mfr_desc: "Nicira, Inc.".into(),
                hw_desc: "Open vSwitch".into(),
                sw_desc: "3.1.0".into(),
                serial_num: "None".into(),
                dp_desc: "s2".into(),
            })),
        ),
        (
            "stats reply flow",
            stats_reply(StatsReplyBody::Flow(vec![flow_stats(), flow_stats()])),
        ),
        (
            "stats reply aggregate",
            stats_reply(StatsReplyBody::Aggregate(AggregateStats {
                packet_count: 1234,
                byte_count: 1_234_567,
                flow_count: 2,
            })),
        ),
        (
            "stats reply table",
            stats_reply(StatsReplyBody::Table(vec![TableStats {
                table_id: 0,
                name: "classifier".into(),
                wildcards: OFPFW_ALL,
                max_entries: 1_000_000,
                active_count: 2,
                lookup_count: 5000,
                matched_count: 4900,
            }])),
        ),
        (
            "stats reply port",
            stats_reply(StatsReplyBody::Port(vec![port_stats(3), port_stats(4)])),
        ),
        (
            "stats reply queue",
            stats_reply(StatsReplyBody::Queue(vec![QueueStats {
                port_no: PortNo(7),
                queue_id: 1,
                tx_bytes: 100_000,
                tx_packets: 100,
                tx_errors: 0,
            }])),
        ),
        (
            "stats reply vendor",
            stats_reply(StatsReplyBody::Vendor {
                vendor: NX_VENDOR_ID,
                body: Bytes::from_static(&[0, 0, 0, 0, 0, 0, 0, 0]),
            }),
        ),
        ("barrier request", Message::BarrierRequest),
        ("barrier reply", Message::BarrierReply),
        (
            "queue get-config request",
            Message::QueueGetConfigRequest(QueueGetConfigRequest { port: PortNo(7) }),
        ),
        (
            "queue get-config reply",
            Message::QueueGetConfigReply(QueueGetConfigReply {
                port: PortNo(7),
                queues: vec![
                    PacketQueue {
                        queue_id: 1,
                        properties: vec![QueueProp::MinRate { rate: 500 }],
                    },
                    PacketQueue {
                        queue_id: 2,
                        properties: vec![],
                    },
                ],
            }),
        ),
    ];
    msgs.into_iter()
        .map(|(label, m)| Case::new(label, proto::Message::Of10(m)))
        .collect()
}
