//! One or more OpenFlow 1.3 messages of every type the codec emits (and every multipart
//! body), built with the proto API and realistic values.

use std::net::Ipv4Addr;

use bytes::Bytes;
use proto::flow::Masked;
use proto::of13::consts::*;
use proto::of13::consts_flow::{
    OFPAT_GROUP, OFPAT_OUTPUT, OFPAT_SET_FIELD, OFPFF_SEND_FLOW_REM, OFPGT_ALL, OFPGT_INDIRECT,
    OFPGT_SELECT, OFPG_ALL, OFPG_ANY, OFPIT_APPLY_ACTIONS, OFPIT_GOTO_TABLE, OFPIT_METER,
    OFPVID_PRESENT, OFPXMT_OFB_ETH_TYPE, OFPXMT_OFB_IN_PORT, OFPXMT_OFB_IPV4_DST,
};
use proto::of13::flow_mod::FlowModCommand;
use proto::of13::flow_removed::FlowRemovedReason;
use proto::of13::group_mod::{GroupModCommand, GroupType};
use proto::of13::instruction::Instruction;
use proto::of13::match_::Match;
use proto::of13::oxm::Oxm;
use proto::of13::packet_in::PacketInReason;
use proto::of13::{action::Action, *};
use proto::{DatapathId, MacAddr};

use super::{tcp_frame, Case};

const NX: u32 = 0x0000_2320;
const ONF: u32 = 0x4f4e_4600;

fn out(port: u32) -> Action {
    Action::Output { port, max_len: 0 }
}

fn port(no: u32, name: &str) -> Port {
    Port {
        port_no: no,
        hw_addr: MacAddr([0x02, 0, 0, 0, 2, no as u8]),
        name: FixedStr::new(name),
        config: 0,
        state: OFPPS_LIVE,
        curr: OFPPF_1GB_FD | OFPPF_COPPER,
        advertised: 0,
        supported: OFPPF_1GB_FD | OFPPF_100MB_FD | OFPPF_COPPER | OFPPF_AUTONEG,
        peer: 0,
        curr_speed: 1_000_000,
        max_speed: 1_000_000,
    }
}

/// h8 -> h9 web traffic: in_port, eth_type, ip_proto, ipv4_src, ipv4_dst/24, tcp_dst.
fn web_match() -> Match {
    Match::from_fields(&[
        Oxm::InPort(Masked::exact(3)),
        Oxm::EthType(Masked::exact(0x0800)),
        Oxm::IpProto(Masked::exact(6)),
        Oxm::Ipv4Src(Masked::exact(Ipv4Addr::new(10, 0, 0, 8))),
        Oxm::Ipv4Dst(Masked {
            value: Ipv4Addr::new(10, 0, 0, 0),
            mask: Some(Ipv4Addr::new(255, 255, 255, 0)),
        }),
        Oxm::TcpDst(Masked::exact(80)),
    ])
    .unwrap_or_default()
}

/// A match with more field kinds: MACs (one masked), VLAN, metadata, ARP.
fn arp_match() -> Match {
    Match::from_fields(&[
        Oxm::InPort(Masked::exact(4)),
        Oxm::Metadata(Masked {
            value: 0x10,
            mask: Some(0xff),
        }),
        Oxm::EthDst(Masked::exact(MacAddr([0xff; 6]))),
        Oxm::EthSrc(Masked {
            value: MacAddr([0, 0, 0, 0, 0, 9]),
            mask: Some(MacAddr([0xff, 0xff, 0xff, 0, 0, 0])),
        }),
        Oxm::EthType(Masked::exact(0x0806)),
        Oxm::VlanVid(Masked::exact(OFPVID_PRESENT | 10)),
        Oxm::VlanPcp(Masked::exact(3)),
        Oxm::ArpOp(Masked::exact(1)),
        Oxm::ArpSpa(Masked::exact(Ipv4Addr::new(10, 0, 0, 9))),
        Oxm::ArpTpa(Masked::exact(Ipv4Addr::new(10, 0, 0, 8))),
    ])
    .unwrap_or_default()
}

