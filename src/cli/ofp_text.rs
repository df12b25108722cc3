//! The text form of `tapdemon ofp-print`, in the spirit of `ovs-ofctl ofp-print`: a header
//! line per message, then the body's fields as `name=value`, matches and actions in
//! ovs-ofctl's syntax (`in_port=4,eth_type=0x0800`, `output:3,set_field:10.0.0.9->ipv4_dst`),
//! and a one-line summary of any Ethernet frame a PACKET_IN or PACKET_OUT carries.
//!
//! It works on the message's serde form (the same tree `--json` prints), so every message
//! type of both versions, including unknown and experimenter content, prints without a
//! printer per type; the few shapes operators read most (matches, actions, reserved ports,
//! cookies) get ovs-ofctl's conventions.

use std::fmt::Write;

use proto::{MacAddr, Message};
use serde_json::{Map, Value};

use super::capture;

/// Numbers that ovs-ofctl and the specs write in hex.
const HEX_KEYS: &[&str] = &[
    "advertised",
    "buffer_id",
    "capabilities",
    "config",
    "cookie",
    "cookie_mask",
    "curr",
    "datapath_id",
    "dl_type",
    "eth_type",
    "experimenter",
    "metadata",
    "metadata_match",
    "metadata_write",
    "peer",
    "supported",
    "tunnel_id",
    "vendor",
    "wildcards",
];

/// Keys holding group numbers, shown by name when reserved (`ALL`, `ANY`).
const GROUP_KEYS: &[&str] = &["group_id", "out_group", "watch_group"];

/// Keys holding port numbers, shown by name when reserved (`CONTROLLER`, `LOCAL`, ...).
const PORT_KEYS: &[&str] = &["in_port", "out_port", "port", "port_no", "watch_port"];

/// Render `msg`'s body (the lines after the header line), each line indented by two spaces.
pub fn render(msg: &Message) -> Result<String, serde_json::Error> {
    let wide = matches!(msg, Message::Of13(_));
    let tree = serde_json::to_value(msg)?;
    // {"of13": {"flow_mod": {...}}} or {"of13": "features_request"}: strip version and type.
    let body = match strip_tag(&tree) {
        Some(inner) => strip_tag(inner).unwrap_or(&Value::Null),
        None => &Value::Null,
    };
    let mut out = String::new();
    // An error names its type and code as the spec does, before the numbers.
    let names = match msg {
        Message::Of10(proto::of10::Message::Error(e)) => {
            Some((e.type_name().unwrap_or("?"), e.code_name().unwrap_or("?")))
        }
        Message::Of13(proto::of13::Message::Error(e)) => Some(e.names()),
        _ => None,
    };
    match names {
        // Experimenter errors have no spec code to name.
        Some(("OFPET_EXPERIMENTER", _)) => out.push_str("  OFPET_EXPERIMENTER\n"),
        Some((ty, code)) => {
            let _ = writeln!(out, "  {ty} {code}");
        }
        None => {}
    }
    let p = Printer { wide };
    p.block(&mut out, body, 1);
    Ok(out)
}

/// The value of a single-key object (serde's externally tagged enum).
fn strip_tag(v: &Value) -> Option<&Value> {
    match v {
        Value::Object(m) => single(m).map(|(_, v)| v),
        _ => None,
    }
}

/// The one entry of a one-entry object: an enum variant's name and content.
fn single(m: &Map<String, Value>) -> Option<(&str, &Value)> {
    match m.len() {
        1 => m.iter().next().map(|(k, v)| (k.as_str(), v)),
        _ => None,
    }
}

struct Printer {
    /// OF1.3: 32-bit port numbers (else OF1.0's 16-bit ones).
    wide: bool,
}

impl Printer {
    /// Lines for a value at `depth` (two spaces per level).
    fn block(&self, out: &mut String, v: &Value, depth: usize) {
        let pad = "  ".repeat(depth);
        match v {
            Value::Object(map) => self.fields(out, map, depth),
            Value::Array(items) if items.iter().all(is_structure) => {
                self.entries(out, items, depth)
            }
            Value::Null => {}
            other => {
                let _ = writeln!(out, "{pad}{}", self.compact("", other));
            }
        }
    }

