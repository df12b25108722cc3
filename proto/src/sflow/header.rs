//! Sampled packet headers (flow record 0:1) decoded into the flat fields a flow engine keys on.
//!
//! Parsing is etherparse's lax slicer: agents send only the first N bytes (OVS: 128) of a
//! packet, so IP total lengths point past the end and the transport header may be cut.
//! Whatever parsed before the cut is kept; nothing here fails.

use std::fmt;
use std::net::IpAddr;

use etherparse::{
    err::Layer, ip_number, EtherType, Ethernet2Slice, Ipv4HeaderSlice, LaxIpv4Slice,
    LaxLinkExtSlice, LaxNetSlice, LaxSlicedPacket, LinkSlice, TcpSlice, TransportSlice, UdpSlice,
};

use crate::types::MacAddr;

/// `header_protocol` of a sampled header record (spec `header_protocol` enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeaderProtocol {
    /// 1: Ethernet (ISO 8802-3).
    Ethernet,
    /// 11: a bare IPv4 packet.
    Ipv4,
    /// 12: a bare IPv6 packet.
    Ipv6,
    /// Anything else (token ring, FDDI, PPP, MPLS, 802.11, ...), kept but not decoded.
    Other(u32),
}

impl HeaderProtocol {
    /// From the wire value.
    pub fn from_u32(v: u32) -> Self {
        match v {
            1 => HeaderProtocol::Ethernet,
            11 => HeaderProtocol::Ipv4,
            12 => HeaderProtocol::Ipv6,
            other => HeaderProtocol::Other(other),
        }
    }

    /// The wire value.
    pub fn to_u32(self) -> u32 {
        match self {
            HeaderProtocol::Ethernet => 1,
            HeaderProtocol::Ipv4 => 11,
            HeaderProtocol::Ipv6 => 12,
            HeaderProtocol::Other(v) => v,
        }
    }
}

/// The fields of a sampled packet header, flat. `None` means "not present in the packet, or
/// cut off before it"; [`DecodedHeader::stopped_at`] says where parsing stopped early.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct DecodedHeader {
    /// Ethernet source.
    pub src_mac: Option<MacAddr>,
    /// Ethernet destination.
    pub dst_mac: Option<MacAddr>,
    /// Outer 802.1Q VLAN id (the only one for a single tag).
    pub vlan: Option<u16>,
    /// Outer VLAN priority (PCP).
    pub vlan_pcp: Option<u8>,
    /// Inner VLAN id of a QinQ (double-tagged) frame.
    pub inner_vlan: Option<u16>,
    /// The EtherType after any VLAN tags (0x0800 IPv4, 0x86dd IPv6, 0x0806 ARP, ...).
    pub ethertype: Option<u16>,
    /// IP source.
    pub ip_src: Option<IpAddr>,
    /// IP destination.
    pub ip_dst: Option<IpAddr>,
    /// IP protocol (IPv6: the upper-layer protocol after extension headers).
    pub ip_protocol: Option<u8>,
    /// IPv4 TOS byte / IPv6 traffic class (DSCP << 2 | ECN).
    pub ip_tos: Option<u8>,
    /// IPv4 TTL / IPv6 hop limit.
    pub ttl: Option<u8>,
    /// IPv4 total length / IPv6 payload length + 40, from the header (not the sample).
    pub ip_len: Option<u16>,
    /// IPv6 flow label.
    pub ipv6_flow_label: Option<u32>,
    /// True for an IP fragment other than the first (it carries no ports).
    pub ip_fragment: bool,
    /// TCP/UDP source port.
    pub src_port: Option<u16>,
    /// TCP/UDP destination port.
    pub dst_port: Option<u16>,
    /// TCP flags (FIN = 0x01 ... CWR = 0x80).
    pub tcp_flags: Option<u8>,
    /// ICMP / ICMPv6 type.
    pub icmp_type: Option<u8>,
    /// ICMP / ICMPv6 code.
    pub icmp_code: Option<u8>,
    /// The layer at which parsing stopped on malformed or truncated bytes, if it did.
    pub stopped_at: Option<StopLayer>,
}

/// Where header parsing stopped early (the bytes ran out or were malformed there).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopLayer {
    /// In or before the Ethernet header.
    Ethernet,
    /// In an 802.1Q / QinQ tag.
    Vlan,
    /// In the IPv4 / IPv6 header or its extension headers.
    Ip,
    /// In the TCP header.
    Tcp,
    /// In the UDP header.
    Udp,
    /// In the ICMP / ICMPv6 header.
    Icmp,
    /// Elsewhere (ARP, MACsec, IGMP, ...).
    Other,
}

