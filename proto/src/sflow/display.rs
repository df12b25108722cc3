//! Readable text form of a datagram (what `tapdemon sflow-print` shows without `--json`).
//!
//! ```text
//! sflow agent 10.0.0.1 sub 0 seq 415 uptime 1732106000ms samples 2
//!   flow_sample seq 791 source 0:27 rate 1024 pool 41 drops 0 in 27 out internal
//!     sampled_header ethernet frame 106 stripped 4 header 102B: 4c:.. > 00:.. vlan 100 ...
//!     extended_switch vlan 100/0 > 100/0
//!   counter_sample seq 8485 source 0:1036
//!     if_counters ifindex 1036 type 6 speed 100000000 direction 1 status 3 in octets ...
//! ```

use std::fmt;

use super::counter_record::CounterRecord;
use super::counter_sample::CounterSample;
use super::datagram::{Datagram, Sample};
use super::flow_record::FlowRecord;
use super::flow_sample::FlowSample;
use super::UnknownRecord;

impl fmt::Display for Datagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.agent {
            Some(a) => write!(f, "sflow agent {a}")?,
            None => f.write_str("sflow agent unknown")?,
        }
        write!(
            f,
            " sub {} seq {} uptime {}ms samples {}",
            self.sub_agent_id,
            self.sequence_number,
            self.uptime_ms,
            self.samples.len()
        )?;
        let u = self.unknown;
        if u.samples + u.flow_records + u.counter_records > 0 {
            write!(
                f,
                " (unknown: {} samples, {} flow records, {} counter records)",
                u.samples, u.flow_records, u.counter_records
            )?;
        }
        for s in &self.samples {
            writeln!(f)?;
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Sample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sample::Flow(s) => write!(f, "{s}"),
            Sample::Counter(s) => write!(f, "{s}"),
            Sample::Unknown(u) => write!(f, "  unknown_sample {}", UnknownDisplay(u)),
        }
    }
}

impl fmt::Display for FlowSample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "  {} seq {} source {} rate {} pool {} drops {} in {} out {}",
            if self.expanded {
                "flow_sample_expanded"
            } else {
                "flow_sample"
            },
            self.sequence_number,
            self.source_id,
            self.sampling_rate,
            self.sample_pool,
            self.drops,
            self.input,
            self.output
        )?;
        for r in &self.records {
            write!(f, "\n    {r}")?;
        }
        Ok(())
    }
}

impl fmt::Display for CounterSample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "  {} seq {} source {}",
            if self.expanded {
                "counters_sample_expanded"
            } else {
                "counters_sample"
            },
            self.sequence_number,
            self.source_id
        )?;
        for r in &self.records {
            write!(f, "\n    {r}")?;
        }
        Ok(())
    }
}

struct UnknownDisplay<'a>(&'a UnknownRecord);

impl fmt::Display for UnknownDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{} ({} bytes)",
            self.0.enterprise,
            self.0.format,
            self.0.body.len()
        )
    }
}

fn opt_ip(a: Option<std::net::IpAddr>) -> String {
    a.map_or_else(|| "unknown".to_string(), |a| a.to_string())
}

