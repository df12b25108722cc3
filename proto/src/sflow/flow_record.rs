//! Flow records (the `flow_data` of a flow sample).
//!
//! ```text
//! 0:1    sampled_header     protocol, frame_length, stripped, header<>
//! 0:2    sampled_ethernet   length, src_mac (8, padded), dst_mac (8), type
//! 0:3    sampled_ipv4       length, protocol, src_ip, dst_ip, src_port, dst_port, tcp_flags, tos
//! 0:4    sampled_ipv6       length, protocol, src_ip (16), dst_ip (16), ports, tcp_flags, priority
//! 0:1001 extended_switch    src_vlan, src_priority, dst_vlan, dst_priority
//! 0:1002 extended_router    next_hop (address), src_mask_len, dst_mask_len
//! 0:1003 extended_gateway   next_hop, as, src_as, src_peer_as, dst_as_path<>, communities<>, localpref
//! ```
//! A known record may be longer than the fields above (later spec revisions append); the
//! extra bytes are ignored. Shorter is an error.

use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::{BufMut, Bytes, BytesMut};

use super::header::{DecodedHeader, HeaderProtocol};
use super::xdr::{self, address_len};
use super::{DataFormat, UnknownRecord};
use crate::error::{DecodeError, DecodeErrorKind};
use crate::reader::Reader;
use crate::types::MacAddr;

/// One flow record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowRecord {
    /// 0:1 raw packet header.
    SampledHeader(SampledHeader),
    /// 0:2 Ethernet frame data.
    SampledEthernet(SampledEthernet),
    /// 0:3 IPv4 data.
    SampledIpv4(SampledIpv4),
    /// 0:4 IPv6 data.
    SampledIpv6(SampledIpv6),
    /// 0:1001 extended switch data.
    ExtendedSwitch(ExtendedSwitch),
    /// 0:1002 extended router data.
    ExtendedRouter(ExtendedRouter),
    /// 0:1003 extended gateway (BGP) data.
    ExtendedGateway(ExtendedGateway),
    /// Anything else, verbatim.
    Unknown(UnknownRecord),
}

impl FlowRecord {
    /// Decode the body of a record whose `data_format` word is `format`. `r` covers exactly
    /// the body.
    pub fn decode(format: u32, r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let f = DataFormat::from_u32(format);
        Ok(match (f.enterprise, f.format) {
            (0, 1) => FlowRecord::SampledHeader(SampledHeader::decode(r)?),
            (0, 2) => FlowRecord::SampledEthernet(SampledEthernet::decode(r)?),
            (0, 3) => FlowRecord::SampledIpv4(SampledIpv4::decode(r)?),
            (0, 4) => FlowRecord::SampledIpv6(SampledIpv6::decode(r)?),
            (0, 1001) => FlowRecord::ExtendedSwitch(ExtendedSwitch::decode(r)?),
            (0, 1002) => FlowRecord::ExtendedRouter(ExtendedRouter::decode(r)?),
            (0, 1003) => FlowRecord::ExtendedGateway(ExtendedGateway::decode(r)?),
            _ => FlowRecord::Unknown(UnknownRecord {
                enterprise: f.enterprise,
                format: f.format,
                body: r.rest(),
            }),
        })
    }

    /// The `data_format` word.
    pub fn data_format(&self) -> u32 {
        match self {
            FlowRecord::SampledHeader(_) => 1,
            FlowRecord::SampledEthernet(_) => 2,
            FlowRecord::SampledIpv4(_) => 3,
            FlowRecord::SampledIpv6(_) => 4,
            FlowRecord::ExtendedSwitch(_) => 1001,
            FlowRecord::ExtendedRouter(_) => 1002,
            FlowRecord::ExtendedGateway(_) => 1003,
            FlowRecord::Unknown(u) => DataFormat {
                enterprise: u.enterprise,
                format: u.format,
            }
            .to_u32(),
        }
    }

