//! Flow keys: sFlow-RT's attribute names, and their values extracted from a sample.
//!
//! Names and meanings follow sFlow-RT (`ipsource` is IPv4 only, `ip6source` IPv6 only;
//! a key that the packet does not have, such as `tcpsourceport` of a UDP packet, is
//! undefined and the sample does not contribute to a flow that needs it).

use std::fmt;
use std::io::Write as _;
use std::net::IpAddr;
use std::str::FromStr;

use proto::MacAddr;

use super::sample::{IfRef, PacketSample};

/// A flow key attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// `agent`: the sFlow agent address.
    Agent,
    /// `inputifindex`: the ingress ifIndex.
    InputIfIndex,
    /// `outputifindex`: the egress ifIndex, or `discard`/`multiple`/`internal`.
    OutputIfIndex,
    /// `macsource`.
    MacSource,
    /// `macdestination`.
    MacDestination,
    /// `vlan`: the outer 802.1Q id.
    Vlan,
    /// `ethernetprotocol`: the EtherType (decimal).
    EthernetProtocol,
    /// `ipsource`: IPv4 source.
    IpSource,
    /// `ipdestination`: IPv4 destination.
    IpDestination,
    /// `ip6source`: IPv6 source.
    Ip6Source,
    /// `ip6destination`: IPv6 destination.
    Ip6Destination,
    /// `ipprotocol`: IP protocol / IPv6 next header.
    IpProtocol,
    /// `iptos`: the TOS / traffic class byte.
    IpTos,
    /// `ipdscp`: the DSCP (TOS >> 2).
    IpDscp,
    /// `tcpsourceport`.
    TcpSourcePort,
    /// `tcpdestinationport`.
    TcpDestinationPort,
    /// `udpsourceport`.
    UdpSourcePort,
    /// `udpdestinationport`.
    UdpDestinationPort,
    /// `icmptype`.
    IcmpType,
    /// `icmpcode`.
    IcmpCode,
}

/// Every key with its sFlow-RT name.
const NAMES: &[(&str, Key)] = &[
    ("agent", Key::Agent),
    ("inputifindex", Key::InputIfIndex),
    ("outputifindex", Key::OutputIfIndex),
    ("macsource", Key::MacSource),
    ("macdestination", Key::MacDestination),
    ("vlan", Key::Vlan),
    ("ethernetprotocol", Key::EthernetProtocol),
    ("ipsource", Key::IpSource),
    ("ipdestination", Key::IpDestination),
    ("ip6source", Key::Ip6Source),
    ("ip6destination", Key::Ip6Destination),
    ("ipprotocol", Key::IpProtocol),
    ("iptos", Key::IpTos),
    ("ipdscp", Key::IpDscp),
    ("tcpsourceport", Key::TcpSourcePort),
    ("tcpdestinationport", Key::TcpDestinationPort),
    ("udpsourceport", Key::UdpSourcePort),
    ("udpdestinationport", Key::UdpDestinationPort),
    ("icmptype", Key::IcmpType),
    ("icmpcode", Key::IcmpCode),
];

/// A key name that tapdemon does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown flow key {0:?}")]
pub struct UnknownKey(pub String);

impl FromStr for Key {
    type Err = UnknownKey;
    fn from_str(s: &str) -> Result<Key, UnknownKey> {
        let s = s.trim();
        NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(s))
            .map(|(_, k)| *k)
            .ok_or_else(|| UnknownKey(s.to_string()))
    }
}

impl Key {
    /// The sFlow-RT name.
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(_, k)| *k == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    /// The kind of value this key holds (decides how filter values are parsed).
    pub fn kind(self) -> Kind {
        match self {
            Key::Agent | Key::IpSource | Key::IpDestination => Kind::Ip,
            Key::Ip6Source | Key::Ip6Destination => Kind::Ip,
            Key::MacSource | Key::MacDestination => Kind::Mac,
            Key::InputIfIndex | Key::OutputIfIndex => Kind::If,
            _ => Kind::Num,
        }
    }

