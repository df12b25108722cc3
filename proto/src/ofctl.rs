//! `ovs-ofctl` text syntax for the neutral flow model ([`crate::flow`]).
//!
//! Operators already know how to write `tcp,tp_dst=80` or `ip,nw_src=10.0.0.0/24` and how to
//! read `dump-flows` output, so tap filters in the config and the REST API use that syntax
//! (ovs-fields(7), ovs-actions(7)), and flows are shown in it.
//!
//! Parsing covers what the neutral model can express; anything else is a typed error that
//! names the token and its byte position.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use crate::flow::{Action, Masked, Match, PortNo, VlanMatch};
use crate::types::MacAddr;

/// A match or action string that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}: `{token}` at position {position}")]
pub struct OfctlError {
    /// The offending `key=value` or keyword.
    pub token: String,
    /// Byte position of the token in the input.
    pub position: usize,
    /// What is wrong with it.
    pub reason: &'static str,
}

const ETH_IPV4: u16 = 0x0800;
const ETH_ARP: u16 = 0x0806;
const ETH_IPV6: u16 = 0x86dd;

/// Split on commas, keeping each piece's byte position; empty pieces and spaces are skipped.
fn tokens(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut pos = 0;
    s.split(',').filter_map(move |t| {
        let start = pos;
        pos += t.len() + 1;
        let lead = t.len() - t.trim_start().len();
        let t = t.trim();
        (!t.is_empty()).then_some((start + lead, t))
    })
}

fn err(token: &str, position: usize, reason: &'static str) -> OfctlError {
    OfctlError {
        token: token.to_string(),
        position,
        reason,
    }
}

