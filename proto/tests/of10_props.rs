//! Property tests for the OpenFlow 1.0 codec:
//! - every valid message encodes, and decodes back to the same value;
//! - decoding arbitrary bytes (raw, behind a valid header, or a valid message with bytes
//!   flipped) returns a value or an error, never panics, and any value it returns
//!   re-encodes to exactly the input;
//! - every message survives a JSON (serde) round trip;
//! - neutral-model matches that 1.0 can express survive `from_neutral` / `to_neutral`.

use std::net::Ipv4Addr;

use bytes::Bytes;
use proptest::collection::vec;
use proptest::prelude::*;
use tapdemon_proto::flow;
use tapdemon_proto::of10::consts::*;
use tapdemon_proto::of10::*;
use tapdemon_proto::{DatapathId, MacAddr};

fn bytes(max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..=max).prop_map(Bytes::from)
}

/// A body whose length is a multiple of 8 (what TLV alignment requires), plus `extra`.
fn aligned_bytes(extra: usize) -> impl Strategy<Value = Bytes> {
    (0usize..4).prop_flat_map(move |n| vec(any::<u8>(), n * 8 + extra).prop_map(Bytes::from))
}

fn port() -> impl Strategy<Value = PortNo> {
    any::<u16>().prop_map(PortNo)
}

fn mac() -> impl Strategy<Value = MacAddr> {
    any::<[u8; 6]>().prop_map(MacAddr)
}

fn ipv4() -> impl Strategy<Value = Ipv4Addr> {
    any::<u32>().prop_map(Ipv4Addr::from)
}

fn name(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[ -~]{{0,{max}}}")).unwrap()
}

fn match_() -> impl Strategy<Value = Match> {
    (
        (
            any::<u32>(),
            port(),
            mac(),
            mac(),
            any::<u16>(),
            any::<u8>(),
        ),
        (any::<u16>(), any::<u8>(), any::<u8>(), ipv4(), ipv4()),
        (any::<u16>(), any::<u16>()),
    )
        .prop_map(
            |(
                (wildcards, in_port, dl_src, dl_dst, dl_vlan, dl_vlan_pcp),
                (dl_type, nw_tos, nw_proto, nw_src, nw_dst),
                (tp_src, tp_dst),
            )| Match {
                wildcards,
                in_port,
                dl_src,
                dl_dst,
                dl_vlan,
                dl_vlan_pcp,
                dl_type,
                nw_tos,
                nw_proto,
                nw_src,
                nw_dst,
                tp_src,
                tp_dst,
            },
        )
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (port(), any::<u16>()).prop_map(|(port, max_len)| Action::Output { port, max_len }),
        any::<u16>().prop_map(Action::SetVlanVid),
        any::<u8>().prop_map(Action::SetVlanPcp),
        Just(Action::StripVlan),
        mac().prop_map(Action::SetDlSrc),
        mac().prop_map(Action::SetDlDst),
        ipv4().prop_map(Action::SetNwSrc),
        ipv4().prop_map(Action::SetNwDst),
        any::<u8>().prop_map(Action::SetNwTos),
        any::<u16>().prop_map(Action::SetTpSrc),
        any::<u16>().prop_map(Action::SetTpDst),
        (port(), any::<u32>()).prop_map(|(port, queue_id)| Action::Enqueue { port, queue_id }),
        (any::<u32>(), aligned_bytes(0)).prop_map(|(vendor, body)| Action::Vendor { vendor, body }),
        (12u16..0xffff, aligned_bytes(4)).prop_map(|(ty, body)| Action::Unknown { ty, body }),
    ]
}

fn actions() -> impl Strategy<Value = Vec<Action>> {
    vec(action(), 0..6)
}

fn phy_port() -> impl Strategy<Value = PhyPort> {
    (port(), mac(), name(15), any::<[u32; 6]>()).prop_map(|(port_no, hw_addr, name, v)| PhyPort {
        port_no,
        hw_addr,
        name,
        config: v[0],
        state: v[1],
        curr: v[2],
        advertised: v[3],
        supported: v[4],
        peer: v[5],
    })
}

fn flow_stats_request() -> impl Strategy<Value = FlowStatsRequest> {
    (match_(), any::<u8>(), port()).prop_map(|(match_, table_id, out_port)| FlowStatsRequest {
        match_,
        table_id,
        out_port,
    })
}