    /// A structure's fields: the short ones on one `name=value` line, then one line (or
    /// block) per match, action list, payload or nested structure.
    fn fields(&self, out: &mut String, map: &Map<String, Value>, depth: usize) {
        let pad = "  ".repeat(depth);
        let scalars = self.inline_fields(map);
        if !scalars.is_empty() {
            let _ = writeln!(out, "{pad}{scalars}");
        }
        // The match first, then what is done with it, as ovs-ofctl reads.
        let rank = |k: &str| match k {
            "match" => 0,
            "actions" | "instructions" => 1,
            _ => 2,
        };
        let mut nested: Vec<(&String, &Value)> =
            map.iter().filter(|(k, v)| !is_inline(k, v)).collect();
        nested.sort_by_key(|(k, _)| rank(k));
        // PACKET_IN and PACKET_OUT carry an Ethernet frame; other `data` is opaque.
        let carries_frame = map.contains_key("buffer_id") && map.contains_key("data");
        for (k, val) in nested {
            match (k.as_str(), val) {
                ("match", _) => {
                    let _ = writeln!(out, "{pad}match: {}", self.match_text(val));
                }
                ("actions" | "instructions", Value::Array(_)) => {
                    let _ = writeln!(out, "{pad}{k}: {}", self.action_list(val));
                }
                ("data", Value::String(hex)) => {
                    // PACKET_IN/OUT carry a frame; an error, (the start of) the request
                    // that failed; anything else is opaque.
                    let describe = if carries_frame {
                        frame_summary
                    } else if map.contains_key("code") {
                        request_summary
                    } else {
                        |_: &[u8]| String::new()
                    };
                    let _ = writeln!(out, "{pad}data: {}", data_text(hex, describe));
                }
                (_, Value::Array(items)) if items.iter().all(is_structure) => {
                    let _ = writeln!(out, "{pad}{k}: {} entries", items.len());
                    self.entries(out, items, depth + 1);
                }
                // A tagged body (`flow`, `standard`): name it, then print what it holds.
                (_, Value::Object(inner)) => match single(inner) {
                    Some((tag, inner_v)) => {
                        let _ = writeln!(out, "{pad}{k}: {tag}");
                        self.block(out, inner_v, depth + 1);
                    }
                    None => {
                        let _ = writeln!(out, "{pad}{k}:");
                        self.block(out, val, depth + 1);
                    }
                },
                _ => {
                    let _ = writeln!(out, "{pad}{k}:");
                    self.block(out, val, depth + 1);
                }
            }
        }
    }

    /// The short fields of a structure as `name=value name=value`.
    fn inline_fields(&self, map: &Map<String, Value>) -> String {
        self.pairs(map.iter().filter(|(k, v)| is_inline(k, v)), " ")
    }