fn web_instructions() -> Vec<Instruction> {
    vec![Instruction::ApplyActions(vec![out(3), out(7)])]
}

fn all_instructions() -> Vec<Instruction> {
    vec![
        Instruction::Meter { meter_id: 1 },
        Instruction::ApplyActions(vec![
            Action::PushVlan { ethertype: 0x8100 },
            Action::SetField(Oxm::VlanVid(Masked::exact(OFPVID_PRESENT | 20))),
            Action::SetField(Oxm::Ipv4Dst(Masked::exact(Ipv4Addr::new(10, 0, 0, 11)))),
            Action::SetNwTtl { nw_ttl: 63 },
            Action::DecNwTtl,
            Action::CopyTtlOut,
            Action::CopyTtlIn,
            Action::PushMpls { ethertype: 0x8847 },
            Action::SetMplsTtl { mpls_ttl: 64 },
            Action::DecMplsTtl,
            Action::PopMpls { ethertype: 0x0800 },
            Action::PushPbb { ethertype: 0x88e7 },
            Action::PopPbb,
            Action::PopVlan,
            Action::SetQueue { queue_id: 1 },
            Action::Group { group_id: 1 },
            Action::Output {
                port: OFPP_CONTROLLER,
                max_len: OFPCML_NO_BUFFER,
            },
        ]),
        Instruction::ClearActions,
        Instruction::WriteActions(vec![out(11)]),
        Instruction::WriteMetadata {
            metadata: 0x10,
            metadata_mask: 0xff,
        },
        Instruction::GotoTable { table_id: 1 },
    ]
}

fn flow_mod() -> FlowMod {
    FlowMod {
        cookie: 0x7461_7000_0000_0001,
        cookie_mask: 0,
        table_id: 0,
        command: FlowModCommand::Add,
        idle_timeout: 0,
        hard_timeout: 120,
        priority: 100,
        buffer_id: OFP_NO_BUFFER,
        out_port: OFPP_ANY,
        out_group: OFPG_ANY,
        flags: OFPFF_SEND_FLOW_REM,
        match_: web_match(),
        instructions: web_instructions(),
    }
}

fn buckets() -> Vec<Bucket> {
    vec![
        Bucket {
            weight: 0,
            watch_port: OFPP_ANY,
            watch_group: OFPG_ANY,
            actions: vec![out(4)],
        },
        Bucket {
            weight: 0,
            watch_port: OFPP_ANY,
            watch_group: OFPG_ANY,
            actions: vec![
                Action::SetField(Oxm::EthDst(Masked::exact(MacAddr([0, 0, 0, 0, 0, 11])))),
                out(11),
            ],
        },
    ]
}

fn bands() -> Vec<MeterBand> {
    vec![
        MeterBand::Drop {
            rate: 10_000,
            burst_size: 1_000,
        },
        MeterBand::DscpRemark {
            rate: 5_000,
            burst_size: 500,
            prec_level: 1,
        },
    ]
}

fn flow_req() -> FlowStatsRequest {
    FlowStatsRequest {
        table_id: OFPTT_ALL,
        out_port: OFPP_ANY,
        out_group: OFPG_ANY,
        cookie: 0x7461_7000_0000_0000,
        cookie_mask: 0xffff_ffff_0000_0000,
        match_: web_match(),
    }
}

