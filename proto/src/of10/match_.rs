//! `ofp_match` (spec §5.2.3): the 40-byte OpenFlow 1.0 flow match.
//!
//! ```text
//!  0               4       6                       12                      18
//! +---------------+-------+-----------------------+-----------------------+
//! |   wildcards   |in_port|        dl_src         |        dl_dst         |
//! +-------+---+---+-------+---+---+-------+-------+---------------+-------+
//! |dl_vlan|pcp|pad|dl_type|tos|pro|  pad  |    nw_src     |    nw_dst     |
//! +-------+---+---+-------+---+---+-------+---------------+---------------+
//! 18      20  21  22      24  25  26      28              32              36
//! +-------+-------+
//! |tp_src |tp_dst |  40
//! +-------+-------+
//! ```
//!
//! `wildcards` bits 0-7 and 20-21 each wildcard one field; bits 8-13 and 14-19 are 6-bit
//! counts of low-order `nw_src` / `nw_dst` bits to ignore (>= 32 ignores the whole address).

use std::net::Ipv4Addr;

use bytes::{BufMut, BytesMut};

use super::consts::*;
use super::PortNo;
use crate::error::DecodeError;
use crate::reader::Reader;
use crate::types::MacAddr;

/// `ofp_match`. Field values are kept even where wildcarded, and `wildcards` is kept raw
/// (including bits above `OFPFW_ALL`), so every 40-byte input re-encodes identically
/// (padding excepted, which is emitted as zeros).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Match {
    /// `OFPFW_*` bits and the two prefix-length counts, as on the wire.
    pub wildcards: u32,
    /// Input port.
    pub in_port: PortNo,
    /// Ethernet source.
    pub dl_src: MacAddr,
    /// Ethernet destination.
    pub dl_dst: MacAddr,
    /// VLAN id; `OFP_VLAN_NONE` (0xffff) matches untagged frames.
    pub dl_vlan: u16,
    /// VLAN priority.
    pub dl_vlan_pcp: u8,
    /// EtherType.
    pub dl_type: u16,
    /// IP ToS (the DSCP in the upper 6 bits).
    pub nw_tos: u8,
    /// IP protocol, or the low byte of the ARP opcode.
    pub nw_proto: u8,
    /// IPv4 source (or ARP sender address).
    pub nw_src: Ipv4Addr,
    /// IPv4 destination (or ARP target address).
    pub nw_dst: Ipv4Addr,
    /// TCP/UDP source port, or ICMP type.
    pub tp_src: u16,
    /// TCP/UDP destination port, or ICMP code.
    pub tp_dst: u16,
}

impl Default for Match {
    /// Matches every packet (`OFPFW_ALL`, all fields zero).
    fn default() -> Self {
        Match::all()
    }
}

impl Match {
    /// Wire size.
    pub const LEN: usize = OFP_MATCH_LEN;

    /// Matches every packet.
    pub fn all() -> Self {
        Match {
            wildcards: OFPFW_ALL,
            in_port: PortNo(0),
            dl_src: MacAddr::default(),
            dl_dst: MacAddr::default(),
            dl_vlan: 0,
            dl_vlan_pcp: 0,
            dl_type: 0,
            nw_tos: 0,
            nw_proto: 0,
            nw_src: Ipv4Addr::UNSPECIFIED,
            nw_dst: Ipv4Addr::UNSPECIFIED,
            tp_src: 0,
            tp_dst: 0,
        }
    }

