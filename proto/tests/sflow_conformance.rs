//! sFlow conformance: every datagram of the third-party captures in
//! `$TAPDEMON_CONFORMANCE_DIR/sflow` (see its README.md) decodes, and agrees field by field
//! with InMon's sflowtool 6.11 (`oracle/sflowtool-6.11/*.json`, one JSON object per frame).
//! The inputs in `raw/negative/` must be rejected with an error, never a panic.

use std::collections::BTreeMap;
use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use etherparse::{LaxSlicedPacket, TransportSlice};
use pcap_file::pcap::PcapReader;
use pcap_file::DataLink;
use serde_json::Value;
use tapdemon_proto::sflow::{
    CounterRecord, Datagram, DecodedHeader, FlowRecord, Interface, Sample,
};

/// The datagrams the README lists as valid.
const EXPECTED_VALID: usize = 72;

fn corpus_dir() -> PathBuf {
    let base = match std::env::var_os("TAPDEMON_CONFORMANCE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"),
    };
    let dir = base.join("sflow");
    assert!(
        dir.join("README.md").is_file(),
        "sFlow conformance corpus not found at {} (expected README.md, pcaps and oracle/). \
         Point TAPDEMON_CONFORMANCE_DIR at the directory holding `sflow/` \
         (default: <workspace root>/../shared/conformance).",
        dir.display()
    );
    dir
}

/// UDP payloads of every frame of a pcap, in order (`None` for a frame with no UDP).
fn udp_payloads(path: &Path) -> Vec<Option<Vec<u8>>> {
    let file = fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = PcapReader::new(file).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let link = reader.header().datalink;
    let mut out = vec![];
    while let Some(pkt) = reader.next_packet() {
        let pkt = pkt.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let sliced = match link {
            DataLink::ETHERNET => LaxSlicedPacket::from_ethernet(&pkt.data).ok(),
            DataLink::RAW | DataLink::IPV4 | DataLink::IPV6 => {
                LaxSlicedPacket::from_ip(&pkt.data).ok()
            }
            other => panic!("{}: link type {other:?} not handled", path.display()),
        };
        out.push(sliced.and_then(|p| match p.transport {
            Some(TransportSlice::Udp(u)) => Some(u.payload().to_vec()),
            _ => None,
        }));
    }
    out
}