fn stats_request() -> impl Strategy<Value = StatsRequest> {
    let body = prop_oneof![
        Just(StatsRequestBody::Desc),
        flow_stats_request().prop_map(StatsRequestBody::Flow),
        flow_stats_request().prop_map(StatsRequestBody::Aggregate),
        Just(StatsRequestBody::Table),
        port().prop_map(|port_no| StatsRequestBody::Port { port_no }),
        (port(), any::<u32>())
            .prop_map(|(port_no, queue_id)| StatsRequestBody::Queue { port_no, queue_id }),
        (any::<u32>(), bytes(16))
            .prop_map(|(vendor, body)| StatsRequestBody::Vendor { vendor, body }),
        (6u16..0xffff, bytes(16)).prop_map(|(ty, body)| StatsRequestBody::Unknown { ty, body }),
    ];
    (any::<u16>(), body).prop_map(|(flags, body)| StatsRequest { flags, body })
}

fn flow_stats() -> impl Strategy<Value = FlowStats> {
    (
        (any::<u8>(), match_(), any::<u32>(), any::<u32>()),
        (any::<u16>(), any::<u16>(), any::<u16>()),
        (any::<u64>(), any::<u64>(), any::<u64>(), actions()),
    )
        .prop_map(
            |(
                (table_id, match_, duration_sec, duration_nsec),
                (priority, idle_timeout, hard_timeout),
                (cookie, packet_count, byte_count, actions),
            )| FlowStats {
                table_id,
                match_,
                duration_sec,
                duration_nsec,
                priority,
                idle_timeout,
                hard_timeout,
                cookie,
                packet_count,
                byte_count,
                actions,
            },
        )
}

fn stats_reply() -> impl Strategy<Value = StatsReply> {
    let desc =
        (name(60), name(60), name(60), name(31), name(60)).prop_map(|(a, b, c, d, e)| DescStats {
            mfr_desc: a,
            hw_desc: b,
            sw_desc: c,
            serial_num: d,
            dp_desc: e,
        });
    let table = (any::<u8>(), name(31), any::<[u32; 3]>(), any::<[u64; 2]>()).prop_map(
        |(table_id, name, a, b)| TableStats {
            table_id,
            name,
            wildcards: a[0],
            max_entries: a[1],
            active_count: a[2],
            lookup_count: b[0],
            matched_count: b[1],
        },
    );
    let port_stats = (port(), any::<[u64; 12]>()).prop_map(|(port_no, c)| PortStats {
        port_no,
        rx_packets: c[0],
        tx_packets: c[1],
        rx_bytes: c[2],
        tx_bytes: c[3],
        rx_dropped: c[4],
        tx_dropped: c[5],
        rx_errors: c[6],
        tx_errors: c[7],
        rx_frame_err: c[8],
        rx_over_err: c[9],
        rx_crc_err: c[10],
        collisions: c[11],
    });
    let queue =
        (port(), any::<u32>(), any::<[u64; 3]>()).prop_map(|(port_no, queue_id, c)| QueueStats {
            port_no,
            queue_id,
            tx_bytes: c[0],
            tx_packets: c[1],
            tx_errors: c[2],
        });
    let body = prop_oneof![
        desc.prop_map(StatsReplyBody::Desc),
        vec(flow_stats(), 0..4).prop_map(StatsReplyBody::Flow),
        (any::<u64>(), any::<u64>(), any::<u32>()).prop_map(|(p, b, f)| {
            StatsReplyBody::Aggregate(AggregateStats {
                packet_count: p,
                byte_count: b,
                flow_count: f,
            })
        }),
        vec(table, 0..4).prop_map(StatsReplyBody::Table),
        vec(port_stats, 0..4).prop_map(StatsReplyBody::Port),
        vec(queue, 0..4).prop_map(StatsReplyBody::Queue),
        (any::<u32>(), bytes(16))
            .prop_map(|(vendor, body)| StatsReplyBody::Vendor { vendor, body }),
        (6u16..0xffff, bytes(16)).prop_map(|(ty, body)| StatsReplyBody::Unknown { ty, body }),
    ];
    (any::<u16>(), body).prop_map(|(flags, body)| StatsReply { flags, body })
}

