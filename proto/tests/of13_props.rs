//! Property tests for `of13::Message` and the non-flow OF1.3 bodies (hello, error, echo,
//! features, config, port status/mod, table mod, queue config, role, async, meter mod and
//! every multipart body outside the flow/group ones, which `of13_flow_props.rs` covers):
//! - any valid message survives `Message::encode` → `Message::decode` unchanged, with
//!   the header length equal to the bytes written;
//! - arbitrary bytes, and arbitrary bodies behind a valid header, never panic
//!   `Message::decode`, and whatever decodes re-encodes to bytes that decode to the same
//!   value.

use bytes::{Bytes, BytesMut};
use proptest::collection::vec;
use proptest::prelude::*;
use tapdemon_proto::header::Header;
use tapdemon_proto::of13::multipart::{MultipartReplyBody as Rep, MultipartRequestBody as Req};
use tapdemon_proto::of13::*;
use tapdemon_proto::types::{DatapathId, MacAddr};

fn bytes(max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

fn fixed<const N: usize>() -> impl Strategy<Value = FixedStr<N>> {
    vec(any::<u8>(), N).prop_map(|v| {
        let mut a = [0u8; N];
        a.copy_from_slice(&v);
        FixedStr(a)
    })
}

fn mac() -> impl Strategy<Value = MacAddr> {
    any::<[u8; 6]>().prop_map(MacAddr)
}

fn hello() -> impl Strategy<Value = Hello> {
    let elem = prop_oneof![
        vec(any::<u32>(), 0..3).prop_map(HelloElem::VersionBitmap),
        (
            any::<u16>().prop_filter("not bitmap", |t| *t != 1),
            bytes(12)
        )
            .prop_map(|(ty, body)| HelloElem::Unknown { ty, body }),
    ];
    vec(elem, 0..4).prop_map(|elements| Hello { elements })
}

fn error_msg() -> impl Strategy<Value = ErrorMsg> {
    prop_oneof![
        (
            any::<u16>().prop_filter("std", |t| *t != 0xffff),
            any::<u16>(),
            bytes(64)
        )
            .prop_map(|(ty, code, data)| ErrorMsg::Standard { ty, code, data }),
        (any::<u16>(), any::<u32>(), bytes(64)).prop_map(|(exp_type, experimenter, data)| {
            ErrorMsg::Experimenter {
                exp_type,
                experimenter,
                data,
            }
        }),
    ]
}

fn experimenter() -> impl Strategy<Value = Experimenter> {
    (any::<u32>(), any::<u32>(), bytes(32)).prop_map(|(experimenter, exp_type, data)| {
        Experimenter {
            experimenter,
            exp_type,
            data,
        }
    })
}

fn port() -> impl Strategy<Value = Port> {
    (any::<u32>(), mac(), fixed::<16>(), any::<[u32; 8]>()).prop_map(
        |(port_no, hw_addr, name, v)| Port {
            port_no,
            hw_addr,
            name,
            config: v[0],
            state: v[1],
            curr: v[2],
            advertised: v[3],
            supported: v[4],
            peer: v[5],
            curr_speed: v[6],
            max_speed: v[7],
        },
    )
}

fn queue_prop() -> impl Strategy<Value = QueueProp> {
    prop_oneof![
        any::<u16>().prop_map(QueueProp::MinRate),
        any::<u16>().prop_map(QueueProp::MaxRate),
        (any::<u32>(), bytes(9))
            .prop_map(|(experimenter, data)| QueueProp::Experimenter { experimenter, data }),
        (
            any::<u16>().prop_filter("unknown", |t| ![1, 2, 0xffff].contains(t)),
            bytes(9)
        )
            .prop_map(|(ty, body)| QueueProp::Unknown { ty, body }),
    ]
}

fn meter_band() -> impl Strategy<Value = MeterBand> {
    prop_oneof![
        (any::<u32>(), any::<u32>())
            .prop_map(|(rate, burst_size)| MeterBand::Drop { rate, burst_size }),
        (any::<u32>(), any::<u32>(), any::<u8>()).prop_map(|(rate, burst_size, prec_level)| {
            MeterBand::DscpRemark {
                rate,
                burst_size,
                prec_level,
            }
        }),
        (any::<u32>(), any::<u32>(), any::<u32>(), bytes(9)).prop_map(
            |(rate, burst_size, experimenter, data)| MeterBand::Experimenter {
                rate,
                burst_size,
                experimenter,
                data,
            }
        ),
        (
            any::<u16>().prop_filter("unknown", |t| ![1, 2, 0xffff].contains(t)),
            bytes(16)
        )
            .prop_map(|(ty, body)| MeterBand::Unknown { ty, body }),
    ]
}

fn tlv_id() -> impl Strategy<Value = TlvId> {
    (any::<u16>(), any::<u16>(), any::<u32>()).prop_map(|(ty, len, e)| TlvId {
        ty,
        len,
        experimenter: (ty == 0xffff).then_some(e),
    })
}

fn oxm_id() -> impl Strategy<Value = OxmId> {
    (
        prop_oneof![Just(0x8000_0000u32), Just(0xffff_0000), any::<u32>()],
        any::<u16>(),
        any::<u32>(),
    )
        .prop_map(|(hi, lo, e)| {
            let header = (hi & 0xffff_0000) | u32::from(lo);
            OxmId {
                header,
                experimenter: (header >> 16 == 0xffff).then_some(e),
            }
        })
}

fn table_prop() -> impl Strategy<Value = TableFeatureProp> {
    use TableFeatureProp as P;
    let known: &'static [u16] = &[
        0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 13, 14, 15, 0xfffe, 0xffff,
    ];
    prop_oneof![
        (any::<bool>(), vec(tlv_id(), 0..4)).prop_map(|(miss, ids)| P::Instructions { miss, ids }),
        (any::<bool>(), vec(any::<u8>(), 0..12))
            .prop_map(|(miss, table_ids)| P::NextTables { miss, table_ids }),
        (any::<bool>(), vec(tlv_id(), 0..4)).prop_map(|(miss, ids)| P::WriteActions { miss, ids }),
        (any::<bool>(), vec(tlv_id(), 0..4)).prop_map(|(miss, ids)| P::ApplyActions { miss, ids }),
        vec(oxm_id(), 0..4).prop_map(P::Match),
        vec(oxm_id(), 0..4).prop_map(P::Wildcards),
        (any::<bool>(), vec(oxm_id(), 0..4)).prop_map(|(miss, ids)| P::WriteSetfield { miss, ids }),
        (any::<bool>(), vec(oxm_id(), 0..4)).prop_map(|(miss, ids)| P::ApplySetfield { miss, ids }),
        (any::<bool>(), any::<u32>(), any::<u32>(), bytes(9)).prop_map(
            |(miss, experimenter, exp_type, data)| P::Experimenter {
                miss,
                experimenter,
                exp_type,
                data,
            }
        ),
        (
            any::<u16>().prop_filter("unknown", move |t| !known.contains(t)),
            bytes(9)
        )
            .prop_map(|(ty, body)| P::Unknown { ty, body }),
    ]
}

