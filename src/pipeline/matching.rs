//! Match algebra the compositor needs: does a match cover another (for deletes), what is
//! the intersection of two matches (a tap filter narrowing a forwarding flow), and does a
//! packet match (packet-out decoration, and the fake flow table in tests).

use std::net::Ipv4Addr;

use proto::flow::{Masked, Match, VlanMatch};
use proto::MacAddr;

/// The header fields of one frame, as a flow table sees them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Packet {
    /// Ethernet source.
    pub eth_src: MacAddr,
    /// Ethernet destination.
    pub eth_dst: MacAddr,
    /// VLAN tags, outermost first.
    pub vlans: Vec<u16>,
    /// EtherType after the tags.
    pub eth_type: u16,
    /// IPv4 source and destination, protocol.
    pub ipv4: Option<(Ipv4Addr, Ipv4Addr, u8)>,
    /// Transport ports (TCP/UDP) or ICMP type/code.
    pub tp: Option<(u16, u16)>,
}

impl Packet {
    /// Parse the headers of an Ethernet frame; `None` if it is shorter than an Ethernet
    /// header. Fields past a truncation are simply absent.
    pub fn parse(frame: &[u8]) -> Option<Packet> {
        let u16_at = |at: usize| -> Option<u16> {
            Some(u16::from_be_bytes([*frame.get(at)?, *frame.get(at + 1)?]))
        };
        let mac = |at: usize| -> Option<MacAddr> {
            let mut m = [0u8; 6];
            m.copy_from_slice(frame.get(at..at + 6)?);
            Some(MacAddr(m))
        };
        let mut p = Packet {
            eth_dst: mac(0)?,
            eth_src: mac(6)?,
            ..Packet::default()
        };
        let mut at = 12;
        let mut ty = u16_at(at)?;
        while ty == 0x8100 || ty == 0x88a8 {
            p.vlans.push(u16_at(at + 2)? & 0x0fff);
            at += 4;
            ty = u16_at(at)?;
        }
        p.eth_type = ty;
        let l3 = at + 2;
        if ty == 0x0800 {
            let ihl = usize::from(frame.get(l3).map(|b| b & 0x0f).unwrap_or(5)) * 4;
            let proto = frame.get(l3 + 9).copied();
            let addr = |o: usize| -> Option<Ipv4Addr> {
                let mut a = [0u8; 4];
                a.copy_from_slice(frame.get(l3 + o..l3 + o + 4)?);
                Some(Ipv4Addr::from(a))
            };
            if let (Some(s), Some(d), Some(pr)) = (addr(12), addr(16), proto) {
                p.ipv4 = Some((s, d, pr));
                let l4 = l3 + ihl;
                p.tp = match pr {
                    6 | 17 | 132 => Some((u16_at(l4)?, u16_at(l4 + 2)?)),
                    1 => Some((u16::from(*frame.get(l4)?), u16::from(*frame.get(l4 + 1)?))),
                    _ => None,
                };
            }
        }
        Some(p)
    }

    /// Does `m` match this packet arriving on `in_port`?
    pub fn matches(&self, in_port: u32, m: &Match) -> bool {
        let ip = self.ipv4;
        m.in_port.is_none_or(|p| p == in_port)
            && m.eth_src.is_none_or(|x| masked_mac(x, self.eth_src))
            && m.eth_dst.is_none_or(|x| masked_mac(x, self.eth_dst))
            && m.eth_type.is_none_or(|t| t == self.eth_type)
            && m.vlan.is_none_or(|v| match v {
                VlanMatch::Untagged => self.vlans.is_empty(),
                VlanMatch::Vid(id) => self.vlans.first() == Some(&id),
            })
            && m.vlan_pcp.is_none()
            && m.ip_dscp.is_none()
            && m.ip_proto.is_none_or(|x| ip.is_some_and(|i| i.2 == x))
            && m.ipv4_src
                .is_none_or(|x| ip.is_some_and(|i| masked_ip(x, i.0)))
            && m.ipv4_dst
                .is_none_or(|x| ip.is_some_and(|i| masked_ip(x, i.1)))
            && m.tp_src.is_none_or(|x| self.tp.is_some_and(|t| t.0 == x))
            && m.tp_dst.is_none_or(|x| self.tp.is_some_and(|t| t.1 == x))
    }
}