    /// The spec's name for the record (`sampled_header`), for text output.
    pub fn name(&self) -> &'static str {
        match self {
            FlowRecord::SampledHeader(_) => "sampled_header",
            FlowRecord::SampledEthernet(_) => "sampled_ethernet",
            FlowRecord::SampledIpv4(_) => "sampled_ipv4",
            FlowRecord::SampledIpv6(_) => "sampled_ipv6",
            FlowRecord::ExtendedSwitch(_) => "extended_switch",
            FlowRecord::ExtendedRouter(_) => "extended_router",
            FlowRecord::ExtendedGateway(_) => "extended_gateway",
            FlowRecord::Unknown(_) => "unknown",
        }
    }

    /// Encode the whole record: `data_format`, `length`, body.
    pub fn encode(&self, out: &mut BytesMut) {
        let at = xdr::begin_tlv(out, self.data_format());
        match self {
            FlowRecord::SampledHeader(x) => x.encode(out),
            FlowRecord::SampledEthernet(x) => x.encode(out),
            FlowRecord::SampledIpv4(x) => x.encode(out),
            FlowRecord::SampledIpv6(x) => x.encode(out),
            FlowRecord::ExtendedSwitch(x) => x.encode(out),
            FlowRecord::ExtendedRouter(x) => x.encode(out),
            FlowRecord::ExtendedGateway(x) => x.encode(out),
            FlowRecord::Unknown(u) => out.put_slice(&u.body),
        }
        xdr::end_tlv(out, at);
    }
}

/// `sampled_header` (0:1): the first bytes of the sampled packet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct SampledHeader {
    /// What the header bytes start with.
    pub protocol: HeaderProtocol,
    /// Length of the original frame (OVS counts the 4 FCS bytes).
    pub frame_length: u32,
    /// Bytes removed before sampling (FCS, encapsulation).
    pub stripped: u32,
    /// The header bytes (at most what the agent was configured to copy, e.g. 128).
    #[serde(with = "crate::serde_hex")]
    pub header: Bytes,
}

impl SampledHeader {
    /// Decode the body of a 0:1 record.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let protocol = HeaderProtocol::from_u32(r.u32("sampled_header.header_protocol")?);
        let frame_length = r.u32("sampled_header.frame_length")?;
        let stripped = r.u32("sampled_header.stripped")?;
        let header = xdr::read_opaque(r, "sampled_header.header_length", "sampled_header.header")?;
        Ok(SampledHeader {
            protocol,
            frame_length,
            stripped,
            header,
        })
    }

    /// Encode the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.protocol.to_u32());
        out.put_u32(self.frame_length);
        out.put_u32(self.stripped);
        xdr::put_opaque(out, &self.header);
    }

    /// Decode the header bytes (Ethernet, VLAN, IP, TCP/UDP/ICMP) as far as they go.
    pub fn decode_header(&self) -> DecodedHeader {
        DecodedHeader::parse(self.protocol, &self.header)
    }
}

/// JSON shows the decoded fields next to the raw bytes, so `--json` output is useful as is.
impl serde::Serialize for SampledHeader {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        struct Hex<'a>(&'a Bytes);
        impl serde::Serialize for Hex<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                crate::serde_hex::serialize(self.0, s)
            }
        }
        let mut st = s.serialize_struct("SampledHeader", 5)?;
        st.serialize_field("protocol", &self.protocol)?;
        st.serialize_field("frame_length", &self.frame_length)?;
        st.serialize_field("stripped", &self.stripped)?;
        st.serialize_field("header", &Hex(&self.header))?;
        st.serialize_field("decoded", &self.decode_header())?;
        st.end()
    }
}

/// `sampled_ethernet` (0:2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SampledEthernet {
    /// Frame length (without FCS per spec; agents vary).
    pub length: u32,
    /// Source MAC.
    pub src_mac: MacAddr,
    /// Destination MAC.
    pub dst_mac: MacAddr,
    /// EtherType.
    pub eth_type: u32,
}

impl SampledEthernet {
    /// Decode the body of a 0:2 record.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let length = r.u32("sampled_ethernet.length")?;
        let src: [u8; 8] = r.array("sampled_ethernet.src_mac")?;
        let dst: [u8; 8] = r.array("sampled_ethernet.dst_mac")?;
        let eth_type = r.u32("sampled_ethernet.type")?;
        Ok(SampledEthernet {
            length,
            src_mac: MacAddr([src[0], src[1], src[2], src[3], src[4], src[5]]),
            dst_mac: MacAddr([dst[0], dst[1], dst[2], dst[3], dst[4], dst[5]]),
            eth_type,
        })
    }

    /// Encode the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.length);
        out.put_slice(&self.src_mac.0);
        out.put_bytes(0, 2);
        out.put_slice(&self.dst_mac.0);
        out.put_bytes(0, 2);
        out.put_u32(self.eth_type);
    }
}

/// `sampled_ipv4` (0:3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SampledIpv4 {
    /// IP packet length.
    pub length: u32,
    /// IP protocol.
    pub protocol: u32,
    /// Source address.
    pub src_ip: Ipv4Addr,
    /// Destination address.
    pub dst_ip: Ipv4Addr,
    /// TCP/UDP source port.
    pub src_port: u32,
    /// TCP/UDP destination port.
    pub dst_port: u32,
    /// TCP flags.
    pub tcp_flags: u32,
    /// IP type of service.
    pub tos: u32,
}