/// sflowtool -J writes one pretty-printed object per datagram, back to back.
fn oracle_objects(path: &Path) -> Vec<Value> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::Deserializer::from_str(&text)
        .into_iter::<Value>()
        .map(|v| v.unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

type Fields = BTreeMap<&'static str, String>;

/// Fields checked against the oracle, so the summary shows the comparison is not vacuous.
static COMPARED: AtomicUsize = AtomicUsize::new(0);

fn iface(i: Interface) -> String {
    match i {
        Interface::Index(v) => v.to_string(),
        Interface::Internal => "1073741823".into(),
        Interface::Discarded { reason } => format!("dropCode {reason}"),
        Interface::Multiple { count } => format!("multiple {count}"),
        Interface::Other { format, value } => format!("format=={format} {value}"),
    }
}

fn hex_mac(m: tapdemon_proto::MacAddr) -> String {
    m.0.iter().map(|b| format!("{b:02x}")).collect()
}

fn ports(f: &mut Fields, proto: u32, src: u32, dst: u32) {
    match proto {
        6 => {
            f.insert("TCPSrcPort", src.to_string());
            f.insert("TCPDstPort", dst.to_string());
        }
        17 => {
            f.insert("UDPSrcPort", src.to_string());
            f.insert("UDPDstPort", dst.to_string());
        }
        _ => {}
    }
}

/// The decoded header in sflowtool's key names.
fn header_fields(f: &mut Fields, d: &DecodedHeader) {
    let mut put = |k: &'static str, v: Option<String>| {
        if let Some(v) = v {
            f.insert(k, v);
        }
    };
    put("srcMAC", d.src_mac.map(hex_mac));
    put("dstMAC", d.dst_mac.map(hex_mac));
    put("decodedVLAN", d.vlan.map(|v| v.to_string()));
    put("decodedPriority", d.vlan_pcp.map(|v| v.to_string()));
    put("decodedVLAN.1", d.inner_vlan.map(|v| v.to_string()));
    if d.src_mac.is_some() {
        put("ethernet_type", d.ethertype.map(|v| v.to_string()));
    }
    let v6 = matches!(d.ip_src, Some(IpAddr::V6(_)));
    let (src_key, dst_key) = if v6 {
        ("srcIP6", "dstIP6")
    } else {
        ("srcIP", "dstIP")
    };
    put(src_key, d.ip_src.map(|a| a.to_string()));
    put(dst_key, d.ip_dst.map(|a| a.to_string()));
    put("IPProtocol", d.ip_protocol.map(|v| v.to_string()));
    put("IPTOS", d.ip_tos.map(|v| v.to_string()));
    put("IPTTL", d.ttl.map(|v| v.to_string()));
    if v6 {
        put("IP6_label", d.ipv6_flow_label.map(|v| format!("0x{v:x}")));
        put("IPV6_payloadLen", d.ip_len.map(|v| (v - 40).to_string()));
    } else {
        put("ip.tot_len", d.ip_len.map(|v| v.to_string()));
    }
    if let (Some(p), Some(s), Some(t)) = (d.ip_protocol, d.src_port, d.dst_port) {
        ports(f, u32::from(p), u32::from(s), u32::from(t));
    }
    if d.ip_protocol == Some(6) {
        if let Some(flags) = d.tcp_flags {
            f.insert("TCPFlags", flags.to_string());
        }
    }
    // sflowtool prints ICMP type/code for IPv4 only; it does not look inside ICMPv6.
    if d.ip_protocol == Some(1) {
        if let (Some(t), Some(c)) = (d.icmp_type, d.icmp_code) {
            f.insert("ICMPType", t.to_string());
            f.insert("ICMPCode", c.to_string());
        }
    }
}

fn flow_record_fields(r: &FlowRecord) -> Fields {
    let mut f = Fields::new();
    let fmt = r.data_format();
    f.insert("flowBlock_tag", format!("{}:{}", fmt >> 12, fmt & 0xfff));
    match r {
        FlowRecord::SampledHeader(h) => {
            f.insert("headerProtocol", h.protocol.to_u32().to_string());
            f.insert("sampledPacketSize", h.frame_length.to_string());
            f.insert("strippedBytes", h.stripped.to_string());
            f.insert("headerLen", h.header.len().to_string());
            let hex: Vec<String> = h.header.iter().map(|b| format!("{b:02X}")).collect();
            f.insert("headerBytes", hex.join("-"));
            header_fields(&mut f, &h.decode_header());
        }
        FlowRecord::SampledEthernet(e) => {
            f.insert("ethernet_type", e.eth_type.to_string());
            f.insert("ethernet_len", e.length.to_string());
            f.insert("ethernet_src", hex_mac(e.src_mac));
            f.insert("ethernet_dst", hex_mac(e.dst_mac));
        }
        FlowRecord::SampledIpv4(x) => {
            f.insert("sampledPacketSize", x.length.to_string());
            f.insert("IPSize", x.length.to_string());
            f.insert("srcIP", x.src_ip.to_string());
            f.insert("dstIP", x.dst_ip.to_string());
            f.insert("IPProtocol", x.protocol.to_string());
            f.insert("IPTOS", x.tos.to_string());
            ports(&mut f, x.protocol, x.src_port, x.dst_port);
            if x.protocol == 6 {
                f.insert("TCPFlags", x.tcp_flags.to_string());
            }
        }
        FlowRecord::SampledIpv6(x) => {
            f.insert("sampledPacketSize", x.length.to_string());
            f.insert("srcIP6", x.src_ip.to_string());
            f.insert("dstIP6", x.dst_ip.to_string());
            f.insert("IPProtocol", x.protocol.to_string());
            ports(&mut f, x.protocol, x.src_port, x.dst_port);
        }
        FlowRecord::ExtendedSwitch(s) => {
            f.insert("in_vlan", s.src_vlan.to_string());
            f.insert("in_priority", s.src_priority.to_string());
            f.insert("out_vlan", s.dst_vlan.to_string());
            f.insert("out_priority", s.dst_priority.to_string());
        }
        FlowRecord::ExtendedRouter(r) => {
            if let Some(a) = r.next_hop {
                f.insert("nextHop", a.to_string());
            }
            f.insert("srcSubnetMask", r.src_mask_len.to_string());
            f.insert("dstSubnetMask", r.dst_mask_len.to_string());
        }
        FlowRecord::ExtendedGateway(g) => {
            if let Some(a) = g.next_hop {
                f.insert("bgp_nexthop", a.to_string());
            }
            f.insert("my_as", g.as_number.to_string());
            f.insert("src_as", g.src_as.to_string());
            f.insert("src_peer_as", g.src_peer_as.to_string());
            let path: Vec<String> = g
                .dst_as_path
                .iter()
                .flat_map(|s| s.asns.iter().map(|a| a.to_string()))
                .collect();
            // sflowtool leaves out empty lists.
            if !path.is_empty() {
                f.insert("dst_as_path", path.join("-"));
            }
            f.insert("dst_as", g.dst_as().unwrap_or(0).to_string());
            f.insert("dst_peer_as", g.dst_peer_as().unwrap_or(0).to_string());
            let comms: Vec<String> = g.communities.iter().map(|c| c.to_string()).collect();
            if !comms.is_empty() {
                f.insert("BGP_communities", comms.join("-"));
            }
            f.insert("BGP_localpref", g.local_pref.to_string());
        }
        FlowRecord::Unknown(_) => {}
    }
    f
}