fn parse_int(v: &str) -> Option<u64> {
    match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

fn parse_num<T: TryFrom<u64>>(v: &str) -> Option<T> {
    parse_int(v).and_then(|n| T::try_from(n).ok())
}

fn parse_ipv4_masked(v: &str) -> Option<Masked<Ipv4Addr>> {
    let (addr, mask) = match v.split_once('/') {
        None => return v.parse().ok().map(Masked::exact),
        Some(parts) => parts,
    };
    let addr: Ipv4Addr = addr.parse().ok()?;
    let mask = if let Ok(m) = mask.parse::<Ipv4Addr>() {
        m
    } else {
        let bits: u32 = mask.parse().ok().filter(|b| *b <= 32)?;
        Ipv4Addr::from(if bits == 0 {
            0
        } else {
            u32::MAX << (32 - bits)
        })
    };
    if mask == Ipv4Addr::BROADCAST {
        return Some(Masked::exact(addr));
    }
    // ovs-ofctl stores the masked value: 10.0.0.7/24 matches like 10.0.0.0/24.
    let value = Ipv4Addr::from(u32::from(addr) & u32::from(mask));
    Some(Masked {
        value,
        mask: Some(mask),
    })
}

fn parse_mac_masked(v: &str) -> Option<Masked<MacAddr>> {
    match v.split_once('/') {
        None => v.parse().ok().map(Masked::exact),
        Some((a, m)) => {
            let m: MacAddr = m.parse().ok()?;
            let a: MacAddr = a.parse().ok()?;
            (m != MacAddr::BROADCAST)
                .then_some(Masked {
                    value: a,
                    mask: Some(m),
                })
                .or(Some(Masked::exact(a)))
        }
    }
}

/// Parse a match such as `tcp,in_port=3,nw_src=10.0.0.0/24,tp_dst=80`.
///
/// An empty string (or `any`) matches everything.
pub fn parse_match(s: &str) -> Result<Match, OfctlError> {
    let mut m = Match::default();
    for (pos, tok) in tokens(s) {
        let (key, value) = match tok.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (tok, None),
        };
        let bad = |reason| err(tok, pos, reason);
        let Some(v) = value else {
            let (eth, proto) = match key {
                "any" => continue,
                "ip" => (ETH_IPV4, None),
                "ipv6" => (ETH_IPV6, None),
                "arp" => (ETH_ARP, None),
                "icmp" => (ETH_IPV4, Some(1)),
                "tcp" => (ETH_IPV4, Some(6)),
                "udp" => (ETH_IPV4, Some(17)),
                "sctp" => (ETH_IPV4, Some(132)),
                "icmp6" => (ETH_IPV6, Some(58)),
                "tcp6" => (ETH_IPV6, Some(6)),
                "udp6" => (ETH_IPV6, Some(17)),
                _ => return Err(bad("unknown protocol keyword")),
            };
            m.eth_type = Some(eth);
            if proto.is_some() {
                m.ip_proto = proto;
            }
            continue;
        };
        match key {
            "in_port" => m.in_port = Some(parse_num(v).ok_or_else(|| bad("bad port number"))?),
            "dl_src" | "eth_src" => {
                m.eth_src = Some(parse_mac_masked(v).ok_or_else(|| bad("bad MAC address"))?)
            }
            "dl_dst" | "eth_dst" => {
                m.eth_dst = Some(parse_mac_masked(v).ok_or_else(|| bad("bad MAC address"))?)
            }
            "dl_type" | "eth_type" => {
                m.eth_type = Some(parse_num(v).ok_or_else(|| bad("bad EtherType"))?)
            }
            "dl_vlan" | "vlan_vid" => {
                let vid: u16 = parse_num(v).ok_or_else(|| bad("bad VLAN id"))?;
                m.vlan = Some(match vid {
                    0xffff => VlanMatch::Untagged,
                    0..=4095 => VlanMatch::Vid(vid),
                    _ => return Err(bad("VLAN id out of range 0..4095")),
                });
            }
            "dl_vlan_pcp" | "vlan_pcp" => {
                m.vlan_pcp = Some(
                    parse_num(v)
                        .filter(|p| *p < 8)
                        .ok_or_else(|| bad("bad VLAN priority"))?,
                )
            }
            "nw_src" | "ip_src" => {
                m.ipv4_src =
                    Some(parse_ipv4_masked(v).ok_or_else(|| bad("bad IPv4 address or mask"))?)
            }
            "nw_dst" | "ip_dst" => {
                m.ipv4_dst =
                    Some(parse_ipv4_masked(v).ok_or_else(|| bad("bad IPv4 address or mask"))?)
            }
            "nw_proto" | "ip_proto" => {
                m.ip_proto = Some(parse_num(v).ok_or_else(|| bad("bad IP protocol"))?)
            }
            "ip_dscp" => {
                m.ip_dscp = Some(
                    parse_num(v)
                        .filter(|d| *d < 64)
                        .ok_or_else(|| bad("bad DSCP"))?,
                )
            }
            "nw_tos" => {
                let tos: u8 = parse_num(v).ok_or_else(|| bad("bad ToS"))?;
                m.ip_dscp = Some(tos >> 2);
            }
            "tp_src" | "tcp_src" | "udp_src" | "sctp_src" | "icmp_type" => {
                m.tp_src = Some(parse_num(v).ok_or_else(|| bad("bad transport port"))?)
            }
            "tp_dst" | "tcp_dst" | "udp_dst" | "sctp_dst" | "icmp_code" => {
                m.tp_dst = Some(parse_num(v).ok_or_else(|| bad("bad transport port"))?)
            }
            _ => return Err(bad("unknown or unsupported match field")),
        }
    }
    check_prerequisites(&m).map_err(|reason| err(s, 0, reason))?;
    Ok(m)
}

/// OpenFlow's prerequisites: an IP field needs an IP EtherType, a port needs a protocol.
pub fn check_prerequisites(m: &Match) -> Result<(), &'static str> {
    let ip = matches!(m.eth_type, Some(ETH_IPV4) | Some(ETH_IPV6));
    if (m.ipv4_src.is_some() || m.ipv4_dst.is_some()) && m.eth_type != Some(ETH_IPV4) {
        return Err("nw_src/nw_dst need `ip` (dl_type=0x0800)");
    }
    if (m.ip_proto.is_some() || m.ip_dscp.is_some()) && !(ip || m.eth_type == Some(ETH_ARP)) {
        return Err("nw_proto/ip_dscp need `ip` or `ipv6`");
    }
    if (m.tp_src.is_some() || m.tp_dst.is_some()) && !(ip && m.ip_proto.is_some()) {
        return Err("tp_src/tp_dst need a protocol (`tcp`, `udp`, `icmp`, ...)");
    }
    Ok(())
}