fn queue_reply() -> impl Strategy<Value = QueueGetConfigReply> {
    let prop = prop_oneof![
        any::<u16>().prop_map(|rate| QueueProp::MinRate { rate }),
        (
            any::<u16>().prop_filter("min_rate", |p| *p != OFPQT_MIN_RATE),
            aligned_bytes(0)
        )
            .prop_map(|(property, body)| QueueProp::Unknown { property, body }),
    ];
    let queue = (any::<u32>(), vec(prop, 0..3)).prop_map(|(queue_id, properties)| PacketQueue {
        queue_id,
        properties,
    });
    (port(), vec(queue, 0..3)).prop_map(|(port, queues)| QueueGetConfigReply { port, queues })
}

fn message() -> impl Strategy<Value = Message> {
    let session = prop_oneof![
        bytes(32).prop_map(|body| Message::Hello { body }),
        (any::<u16>(), any::<u16>(), bytes(64)).prop_map(|(ty, code, data)| {
            Message::Error(ErrorMsg {
                ty: ErrorType::from(ty),
                code,
                data,
            })
        }),
        bytes(32).prop_map(|data| Message::EchoRequest { data }),
        bytes(32).prop_map(|data| Message::EchoReply { data }),
        (any::<u32>(), bytes(32))
            .prop_map(|(vendor, body)| Message::Vendor(Vendor { vendor, body })),
        Just(Message::FeaturesRequest),
        (
            any::<u64>(),
            any::<u32>(),
            any::<u8>(),
            any::<[u32; 2]>(),
            vec(phy_port(), 0..5)
        )
            .prop_map(|(dpid, n_buffers, n_tables, c, ports)| {
                Message::FeaturesReply(FeaturesReply {
                    datapath_id: DatapathId(dpid),
                    n_buffers,
                    n_tables,
                    capabilities: c[0],
                    actions: c[1],
                    ports,
                })
            }),
        Just(Message::GetConfigRequest),
        (any::<u16>(), any::<u16>()).prop_map(|(flags, miss_send_len)| {
            Message::GetConfigReply(SwitchConfig {
                flags,
                miss_send_len,
            })
        }),
        (any::<u16>(), any::<u16>()).prop_map(|(flags, miss_send_len)| {
            Message::SetConfig(SwitchConfig {
                flags,
                miss_send_len,
            })
        }),
        Just(Message::BarrierRequest),
        Just(Message::BarrierReply),
    ];
    let flows = prop_oneof![
        (any::<u32>(), any::<u16>(), port(), any::<u8>(), bytes(128)).prop_map(
            |(buffer_id, total_len, in_port, reason, data)| {
                Message::PacketIn(PacketIn {
                    buffer_id,
                    total_len,
                    in_port,
                    reason: PacketInReason::from(reason),
                    data,
                })
            }
        ),
        (
            (match_(), any::<u64>(), any::<u16>(), any::<u8>()),
            (
                any::<u32>(),
                any::<u32>(),
                any::<u16>(),
                any::<u64>(),
                any::<u64>()
            )
        )
            .prop_map(
                |((match_, cookie, priority, reason), (s, ns, idle, p, b))| {
                    Message::FlowRemoved(FlowRemoved {
                        match_,
                        cookie,
                        priority,
                        reason: FlowRemovedReason::from(reason),
                        duration_sec: s,
                        duration_nsec: ns,
                        idle_timeout: idle,
                        packet_count: p,
                        byte_count: b,
                    })
                }
            ),
        (any::<u8>(), phy_port()).prop_map(|(reason, desc)| {
            Message::PortStatus(PortStatus {
                reason: PortReason::from(reason),
                desc,
            })
        }),
        (any::<u32>(), port(), actions(), bytes(128)).prop_map(
            |(buffer_id, in_port, actions, data)| {
                Message::PacketOut(PacketOut {
                    buffer_id,
                    in_port,
                    actions,
                    data,
                })
            }
        ),
        (
            (match_(), any::<u64>(), any::<u16>(), any::<[u16; 3]>()),
            (any::<u32>(), port(), any::<u16>(), actions())
        )
            .prop_map(
                |((match_, cookie, command, t), (buffer_id, out_port, flags, actions))| {
                    Message::FlowMod(FlowMod {
                        match_,
                        cookie,
                        command: FlowModCommand::from(command),
                        idle_timeout: t[0],
                        hard_timeout: t[1],
                        priority: t[2],
                        buffer_id,
                        out_port,
                        flags,
                        actions,
                    })
                }
            ),
        (port(), mac(), any::<[u32; 3]>()).prop_map(|(port_no, hw_addr, c)| {
            Message::PortMod(PortMod {
                port_no,
                hw_addr,
                config: c[0],
                mask: c[1],
                advertise: c[2],
            })
        }),
    ];
    let others = prop_oneof![
        stats_request().prop_map(Message::StatsRequest),
        stats_reply().prop_map(Message::StatsReply),
        port().prop_map(|port| Message::QueueGetConfigRequest(QueueGetConfigRequest { port })),
        queue_reply().prop_map(Message::QueueGetConfigReply),
        (22u8..=255, bytes(32)).prop_map(|(ty, body)| Message::Unknown { ty, body }),
    ];
    prop_oneof![session, flows, others]
}

