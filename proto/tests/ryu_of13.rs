//! Conformance: every OF1.3 message of Ryu's test corpus (`/work/shared/conformance/ryu`,
//! see its README) must decode, re-encode byte for byte, and decode to the same field
//! values Ryu's JSON records. The corpus is used in place, never copied into the repo.
//!
//! Corpus location: `$TAPDEMON_CONFORMANCE_DIR`, else `<workspace root>/../shared/conformance`.
//! A missing corpus is a failure, not a skip.
//!
//! The field comparison maps our types to Ryu's `to_jsondict()` naming (`ryu_of13/map.rs`,
//! which also lists what is deliberately not compared) and diffs the two JSON trees.

use std::path::PathBuf;

use bytes::{Bytes, BytesMut};
use serde_json::Value;
use tapdemon_proto::header::peek_len;
use tapdemon_proto::of13::Message;
use tapdemon_proto::DecodeErrorKind;

#[path = "ryu_of13/map.rs"]
mod map;

/// Decode standard base64 (test input only: panics on bad input).
fn unbase64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => u32::from(c - b'A'),
        b'a'..=b'z' => u32::from(c - b'a') + 26,
        b'0'..=b'9' => u32::from(c - b'0') + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("bad base64 {c}"),
    };
    let mut out = Vec::new();
    for chunk in s.as_bytes().chunks(4) {
        let n_pad = chunk.iter().filter(|&&c| c == b'=').count();
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= if c == b'=' { 0 } else { val(c) } << (18 - 6 * i);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..4 - n_pad]);
    }
    out
}

/// Ryu's `packet.Packet` JSON for an Ethernet/IPv4/ICMP-echo frame, the only decoded
/// payload in the corpus (packet-out `data` in `ofp_packet_out_packet_library`).
fn ryu_packet(b: &[u8]) -> Value {
    let mac = |m: &[u8]| {
        m.iter()
            .map(|x| format!("{x:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    let u16_at = |i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
    let ip = &b[14..];
    let ihl = usize::from(ip[0] & 15) * 4;
    let icmp = &ip[ihl..];
    let addr = |a: &[u8]| format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]);
    serde_json::json!({"Packet": {"protocols": [
        {"ethernet": {"dst": mac(&b[0..6]), "src": mac(&b[6..12]), "ethertype": u16_at(12)}},
        {"ipv4": {"version": ip[0] >> 4, "header_length": ip[0] & 15, "tos": ip[1],
                  "total_length": u16_at(16), "identification": u16_at(18),
                  "flags": ip[6] >> 5, "offset": u16_at(20) & 0x1fff, "ttl": ip[8],
                  "proto": ip[9], "csum": u16_at(24), "src": addr(&ip[12..16]),
                  "dst": addr(&ip[16..20]), "option": null}},
        {"icmp": {"type": icmp[0], "code": icmp[1],
                  "csum": u16::from_be_bytes([icmp[2], icmp[3]]),
                  "data": {"echo": {"id": u16::from_be_bytes([icmp[4], icmp[5]]),
                                    "seq": u16::from_be_bytes([icmp[6], icmp[7]]),
                                    "data": base64(&icmp[8..])}}}},
    ]}})
}

/// Standard base64 with padding (Ryu writes byte payloads this way).
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn corpus_dir() -> PathBuf {
    let dir = match std::env::var_os("TAPDEMON_CONFORMANCE_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"),
    };
    let ryu = dir.join("ryu");
    assert!(
        ryu.join("packet_data/of13").is_dir(),
        "the Ryu conformance corpus is absent: {} does not exist. Point \
         TAPDEMON_CONFORMANCE_DIR at the directory holding ryu/ (normally \
         /work/shared/conformance; default <workspace root>/../shared/conformance)",
        ryu.join("packet_data/of13").display()
    );
    ryu
}

