//! Property tests for the sFlow decoder: arbitrary and mutated bytes never panic, and every
//! datagram the encoder can build decodes back to the same value.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::{Bytes, BytesMut};
use etherparse::PacketBuilder;
use proptest::collection::vec;
use proptest::prelude::*;
use tapdemon_proto::sflow::*;
use tapdemon_proto::MacAddr;

fn ip() -> impl Strategy<Value = Option<IpAddr>> {
    prop_oneof![
        Just(None),
        any::<[u8; 4]>().prop_map(|b| Some(IpAddr::V4(Ipv4Addr::from(b)))),
        any::<[u8; 16]>().prop_map(|b| Some(IpAddr::V6(Ipv6Addr::from(b)))),
    ]
}

/// A body for an unknown sample or record: whole XDR words.
fn body() -> impl Strategy<Value = Bytes> {
    vec(any::<[u8; 4]>(), 0..8).prop_map(|w| Bytes::from(w.concat()))
}

/// Enterprise numbers other than 0 never collide with a record this decoder knows.
fn unknown() -> impl Strategy<Value = UnknownRecord> {
    (1u32..(1 << 20), 0u32..4096, body()).prop_map(|(enterprise, format, body)| UnknownRecord {
        enterprise,
        format,
        body,
    })
}

fn flow_record() -> impl Strategy<Value = FlowRecord> {
    prop_oneof![
        (
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            vec(any::<u8>(), 0..160)
        )
            .prop_map(|(p, frame_length, stripped, h)| FlowRecord::SampledHeader(
                SampledHeader {
                    protocol: HeaderProtocol::from_u32(p % 16),
                    frame_length,
                    stripped,
                    header: Bytes::from(h),
                }
            )),
        (
            any::<u32>(),
            any::<[u8; 6]>(),
            any::<[u8; 6]>(),
            any::<u32>()
        )
            .prop_map(|(l, s, d, t)| {
                FlowRecord::SampledEthernet(SampledEthernet {
                    length: l,
                    src_mac: MacAddr(s),
                    dst_mac: MacAddr(d),
                    eth_type: t,
                })
            }),
        (any::<[u32; 6]>(), any::<[u8; 4]>(), any::<[u8; 4]>()).prop_map(|(w, s, d)| {
            FlowRecord::SampledIpv4(SampledIpv4 {
                length: w[0],
                protocol: w[1],
                src_ip: Ipv4Addr::from(s),
                dst_ip: Ipv4Addr::from(d),
                src_port: w[2],
                dst_port: w[3],
                tcp_flags: w[4],
                tos: w[5],
            })
        }),
        (any::<[u32; 6]>(), any::<[u8; 16]>(), any::<[u8; 16]>()).prop_map(|(w, s, d)| {
            FlowRecord::SampledIpv6(SampledIpv6 {
                length: w[0],
                protocol: w[1],
                src_ip: Ipv6Addr::from(s),
                dst_ip: Ipv6Addr::from(d),
                src_port: w[2],
                dst_port: w[3],
                tcp_flags: w[4],
                priority: w[5],
            })
        }),
        any::<[u32; 4]>().prop_map(|w| FlowRecord::ExtendedSwitch(ExtendedSwitch {
            src_vlan: w[0],
            src_priority: w[1],
            dst_vlan: w[2],
            dst_priority: w[3],
        })),
        (ip(), any::<u32>(), any::<u32>()).prop_map(|(next_hop, s, d)| {
            FlowRecord::ExtendedRouter(ExtendedRouter {
                next_hop,
                src_mask_len: s,
                dst_mask_len: d,
            })
        }),
        (
            ip(),
            any::<[u32; 4]>(),
            vec((1u32..3, vec(any::<u32>(), 0..5)), 0..4),
            vec(any::<u32>(), 0..5)
        )
            .prop_map(|(next_hop, w, path, communities)| {
                FlowRecord::ExtendedGateway(ExtendedGateway {
                    next_hop,
                    as_number: w[0],
                    src_as: w[1],
                    src_peer_as: w[2],
                    dst_as_path: path
                        .into_iter()
                        .map(|(kind, asns)| AsPathSegment { kind, asns })
                        .collect(),
                    communities,
                    local_pref: w[3],
                })
            }),
        unknown().prop_map(FlowRecord::Unknown),
    ]
}