impl SampledIpv4 {
    /// Decode the body of a 0:3 record.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(SampledIpv4 {
            length: r.u32("sampled_ipv4.length")?,
            protocol: r.u32("sampled_ipv4.protocol")?,
            src_ip: Ipv4Addr::from(r.array::<4>("sampled_ipv4.src_ip")?),
            dst_ip: Ipv4Addr::from(r.array::<4>("sampled_ipv4.dst_ip")?),
            src_port: r.u32("sampled_ipv4.src_port")?,
            dst_port: r.u32("sampled_ipv4.dst_port")?,
            tcp_flags: r.u32("sampled_ipv4.tcp_flags")?,
            tos: r.u32("sampled_ipv4.tos")?,
        })
    }

    /// Encode the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.length);
        out.put_u32(self.protocol);
        out.put_slice(&self.src_ip.octets());
        out.put_slice(&self.dst_ip.octets());
        out.put_u32(self.src_port);
        out.put_u32(self.dst_port);
        out.put_u32(self.tcp_flags);
        out.put_u32(self.tos);
    }
}

/// `sampled_ipv6` (0:4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SampledIpv6 {
    /// IP packet length.
    pub length: u32,
    /// Next header.
    pub protocol: u32,
    /// Source address.
    pub src_ip: Ipv6Addr,
    /// Destination address.
    pub dst_ip: Ipv6Addr,
    /// TCP/UDP source port.
    pub src_port: u32,
    /// TCP/UDP destination port.
    pub dst_port: u32,
    /// TCP flags.
    pub tcp_flags: u32,
    /// IP priority.
    pub priority: u32,
}

impl SampledIpv6 {
    /// Decode the body of a 0:4 record.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(SampledIpv6 {
            length: r.u32("sampled_ipv6.length")?,
            protocol: r.u32("sampled_ipv6.protocol")?,
            src_ip: Ipv6Addr::from(r.array::<16>("sampled_ipv6.src_ip")?),
            dst_ip: Ipv6Addr::from(r.array::<16>("sampled_ipv6.dst_ip")?),
            src_port: r.u32("sampled_ipv6.src_port")?,
            dst_port: r.u32("sampled_ipv6.dst_port")?,
            tcp_flags: r.u32("sampled_ipv6.tcp_flags")?,
            priority: r.u32("sampled_ipv6.priority")?,
        })
    }

    /// Encode the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.length);
        out.put_u32(self.protocol);
        out.put_slice(&self.src_ip.octets());
        out.put_slice(&self.dst_ip.octets());
        out.put_u32(self.src_port);
        out.put_u32(self.dst_port);
        out.put_u32(self.tcp_flags);
        out.put_u32(self.priority);
    }
}

/// `extended_switch` (0:1001): 802.1Q VLANs and priorities on the way in and out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExtendedSwitch {
    /// Incoming VLAN.
    pub src_vlan: u32,
    /// Incoming priority.
    pub src_priority: u32,
    /// Outgoing VLAN.
    pub dst_vlan: u32,
    /// Outgoing priority.
    pub dst_priority: u32,
}

impl ExtendedSwitch {
    /// Decode the body of a 0:1001 record.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ExtendedSwitch {
            src_vlan: r.u32("extended_switch.src_vlan")?,
            src_priority: r.u32("extended_switch.src_priority")?,
            dst_vlan: r.u32("extended_switch.dst_vlan")?,
            dst_priority: r.u32("extended_switch.dst_priority")?,
        })
    }

    /// Encode the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.src_vlan);
        out.put_u32(self.src_priority);
        out.put_u32(self.dst_vlan);
        out.put_u32(self.dst_priority);
    }
}

/// `extended_router` (0:1002).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExtendedRouter {
    /// Next hop (`None` = address type 0, unknown).
    pub next_hop: Option<std::net::IpAddr>,
    /// Source prefix length.
    pub src_mask_len: u32,
    /// Destination prefix length.
    pub dst_mask_len: u32,
}

impl ExtendedRouter {
    /// Decode the body of a 0:1002 record.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ExtendedRouter {
            next_hop: xdr::read_address(r, "extended_router.nexthop")?,
            src_mask_len: r.u32("extended_router.src_mask_len")?,
            dst_mask_len: r.u32("extended_router.dst_mask_len")?,
        })
    }

    /// Encode the body.
    pub fn encode(&self, out: &mut BytesMut) {
        xdr::put_address(out, self.next_hop);
        out.put_u32(self.src_mask_len);
        out.put_u32(self.dst_mask_len);
    }
}

