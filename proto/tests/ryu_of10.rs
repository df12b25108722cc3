//! Conformance against Ryu's OpenFlow 1.0 test corpus (13 messages).
//!
//! For each `ryu/packet_data/of10/<name>.packet`:
//! 1. decode it with [`Message::decode`];
//! 2. re-encode it and require byte-identical output (a mismatch reports the first
//!    differing byte offset);
//! 3. map the decoded value to Ryu's `to_jsondict()` naming (test-only code below) and compare
//!    it with `ryu/json/of10/<name>.packet.json` field by field: every leaf of Ryu's JSON
//!    must have a counterpart with the same value, and the mapping must not produce fields
//!    Ryu lacks.
//!
//! Not compared against the JSON, and why:
//! - `ofp_header` version/type/length/xid: Ryu leaves them out (the class name implies the
//!   type); they are covered by the byte-identical re-encode, and the class name is compared.
//! - Padding bytes and Nicira action bytes after the fields Ryu names: Ryu does not show
//!   them; the byte-identical re-encode covers them.
//! - Action `len` / `type`: Ryu's JSON omits them; the class name stands for the type and the
//!   re-encode checks the length. For Nicira vendor actions we additionally check the vendor
//!   id, the subtype, the subtype's own fields and that the length equals the size of that
//!   subtype's `nx_action_*` struct (16 bytes for every subtype in the corpus).
//!
//! Ryu's second pass (rebuild from JSON with every `len` removed, serialize) has no direct
//! counterpart: our encoder never stores lengths, it always computes them, so step 2 is that
//! check.
//!
//! The corpus is located with `TAPDEMON_CONFORMANCE_DIR`, else
//! `<workspace root>/../shared/conformance`. A missing corpus fails the test.

use std::fmt::Write as _;
use std::path::PathBuf;

use bytes::Bytes;
use serde_json::{json, Map, Value};
use tapdemon_proto::of10::{Action, Match, Message, PhyPort};

fn corpus_dir() -> PathBuf {
    let dir = match std::env::var_os("TAPDEMON_CONFORMANCE_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"),
    };
    let ryu = dir.join("ryu");
    assert!(
        ryu.join("packet_data/of10").is_dir() && ryu.join("json/of10").is_dir(),
        "the Ryu conformance corpus is absent: expected {}/packet_data/of10 and json/of10. \
         Point TAPDEMON_CONFORMANCE_DIR at the directory that contains `ryu/` \
         (the shared corpus, normally /work/shared/conformance).",
        ryu.display()
    );
    ryu
}

// ---------------------------------------------------------------------------------------
// Our values in Ryu's jsondict naming.

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn ryu_match(m: &Match) -> Value {
    json!({"OFPMatch": {
        "wildcards": m.wildcards,
        "in_port": m.in_port.0,
        "dl_src": m.dl_src.to_string(),
        "dl_dst": m.dl_dst.to_string(),
        "dl_vlan": m.dl_vlan,
        "dl_vlan_pcp": m.dl_vlan_pcp,
        "dl_type": m.dl_type,
        "nw_tos": m.nw_tos,
        "nw_proto": m.nw_proto,
        "nw_src": m.nw_src.to_string(),
        "nw_dst": m.nw_dst.to_string(),
        "tp_src": m.tp_src,
        "tp_dst": m.tp_dst,
    }})
}

/// Ryu's class for a Nicira subtype, the size of its `nx_action_*` struct, and its fields
/// decoded from the body (which starts with the 2-byte subtype).
fn nicira(subtype: u16, body: &[u8]) -> Option<(&'static str, usize, Map<String, Value>)> {
    let u8_at = |i: usize| body.get(i).copied().map(Value::from);
    let u16_at = |i: usize| {
        body.get(i..i + 2)
            .map(|b| Value::from(u16::from_be_bytes([b[0], b[1]])))
    };
    let u32_at = |i: usize| {
        body.get(i..i + 4)
            .map(|b| Value::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])))
    };
    let mut fields = Map::new();
    let (class, size) = match subtype {
        18 => ("NXActionDecTtl", 16),
        26 => ("NXActionDecMplsTtl", 16),
        23 | 24 => {
            fields.insert("ethertype".into(), u16_at(2)?);
            let class = if subtype == 23 {
                "NXActionPushMpls"
            } else {
                "NXActionPopMpls"
            };
            (class, 16)
        }
        25 => {
            fields.insert("ttl".into(), u8_at(2)?);
            ("NXActionSetMplsTtl", 16)
        }
        30 => {
            fields.insert("label".into(), u32_at(4)?);
            ("NXActionSetMplsLabel", 16)
        }
        31 => {
            fields.insert("tc".into(), u8_at(2)?);
            ("NXActionSetMplsTc", 16)
        }
        _ => return None,
    };
    Some((class, size, fields))
}