fn masked_mac(m: Masked<MacAddr>, v: MacAddr) -> bool {
    let mask = m.mask.map(|k| k.0).unwrap_or([0xff; 6]);
    (0..6).all(|i| m.value.0[i] & mask[i] == v.0[i] & mask[i])
}

fn masked_ip(m: Masked<Ipv4Addr>, v: Ipv4Addr) -> bool {
    let mask = m.mask.map(u32::from).unwrap_or(u32::MAX);
    u32::from(m.value) & mask == u32::from(v) & mask
}

fn mac_bits(m: Masked<MacAddr>) -> (u64, u64) {
    let v = |a: [u8; 6]| a.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let mask = m.mask.map(|k| v(k.0)).unwrap_or(0xffff_ffff_ffff);
    (v(m.value.0) & mask, mask)
}

fn ip_bits(m: Masked<Ipv4Addr>) -> (u64, u64) {
    let mask = u64::from(m.mask.map(u32::from).unwrap_or(u32::MAX));
    (u64::from(u32::from(m.value)) & mask, mask)
}

/// Intersection of two (value, mask) fields: `None` when disjoint or when neither
/// contains the other (arbitrary masks: treated as disjoint, which errs towards not
/// copying rather than copying the wrong thing).
fn meet_bits(a: (u64, u64), b: (u64, u64)) -> Option<(u64, u64)> {
    let common = a.1 & b.1;
    if a.0 & common != b.0 & common {
        return None;
    }
    if a.1 & b.1 == b.1 {
        Some(a)
    } else if a.1 & b.1 == a.1 {
        Some(b)
    } else {
        None
    }
}

/// General field `g` covers specific `s`: every value `s` admits, `g` admits.
fn covers_bits(g: (u64, u64), s: (u64, u64)) -> bool {
    g.1 & s.1 == g.1 && s.0 & g.1 == g.0
}

fn meet_eq<T: PartialEq + Copy>(a: Option<T>, b: Option<T>) -> Result<Option<T>, ()> {
    match (a, b) {
        (Some(x), Some(y)) if x != y => Err(()),
        (Some(x), _) | (None, Some(x)) => Ok(Some(x)),
        (None, None) => Ok(None),
    }
}

fn meet_masked<T: Copy>(
    a: Option<Masked<T>>,
    b: Option<Masked<T>>,
    bits: fn(Masked<T>) -> (u64, u64),
) -> Result<Option<Masked<T>>, ()> {
    match (a, b) {
        (Some(x), Some(y)) => match meet_bits(bits(x), bits(y)) {
            Some(m) if m == bits(x) => Ok(Some(x)),
            Some(_) => Ok(Some(y)),
            None => Err(()),
        },
        (x, None) => Ok(x),
        (None, y) => Ok(y),
    }
}

/// The match of packets matching both `a` and `b`; `None` when no packet can.
pub fn intersect(a: &Match, b: &Match) -> Option<Match> {
    let f = || -> Result<Match, ()> {
        Ok(Match {
            in_port: meet_eq(a.in_port, b.in_port)?,
            eth_src: meet_masked(a.eth_src, b.eth_src, mac_bits)?,
            eth_dst: meet_masked(a.eth_dst, b.eth_dst, mac_bits)?,
            eth_type: meet_eq(a.eth_type, b.eth_type)?,
            vlan: meet_eq(a.vlan, b.vlan)?,
            vlan_pcp: meet_eq(a.vlan_pcp, b.vlan_pcp)?,
            ip_dscp: meet_eq(a.ip_dscp, b.ip_dscp)?,
            ip_proto: meet_eq(a.ip_proto, b.ip_proto)?,
            ipv4_src: meet_masked(a.ipv4_src, b.ipv4_src, ip_bits)?,
            ipv4_dst: meet_masked(a.ipv4_dst, b.ipv4_dst, ip_bits)?,
            tp_src: meet_eq(a.tp_src, b.tp_src)?,
            tp_dst: meet_eq(a.tp_dst, b.tp_dst)?,
        })
    };
    f().ok()
}