/// Diff `ours` against `ryu`, appending one line per difference.
///
/// An object whose single key is `~partial:<prefix>` matches a Ryu object whose single key
/// starts with `<prefix>`, comparing only the fields we list (content we keep raw).
/// A string starting with `~unmapped` is something our mapping cannot express: a failure.
fn compare(path: &str, ours: &Value, ryu: &Value, diffs: &mut Vec<String>) {
    match (ours, ryu) {
        (Value::Object(o), Value::Object(r)) => {
            if o.len() == 1 {
                let (k, v) = o.iter().next().unwrap();
                if let Some(prefix) = k.strip_prefix("~partial:") {
                    let Some((rk, rv)) = r.iter().next().filter(|_| r.len() == 1) else {
                        diffs.push(format!(
                            "{path}: expected one {prefix}* object, Ryu has {ryu}"
                        ));
                        return;
                    };
                    if !rk.starts_with(prefix) {
                        diffs.push(format!("{path}: class {rk} is not {prefix}*"));
                        return;
                    }
                    let (Value::Object(vo), Value::Object(rvo)) = (v, rv) else {
                        diffs.push(format!("{path}.{rk}: not objects"));
                        return;
                    };
                    for (field, val) in vo {
                        match rvo.get(field) {
                            Some(rval) => {
                                compare(&format!("{path}.{rk}.{field}"), val, rval, diffs)
                            }
                            None => diffs.push(format!("{path}.{rk}: Ryu has no field {field}")),
                        }
                    }
                    return;
                }
            }
            for (k, v) in o {
                match r.get(k) {
                    Some(rv) => compare(&format!("{path}.{k}"), v, rv, diffs),
                    None => diffs.push(format!("{path}: we have {k} = {v}, Ryu does not")),
                }
            }
            for (k, v) in r {
                if !o.contains_key(k) {
                    diffs.push(format!("{path}: Ryu has {k} = {v}, we do not"));
                }
            }
        }
        (Value::Array(o), Value::Array(r)) => {
            if o.len() != r.len() {
                diffs.push(format!("{path}: {} items, Ryu has {}", o.len(), r.len()));
            }
            for (i, (a, b)) in o.iter().zip(r).enumerate() {
                compare(&format!("{path}[{i}]"), a, b, diffs);
            }
        }
        (Value::Number(a), Value::Number(b)) => {
            let same = match (a.as_u64(), b.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => a.as_f64() == b.as_f64(),
            };
            if !same {
                diffs.push(format!("{path}: {a} != Ryu {b}"));
            }
        }
        // Ryu decodes one packet-out payload into a Packet object: decode ours the same way.
        (Value::String(s), Value::Object(r)) if r.contains_key("Packet") => {
            compare(path, &ryu_packet(&unbase64(s)), ryu, diffs)
        }
        (Value::String(s), _) if s.starts_with("~unmapped") => {
            diffs.push(format!("{path}: {s} (Ryu: {ryu})"))
        }
        (a, b) => {
            if a != b {
                diffs.push(format!("{path}: {a} != Ryu {b}"));
            }
        }
    }
}

/// Decode, re-encode, compare with the JSON. `Err` describes every problem found.
fn check_packet(ryu: &std::path::Path, name: &str) -> Result<(), String> {
    let bytes =
        std::fs::read(ryu.join("packet_data/of13").join(name)).map_err(|e| format!("read: {e}"))?;
    let buf = Bytes::from(bytes);
    let (header, msg) = Message::decode(&buf).map_err(|e| format!("decode: {e}"))?;
    let mut out = BytesMut::new();
    msg.encode(header.xid, &mut out)
        .map_err(|e| format!("encode: {e}"))?;
    if out[..] != buf[..] {
        let at = out
            .iter()
            .zip(buf.iter())
            .position(|(a, b)| a != b)
            .unwrap_or(out.len().min(buf.len()));
        return Err(format!(
            "re-encode differs at byte {at} (ours {} bytes, original {}): ours {:02x?}, \
             original {:02x?}",
            out.len(),
            buf.len(),
            out.get(at..(at + 8).min(out.len())).unwrap_or(&[]),
            buf.get(at..(at + 8).min(buf.len())).unwrap_or(&[]),
        ));
    }
    let json_path = ryu.join("json/of13").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&json_path)
        .map_err(|e| format!("read {}: {e}", json_path.display()))?;
    let expected: Value = serde_json::from_str(&text).map_err(|e| format!("json: {e}"))?;
    let ours = map::message(&msg);
    let mut diffs = Vec::new();
    compare("", &ours, &expected, &mut diffs);
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "fields differ from Ryu's JSON:\n      {}",
            diffs.join("\n      ")
        ))
    }
}