    /// This key's value in `s`, or `None` when the sample has no such field.
    pub fn extract(self, s: &PacketSample) -> Option<Value> {
        let v4 = |a: Option<IpAddr>| a.filter(IpAddr::is_ipv4).map(Value::Ip);
        let v6 = |a: Option<IpAddr>| a.filter(IpAddr::is_ipv6).map(Value::Ip);
        let num = |n: Option<u16>| n.map(|n| Value::Num(u32::from(n)));
        let tcp = |p: Option<u16>| if s.is_tcp() { num(p) } else { None };
        let udp = |p: Option<u16>| if s.is_udp() { num(p) } else { None };
        match self {
            Key::Agent => Some(Value::Ip(s.agent)),
            Key::InputIfIndex => s.input.map(Value::If),
            Key::OutputIfIndex => s.output.map(Value::If),
            Key::MacSource => s.src_mac.map(Value::Mac),
            Key::MacDestination => s.dst_mac.map(Value::Mac),
            Key::Vlan => num(s.vlan),
            Key::EthernetProtocol => num(s.ethertype),
            Key::IpSource => v4(s.ip_src),
            Key::IpDestination => v4(s.ip_dst),
            Key::Ip6Source => v6(s.ip_src),
            Key::Ip6Destination => v6(s.ip_dst),
            Key::IpProtocol => s.ip_protocol.map(|p| Value::Num(u32::from(p))),
            Key::IpTos => s.tos.map(|t| Value::Num(u32::from(t))),
            Key::IpDscp => s.tos.map(|t| Value::Num(u32::from(t >> 2))),
            Key::TcpSourcePort => tcp(s.src_port),
            Key::TcpDestinationPort => tcp(s.dst_port),
            Key::UdpSourcePort => udp(s.src_port),
            Key::UdpDestinationPort => udp(s.dst_port),
            Key::IcmpType => s.icmp_type.map(|t| Value::Num(u32::from(t))),
            Key::IcmpCode => s.icmp_code.map(|t| Value::Num(u32::from(t))),
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The kinds of key values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An IPv4 or IPv6 address.
    Ip,
    /// A MAC address.
    Mac,
    /// An interface reference.
    If,
    /// An unsigned number.
    Num,
}

/// A key's value for one sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Value {
    /// An address.
    Ip(IpAddr),
    /// A MAC address.
    Mac(MacAddr),
    /// An interface.
    If(IfRef),
    /// A number.
    Num(u32),
}

impl fmt::Display for Value {
    /// sFlow-RT's text forms: dotted/colon IP, decimal numbers, and MACs as 12 upper-case
    /// hex digits without separators (`000000000008`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Ip(a) => write!(f, "{a}"),
            Value::Num(n) => write!(f, "{n}"),
            Value::If(i) => write!(f, "{i}"),
            Value::Mac(m) => {
                for b in m.0 {
                    write!(f, "{b:02X}")?;
                }
                Ok(())
            }
        }
    }
}

/// Appends the `sep`-joined values of `keys` for `s` to `out`. Returns false (and leaves
/// `out` in an unspecified state) when any key is undefined for this sample.
pub fn write_flow_key(keys: &[Key], s: &PacketSample, sep: &str, out: &mut String) -> bool {
    let mut bytes = Vec::new();
    if !write_flow_key_bytes(keys, s, sep, &mut bytes) {
        return false;
    }
    out.push_str(&String::from_utf8_lossy(&bytes));
    true
}

/// [`write_flow_key`] into a byte buffer: the same text as UTF-8 (the per-sample hot path
/// appends bytes and validates the whole key once, see [`super::table::FlowTable`]).
pub fn write_flow_key_bytes(keys: &[Key], s: &PacketSample, sep: &str, out: &mut Vec<u8>) -> bool {
    for (i, k) in keys.iter().enumerate() {
        let Some(v) = k.extract(s) else {
            return false;
        };
        if i > 0 {
            out.extend_from_slice(sep.as_bytes());
        }
        write_value(&v, out);
    }
    true
}