/// If decoding succeeds, the value must re-encode to exactly the input (apart from padding,
/// which decoding ignores and encoding zeroes, and strings cut at their first NUL).
fn decode_never_panics(buf: &[u8]) {
    let b = Bytes::copy_from_slice(buf);
    if let Ok((h, msg)) = Message::decode(&b) {
        let out = msg.to_bytes(h.xid).expect("a decoded message re-encodes");
        assert_eq!(out.len(), buf.len(), "{msg:?}");
    }
}

proptest! {
    #[test]
    fn encode_then_decode_is_identity(msg in message(), xid in any::<u32>()) {
        let wire = msg.to_bytes(xid).unwrap();
        prop_assert_eq!(wire.len(), msg.encoded_len());
        let (h, back) = Message::decode(&wire).unwrap();
        prop_assert_eq!(h.xid, xid);
        prop_assert_eq!(h.version, 1);
        prop_assert_eq!(h.ty, msg.msg_type());
        prop_assert_eq!(usize::from(h.length), wire.len());
        prop_assert_eq!(back, msg);
    }

    #[test]
    fn serde_json_round_trip(msg in message()) {
        let json = serde_json::to_string(&msg).unwrap();
        let back: Message = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, msg);
    }

    #[test]
    fn decode_arbitrary_bytes(buf in vec(any::<u8>(), 0..256)) {
        decode_never_panics(&buf);
    }

    #[test]
    fn decode_arbitrary_bodies(ty in 0u8..=24, body in vec(any::<u8>(), 0..300)) {
        let len = (8 + body.len()) as u16;
        let mut buf = vec![1, ty];
        buf.extend_from_slice(&len.to_be_bytes());
        buf.extend_from_slice(&[0, 0, 0, 1]);
        buf.extend_from_slice(&body);
        decode_never_panics(&buf);
    }

    #[test]
    fn decode_mutated_messages(
        msg in message(),
        flips in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut wire = msg.to_bytes(7).unwrap().to_vec();
        for (at, v) in flips {
            // Keep the framing intact so the mutation reaches the body decoders.
            let i = at.index(wire.len());
            if i >= 4 {
                wire[i] = v;
            }
        }
        decode_never_panics(&wire);
    }

    #[test]
    fn neutral_match_round_trip(
        in_port in proptest::option::of(0u32..=0xff00),
        eth_src in proptest::option::of(mac()),
        eth_type in proptest::option::of(any::<u16>()),
        vid in proptest::option::of(0u16..=0x1000),
        dscp in proptest::option::of(0u8..64),
        src in proptest::option::of((ipv4(), 1u8..=32)),
        tp_dst in proptest::option::of(any::<u16>()),
    ) {
        let m = flow::Match {
            in_port,
            eth_src: eth_src.map(flow::Masked::exact),
            eth_type,
            vlan: vid.map(|v| if v == 0x1000 { flow::VlanMatch::Untagged } else { flow::VlanMatch::Vid(v) }),
            ip_dscp: dscp,
            ipv4_src: src.map(|(a, len)| {
                let mask = u32::MAX << (32 - u32::from(len));
                flow::Masked {
                    value: Ipv4Addr::from(u32::from(a) & mask),
                    mask: (len < 32).then_some(Ipv4Addr::from(mask)),
                }
            }),
            tp_dst,
            ..Default::default()
        };
        let of10 = Match::from_neutral(&m).unwrap();
        prop_assert_eq!(of10.to_neutral(), m);
    }
}
