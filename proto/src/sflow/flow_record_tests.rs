use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::{Bytes, BytesMut};

use super::*;
use crate::error::DecodeErrorKind;

/// Ethernet 00:..:01 > 00:..:02, IPv4 10.0.0.1 > 10.0.0.2 TTL 64 TOS 0, TCP 1234 > 80 SYN.
static ETH_IPV4_TCP: [u8; 54] = [
    0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, // eth
    0x45, 0x00, 0x00, 0x3c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01,
    0x0a, 0x00, 0x00, 0x02, // ipv4
    0x04, 0xd2, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xff, 0xff,
    0x00, 0x00, 0x00, 0x00, // tcp
];

/// A `sampled_header` body carrying [`ETH_IPV4_TCP`]: Ethernet, frame 64, stripped 4.
fn sampled_header_bytes() -> Vec<u8> {
    let mut v = vec![0, 0, 0, 1, 0, 0, 0, 64, 0, 0, 0, 4, 0, 0, 0, 54];
    v.extend_from_slice(&ETH_IPV4_TCP);
    v.extend_from_slice(&[0, 0]);
    v
}

#[test]
fn sampled_header_parse_and_emit() {
    let buf = Bytes::from(sampled_header_bytes());
    let mut r = Reader::new(&buf, "TEST");
    let rec = FlowRecord::decode(1, &mut r).unwrap();
    assert!(r.is_empty());
    let FlowRecord::SampledHeader(h) = &rec else {
        panic!("{rec:?}")
    };
    assert_eq!(h.protocol, HeaderProtocol::Ethernet);
    assert_eq!((h.frame_length, h.stripped), (64, 4));
    assert_eq!(&h.header[..], &ETH_IPV4_TCP[..]);

    let mut out = BytesMut::new();
    h.encode(&mut out);
    assert_eq!(&out[..], &sampled_header_bytes()[..]);
}

#[test]
fn sampled_header_decodes_every_layer() {
    let d = DecodedHeader::parse(HeaderProtocol::Ethernet, &ETH_IPV4_TCP);
    assert_eq!(d.src_mac, Some(MacAddr([0, 0, 0, 0, 0, 1])));
    assert_eq!(d.dst_mac, Some(MacAddr([0, 0, 0, 0, 0, 2])));
    assert_eq!(d.vlan, None);
    assert_eq!(d.ethertype, Some(0x0800));
    assert_eq!(d.ip_src, Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))));
    assert_eq!(d.ip_dst, Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2))));
    assert_eq!(
        (d.ip_protocol, d.ttl, d.ip_tos),
        (Some(6), Some(64), Some(0))
    );
    assert_eq!((d.src_port, d.dst_port), (Some(1234), Some(80)));
    assert_eq!(d.tcp_flags, Some(0x02));
    assert_eq!(d.stopped_at, None);
}

#[test]
fn truncated_tcp_header_keeps_ports_and_flags() {
    // Cut 6 bytes into... the TCP header is 20 bytes; keep 14 of them.
    let d = DecodedHeader::parse(HeaderProtocol::Ethernet, &ETH_IPV4_TCP[..48]);
    assert_eq!(d.ip_src, Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))));
    assert_eq!((d.src_port, d.dst_port), (Some(1234), Some(80)));
    assert_eq!(d.tcp_flags, Some(0x02));
    // Cut inside the IP header: the Ethernet part survives.
    let d = DecodedHeader::parse(HeaderProtocol::Ethernet, &ETH_IPV4_TCP[..20]);
    assert_eq!(d.src_mac, Some(MacAddr([0, 0, 0, 0, 0, 1])));
    assert_eq!(d.ethertype, Some(0x0800));
    assert_eq!(d.ip_src, None);
    assert!(d.stopped_at.is_some());
    // Less than an Ethernet header: nothing, and no failure.
    let d = DecodedHeader::parse(HeaderProtocol::Ethernet, &ETH_IPV4_TCP[..5]);
    assert!(d.is_empty());
}

