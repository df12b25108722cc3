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
    // Inlined into write_key_bin, the Value never goes through memory (perf: the copy of
    // the returned value was a third of the table's per-sample time).
    #[inline]
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
    let mut bin = Vec::new();
    if !write_key_bin(keys, s, &mut bin) {
        return false;
    }
    out.push_str(&key_bin_text(&bin, sep));
    true
}

// Binary flow keys: the flow tables key on these bytes and format sFlow-RT's text only when
// a query or an event needs it. Each value is a tag byte and a fixed-size payload, so the
// encoding is prefix-free (equal bytes <=> equal values). `discard` and `multiple` drop
// their reason/count, as the text does: two samples share a binary key exactly when they
// share a text key.
const T_IP4: u8 = 0;
const T_IP6: u8 = 1;
const T_MAC: u8 = 2;
const T_IF: u8 = 3;
const T_DISCARD: u8 = 4;
const T_MULTIPLE: u8 = 5;
const T_INTERNAL: u8 = 6;
const T_NUM: u8 = 7;

/// Appends the binary form of `keys`' values for `s` to `out`. Returns false (and leaves
/// `out` in an unspecified state) when any key is undefined for this sample.
pub fn write_key_bin(keys: &[Key], s: &PacketSample, out: &mut Vec<u8>) -> bool {
    for k in keys {
        let Some(v) = k.extract(s) else {
            return false;
        };
        write_value_bin(&v, out);
    }
    true
}

/// One value's binary form (see [`write_key_bin`]).
#[inline]
pub fn write_value_bin(v: &Value, out: &mut Vec<u8>) {
    let tag4 = |out: &mut Vec<u8>, tag: u8, b: [u8; 4]| {
        out.extend_from_slice(&[tag, b[0], b[1], b[2], b[3]]);
    };
    match v {
        Value::Ip(IpAddr::V4(a)) => tag4(out, T_IP4, a.octets()),
        Value::Ip(IpAddr::V6(a)) => {
            out.push(T_IP6);
            out.extend_from_slice(&a.octets());
        }
        Value::Mac(m) => {
            out.push(T_MAC);
            out.extend_from_slice(&m.0);
        }
        Value::If(IfRef::Index(n)) => tag4(out, T_IF, n.to_be_bytes()),
        Value::If(IfRef::Discard(_)) => out.push(T_DISCARD),
        Value::If(IfRef::Multiple(_)) => out.push(T_MULTIPLE),
        Value::If(IfRef::Internal) => out.push(T_INTERNAL),
        Value::Num(n) => tag4(out, T_NUM, n.to_be_bytes()),
    }
}

/// Reads one value written by [`write_value_bin`] off the front of `b`; `None` at the end
/// (or on bytes it did not write).
fn read_value_bin(b: &mut &[u8]) -> Option<Value> {
    let (&tag, rest) = b.split_first()?;
    let (v, rest) = match tag {
        T_IP4 => {
            let (a, r) = rest.split_first_chunk::<4>()?;
            (Value::Ip(IpAddr::from(*a)), r)
        }
        T_IP6 => {
            let (a, r) = rest.split_first_chunk::<16>()?;
            (Value::Ip(IpAddr::from(*a)), r)
        }
        T_MAC => {
            let (a, r) = rest.split_first_chunk::<6>()?;
            (Value::Mac(MacAddr(*a)), r)
        }
        T_IF => {
            let (a, r) = rest.split_first_chunk::<4>()?;
            (Value::If(IfRef::Index(u32::from_be_bytes(*a))), r)
        }
        T_DISCARD => (Value::If(IfRef::Discard(0)), rest),
        T_MULTIPLE => (Value::If(IfRef::Multiple(0)), rest),
        T_INTERNAL => (Value::If(IfRef::Internal), rest),
        T_NUM => {
            let (a, r) = rest.split_first_chunk::<4>()?;
            (Value::Num(u32::from_be_bytes(*a)), r)
        }
        _ => return None,
    };
    *b = rest;
    Some(v)
}

/// The sFlow-RT text form (`sep`-joined) of a key written by [`write_key_bin`].
pub fn key_bin_text(mut bin: &[u8], sep: &str) -> String {
    let mut out = Vec::with_capacity(bin.len() * 2);
    let mut first = true;
    while let Some(v) = read_value_bin(&mut bin) {
        if !first {
            out.extend_from_slice(sep.as_bytes());
        }
        first = false;
        write_value(&v, &mut out);
    }
    // Always valid: ASCII digits and `Display` output joined by a `&str`.
    String::from_utf8(out).unwrap_or_default()
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
    fn binary_keys_round_trip_to_text() {
        let all: Vec<Key> = NAMES.iter().map(|(_, k)| *k).collect();
        let mut s = tcp_sample();
        s.vlan = Some(7);
        s.icmp_type = Some(3);
        s.icmp_code = Some(1);
        let defined: Vec<Key> = all
            .iter()
            .copied()
            .filter(|k| k.extract(&s).is_some())
            .collect();
        assert!(defined.len() >= 15, "{defined:?}");
        let mut bin = Vec::new();
        assert!(write_key_bin(&defined, &s, &mut bin));
        let text: Vec<String> = defined
            .iter()
            .map(|k| k.extract(&s).unwrap().to_string())
            .collect();
        assert_eq!(key_bin_text(&bin, "|"), text.join("|"));
        // IPv6 and the interface words
        let mut s6 = s.clone();
        s6.ip_src = Some("2001:db8::1".parse().unwrap());
        s6.output = Some(IfRef::Multiple(3));
        s6.input = Some(IfRef::Internal);
        let keys = [Key::Ip6Source, Key::OutputIfIndex, Key::InputIfIndex];
        let mut bin = Vec::new();
        assert!(write_key_bin(&keys, &s6, &mut bin));
        assert_eq!(key_bin_text(&bin, ","), "2001:db8::1,multiple,internal");
    }

    #[test]
    fn binary_keys_equal_exactly_when_text_keys_do() {
        // discard reasons and multiple counts are not part of the text: nor of the key
        let keys = [Key::OutputIfIndex, Key::TcpDestinationPort];
        let bin = |out: IfRef, port: u16| {
            let mut s = tcp_sample();
            s.output = Some(out);
            s.dst_port = Some(port);
            let mut b = Vec::new();
            assert!(write_key_bin(&keys, &s, &mut b));
            b
        };
        assert_eq!(bin(IfRef::Discard(0), 80), bin(IfRef::Discard(9), 80));
        assert_eq!(bin(IfRef::Multiple(2), 80), bin(IfRef::Multiple(0), 80));
        assert_ne!(bin(IfRef::Discard(0), 80), bin(IfRef::Multiple(0), 80));
        assert_ne!(bin(IfRef::Index(1), 80), bin(IfRef::Index(1), 81));
        assert_ne!(bin(IfRef::Index(1), 80), bin(IfRef::Internal, 80));
        // an IPv4 agent and its v4-mapped IPv6 form are different agents, as in text
        let a4 = Value::Ip("10.0.0.1".parse().unwrap());
        let a6 = Value::Ip("::ffff:10.0.0.1".parse().unwrap());
        let (mut b4, mut b6) = (Vec::new(), Vec::new());
        write_value_bin(&a4, &mut b4);
        write_value_bin(&a6, &mut b6);
        assert_ne!(b4, b6);
        assert_ne!(a4.to_string(), a6.to_string());
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
