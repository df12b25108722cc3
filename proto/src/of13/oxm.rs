//! OXM TLVs: OpenFlow Extensible Match fields (spec 1.3.5 §7.2.3.2-§7.2.3.7, `ofp_oxm_header`).
//!
//! ```text
//!  0               2             3       4
//! +---------------+-------------+-+-------+---------------------- - -
//! |   oxm_class   |  oxm_field  |M|length |  value [mask]  (length bytes)
//! +---------------+-------------+-+-------+---------------------- - -
//!                                 M = oxm_hasmask
//! ```
//!
//! Every OpenFlow-basic field (class 0x8000, fields 0..=39, `in_port` .. `ipv6_exthdr`) is a
//! typed [`Oxm`] variant holding a [`Masked`] value; its length is checked against the
//! field's size (doubled when the mask bit is set), and a wrong length is a [`DecodeError`]
//! naming the field. Masks are accepted on every field: whether a field is maskable is the
//! switch's business (it answers with `OFPBMC_BAD_MASK`), and we keep what was sent.
//! Other classes (NXM 0x0000/0x0001, basic fields above 39, any other class) are
//! [`Oxm::Unknown`]; the experimenter class 0xffff is [`Oxm::Experimenter`] with its
//! experimenter id. Both re-encode byte for byte.
//!
//! Variant names in JSON (`"in_port"`, `"eth_dst"`, `"ipv6_exthdr"`) match Ryu's OXM
//! names, and values serialise the way Ryu prints them (addresses as strings).

use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::flow::Masked;
use crate::reader::Reader;
use crate::types::MacAddr;

use super::consts_flow::{OFPXMC_EXPERIMENTER, OFPXMC_OPENFLOW_BASIC};

/// Length of `ofp_oxm_header`.
pub const OXM_HEADER_LEN: usize = 4;

/// The last OpenFlow-basic field OF1.3 defines (`ipv6_exthdr`).
pub const MAX_BASIC_FIELD: u8 = 39;

/// How a basic field's value is read and written (`len` is the field's wire size).
trait WireValue: Sized + Copy {
    fn read(r: &mut Reader<'_>, len: usize, field: &'static str) -> Result<Self, DecodeError>;
    /// False when the value does not fit the wire size (a 24-bit I-SID over 0xffffff).
    fn fits(&self, _len: usize) -> bool {
        true
    }
    fn write(&self, len: usize, out: &mut BytesMut);
}

impl WireValue for u8 {
    fn read(r: &mut Reader<'_>, _len: usize, field: &'static str) -> Result<Self, DecodeError> {
        r.u8(field)
    }
    fn write(&self, _len: usize, out: &mut BytesMut) {
        out.put_u8(*self);
    }
}

impl WireValue for u16 {
    fn read(r: &mut Reader<'_>, _len: usize, field: &'static str) -> Result<Self, DecodeError> {
        r.u16(field)
    }
    fn write(&self, _len: usize, out: &mut BytesMut) {
        out.put_u16(*self);
    }
}

/// 32-bit values, or the 24-bit `pbb_isid` when `len` is 3.
impl WireValue for u32 {
    fn read(r: &mut Reader<'_>, len: usize, field: &'static str) -> Result<Self, DecodeError> {
        if len == 3 {
            let [a, b, c] = r.array::<3>(field)?;
            Ok(u32::from_be_bytes([0, a, b, c]))
        } else {
            r.u32(field)
        }
    }
    fn fits(&self, len: usize) -> bool {
        len != 3 || *self <= 0x00ff_ffff
    }
    fn write(&self, len: usize, out: &mut BytesMut) {
        if len == 3 {
            out.put_uint(u64::from(*self), 3);
        } else {
            out.put_u32(*self);
        }
    }
}

impl WireValue for u64 {
    fn read(r: &mut Reader<'_>, _len: usize, field: &'static str) -> Result<Self, DecodeError> {
        r.u64(field)
    }
    fn write(&self, _len: usize, out: &mut BytesMut) {
        out.put_u64(*self);
    }
}