/// One `as_path_type` segment of an extended gateway record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AsPathSegment {
    /// 1 = AS_SET (unordered), 2 = AS_SEQUENCE (ordered).
    pub kind: u32,
    /// The AS numbers.
    pub asns: Vec<u32>,
}

/// `extended_gateway` (0:1003): BGP routing information.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExtendedGateway {
    /// BGP next hop.
    pub next_hop: Option<std::net::IpAddr>,
    /// This router's AS.
    pub as_number: u32,
    /// Source AS.
    pub src_as: u32,
    /// Source peer AS.
    pub src_peer_as: u32,
    /// Path to the destination.
    pub dst_as_path: Vec<AsPathSegment>,
    /// BGP communities.
    pub communities: Vec<u32>,
    /// BGP local preference.
    pub local_pref: u32,
}

/// Read a `u32<>` array; the count is checked against the bytes that remain first, so a
/// huge count cannot make us allocate or loop.
fn read_u32_array(
    r: &mut Reader<'_>,
    count_field: &'static str,
    field: &'static str,
) -> Result<Vec<u32>, DecodeError> {
    let at = r.offset();
    let n = r.u32(count_field)? as usize;
    if n > r.remaining() / 4 {
        return Err(r.error_at(at, count_field, DecodeErrorKind::BadLength { value: n }));
    }
    (0..n).map(|_| r.u32(field)).collect()
}

impl ExtendedGateway {
    /// Decode the body of a 0:1003 record.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let next_hop = xdr::read_address(r, "extended_gateway.nexthop")?;
        let as_number = r.u32("extended_gateway.as")?;
        let src_as = r.u32("extended_gateway.src_as")?;
        let src_peer_as = r.u32("extended_gateway.src_peer_as")?;
        let at = r.offset();
        let segments = r.u32("extended_gateway.dst_as_path_segments")? as usize;
        // Each segment is at least 8 bytes (type, count).
        if segments > r.remaining() / 8 {
            return Err(r.error_at(
                at,
                "extended_gateway.dst_as_path_segments",
                DecodeErrorKind::BadLength { value: segments },
            ));
        }
        let mut dst_as_path = Vec::with_capacity(segments);
        for _ in 0..segments {
            let kind = r.u32("as_path_type.type")?;
            let asns = read_u32_array(r, "as_path_type.length", "as_path_type.as_number")?;
            dst_as_path.push(AsPathSegment { kind, asns });
        }
        let communities = read_u32_array(
            r,
            "extended_gateway.communities_length",
            "extended_gateway.communities",
        )?;
        let local_pref = r.u32("extended_gateway.localpref")?;
        Ok(ExtendedGateway {
            next_hop,
            as_number,
            src_as,
            src_peer_as,
            dst_as_path,
            communities,
            local_pref,
        })
    }

    /// Encode the body.
    pub fn encode(&self, out: &mut BytesMut) {
        xdr::put_address(out, self.next_hop);
        out.put_u32(self.as_number);
        out.put_u32(self.src_as);
        out.put_u32(self.src_peer_as);
        out.put_u32(self.dst_as_path.len() as u32);
        for seg in &self.dst_as_path {
            out.put_u32(seg.kind);
            out.put_u32(seg.asns.len() as u32);
            for a in &seg.asns {
                out.put_u32(*a);
            }
        }
        out.put_u32(self.communities.len() as u32);
        for c in &self.communities {
            out.put_u32(*c);
        }
        out.put_u32(self.local_pref);
    }

    /// Encoded body size.
    pub fn encoded_len(&self) -> usize {
        let path: usize = self.dst_as_path.iter().map(|s| 8 + 4 * s.asns.len()).sum();
        address_len(self.next_hop) + 12 + 4 + path + 4 + 4 * self.communities.len() + 4
    }

    /// The destination AS: the last AS of the path (sflowtool's `dst_as`).
    pub fn dst_as(&self) -> Option<u32> {
        self.dst_as_path.last().and_then(|s| s.asns.last()).copied()
    }

    /// The destination peer AS: the first AS of the path (sflowtool's `dst_peer_as`).
    pub fn dst_peer_as(&self) -> Option<u32> {
        self.dst_as_path
            .first()
            .and_then(|s| s.asns.first())
            .copied()
    }
}

#[cfg(test)]
#[path = "flow_record_tests.rs"]
mod tests;