#[test]
fn qinq_ipv6_udp_and_bare_ip() {
    let mut pkt = vec![0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1];
    pkt.extend_from_slice(&[0x88, 0xa8, 0x20, 0x64]); // S-tag, PCP 1, VLAN 100
    pkt.extend_from_slice(&[0x81, 0x00, 0x00, 0xc8]); // C-tag, VLAN 200
    pkt.extend_from_slice(&[0x86, 0xdd]);
    let ip6_start = pkt.len();
    // IPv6: traffic class 0x28, flow label 0x12345, payload 8, next header UDP, hop 7.
    pkt.extend_from_slice(&[0x62, 0x81, 0x23, 0x45, 0, 8, 17, 7]);
    pkt.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
    pkt.extend_from_slice(&Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1).octets());
    pkt.extend_from_slice(&[0x13, 0x89, 0x00, 0x35, 0, 8, 0, 0]); // UDP 5001 > 53
    let d = DecodedHeader::parse(HeaderProtocol::Ethernet, &pkt);
    assert_eq!(
        (d.vlan, d.vlan_pcp, d.inner_vlan),
        (Some(100), Some(1), Some(200))
    );
    assert_eq!(d.ethertype, Some(0x86dd));
    assert_eq!(d.ip_src, Some(IpAddr::V6(Ipv6Addr::LOCALHOST)));
    assert_eq!(
        (d.ip_protocol, d.ip_tos, d.ttl),
        (Some(17), Some(0x28), Some(7))
    );
    assert_eq!(d.ipv6_flow_label, Some(0x12345));
    assert_eq!(
        (d.src_port, d.dst_port, d.tcp_flags),
        (Some(5001), Some(53), None)
    );

    let d = DecodedHeader::parse(HeaderProtocol::Ipv6, &pkt[ip6_start..]);
    assert_eq!((d.src_mac, d.vlan), (None, None));
    assert_eq!((d.src_port, d.dst_port), (Some(5001), Some(53)));
    let d = DecodedHeader::parse(HeaderProtocol::Ipv4, &ETH_IPV4_TCP[14..]);
    assert_eq!(d.ip_dst, Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2))));
    assert_eq!(d.dst_port, Some(80));
    assert!(DecodedHeader::parse(HeaderProtocol::Other(13), &pkt).is_empty());
}

#[test]
fn icmp_type_and_code() {
    let mut pkt = ETH_IPV4_TCP[..34].to_vec();
    pkt[23] = 1; // protocol ICMP
    pkt.extend_from_slice(&[3, 3, 0, 0, 0, 0, 0, 0]); // port unreachable
    let d = DecodedHeader::parse(HeaderProtocol::Ethernet, &pkt);
    assert_eq!((d.icmp_type, d.icmp_code), (Some(3), Some(3)));
    assert_eq!((d.src_port, d.dst_port), (None, None));
}

/// `extended_gateway`: next hop 10.0.0.254, AS 65000, src 65001/65002, path
/// SEQUENCE(65010 65020), communities [1], localpref 100.
static GATEWAY: [u8; 60] = [
    0, 0, 0, 1, 10, 0, 0, 254, 0, 0, 0xfd, 0xe8, 0, 0, 0xfd, 0xe9, 0, 0, 0xfd,
    0xea, // hop, ASes
    0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0xfd, 0xf2, 0, 0, 0xfd, 0xfc, // path
    0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 100, // communities, localpref
    0, 0, 0, 0, 0, 0, 0, 0, // trailing bytes from a later spec revision are ignored
];

#[test]
fn extended_gateway_parse_and_emit() {
    let buf = Bytes::from_static(&GATEWAY);
    let mut r = Reader::new(&buf, "TEST");
    let g = ExtendedGateway::decode(&mut r).unwrap();
    assert_eq!(g.next_hop, Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 254))));
    assert_eq!(
        (g.as_number, g.src_as, g.src_peer_as),
        (65000, 65001, 65002)
    );
    assert_eq!(
        g.dst_as_path,
        vec![AsPathSegment {
            kind: 2,
            asns: vec![65010, 65020]
        }]
    );
    assert_eq!((g.dst_as(), g.dst_peer_as()), (Some(65020), Some(65010)));
    assert_eq!((g.communities.as_slice(), g.local_pref), (&[1][..], 100));
    let mut out = BytesMut::new();
    g.encode(&mut out);
    assert_eq!(&out[..], &GATEWAY[..52]);
    assert_eq!(g.encoded_len(), 52);
}