    /// `name=value` for each entry, joined by `sep`.
    fn pairs<'v>(
        &self,
        entries: impl Iterator<Item = (&'v String, &'v Value)>,
        sep: &str,
    ) -> String {
        let parts: Vec<String> = entries
            .map(|(k, v)| format!("{k}={}", self.compact(k, v)))
            .collect();
        parts.join(sep)
    }

    /// List entries, numbered; tagged ones (meter bands, table-feature properties) name
    /// their kind beside the number.
    fn entries(&self, out: &mut String, items: &[Value], depth: usize) {
        let pad = "  ".repeat(depth);
        for (i, item) in items.iter().enumerate() {
            let tagged = match item {
                Value::Object(m) => single(m).filter(|(_, inner)| inner.is_object()),
                _ => None,
            };
            let (label, inner) = match tagged {
                Some((tag, inner)) => (format!("[{i}] {tag}"), inner),
                None => (format!("[{i}]"), item),
            };
            // An entry of short fields only stays on its number's line.
            match inner {
                Value::Object(m) if !m.is_empty() && m.iter().all(|(k, v)| is_inline(k, v)) => {
                    let _ = writeln!(out, "{pad}{label} {}", self.inline_fields(m));
                }
                _ => {
                    let _ = writeln!(out, "{pad}{label}");
                    self.block(out, inner, depth + 1);
                }
            }
        }
    }

    /// One value on one line.
    fn compact(&self, key: &str, v: &Value) -> String {
        match v {
            Value::Null => "none".into(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => match n.as_u64() {
                Some(x) if PORT_KEYS.contains(&key) => self.port(x),
                Some(0xffff_fffc) if GROUP_KEYS.contains(&key) => "ALL".into(),
                Some(0xffff_ffff) if GROUP_KEYS.contains(&key) => "ANY".into(),
                Some(x) if key == "eth_type" || key == "dl_type" => format!("{x:#06x}"),
                Some(x) if HEX_KEYS.contains(&key) => format!("{x:#x}"),
                _ => n.to_string(),
            },
            Value::String(s) if s.is_empty() => "\"\"".into(),
            Value::String(s) => s.clone(),
            Value::Array(items) => {
                let parts: Vec<String> = items.iter().map(|i| self.compact(key, i)).collect();
                format!("[{}]", parts.join(","))
            }
            Value::Object(m) => {
                if let Some(text) = self.masked(key, m) {
                    return text;
                }
                match single(m) {
                    Some((k, inner)) => self.action(k, inner),
                    None => format!("({})", self.pairs(m.iter(), ",")),
                }
            }
        }
    }

    /// `{"mask": m, "value": v}` as `v` or `v/m`.
    fn masked(&self, key: &str, m: &Map<String, Value>) -> Option<String> {
        if m.len() != 2 {
            return None;
        }
        let value = m.get("value")?;
        let mask = m.get("mask")?;
        let v = self.compact(key, value);
        Some(match mask {
            Value::Null => v,
            mask => format!("{v}/{}", self.compact(key, mask)),
        })
    }

    /// An action or instruction, ovs-ofctl style where it has one.
    fn action(&self, name: &str, inner: &Value) -> String {
        match (name, inner) {
            ("output", Value::Object(o)) => {
                let port = o.get("port").and_then(Value::as_u64).unwrap_or(0);
                let max_len = o.get("max_len").and_then(Value::as_u64).unwrap_or(0);
                match self.port(port).as_str() {
                    "CONTROLLER" => format!("CONTROLLER:{max_len}"),
                    name => format!("output:{name}"),
                }
            }
            ("set_field", Value::Object(f)) => match single(f) {
                Some((_, Value::Object(u))) if u.contains_key("body") => {
                    format!("set_field:{}", unknown_oxm(u))
                }
                Some((field, v)) => format!("set_field:{}->{field}", self.compact(field, v)),
                None => format!("{name}({})", self.pairs(f.iter(), ",")),
            },
            ("experimenter" | "vendor", Value::Object(o))
                if o.len() == 2 && o.contains_key(name) && o.contains_key("body") =>
            {
                // Kept as read: the experimenter id, then the body in hex.
                let id = o.get(name).and_then(Value::as_u64).unwrap_or(0);
                let body = o.get("body").and_then(Value::as_str).unwrap_or("");
                format!("{name}({id:#x}):{body}")
            }
            ("apply_actions" | "write_actions", Value::Array(_)) => {
                format!("{name}({})", self.action_list(inner))
            }
            (_, Value::Object(o)) => match single(o) {
                Some((k, v)) => format!("{name}:{}", self.compact(k, v)),
                None => format!("{name}({})", self.pairs(o.iter(), ",")),
            },
            (_, Value::Null) => name.into(),
            (_, v) => format!("{name}:{}", self.compact(name, v)),
        }
    }

    fn action_list(&self, v: &Value) -> String {
        let Value::Array(items) = v else {
            return self.compact("actions", v);
        };
        if items.is_empty() {
            return "drop".into();
        }
        let parts: Vec<String> = items
            .iter()
            .map(|a| match a {
                Value::String(s) => s.clone(), // unit actions: pop_vlan, clear_actions
                Value::Object(m) => match single(m) {
                    Some((k, inner)) => self.action(k, inner),
                    None => self.compact("", a),
                },
                other => self.compact("", other),
            })
            .collect();
        parts.join(",")
    }

    /// OF1.3: the OXM list as `field=value,...`; OF1.0: the fields its wildcards leave.
    fn match_text(&self, v: &Value) -> String {
        let text = match v {
            Value::Array(oxms) => oxms
                .iter()
                .map(|oxm| match oxm {
                    Value::Object(m) => match single(m) {
                        Some((_, Value::Object(u))) if u.contains_key("body") => unknown_oxm(u),
                        Some((field, val)) => format!("{field}={}", self.compact(field, val)),
                        None => self.compact("", oxm),
                    },
                    other => self.compact("", other),
                })
                .collect::<Vec<_>>()
                .join(","),
            Value::Object(m) if m.contains_key("wildcards") => self.of10_match(m),
            other => self.compact("match", other),
        };
        if text.is_empty() {
            "any".into()
        } else {
            text
        }
    }

    fn of10_match(&self, m: &Map<String, Value>) -> String {
        use proto::of10::consts::*;
        let wildcards = m.get("wildcards").and_then(Value::as_u64).unwrap_or(0) as u32;
        // Each field is matched when its wildcard bit is clear; each IPv4 address when
        // fewer than 32 of its low bits are ignored. In ovs-ofctl's order.
        enum Bit {
            Flag(u32),
            Prefix(u32),
        }
        let fields = [
            ("in_port", Bit::Flag(OFPFW_IN_PORT)),
            ("dl_vlan", Bit::Flag(OFPFW_DL_VLAN)),
            ("dl_vlan_pcp", Bit::Flag(OFPFW_DL_VLAN_PCP)),
            ("dl_src", Bit::Flag(OFPFW_DL_SRC)),
            ("dl_dst", Bit::Flag(OFPFW_DL_DST)),
            ("dl_type", Bit::Flag(OFPFW_DL_TYPE)),
            ("nw_src", Bit::Prefix(OFPFW_NW_SRC_SHIFT)),
            ("nw_dst", Bit::Prefix(OFPFW_NW_DST_SHIFT)),
            ("nw_tos", Bit::Flag(OFPFW_NW_TOS)),
            ("nw_proto", Bit::Flag(OFPFW_NW_PROTO)),
            ("tp_src", Bit::Flag(OFPFW_TP_SRC)),
            ("tp_dst", Bit::Flag(OFPFW_TP_DST)),
        ];
        let mut parts = Vec::new();
        for (name, bit) in fields {
            let Some(v) = m.get(name) else { continue };
            match bit {
                Bit::Flag(flag) if wildcards & flag == 0 => {
                    parts.push(format!("{name}={}", self.compact(name, v)));
                }
                Bit::Prefix(shift) => match (wildcards >> shift) & 0x3f {
                    0 => parts.push(format!("{name}={}", self.compact(name, v))),
                    n @ 1..=31 => {
                        parts.push(format!("{name}={}/{}", self.compact(name, v), 32 - n))
                    }
                    _ => {}
                },
                Bit::Flag(_) => {}
            }
        }
        parts.join(",")
    }

    /// A port number, by name when it is a reserved port of this version.
    fn port(&self, p: u64) -> String {
        let base = if self.wide { 0xffff_fff8 } else { 0xfff8 };
        const NAMES: [&str; 8] = [
            "IN_PORT",
            "TABLE",
            "NORMAL",
            "FLOOD",
            "ALL",
            "CONTROLLER",
            "LOCAL",
            "ANY",
        ];
        match p.checked_sub(base) {
            Some(i) if (i as usize) < NAMES.len() => {
                // OF1.0 calls ANY "NONE".
                if !self.wide && i == 7 {
                    "NONE".into()
                } else {
                    NAMES[i as usize].into()
                }
            }
            _ => p.to_string(),
        }
    }
}