impl WireValue for MacAddr {
    fn read(r: &mut Reader<'_>, _len: usize, field: &'static str) -> Result<Self, DecodeError> {
        Ok(MacAddr(r.array(field)?))
    }
    fn write(&self, _len: usize, out: &mut BytesMut) {
        out.put_slice(&self.0);
    }
}

impl WireValue for Ipv4Addr {
    fn read(r: &mut Reader<'_>, _len: usize, field: &'static str) -> Result<Self, DecodeError> {
        Ok(Ipv4Addr::from(r.array::<4>(field)?))
    }
    fn write(&self, _len: usize, out: &mut BytesMut) {
        out.put_slice(&self.octets());
    }
}

impl WireValue for Ipv6Addr {
    fn read(r: &mut Reader<'_>, _len: usize, field: &'static str) -> Result<Self, DecodeError> {
        Ok(Ipv6Addr::from(r.array::<16>(field)?))
    }
    fn write(&self, _len: usize, out: &mut BytesMut) {
        out.put_slice(&self.octets());
    }
}

/// Generates [`Oxm`] and its per-field codec from one table: variant, field number,
/// Ryu/spec name, value type, wire size.
macro_rules! oxm_basic_fields {
    ( $( $(#[$doc:meta])* $variant:ident = $num:literal, $name:literal, $ty:ty, $len:literal; )+ ) => {
        /// One OXM TLV (`ofp_oxm_header` + value [+ mask]).
        #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Oxm {
            $( $(#[$doc])* $variant(Masked<$ty>), )+
            /// A field of a class we do not interpret (NXM 0x0000/0x0001, basic fields
            /// above 39, any other class), kept as read.
            Unknown {
                /// `oxm_class`.
                class: u16,
                /// `oxm_field` (7 bits).
                field: u8,
                /// `oxm_hasmask`.
                hasmask: bool,
                /// The `oxm_length` bytes after the header.
                #[serde(with = "crate::serde_hex")]
                body: Bytes,
            },
            /// Class `OFPXMC_EXPERIMENTER` (0xffff): the header is followed by a 32-bit
            /// experimenter id, then experimenter-defined bytes.
            Experimenter {
                /// `oxm_field` (7 bits).
                field: u8,
                /// `oxm_hasmask`.
                hasmask: bool,
                /// Experimenter id (ONF 0x4f4e4600, Nicira 0x00002320...).
                experimenter: u32,
                /// The bytes after the experimenter id.
                #[serde(with = "crate::serde_hex")]
                body: Bytes,
            },
        }

        impl Oxm {
            /// The field's name as Ryu and the spec's `OFPXMT_OFB_*` spell it in lower case
            /// (`"eth_dst"`), or `"unknown"` / `"experimenter"`.
            pub fn name(&self) -> &'static str {
                match self {
                    $( Oxm::$variant(_) => $name, )+
                    Oxm::Unknown { .. } => "unknown",
                    Oxm::Experimenter { .. } => "experimenter",
                }
            }

            /// `oxm_field` (for basic fields, the `OFPXMT_OFB_*` number).
            pub fn field(&self) -> u8 {
                match self {
                    $( Oxm::$variant(_) => $num, )+
                    Oxm::Unknown { field, .. } | Oxm::Experimenter { field, .. } => *field,
                }
            }

            /// `oxm_hasmask`.
            pub fn hasmask(&self) -> bool {
                match self {
                    $( Oxm::$variant(m) => m.mask.is_some(), )+
                    Oxm::Unknown { hasmask, .. } | Oxm::Experimenter { hasmask, .. } => *hasmask,
                }
            }

            /// `oxm_length`: the bytes after the 4-byte header.
            pub fn body_len(&self) -> usize {
                match self {
                    $( Oxm::$variant(m) => if m.mask.is_some() { 2 * $len } else { $len }, )+
                    Oxm::Unknown { body, .. } => body.len(),
                    Oxm::Experimenter { body, .. } => 4 + body.len(),
                }
            }

            /// `oxm_length` a basic field needs without its mask, or 0 for field numbers
            /// this table does not define.
            const fn basic_len(field: u8) -> usize {
                match field {
                    $( $num => $len, )+
                    _ => 0,
                }
            }

            fn decode_basic(
                field: u8,
                hasmask: bool,
                len: usize,
                start: usize,
                r: &mut Reader<'_>,
            ) -> Result<Option<Oxm>, DecodeError> {
                match field {
                    $( $num => {
                        let want = if hasmask { 2 * $len } else { $len };
                        if len != want {
                            return Err(r.error_at(
                                start,
                                concat!("oxm_length of ", $name),
                                DecodeErrorKind::BadLength { value: len },
                            ));
                        }
                        let value = <$ty as WireValue>::read(r, $len, $name)?;
                        let mask = if hasmask {
                            Some(<$ty as WireValue>::read(r, $len, concat!($name, " mask"))?)
                        } else {
                            None
                        };
                        Ok(Some(Oxm::$variant(Masked { value, mask })))
                    } )+
                    _ => Ok(None),
                }
            }

            fn check_basic(&self) -> Result<(), EncodeError> {
                match self {
                    $( Oxm::$variant(m) => {
                        let ok = m.value.fits($len) && m.mask.is_none_or(|k| k.fits($len));
                        if !ok {
                            return Err(EncodeError::OutOfRange {
                                version: "1.3",
                                field: $name,
                                value: m.value.as_u64(),
                            });
                        }
                    } )+
                    _ => {}
                }
                Ok(())
            }

            fn write_basic(&self, out: &mut BytesMut) {
                match self {
                    $( Oxm::$variant(m) => {
                        m.value.write($len, out);
                        if let Some(mask) = m.mask {
                            mask.write($len, out);
                        }
                    } )+
                    Oxm::Unknown { .. } | Oxm::Experimenter { .. } => {}
                }
            }
        }
    };
}

/// The value reported in a range error; only integers can be out of range, so the
/// address types report 0.
trait AsU64 {
    fn as_u64(&self) -> u64;
}
macro_rules! as_u64_int {
    ($($t:ty),*) => { $( impl AsU64 for $t { fn as_u64(&self) -> u64 { u64::from(*self) } } )* };
}
as_u64_int!(u8, u16, u32, u64);
macro_rules! as_u64_zero {
    ($($t:ty),*) => { $( impl AsU64 for $t { fn as_u64(&self) -> u64 { 0 } } )* };
}
as_u64_zero!(MacAddr, Ipv4Addr, Ipv6Addr);

oxm_basic_fields! {
    /// OFPXMT_OFB_IN_PORT: switch input port (`ofp_port_no`).
    InPort = 0, "in_port", u32, 4;
    /// OFPXMT_OFB_IN_PHY_PORT: switch physical input port.
    InPhyPort = 1, "in_phy_port", u32, 4;
    /// OFPXMT_OFB_METADATA: metadata passed between tables.
    Metadata = 2, "metadata", u64, 8;
    /// OFPXMT_OFB_ETH_DST: Ethernet destination address.
    EthDst = 3, "eth_dst", MacAddr, 6;
    /// OFPXMT_OFB_ETH_SRC: Ethernet source address.
    EthSrc = 4, "eth_src", MacAddr, 6;
    /// OFPXMT_OFB_ETH_TYPE: Ethernet type.
    EthType = 5, "eth_type", u16, 2;
    /// OFPXMT_OFB_VLAN_VID: VLAN id with `OFPVID_PRESENT` (0x1000) set when tagged;
    /// 0 (`OFPVID_NONE`) matches untagged frames.
    VlanVid = 6, "vlan_vid", u16, 2;
    /// OFPXMT_OFB_VLAN_PCP: VLAN priority (3 bits).
    VlanPcp = 7, "vlan_pcp", u8, 1;
    /// OFPXMT_OFB_IP_DSCP: IP DSCP (6 bits).
    IpDscp = 8, "ip_dscp", u8, 1;
    /// OFPXMT_OFB_IP_ECN: IP ECN (2 bits).
    IpEcn = 9, "ip_ecn", u8, 1;
    /// OFPXMT_OFB_IP_PROTO: IP protocol.
    IpProto = 10, "ip_proto", u8, 1;
    /// OFPXMT_OFB_IPV4_SRC: IPv4 source address.
    Ipv4Src = 11, "ipv4_src", Ipv4Addr, 4;
    /// OFPXMT_OFB_IPV4_DST: IPv4 destination address.
    Ipv4Dst = 12, "ipv4_dst", Ipv4Addr, 4;
    /// OFPXMT_OFB_TCP_SRC: TCP source port.
    TcpSrc = 13, "tcp_src", u16, 2;
    /// OFPXMT_OFB_TCP_DST: TCP destination port.
    TcpDst = 14, "tcp_dst", u16, 2;
    /// OFPXMT_OFB_UDP_SRC: UDP source port.
    UdpSrc = 15, "udp_src", u16, 2;
    /// OFPXMT_OFB_UDP_DST: UDP destination port.
    UdpDst = 16, "udp_dst", u16, 2;
    /// OFPXMT_OFB_SCTP_SRC: SCTP source port.
    SctpSrc = 17, "sctp_src", u16, 2;
    /// OFPXMT_OFB_SCTP_DST: SCTP destination port.
    SctpDst = 18, "sctp_dst", u16, 2;
    /// OFPXMT_OFB_ICMPV4_TYPE: ICMP type.
    Icmpv4Type = 19, "icmpv4_type", u8, 1;
    /// OFPXMT_OFB_ICMPV4_CODE: ICMP code.
    Icmpv4Code = 20, "icmpv4_code", u8, 1;
    /// OFPXMT_OFB_ARP_OP: ARP opcode.
    ArpOp = 21, "arp_op", u16, 2;
    /// OFPXMT_OFB_ARP_SPA: ARP source IPv4 address.
    ArpSpa = 22, "arp_spa", Ipv4Addr, 4;
    /// OFPXMT_OFB_ARP_TPA: ARP target IPv4 address.
    ArpTpa = 23, "arp_tpa", Ipv4Addr, 4;
    /// OFPXMT_OFB_ARP_SHA: ARP source hardware address.
    ArpSha = 24, "arp_sha", MacAddr, 6;
    /// OFPXMT_OFB_ARP_THA: ARP target hardware address.
    ArpTha = 25, "arp_tha", MacAddr, 6;
    /// OFPXMT_OFB_IPV6_SRC: IPv6 source address.
    Ipv6Src = 26, "ipv6_src", Ipv6Addr, 16;
    /// OFPXMT_OFB_IPV6_DST: IPv6 destination address.
    Ipv6Dst = 27, "ipv6_dst", Ipv6Addr, 16;
    /// OFPXMT_OFB_IPV6_FLABEL: IPv6 flow label (20 bits in 32).
    Ipv6Flabel = 28, "ipv6_flabel", u32, 4;
    /// OFPXMT_OFB_ICMPV6_TYPE: ICMPv6 type.
    Icmpv6Type = 29, "icmpv6_type", u8, 1;
    /// OFPXMT_OFB_ICMPV6_CODE: ICMPv6 code.
    Icmpv6Code = 30, "icmpv6_code", u8, 1;
    /// OFPXMT_OFB_IPV6_ND_TARGET: target address for neighbour discovery.
    Ipv6NdTarget = 31, "ipv6_nd_target", Ipv6Addr, 16;
    /// OFPXMT_OFB_IPV6_ND_SLL: source link-layer address for ND.
    Ipv6NdSll = 32, "ipv6_nd_sll", MacAddr, 6;
    /// OFPXMT_OFB_IPV6_ND_TLL: target link-layer address for ND.
    Ipv6NdTll = 33, "ipv6_nd_tll", MacAddr, 6;
    /// OFPXMT_OFB_MPLS_LABEL: MPLS label (20 bits in 32).
    MplsLabel = 34, "mpls_label", u32, 4;
    /// OFPXMT_OFB_MPLS_TC: MPLS TC (3 bits).
    MplsTc = 35, "mpls_tc", u8, 1;
    /// OFPXMT_OFB_MPLS_BOS: MPLS bottom-of-stack bit.
    MplsBos = 36, "mpls_bos", u8, 1;
    /// OFPXMT_OFB_PBB_ISID: PBB I-SID (24 bits on the wire).
    PbbIsid = 37, "pbb_isid", u32, 3;
    /// OFPXMT_OFB_TUNNEL_ID: logical port metadata.
    TunnelId = 38, "tunnel_id", u64, 8;
    /// OFPXMT_OFB_IPV6_EXTHDR: IPv6 extension header pseudo-field (9 bits in 16).
    Ipv6Exthdr = 39, "ipv6_exthdr", u16, 2;
}

impl Oxm {
    /// `oxm_class`.
    pub fn class(&self) -> u16 {
        match self {
            Oxm::Unknown { class, .. } => *class,
            Oxm::Experimenter { .. } => OFPXMC_EXPERIMENTER,
            _ => OFPXMC_OPENFLOW_BASIC,
        }
    }

    /// Header plus body.
    pub fn encoded_len(&self) -> usize {
        OXM_HEADER_LEN + self.body_len()
    }

    /// Check one TLV the way [`Oxm::decode`] would, without building it; consumes exactly
    /// `4 + oxm_length` bytes. Returns the same errors as `decode` (it defers to `decode`
    /// for anything it does not accept on the fast path).
    #[inline]
    pub(crate) fn validate(r: &mut Reader<'_>) -> Result<(), DecodeError> {
        if let Ok(&[c0, c1, fh, len]) = r.peek(OXM_HEADER_LEN, "oxm_class") {
            let class = u16::from_be_bytes([c0, c1]);
            let len = usize::from(len);
            let field = fh >> 1;
            let hasmask = fh & 1 == 1;
            let ok = len <= r.remaining() - OXM_HEADER_LEN
                && match class {
                    OFPXMC_OPENFLOW_BASIC => {
                        let want = Oxm::basic_len(field);
                        want == 0 || len == if hasmask { 2 * want } else { want }
                    }
                    OFPXMC_EXPERIMENTER => len >= 4,
                    _ => true,
                };
            if ok {
                return r.skip(OXM_HEADER_LEN + len, "oxm body");
            }
        }
        Oxm::decode(r).map(|_| ())
    }

    /// Decode one TLV; consumes exactly `4 + oxm_length` bytes.
    pub fn decode(r: &mut Reader<'_>) -> Result<Oxm, DecodeError> {
        let start = r.offset();
        let class = r.u16("oxm_class")?;
        let fh = r.u8("oxm_field")?;
        let len = usize::from(r.u8("oxm_length")?);
        let field = fh >> 1;
        let hasmask = fh & 1 == 1;
        if len > r.remaining() {
            return Err(r.error_at(
                start,
                "oxm_length",
                DecodeErrorKind::BadLength { value: len },
            ));
        }
        let mut body = r.sub(len, "oxm body")?;
        match class {
            OFPXMC_OPENFLOW_BASIC => {
                if let Some(oxm) = Oxm::decode_basic(field, hasmask, len, start, &mut body)? {
                    return Ok(oxm);
                }
            }
            OFPXMC_EXPERIMENTER => {
                if len < 4 {
                    return Err(r.error_at(
                        start,
                        "oxm_length of experimenter field",
                        DecodeErrorKind::BadLength { value: len },
                    ));
                }
                let experimenter = body.u32("oxm experimenter")?;
                return Ok(Oxm::Experimenter {
                    field,
                    hasmask,
                    experimenter,
                    body: body.rest(),
                });
            }
            _ => {}
        }
        Ok(Oxm::Unknown {
            class,
            field,
            hasmask,
            body: body.rest(),
        })
    }

    /// Append the TLV. Fails (writing nothing) when a value does not fit its field
    /// (`pbb_isid` over 24 bits), a raw field number is over 127, a body is over 255
    /// bytes, or an `Unknown` claims a class/field that decodes as a typed variant.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        self.check_basic()?;
        let field = self.field();
        // A raw TLV that would decode as a typed field (or as Experimenter) is refused, so
        // everything we encode decodes back to the same value.
        let shadowed = match self {
            Oxm::Unknown { class, field, .. } => {
                *class == OFPXMC_EXPERIMENTER
                    || (*class == OFPXMC_OPENFLOW_BASIC && *field <= MAX_BASIC_FIELD)
            }
            _ => false,
        };
        if field > 0x7f || shadowed {
            return Err(EncodeError::OutOfRange {
                version: "1.3",
                field: "oxm_field",
                value: u64::from(field),
            });
        }
        let len = self.body_len();
        let len8 = u8::try_from(len).map_err(|_| EncodeError::OutOfRange {
            version: "1.3",
            field: "oxm_length",
            value: len as u64,
        })?;
        out.put_u16(self.class());
        out.put_u8(field << 1 | u8::from(self.hasmask()));
        out.put_u8(len8);
        match self {
            Oxm::Unknown { body, .. } => out.put_slice(body),
            Oxm::Experimenter {
                experimenter, body, ..
            } => {
                out.put_u32(*experimenter);
                out.put_slice(body);
            }
            _ => self.write_basic(out),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_one(bytes: &'static [u8]) -> Result<Oxm, DecodeError> {
        let buf = Bytes::from_static(bytes);
        let mut r = Reader::new(&buf, "TEST");
        let o = Oxm::decode(&mut r)?;
        assert!(r.is_empty());
        Ok(o)
    }

    fn emit(o: &Oxm, expect: &[u8]) {
        let mut out = BytesMut::from(&[0xa5u8; 3][..]);
        o.encode(&mut out).unwrap();
        assert_eq!(&out[3..], expect);
        assert_eq!(o.encoded_len(), expect.len());
    }

    static ETH_DST: [u8; 10] = [0x80, 0x00, 0x06, 0x06, 0xf2, 0x0b, 0xa4, 0x7d, 0xf8, 0xea];
    static IPV4_DST_MASKED: [u8; 12] = [0x80, 0x00, 0x19, 0x08, 10, 0, 0, 1, 255, 255, 255, 0];
    static PBB_ISID: [u8; 7] = [0x80, 0x00, 0x4a, 0x03, 0xab, 0xcd, 0xef];
    // ONF pbb_uca experimenter field as OVS sends it in OF1.3.
    static ONF_EXP: [u8; 11] = [
        0xff, 0xff, 0x00, 0x07, 0x4f, 0x4e, 0x46, 0x00, 0x0a, 0x00, 0x01,
    ];
    // NXM_NX_TUN_IPV4_SRC.
    static NXM: [u8; 8] = [0x00, 0x01, 0x3e, 0x04, 1, 2, 3, 4];

    #[test]
    fn basic_fields_round_trip() {
        let o = decode_one(&ETH_DST).unwrap();
        assert_eq!(
            o,
            Oxm::EthDst(Masked::exact(MacAddr([0xf2, 0x0b, 0xa4, 0x7d, 0xf8, 0xea])))
        );
        assert_eq!(o.name(), "eth_dst");
        emit(&o, &ETH_DST);

        let o = decode_one(&IPV4_DST_MASKED).unwrap();
        assert_eq!(
            o,
            Oxm::Ipv4Dst(Masked {
                value: Ipv4Addr::new(10, 0, 0, 1),
                mask: Some(Ipv4Addr::new(255, 255, 255, 0)),
            })
        );
        emit(&o, &IPV4_DST_MASKED);

        let o = decode_one(&PBB_ISID).unwrap();
        assert_eq!(o, Oxm::PbbIsid(Masked::exact(0xabcdef)));
        emit(&o, &PBB_ISID);
    }

    #[test]
    fn unknown_classes_survive() {
        let o = decode_one(&ONF_EXP).unwrap();
        assert_eq!(
            o,
            Oxm::Experimenter {
                field: 0,
                hasmask: false,
                experimenter: 0x4f4e4600,
                body: Bytes::from_static(&[0x0a, 0x00, 0x01]),
            }
        );
        emit(&o, &ONF_EXP);
        let o = decode_one(&NXM).unwrap();
        assert_eq!(
            o,
            Oxm::Unknown {
                class: 1,
                field: 31,
                hasmask: false,
                body: Bytes::from_static(&[1, 2, 3, 4]),
            }
        );
        emit(&o, &NXM);
        // A basic field number the 1.3 spec does not define.
        let o = decode_one(&[0x80, 0x00, 0x52, 0x01, 7]).unwrap();
        assert!(matches!(
            o,
            Oxm::Unknown {
                class: 0x8000,
                field: 41,
                ..
            }
        ));
    }

    #[test]
    fn bad_lengths() {
        // eth_dst with length 5.
        let e = decode_one(&[0x80, 0x00, 0x06, 0x05, 1, 2, 3, 4, 5]).unwrap_err();
        assert_eq!(e.field, "oxm_length of eth_dst");
        assert_eq!(e.offset, 0);
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 5 });
        // Masked in_port needs 8 bytes.
        let e = decode_one(&[0x80, 0x00, 0x01, 0x04, 0, 0, 0, 1]).unwrap_err();
        assert_eq!(e.field, "oxm_length of in_port");
        // Length past the end.
        let e = decode_one(&[0x80, 0x00, 0x00, 0x04, 0, 0]).unwrap_err();
        assert_eq!(e.field, "oxm_length");
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 4 });
        // Experimenter field too short for its id.
        let e = decode_one(&[0xff, 0xff, 0x00, 0x02, 0, 0]).unwrap_err();
        assert_eq!(e.field, "oxm_length of experimenter field");
        // Truncated header.
        let e = decode_one(&[0x80, 0x00, 0x00]).unwrap_err();
        assert_eq!(e.field, "oxm_length");
        assert_eq!(e.offset, 3);
    }

    #[test]
    fn encode_rejects_what_does_not_fit() {
        let mut out = BytesMut::new();
        let e = Oxm::PbbIsid(Masked::exact(0x0100_0000)).encode(&mut out);
        assert!(matches!(
            e,
            Err(EncodeError::OutOfRange {
                field: "pbb_isid",
                ..
            })
        ));
        assert!(out.is_empty());
        let raw = Oxm::Unknown {
            class: 0x8000,
            field: 3,
            hasmask: false,
            body: Bytes::from_static(&[1, 2]),
        };
        assert!(raw.encode(&mut out).is_err());
        assert!(out.is_empty());
    }

    #[test]
    fn json_names_match_ryu() {
        let o = Oxm::TcpDst(Masked::exact(80));
        let v = serde_json::to_value(&o).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"tcp_dst": {"value": 80, "mask": null}})
        );
        let v =
            serde_json::to_value(Oxm::Ipv4Src(Masked::exact(Ipv4Addr::new(1, 2, 3, 4)))).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"ipv4_src": {"value": "1.2.3.4", "mask": null}})
        );
    }
}