fn table_features() -> TableFeatures {
    let ids = |tys: &[u16]| -> Vec<TlvId> {
        tys.iter()
            .map(|&ty| TlvId {
                ty,
                len: 4,
                experimenter: None,
            })
            .collect()
    };
    let oxm_ids = vec![
        OxmId::basic(OFPXMT_OFB_IN_PORT, 4),
        OxmId::basic(OFPXMT_OFB_ETH_TYPE, 2),
        OxmId::basic(OFPXMT_OFB_IPV4_DST, 4),
    ];
    TableFeatures {
        table_id: 0,
        name: FixedStr::new("classifier"),
        metadata_match: u64::MAX,
        metadata_write: u64::MAX,
        config: 0,
        max_entries: 1_000_000,
        properties: vec![
            TableFeatureProp::Instructions {
                miss: false,
                ids: ids(&[OFPIT_GOTO_TABLE, OFPIT_APPLY_ACTIONS, OFPIT_METER]),
            },
            TableFeatureProp::NextTables {
                miss: false,
                table_ids: vec![1, 2, 3],
            },
            TableFeatureProp::WriteActions {
                miss: false,
                ids: ids(&[OFPAT_OUTPUT, OFPAT_GROUP]),
            },
            TableFeatureProp::ApplyActions {
                miss: true,
                ids: ids(&[OFPAT_OUTPUT, OFPAT_SET_FIELD]),
            },
            TableFeatureProp::Match(oxm_ids.clone()),
            TableFeatureProp::Wildcards(oxm_ids.clone()),
            TableFeatureProp::WriteSetfield {
                miss: false,
                ids: oxm_ids.clone(),
            },
            TableFeatureProp::ApplySetfield {
                miss: false,
                ids: oxm_ids,
            },
        ],
    }
}

fn port_stats(no: u32) -> PortStats {
    PortStats {
        port_no: no,
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
        duration_sec: 600,
        duration_nsec: 0,
    }
}

fn req(body: MultipartRequestBody) -> Message {
    Message::MultipartRequest(MultipartRequest::new(body))
}

fn rep(body: MultipartReplyBody) -> Message {
    Message::MultipartReply(MultipartReply::new(body))
}

fn async_config() -> AsyncConfig {
    AsyncConfig {
        packet_in_mask: [0b11, 0b01],
        port_status_mask: [0b111, 0b111],
        flow_removed_mask: [0b1111, 0],
    }
}