fn table_features() -> impl Strategy<Value = TableFeatures> {
    (
        any::<u8>(),
        fixed::<32>(),
        any::<[u64; 2]>(),
        any::<[u32; 2]>(),
        vec(table_prop(), 0..4),
    )
        .prop_map(|(table_id, name, m, c, properties)| TableFeatures {
            table_id,
            name,
            metadata_match: m[0],
            metadata_write: m[1],
            config: c[0],
            max_entries: c[1],
            properties,
        })
}

const KNOWN_MP: [u16; 15] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0xffff];

fn mp_request() -> impl Strategy<Value = MultipartRequest> {
    let body = prop_oneof![
        Just(Req::Desc),
        Just(Req::Table),
        any::<u32>().prop_map(|port_no| Req::PortStats(PortStatsRequest { port_no })),
        (any::<u32>(), any::<u32>())
            .prop_map(|(port_no, queue_id)| Req::Queue(QueueStatsRequest { port_no, queue_id })),
        Just(Req::GroupDesc),
        Just(Req::GroupFeatures),
        any::<u32>().prop_map(|meter_id| Req::Meter(MeterMultipartRequest { meter_id })),
        any::<u32>().prop_map(|meter_id| Req::MeterConfig(MeterMultipartRequest { meter_id })),
        Just(Req::MeterFeatures),
        vec(table_features(), 0..3).prop_map(Req::TableFeatures),
        Just(Req::PortDesc),
        experimenter().prop_map(Req::Experimenter),
        (
            any::<u16>().prop_filter("unknown", |t| !KNOWN_MP.contains(t)),
            bytes(24)
        )
            .prop_map(|(ty, body)| Req::Unknown { ty, body }),
    ];
    (any::<u16>(), body).prop_map(|(flags, body)| MultipartRequest { flags, body })
}