fn counter_record() -> impl Strategy<Value = CounterRecord> {
    prop_oneof![
        (any::<[u32; 16]>(), any::<[u64; 3]>()).prop_map(|(w, l)| {
            CounterRecord::Generic(IfCounters {
                if_index: w[0],
                if_type: w[1],
                if_speed: l[0],
                if_direction: w[2],
                if_status: w[3],
                in_octets: l[1],
                in_ucast_pkts: w[4],
                in_multicast_pkts: w[5],
                in_broadcast_pkts: w[6],
                in_discards: w[7],
                in_errors: w[8],
                in_unknown_protos: w[9],
                out_octets: l[2],
                out_ucast_pkts: w[10],
                out_multicast_pkts: w[11],
                out_broadcast_pkts: w[12],
                out_discards: w[13],
                out_errors: w[14],
                promiscuous_mode: w[15],
            })
        }),
        any::<[u32; 13]>().prop_map(|w| CounterRecord::Ethernet(EthernetCounters {
            alignment_errors: w[0],
            fcs_errors: w[1],
            single_collision_frames: w[2],
            multiple_collision_frames: w[3],
            sqe_test_errors: w[4],
            deferred_transmissions: w[5],
            late_collisions: w[6],
            excessive_collisions: w[7],
            internal_mac_transmit_errors: w[8],
            carrier_sense_errors: w[9],
            frame_too_longs: w[10],
            internal_mac_receive_errors: w[11],
            symbol_errors: w[12],
        })),
        (any::<[u32; 3]>(), any::<[u64; 2]>()).prop_map(|(w, l)| {
            CounterRecord::Processor(ProcessorCounters {
                cpu_5s: w[0],
                cpu_1m: w[1],
                cpu_5m: w[2],
                total_memory: l[0],
                free_memory: l[1],
            })
        }),
        unknown().prop_map(CounterRecord::Unknown),
    ]
}

/// Source and interfaces drawn from what each encoding can carry.
fn source(expanded: bool) -> BoxedStrategy<DataSource> {
    if expanded {
        any::<(u32, u32)>()
            .prop_map(|(source_type, index)| DataSource { source_type, index })
            .boxed()
    } else {
        (0u32..256, 0u32..(1 << 24))
            .prop_map(|(source_type, index)| DataSource { source_type, index })
            .boxed()
    }
}

fn interface(expanded: bool) -> BoxedStrategy<Interface> {
    if expanded {
        (0u32..5, any::<u32>())
            .prop_map(|(f, v)| Interface::from_parts(f, v))
            .boxed()
    } else {
        any::<u32>().prop_map(Interface::from_compact).boxed()
    }
}

fn sample() -> impl Strategy<Value = Sample> {
    let flow = any::<bool>().prop_flat_map(|expanded| {
        (
            any::<[u32; 4]>(),
            source(expanded),
            interface(expanded),
            interface(expanded),
            vec(flow_record(), 0..5),
        )
            .prop_map(move |(w, source_id, input, output, records)| {
                Sample::Flow(FlowSample {
                    expanded,
                    sequence_number: w[0],
                    source_id,
                    sampling_rate: w[1],
                    sample_pool: w[2],
                    drops: w[3],
                    input,
                    output,
                    records,
                })
            })
    });
    let counter = any::<bool>().prop_flat_map(|expanded| {
        (any::<u32>(), source(expanded), vec(counter_record(), 0..4)).prop_map(
            move |(sequence_number, source_id, records)| {
                Sample::Counter(CounterSample {
                    expanded,
                    sequence_number,
                    source_id,
                    records,
                })
            },
        )
    });
    prop_oneof![4 => flow, 3 => counter, 1 => unknown().prop_map(Sample::Unknown)]
}

fn datagram() -> impl Strategy<Value = Datagram> {
    (ip(), any::<[u32; 3]>(), vec(sample(), 0..6)).prop_map(|(agent, w, samples)| {
        let mut unknown = UnknownCounts::default();
        for s in &samples {
            match s {
                Sample::Flow(f) => {
                    unknown.flow_records += f
                        .records
                        .iter()
                        .filter(|r| matches!(r, FlowRecord::Unknown(_)))
                        .count() as u32
                }
                Sample::Counter(c) => {
                    unknown.counter_records += c
                        .records
                        .iter()
                        .filter(|r| matches!(r, CounterRecord::Unknown(_)))
                        .count() as u32
                }
                Sample::Unknown(_) => unknown.samples += 1,
            }
        }
        Datagram {
            agent,
            sub_agent_id: w[0],
            sequence_number: w[1],
            uptime_ms: w[2],
            samples,
            unknown,
        }
    })
}