fn parse_port(v: &str) -> Option<PortNo> {
    Some(match v.to_ascii_lowercase().as_str() {
        "in_port" => PortNo::InPort,
        "table" => PortNo::Table,
        "normal" => PortNo::Normal,
        "flood" => PortNo::Flood,
        "all" => PortNo::All,
        "controller" => PortNo::Controller,
        "local" => PortNo::Local,
        "any" | "none" => PortNo::Any,
        n => PortNo::Number(parse_num(n)?),
    })
}

/// Parse an action list such as `output:3,output:7` or `strip_vlan,output:11`.
/// `drop` (or an empty string) is the empty list.
pub fn parse_actions<'a>(s: &'a str) -> Result<Vec<Action>, OfctlError> {
    let mut out = Vec::new();
    for (pos, tok) in tokens(s) {
        let bad = |reason| err(tok, pos, reason);
        let (key, value) = match tok.split_once([':', '=']) {
            Some((k, v)) => (k.trim().to_ascii_lowercase(), Some(v.trim())),
            None => (tok.to_ascii_lowercase(), None),
        };
        let missing = bad("missing argument");
        let need = |v: Option<&'a str>| v.ok_or_else(|| missing.clone());
        let action = match (key.as_str(), value) {
            ("drop", None) => continue,
            ("output", Some(v)) => Action::Output {
                port: parse_port(v).ok_or_else(|| bad("bad port"))?,
                max_len: 0,
            },
            ("controller", v) => Action::Output {
                port: PortNo::Controller,
                max_len: match v {
                    Some(v) => parse_num(v.trim_start_matches("max_len="))
                        .ok_or_else(|| bad("bad max_len"))?,
                    None => u16::MAX,
                },
            },
            (p, None) if parse_port(p).is_some() => Action::Output {
                port: parse_port(p).ok_or_else(|| bad("bad port"))?,
                max_len: 0,
            },
            ("mod_vlan_vid", v) => Action::SetVlanVid(
                parse_num(need(v)?)
                    .filter(|x| *x < 4096)
                    .ok_or_else(|| bad("bad VLAN id"))?,
            ),
            ("mod_vlan_pcp", v) => Action::SetVlanPcp(
                parse_num(need(v)?)
                    .filter(|x| *x < 8)
                    .ok_or_else(|| bad("bad VLAN priority"))?,
            ),
            ("strip_vlan" | "pop_vlan", None) => Action::PopVlan,
            ("push_vlan", v) => {
                Action::PushVlan(parse_num(need(v)?).ok_or_else(|| bad("bad EtherType"))?)
            }
            ("mod_dl_src", v) => {
                Action::SetEthSrc(need(v)?.parse().map_err(|_| bad("bad MAC address"))?)
            }
            ("mod_dl_dst", v) => {
                Action::SetEthDst(need(v)?.parse().map_err(|_| bad("bad MAC address"))?)
            }
            ("mod_nw_src", v) => {
                Action::SetIpv4Src(need(v)?.parse().map_err(|_| bad("bad IPv4 address"))?)
            }
            ("mod_nw_dst", v) => {
                Action::SetIpv4Dst(need(v)?.parse().map_err(|_| bad("bad IPv4 address"))?)
            }
            ("mod_tp_src", v) => {
                Action::SetTpSrc(parse_num(need(v)?).ok_or_else(|| bad("bad port"))?)
            }
            ("mod_tp_dst", v) => {
                Action::SetTpDst(parse_num(need(v)?).ok_or_else(|| bad("bad port"))?)
            }
            ("set_queue" | "enqueue", v) => {
                Action::SetQueue(parse_num(need(v)?).ok_or_else(|| bad("bad queue"))?)
            }
            ("group", v) => Action::Group(parse_num(need(v)?).ok_or_else(|| bad("bad group id"))?),
            _ => return Err(bad("unknown or unsupported action")),
        };
        out.push(action);
    }
    Ok(out)
}