fn mp_reply() -> impl Strategy<Value = MultipartReply> {
    let desc = (
        fixed::<256>(),
        fixed::<256>(),
        fixed::<256>(),
        fixed::<32>(),
        fixed::<256>(),
    )
        .prop_map(|(mfr_desc, hw_desc, sw_desc, serial_num, dp_desc)| {
            Rep::Desc(Box::new(Desc {
                mfr_desc,
                hw_desc,
                sw_desc,
                serial_num,
                dp_desc,
            }))
        });
    let table_stats =
        (any::<u8>(), any::<u32>(), any::<u64>(), any::<u64>()).prop_map(|t| TableStats {
            table_id: t.0,
            active_count: t.1,
            lookup_count: t.2,
            matched_count: t.3,
        });
    let port_stats =
        (any::<u32>(), any::<[u64; 12]>(), any::<[u32; 2]>()).prop_map(|(p, c, d)| PortStats {
            port_no: p,
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
            duration_sec: d[0],
            duration_nsec: d[1],
        });
    let queue_stats =
        (any::<[u32; 2]>(), any::<[u64; 3]>(), any::<[u32; 2]>()).prop_map(|(a, b, c)| {
            QueueStats {
                port_no: a[0],
                queue_id: a[1],
                tx_bytes: b[0],
                tx_packets: b[1],
                tx_errors: b[2],
                duration_sec: c[0],
                duration_nsec: c[1],
            }
        });
    let group_features = (
        any::<u32>(),
        any::<u32>(),
        any::<[u32; 4]>(),
        any::<[u32; 4]>(),
    )
        .prop_map(|(types, capabilities, max_groups, actions)| {
            Rep::GroupFeatures(GroupFeatures {
                types,
                capabilities,
                max_groups,
                actions,
            })
        });
    let meter_stats = (
        any::<[u32; 2]>(),
        any::<[u64; 2]>(),
        any::<[u32; 2]>(),
        vec(any::<[u64; 2]>(), 0..3),
    )
        .prop_map(|(a, b, c, bands)| MeterStats {
            meter_id: a[0],
            flow_count: a[1],
            packet_in_count: b[0],
            byte_in_count: b[1],
            duration_sec: c[0],
            duration_nsec: c[1],
            band_stats: bands
                .into_iter()
                .map(|x| MeterBandStats {
                    packet_band_count: x[0],
                    byte_band_count: x[1],
                })
                .collect(),
        });
    let meter_config = (any::<u16>(), any::<u32>(), vec(meter_band(), 0..3)).prop_map(
        |(flags, meter_id, bands)| MeterConfig {
            flags,
            meter_id,
            bands,
        },
    );
    let meter_features = (any::<[u32; 3]>(), any::<[u8; 2]>()).prop_map(|(a, b)| {
        Rep::MeterFeatures(MeterFeatures {
            max_meter: a[0],
            band_types: a[1],
            capabilities: a[2],
            max_bands: b[0],
            max_color: b[1],
        })
    });
    let body = prop_oneof![
        desc,
        vec(table_stats, 0..4).prop_map(Rep::Table),
        vec(port_stats, 0..4).prop_map(Rep::PortStats),
        vec(queue_stats, 0..4).prop_map(Rep::Queue),
        group_features,
        vec(meter_stats, 0..3).prop_map(Rep::Meter),
        vec(meter_config, 0..3).prop_map(Rep::MeterConfig),
        meter_features,
        vec(table_features(), 0..3).prop_map(Rep::TableFeatures),
        vec(port(), 0..4).prop_map(Rep::PortDesc),
        experimenter().prop_map(Rep::Experimenter),
        (
            any::<u16>().prop_filter("unknown", |t| !KNOWN_MP.contains(t)),
            bytes(24)
        )
            .prop_map(|(ty, body)| Rep::Unknown { ty, body }),
    ];
    (any::<u16>(), body).prop_map(|(flags, body)| MultipartReply { flags, body })
}