fn ryu_action(a: &Action, problems: &mut Vec<String>) -> Value {
    match a {
        Action::Output { port, max_len } => {
            json!({"OFPActionOutput": {"port": port.0, "max_len": max_len}})
        }
        Action::Vendor { vendor, body } => {
            let subtype = a.nicira_subtype();
            match subtype.and_then(|s| nicira(s, body).map(|n| (s, n))) {
                Some((subtype, (class, size, mut fields))) => {
                    if a.encoded_len() != size {
                        problems.push(format!(
                            "{class}: length {} but nx_action struct is {size} bytes",
                            a.encoded_len()
                        ));
                    }
                    fields.insert("vendor".into(), json!(vendor));
                    fields.insert("subtype".into(), json!(subtype));
                    json!({ class: fields })
                }
                None => json!({"UnmappedVendorAction": {"vendor": vendor, "subtype": subtype}}),
            }
        }
        // The corpus has no other OF1.0 action; fail loudly if one appears unmapped.
        other => json!({ "Unmapped": format!("{other:?}") }),
    }
}

fn ryu_port(p: &PhyPort) -> Value {
    json!({"OFPPhyPort": {
        "port_no": p.port_no.0,
        "hw_addr": p.hw_addr.to_string(),
        "name": p.name,
        "config": p.config,
        "state": p.state,
        "curr": p.curr,
        "advertised": p.advertised,
        "supported": p.supported,
        "peer": p.peer,
    }})
}