/// `Display` for [`Value`] without the formatting machinery for the common kinds (the
/// hot path of every flow sample): same text, as UTF-8 bytes.
fn write_value(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Num(n) => push_u32(*n, out),
        Value::If(IfRef::Index(n)) => push_u32(*n, out),
        Value::Ip(IpAddr::V4(a)) => {
            // Dotted quad into a stack buffer, then one append.
            let mut buf = [0u8; 15];
            let mut len = 0;
            for (i, &o) in a.octets().iter().enumerate() {
                if i > 0 {
                    buf[len] = b'.';
                    len += 1;
                }
                if o >= 100 {
                    buf[len] = b'0' + o / 100;
                    len += 1;
                }
                if o >= 10 {
                    buf[len] = b'0' + o / 10 % 10;
                    len += 1;
                }
                buf[len] = b'0' + o % 10;
                len += 1;
            }
            out.extend_from_slice(&buf[..len]);
        }
        // Writing into a Vec cannot fail.
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

fn push_u32(mut n: u32, out: &mut Vec<u8>) {
    let mut buf = [0u8; 10];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp_sample() -> PacketSample {
        let mut s = PacketSample::new("127.0.0.1".parse().unwrap());
        s.src_mac = Some(MacAddr([0, 0, 0, 0, 0, 8]));
        s.dst_mac = Some(MacAddr([0, 0, 0, 0, 0, 0x0a]));
        s.ethertype = Some(0x0800);
        s.ip_src = Some("10.0.0.8".parse().unwrap());
        s.ip_dst = Some("10.0.0.9".parse().unwrap());
        s.ip_protocol = Some(6);
        s.tos = Some(0xb8);
        s.src_port = Some(44312);
        s.dst_port = Some(80);
        s.input = Some(IfRef::Index(7));
        s.output = Some(IfRef::Discard(0));
        s
    }

    #[test]
    fn names_round_trip() {
        for (n, k) in NAMES {
            assert_eq!(n.parse::<Key>().unwrap(), *k);
            assert_eq!(k.name(), *n);
        }
        assert!("ipsrc".parse::<Key>().is_err());
        assert_eq!("IPSource".parse::<Key>().unwrap(), Key::IpSource);
    }

    #[test]
    fn extracts_the_pytapdemon_key() {
        let keys: Vec<Key> = [
            "ipsource",
            "ipdestination",
            "tcpsourceport",
            "tcpdestinationport",
        ]
        .iter()
        .map(|k| k.parse().unwrap())
        .collect();
        let mut out = String::new();
        assert!(write_flow_key(&keys, &tcp_sample(), ",", &mut out));
        assert_eq!(out, "10.0.0.8,10.0.0.9,44312,80");
    }

    #[test]
    fn undefined_keys() {
        let s = tcp_sample();
        assert_eq!(Key::UdpSourcePort.extract(&s), None);
        assert_eq!(Key::Ip6Source.extract(&s), None);
        assert_eq!(Key::Vlan.extract(&s), None);
        let mut out = String::new();
        assert!(!write_flow_key(
            &[Key::IpSource, Key::Vlan],
            &s,
            ",",
            &mut out
        ));
    }

    #[test]
    fn fast_writer_matches_display() {
        let values = [
            Value::Num(0),
            Value::Num(u32::MAX),
            Value::Num(80),
            Value::If(IfRef::Index(1_000_000)),
            Value::If(IfRef::Multiple(2)),
            Value::Ip("0.0.0.0".parse().unwrap()),
            Value::Ip("255.10.0.1".parse().unwrap()),
            Value::Ip("100.99.9.200".parse().unwrap()),
            Value::Ip("1.20.109.110".parse().unwrap()),
            Value::Ip("2001:db8::1".parse().unwrap()),
            Value::Mac(MacAddr([0xab, 0, 0, 0, 0, 1])),
        ];
        for v in values {
            let mut out = Vec::new();
            write_value(&v, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), v.to_string());
        }
    }

    #[test]
    fn text_forms() {
        let s = tcp_sample();
        let show = |k: Key| k.extract(&s).unwrap().to_string();
        assert_eq!(show(Key::MacSource), "000000000008");
        assert_eq!(show(Key::EthernetProtocol), "2048");
        assert_eq!(show(Key::IpDscp), "46");
        assert_eq!(show(Key::InputIfIndex), "7");
        assert_eq!(show(Key::OutputIfIndex), "discard");
        assert_eq!(show(Key::Agent), "127.0.0.1");
    }
}
