//! Test-only mapping from our OF1.3 types to Ryu's `to_jsondict()` naming, so the corpus
//! JSON can be compared field by field.
//!
//! What is deliberately not compared (we keep it raw; see `compare`'s `~partial:` marker):
//! - Nicira experimenter actions (`NXAction*`): only `experimenter`, `subtype`, `len` and
//!   `type` are compared; their decoded bodies (learn specs, CT nested actions, NAT ranges,
//!   register load/move fields...) are not.
//! - ONF experimenter multipart bodies (flow monitor, exp_type 1870): only `experimenter`,
//!   `exp_type`, `flags` and `type` are compared; the monitor requests inside are not.
//! - Hello elements of unknown type: only `type`.
//!
//! Everything else, including NXM/ONF match fields we keep raw (reg*, tun_ipv4_*, pkt_mark,
//! conj_id, ct_*, pbb_uca), is compared value for value.

use serde_json::{json, Map, Value};
use tapdemon_proto::of13::multipart::{MultipartReplyBody as Rep, MultipartRequestBody as Req};
use tapdemon_proto::of13::oxm::Oxm;
use tapdemon_proto::of13::*;

use super::base64;

fn obj(class: &str, fields: Value) -> Value {
    let mut m = Map::new();
    m.insert(class.to_string(), fields);
    Value::Object(m)
}

fn partial(class_prefix: &str, fields: Value) -> Value {
    obj(&format!("~partial:{class_prefix}"), fields)
}

const BASIC: [&str; 40] = [
    "in_port",
    "in_phy_port",
    "metadata",
    "eth_dst",
    "eth_src",
    "eth_type",
    "vlan_vid",
    "vlan_pcp",
    "ip_dscp",
    "ip_ecn",
    "ip_proto",
    "ipv4_src",
    "ipv4_dst",
    "tcp_src",
    "tcp_dst",
    "udp_src",
    "udp_dst",
    "sctp_src",
    "sctp_dst",
    "icmpv4_type",
    "icmpv4_code",
    "arp_op",
    "arp_spa",
    "arp_tpa",
    "arp_sha",
    "arp_tha",
    "ipv6_src",
    "ipv6_dst",
    "ipv6_flabel",
    "icmpv6_type",
    "icmpv6_code",
    "ipv6_nd_target",
    "ipv6_nd_sll",
    "ipv6_nd_tll",
    "mpls_label",
    "mpls_tc",
    "mpls_bos",
    "pbb_isid",
    "tunnel_id",
    "ipv6_exthdr",
];

/// NXM_NX (class 1) fields that occur in the corpus: (field, Ryu name, printed as IPv4).
const NXM1: [(u8, &str, bool); 7] = [
    (31, "tun_ipv4_src", true),
    (32, "tun_ipv4_dst", true),
    (33, "pkt_mark", false),
    (37, "conj_id", false),
    (105, "ct_state", false),
    (106, "ct_zone", false),
    (107, "ct_mark", false),
];

fn be_int(b: &[u8]) -> Value {
    let mut v: u128 = 0;
    for x in b {
        v = (v << 8) | u128::from(*x);
    }
    match u64::try_from(v) {
        Ok(v) => json!(v),
        Err(_) => json!(v.to_string()),
    }
}

fn ipv4(b: &[u8]) -> Value {
    let s: Vec<String> = b.iter().map(|x| x.to_string()).collect();
    json!(s.join("."))
}

fn oxm_tlv(field: String, value: Value, mask: Value) -> Value {
    obj(
        "OXMTlv",
        json!({"field": field, "value": value, "mask": mask}),
    )
}