#[test]
fn ryu_of13_corpus() {
    let ryu = corpus_dir();
    let mut names: Vec<String> = std::fs::read_dir(ryu.join("packet_data/of13"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".packet"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 104, "the README promises 104 OF1.3 packets");
    let mut failures = Vec::new();
    for name in &names {
        if let Err(e) = check_packet(&ryu, name) {
            failures.push(format!("  {name}: {e}"));
        }
    }
    let passed = names.len() - failures.len();
    println!("ryu of13 conformance: {passed}/{} passed", names.len());
    assert!(
        failures.is_empty(),
        "ryu of13 conformance: {passed}/{} passed; failures:\n{}",
        names.len(),
        failures.join("\n")
    );
}

#[test]
fn truncated_flow_mod_is_rejected() {
    let ryu = corpus_dir();
    assert!(
        ryu.join("packet_data/of13/libofproto-OFP13-flow_mod.truncated64")
            .exists(),
        "marker file missing"
    );
    let full =
        std::fs::read(ryu.join("packet_data/of13/libofproto-OFP13-flow_mod.packet")).unwrap();
    assert_eq!(full.len(), 256);
    let cut = Bytes::copy_from_slice(&full[..64]);
    let e = Message::decode(&cut).expect_err("a 64-byte cut of a 256-byte flow-mod must fail");
    // The header still claims 256 bytes: the error names the message and the length field.
    assert_eq!(e.context, "OFPT_FLOW_MOD", "{e}");
    assert_eq!(e.field, "ofp_header.length", "{e}");
    assert_eq!(e.offset, 2, "{e}");
    assert_eq!(
        e.kind,
        DecodeErrorKind::Truncated {
            need: 256,
            have: 64
        },
        "{e}"
    );
    let text = e.to_string();
    assert!(
        text.contains("OFPT_FLOW_MOD") && text.contains("256"),
        "{text}"
    );

    // Framing the cut bytes with a header patched to 64 must also fail, inside the body
    // and within the 64 bytes (the match or instructions run past the end).
    let mut patched = full[..64].to_vec();
    patched[2..4].copy_from_slice(&64u16.to_be_bytes());
    let e = Message::decode(&Bytes::from(patched)).expect_err("patched cut must fail");
    assert_eq!(e.context, "OFPT_FLOW_MOD", "{e}");
    assert!(e.offset >= 8 && e.offset <= 64, "{e}");
}

/// The TCP payloads of a classic little- or big-endian pcap with Ethernet/IPv4/TCP frames.
fn pcap_payloads(path: &std::path::Path) -> Vec<Vec<u8>> {
    let data = std::fs::read(path).unwrap();
    assert!(data.len() >= 24, "{}: no pcap header", path.display());
    let le = match data[..4] {
        [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => true,
        [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => false,
        _ => panic!("{}: not a pcap file", path.display()),
    };
    let u32_at = |b: &[u8], i: usize| {
        let w = [b[i], b[i + 1], b[i + 2], b[i + 3]];
        if le {
            u32::from_le_bytes(w)
        } else {
            u32::from_be_bytes(w)
        }
    };
    assert_eq!(u32_at(&data, 20), 1, "only Ethernet link type is handled");
    let mut out = Vec::new();
    let mut pos = 24;
    while pos + 16 <= data.len() {
        let incl = u32_at(&data, pos + 8) as usize;
        let frame = &data[pos + 16..pos + 16 + incl];
        pos += 16 + incl;
        assert_eq!(&frame[12..14], &[0x08, 0x00], "IPv4 only");
        let ip = &frame[14..];
        let ihl = usize::from(ip[0] & 0x0f) * 4;
        let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
        assert_eq!(ip[9], 6, "TCP only");
        let tcp = &ip[ihl..total];
        let doff = usize::from(tcp[12] >> 4) * 4;
        out.push(tcp[doff..].to_vec());
    }
    out
}

/// Split a TCP payload into OpenFlow messages using the header length.
fn frames(payload: &[u8]) -> Vec<Bytes> {
    let mut v = Vec::new();
    let mut rest = payload;
    while let Some(len) = peek_len(rest).unwrap() {
        assert!(len <= rest.len(), "partial message in capture");
        v.push(Bytes::copy_from_slice(&rest[..len]));
        rest = &rest[len..];
    }
    assert!(rest.is_empty(), "trailing bytes in capture");
    v
}

#[test]
fn ryu_pcaps() {
    let ryu = corpus_dir();
    let bad = pcap_payloads(&ryu.join("pcap/openflow_invalid_version.pcap"));
    let msgs: Vec<Bytes> = bad.iter().flat_map(|p| frames(p)).collect();
    assert_eq!(msgs.len(), 1);
    let e = Message::decode(&msgs[0]).expect_err("version 0xff must be rejected");
    assert_eq!(e.kind, DecodeErrorKind::BadVersion { version: 0xff }, "{e}");
    assert_eq!((e.field, e.offset), ("ofp_header.version", 0));

    for (file, ty) in [
        ("openflow_flowmod.pcap", "OFPT_FLOW_MOD"),
        ("openflow_flowstats_req.pcap", "OFPMP_FLOW request"),
    ] {
        let payloads = pcap_payloads(&ryu.join("pcap").join(file));
        let msgs: Vec<Bytes> = payloads.iter().flat_map(|p| frames(p)).collect();
        assert_eq!(msgs.len(), 1, "{file}");
        let (h, m) = Message::decode(&msgs[0]).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(m.type_name(), ty, "{file}");
        let mut out = BytesMut::new();
        m.encode(h.xid, &mut out).unwrap();
        assert_eq!(&out[..], &msgs[0][..], "{file}: re-encode differs");
    }
}

#[test]
fn base64_matches_rfc4648() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(b"hoge"), "aG9nZQ==");
    for s in ["", "f", "fo", "foo", "foob", "hoge"] {
        assert_eq!(unbase64(&base64(s.as_bytes())), s.as_bytes());
    }
}

#[test]
fn compare_reports_differences() {
    use serde_json::json;
    let mut d = Vec::new();
    compare("", &json!({"A": {"x": 1}}), &json!({"A": {"x": 1}}), &mut d);
    assert!(d.is_empty(), "{d:?}");
    compare("", &json!({"A": {"x": 1}}), &json!({"A": {"x": 2}}), &mut d);
    compare(
        "",
        &json!({"A": {"x": 1}}),
        &json!({"A": {"x": 1, "y": 0}}),
        &mut d,
    );
    compare("", &json!({"A": [1, 2]}), &json!({"A": [1]}), &mut d);
    compare("", &json!("~unmapped thing"), &json!({"B": {}}), &mut d);
    assert_eq!(d.len(), 4, "{d:?}");
    d.clear();
    let ours = json!({"~partial:NXAction": {"subtype": 7}});
    compare(
        "",
        &ours,
        &json!({"NXActionRegLoad": {"subtype": 7, "dst": "reg0"}}),
        &mut d,
    );
    assert!(d.is_empty(), "{d:?}");
    compare(
        "",
        &ours,
        &json!({"NXActionRegLoad": {"subtype": 8}}),
        &mut d,
    );
    compare(
        "",
        &ours,
        &json!({"OFPActionOutput": {"subtype": 7}}),
        &mut d,
    );
    assert_eq!(d.len(), 2, "{d:?}");
}