fn covers_eq<T: PartialEq>(g: &Option<T>, s: &Option<T>) -> bool {
    match (g, s) {
        (None, _) => true,
        (Some(x), Some(y)) => x == y,
        (Some(_), None) => false,
    }
}

fn covers_masked<T: Copy>(
    g: Option<Masked<T>>,
    s: Option<Masked<T>>,
    bits: fn(Masked<T>) -> (u64, u64),
) -> bool {
    match (g, s) {
        (None, _) => true,
        (Some(x), Some(y)) => covers_bits(bits(x), bits(y)),
        (Some(_), None) => false,
    }
}

/// Does `general` admit every packet `specific` admits (the non-strict delete rule)?
pub fn covers(general: &Match, specific: &Match) -> bool {
    let (g, s) = (general, specific);
    covers_eq(&g.in_port, &s.in_port)
        && covers_masked(g.eth_src, s.eth_src, mac_bits)
        && covers_masked(g.eth_dst, s.eth_dst, mac_bits)
        && covers_eq(&g.eth_type, &s.eth_type)
        && covers_eq(&g.vlan, &s.vlan)
        && covers_eq(&g.vlan_pcp, &s.vlan_pcp)
        && covers_eq(&g.ip_dscp, &s.ip_dscp)
        && covers_eq(&g.ip_proto, &s.ip_proto)
        && covers_masked(g.ipv4_src, s.ipv4_src, ip_bits)
        && covers_masked(g.ipv4_dst, s.ipv4_dst, ip_bits)
        && covers_eq(&g.tp_src, &s.tp_src)
        && covers_eq(&g.tp_dst, &s.tp_dst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::ofctl::parse_match;

    fn m(s: &str) -> Match {
        parse_match(s).unwrap()
    }

    #[test]
    fn intersect_narrows_and_detects_disjoint() {
        let got = intersect(&m("in_port=1"), &m("tcp,tp_dst=80")).unwrap();
        assert_eq!(got, m("in_port=1,tcp,tp_dst=80"));
        assert_eq!(intersect(&m("in_port=1"), &m("in_port=2")), None);
        let got = intersect(&m("ip,nw_src=10.0.0.0/8"), &m("ip,nw_src=10.0.0.0/24")).unwrap();
        assert_eq!(got, m("ip,nw_src=10.0.0.0/24"));
        assert_eq!(
            intersect(&m("ip,nw_src=10.0.0.0/24"), &m("ip,nw_src=10.0.1.0/24")),
            None
        );
    }

    #[test]
    fn covers_is_the_delete_rule() {
        assert!(covers(&Match::default(), &m("in_port=1")));
        assert!(covers(&m("in_port=1"), &m("in_port=1,tcp")));
        assert!(!covers(&m("in_port=1,tcp"), &m("in_port=1")));
        assert!(covers(&m("ip,nw_dst=10.0.0.0/8"), &m("ip,nw_dst=10.1.2.3")));
        assert!(!covers(
            &m("ip,nw_dst=10.0.0.0/8"),
            &m("ip,nw_dst=11.1.2.3")
        ));
    }

    #[test]
    fn packet_parse_and_match() {
        // Ethernet + 802.1Q 100 + IPv4 TCP 10.0.0.1:1234 -> 10.0.0.2:80
        let mut f = vec![0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x81, 0, 0, 100, 0x08, 0];
        let mut ip = vec![
            0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        f.append(&mut ip);
        f.extend_from_slice(&[0x04, 0xd2, 0, 80]);
        let p = Packet::parse(&f).unwrap();
        assert_eq!(p.vlans, vec![100]);
        assert_eq!(p.tp, Some((1234, 80)));
        assert!(p.matches(3, &m("in_port=3,tcp,tp_dst=80,dl_vlan=100")));
        assert!(!p.matches(3, &m("udp")));
        assert!(!p.matches(3, &m("dl_vlan=0xffff")));
        assert_eq!(Packet::parse(&[0; 10]), None);
    }
}