#[test]
fn extended_gateway_huge_counts_are_rejected_not_allocated() {
    let mut bytes = GATEWAY[..20].to_vec();
    bytes.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2]);
    let buf = Bytes::from(bytes);
    let e = ExtendedGateway::decode(&mut Reader::new(&buf, "TEST")).unwrap_err();
    assert_eq!(e.field, "extended_gateway.dst_as_path_segments");
    assert_eq!(e.offset, 20);

    let mut bytes = GATEWAY[..24].to_vec();
    bytes.extend_from_slice(&[0, 0, 0, 2, 0x40, 0, 0, 0, 0, 0, 0, 0]);
    let buf = Bytes::from(bytes);
    let e = ExtendedGateway::decode(&mut Reader::new(&buf, "TEST")).unwrap_err();
    assert_eq!(e.field, "as_path_type.length");
    assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 0x4000_0000 });
}

#[test]
fn fixed_records_round_trip() {
    let recs = [
        FlowRecord::SampledEthernet(SampledEthernet {
            length: 64,
            src_mac: MacAddr([1, 2, 3, 4, 5, 6]),
            dst_mac: MacAddr([6, 5, 4, 3, 2, 1]),
            eth_type: 0x0800,
        }),
        FlowRecord::SampledIpv4(SampledIpv4 {
            length: 40,
            protocol: 6,
            src_ip: Ipv4Addr::new(1, 2, 3, 4),
            dst_ip: Ipv4Addr::new(5, 6, 7, 8),
            src_port: 80,
            dst_port: 443,
            tcp_flags: 0x12,
            tos: 0,
        }),
        FlowRecord::SampledIpv6(SampledIpv6 {
            length: 60,
            protocol: 17,
            src_ip: Ipv6Addr::LOCALHOST,
            dst_ip: Ipv6Addr::UNSPECIFIED,
            src_port: 1,
            dst_port: 2,
            tcp_flags: 0,
            priority: 3,
        }),
        FlowRecord::ExtendedSwitch(ExtendedSwitch {
            src_vlan: 100,
            src_priority: 0,
            dst_vlan: 200,
            dst_priority: 5,
        }),
        FlowRecord::ExtendedRouter(ExtendedRouter {
            next_hop: Some(IpAddr::V6(Ipv6Addr::LOCALHOST)),
            src_mask_len: 24,
            dst_mask_len: 64,
        }),
        FlowRecord::Unknown(UnknownRecord {
            enterprise: 8800,
            format: 7,
            body: Bytes::from_static(&[9, 9, 9, 9]),
        }),
    ];
    let sizes = [24, 32, 56, 16, 28, 4];
    for (rec, size) in recs.iter().zip(sizes) {
        let mut out = BytesMut::new();
        rec.encode(&mut out);
        assert_eq!(out.len(), 8 + size, "{rec:?}");
        let buf = out.freeze();
        let mut r = Reader::new(&buf, "TEST");
        let format = r.u32("f").unwrap();
        assert_eq!(r.u32("l").unwrap() as usize, size);
        assert_eq!(&FlowRecord::decode(format, &mut r).unwrap(), rec);
    }
}

#[test]
fn short_fixed_record_is_an_error_with_offset() {
    let buf = Bytes::from_static(&[0, 0, 0, 100, 0, 0, 0, 1]);
    let e = FlowRecord::decode(1001, &mut Reader::new(&buf, "TEST")).unwrap_err();
    assert_eq!(e.field, "extended_switch.dst_vlan");
    assert_eq!(e.offset, 8);
}

#[test]
fn decoded_header_json_round_trip() {
    let d = DecodedHeader::parse(HeaderProtocol::Ethernet, &ETH_IPV4_TCP[..20]);
    assert_eq!(d.stopped_at, Some(super::super::StopLayer::Ip));
    let text: String = serde_json::to_string(&d).unwrap();
    assert!(text.contains(r#""stopped_at":"ip""#), "{text}");
    assert_eq!(serde_json::from_str::<DecodedHeader>(&text).unwrap(), d);
}

#[test]
fn truncated_icmp_keeps_type_and_code() {
    let mut pkt = ETH_IPV4_TCP[..34].to_vec();
    pkt[23] = 1;
    pkt.extend_from_slice(&[8, 0, 0xf7]); // echo request, cut after 3 bytes
    let d = DecodedHeader::parse(HeaderProtocol::Ethernet, &pkt);
    assert_eq!((d.icmp_type, d.icmp_code), (Some(8), Some(0)));
}