impl fmt::Display for FlowRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        match self {
            FlowRecord::SampledHeader(h) => {
                let proto = match h.protocol {
                    super::HeaderProtocol::Ethernet => "ethernet".to_string(),
                    super::HeaderProtocol::Ipv4 => "ipv4".to_string(),
                    super::HeaderProtocol::Ipv6 => "ipv6".to_string(),
                    super::HeaderProtocol::Other(n) => format!("protocol {n}"),
                };
                write!(
                    f,
                    " {proto} frame {} stripped {} header {}B: {}",
                    h.frame_length,
                    h.stripped,
                    h.header.len(),
                    h.decode_header()
                )
            }
            FlowRecord::SampledEthernet(e) => write!(
                f,
                " length {} {} > {} type 0x{:04x}",
                e.length, e.src_mac, e.dst_mac, e.eth_type
            ),
            FlowRecord::SampledIpv4(x) => write!(
                f,
                " length {} {}.{} > {}.{} proto {} flags 0x{:02x} tos 0x{:02x}",
                x.length,
                x.src_ip,
                x.src_port,
                x.dst_ip,
                x.dst_port,
                x.protocol,
                x.tcp_flags,
                x.tos
            ),
            FlowRecord::SampledIpv6(x) => write!(
                f,
                " length {} {}.{} > {}.{} proto {} flags 0x{:02x} priority {}",
                x.length,
                x.src_ip,
                x.src_port,
                x.dst_ip,
                x.dst_port,
                x.protocol,
                x.tcp_flags,
                x.priority
            ),
            FlowRecord::ExtendedSwitch(s) => write!(
                f,
                " vlan {}/{} > {}/{}",
                s.src_vlan, s.src_priority, s.dst_vlan, s.dst_priority
            ),
            FlowRecord::ExtendedRouter(r) => write!(
                f,
                " next_hop {} src_mask {} dst_mask {}",
                opt_ip(r.next_hop),
                r.src_mask_len,
                r.dst_mask_len
            ),
            FlowRecord::ExtendedGateway(g) => {
                write!(
                    f,
                    " next_hop {} as {} src_as {} src_peer_as {} path",
                    opt_ip(g.next_hop),
                    g.as_number,
                    g.src_as,
                    g.src_peer_as
                )?;
                for seg in &g.dst_as_path {
                    let (open, close) = if seg.kind == 1 { ("{", "}") } else { ("", "") };
                    f.write_str(" ")?;
                    f.write_str(open)?;
                    for (i, a) in seg.asns.iter().enumerate() {
                        write!(f, "{}{a}", if i == 0 { "" } else { " " })?;
                    }
                    f.write_str(close)?;
                }
                write!(
                    f,
                    " communities {:?} localpref {}",
                    g.communities, g.local_pref
                )
            }
            FlowRecord::Unknown(u) => write!(f, " {}", UnknownDisplay(u)),
        }
    }
}

impl fmt::Display for CounterRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        match self {
            CounterRecord::Generic(c) => write!(
                f,
                " ifindex {} type {} speed {} direction {} status {} \
                 in octets {} ucast {} mcast {} bcast {} discards {} errors {} unknown {} \
                 out octets {} ucast {} mcast {} bcast {} discards {} errors {} promisc {}",
                c.if_index,
                c.if_type,
                c.if_speed,
                c.if_direction,
                c.if_status,
                c.in_octets,
                c.in_ucast_pkts,
                c.in_multicast_pkts,
                c.in_broadcast_pkts,
                c.in_discards,
                c.in_errors,
                c.in_unknown_protos,
                c.out_octets,
                c.out_ucast_pkts,
                c.out_multicast_pkts,
                c.out_broadcast_pkts,
                c.out_discards,
                c.out_errors,
                c.promiscuous_mode
            ),
            CounterRecord::Ethernet(e) => write!(
                f,
                " align {} fcs {} single_coll {} multi_coll {} sqe {} deferred {} late_coll {} \
                 excess_coll {} mac_tx {} carrier {} too_long {} mac_rx {} symbol {}",
                e.alignment_errors,
                e.fcs_errors,
                e.single_collision_frames,
                e.multiple_collision_frames,
                e.sqe_test_errors,
                e.deferred_transmissions,
                e.late_collisions,
                e.excessive_collisions,
                e.internal_mac_transmit_errors,
                e.carrier_sense_errors,
                e.frame_too_longs,
                e.internal_mac_receive_errors,
                e.symbol_errors
            ),
            CounterRecord::Processor(p) => write!(
                f,
                " cpu {}.{:02}% {}.{:02}% {}.{:02}% memory {} free {}",
                p.cpu_5s / 100,
                p.cpu_5s % 100,
                p.cpu_1m / 100,
                p.cpu_1m % 100,
                p.cpu_5m / 100,
                p.cpu_5m % 100,
                p.total_memory,
                p.free_memory
            ),
            CounterRecord::Unknown(u) => write!(f, " {}", UnknownDisplay(u)),
        }
    }
}