fn fmt_port(p: PortNo) -> String {
    match p {
        PortNo::Number(n) => n.to_string(),
        PortNo::InPort => "IN_PORT".into(),
        PortNo::Table => "TABLE".into(),
        PortNo::Normal => "NORMAL".into(),
        PortNo::Flood => "FLOOD".into(),
        PortNo::All => "ALL".into(),
        PortNo::Controller => "CONTROLLER".into(),
        PortNo::Local => "LOCAL".into(),
        PortNo::Any => "ANY".into(),
    }
}

fn fmt_masked<T: std::fmt::Display>(m: &Masked<T>) -> String {
    match &m.mask {
        None => m.value.to_string(),
        Some(mask) => format!("{}/{}", m.value, mask),
    }
}

/// Format a match the way `ovs-ofctl dump-flows` does (`tcp,in_port=3,tp_dst=80`).
pub fn format_match(m: &Match) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut eth_type_shown = false;
    let mut proto_shown = false;
    let shorthand = match (m.eth_type, m.ip_proto) {
        (Some(ETH_IPV4), Some(1)) => Some(("icmp", true)),
        (Some(ETH_IPV4), Some(6)) => Some(("tcp", true)),
        (Some(ETH_IPV4), Some(17)) => Some(("udp", true)),
        (Some(ETH_IPV4), Some(132)) => Some(("sctp", true)),
        (Some(ETH_IPV6), Some(58)) => Some(("icmp6", true)),
        (Some(ETH_IPV6), Some(6)) => Some(("tcp6", true)),
        (Some(ETH_IPV6), Some(17)) => Some(("udp6", true)),
        (Some(ETH_IPV4), _) => Some(("ip", false)),
        (Some(ETH_IPV6), _) => Some(("ipv6", false)),
        (Some(ETH_ARP), _) => Some(("arp", false)),
        _ => None,
    };
    if let Some((name, with_proto)) = shorthand {
        parts.push(name.into());
        eth_type_shown = true;
        proto_shown = with_proto;
    }
    if let Some(p) = m.in_port {
        parts.push(format!("in_port={p}"));
    }
    match m.vlan {
        Some(VlanMatch::Untagged) => parts.push("dl_vlan=0xffff".into()),
        Some(VlanMatch::Vid(v)) => parts.push(format!("dl_vlan={v}")),
        None => {}
    }
    if let Some(p) = m.vlan_pcp {
        parts.push(format!("dl_vlan_pcp={p}"));
    }
    if let Some(a) = &m.eth_src {
        parts.push(format!("dl_src={}", fmt_masked(a)));
    }
    if let Some(a) = &m.eth_dst {
        parts.push(format!("dl_dst={}", fmt_masked(a)));
    }
    if let (Some(t), false) = (m.eth_type, eth_type_shown) {
        parts.push(format!("dl_type=0x{t:04x}"));
    }
    if let Some(a) = &m.ipv4_src {
        parts.push(format!("nw_src={}", fmt_masked(a)));
    }
    if let Some(a) = &m.ipv4_dst {
        parts.push(format!("nw_dst={}", fmt_masked(a)));
    }
    if let (Some(p), false) = (m.ip_proto, proto_shown) {
        parts.push(format!("nw_proto={p}"));
    }
    if let Some(d) = m.ip_dscp {
        parts.push(format!("nw_tos={}", d << 2));
    }
    if let Some(p) = m.tp_src {
        parts.push(format!("tp_src={p}"));
    }
    if let Some(p) = m.tp_dst {
        parts.push(format!("tp_dst={p}"));
    }
    parts.join(",")
}