fn counter_record_fields(r: &CounterRecord) -> Fields {
    let mut f = Fields::new();
    let fmt = r.data_format();
    f.insert("counterBlock_tag", format!("{}:{}", fmt >> 12, fmt & 0xfff));
    let mut put = |k: &'static str, v: u64| {
        f.insert(k, v.to_string());
    };
    match r {
        CounterRecord::Generic(c) => {
            put("ifIndex", c.if_index.into());
            put("networkType", c.if_type.into());
            put("ifSpeed", c.if_speed);
            put("ifDirection", c.if_direction.into());
            put("ifStatus", c.if_status.into());
            put("ifInOctets", c.in_octets);
            put("ifInUcastPkts", c.in_ucast_pkts.into());
            put("ifInMulticastPkts", c.in_multicast_pkts.into());
            put("ifInBroadcastPkts", c.in_broadcast_pkts.into());
            put("ifInDiscards", c.in_discards.into());
            put("ifInErrors", c.in_errors.into());
            put("ifInUnknownProtos", c.in_unknown_protos.into());
            put("ifOutOctets", c.out_octets);
            put("ifOutUcastPkts", c.out_ucast_pkts.into());
            put("ifOutMulticastPkts", c.out_multicast_pkts.into());
            put("ifOutBroadcastPkts", c.out_broadcast_pkts.into());
            put("ifOutDiscards", c.out_discards.into());
            put("ifOutErrors", c.out_errors.into());
            put("ifPromiscuousMode", c.promiscuous_mode.into());
        }
        CounterRecord::Ethernet(e) => {
            put("dot3StatsAlignmentErrors", e.alignment_errors.into());
            put("dot3StatsFCSErrors", e.fcs_errors.into());
            put(
                "dot3StatsSingleCollisionFrames",
                e.single_collision_frames.into(),
            );
            put(
                "dot3StatsMultipleCollisionFrames",
                e.multiple_collision_frames.into(),
            );
            put("dot3StatsSQETestErrors", e.sqe_test_errors.into());
            put(
                "dot3StatsDeferredTransmissions",
                e.deferred_transmissions.into(),
            );
            put("dot3StatsLateCollisions", e.late_collisions.into());
            put(
                "dot3StatsExcessiveCollisions",
                e.excessive_collisions.into(),
            );
            put(
                "dot3StatsInternalMacTransmitErrors",
                e.internal_mac_transmit_errors.into(),
            );
            put("dot3StatsCarrierSenseErrors", e.carrier_sense_errors.into());
            put("dot3StatsFrameTooLongs", e.frame_too_longs.into());
            put(
                "dot3StatsInternalMacReceiveErrors",
                e.internal_mac_receive_errors.into(),
            );
            put("dot3StatsSymbolErrors", e.symbol_errors.into());
        }
        CounterRecord::Processor(p) => {
            put("cpu_percentage", p.cpu_5s.into());
            put("mem_total", p.total_memory);
            put("mem_free", p.free_memory);
        }
        CounterRecord::Unknown(_) => {}
    }
    f
}