    /// Decode 40 bytes.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let wildcards = r.u32("ofp_match.wildcards")?;
        let in_port = PortNo(r.u16("ofp_match.in_port")?);
        let dl_src = MacAddr(r.array("ofp_match.dl_src")?);
        let dl_dst = MacAddr(r.array("ofp_match.dl_dst")?);
        let dl_vlan = r.u16("ofp_match.dl_vlan")?;
        let dl_vlan_pcp = r.u8("ofp_match.dl_vlan_pcp")?;
        r.skip(1, "ofp_match.pad1")?;
        let dl_type = r.u16("ofp_match.dl_type")?;
        let nw_tos = r.u8("ofp_match.nw_tos")?;
        let nw_proto = r.u8("ofp_match.nw_proto")?;
        r.skip(2, "ofp_match.pad2")?;
        let nw_src = Ipv4Addr::from(r.u32("ofp_match.nw_src")?);
        let nw_dst = Ipv4Addr::from(r.u32("ofp_match.nw_dst")?);
        let tp_src = r.u16("ofp_match.tp_src")?;
        let tp_dst = r.u16("ofp_match.tp_dst")?;
        Ok(Match {
            wildcards,
            in_port,
            dl_src,
            dl_dst,
            dl_vlan,
            dl_vlan_pcp,
            dl_type,
            nw_tos,
            nw_proto,
            nw_src,
            nw_dst,
            tp_src,
            tp_dst,
        })
    }

    /// Append the 40 bytes.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.wildcards);
        out.put_u16(self.in_port.0);
        out.put_slice(&self.dl_src.0);
        out.put_slice(&self.dl_dst.0);
        out.put_u16(self.dl_vlan);
        out.put_u8(self.dl_vlan_pcp);
        out.put_u8(0);
        out.put_u16(self.dl_type);
        out.put_u8(self.nw_tos);
        out.put_u8(self.nw_proto);
        out.put_bytes(0, 2);
        out.put_u32(self.nw_src.into());
        out.put_u32(self.nw_dst.into());
        out.put_u16(self.tp_src);
        out.put_u16(self.tp_dst);
    }

    /// Always [`Match::LEN`].
    pub fn encoded_len(&self) -> usize {
        Self::LEN
    }

    /// True if the single-bit wildcard `flag` (an `OFPFW_*` bit) is set.
    pub fn is_wildcarded(&self, flag: u32) -> bool {
        self.wildcards & flag != 0
    }

    /// Set or clear a single-bit wildcard.
    pub fn set_wildcard(&mut self, flag: u32, on: bool) {
        if on {
            self.wildcards |= flag;
        } else {
            self.wildcards &= !flag;
        }
    }

    /// The raw 6-bit count of ignored low-order `nw_src` bits (0..=63).
    pub fn nw_src_wildcard_bits(&self) -> u8 {
        ((self.wildcards & OFPFW_NW_SRC_MASK) >> OFPFW_NW_SRC_SHIFT) as u8
    }

    /// The raw 6-bit count of ignored low-order `nw_dst` bits (0..=63).
    pub fn nw_dst_wildcard_bits(&self) -> u8 {
        ((self.wildcards & OFPFW_NW_DST_MASK) >> OFPFW_NW_DST_SHIFT) as u8
    }

    /// How many leading `nw_src` bits are matched (0 = wildcarded, 32 = exact).
    pub fn nw_src_prefix_len(&self) -> u8 {
        32 - self.nw_src_wildcard_bits().min(32)
    }

    /// How many leading `nw_dst` bits are matched (0 = wildcarded, 32 = exact).
    pub fn nw_dst_prefix_len(&self) -> u8 {
        32 - self.nw_dst_wildcard_bits().min(32)
    }

    /// Match `nw_src` on its first `prefix_len` bits (clamped to 32; 0 wildcards it).
    pub fn set_nw_src(&mut self, addr: Ipv4Addr, prefix_len: u8) {
        let bits = 32 - u32::from(prefix_len.min(32));
        self.nw_src = addr;
        self.wildcards = (self.wildcards & !OFPFW_NW_SRC_MASK) | (bits << OFPFW_NW_SRC_SHIFT);
    }

    /// Match `nw_dst` on its first `prefix_len` bits (clamped to 32; 0 wildcards it).
    pub fn set_nw_dst(&mut self, addr: Ipv4Addr, prefix_len: u8) {
        let bits = 32 - u32::from(prefix_len.min(32));
        self.nw_dst = addr;
        self.wildcards = (self.wildcards & !OFPFW_NW_DST_MASK) | (bits << OFPFW_NW_DST_SHIFT);
    }

    /// The matched input port, `None` when wildcarded.
    pub fn in_port(&self) -> Option<PortNo> {
        self.field(OFPFW_IN_PORT, self.in_port)
    }

    /// The matched Ethernet source, `None` when wildcarded.
    pub fn dl_src(&self) -> Option<MacAddr> {
        self.field(OFPFW_DL_SRC, self.dl_src)
    }

    /// The matched Ethernet destination, `None` when wildcarded.
    pub fn dl_dst(&self) -> Option<MacAddr> {
        self.field(OFPFW_DL_DST, self.dl_dst)
    }

    /// The matched VLAN id (`OFP_VLAN_NONE` = untagged), `None` when wildcarded.
    pub fn dl_vlan(&self) -> Option<u16> {
        self.field(OFPFW_DL_VLAN, self.dl_vlan)
    }

    /// The matched VLAN priority, `None` when wildcarded.
    pub fn dl_vlan_pcp(&self) -> Option<u8> {
        self.field(OFPFW_DL_VLAN_PCP, self.dl_vlan_pcp)
    }

    /// The matched EtherType, `None` when wildcarded.
    pub fn dl_type(&self) -> Option<u16> {
        self.field(OFPFW_DL_TYPE, self.dl_type)
    }

    /// The matched IP ToS, `None` when wildcarded.
    pub fn nw_tos(&self) -> Option<u8> {
        self.field(OFPFW_NW_TOS, self.nw_tos)
    }

    /// The matched IP protocol, `None` when wildcarded.
    pub fn nw_proto(&self) -> Option<u8> {
        self.field(OFPFW_NW_PROTO, self.nw_proto)
    }

    /// The matched source address and prefix length, `None` when fully wildcarded.
    pub fn nw_src(&self) -> Option<(Ipv4Addr, u8)> {
        match self.nw_src_prefix_len() {
            0 => None,
            n => Some((self.nw_src, n)),
        }
    }

    /// The matched destination address and prefix length, `None` when fully wildcarded.
    pub fn nw_dst(&self) -> Option<(Ipv4Addr, u8)> {
        match self.nw_dst_prefix_len() {
            0 => None,
            n => Some((self.nw_dst, n)),
        }
    }

    /// The matched transport source port, `None` when wildcarded.
    pub fn tp_src(&self) -> Option<u16> {
        self.field(OFPFW_TP_SRC, self.tp_src)
    }

    /// The matched transport destination port, `None` when wildcarded.
    pub fn tp_dst(&self) -> Option<u16> {
        self.field(OFPFW_TP_DST, self.tp_dst)
    }

    fn field<T>(&self, flag: u32, v: T) -> Option<T> {
        if self.is_wildcarded(flag) {
            None
        } else {
            Some(v)
        }
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    // in_port=3, dl_type=0x0800, nw_src=10.0.0.0/8, everything else wildcarded.
    static MATCH_BYTES: [u8; 40] = [
        0x00, 0x3f, 0xd8, 0xee, // wildcards: ALL & ~IN_PORT & ~DL_TYPE, nw_src bits = 24
        0x00, 0x03, // in_port
        0, 0, 0, 0, 0, 0, // dl_src
        0, 0, 0, 0, 0, 0, // dl_dst
        0, 0, 0, 0, // dl_vlan, pcp, pad
        0x08, 0x00, // dl_type
        0, 0, 0, 0, // tos, proto, pad
        10, 0, 0, 0, // nw_src
        0, 0, 0, 0, // nw_dst
        0, 0, 0, 0, // tp_src, tp_dst
    ];

    fn repr() -> Match {
        let mut m = Match::all();
        m.set_wildcard(OFPFW_IN_PORT, false);
        m.in_port = PortNo(3);
        m.set_wildcard(OFPFW_DL_TYPE, false);
        m.dl_type = 0x0800;
        m.set_nw_src(Ipv4Addr::new(10, 0, 0, 0), 8);
        m
    }

    #[test]
    fn test_parse() {
        let buf = Bytes::from_static(&MATCH_BYTES);
        let mut r = Reader::new(&buf, "TEST");
        let m = Match::decode(&mut r).unwrap();
        assert!(r.is_empty());
        assert_eq!(m, repr());
        assert_eq!(m.in_port(), Some(PortNo(3)));
        assert_eq!(m.dl_type(), Some(0x0800));
        assert_eq!(m.nw_src(), Some((Ipv4Addr::new(10, 0, 0, 0), 8)));
        assert_eq!(m.nw_src_wildcard_bits(), 24);
        assert_eq!(m.nw_dst(), None);
        assert_eq!(m.nw_dst_wildcard_bits(), 63); // OFPFW_ALL sets all six bits
        assert_eq!(m.dl_src(), None);
        assert_eq!(m.tp_dst(), None);
    }

    #[test]
    fn test_emit() {
        let mut out = BytesMut::from(&[0xa5u8; 40][..]);
        out.clear();
        repr().encode(&mut out);
        assert_eq!(&out[..], &MATCH_BYTES[..]);
    }

    #[test]
    fn unusual_wildcards_survive() {
        // Bits above OFPFW_ALL and a 6-bit count of 63 are kept as they are.
        let mut bytes = MATCH_BYTES;
        bytes[0..4].copy_from_slice(&0xffc0_ffffu32.to_be_bytes());
        let buf = Bytes::copy_from_slice(&bytes);
        let m = Match::decode(&mut Reader::new(&buf, "TEST")).unwrap();
        assert_eq!(m.nw_src_wildcard_bits(), 63);
        assert_eq!(m.nw_src_prefix_len(), 0);
        let mut out = BytesMut::new();
        m.encode(&mut out);
        assert_eq!(&out[..], &bytes[..]);
    }

    #[test]
    fn truncated() {
        let buf = Bytes::from_static(&MATCH_BYTES[..39]);
        let e = Match::decode(&mut Reader::new(&buf, "TEST")).unwrap_err();
        assert_eq!(e.field, "ofp_match.tp_dst");
        assert_eq!(e.offset, 38);
    }
}