/// An OXM this codec does not name, kept as read: `oxm(class=0x0001,field=31)=c0a80203`.
fn unknown_oxm(u: &Map<String, Value>) -> String {
    let num = |k: &str| u.get(k).and_then(Value::as_u64).unwrap_or(0);
    let body = u.get("body").and_then(Value::as_str).unwrap_or("");
    // Experimenter OXMs carry no class of their own: theirs is OFPXMC_EXPERIMENTER.
    let class = u.get("class").and_then(Value::as_u64).unwrap_or(0xffff);
    let mut text = format!("oxm(class={class:#06x},field={})", num("field"));
    if let Some(e) = u.get("experimenter").and_then(Value::as_u64) {
        let _ = write!(text, "(experimenter={e:#x})");
    }
    // A masked OXM's body is the value, then a mask of the same length.
    let half = body.len() / 2;
    match u.get("hasmask").and_then(Value::as_bool) {
        Some(true) if half % 2 == 0 && body.is_char_boundary(half) => {
            let _ = write!(text, "={}/{}", &body[..half], &body[half..]);
        }
        _ => {
            let _ = write!(text, "={body}");
        }
    }
    text
}

/// Whether a field fits on the shared `name=value` line.
fn is_inline(key: &str, v: &Value) -> bool {
    if key == "match" {
        return false;
    }
    match v {
        Value::Array(items) => {
            key != "actions" && key != "instructions" && !items.iter().any(is_structure)
        }
        Value::Object(m) => m.len() == 2 && m.contains_key("mask") && m.contains_key("value"),
        Value::String(_) => key != "data",
        _ => true,
    }
}