/// The sample-level fields, in sflowtool's names.
fn sample_fields(s: &Sample) -> Fields {
    let mut f = Fields::new();
    match s {
        Sample::Flow(x) => {
            f.insert(
                "sampleType_tag",
                if x.expanded { "0:3" } else { "0:1" }.into(),
            );
            f.insert("sampleSequenceNo", x.sequence_number.to_string());
            f.insert("sourceId", x.source_id.to_string());
            f.insert("meanSkipCount", x.sampling_rate.to_string());
            f.insert("samplePool", x.sample_pool.to_string());
            f.insert("dropEvents", x.drops.to_string());
            f.insert("inputPort", iface(x.input));
            f.insert("outputPort", iface(x.output));
        }
        Sample::Counter(x) => {
            f.insert(
                "sampleType_tag",
                if x.expanded { "0:4" } else { "0:2" }.into(),
            );
            f.insert("sampleSequenceNo", x.sequence_number.to_string());
            f.insert("sourceId", x.source_id.to_string());
        }
        Sample::Unknown(u) => {
            f.insert("sampleType_tag", format!("{}:{}", u.enterprise, u.format));
        }
    }
    f
}

/// Compare our fields with the oracle's on every key either side knows; IP addresses are
/// compared as addresses (sflowtool writes IPv6 uncompressed).
fn compare(ours: &Fields, oracle: &Value, known: &[&str], at: &str, out: &mut Vec<String>) {
    COMPARED.fetch_add(
        known.iter().filter(|k| ours.contains_key(*k)).count(),
        Ordering::Relaxed,
    );
    for &k in known {
        let theirs = oracle.get(k).and_then(Value::as_str);
        let mine = ours.get(k).map(String::as_str);
        let same = match (mine, theirs) {
            (Some(a), Some(b)) => {
                a == b
                    || matches!((a.parse::<IpAddr>(), b.parse::<IpAddr>()), (Ok(x), Ok(y)) if x == y)
            }
            (None, None) => true,
            _ => false,
        };
        if !same {
            out.push(format!("{at} {k}: ours {mine:?}, sflowtool {theirs:?}"));
        }
    }
}