/// One match field as Ryu's `OXMTlv`.
fn oxm(o: &Oxm) -> Value {
    match o {
        Oxm::Unknown {
            class,
            field,
            hasmask,
            body,
        } => {
            let (name, as_ip) = if *class == 1 && *field < 16 {
                (format!("reg{field}"), false)
            } else if let Some((_, n, ip)) = NXM1.iter().find(|(f, _, _)| *class == 1 && f == field)
            {
                (n.to_string(), *ip)
            } else {
                (format!("~unmapped nxm class {class} field {field}"), false)
            };
            let half = if *hasmask { body.len() / 2 } else { body.len() };
            let conv = |b: &[u8]| if as_ip { ipv4(b) } else { be_int(b) };
            let value = conv(&body[..half]);
            let mask = if *hasmask {
                conv(&body[half..])
            } else {
                Value::Null
            };
            oxm_tlv(name, value, mask)
        }
        Oxm::Experimenter {
            experimenter,
            body,
            hasmask,
            ..
        } => {
            // ONF extension fields: a 16-bit exp_type precedes the value.
            if *experimenter == 0x4f4e_4600 && body.len() >= 2 && !*hasmask {
                let exp_type = u16::from_be_bytes([body[0], body[1]]);
                let name = match exp_type {
                    2560 => "pbb_uca".to_string(),
                    t => format!("~unmapped onf oxm {t}"),
                };
                oxm_tlv(name, be_int(&body[2..]), Value::Null)
            } else {
                json!(format!("~unmapped experimenter oxm {experimenter:#x}"))
            }
        }
        basic => {
            // Our serde form is {"<name>": {"value": v, "mask": m}}, values printed as Ryu does.
            let v = serde_json::to_value(basic).unwrap();
            let (name, inner) = v.as_object().unwrap().iter().next().unwrap();
            oxm_tlv(name.clone(), inner["value"].clone(), inner["mask"].clone())
        }
    }
}

fn match_(m: &match_::Match) -> Value {
    let fields: Vec<Value> = m.iter().map(|o| oxm(&o)).collect();
    obj(
        "OFPMatch",
        json!({"length": m.length(), "oxm_fields": fields, "type": 1}),
    )
}

fn action(a: &action::Action) -> Value {
    use action::Action as A;
    let ty = a.ty();
    let len = a.encoded_len();
    let simple = |class: &str| obj(class, json!({"len": len, "type": ty}));
    let with = |class: &str, k: &str, v: Value| {
        let mut m = Map::new();
        m.insert("len".into(), json!(len));
        m.insert("type".into(), json!(ty));
        m.insert(k.into(), v);
        obj(class, Value::Object(m))
    };
    match a {
        A::Output { port, max_len } => obj(
            "OFPActionOutput",
            json!({"len": len, "type": ty, "port": port, "max_len": max_len}),
        ),
        A::CopyTtlOut => simple("OFPActionCopyTtlOut"),
        A::CopyTtlIn => simple("OFPActionCopyTtlIn"),
        A::SetMplsTtl { mpls_ttl } => with("OFPActionSetMplsTtl", "mpls_ttl", json!(mpls_ttl)),
        A::DecMplsTtl => simple("OFPActionDecMplsTtl"),
        A::PushVlan { ethertype } => with("OFPActionPushVlan", "ethertype", json!(ethertype)),
        A::PopVlan => simple("OFPActionPopVlan"),
        A::PushMpls { ethertype } => with("OFPActionPushMpls", "ethertype", json!(ethertype)),
        A::PopMpls { ethertype } => with("OFPActionPopMpls", "ethertype", json!(ethertype)),
        A::SetQueue { queue_id } => with("OFPActionSetQueue", "queue_id", json!(queue_id)),
        A::Group { group_id } => with("OFPActionGroup", "group_id", json!(group_id)),
        A::SetNwTtl { nw_ttl } => with("OFPActionSetNwTtl", "nw_ttl", json!(nw_ttl)),
        A::DecNwTtl => simple("OFPActionDecNwTtl"),
        A::SetField(o) => with("OFPActionSetField", "field", oxm(o)),
        A::PushPbb { ethertype } => with("OFPActionPushPbb", "ethertype", json!(ethertype)),
        A::PopPbb => simple("OFPActionPopPbb"),
        A::Experimenter { experimenter, body } if *experimenter == 0x2320 => {
            let subtype = if body.len() >= 2 {
                json!(u16::from_be_bytes([body[0], body[1]]))
            } else {
                Value::Null
            };
            partial(
                "NXAction",
                json!({"experimenter": experimenter, "subtype": subtype, "len": len, "type": ty}),
            )
        }
        A::Experimenter { experimenter, body } => obj(
            "OFPActionExperimenterUnknown",
            json!({"experimenter": experimenter, "data": base64(body), "len": len, "type": ty}),
        ),
        A::Unknown { ty, .. } => json!(format!("~unmapped action type {ty}")),
    }
}