/// Format actions the way `ovs-ofctl dump-flows` does (`output:3,output:7`; `drop` when empty).
pub fn format_actions(actions: &[Action]) -> String {
    if actions.is_empty() {
        return "drop".into();
    }
    let mut s = String::new();
    for (i, a) in actions.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = match a {
            Action::Output {
                port: PortNo::Controller,
                max_len,
            } => write!(s, "CONTROLLER:{max_len}"),
            Action::Output {
                port: PortNo::Number(n),
                ..
            } => write!(s, "output:{n}"),
            Action::Output { port, .. } => write!(s, "{}", fmt_port(*port)),
            Action::SetVlanVid(v) => write!(s, "mod_vlan_vid:{v}"),
            Action::SetVlanPcp(v) => write!(s, "mod_vlan_pcp:{v}"),
            Action::PopVlan => write!(s, "strip_vlan"),
            Action::PushVlan(t) => write!(s, "push_vlan:0x{t:04x}"),
            Action::SetEthSrc(m) => write!(s, "mod_dl_src:{m}"),
            Action::SetEthDst(m) => write!(s, "mod_dl_dst:{m}"),
            Action::SetIpv4Src(a) => write!(s, "mod_nw_src:{a}"),
            Action::SetIpv4Dst(a) => write!(s, "mod_nw_dst:{a}"),
            Action::SetTpSrc(p) => write!(s, "mod_tp_src:{p}"),
            Action::SetTpDst(p) => write!(s, "mod_tp_dst:{p}"),
            Action::Group(g) => write!(s, "group:{g}"),
            Action::SetQueue(q) => write!(s, "set_queue:{q}"),
        };
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_issue_examples() {
        let m = parse_match("tcp,tp_dst=80").unwrap();
        assert_eq!(m.eth_type, Some(0x0800));
        assert_eq!(m.ip_proto, Some(6));
        assert_eq!(m.tp_dst, Some(80));
        let m = parse_match("ip,nw_src=10.0.0.7/24").unwrap();
        assert_eq!(
            m.ipv4_src,
            Some(Masked {
                value: Ipv4Addr::new(10, 0, 0, 0),
                mask: Some(Ipv4Addr::new(255, 255, 255, 0))
            })
        );
        assert_eq!(format_match(&m), "ip,nw_src=10.0.0.0/255.255.255.0");
        assert_eq!(parse_match("").unwrap(), Match::default());
    }

    #[test]
    fn original_script_actions() {
        let a = parse_actions("output:3,output:7").unwrap();
        assert_eq!(
            a,
            vec![
                Action::Output {
                    port: PortNo::Number(3),
                    max_len: 0
                },
                Action::Output {
                    port: PortNo::Number(7),
                    max_len: 0
                }
            ]
        );
        assert_eq!(format_actions(&a), "output:3,output:7");
        assert_eq!(parse_actions("drop").unwrap(), vec![]);
        assert_eq!(format_actions(&[]), "drop");
        let a = parse_actions("strip_vlan,CONTROLLER:128,flood").unwrap();
        assert_eq!(format_actions(&a), "strip_vlan,CONTROLLER:128,FLOOD");
    }

    #[test]
    fn errors_name_token_and_position() {
        let e = parse_match("tcp, tp_dsst=80").unwrap_err();
        assert_eq!(e.token, "tp_dsst=80");
        assert_eq!(e.position, 5);
        let e = parse_match("tp_dst=80").unwrap_err();
        assert!(e.reason.contains("need a protocol"), "{e}");
        let e = parse_match("in_port=70000,dl_vlan=5000").unwrap_err();
        assert_eq!(e.token, "dl_vlan=5000");
        assert!(parse_actions("output:").is_err());
        assert!(parse_actions("frobnicate:3").is_err());
    }

    #[test]
    fn format_round_trips() {
        for s in [
            "tcp,in_port=4,tp_dst=80",
            "udp,nw_dst=10.0.0.9,tp_src=53",
            "in_port=1,dl_vlan=100,dl_src=00:00:00:00:00:01",
            "arp",
            "icmp6",
            "dl_type=0x88cc",
        ] {
            let m = parse_match(s).unwrap();
            assert_eq!(format_match(&m), s);
            assert_eq!(parse_match(&format_match(&m)).unwrap(), m);
        }
    }
}
