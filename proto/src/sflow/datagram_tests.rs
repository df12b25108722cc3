use std::net::{IpAddr, Ipv4Addr};

use bytes::{Bytes, BytesMut};

use super::*;
use crate::sflow::{
    DataSource, ExtendedSwitch, FlowRecord, HeaderProtocol, Interface, UnknownRecord,
};

/// Ethernet / IPv4 10.0.0.1 > 10.0.0.2 / TCP 1234 > 80 SYN (54 bytes).
const HEADER: [u8; 54] = [
    0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45, 0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00,
    0x40, 0x06, 0x00, 0x00, 10, 0, 0, 1, 10, 0, 0, 2, 0x04, 0xd2, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0,
    0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
];

/// An OVS-like datagram: agent 127.0.0.1 sub 1 seq 7 uptime 1000; a flow sample (in 3, out
/// "2 ports", extended switch VLAN 10, raw header) and a counter sample holding one OVS
/// port-name record (0:1005, unknown to this decoder).
fn datagram_bytes() -> Vec<u8> {
    let mut v: Vec<u8> = vec![
        0, 0, 0, 5, 0, 0, 0, 1, 127, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 3, 0xe8, 0, 0, 0, 2,
    ];
    // flow_sample, 136 bytes
    v.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 136]);
    v.extend_from_slice(&[
        0, 0, 0, 42, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 100, 0, 0, 0, 0,
    ]);
    v.extend_from_slice(&[0, 0, 0, 3, 0x80, 0, 0, 2, 0, 0, 0, 2]);
    v.extend_from_slice(&[
        0, 0, 0x03, 0xe9, 0, 0, 0, 16, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 10,
    ]);
    v.extend_from_slice(&[0, 0, 0, 0]);
    v.extend_from_slice(&[
        0, 0, 0, 1, 0, 0, 0, 72, 0, 0, 0, 1, 0, 0, 0, 64, 0, 0, 0, 4, 0, 0, 0, 54,
    ]);
    v.extend_from_slice(&HEADER);
    v.extend_from_slice(&[0, 0]);
    // counters_sample, 28 bytes
    v.extend_from_slice(&[0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 9, 0, 0, 0, 3, 0, 0, 0, 1]);
    v.extend_from_slice(&[0, 0, 0x03, 0xed, 0, 0, 0, 8, 0, 0, 0, 2, b's', b'1', 0, 0]);
    v
}

fn expected() -> Datagram {
    Datagram {
        agent: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        sub_agent_id: 1,
        sequence_number: 7,
        uptime_ms: 1000,
        samples: vec![
            Sample::Flow(FlowSample {
                expanded: false,
                sequence_number: 42,
                source_id: DataSource {
                    source_type: 0,
                    index: 3,
                },
                sampling_rate: 1,
                sample_pool: 100,
                drops: 0,
                input: Interface::Index(3),
                output: Interface::Multiple { count: 2 },
                records: vec![
                    FlowRecord::ExtendedSwitch(ExtendedSwitch {
                        src_vlan: 10,
                        src_priority: 0,
                        dst_vlan: 10,
                        dst_priority: 0,
                    }),
                    FlowRecord::SampledHeader(crate::sflow::SampledHeader {
                        protocol: HeaderProtocol::Ethernet,
                        frame_length: 64,
                        stripped: 4,
                        header: Bytes::from_static(&HEADER),
                    }),
                ],
            }),
            Sample::Counter(CounterSample {
                expanded: false,
                sequence_number: 9,
                source_id: DataSource {
                    source_type: 0,
                    index: 3,
                },
                records: vec![CounterRecord::Unknown(UnknownRecord {
                    enterprise: 0,
                    format: 1005,
                    body: Bytes::from_static(&[0, 0, 0, 2, b's', b'1', 0, 0]),
                })],
            }),
        ],
        unknown: UnknownCounts {
            samples: 0,
            flow_records: 0,
            counter_records: 1,
        },
    }
}

#[test]
fn test_parse() {
    let buf = Bytes::from(datagram_bytes());
    assert_eq!(Datagram::decode(&buf).unwrap(), expected());
}

#[test]
fn test_emit() {
    let mut out = BytesMut::new();
    expected().encode(&mut out);
    assert_eq!(&out[..], &datagram_bytes()[..]);
}