fn actions(v: &[action::Action]) -> Value {
    Value::Array(v.iter().map(action).collect())
}

fn instruction(i: &instruction::Instruction) -> Value {
    use instruction::Instruction as I;
    let ty = i.ty();
    let len = i.encoded_len();
    match i {
        I::GotoTable { table_id } => obj(
            "OFPInstructionGotoTable",
            json!({"len": len, "type": ty, "table_id": table_id}),
        ),
        I::WriteMetadata {
            metadata,
            metadata_mask,
        } => obj(
            "OFPInstructionWriteMetadata",
            json!({"len": len, "type": ty, "metadata": metadata, "metadata_mask": metadata_mask}),
        ),
        I::WriteActions(a) | I::ApplyActions(a) => obj(
            "OFPInstructionActions",
            json!({"len": len, "type": ty, "actions": actions(a)}),
        ),
        I::ClearActions => obj(
            "OFPInstructionActions",
            json!({"len": len, "type": ty, "actions": []}),
        ),
        I::Meter { meter_id } => obj(
            "OFPInstructionMeter",
            json!({"len": len, "type": ty, "meter_id": meter_id}),
        ),
        I::Experimenter { experimenter, .. } => {
            json!(format!("~unmapped experimenter instruction {experimenter}"))
        }
        I::Unknown { ty, .. } => json!(format!("~unmapped instruction type {ty}")),
    }
}

fn instructions(v: &[instruction::Instruction]) -> Value {
    Value::Array(v.iter().map(instruction).collect())
}

fn port(p: &Port) -> Value {
    obj(
        "OFPPort",
        json!({
            "port_no": p.port_no, "hw_addr": p.hw_addr.to_string(), "name": p.name.as_str(),
            "config": p.config, "state": p.state, "curr": p.curr, "advertised": p.advertised,
            "supported": p.supported, "peer": p.peer, "curr_speed": p.curr_speed,
            "max_speed": p.max_speed,
        }),
    )
}

fn band(b: &MeterBand) -> Value {
    let len = b.encoded_len();
    match b {
        MeterBand::Drop { rate, burst_size } => obj(
            "OFPMeterBandDrop",
            json!({"type": 1, "len": len, "rate": rate, "burst_size": burst_size}),
        ),
        MeterBand::DscpRemark {
            rate,
            burst_size,
            prec_level,
        } => obj(
            "OFPMeterBandDscpRemark",
            json!({"type": 2, "len": len, "rate": rate, "burst_size": burst_size,
                   "prec_level": prec_level}),
        ),
        MeterBand::Experimenter {
            rate,
            burst_size,
            experimenter,
            ..
        } => obj(
            "OFPMeterBandExperimenter",
            json!({"type": 65535, "len": len, "rate": rate, "burst_size": burst_size,
                   "experimenter": experimenter}),
        ),
        MeterBand::Unknown { ty, .. } => json!(format!("~unmapped band {ty}")),
    }
}

fn bucket(b: &Bucket) -> Value {
    obj(
        "OFPBucket",
        json!({"len": b.encoded_len(), "weight": b.weight, "watch_port": b.watch_port,
               "watch_group": b.watch_group, "actions": actions(&b.actions)}),
    )
}

fn u32_list(b: &[u8]) -> Value {
    Value::Array(
        b.chunks(4)
            .map(|c| {
                let mut w = [0u8; 4];
                w[..c.len()].copy_from_slice(c);
                json!(u32::from_be_bytes(w))
            })
            .collect(),
    )
}