/// Every message type and every multipart body, each with a label.
pub(crate) fn cases() -> Vec<Case> {
    let frame = tcp_frame(128);
    let port_desc_req = req(MultipartRequestBody::PortDesc)
        .to_bytes(5)
        .unwrap_or_default();
    let fm = flow_mod();
    let msgs: Vec<(&str, Message)> = vec![
        (
            "hello with version bitmap (1.0, 1.3)",
            Message::Hello(Hello::with_versions(&[1, 4])),
        ),
        (
            "error bad-request (echoes the request)",
            Message::Error(ErrorMsg::standard(
                OFPET_BAD_REQUEST,
                OFPBRC_BAD_TYPE,
                &port_desc_req,
            )),
        ),
        (
            "error hello-failed (ASCII reason)",
            Message::Error(ErrorMsg::Standard {
                ty: OFPET_HELLO_FAILED,
                code: OFPHFC_INCOMPATIBLE,
                data: Bytes::from_static(b"no common version"),
            }),
        ),
        (
            "error experimenter",
            Message::Error(ErrorMsg::Experimenter {
                exp_type: 1,
                experimenter: ONF,
                data: port_desc_req.clone(),
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
            "experimenter (Nicira)",
            Message::Experimenter(Experimenter {
                experimenter: NX,
                exp_type: 10,
                data: Bytes::from_static(&[0, 0, 0, 1]),
            }),
        ),
        ("features request", Message::FeaturesRequest),
        (
            "features reply",
            Message::FeaturesReply(SwitchFeatures {
                datapath_id: DatapathId(2),
                n_buffers: 0,
                n_tables: 254,
                auxiliary_id: 0,
                capabilities: OFPC_FLOW_STATS
                    | OFPC_TABLE_STATS
                    | OFPC_PORT_STATS
                    | OFPC_GROUP_STATS
                    | OFPC_QUEUE_STATS,
                reserved: 0,
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
                miss_send_len: OFPCML_NO_BUFFER,
            }),
        ),
        (
            "packet-in (table miss, 128-byte TCP frame)",
            Message::PacketIn(PacketIn {
                buffer_id: OFP_NO_BUFFER,
                total_len: frame.len() as u16,
                reason: PacketInReason::NoMatch,
                table_id: 0,
                cookie: 0,
                match_: Match::from_fields(&[Oxm::InPort(Masked::exact(3))]).unwrap_or_default(),
                data: frame.clone(),
            }),
        ),
        (
            "flow-removed",
            Message::FlowRemoved(FlowRemoved {
                cookie: 0x7461_7000_0000_0001,
                priority: 100,
                reason: FlowRemovedReason::HardTimeout,
                table_id: 0,
                duration_sec: 120,
                duration_nsec: 1000,
                idle_timeout: 0,
                hard_timeout: 120,
                packet_count: 77,
                byte_count: 9000,
                match_: web_match(),
            }),
        ),
        (
            "port-status add",
            Message::PortStatus(PortStatus {
                reason: OFPPR_ADD,
                desc: port(11, "s3-eth11"),
            }),
        ),
        (
            "packet-out (unbuffered, with frame)",
            Message::PacketOut(PacketOut {
                buffer_id: OFP_NO_BUFFER,
                in_port: OFPP_CONTROLLER,
                actions: vec![out(OFPP_FLOOD)],
                data: frame,
            }),
        ),
        (
            "flow-mod add (6 OXM fields, 2 outputs)",
            Message::FlowMod(fm.clone()),
        ),
        (
            "flow-mod modify (every instruction and action, ARP/VLAN match)",
            Message::FlowMod(FlowMod {
                command: FlowModCommand::Modify,
                match_: arp_match(),
                instructions: all_instructions(),
                ..fm.clone()
            }),
        ),
        (
            "flow-mod delete (no instructions)",
            Message::FlowMod(FlowMod {
                command: FlowModCommand::Delete,
                table_id: OFPTT_ALL,
                instructions: vec![],
                ..fm
            }),
        ),
        (
            "group-mod add (all, 2 buckets)",
            Message::GroupMod(GroupMod {
                command: GroupModCommand::Add,
                ty: GroupType::All,
                group_id: 1,
                buckets: buckets(),
            }),
        ),
        (
            "port-mod",
            Message::PortMod(PortMod {
                port_no: 4,
                hw_addr: MacAddr([0x02, 0, 0, 0, 2, 4]),
                config: OFPPC_NO_PACKET_IN,
                mask: OFPPC_NO_PACKET_IN,
                advertise: 0,
            }),
        ),
        (
            "table-mod",
            Message::TableMod(TableMod {
                table_id: OFPTT_ALL,
                config: 0,
            }),
        ),
        ("multipart request desc", req(MultipartRequestBody::Desc)),
        (
            "multipart request flow",
            req(MultipartRequestBody::Flow(flow_req())),
        ),
        (
            "multipart request aggregate",
            req(MultipartRequestBody::Aggregate(AggregateStatsRequest {
                table_id: OFPTT_ALL,
                out_port: OFPP_ANY,
                out_group: OFPG_ANY,
                cookie: 0,
                cookie_mask: 0,
                match_: Match::new(),
            })),
        ),
        ("multipart request table", req(MultipartRequestBody::Table)),
        (
            "multipart request port-stats",
            req(MultipartRequestBody::PortStats(PortStatsRequest {
                port_no: OFPP_ANY,
            })),
        ),
        (
            "multipart request queue",
            req(MultipartRequestBody::Queue(QueueStatsRequest {
                port_no: OFPP_ANY,
                queue_id: OFPQ_ALL,
            })),
        ),
        (
            "multipart request group",
            req(MultipartRequestBody::Group(GroupStatsRequest {
                group_id: OFPG_ALL,
            })),
        ),
        (
            "multipart request group-desc",
            req(MultipartRequestBody::GroupDesc),
        ),
        (
            "multipart request group-features",
            req(MultipartRequestBody::GroupFeatures),
        ),
        (
            "multipart request meter",
            req(MultipartRequestBody::Meter(MeterMultipartRequest {
                meter_id: OFPM_ALL,
            })),
        ),
        (
            "multipart request meter-config",
            req(MultipartRequestBody::MeterConfig(MeterMultipartRequest {
                meter_id: 1,
            })),
        ),
        (
            "multipart request meter-features",
            req(MultipartRequestBody::MeterFeatures),
        ),
        (
            "multipart request table-features (query)",
            req(MultipartRequestBody::TableFeatures(vec![])),
        ),
        (
            "multipart request table-features (set)",
            req(MultipartRequestBody::TableFeatures(vec![table_features()])),
        ),
        (
            "multipart request port-desc",
            req(MultipartRequestBody::PortDesc),
        ),
        (
            "multipart request experimenter",
            req(MultipartRequestBody::Experimenter(Experimenter {
                experimenter: NX,
                exp_type: 0,
                data: Bytes::from_static(&[0, 0, 0, 0]),
            })),
        ),
        (
            "multipart reply desc",
            rep(MultipartReplyBody::Desc(Box::new(Desc {
                mfr_desc: FixedStr::new("Nicira, Inc."),
                hw_desc: FixedStr::new("Open vSwitch"),
                sw_desc: FixedStr::new("3.1.0"),
                serial_num: FixedStr::new("None"),
                dp_desc: FixedStr::new("s2"),
            }))),
        ),
        (
            "multipart reply flow",
            rep(MultipartReplyBody::Flow(vec![FlowStats {
                table_id: 0,
                duration_sec: 42,
                duration_nsec: 500_000_000,
                priority: 100,
                idle_timeout: 0,
                hard_timeout: 120,
                flags: OFPFF_SEND_FLOW_REM,
                cookie: 0x7461_7000_0000_0001,
                packet_count: 1234,
                byte_count: 1_234_567,
                match_: web_match(),
                instructions: web_instructions(),
            }])),
        ),
        (
            "multipart reply aggregate",
            rep(MultipartReplyBody::Aggregate(AggregateStatsReply {
                packet_count: 1234,
                byte_count: 1_234_567,
                flow_count: 2,
            })),
        ),
        (
            "multipart reply table",
            rep(MultipartReplyBody::Table(vec![
                TableStats {
                    table_id: 0,
                    active_count: 2,
                    lookup_count: 5000,
                    matched_count: 4900,
                },
                TableStats {
                    table_id: 1,
                    active_count: 0,
                    lookup_count: 0,
                    matched_count: 0,
                },
            ])),
        ),
        (
            "multipart reply port-stats",
            rep(MultipartReplyBody::PortStats(vec![
                port_stats(3),
                port_stats(4),
            ])),
        ),
        (
            "multipart reply queue",
            rep(MultipartReplyBody::Queue(vec![QueueStats {
                port_no: 7,
                queue_id: 1,
                tx_bytes: 100_000,
                tx_packets: 100,
                tx_errors: 0,
                duration_sec: 60,
                duration_nsec: 0,
            }])),
        ),
        (
            "multipart reply group",
            rep(MultipartReplyBody::Group(vec![GroupStats {
                group_id: 1,
                ref_count: 1,
                packet_count: 10,
                byte_count: 1500,
                duration_sec: 30,
                duration_nsec: 0,
                bucket_stats: vec![
                    BucketCounter {
                        packet_count: 10,
                        byte_count: 1500,
                    },
                    BucketCounter {
                        packet_count: 10,
                        byte_count: 1500,
                    },
                ],
            }])),
        ),
        (
            "multipart reply group-desc",
            rep(MultipartReplyBody::GroupDesc(vec![GroupDesc {
                ty: GroupType::All,
                group_id: 1,
                buckets: buckets(),
            }])),
        ),
        (
            "multipart reply group-features",
            rep(MultipartReplyBody::GroupFeatures(GroupFeatures {
                types: (1 << OFPGT_ALL) | (1 << OFPGT_SELECT) | (1 << OFPGT_INDIRECT),
                capabilities: OFPGFC_SELECT_WEIGHT | OFPGFC_CHAINING,
                max_groups: [4096, 4096, 4096, 0],
                actions: [(1 << OFPAT_OUTPUT) | (1 << OFPAT_GROUP), 1, 1, 0],
            })),
        ),
        (
            "multipart reply meter",
            rep(MultipartReplyBody::Meter(vec![MeterStats {
                meter_id: 1,
                flow_count: 1,
                packet_in_count: 100,
                byte_in_count: 15_000,
                duration_sec: 10,
                duration_nsec: 0,
                band_stats: vec![
                    MeterBandStats {
                        packet_band_count: 3,
                        byte_band_count: 450,
                    },
                    MeterBandStats {
                        packet_band_count: 0,
                        byte_band_count: 0,
                    },
                ],
            }])),
        ),
        (
            "multipart reply meter-config",
            rep(MultipartReplyBody::MeterConfig(vec![MeterConfig {
                flags: OFPMF_KBPS | OFPMF_BURST,
                meter_id: 1,
                bands: bands(),
            }])),
        ),
        (
            "multipart reply meter-features",
            rep(MultipartReplyBody::MeterFeatures(MeterFeatures {
                max_meter: 1024,
                band_types: (1 << OFPMBT_DROP) | (1 << OFPMBT_DSCP_REMARK),
                capabilities: u32::from(OFPMF_KBPS | OFPMF_PKTPS | OFPMF_BURST | OFPMF_STATS),
                max_bands: 2,
                max_color: 8,
            })),
        ),
        (
            "multipart reply table-features",
            rep(MultipartReplyBody::TableFeatures(vec![table_features()])),
        ),
        (
            "multipart reply port-desc",
            rep(MultipartReplyBody::PortDesc(vec![
                port(3, "s2-eth3"),
                port(4, "s2-eth4"),
            ])),
        ),
        (
            "multipart reply experimenter",
            rep(MultipartReplyBody::Experimenter(Experimenter {
                experimenter: NX,
                exp_type: 0,
                data: Bytes::from_static(&[0, 0, 0, 0]),
            })),
        ),
        ("barrier request", Message::BarrierRequest),
        ("barrier reply", Message::BarrierReply),
        (
            "queue get-config request",
            Message::QueueGetConfigRequest(QueueGetConfigRequest { port: 7 }),
        ),
        (
            "queue get-config reply",
            Message::QueueGetConfigReply(QueueGetConfigReply {
                port: 7,
                queues: vec![PacketQueue {
                    queue_id: 1,
                    port: 7,
                    properties: vec![QueueProp::MinRate(100), QueueProp::MaxRate(500)],
                }],
            }),
        ),
        (
            "role request (master)",
            Message::RoleRequest(Role {
                role: OFPCR_ROLE_MASTER,
                generation_id: 1,
            }),
        ),
        (
            "role reply (master)",
            Message::RoleReply(Role {
                role: OFPCR_ROLE_MASTER,
                generation_id: 1,
            }),
        ),
        ("get async request", Message::GetAsyncRequest),
        ("get async reply", Message::GetAsyncReply(async_config())),
        ("set async", Message::SetAsync(async_config())),
        (
            "meter-mod add (drop + dscp-remark)",
            Message::MeterMod(MeterMod {
                command: OFPMC_ADD,
                flags: OFPMF_KBPS | OFPMF_BURST,
                meter_id: 1,
                bands: bands(),
            }),
        ),
        (
            "meter-mod modify (experimenter band)",
            Message::MeterMod(MeterMod {
                command: OFPMC_MODIFY,
                flags: OFPMF_KBPS,
                meter_id: 2,
                bands: vec![MeterBand::Experimenter {
                    rate: 1000,
                    burst_size: 0,
                    experimenter: ONF,
                    data: Bytes::new(),
                }],
            }),
        ),
    ];
    msgs.into_iter()
        .map(|(label, m)| Case::new(label, proto::Message::Of13(m)))
        .collect()
}