const SAMPLE_KEYS: &[&str] = &[
    "sampleType_tag",
    "sampleSequenceNo",
    "sourceId",
    "meanSkipCount",
    "samplePool",
    "dropEvents",
    "inputPort",
    "outputPort",
];
const HEADER_KEYS: &[&str] = &[
    "flowBlock_tag",
    "headerProtocol",
    "sampledPacketSize",
    "strippedBytes",
    "headerLen",
    "headerBytes",
    "srcMAC",
    "dstMAC",
    "decodedVLAN",
    "decodedPriority",
    "decodedVLAN.1",
    "ethernet_type",
    "srcIP",
    "dstIP",
    "srcIP6",
    "dstIP6",
    "IPProtocol",
    "IPTOS",
    "IPTTL",
    "IP6_label",
    "IPV6_payloadLen",
    "ip.tot_len",
    "TCPSrcPort",
    "TCPDstPort",
    "TCPFlags",
    "UDPSrcPort",
    "UDPDstPort",
    "ICMPType",
    "ICMPCode",
];
const FLOW_KEYS: &[&str] = &[
    "flowBlock_tag",
    "headerProtocol",
    "sampledPacketSize",
    "strippedBytes",
    "headerLen",
    "headerBytes",
    "srcMAC",
    "dstMAC",
    "decodedVLAN",
    "decodedPriority",
    "decodedVLAN.1",
    "ethernet_type",
    "srcIP",
    "dstIP",
    "srcIP6",
    "dstIP6",
    "IPProtocol",
    "IPTOS",
    "IPTTL",
    "IP6_label",
    "IPV6_payloadLen",
    "ip.tot_len",
    "TCPSrcPort",
    "TCPDstPort",
    "TCPFlags",
    "UDPSrcPort",
    "UDPDstPort",
    "ICMPType",
    "ICMPCode",
    "ethernet_len",
    "ethernet_src",
    "ethernet_dst",
    "IPSize",
    "in_vlan",
    "in_priority",
    "out_vlan",
    "out_priority",
    "nextHop",
    "srcSubnetMask",
    "dstSubnetMask",
    "bgp_nexthop",
    "my_as",
    "src_as",
    "src_peer_as",
    "dst_as_path",
    "dst_as",
    "dst_peer_as",
    "BGP_communities",
    "BGP_localpref",
];
const COUNTER_KEYS: &[&str] = &[
    "counterBlock_tag",
    "ifIndex",
    "networkType",
    "ifSpeed",
    "ifDirection",
    "ifStatus",
    "ifInOctets",
    "ifInUcastPkts",
    "ifInMulticastPkts",
    "ifInBroadcastPkts",
    "ifInDiscards",
    "ifInErrors",
    "ifInUnknownProtos",
    "ifOutOctets",
    "ifOutUcastPkts",
    "ifOutMulticastPkts",
    "ifOutBroadcastPkts",
    "ifOutDiscards",
    "ifOutErrors",
    "ifPromiscuousMode",
    "dot3StatsAlignmentErrors",
    "dot3StatsFCSErrors",
    "dot3StatsSingleCollisionFrames",
    "dot3StatsMultipleCollisionFrames",
    "dot3StatsSQETestErrors",
    "dot3StatsDeferredTransmissions",
    "dot3StatsLateCollisions",
    "dot3StatsExcessiveCollisions",
    "dot3StatsInternalMacTransmitErrors",
    "dot3StatsCarrierSenseErrors",
    "dot3StatsFrameTooLongs",
    "dot3StatsInternalMacReceiveErrors",
    "dot3StatsSymbolErrors",
];

/// Every disagreement between our decode of one datagram and sflowtool's.
fn disagreements(d: &Datagram, o: &Value, at: &str) -> Vec<String> {
    let mut out = vec![];
    let mut top = Fields::new();
    top.insert("agent", d.agent.map_or("unknown".into(), |a| a.to_string()));
    top.insert("agentSubId", d.sub_agent_id.to_string());
    top.insert("packetSequenceNo", d.sequence_number.to_string());
    top.insert("sysUpTime", d.uptime_ms.to_string());
    top.insert("samplesInPacket", d.samples.len().to_string());
    let keys = [
        "agent",
        "agentSubId",
        "packetSequenceNo",
        "sysUpTime",
        "samplesInPacket",
    ];
    compare(&top, o, &keys, at, &mut out);

    let theirs = o["samples"].as_array().cloned().unwrap_or_default();
    if theirs.len() != d.samples.len() {
        out.push(format!(
            "{at}: {} samples, sflowtool {}",
            d.samples.len(),
            theirs.len()
        ));
    }
    for (i, (s, os)) in d.samples.iter().zip(&theirs).enumerate() {
        let at = format!("{at} sample #{}", i + 1);
        compare(&sample_fields(s), os, SAMPLE_KEYS, &at, &mut out);
        let elems = os["elements"].as_array().cloned().unwrap_or_default();
        let ours: Vec<(Fields, &[&str])> = match s {
            Sample::Flow(x) => x
                .records
                .iter()
                .map(|r| {
                    // In a header record sflowtool's IPSize is the IP bytes captured; we
                    // check ip.tot_len / IPV6_payloadLen (the header's own field) instead.
                    let keys = match r {
                        FlowRecord::SampledHeader(_) => HEADER_KEYS,
                        _ => FLOW_KEYS,
                    };
                    (flow_record_fields(r), keys)
                })
                .collect(),
            Sample::Counter(x) => x
                .records
                .iter()
                .map(|r| (counter_record_fields(r), COUNTER_KEYS))
                .collect(),
            Sample::Unknown(_) => vec![],
        };
        if ours.len() != elems.len() {
            out.push(format!(
                "{at}: {} records, sflowtool {}",
                ours.len(),
                elems.len()
            ));
        }
        for (j, ((f, keys), oe)) in ours.iter().zip(&elems).enumerate() {
            compare(f, oe, keys, &format!("{at} record #{}", j + 1), &mut out);
        }
    }
    out
}