impl StopLayer {
    fn from_etherparse(layer: Layer) -> Self {
        match layer {
            Layer::Ethernet2Header | Layer::EtherPayload => StopLayer::Ethernet,
            Layer::VlanHeader => StopLayer::Vlan,
            Layer::IpHeader
            | Layer::Ipv4Header
            | Layer::Ipv4Packet
            | Layer::Ipv6Header
            | Layer::Ipv6Packet
            | Layer::Ipv6ExtHeader
            | Layer::Ipv6HopByHopHeader
            | Layer::Ipv6DestOptionsHeader
            | Layer::Ipv6RouteHeader
            | Layer::Ipv6FragHeader
            | Layer::IpAuthHeader => StopLayer::Ip,
            Layer::TcpHeader => StopLayer::Tcp,
            Layer::UdpHeader | Layer::UdpPayload => StopLayer::Udp,
            Layer::Icmpv4
            | Layer::Icmpv4Timestamp
            | Layer::Icmpv4TimestampReply
            | Layer::Icmpv6 => StopLayer::Icmp,
            _ => StopLayer::Other,
        }
    }

    /// Lower-case name, for text output.
    pub fn name(self) -> &'static str {
        match self {
            StopLayer::Ethernet => "ethernet",
            StopLayer::Vlan => "vlan",
            StopLayer::Ip => "ip",
            StopLayer::Tcp => "tcp",
            StopLayer::Udp => "udp",
            StopLayer::Icmp => "icmp",
            StopLayer::Other => "other",
        }
    }
}

impl DecodedHeader {
    /// Decode `bytes` as a header of the given protocol, as far as it goes. Protocols other
    /// than Ethernet, IPv4 and IPv6 give an empty value.
    pub fn parse(protocol: HeaderProtocol, bytes: &[u8]) -> DecodedHeader {
        if protocol == HeaderProtocol::Ethernet {
            if let Some(out) = Self::ethernet_ipv4_l4(bytes) {
                return out;
            }
        }
        Self::parse_sliced(protocol, bytes)
    }

    /// [`DecodedHeader::parse`] by slicing the whole packet with `LaxSlicedPacket`.
    fn parse_sliced(protocol: HeaderProtocol, bytes: &[u8]) -> DecodedHeader {
        let mut out = DecodedHeader::default();
        let sliced = match protocol {
            HeaderProtocol::Ethernet => match LaxSlicedPacket::from_ethernet(bytes) {
                Ok(p) => p,
                Err(_) => {
                    out.stopped_at = Some(StopLayer::Ethernet);
                    return out;
                }
            },
            HeaderProtocol::Ipv4 | HeaderProtocol::Ipv6 => match LaxSlicedPacket::from_ip(bytes) {
                Ok(p) => p,
                Err(_) => {
                    out.stopped_at = Some(StopLayer::Ip);
                    return out;
                }
            },
            HeaderProtocol::Other(_) => return out,
        };
        out.fill(&sliced);
        out
    }

    /// The common case, untagged Ethernet + IPv4 + whole TCP or UDP header, with
    /// etherparse's per-layer slices: the same slicing `LaxSlicedPacket` does (lax IPv4
    /// lengths included) without building and copying its large all-layers value, which
    /// was most of the cost of a sample. `None` for anything else (VLAN tags, IPv6,
    /// fragments, ICMP, a cut header, ...): [`DecodedHeader::parse`] then slices the
    /// whole packet, so both paths give the same fields (`fast_path_matches_full_slicing`).
    fn ethernet_ipv4_l4(bytes: &[u8]) -> Option<DecodedHeader> {
        let eth = Ethernet2Slice::from_slice_without_fcs(bytes).ok()?;
        if eth.ether_type() != EtherType::IPV4 {
            return None;
        }
        let (ip, auth_err) = LaxIpv4Slice::from_slice(eth.payload().payload).ok()?;
        let payload = ip.payload();
        if auth_err.is_some() || payload.fragmented {
            return None;
        }
        let mut out = DecodedHeader::default();
        out.fill_ethernet(&eth);
        out.fill_ipv4(&ip.header());
        match payload.ip_number {
            ip_number::TCP => out.fill_tcp(&TcpSlice::from_slice(payload.payload).ok()?),
            ip_number::UDP => out.fill_udp(&UdpSlice::from_slice_lax(payload.payload).ok()?),
            _ => return None,
        }
        Some(out)
    }