fn message() -> impl Strategy<Value = Message> {
    let config = any::<[u16; 2]>().prop_map(|c| SwitchConfig {
        flags: c[0],
        miss_send_len: c[1],
    });
    let role = (any::<u32>(), any::<u64>()).prop_map(|(role, generation_id)| Role {
        role,
        generation_id,
    });
    let async_config = any::<[u32; 6]>().prop_map(|m| AsyncConfig {
        packet_in_mask: [m[0], m[1]],
        port_status_mask: [m[2], m[3]],
        flow_removed_mask: [m[4], m[5]],
    });
    prop_oneof![
        hello().prop_map(Message::Hello),
        error_msg().prop_map(Message::Error),
        bytes(32).prop_map(|data| Message::EchoRequest { data }),
        bytes(32).prop_map(|data| Message::EchoReply { data }),
        experimenter().prop_map(Message::Experimenter),
        Just(Message::FeaturesRequest),
        (
            any::<u64>(),
            any::<u32>(),
            any::<[u8; 2]>(),
            any::<[u32; 2]>()
        )
            .prop_map(
                |(dpid, n_buffers, t, c)| Message::FeaturesReply(SwitchFeatures {
                    datapath_id: DatapathId(dpid),
                    n_buffers,
                    n_tables: t[0],
                    auxiliary_id: t[1],
                    capabilities: c[0],
                    reserved: c[1],
                })
            ),
        Just(Message::GetConfigRequest),
        config.clone().prop_map(Message::GetConfigReply),
        config.prop_map(Message::SetConfig),
        (any::<u8>(), port())
            .prop_map(|(reason, desc)| Message::PortStatus(PortStatus { reason, desc })),
        (any::<u32>(), mac(), any::<[u32; 3]>()).prop_map(|(port_no, hw_addr, c)| {
            Message::PortMod(PortMod {
                port_no,
                hw_addr,
                config: c[0],
                mask: c[1],
                advertise: c[2],
            })
        }),
        (any::<u8>(), any::<u32>())
            .prop_map(|(table_id, config)| Message::TableMod(TableMod { table_id, config })),
        mp_request().prop_map(Message::MultipartRequest),
        mp_reply().prop_map(Message::MultipartReply),
        Just(Message::BarrierRequest),
        Just(Message::BarrierReply),
        any::<u32>()
            .prop_map(|port| Message::QueueGetConfigRequest(QueueGetConfigRequest { port })),
        (
            any::<u32>(),
            vec((any::<u32>(), any::<u32>(), vec(queue_prop(), 0..3)), 0..3)
        )
            .prop_map(
                |(port, qs)| Message::QueueGetConfigReply(QueueGetConfigReply {
                    port,
                    queues: qs
                        .into_iter()
                        .map(|(queue_id, port, properties)| PacketQueue {
                            queue_id,
                            port,
                            properties,
                        })
                        .collect(),
                })
            ),
        role.clone().prop_map(Message::RoleRequest),
        role.prop_map(Message::RoleReply),
        Just(Message::GetAsyncRequest),
        async_config.clone().prop_map(Message::GetAsyncReply),
        async_config.prop_map(Message::SetAsync),
        (
            any::<u16>(),
            any::<u16>(),
            any::<u32>(),
            vec(meter_band(), 0..4)
        )
            .prop_map(
                |(command, flags, meter_id, bands)| Message::MeterMod(MeterMod {
                    command,
                    flags,
                    meter_id,
                    bands,
                })
            ),
        (30u8.., bytes(24)).prop_map(|(ty, body)| Message::Unknown { ty, body }),
    ]
}