fn table_prop(p: &TableFeatureProp) -> Value {
    use TableFeatureProp as P;
    let ty = p.prop_type();
    let length = p.unpadded_len();
    let tlv_ids = |class: &str, ids: &[TlvId]| -> Value {
        Value::Array(
            ids.iter()
                .map(|i| obj(class, json!({"type": i.ty, "len": i.len})))
                .collect(),
        )
    };
    let oxm_ids = |ids: &[OxmId]| -> Value {
        Value::Array(
            ids.iter()
                .map(|i| {
                    let name = if i.class() == 0x8000 {
                        BASIC
                            .get(usize::from(i.field()))
                            .map(|s| s.to_string())
                            .unwrap_or_else(|| format!("~field {}", i.field()))
                    } else {
                        format!("~class {:#x}", i.class())
                    };
                    obj(
                        "OFPOxmId",
                        json!({"type": name, "hasmask": u8::from(i.hasmask()),
                               "length": i.length()}),
                    )
                })
                .collect(),
        )
    };
    match p {
        P::Instructions { ids, .. } => obj(
            "OFPTableFeaturePropInstructions",
            json!({"type": ty, "length": length,
                   "instruction_ids": tlv_ids("OFPInstructionId", ids)}),
        ),
        P::NextTables { table_ids, .. } => obj(
            "OFPTableFeaturePropNextTables",
            json!({"type": ty, "length": length, "table_ids": table_ids}),
        ),
        P::WriteActions { ids, .. } | P::ApplyActions { ids, .. } => obj(
            "OFPTableFeaturePropActions",
            json!({"type": ty, "length": length, "action_ids": tlv_ids("OFPActionId", ids)}),
        ),
        P::Match(ids)
        | P::Wildcards(ids)
        | P::WriteSetfield { ids, .. }
        | P::ApplySetfield { ids, .. } => obj(
            "OFPTableFeaturePropOxm",
            json!({"type": ty, "length": length, "oxm_ids": oxm_ids(ids)}),
        ),
        P::Experimenter {
            experimenter,
            exp_type,
            data,
            ..
        } => obj(
            "OFPTableFeaturePropExperimenter",
            json!({"type": ty, "length": length, "experimenter": experimenter,
                   "exp_type": exp_type, "data": u32_list(data)}),
        ),
        P::Unknown { ty, .. } => json!(format!("~unmapped table feature prop {ty}")),
    }
}

fn table_features(t: &TableFeatures) -> Value {
    obj(
        "OFPTableFeaturesStats",
        json!({
            "table_id": t.table_id, "name": t.name.as_str(), "length": t.encoded_len(),
            "metadata_match": t.metadata_match, "metadata_write": t.metadata_write,
            "config": t.config, "max_entries": t.max_entries,
            "properties": t.properties.iter().map(table_prop).collect::<Vec<_>>(),
        }),
    )
}

fn with_envelope(class: &str, flags: u16, ty: u16, mut fields: Map<String, Value>) -> Value {
    fields.insert("flags".into(), json!(flags));
    fields.insert("type".into(), json!(ty));
    obj(class, Value::Object(fields))
}