    fn fill_ethernet(&mut self, eth: &Ethernet2Slice<'_>) {
        self.src_mac = Some(MacAddr(eth.source()));
        self.dst_mac = Some(MacAddr(eth.destination()));
        self.ethertype = Some(eth.ether_type().0);
    }

    fn fill_ipv4(&mut self, h: &Ipv4HeaderSlice<'_>) {
        self.ethertype.get_or_insert(EtherType::IPV4.0);
        self.ip_src = Some(IpAddr::V4(h.source_addr()));
        self.ip_dst = Some(IpAddr::V4(h.destination_addr()));
        self.ip_protocol = Some(h.protocol().0);
        self.ip_tos = Some((h.dcp().value() << 2) | h.ecn().value());
        self.ttl = Some(h.ttl());
        self.ip_len = Some(h.total_len());
        self.ip_fragment = h.fragments_offset().value() != 0;
    }

    fn fill_tcp(&mut self, t: &TcpSlice<'_>) {
        self.src_port = Some(t.source_port());
        self.dst_port = Some(t.destination_port());
        let flags = [
            t.fin(),
            t.syn(),
            t.rst(),
            t.psh(),
            t.ack(),
            t.urg(),
            t.ece(),
            t.cwr(),
        ];
        self.tcp_flags = Some(
            flags
                .iter()
                .enumerate()
                .fold(0u8, |acc, (bit, &set)| acc | (u8::from(set) << bit)),
        );
    }

    fn fill_udp(&mut self, u: &UdpSlice<'_>) {
        self.src_port = Some(u.source_port());
        self.dst_port = Some(u.destination_port());
    }

    fn fill(&mut self, p: &LaxSlicedPacket<'_>) {
        if let Some(LinkSlice::Ethernet2(eth)) = &p.link {
            self.fill_ethernet(eth);
        }
        let mut tags = p.link_exts.iter().filter_map(|e| match e {
            LaxLinkExtSlice::Vlan(v) => Some(v),
            LaxLinkExtSlice::Macsec(_) => None,
        });
        if let Some(outer) = tags.next() {
            self.vlan = Some(outer.vlan_identifier().value());
            self.vlan_pcp = Some(outer.priority_code_point().value());
            self.ethertype = Some(outer.ether_type().0);
            if let Some(inner) = tags.next() {
                self.inner_vlan = Some(inner.vlan_identifier().value());
                self.ethertype = Some(inner.ether_type().0);
            }
        }
        match &p.net {
            Some(LaxNetSlice::Ipv4(v4)) => self.fill_ipv4(&v4.header()),
            Some(LaxNetSlice::Ipv6(v6)) => {
                let h = v6.header();
                self.ethertype.get_or_insert(EtherType::IPV6.0);
                self.ip_src = Some(IpAddr::V6(h.source_addr()));
                self.ip_dst = Some(IpAddr::V6(h.destination_addr()));
                self.ip_protocol = Some(v6.payload().ip_number.0);
                self.ip_tos = Some(h.traffic_class());
                self.ttl = Some(h.hop_limit());
                self.ip_len = Some(h.payload_length().saturating_add(40));
                self.ipv6_flow_label = Some(h.flow_label().value());
                self.ip_fragment = v6.is_payload_fragmented() && self.is_later_fragment(v6);
            }
            Some(LaxNetSlice::Arp(_)) | None => {}
        }
        match &p.transport {
            Some(TransportSlice::Tcp(t)) => self.fill_tcp(t),
            Some(TransportSlice::Udp(u)) => self.fill_udp(u),
            Some(TransportSlice::Icmpv4(i)) => {
                self.icmp_type = Some(i.type_u8());
                self.icmp_code = Some(i.code_u8());
            }
            Some(TransportSlice::Icmpv6(i)) => {
                self.icmp_type = Some(i.type_u8());
                self.icmp_code = Some(i.code_u8());
            }
            Some(TransportSlice::Igmp(_)) | None => self.transport_fallback(p),
        }
        if let Some((_, layer)) = &p.stop_err {
            self.stopped_at = Some(StopLayer::from_etherparse(*layer));
        }
    }