fn encode(d: &Datagram) -> Bytes {
    let mut out = BytesMut::new();
    d.encode(&mut out);
    out.freeze()
}

/// Decode through both APIs and every header, touching everything a collector would.
fn exercise(buf: &Bytes) {
    let owned = Datagram::decode(buf);
    if let Ok(d) = &owned {
        let _ = d.to_string();
        for f in d.flow_samples() {
            for r in &f.records {
                if let FlowRecord::SampledHeader(h) = r {
                    let _ = h.decode_header().to_string();
                }
            }
        }
    }
    let mut view_ok = true;
    if let Ok(v) = DatagramView::parse(buf) {
        for s in v.samples() {
            match s {
                Ok(SampleView::Flow(f)) => {
                    for r in &f.records {
                        match r {
                            Ok(FlowRecord::SampledHeader(h)) => {
                                let _ = h.decode_header();
                            }
                            Ok(_) => {}
                            Err(_) => view_ok = false,
                        }
                    }
                }
                Ok(SampleView::Counter(c)) => view_ok &= c.records.iter().all(|r| r.is_ok()),
                Ok(SampleView::Unknown(_)) => {}
                Err(_) => view_ok = false,
            }
        }
    } else {
        view_ok = false;
    }
    // Both APIs agree on whether the datagram is valid.
    assert_eq!(owned.is_ok(), view_ok);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..1500)) {
        exercise(&Bytes::from(bytes));
    }

    #[test]
    fn arbitrary_bytes_after_a_valid_header_never_panic(tail in vec(any::<u8>(), 0..1500)) {
        let mut bytes = vec![0, 0, 0, 5, 0, 0, 0, 1, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1];
        bytes.extend_from_slice(&tail);
        exercise(&Bytes::from(bytes));
    }

    #[test]
    fn arbitrary_header_bytes_never_panic(p in 0u32..16, bytes in vec(any::<u8>(), 0..200)) {
        let _ = DecodedHeader::parse(HeaderProtocol::from_u32(p), &bytes).to_string();
    }

    #[test]
    fn encoded_datagrams_decode_to_the_same_value(d in datagram()) {
        let buf = encode(&d);
        prop_assert_eq!(Datagram::decode(&buf).unwrap(), d);
    }

    #[test]
    fn mutated_datagrams_never_panic(
        d in datagram(),
        flips in vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = encode(&d).to_vec();
        if bytes.is_empty() {
            return Ok(());
        }
        for (at, v) in flips {
            let i = at.index(bytes.len());
            bytes[i] = v;
        }
        exercise(&Bytes::from(bytes.clone()));
        bytes.truncate(cut.index(bytes.len()));
        exercise(&Bytes::from(bytes));
    }

    /// Headers built by etherparse's own builder decode back to the fields put in, and a
    /// cut anywhere after the ports still yields them.
    #[test]
    fn built_headers_decode_to_their_fields(
        src in any::<[u8; 4]>(), dst in any::<[u8; 4]>(), ttl in any::<u8>(),
        sport in any::<u16>(), dport in any::<u16>(), vlan in 0u16..4095, tcp in any::<bool>(),
        cut in 0usize..80,
    ) {
        let b = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
            .single_vlan(vlan.try_into().unwrap())
            .ipv4(src, dst, ttl);
        let mut pkt = vec![];
        if tcp {
            b.tcp(sport, dport, 1, 1000).syn().write(&mut pkt, &[0; 20]).unwrap();
        } else {
            b.udp(sport, dport).write(&mut pkt, &[0; 20]).unwrap();
        }
        let keep = (18 + 20 + 4 + cut).min(pkt.len());
        let d = DecodedHeader::parse(HeaderProtocol::Ethernet, &pkt[..keep]);
        prop_assert_eq!(d.vlan, Some(vlan));
        prop_assert_eq!(d.ip_src, Some(IpAddr::V4(Ipv4Addr::from(src))));
        prop_assert_eq!(d.ip_dst, Some(IpAddr::V4(Ipv4Addr::from(dst))));
        prop_assert_eq!(d.ttl, Some(ttl));
        prop_assert_eq!(d.ip_protocol, Some(if tcp { 6 } else { 17 }));
        prop_assert_eq!((d.src_port, d.dst_port), (Some(sport), Some(dport)));
        if tcp && keep >= 18 + 20 + 14 {
            prop_assert_eq!(d.tcp_flags, Some(0x02));
        }
    }
}