fn fields(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn mp_request(m: &MultipartRequest) -> Value {
    let ty = m.mp_type();
    let (class, f) = match &m.body {
        Req::Desc => ("OFPDescStatsRequest", json!({})),
        Req::Table => ("OFPTableStatsRequest", json!({})),
        Req::PortStats(p) => ("OFPPortStatsRequest", json!({"port_no": p.port_no})),
        Req::Queue(q) => (
            "OFPQueueStatsRequest",
            json!({"port_no": q.port_no, "queue_id": q.queue_id}),
        ),
        Req::GroupDesc => ("OFPGroupDescStatsRequest", json!({})),
        Req::GroupFeatures => ("OFPGroupFeaturesStatsRequest", json!({})),
        Req::Meter(r) => ("OFPMeterStatsRequest", json!({"meter_id": r.meter_id})),
        Req::MeterConfig(r) => (
            "OFPMeterConfigStatsRequest",
            json!({"meter_id": r.meter_id}),
        ),
        Req::MeterFeatures => ("OFPMeterFeaturesStatsRequest", json!({})),
        Req::TableFeatures(t) => (
            "OFPTableFeaturesStatsRequest",
            json!({"body": t.iter().map(table_features).collect::<Vec<_>>()}),
        ),
        Req::PortDesc => ("OFPPortDescStatsRequest", json!({})),
        Req::Experimenter(e) if e.experimenter == 0x4f4e_4600 && e.exp_type == 1870 => {
            return partial(
                "ONFFlowMonitorStatsRequest",
                json!({"experimenter": e.experimenter, "exp_type": e.exp_type,
                       "flags": m.flags, "type": ty}),
            );
        }
        Req::Experimenter(e) => (
            "OFPExperimenterStatsRequest",
            json!({"experimenter": e.experimenter, "exp_type": e.exp_type,
                   "data": base64(&e.data)}),
        ),
        other => return mp_request_flow(m.flags, ty, other),
    };
    with_envelope(class, m.flags, ty, fields(f))
}

fn mp_reply(m: &MultipartReply) -> Value {
    let ty = m.mp_type();
    let list = |v: Vec<Value>| json!({ "body": v });
    let (class, f) = match &m.body {
        Rep::Desc(d) => (
            "OFPDescStatsReply",
            json!({"body": obj("OFPDescStats", json!({
                "mfr_desc": d.mfr_desc.as_str(), "hw_desc": d.hw_desc.as_str(),
                "sw_desc": d.sw_desc.as_str(), "serial_num": d.serial_num.as_str(),
                "dp_desc": d.dp_desc.as_str()}))}),
        ),
        Rep::Table(v) => (
            "OFPTableStatsReply",
            list(
                v.iter()
                    .map(|t| {
                        obj(
                            "OFPTableStats",
                            json!({"table_id": t.table_id, "active_count": t.active_count,
                           "lookup_count": t.lookup_count, "matched_count": t.matched_count}),
                        )
                    })
                    .collect(),
            ),
        ),
        Rep::PortStats(v) => (
            "OFPPortStatsReply",
            list(
                v.iter()
                    .map(|p| {
                        obj(
                            "OFPPortStats",
                            json!({
                    "port_no": p.port_no, "rx_packets": p.rx_packets, "tx_packets": p.tx_packets,
                    "rx_bytes": p.rx_bytes, "tx_bytes": p.tx_bytes, "rx_dropped": p.rx_dropped,
                    "tx_dropped": p.tx_dropped, "rx_errors": p.rx_errors, "tx_errors": p.tx_errors,
                    "rx_frame_err": p.rx_frame_err, "rx_over_err": p.rx_over_err,
                    "rx_crc_err": p.rx_crc_err, "collisions": p.collisions,
                    "duration_sec": p.duration_sec, "duration_nsec": p.duration_nsec}),
                        )
                    })
                    .collect(),
            ),
        ),
        Rep::Queue(v) => (
            "OFPQueueStatsReply",
            list(
                v.iter()
                    .map(|q| {
                        obj(
                            "OFPQueueStats",
                            json!({
                    "port_no": q.port_no, "queue_id": q.queue_id, "tx_bytes": q.tx_bytes,
                    "tx_packets": q.tx_packets, "tx_errors": q.tx_errors,
                    "duration_sec": q.duration_sec, "duration_nsec": q.duration_nsec}),
                        )
                    })
                    .collect(),
            ),
        ),
        Rep::GroupFeatures(g) => (
            "OFPGroupFeaturesStatsReply",
            json!({"body": obj("OFPGroupFeaturesStats", json!({
                "types": g.types, "capabilities": g.capabilities,
                "max_groups": g.max_groups, "actions": g.actions}))}),
        ),
        Rep::Meter(v) => (
            "OFPMeterStatsReply",
            list(
                v.iter()
                    .map(|s| {
                        obj(
                            "OFPMeterStats",
                            json!({
                    "meter_id": s.meter_id, "len": s.encoded_len(), "flow_count": s.flow_count,
                    "packet_in_count": s.packet_in_count, "byte_in_count": s.byte_in_count,
                    "duration_sec": s.duration_sec, "duration_nsec": s.duration_nsec,
                    "band_stats": s.band_stats.iter().map(|b| obj("OFPMeterBandStats", json!({
                        "packet_band_count": b.packet_band_count,
                        "byte_band_count": b.byte_band_count}))).collect::<Vec<_>>()}),
                        )
                    })
                    .collect(),
            ),
        ),
        Rep::MeterConfig(v) => (
            "OFPMeterConfigStatsReply",
            list(
                v.iter()
                    .map(|c| {
                        obj(
                            "OFPMeterConfigStats",
                            json!({
                    "length": c.encoded_len(), "flags": c.flags, "meter_id": c.meter_id,
                    "bands": c.bands.iter().map(band).collect::<Vec<_>>()}),
                        )
                    })
                    .collect(),
            ),
        ),
        // Ryu models the single ofp_meter_features as a one-element list.
        Rep::MeterFeatures(f) => (
            "OFPMeterFeaturesStatsReply",
            list(vec![obj(
                "OFPMeterFeaturesStats",
                json!({
                "max_meter": f.max_meter, "band_types": f.band_types,
                "capabilities": f.capabilities, "max_bands": f.max_bands,
                "max_color": f.max_color}),
            )]),
        ),
        Rep::TableFeatures(v) => (
            "OFPTableFeaturesStatsReply",
            list(v.iter().map(table_features).collect()),
        ),
        Rep::PortDesc(v) => ("OFPPortDescStatsReply", list(v.iter().map(port).collect())),
        Rep::Experimenter(e) => (
            "OFPExperimenterStatsReply",
            json!({"body": obj("OFPExperimenterMultipart", json!({
                "experimenter": e.experimenter, "exp_type": e.exp_type,
                "data": base64(&e.data)}))}),
        ),
        other => return mp_reply_flow(m.flags, ty, other),
    };
    with_envelope(class, m.flags, ty, fields(f))
}

include!("map_flow.rs");

/// The whole message as Ryu's `msg.to_jsondict()`.
pub fn message(m: &Message) -> Value {
    match m {
        Message::Hello(h) => obj(
            "OFPHello",
            json!({"elements": h.elements.iter().map(|e| match e {
                HelloElem::VersionBitmap(words) => {
                    let versions: Vec<u32> = (0..words.len() * 32)
                        .filter(|v| words[v / 32] & (1 << (v % 32)) != 0)
                        .map(|v| v as u32)
                        .collect();
                    obj("OFPHelloElemVersionBitmap", json!({
                        "type": 1, "length": 4 + 4 * words.len(), "versions": versions}))
                }
                HelloElem::Unknown { ty, .. } => partial("OFPHelloElem", json!({"type": ty})),
            }).collect::<Vec<_>>()}),
        ),
        Message::Error(ErrorMsg::Standard { ty, code, data }) => obj(
            "OFPErrorMsg",
            json!({"type": ty, "code": code, "data": base64(data)}),
        ),
        Message::Error(ErrorMsg::Experimenter {
            exp_type,
            experimenter,
            data,
        }) => obj(
            "OFPErrorMsg",
            json!({"type": 65535, "code": null, "exp_type": exp_type,
                   "experimenter": experimenter, "data": base64(data)}),
        ),
        Message::EchoRequest { data } => obj("OFPEchoRequest", json!({"data": base64(data)})),
        Message::EchoReply { data } => obj("OFPEchoReply", json!({"data": base64(data)})),
        Message::Experimenter(e) => obj(
            "OFPExperimenter",
            json!({"experimenter": e.experimenter, "exp_type": e.exp_type,
                   "data": base64(&e.data)}),
        ),
        Message::FeaturesRequest => obj("OFPFeaturesRequest", json!({})),
        Message::FeaturesReply(f) => obj(
            "OFPSwitchFeatures",
            json!({"datapath_id": f.datapath_id.0, "n_buffers": f.n_buffers,
                   "n_tables": f.n_tables, "auxiliary_id": f.auxiliary_id,
                   "capabilities": f.capabilities}),
        ),
        Message::GetConfigRequest => obj("OFPGetConfigRequest", json!({})),
        Message::GetConfigReply(c) => obj(
            "OFPGetConfigReply",
            json!({"flags": c.flags, "miss_send_len": c.miss_send_len}),
        ),
        Message::SetConfig(c) => obj(
            "OFPSetConfig",
            json!({"flags": c.flags, "miss_send_len": c.miss_send_len}),
        ),
        Message::PortStatus(p) => obj(
            "OFPPortStatus",
            json!({"reason": p.reason, "desc": port(&p.desc)}),
        ),
        Message::PortMod(p) => obj(
            "OFPPortMod",
            json!({"port_no": p.port_no, "hw_addr": p.hw_addr.to_string(), "config": p.config,
                   "mask": p.mask, "advertise": p.advertise}),
        ),
        Message::TableMod(t) => obj(
            "OFPTableMod",
            json!({"table_id": t.table_id, "config": t.config}),
        ),
        Message::MultipartRequest(m) => mp_request(m),
        Message::MultipartReply(m) => mp_reply(m),
        Message::BarrierRequest => obj("OFPBarrierRequest", json!({})),
        Message::BarrierReply => obj("OFPBarrierReply", json!({})),
        Message::QueueGetConfigRequest(q) => {
            obj("OFPQueueGetConfigRequest", json!({"port": q.port}))
        }
        Message::QueueGetConfigReply(q) => obj(
            "OFPQueueGetConfigReply",
            json!({"port": q.port, "queues": q.queues.iter().map(|q| obj("OFPPacketQueue", json!({
                "queue_id": q.queue_id, "port": q.port, "len": q.encoded_len(),
                "properties": q.properties.iter().map(|p| {
                    let len = p.encoded_len();
                    match p {
                        QueueProp::MinRate(rate) => obj("OFPQueuePropMinRate",
                            json!({"property": 1, "len": len, "rate": rate})),
                        QueueProp::MaxRate(rate) => obj("OFPQueuePropMaxRate",
                            json!({"property": 2, "len": len, "rate": rate})),
                        QueueProp::Experimenter { experimenter, data } =>
                            obj("OFPQueuePropExperimenter", json!({"property": 65535, "len": len,
                                "experimenter": experimenter, "data": data.to_vec()})),
                        QueueProp::Unknown { ty, .. } => json!(format!("~unmapped queue prop {ty}")),
                    }
                }).collect::<Vec<_>>()}))).collect::<Vec<_>>()}),
        ),
        Message::RoleRequest(r) => obj(
            "OFPRoleRequest",
            json!({"role": r.role, "generation_id": r.generation_id}),
        ),
        Message::RoleReply(r) => obj(
            "OFPRoleReply",
            json!({"role": r.role, "generation_id": r.generation_id}),
        ),
        Message::GetAsyncRequest => obj("OFPGetAsyncRequest", json!({})),
        Message::GetAsyncReply(a) | Message::SetAsync(a) => obj(
            if matches!(m, Message::SetAsync(_)) {
                "OFPSetAsync"
            } else {
                "OFPGetAsyncReply"
            },
            json!({"packet_in_mask": a.packet_in_mask, "port_status_mask": a.port_status_mask,
                   "flow_removed_mask": a.flow_removed_mask}),
        ),
        Message::MeterMod(mm) => obj(
            "OFPMeterMod",
            json!({"command": mm.command, "flags": mm.flags, "meter_id": mm.meter_id,
                   "bands": mm.bands.iter().map(band).collect::<Vec<_>>()}),
        ),
        other => message_flow(other),
    }
}