#[test]
fn view_iterates_without_owning() {
    let buf = Bytes::from(datagram_bytes());
    let view = DatagramView::parse(&buf).unwrap();
    assert_eq!((view.num_samples, view.sequence_number), (2, 7));
    let mut ports = vec![];
    for s in view.samples() {
        if let SampleView::Flow(f) = s.unwrap() {
            assert_eq!(f.records.declared_count(), 2);
            for r in &f.records {
                if let FlowRecord::SampledHeader(h) = r.unwrap() {
                    let d = h.decode_header();
                    ports.push((d.src_port, d.dst_port));
                }
            }
        }
    }
    assert_eq!(ports, vec![(Some(1234), Some(80))]);
}

#[test]
fn every_truncation_is_a_clean_error() {
    let full = datagram_bytes();
    for n in 0..full.len() {
        let buf = Bytes::copy_from_slice(&full[..n]);
        assert!(
            Datagram::decode(&buf).is_err(),
            "prefix of {n} bytes decoded"
        );
    }
}

#[test]
fn record_length_past_its_sample_names_sample_and_record() {
    let mut v = datagram_bytes();
    // The raw header record's length (72) sits at byte 96; make it run past the sample.
    assert_eq!(&v[96..100], &[0, 0, 0, 72]);
    v[99] = 76;
    let e = Datagram::decode(&Bytes::from(v)).unwrap_err();
    assert_eq!(e.context, "sflow sample #1 record #2");
    assert_eq!(e.field, "flow_record.length");
    assert_eq!(e.offset, 96);
    assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 76 });
}

#[test]
fn wrong_version_and_netflow_are_rejected() {
    let mut v = datagram_bytes();
    v[3] = 4;
    let e = Datagram::decode(&Bytes::from(v)).unwrap_err();
    assert_eq!(e.kind, DecodeErrorKind::BadVersion { version: 4 });
    // A NetFlow v5 header: version 5 in 16 bits, then a count.
    let netflow = Bytes::from_static(&[0, 5, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
    let e = Datagram::decode(&netflow).unwrap_err();
    assert_eq!(e.field, "sample_datagram_v5.version");
    assert_eq!(e.kind, DecodeErrorKind::BadValue { value: 0x0005_0002 });
}

#[test]
fn huge_sample_count_is_bounded_by_the_bytes() {
    let mut v = datagram_bytes();
    v[24..28].copy_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    let e = Datagram::decode(&Bytes::from(v)).unwrap_err();
    assert_eq!(e.context, "sflow sample #3");
    assert!(matches!(e.kind, DecodeErrorKind::Truncated { .. }));
}

#[test]
fn unknown_sample_is_kept_and_counted() {
    let mut v = datagram_bytes();
    v[27] = 3;
    // A discarded-packet sample (0:5) with a 4-byte body.
    v.extend_from_slice(&[0, 0, 0, 5, 0, 0, 0, 4, 1, 2, 3, 4]);
    let buf = Bytes::from(v.clone());
    let d = Datagram::decode(&buf).unwrap();
    assert_eq!(d.unknown.samples, 1);
    assert_eq!(
        d.samples[2],
        Sample::Unknown(UnknownRecord {
            enterprise: 0,
            format: 5,
            body: Bytes::from_static(&[1, 2, 3, 4])
        })
    );
    let mut out = BytesMut::new();
    d.encode(&mut out);
    assert_eq!(&out[..], &v[..]);
}

#[test]
fn text_and_json_forms() {
    let d = expected();
    let text = d.to_string();
    assert!(text.starts_with("sflow agent 127.0.0.1 sub 1 seq 7 uptime 1000ms samples 2"));
    assert!(
        text.contains("flow_sample seq 42 source 0:3 rate 1 pool 100 drops 0 in 3 out multiple(2)")
    );
    assert!(
        text.contains("10.0.0.1.1234 > 10.0.0.2.80 proto 6"),
        "{text}"
    );
    assert!(text.contains("unknown 0:1005 (8 bytes)"), "{text}");
    let json = serde_json::to_value(&d).unwrap();
    let hdr = &json["samples"][0]["flow"]["records"][1]["sampled_header"];
    assert_eq!(hdr["decoded"]["dst_port"], 80);
    assert_eq!(hdr["decoded"]["ip_src"], "10.0.0.1");
    assert_eq!(hdr["header"].as_str().unwrap().len(), 108);
    assert_eq!(json["unknown"]["counter_records"], 1);
    // The JSON form reads back to the same value (the decoded fields are derived).
    let back: Datagram = serde_json::from_value(json).unwrap();
    assert_eq!(back, d);
}