/// Whatever decodes must re-encode to bytes that decode to the same value.
fn decode_is_stable(buf: &Bytes) -> Result<(), TestCaseError> {
    if let Ok((h, m)) = Message::decode(buf) {
        let mut out = BytesMut::new();
        m.encode(h.xid, &mut out).map_err(|e| {
            TestCaseError::fail(format!("{}: re-encode failed: {e}", m.type_name()))
        })?;
        let again = Message::decode(&out.freeze()).map_err(|e| {
            TestCaseError::fail(format!("{}: re-decode failed: {e}", m.type_name()))
        })?;
        prop_assert_eq!(again.1, m);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn messages_round_trip(m in message(), xid in any::<u32>()) {
        let bytes = m.to_bytes(xid).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (h, back) = Message::decode(&bytes)
            .map_err(|e| TestCaseError::fail(format!("{}: {e}", m.type_name())))?;
        prop_assert_eq!(h, Header { version: 4, ty: m.msg_type(), length: bytes.len() as u16, xid });
        prop_assert_eq!(&back, &m);
        // Encoding is deterministic: the decoded value gives the same bytes.
        prop_assert_eq!(back.to_bytes(xid).map_err(|e| TestCaseError::fail(e.to_string()))?, bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(raw in vec(any::<u8>(), 0..300)) {
        decode_is_stable(&Bytes::from(raw))?;
    }

    #[test]
    fn arbitrary_bodies_never_panic(
        ty in 0u8..32,
        mp_type in prop_oneof![0u16..16, Just(0xffffu16)],
        body in vec(any::<u8>(), 0..300),
    ) {
        // A valid header (and, for multipart types, a valid envelope) in front of random
        // bytes, so the body decoders themselves get exercised.
        let mut v = vec![4, ty, 0, 0, 0, 0, 0, 1];
        if ty == 18 || ty == 19 {
            v.extend_from_slice(&mp_type.to_be_bytes());
            v.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        }
        v.extend_from_slice(&body);
        let len = v.len() as u16;
        v[2..4].copy_from_slice(&len.to_be_bytes());
        decode_is_stable(&Bytes::from(v))?;
    }

    #[test]
    fn mutated_messages_never_panic(
        m in message(),
        flips in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let bytes = m.to_bytes(7).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut v = bytes.to_vec();
        for (i, b) in flips {
            let i = i.index(v.len());
            v[i] = b;
        }
        decode_is_stable(&Bytes::from(v.clone()))?;
        // Truncated (with the header length left as it was, and patched to match).
        let n = cut.index(v.len() + 1);
        decode_is_stable(&Bytes::copy_from_slice(&v[..n]))?;
        if n >= 4 {
            let mut t = v[..n].to_vec();
            t[2..4].copy_from_slice(&(n as u16).to_be_bytes());
            decode_is_stable(&Bytes::from(t))?;
        }
    }
}
