//! From `proto::sflow` datagrams to the engine's inputs.
//!
//! Uses the decoder's allocation-light [`DatagramView`]: samples and records are decoded
//! as they are iterated. A datagram is all or nothing: if any sample or record fails to
//! decode, none of its samples reach the engine (the header, if it parsed, still counts
//! for the agent's sequence accounting) and the error is returned for counting.

use std::net::IpAddr;

use bytes::Bytes;
use proto::sflow::{
    CounterRecord, DatagramView, FlowRecord, FlowSampleView, Interface, SampleView, UnknownRecord,
};
use proto::{DatapathId, DecodeError};

use super::engine::Engine;
use super::sample::{DatagramMeta, IfRef, PacketSample, PortCounters};

/// OVS counter record 0:1004, `of_port`: datapath id (u64) + OpenFlow port (u32).
const OF_PORT: u32 = 1004;
/// OVS counter record 0:1005, `port_name`: XDR string.
const PORT_NAME: u32 = 1005;

/// What one datagram contained.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedSummary {
    /// Flow samples fed.
    pub flow_samples: u32,
    /// Counter samples fed.
    pub counter_samples: u32,
}

/// Decodes `buf` (one UDP payload from `peer`) and feeds it to `engine`. On a decode error
/// the error is returned after counting it against the agent (or the peer, if the header
/// itself did not parse).
pub fn feed_datagram(
    engine: &mut Engine,
    now: u64,
    peer: IpAddr,
    buf: &Bytes,
) -> Result<FeedSummary, DecodeError> {
    let view = match DatagramView::parse(buf) {
        Ok(v) => v,
        Err(e) => {
            engine.handle_parse_error(now, peer);
            return Err(e);
        }
    };
    let agent = view.agent.unwrap_or(peer);
    // The engine's buffer, reused from datagram to datagram: no allocation per datagram.
    let mut flows = std::mem::take(&mut engine.sample_buf);
    flows.clear();
    let mut counters = Vec::new();
    let mut failed = None;
    for s in view.samples() {
        match s {
            Ok(SampleView::Flow(f)) => match packet_sample(agent, view.sub_agent_id, &f) {
                Ok(p) => flows.push(p),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            },
            Ok(SampleView::Counter(c)) => {
                let mut pc = PortCounters {
                    agent,
                    ifindex: c.source_id.index,
                    openflow_port: None,
                    port_name: None,
                };
                for r in c.records.iter() {
                    match r {
                        Ok(CounterRecord::Unknown(u)) => ovs_port_record(&u, &mut pc),
                        Ok(_) => {}
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
                counters.push(pc);
            }
            Ok(SampleView::Unknown(_)) => {}
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
        if failed.is_some() {
            break;
        }
    }
    let summary = FeedSummary {
        flow_samples: flows.len() as u32,
        counter_samples: counters.len() as u32,
    };
    engine.handle_datagram_meta(
        now,
        &DatagramMeta {
            agent,
            sub_agent: view.sub_agent_id,
            sequence: view.sequence_number,
            uptime_ms: view.uptime_ms,
            flow_samples: if failed.is_some() {
                0
            } else {
                summary.flow_samples
            },
            counter_samples: if failed.is_some() {
                0
            } else {
                summary.counter_samples
            },
            bytes: buf.len(),
        },
    );
    if let Some(e) = failed {
        engine.handle_parse_error(now, agent);
        engine.sample_buf = flows;
        return Err(e);
    }
    for c in &counters {
        engine.handle_counters(now, c);
    }
    for p in &flows {
        engine.handle_sample(now, p);
    }
    engine.sample_buf = flows;
    Ok(summary)
}

fn if_ref(i: Interface) -> Option<IfRef> {
    match i {
        Interface::Index(0) => None,
        Interface::Index(n) => Some(IfRef::Index(n)),
        Interface::Internal => Some(IfRef::Internal),
        Interface::Discarded { reason } => Some(IfRef::Discard(reason)),
        Interface::Multiple { count } => Some(IfRef::Multiple(count)),
        Interface::Other { .. } => None,
    }
}

/// Flattens one flow sample. The raw header record wins; the decoded-fields records
/// (0:2 Ethernet, 0:3 IPv4, 0:4 IPv6) fill what it did not give, and extended switch
/// (0:1001) gives the VLAN when the header had no tag.
pub fn packet_sample(
    agent: IpAddr,
    sub_agent: u32,
    f: &FlowSampleView<'_>,
) -> Result<PacketSample, DecodeError> {
    let mut p = PacketSample::new(agent);
    p.sub_agent = sub_agent;
    p.input = if_ref(f.input);
    p.output = if_ref(f.output);
    // The data source is the sampled port. OVS samples with one bridge-wide sampler
    // (source 0:1000 in OVS 3.1) that names no port: like sFlow-RT, attribute such samples
    // to the ingress interface, so that the data source names the port the traffic
    // entered by. A source that is one of the packet's own ports is kept as sent.
    let ds = f.source_id.index;
    let is_port = |r: Option<IfRef>| r == Some(IfRef::Index(ds));
    p.source_id = match p.input {
        Some(IfRef::Index(i)) if !is_port(p.input) && !is_port(p.output) => i,
        _ => ds,
    };
    p.sampling_rate = f.sampling_rate;
    p.sample_pool = f.sample_pool;
    p.drops = f.drops;
    let mut switch_vlan = None;
    for r in f.records.iter() {
        match r? {
            FlowRecord::SampledHeader(h) => {
                let d = h.decode_header();
                p.frame_length = h.frame_length;
                p.src_mac = d.src_mac;
                p.dst_mac = d.dst_mac;
                p.vlan = d.vlan;
                p.ethertype = d.ethertype;
                p.ip_src = d.ip_src;
                p.ip_dst = d.ip_dst;
                p.ip_protocol = d.ip_protocol;
                p.tos = d.ip_tos;
                p.src_port = d.src_port;
                p.dst_port = d.dst_port;
                p.tcp_flags = d.tcp_flags;
                p.icmp_type = d.icmp_type;
                p.icmp_code = d.icmp_code;
            }
            FlowRecord::SampledEthernet(e) => {
                p.frame_length = nonzero_or(p.frame_length, e.length);
                p.src_mac = p.src_mac.or(Some(e.src_mac));
                p.dst_mac = p.dst_mac.or(Some(e.dst_mac));
                p.ethertype = p.ethertype.or(u16::try_from(e.eth_type).ok());
            }
            FlowRecord::SampledIpv4(ip) => {
                p.frame_length = nonzero_or(p.frame_length, ip.length);
                p.ip_src = p.ip_src.or(Some(IpAddr::V4(ip.src_ip)));
                p.ip_dst = p.ip_dst.or(Some(IpAddr::V4(ip.dst_ip)));
                fill_l4(
                    &mut p,
                    ip.protocol,
                    ip.src_port,
                    ip.dst_port,
                    ip.tcp_flags,
                    ip.tos,
                );
            }
            FlowRecord::SampledIpv6(ip) => {
                p.frame_length = nonzero_or(p.frame_length, ip.length);
                p.ip_src = p.ip_src.or(Some(IpAddr::V6(ip.src_ip)));
                p.ip_dst = p.ip_dst.or(Some(IpAddr::V6(ip.dst_ip)));
                fill_l4(
                    &mut p,
                    ip.protocol,
                    ip.src_port,
                    ip.dst_port,
                    ip.tcp_flags,
                    ip.priority,
                );
            }
            FlowRecord::ExtendedSwitch(s) => {
                switch_vlan = u16::try_from(s.src_vlan).ok().filter(|v| *v != 0);
            }
            _ => {}
        }
    }
    p.vlan = p.vlan.or(switch_vlan);
    Ok(p)
}

fn nonzero_or(cur: u32, new: u32) -> u32 {
    if cur == 0 {
        new
    } else {
        cur
    }
}

fn fill_l4(p: &mut PacketSample, proto: u32, sport: u32, dport: u32, flags: u32, tos: u32) {
    if p.ip_protocol.is_some() {
        return;
    }
    p.ip_protocol = u8::try_from(proto).ok();
    p.tos = u8::try_from(tos).ok();
    match p.ip_protocol {
        Some(6) | Some(17) => {
            p.src_port = u16::try_from(sport).ok();
            p.dst_port = u16::try_from(dport).ok();
            if p.ip_protocol == Some(6) {
                p.tcp_flags = u8::try_from(flags).ok();
            }
        }
        Some(1) | Some(58) => {
            // sFlow puts the ICMP type and code in the port fields.
            p.icmp_type = u8::try_from(sport).ok();
            p.icmp_code = u8::try_from(dport).ok();
        }
        _ => {}
    }
}

/// Reads OVS's 1004 (`of_port`) and 1005 (`port_name`) counter records. Malformed bodies
/// are ignored: these records only improve the ifIndex map.
fn ovs_port_record(u: &UnknownRecord, pc: &mut PortCounters) {
    if u.enterprise != 0 {
        return;
    }
    let b = &u.body;
    let be32 = |at: usize| -> Option<u32> {
        b.get(at..at + 4)
            .and_then(|s| <[u8; 4]>::try_from(s).ok())
            .map(u32::from_be_bytes)
    };
    match u.format {
        OF_PORT => {
            let dpid = b
                .get(0..8)
                .and_then(|s| <[u8; 8]>::try_from(s).ok())
                .map(u64::from_be_bytes);
            if let (Some(dpid), Some(port)) = (dpid, be32(8)) {
                pc.openflow_port = Some((DatapathId(dpid), port));
            }
        }
        PORT_NAME => {
            let Some(len) = be32(0) else { return };
            let name = usize::try_from(len)
                .ok()
                .filter(|l| *l <= 255)
                .and_then(|l| b.get(4..4 + l))
                .and_then(|s| std::str::from_utf8(s).ok());
            if let Some(n) = name.filter(|n| !n.is_empty()) {
                pc.port_name = Some(n.to_string());
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;
    use proto::sflow::{
        DataSource, Datagram, FlowSample, HeaderProtocol, Sample, SampledHeader, UnknownCounts,
    };

    use super::*;
    use crate::collector::flow_def::FlowDefConfig;

    /// One datagram with one flow sample from data source 0:`ds` (a 60-byte frame).
    fn datagram(ds: u32, input: Interface, output: Interface) -> Bytes {
        let mut frame = vec![0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00];
        frame.resize(60, 0);
        let d = Datagram {
            agent: Some(IpAddr::from([10, 0, 0, 254])),
            sub_agent_id: 1,
            sequence_number: 1,
            uptime_ms: 1,
            samples: vec![Sample::Flow(FlowSample {
                expanded: false,
                sequence_number: 1,
                source_id: DataSource {
                    source_type: 0,
                    index: ds,
                },
                sampling_rate: 1,
                sample_pool: 1,
                drops: 0,
                input,
                output,
                records: vec![FlowRecord::SampledHeader(SampledHeader {
                    protocol: HeaderProtocol::Ethernet,
                    frame_length: 64,
                    stripped: 4,
                    header: Bytes::from(frame),
                })],
            })],
            unknown: UnknownCounts::default(),
        };
        let mut out = BytesMut::new();
        d.encode(&mut out);
        out.freeze()
    }

    /// The top flow of `{"keys": keys}` after one datagram.
    fn top(keys: &str, dgram: &Bytes) -> (String, String) {
        let mut e = Engine::new();
        let cfg: FlowDefConfig =
            serde_json::from_str(&format!(r#"{{"keys":"{keys}","value":"frames"}}"#)).unwrap();
        e.set_flow("f", &cfg).unwrap();
        let peer = IpAddr::from([127, 0, 0, 1]);
        feed_datagram(&mut e, 1000, peer, dgram).unwrap();
        let flows = e.top_flows(1000, "f", 1).unwrap();
        let f = flows.first().expect("one flow");
        (f.key.clone(), f.data_source.clone())
    }

    #[test]
    fn output_interface_reaches_outputifindex() {
        let keys = "inputifindex,outputifindex";
        let d = datagram(1000, Interface::Index(3), Interface::Index(9));
        assert_eq!(top(keys, &d), ("3,9".into(), "3".into()));
        let d = datagram(
            1000,
            Interface::Index(3),
            Interface::Discarded { reason: 5 },
        );
        assert_eq!(top(keys, &d).0, "3,discard");
        let d = datagram(1000, Interface::Index(3), Interface::Multiple { count: 2 });
        assert_eq!(top(keys, &d).0, "3,multiple");
    }

    #[test]
    fn data_source_is_the_ingress_port_unless_the_sampler_is_one_of_its_ports() {
        // OVS's bridge-wide sampler (0:1000): attributed to the ingress port
        let d = datagram(1000, Interface::Index(3), Interface::Index(9));
        assert_eq!(top("ethernetprotocol", &d).1, "3");
        // an egress sampler on port 9 keeps its own data source
        let d = datagram(9, Interface::Index(3), Interface::Index(9));
        assert_eq!(top("ethernetprotocol", &d).1, "9");
    }
}