/// A frame in Ryu's packet-library form (ethernet / ipv4 / icmp echo), for the corpus file
/// whose JSON shows `data` parsed. Only the protocols that file uses are handled.
fn ryu_packet(frame: &[u8]) -> Value {
    let be16 = |i: usize| u16::from_be_bytes([frame[i], frame[i + 1]]);
    let mac = |i: usize| {
        frame[i..i + 6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    let ip = |i: usize| {
        format!(
            "{}.{}.{}.{}",
            frame[i],
            frame[i + 1],
            frame[i + 2],
            frame[i + 3]
        )
    };
    let mut protocols = vec![json!({"ethernet": {
        "dst": mac(0), "src": mac(6), "ethertype": be16(12),
    }})];
    if be16(12) == 0x0800 {
        let ihl = usize::from(frame[14] & 15) * 4;
        let total = usize::from(be16(16));
        protocols.push(json!({"ipv4": {
            "version": frame[14] >> 4,
            "header_length": frame[14] & 15,
            "tos": frame[15],
            "total_length": total,
            "identification": be16(18),
            "flags": be16(20) >> 13,
            "offset": be16(20) & 0x1fff,
            "ttl": frame[22],
            "proto": frame[23],
            "csum": be16(24),
            "src": ip(26),
            "dst": ip(30),
            "option": null,
        }}));
        let l4 = 14 + ihl;
        if frame[23] == 1 {
            let end = 14 + total;
            protocols.push(json!({"icmp": {
                "type": frame[l4],
                "code": frame[l4 + 1],
                "csum": be16(l4 + 2),
                "data": {"echo": {
                    "id": be16(l4 + 4),
                    "seq": be16(l4 + 6),
                    "data": base64(&frame[l4 + 8..end]),
                }},
            }}));
        }
    }
    json!({"Packet": {"protocols": protocols}})
}

fn ryu_data(data: &Bytes, ryu: &Value) -> Value {
    if ryu.get("Packet").is_some() {
        ryu_packet(data)
    } else {
        json!(base64(data))
    }
}

fn ryu_message(msg: &Message, ryu: &Value, problems: &mut Vec<String>) -> Value {
    let ryu_body = |class: &str, key: &str| ryu[class][key].clone();
    let mut actions = |list: &[Action]| -> Value {
        Value::Array(list.iter().map(|a| ryu_action(a, problems)).collect())
    };
    match msg {
        Message::FeaturesRequest => json!({"OFPFeaturesRequest": {}}),
        Message::FeaturesReply(f) => {
            let ports: Map<String, Value> = f
                .ports
                .iter()
                .map(|p| (p.port_no.0.to_string(), ryu_port(p)))
                .collect();
            json!({"OFPSwitchFeatures": {
                "datapath_id": f.datapath_id.0,
                "n_buffers": f.n_buffers,
                "n_tables": f.n_tables,
                "capabilities": f.capabilities,
                "actions": f.actions,
                "ports": ports,
            }})
        }
        Message::PacketIn(p) => json!({"OFPPacketIn": {
            "buffer_id": p.buffer_id,
            "total_len": p.total_len,
            "in_port": p.in_port.0,
            "reason": u8::from(p.reason),
            "data": ryu_data(&p.data, &ryu_body("OFPPacketIn", "data")),
        }}),
        Message::PacketOut(p) => json!({"OFPPacketOut": {
            "buffer_id": p.buffer_id,
            "in_port": p.in_port.0,
            "actions": actions(&p.actions),
            "data": ryu_data(&p.data, &ryu_body("OFPPacketOut", "data")),
        }}),
        Message::FlowMod(f) => json!({"OFPFlowMod": {
            "match": ryu_match(&f.match_),
            "cookie": f.cookie,
            "command": u16::from(f.command),
            "idle_timeout": f.idle_timeout,
            "hard_timeout": f.hard_timeout,
            "priority": f.priority,
            "buffer_id": f.buffer_id,
            "out_port": f.out_port.0,
            "flags": f.flags,
            "actions": actions(&f.actions),
        }}),
        other => json!({ "Unmapped": other.type_name() }),
    }
}

// ---------------------------------------------------------------------------------------
// Field-by-field comparison.

fn compare(ours: &Value, ryu: &Value, path: &str, diffs: &mut Vec<String>, leaves: &mut usize) {
    match (ours, ryu) {
        (Value::Object(o), Value::Object(r)) => {
            for (k, rv) in r {
                let p = format!("{path}.{k}");
                match o.get(k) {
                    Some(ov) => compare(ov, rv, &p, diffs, leaves),
                    None => diffs.push(format!("{p}: Ryu has {rv}, we have no such field")),
                }
            }
            for k in o.keys().filter(|k| !r.contains_key(*k)) {
                diffs.push(format!(
                    "{path}.{k}: we have {}, Ryu has no such field",
                    o[k]
                ));
            }
        }
        (Value::Array(o), Value::Array(r)) => {
            if o.len() != r.len() {
                diffs.push(format!("{path}: {} items, Ryu has {}", o.len(), r.len()));
            }
            for (i, (ov, rv)) in o.iter().zip(r).enumerate() {
                compare(ov, rv, &format!("{path}[{i}]"), diffs, leaves);
            }
        }
        _ => {
            *leaves += 1;
            if ours != ryu {
                diffs.push(format!("{path}: we have {ours}, Ryu has {ryu}"));
            }
        }
    }
}

fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .or_else(|| (a.len() != b.len()).then_some(a.len().min(b.len())))
}

/// Check one corpus file; `Err` lists everything wrong with it.
fn check_one(ryu_dir: &std::path::Path, name: &str) -> Result<usize, Vec<String>> {
    let mut problems = Vec::new();
    let raw = std::fs::read(ryu_dir.join("packet_data/of10").join(name))
        .map_err(|e| vec![format!("cannot read: {e}")])?;
    let json_path = ryu_dir.join("json/of10").join(format!("{name}.json"));
    let ryu: Value = std::fs::read_to_string(&json_path)
        .map_err(|e| format!("cannot read {}: {e}", json_path.display()))
        .and_then(|s| serde_json::from_str(&s).map_err(|e| format!("bad JSON: {e}")))
        .map_err(|e| vec![e])?;
    let buf = Bytes::from(raw.clone());
    let (header, msg) = Message::decode(&buf).map_err(|e| vec![format!("decode: {e}")])?;
    match msg.to_bytes(header.xid) {
        Ok(out) => {
            if let Some(at) = first_difference(&out, &raw) {
                problems.push(format!(
                    "re-encode differs at byte {at} (ours {} bytes, original {})",
                    out.len(),
                    raw.len()
                ));
            }
        }
        Err(e) => problems.push(format!("encode: {e}")),
    }
    let ours = ryu_message(&msg, &ryu, &mut problems);
    let mut leaves = 0;
    compare(&ours, &ryu, "", &mut problems, &mut leaves);
    if problems.is_empty() {
        Ok(leaves)
    } else {
        Err(problems)
    }
}

#[test]
fn ryu_of10_corpus() {
    let ryu_dir = corpus_dir();
    let mut names: Vec<String> = std::fs::read_dir(ryu_dir.join("packet_data/of10"))
        .expect("list packet_data/of10")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".packet"))
        .collect();
    names.sort();
    let mut failures = String::new();
    let mut passed = 0;
    for name in &names {
        match check_one(&ryu_dir, name) {
            Ok(leaves) => {
                passed += 1;
                println!("ok   {name} ({leaves} fields compared)");
            }
            Err(problems) => {
                println!("FAIL {name}");
                for p in problems {
                    let _ = writeln!(failures, "{name}: {p}");
                }
            }
        }
    }
    println!("ryu of10 conformance: {passed}/{} passed", names.len());
    assert_eq!(
        names.len(),
        13,
        "expected 13 OF1.0 corpus files, found {}",
        names.len()
    );
    assert!(
        failures.is_empty(),
        "ryu of10 conformance failures:\n{failures}"
    );
}

#[test]
fn comparison_catches_differences() {
    // The comparator must be able to fail: a changed value, a missing and an extra field.
    let mut diffs = Vec::new();
    let mut leaves = 0;
    compare(
        &json!({"A": {"x": 1, "extra": 2, "l": [1, 2]}}),
        &json!({"A": {"x": 2, "missing": 3, "l": [1]}}),
        "",
        &mut diffs,
        &mut leaves,
    );
    assert_eq!(diffs.len(), 4, "{diffs:?}");
    assert_eq!(first_difference(b"abc", b"abd"), Some(2));
    assert_eq!(first_difference(b"ab", b"abc"), Some(2));
    assert_eq!(first_difference(b"abc", b"abc"), None);
    assert_eq!(base64(b"hoge"), "aG9nZQ==");
    assert_eq!(base64(b"fugafuga"), "ZnVnYWZ1Z2E=");
}