fn is_structure(v: &Value) -> bool {
    matches!(v, Value::Object(_))
}

/// A `data` field (hex): its length, what `describe` makes of its bytes, then the hex
/// (`42 bytes: f2:0b:a4:7d:f8:ea > ff:ff:ff:ff:ff:ff arp op 1 [ffff...]`).
fn data_text(hex: &str, describe: fn(&[u8]) -> String) -> String {
    match proto::serde_hex::from_hex(hex) {
        Some(bytes) => format!("{} bytes{} [{hex}]", bytes.len(), describe(&bytes)),
        None => hex.to_string(),
    }
}

/// The request an error echoes, when it starts with an OpenFlow header
/// (`: OFPT_FLOW_MOD (OF1.3) xid=0x5 len=80`).
fn request_summary(bytes: &[u8]) -> String {
    let mut text = String::new();
    if let Some(&[version, ty, l0, l1, x0, x1, x2, x3]) = bytes.get(..proto::HEADER_LEN) {
        let name = match version {
            proto::OFP10_VERSION => Some((proto::of10::type_name(ty), "1.0")),
            proto::OFP13_VERSION => Some((proto::of13::type_name_of(ty), "1.3")),
            _ => None,
        };
        if let Some((name, v)) = name {
            let xid = u32::from_be_bytes([x0, x1, x2, x3]);
            let len = u16::from_be_bytes([l0, l1]);
            let _ = write!(text, ": {name} (OF{v}) xid={xid:#x} len={len}");
        }
    }
    text
}