    /// etherparse wants a whole TCP header (options included), or 8 bytes of ICMP, before it
    /// yields one. A 128-byte sample can cut a TCP header with options, or an IPv6 packet
    /// with extension headers, in the middle: the ports, the flags byte, the ICMP type and
    /// code are still there at fixed offsets of the first transport bytes, so keep them.
    fn transport_fallback(&mut self, p: &LaxSlicedPacket<'_>) {
        let Some(payload) = p.ip_payload() else {
            return;
        };
        if self.ip_fragment {
            return;
        }
        let b = payload.payload;
        match payload.ip_number {
            ip_number::TCP | ip_number::UDP => {
                if let (Some(&[s0, s1]), Some(&[d0, d1])) = (b.get(0..2), b.get(2..4)) {
                    self.src_port = Some(u16::from_be_bytes([s0, s1]));
                    self.dst_port = Some(u16::from_be_bytes([d0, d1]));
                }
                if payload.ip_number == ip_number::TCP {
                    self.tcp_flags = b.get(13).copied();
                }
            }
            ip_number::ICMP | ip_number::IPV6_ICMP => {
                if let Some(&[t, c]) = b.get(0..2) {
                    self.icmp_type = Some(t);
                    self.icmp_code = Some(c);
                }
            }
            _ => {}
        }
    }

    /// Walks the extension headers by hand, every length checked: etherparse 0.21's
    /// `Ipv6ExtensionSliceIter` reads past the slice (an unchecked index) when lax slicing
    /// stopped inside the extension chain, which the sflow fuzz target hit
    /// (proto/tests/fuzz_regressions.rs, `sflow_ipv6_truncated_extension_chain`).
    fn is_later_fragment(&self, v6: &etherparse::LaxIpv6Slice<'_>) -> bool {
        let exts = v6.extensions();
        let mut rest = exts.slice();
        let mut next = exts.first_header();
        while let Some(n) = next {
            let len = match n {
                ip_number::IPV6_FRAG => {
                    return rest
                        .get(2..4)
                        .is_some_and(|b| u16::from_be_bytes([b[0], b[1]]) >> 3 != 0);
                }
                ip_number::IPV6_HOP_BY_HOP
                | ip_number::IPV6_ROUTE
                | ip_number::IPV6_DEST_OPTIONS => rest.get(1).map(|&l| (usize::from(l) + 1) * 8),
                ip_number::AUTH => rest.get(1).map(|&l| (usize::from(l) + 2) * 4),
                _ => None,
            };
            let Some(len) = len else {
                return false;
            };
            next = rest.first().map(|&h| etherparse::IpNumber(h));
            let Some(r) = rest.get(len..) else {
                return false;
            };
            rest = r;
        }
        false
    }

    /// True when nothing at all was decoded.
    pub fn is_empty(&self) -> bool {
        self.src_mac.is_none() && self.ip_src.is_none() && self.ethertype.is_none()
    }
}

impl fmt::Display for DecodedHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let (Some(s), Some(d)) = (self.src_mac, self.dst_mac) {
            write!(f, "{s} > {d}")?;
            sep = " ";
        }
        if let Some(v) = self.vlan {
            write!(f, "{sep}vlan {v}")?;
            if let Some(i) = self.inner_vlan {
                write!(f, "/{i}")?;
            }
            sep = " ";
        }
        if let Some(t) = self.ethertype {
            write!(f, "{sep}type 0x{t:04x}")?;
            sep = " ";
        }
        if let (Some(s), Some(d)) = (self.ip_src, self.ip_dst) {
            match (self.src_port, self.dst_port) {
                (Some(sp), Some(dp)) => write!(f, "{sep}{s}.{sp} > {d}.{dp}")?,
                _ => write!(f, "{sep}{s} > {d}")?,
            }
            if let Some(p) = self.ip_protocol {
                write!(f, " proto {p}")?;
            }
            if let Some(t) = self.ttl {
                write!(f, " ttl {t}")?;
            }
            if let Some(t) = self.ip_tos {
                write!(f, " tos 0x{t:02x}")?;
            }
            sep = " ";
        }
        if let Some(flags) = self.tcp_flags {
            write!(f, "{sep}flags 0x{flags:02x}")?;
            sep = " ";
        }
        if let (Some(t), Some(c)) = (self.icmp_type, self.icmp_code) {
            write!(f, "{sep}icmp {t}/{c}")?;
            sep = " ";
        }
        if let Some(layer) = self.stopped_at {
            write!(f, "{sep}[cut in {}]", layer.name())?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "header_tests.rs"]
mod tests;
