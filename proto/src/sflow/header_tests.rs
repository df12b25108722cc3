//! The per-layer fast path of [`DecodedHeader::parse`] against `LaxSlicedPacket` slicing.

use proptest::prelude::*;

use super::*;

/// Ethernet 00:..:01 > 00:..:02, IPv4 10.0.0.1 > 10.0.0.2 TTL 64 TOS 0xb8, then `l4`.
fn frame(protocol: u8, total_len: u16, l4: &[u8]) -> Vec<u8> {
    let mut f = vec![0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00];
    f.extend_from_slice(&[0x45, 0xb8]);
    f.extend_from_slice(&total_len.to_be_bytes());
    f.extend_from_slice(&[
        0x1c, 0x46, 0x40, 0x00, 64, protocol, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    ]);
    f.extend_from_slice(l4);
    f
}

/// TCP 1234 > 80, flags PSH|ACK, data offset 5 words.
const TCP: [u8; 20] = [
    0x04, 0xd2, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0,
];
/// UDP 5353 > 53, length 8.
const UDP: [u8; 8] = [0x14, 0xe9, 0x00, 0x35, 0x00, 0x08, 0, 0];

/// The fast path's answer, checked against slicing the whole packet when it gives one.
fn both(bytes: &[u8]) -> Option<DecodedHeader> {
    let fast = DecodedHeader::ethernet_ipv4_l4(bytes);
    if let Some(f) = fast {
        assert_eq!(
            f,
            DecodedHeader::parse_sliced(HeaderProtocol::Ethernet, bytes),
            "{bytes:02x?}"
        );
    }
    fast
}

#[test]
fn fast_path_decodes_tcp_and_udp() {
    let d = both(&frame(6, 40, &TCP)).expect("fast path for Ethernet/IPv4/TCP");
    assert_eq!(d.ip_src, Some(IpAddr::from([10, 0, 0, 1])));
    assert_eq!(
        (d.src_port, d.dst_port, d.tcp_flags),
        (Some(1234), Some(80), Some(0x18))
    );
    assert_eq!(
        (d.ip_tos, d.ttl, d.ip_len, d.ethertype),
        (Some(0xb8), Some(64), Some(40), Some(0x0800))
    );
    assert_eq!(d.stopped_at, None);
    let d = both(&frame(17, 28, &UDP)).expect("fast path for Ethernet/IPv4/UDP");
    assert_eq!(
        (d.src_port, d.dst_port, d.tcp_flags),
        (Some(5353), Some(53), None)
    );
    // a 128-byte sample of a 1500-byte packet: the IPv4 length points past the end
    let mut long = frame(6, 1500, &TCP);
    long.resize(128, 0x5a);
    assert_eq!(both(&long).map(|d| d.ip_len), Some(Some(1500)));
}

#[test]
fn fast_path_declines_what_it_does_not_cover() {
    // TCP header cut short (the full slicing keeps the ports, see transport_fallback)
    assert_eq!(both(&frame(6, 40, &TCP[..12])), None);
    // ICMP, a fragment, a VLAN tag, IPv6-in-ethertype-IPv4, bad IHL: the full path
    assert_eq!(both(&frame(1, 28, &[8, 0, 0, 0, 0, 0, 0, 0])), None);
    let mut frag = frame(6, 40, &TCP);
    frag[20] = 0x20; // more fragments
    assert_eq!(both(&frag), None);
    let mut tagged = frame(6, 40, &TCP);
    tagged.splice(12..12, [0x81, 0x00, 0x00, 0x07]);
    assert_eq!(both(&tagged), None);
    let mut v6 = frame(6, 40, &TCP);
    v6[14] = 0x60;
    assert_eq!(both(&v6), None);
    let mut ihl = frame(6, 40, &TCP);
    ihl[14] = 0x44;
    assert_eq!(both(&ihl), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Whatever the fast path accepts, it decodes exactly as `LaxSlicedPacket` slicing
    /// does: mutated lengths, IHL, flags, protocol, data offset, and cut frames.
    #[test]
    fn fast_path_matches_full_slicing(
        udp in any::<bool>(),
        total_len in prop_oneof![Just(40u16), Just(28), 0u16..80, any::<u16>()],
        edits in proptest::collection::vec((0usize..64, any::<u8>()), 0..4),
        cut in 0usize..80,
        pad in 0usize..40,
    ) {
        let mut f = if udp { frame(17, total_len, &UDP) } else { frame(6, total_len, &TCP) };
        f.resize(f.len() + pad, 0);
        for (at, b) in edits {
            if let Some(x) = f.get_mut(at) {
                *x = b;
            }
        }
        f.truncate(f.len().saturating_sub(cut));
        both(&f);
    }
}
