//! The engine's inputs: one sampled packet, one port's counter facts, one datagram's header.
//!
//! These are flat, decoder-independent values: the adapter in [`super::adapter`] builds them
//! from `proto::sflow` datagrams, and tests build them by hand.

use std::fmt;
use std::net::IpAddr;

use proto::{DatapathId, MacAddr};

/// An sFlow interface reference (`input`/`output` of a flow sample, sFlow v5 section 5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IfRef {
    /// A single interface, by ifIndex.
    Index(u32),
    /// The packet was dropped (format 1), with the reason code.
    Discard(u32),
    /// Sent to several interfaces (format 2), with the count (0 = unknown).
    Multiple(u32),
    /// The switch itself (0x3FFFFFFF).
    Internal,
}

impl IfRef {
    /// The ifIndex, for a single interface.
    pub fn index(self) -> Option<u32> {
        match self {
            IfRef::Index(i) => Some(i),
            _ => None,
        }
    }
}

impl fmt::Display for IfRef {
    /// sFlow-RT's spelling for `inputifindex`/`outputifindex` values: the number, or
    /// `discard`, `multiple`, `internal` (filters like `outputifindex!=discard` rely on it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IfRef::Index(i) => write!(f, "{i}"),
            IfRef::Discard(_) => f.write_str("discard"),
            IfRef::Multiple(_) => f.write_str("multiple"),
            IfRef::Internal => f.write_str("internal"),
        }
    }
}

/// One sampled packet, flattened: where it was sampled, how it was scaled, and the decoded
/// header fields (`None` when the header did not carry that layer).
#[derive(Debug, Clone, PartialEq)]
pub struct PacketSample {
    /// The sFlow agent address (from the datagram header).
    pub agent: IpAddr,
    /// The datagram's sub-agent id (OVS: one per bridge).
    pub sub_agent: u32,
    /// The data source's ifIndex: the flow sample's `source_id` index when it is one of
    /// the packet's ports, else the input ifIndex (OVS's bridge-wide sampler, see
    /// [`crate::collector::adapter::packet_sample`]).
    pub source_id: u32,
    /// The interface the packet came in on.
    pub input: Option<IfRef>,
    /// The interface it went out of.
    pub output: Option<IfRef>,
    /// 1-in-N sampling; a sample stands for N packets. 0 is treated as 1.
    pub sampling_rate: u32,
    /// Packets that could have been sampled (sFlow `sample_pool`).
    pub sample_pool: u32,
    /// Samples dropped by the agent for lack of resources.
    pub drops: u32,
    /// The original frame length in bytes (as the agent reports it).
    pub frame_length: u32,
    /// Ethernet source.
    pub src_mac: Option<MacAddr>,
    /// Ethernet destination.
    pub dst_mac: Option<MacAddr>,
    /// Outer 802.1Q VLAN id.
    pub vlan: Option<u16>,
    /// The EtherType after any VLAN tags.
    pub ethertype: Option<u16>,
    /// IPv4 or IPv6 source.
    pub ip_src: Option<IpAddr>,
    /// IPv4 or IPv6 destination.
    pub ip_dst: Option<IpAddr>,
    /// IP protocol / IPv6 next header.
    pub ip_protocol: Option<u8>,
    /// IPv4 TOS / IPv6 traffic class byte.
    pub tos: Option<u8>,
    /// TCP or UDP source port.
    pub src_port: Option<u16>,
    /// TCP or UDP destination port.
    pub dst_port: Option<u16>,
    /// TCP flags byte (present only for TCP).
    pub tcp_flags: Option<u8>,
    /// ICMP / ICMPv6 type.
    pub icmp_type: Option<u8>,
    /// ICMP / ICMPv6 code.
    pub icmp_code: Option<u8>,
}

impl PacketSample {
    /// A sample from `agent` with every other field empty (sampling rate 1).
    pub fn new(agent: IpAddr) -> Self {
        PacketSample {
            agent,
            sub_agent: 0,
            source_id: 0,
            input: None,
            output: None,
            sampling_rate: 1,
            sample_pool: 0,
            drops: 0,
            frame_length: 0,
            src_mac: None,
            dst_mac: None,
            vlan: None,
            ethertype: None,
            ip_src: None,
            ip_dst: None,
            ip_protocol: None,
            tos: None,
            src_port: None,
            dst_port: None,
            tcp_flags: None,
            icmp_type: None,
            icmp_code: None,
        }
    }

    /// The sampling rate used for scaling: never 0.
    pub fn scale(&self) -> f64 {
        f64::from(self.sampling_rate.max(1))
    }

    /// True when the L4 ports are TCP ports.
    pub fn is_tcp(&self) -> bool {
        self.ip_protocol == Some(6)
    }

    /// True when the L4 ports are UDP ports.
    pub fn is_udp(&self) -> bool {
        self.ip_protocol == Some(17)
    }
}

/// What a counter sample says about one port, for the ifIndex map: OVS sends counter
/// record 1004 (OpenFlow port: dpid + port number) and 1005 (port name) with each port's
/// counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortCounters {
    /// The sFlow agent.
    pub agent: IpAddr,
    /// The data source ifIndex the counters are for.
    pub ifindex: u32,
    /// Record 1004, when present.
    pub openflow_port: Option<(DatapathId, u32)>,
    /// Record 1005, when present.
    pub port_name: Option<String>,
}

/// The header of one sFlow datagram, for per-agent accounting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatagramMeta {
    /// The agent address from the datagram.
    pub agent: IpAddr,
    /// Sub-agent id.
    pub sub_agent: u32,
    /// Datagram sequence number (per agent + sub-agent).
    pub sequence: u32,
    /// Agent uptime in ms (goes back to near 0 when the agent restarts).
    pub uptime_ms: u32,
    /// Flow samples in this datagram.
    pub flow_samples: u32,
    /// Counter samples in this datagram.
    pub counter_samples: u32,
    /// Datagram size in bytes.
    pub bytes: usize,
}