#[test]
fn sflow_conformance() {
    let dir = corpus_dir();
    let mut oracles: Vec<PathBuf> = fs::read_dir(dir.join("oracle/sflowtool-6.11"))
        .expect("oracle/sflowtool-6.11")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        // The segv capture is the negative case (raw/negative/); sflowtool's own output for
        // it stops mid-object.
        .filter(|p| !p.to_string_lossy().contains("sflow_print-segv"))
        .collect();
    oracles.sort();

    let (mut valid, mut agreed, mut rejected_noise) = (0, 0, 0);
    let mut problems = vec![];
    for oracle_path in &oracles {
        let stem = oracle_path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("name");
        let (source, pcap) = stem.split_once("__").expect("<source>__<pcap>.json");
        let frames = udp_payloads(&dir.join(source).join(format!("{pcap}.pcap")));
        let objects = oracle_objects(oracle_path);
        assert_eq!(
            frames.len(),
            objects.len(),
            "{stem}: frames vs oracle objects"
        );
        for (n, (payload, o)) in frames.iter().zip(&objects).enumerate() {
            let at = format!("{stem} frame {}", n + 1);
            let Some(payload) = payload else {
                problems.push(format!("{at}: no UDP payload"));
                continue;
            };
            let result = Datagram::decode(&Bytes::from(payload.clone()));
            if o["datagramVersion"] != "5" {
                // NetFlow sent to 6343: sflowtool says "unexpected datagram version".
                match result {
                    Err(_) => rejected_noise += 1,
                    Ok(_) => problems.push(format!("{at}: non-sFlow payload decoded")),
                }
                continue;
            }
            valid += 1;
            let raw = dir.join("raw").join(format!("{stem}__f{:02}.bin", n + 1));
            if let Ok(bytes) = fs::read(&raw) {
                if &bytes != payload {
                    problems.push(format!("{at}: payload differs from {}", raw.display()));
                }
            }
            match result {
                Err(e) => problems.push(format!("{at}: decode failed: {e}")),
                Ok(d) => {
                    let diffs = disagreements(&d, o, &at);
                    if diffs.is_empty() {
                        agreed += 1;
                    }
                    problems.extend(diffs);
                }
            }
        }
    }
    let compared = COMPARED.load(Ordering::Relaxed);
    println!(
        "sflow conformance: {agreed}/{EXPECTED_VALID} agreed ({valid} valid datagrams read, \
         {compared} fields compared, {rejected_noise} NetFlow frames rejected)"
    );
    assert!(
        problems.is_empty(),
        "{} disagreements with sflowtool:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(valid, EXPECTED_VALID, "valid datagrams in the corpus");
    assert_eq!(agreed, EXPECTED_VALID);
    assert_eq!(rejected_noise, 5, "NetFlow frames rejected");
    assert!(compared > 5000, "only {compared} fields compared");
}

#[test]
fn sflow_negative_inputs_are_rejected_cleanly() {
    let dir = corpus_dir().join("raw/negative");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 7, "raw/negative/ should hold 7 inputs");
    let mut problems = vec![];
    for f in &files {
        let bytes = Bytes::from(fs::read(f).expect("read"));
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match std::panic::catch_unwind(|| Datagram::decode(&bytes)) {
            Ok(Err(e)) => println!("{name}: rejected: {e}"),
            Ok(Ok(d)) => problems.push(format!("{name}: decoded as {d}")),
            Err(_) => problems.push(format!("{name}: PANICKED")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