/// A frame, when it parses as Ethernet: the addresses and protocols
/// (`: f2:0b:a4:7d:f8:ea > ff:ff:ff:ff:ff:ff arp op 1`).
fn frame_summary(bytes: &[u8]) -> String {
    let mut text = String::new();
    if bytes.is_empty() {
        return text;
    }
    match etherparse::LaxSlicedPacket::from_ethernet(bytes) {
        Ok(p) => {
            if let Some(etherparse::LinkSlice::Ethernet2(eth)) = &p.link {
                let (src, dst) = (MacAddr(eth.source()), MacAddr(eth.destination()));
                let _ = write!(text, ": {src} > {dst}");
            }
            for vlan in p.vlan_ids() {
                let _ = write!(text, " vlan {}", vlan.value());
            }
            if let Some(etherparse::LaxNetSlice::Arp(arp)) = &p.net {
                let _ = write!(text, " arp op {}", arp.operation().0);
            }
            if let Some((src, dst)) = capture::lax_addrs(&p.net) {
                let ip = if src.is_ipv4() { "ipv4" } else { "ipv6" };
                let _ = write!(text, " {ip} {src} > {dst}");
            }
            match &p.transport {
                Some(etherparse::TransportSlice::Tcp(t)) => {
                    let _ = write!(text, " tcp {} > {}", t.source_port(), t.destination_port());
                }
                Some(etherparse::TransportSlice::Udp(u)) => {
                    let _ = write!(text, " udp {} > {}", u.source_port(), u.destination_port());
                }
                Some(etherparse::TransportSlice::Icmpv4(i)) => {
                    let _ = write!(text, " icmp type {}", i.type_u8());
                }
                Some(etherparse::TransportSlice::Icmpv6(i)) => {
                    let _ = write!(text, " icmp6 type {}", i.type_u8());
                }
                _ => {}
            }
        }
        Err(_) => text.push_str(" (not an Ethernet frame)"),
    }
    text
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use bytes::Bytes;
    use proto::flow::{self, Action, Masked, PortNo};
    use proto::{of10, of13};

    use super::*;

    /// PyTapDEMon's tap rule: in_port=4 -> output:3,output:7, hard_timeout=120.
    fn seed_rule() -> flow::FlowMod {
        let mut f = flow::FlowMod::add(
            flow::Match {
                in_port: Some(4),
                ..Default::default()
            },
            vec![
                Action::Output {
                    port: PortNo::Number(3),
                    max_len: 0,
                },
                Action::Output {
                    port: PortNo::Number(7),
                    max_len: 0,
                },
            ],
            100,
        );
        f.hard_timeout = 120;
        f.cookie = 0xabc;
        f
    }

    /// h8 -> h9, TCP 40000 -> 80.
    fn tcp_h8_h9() -> Vec<u8> {
        let builder = etherparse::PacketBuilder::ethernet2([0, 0, 0, 0, 0, 8], [0, 0, 0, 0, 0, 9])
            .ipv4([10, 0, 0, 8], [10, 0, 0, 9], 64)
            .tcp(40000, 80, 1, 1000);
        let mut frame = Vec::new();
        builder.write(&mut frame, b"GET /").unwrap();
        frame
    }

    fn text(msg: Message) -> String {
        render(&msg).unwrap()
    }

    #[test]
    fn of13_flow_mod_reads_like_ovs_ofctl() {
        let t = text(Message::Of13(of13::Message::FlowMod(
            seed_rule().to_of13().unwrap(),
        )));
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].contains("command=add"), "{t}");
        assert!(lines[0].contains("cookie=0xabc"), "{t}");
        assert!(lines[0].contains("hard_timeout=120"), "{t}");
        assert!(lines[0].contains("out_port=ANY"), "{t}");
        assert!(lines[0].contains("out_group=ANY"), "{t}");
        assert_eq!(lines[1], "  match: in_port=4", "{t}");
        assert_eq!(
            lines[2], "  instructions: apply_actions(output:3,output:7)",
            "{t}"
        );
    }

    #[test]
    fn of10_match_shows_only_what_the_wildcards_leave() {
        let mut rule = seed_rule();
        rule.match_ = flow::Match {
            eth_type: Some(0x0800),
            ip_proto: Some(6),
            ipv4_src: Some(Masked {
                value: Ipv4Addr::new(10, 0, 0, 0),
                mask: Some(Ipv4Addr::new(255, 255, 255, 0)),
            }),
            tp_dst: Some(80),
            ..Default::default()
        };
        rule.actions.push(Action::Output {
            port: PortNo::Controller,
            max_len: 128,
        });
        let t = text(Message::Of10(of10::Message::FlowMod(
            rule.to_of10().unwrap(),
        )));
        assert!(
            t.contains("  match: dl_type=0x0800,nw_src=10.0.0.0/24,nw_proto=6,tp_dst=80\n"),
            "{t}"
        );
        assert!(
            t.contains("  actions: output:3,output:7,CONTROLLER:128\n"),
            "{t}"
        );
        // OF1.0's reserved ports are 16-bit; OFPP_NONE is 0xffff.
        assert!(t.contains("out_port=NONE"), "{t}");
    }

    #[test]
    fn packet_in_frame_is_summarised() {
        let frame = tcp_h8_h9();
        let t = text(Message::Of10(of10::Message::PacketIn(of10::PacketIn {
            buffer_id: 0xffff_ffff,
            total_len: frame.len() as u16,
            in_port: of10::PortNo(4),
            reason: of10::PacketInReason::NoMatch,
            data: Bytes::from(frame.clone()),
        })));
        assert!(t.contains("in_port=4"), "{t}");
        assert!(t.contains("reason=no_match"), "{t}");
        let want = format!(
            "data: {} bytes: 00:00:00:00:00:08 > 00:00:00:00:00:09 ipv4 10.0.0.8 > 10.0.0.9 tcp 40000 > 80 [",
            frame.len()
        );
        assert!(t.contains(&want), "{t}");
    }

    #[test]
    fn of10_flow_stats_entries_read_like_dump_flows() {
        use proto::of10::stats_reply::{FlowStats, StatsReply, StatsReplyBody};
        let fm = seed_rule().to_of10().unwrap();
        let entry = FlowStats {
            table_id: 0,
            match_: fm.match_,
            duration_sec: 5,
            duration_nsec: 0,
            priority: 100,
            idle_timeout: 0,
            hard_timeout: 120,
            cookie: 0xabc,
            packet_count: 7,
            byte_count: 700,
            actions: fm.actions.clone(),
        };
        let t = text(Message::Of10(of10::Message::StatsReply(StatsReply {
            flags: 0,
            body: StatsReplyBody::Flow(vec![entry.clone(), entry]),
        })));
        let want = "  body: flow\n    [0]\n      byte_count=700 cookie=0xabc duration_nsec=0 \
                    duration_sec=5 hard_timeout=120 idle_timeout=0 packet_count=7 priority=100 \
                    table_id=0\n      match: in_port=4\n      actions: output:3,output:7\n    [1]\n";
        assert!(t.starts_with(&format!("  flags=0\n{want}")), "{t}");
    }

    #[test]
    fn errors_name_type_code_and_the_failed_request() {
        // OFPET_BAD_REQUEST / OFPBRC_BAD_TYPE, echoing the first 8 bytes of an 80-byte
        // flow-mod with xid 5.
        let echoed = Bytes::from_static(&[4, 14, 0, 80, 0, 0, 0, 5]);
        let t = text(Message::Of13(of13::Message::Error(
            of13::ErrorMsg::Standard {
                ty: 1,
                code: 1,
                data: echoed.clone(),
            },
        )));
        assert!(
            t.starts_with("  OFPET_BAD_REQUEST OFPBRC_BAD_TYPE\n"),
            "{t}"
        );
        assert!(
            t.contains("data: 8 bytes: OFPT_FLOW_MOD (OF1.3) xid=0x5 len=80 [040e005000000005]"),
            "{t}"
        );
        let t = text(Message::Of10(of10::Message::Error(of10::ErrorMsg {
            ty: of10::ErrorType::BadAction,
            code: 4,
            data: Bytes::from_static(&[1, 13, 0, 24, 0, 0, 0, 9]),
        })));
        assert!(
            t.starts_with("  OFPET_BAD_ACTION OFPBAC_BAD_OUT_PORT\n"),
            "{t}"
        );
        assert!(t.contains("OFPT_PACKET_OUT (OF1.0) xid=0x9 len=24"), "{t}");
    }

    #[test]
    fn unknown_oxm_and_empty_match_are_named() {
        let mut m = seed_rule().to_of13().unwrap();
        m.match_ = of13::match_::Match::new();
        let t = text(Message::Of13(of13::Message::FlowMod(m)));
        assert!(t.contains("  match: any\n"), "{t}");
        let u = serde_json::json!({"class": 1, "field": 33, "hasmask": true, "body": "0000d4310000ffff"});
        assert_eq!(
            unknown_oxm(u.as_object().unwrap()),
            "oxm(class=0x0001,field=33)=0000d431/0000ffff"
        );
    }
}
