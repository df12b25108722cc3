//! LLDP frames (IEEE 802.1AB-2016 §8), as used for topology discovery.
//!
//! ```text
//!  Ethernet II                     LLDPDU: a sequence of TLVs
//! +--------+--------+------+      +------+--------+-------------------+
//! | dst 6  | src 6  |88cc 2| ...  |type 7|length 9| value (length B)  |  x N
//! +--------+--------+------+      +------+--------+-------------------+
//!                                  bits  15..9    8..0
//! TLVs, in order: Chassis ID (1) | Port ID (2) | TTL (3) | optional (4..=127)* | End (0, length 0)
//! ```
//!
//! Probes follow the convention of OVS and Ryu so captures read the same in tshark:
//! chassis id subtype 7 (locally assigned) `"dpid:%016x"`, port id subtype 2 (port
//! component) with the OpenFlow port number as 4 big-endian bytes.
//!
//! Decoding checks every TLV length against the bytes that remain (a 9-bit length cannot loop,
//! but it can overrun), rejects a missing or duplicated mandatory TLV, and keeps optional
//! TLVs it does not know as [`Tlv::Unknown`] so they re-encode byte for byte. Bytes after the
//! End TLV are Ethernet padding and are ignored.

use bytes::{BufMut, Bytes};

use crate::error::{DecodeError, DecodeErrorKind};
use crate::reader::Reader;
use crate::types::{DatapathId, MacAddr};

/// EtherType of LLDP.
pub const ETHERTYPE: u16 = 0x88cc;
/// Nearest-bridge group address: 802.1D bridges never forward it, so a probe crosses
/// exactly one link.
pub const NEAREST_BRIDGE: MacAddr = MacAddr([0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e]);
/// Ethernet header length (no VLAN tag).
pub const ETHERNET_HEADER_LEN: usize = 14;
/// Minimum Ethernet frame without FCS; shorter frames are zero-padded on encode.
pub const MIN_FRAME_LEN: usize = 60;
/// Prefix of the chassis id string in probes ("dpid:" then 16 hex digits).
pub const DPID_PREFIX: &str = "dpid:";

/// TLV type numbers (802.1AB §8.4).
pub mod tlv_type {
    /// End of LLDPDU.
    pub const END: u8 = 0;
    /// Chassis ID.
    pub const CHASSIS_ID: u8 = 1;
    /// Port ID.
    pub const PORT_ID: u8 = 2;
    /// Time to live.
    pub const TTL: u8 = 3;
    /// Port description.
    pub const PORT_DESCRIPTION: u8 = 4;
    /// System name.
    pub const SYSTEM_NAME: u8 = 5;
}

/// Chassis ID subtypes (802.1AB §8.5.2.2) that tapdemon interprets.
pub mod chassis_subtype {
    /// MAC address.
    pub const MAC_ADDRESS: u8 = 4;
    /// Locally assigned (the "dpid:..." string of OVS and Ryu).
    pub const LOCALLY_ASSIGNED: u8 = 7;
}

/// Port ID subtypes (802.1AB §8.5.3.2) that tapdemon interprets.
pub mod port_subtype {
    /// Interface name.
    pub const INTERFACE_NAME: u8 = 5;
    /// Port component (binary port number, as Ryu sends it).
    pub const PORT_COMPONENT: u8 = 2;
    /// Locally assigned.
    pub const LOCALLY_ASSIGNED: u8 = 7;
}

const CONTEXT: &str = "LLDP frame";
const TLV_HEADER_LEN: usize = 2;
const MAX_TLV_VALUE: usize = 0x1ff;
const MAX_ID_LEN: usize = 255;

/// Chassis ID TLV value: subtype + id (1..=255 bytes).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChassisId {
    /// Subtype ([`chassis_subtype`]).
    pub subtype: u8,
    /// The id, raw.
    #[serde(with = "crate::serde_hex")]
    pub id: Bytes,
}

/// Port ID TLV value: subtype + id (1..=255 bytes).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PortId {
    /// Subtype ([`port_subtype`]).
    pub subtype: u8,
    /// The id, raw.
    #[serde(with = "crate::serde_hex")]
    pub id: Bytes,
}

/// An optional TLV (between TTL and End).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tlv {
    /// Port description (type 4), when it is valid UTF-8.
    PortDescription(String),
    /// System name (type 5), when it is valid UTF-8.
    SystemName(String),
    /// Anything else, including a type 4/5 that is not UTF-8, kept verbatim.
    Unknown {
        /// TLV type (4..=127).
        ty: u8,
        /// Value bytes.
        #[serde(with = "crate::serde_hex")]
        value: Bytes,
    },
}

impl Tlv {
    fn ty(&self) -> u8 {
        match self {
            Tlv::PortDescription(_) => tlv_type::PORT_DESCRIPTION,
            Tlv::SystemName(_) => tlv_type::SYSTEM_NAME,
            Tlv::Unknown { ty, .. } => *ty,
        }
    }

    fn value(&self) -> &[u8] {
        match self {
            Tlv::PortDescription(s) | Tlv::SystemName(s) => s.as_bytes(),
            Tlv::Unknown { value, .. } => value,
        }
    }
}

/// An LLDP frame that cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A value longer than its TLV allows.
    #[error("LLDP {tlv} value of {len} bytes exceeds the {max}-byte limit")]
    TooLong {
        /// Which TLV.
        tlv: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A chassis or port id must have at least one byte.
    #[error("LLDP {tlv} is empty")]
    Empty {
        /// Which TLV.
        tlv: &'static str,
    },
    /// Optional TLVs must use types 4..=127 (0..=3 are End and the mandatory TLVs).
    #[error("LLDP TLV type {ty} is not an optional TLV type (4..=127)")]
    BadType {
        /// The type.
        ty: u8,
    },
}

/// A decoded LLDP frame (Ethernet header + LLDPDU).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Repr {
    /// Ethernet destination (normally [`NEAREST_BRIDGE`]).
    pub dst: MacAddr,
    /// Ethernet source (the sending port's MAC).
    pub src: MacAddr,
    /// Chassis ID TLV.
    pub chassis_id: ChassisId,
    /// Port ID TLV.
    pub port_id: PortId,
    /// Time to live, in seconds.
    pub ttl: u16,
    /// Optional TLVs, in wire order.
    pub tlvs: Vec<Tlv>,
}

/// True when `frame` is an untagged Ethernet frame with the LLDP EtherType: the cheap test a
/// packet-in handler runs before decoding.
pub fn is_lldp(frame: &[u8]) -> bool {
    frame.get(12..14) == Some(&ETHERTYPE.to_be_bytes()[..])
}

impl Repr {
    /// A tapdemon probe for `port` of switch `dpid`, sent from `src` (the port's MAC).
    pub fn probe(
        dpid: DatapathId,
        port: u32,
        src: MacAddr,
        ttl: u16,
        system_name: Option<&str>,
    ) -> Repr {
        Repr {
            dst: NEAREST_BRIDGE,
            src,
            chassis_id: ChassisId {
                subtype: chassis_subtype::LOCALLY_ASSIGNED,
                id: Bytes::from(format!("{DPID_PREFIX}{:016x}", dpid.0)),
            },
            port_id: PortId {
                subtype: port_subtype::PORT_COMPONENT,
                id: Bytes::copy_from_slice(&port.to_be_bytes()),
            },
            ttl,
            tlvs: system_name
                .map(|n| vec![Tlv::SystemName(n.to_string())])
                .unwrap_or_default(),
        }
    }

    /// The datapath id in a `"dpid:%016x"` locally assigned chassis id, if that is what
    /// this frame carries (other LLDP speakers, such as hosts running lldpd, give `None`).
    pub fn dpid(&self) -> Option<DatapathId> {
        if self.chassis_id.subtype != chassis_subtype::LOCALLY_ASSIGNED {
            return None;
        }
        let s = std::str::from_utf8(&self.chassis_id.id).ok()?;
        let hex = s.strip_prefix(DPID_PREFIX)?;
        if hex.is_empty() || hex.len() > 16 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u64::from_str_radix(hex, 16).ok().map(DatapathId)
    }

    /// The OpenFlow port number in the port id: binary (4 or 2 big-endian bytes) for the
    /// port component subtype, decimal text for the locally assigned and interface name
    /// subtypes.
    pub fn port_number(&self) -> Option<u32> {
        let id = &self.port_id.id[..];
        match self.port_id.subtype {
            port_subtype::PORT_COMPONENT => match *id {
                [a, b, c, d] => Some(u32::from_be_bytes([a, b, c, d])),
                [a, b] => Some(u16::from_be_bytes([a, b]).into()),
                _ => None,
            },
            port_subtype::LOCALLY_ASSIGNED | port_subtype::INTERFACE_NAME => {
                std::str::from_utf8(id).ok()?.parse().ok()
            }
            _ => None,
        }
    }

    /// The origin of a tapdemon/OVS/Ryu-style probe: (datapath id, port number).
    pub fn probe_origin(&self) -> Option<(DatapathId, u32)> {
        Some((self.dpid()?, self.port_number()?))
    }

    /// The system name TLV, if present.
    pub fn system_name(&self) -> Option<&str> {
        self.tlvs.iter().find_map(|t| match t {
            Tlv::SystemName(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// Decode a whole frame (packet-in data).
    pub fn parse(frame: &Bytes) -> Result<Repr, DecodeError> {
        Repr::decode(&mut Reader::new(frame, CONTEXT))
    }

    /// Decode from `r`, consuming its whole window (padding after End included).
    pub fn decode(r: &mut Reader<'_>) -> Result<Repr, DecodeError> {
        let dst = MacAddr(r.array("ethernet.dst")?);
        let src = MacAddr(r.array("ethernet.src")?);
        let et_offset = r.offset();
        let ethertype = r.u16("ethernet.ethertype")?;
        if ethertype != ETHERTYPE {
            return Err(r.error_at(
                et_offset,
                "ethernet.ethertype",
                DecodeErrorKind::BadValue {
                    value: ethertype.into(),
                },
            ));
        }

        let (mut v, start) = expect_tlv(r, tlv_type::CHASSIS_ID, "chassis id tlv")?;
        let chassis_id = ChassisId {
            subtype: id_subtype(&mut v, start, "chassis id tlv.length")?,
            id: v.rest(),
        };
        let (mut v, start) = expect_tlv(r, tlv_type::PORT_ID, "port id tlv")?;
        let port_id = PortId {
            subtype: id_subtype(&mut v, start, "port id tlv.length")?,
            id: v.rest(),
        };
        let (mut v, start) = expect_tlv(r, tlv_type::TTL, "ttl tlv")?;
        if v.remaining() != 2 {
            return Err(bad_len(&v, start, "ttl tlv.length"));
        }
        let ttl = v.u16("ttl")?;

        let mut tlvs = Vec::new();
        loop {
            let (ty, mut v, start) = read_tlv(r)?;
            match ty {
                tlv_type::END => {
                    if !v.is_empty() {
                        return Err(bad_len(&v, start, "end tlv.length"));
                    }
                    // Ethernet padding.
                    r.rest();
                    break;
                }
                tlv_type::CHASSIS_ID | tlv_type::PORT_ID | tlv_type::TTL => {
                    // 802.1AB §9.2.7.7.1: a repeated mandatory TLV invalidates the LLDPDU.
                    return Err(r.error_at(
                        start,
                        "lldp tlv.type (repeated mandatory tlv)",
                        DecodeErrorKind::BadValue { value: ty.into() },
                    ));
                }
                _ => {
                    let value = v.rest();
                    let text = || String::from_utf8(value.to_vec()).ok();
                    let tlv = match ty {
                        tlv_type::PORT_DESCRIPTION => text().map(Tlv::PortDescription),
                        tlv_type::SYSTEM_NAME => text().map(Tlv::SystemName),
                        _ => None,
                    };
                    tlvs.push(tlv.unwrap_or(Tlv::Unknown { ty, value }));
                }
            }
        }
        Ok(Repr {
            dst,
            src,
            chassis_id,
            port_id,
            ttl,
            tlvs,
        })
    }

    fn unpadded_len(&self) -> usize {
        ETHERNET_HEADER_LEN
            + (TLV_HEADER_LEN + 1 + self.chassis_id.id.len())
            + (TLV_HEADER_LEN + 1 + self.port_id.id.len())
            + (TLV_HEADER_LEN + 2)
            + self
                .tlvs
                .iter()
                .map(|t| TLV_HEADER_LEN + t.value().len())
                .sum::<usize>()
            + TLV_HEADER_LEN
    }

    /// Bytes [`Repr::encode`] writes, padding to [`MIN_FRAME_LEN`] included.
    pub fn encoded_len(&self) -> usize {
        self.unpadded_len().max(MIN_FRAME_LEN)
    }

    /// Check that every TLV fits its length field.
    pub fn validate(&self) -> Result<(), BuildError> {
        for (tlv, id) in [
            ("chassis id", &self.chassis_id.id),
            ("port id", &self.port_id.id),
        ] {
            if id.is_empty() {
                return Err(BuildError::Empty { tlv });
            }
            if id.len() > MAX_ID_LEN {
                return Err(BuildError::TooLong {
                    tlv,
                    len: id.len(),
                    max: MAX_ID_LEN,
                });
            }
        }
        for t in &self.tlvs {
            let ty = t.ty();
            if !(4..=127).contains(&ty) {
                return Err(BuildError::BadType { ty });
            }
            if t.value().len() > MAX_TLV_VALUE {
                return Err(BuildError::TooLong {
                    tlv: "optional tlv",
                    len: t.value().len(),
                    max: MAX_TLV_VALUE,
                });
            }
        }
        Ok(())
    }

    /// Append the frame: exactly [`Repr::encoded_len`] bytes, or nothing if it is invalid.
    pub fn encode(&self, out: &mut impl BufMut) -> Result<(), BuildError> {
        self.validate()?;
        out.put_slice(&self.dst.0);
        out.put_slice(&self.src.0);
        out.put_u16(ETHERTYPE);
        put_tlv_header(out, tlv_type::CHASSIS_ID, 1 + self.chassis_id.id.len());
        out.put_u8(self.chassis_id.subtype);
        out.put_slice(&self.chassis_id.id);
        put_tlv_header(out, tlv_type::PORT_ID, 1 + self.port_id.id.len());
        out.put_u8(self.port_id.subtype);
        out.put_slice(&self.port_id.id);
        put_tlv_header(out, tlv_type::TTL, 2);
        out.put_u16(self.ttl);
        for t in &self.tlvs {
            put_tlv_header(out, t.ty(), t.value().len());
            out.put_slice(t.value());
        }
        put_tlv_header(out, tlv_type::END, 0);
        out.put_bytes(0, self.encoded_len() - self.unpadded_len());
        Ok(())
    }

    /// Encode into a new buffer.
    pub fn to_bytes(&self) -> Result<Bytes, BuildError> {
        let mut out = bytes::BytesMut::with_capacity(self.encoded_len());
        self.encode(&mut out)?;
        Ok(out.freeze())
    }
}

fn put_tlv_header(out: &mut impl BufMut, ty: u8, len: usize) {
    // Lengths were validated to fit 9 bits.
    out.put_u16((u16::from(ty) << 9) | (len as u16 & 0x1ff));
}

/// Read one TLV header and split off its value. Returns (type, value reader, TLV offset).
fn read_tlv<'a>(r: &mut Reader<'a>) -> Result<(u8, Reader<'a>, usize), DecodeError> {
    let start = r.offset();
    let header = r.u16("lldp tlv header")?;
    let ty = (header >> 9) as u8;
    let len = usize::from(header & 0x1ff);
    r.check_tlv_len(
        TLV_HEADER_LEN + len,
        start,
        TLV_HEADER_LEN,
        1,
        "lldp tlv.length",
    )?;
    let v = r.sub(len, "lldp tlv value")?;
    Ok((ty, v, start))
}

fn expect_tlv<'a>(
    r: &mut Reader<'a>,
    want: u8,
    field: &'static str,
) -> Result<(Reader<'a>, usize), DecodeError> {
    let (ty, v, start) = read_tlv(r)?;
    if ty != want {
        return Err(r.error_at(start, field, DecodeErrorKind::BadValue { value: ty.into() }));
    }
    Ok((v, start))
}

/// The subtype byte of a chassis or port id, which must be followed by 1..=255 id bytes.
fn id_subtype(v: &mut Reader<'_>, start: usize, field: &'static str) -> Result<u8, DecodeError> {
    if !(2..=MAX_ID_LEN + 1).contains(&v.remaining()) {
        return Err(bad_len(v, start, field));
    }
    v.u8(field)
}

fn bad_len(v: &Reader<'_>, start: usize, field: &'static str) -> DecodeError {
    v.error_at(
        start,
        field,
        DecodeErrorKind::BadLength {
            value: v.remaining(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Probe from dpid 1 port 6, src 02:00:00:00:01:06, TTL 120, system name "tapdemon".
    static PROBE_BYTES: [u8; 61] = [
        0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e, // dst
        0x02, 0x00, 0x00, 0x00, 0x01, 0x06, // src
        0x88, 0xcc, // ethertype
        0x02, 0x16, 0x07, // chassis id: type 1, len 22, subtype 7
        b'd', b'p', b'i', b'd', b':', b'0', b'0', b'0', b'0', b'0', b'0', b'0', b'0', b'0', b'0',
        b'0', b'0', b'0', b'0', b'0', b'1', //
        0x04, 0x05, 0x02, 0x00, 0x00, 0x00, 0x06, // port id: type 2, len 5, subtype 2, port 6
        0x06, 0x02, 0x00, 0x78, // ttl: type 3, len 2, 120
        0x0a, 0x08, b't', b'a', b'p', b'd', b'e', b'm', b'o', b'n', // system name
        0x00, 0x00, // end
    ];

    fn probe_repr() -> Repr {
        Repr::probe(
            DatapathId(1),
            6,
            MacAddr([2, 0, 0, 0, 1, 6]),
            120,
            Some("tapdemon"),
        )
    }

    #[test]
    fn test_parse() {
        let repr = Repr::parse(&Bytes::from_static(&PROBE_BYTES)).unwrap();
        assert_eq!(repr, probe_repr());
        assert_eq!(repr.probe_origin(), Some((DatapathId(1), 6)));
        assert_eq!(repr.system_name(), Some("tapdemon"));
        assert!(is_lldp(&PROBE_BYTES));
    }

    #[test]
    fn test_emit() {
        let repr = probe_repr();
        assert_eq!(repr.encoded_len(), PROBE_BYTES.len());
        let mut buf = vec![0xa5u8; PROBE_BYTES.len()];
        repr.encode(&mut &mut buf[..]).unwrap();
        assert_eq!(&buf[..], &PROBE_BYTES[..]);
    }

    #[test]
    fn short_frames_are_padded_and_padding_is_ignored() {
        let repr = Repr::probe(DatapathId(0xabcd), 0xfffffffe, MacAddr([2; 6]), 120, None);
        // 14 + 24 + 7 + 4 + 2 = 51 bytes of content, padded to 60.
        assert_eq!(repr.encoded_len(), MIN_FRAME_LEN);
        let mut buf = vec![0xa5u8; MIN_FRAME_LEN];
        repr.encode(&mut &mut buf[..]).unwrap();
        assert_eq!(&buf[51..], &[0u8; 9][..]);
        let back = Repr::parse(&Bytes::from(buf)).unwrap();
        assert_eq!(back, repr);
        assert_eq!(back.probe_origin(), Some((DatapathId(0xabcd), 0xfffffffe)));
    }

    #[test]
    fn unknown_and_non_utf8_tlvs_round_trip() {
        let mut repr = probe_repr();
        repr.tlvs = vec![
            Tlv::Unknown {
                ty: 127,
                value: Bytes::from_static(&[0x00, 0x12, 0x0f, 0x01, 0x02]),
            },
            Tlv::Unknown {
                ty: tlv_type::SYSTEM_NAME,
                value: Bytes::from_static(&[0xff, 0xfe]),
            },
            Tlv::PortDescription("s1-eth6".into()),
        ];
        let bytes = repr.to_bytes().unwrap();
        let back = Repr::parse(&bytes).unwrap();
        assert_eq!(back, repr);
        assert_eq!(back.to_bytes().unwrap(), bytes);
        assert_eq!(back.system_name(), None);
    }

    #[test]
    fn port_numbers_in_other_encodings() {
        let mut repr = probe_repr();
        repr.port_id = PortId {
            subtype: port_subtype::PORT_COMPONENT,
            id: Bytes::from_static(&[0x00, 0x0b]),
        };
        assert_eq!(repr.port_number(), Some(11));
        repr.port_id = PortId {
            subtype: port_subtype::LOCALLY_ASSIGNED,
            id: Bytes::from_static(b"11"),
        };
        assert_eq!(repr.port_number(), Some(11));
        repr.port_id.id = Bytes::from_static(b"eth0");
        assert_eq!(repr.port_number(), None);
        repr.chassis_id.id = Bytes::from_static(b"dpid:xyz");
        assert_eq!(repr.dpid(), None);
        repr.chassis_id = ChassisId {
            subtype: chassis_subtype::MAC_ADDRESS,
            id: Bytes::from_static(&[2, 0, 0, 0, 0, 1]),
        };
        assert_eq!(repr.dpid(), None);
    }

    fn decode_err(bytes: &[u8]) -> DecodeError {
        Repr::parse(&Bytes::copy_from_slice(bytes)).unwrap_err()
    }

    #[test]
    fn malformed_tlv_lengths() {
        // Chassis id length running past the end of the frame.
        let mut b = PROBE_BYTES;
        b[15] = 0xff;
        let e = decode_err(&b);
        assert_eq!(e.offset, 14);
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 2 + 0xff });

        // Chassis id with no id bytes (length 1: the subtype only).
        let e = decode_err(&[&PROBE_BYTES[..14], &[0x02, 0x01, 0x07, 0x00, 0x00]].concat());
        assert_eq!(e.offset, 14);
        assert_eq!(e.field, "chassis id tlv.length");

        // TTL with length 3.
        let mut b = PROBE_BYTES.to_vec();
        b[46] = 0x03;
        b.insert(49, 0);
        let e = decode_err(&b);
        assert_eq!((e.offset, e.field), (45, "ttl tlv.length"));

        // End TLV with a non-zero length.
        let mut b = PROBE_BYTES.to_vec();
        b[60] = 0x01;
        b.push(0);
        let e = decode_err(&b);
        assert_eq!((e.offset, e.field), (59, "end tlv.length"));
    }

    #[test]
    fn malformed_structure() {
        // Truncated everywhere: never a panic, always an offset inside the input.
        for n in 0..PROBE_BYTES.len() {
            let e = decode_err(&PROBE_BYTES[..n]);
            assert!(e.offset <= n, "cut at {n}: {e}");
        }
        // Wrong ethertype.
        let mut b = PROBE_BYTES;
        b[13] = 0x00;
        let e = decode_err(&b);
        assert_eq!(
            (e.offset, e.kind),
            (12, DecodeErrorKind::BadValue { value: 0x8800 })
        );
        // Port id first instead of chassis id.
        let e = decode_err(&[&PROBE_BYTES[..14], &PROBE_BYTES[38..]].concat());
        assert_eq!((e.offset, e.field), (14, "chassis id tlv"));
        // A second TTL among the optional TLVs.
        let mut b = PROBE_BYTES[..49].to_vec();
        b.extend_from_slice(&[0x06, 0x02, 0x00, 0x78, 0x00, 0x00]);
        let e = decode_err(&b);
        assert_eq!(e.offset, 49);
        assert_eq!(e.kind, DecodeErrorKind::BadValue { value: 3 });
    }

    proptest::proptest! {
        #[test]
        fn decode_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = Repr::parse(&Bytes::from(data));
        }

        #[test]
        fn probes_round_trip(dpid in proptest::num::u64::ANY, port in proptest::num::u32::ANY,
                             name in "[a-z0-9-]{0,40}") {
            let name = (!name.is_empty()).then_some(name.as_str());
            let repr = Repr::probe(DatapathId(dpid), port, MacAddr([2, 0, 0, 0, 0, 1]), 120, name);
            let back = Repr::parse(&repr.to_bytes().unwrap()).unwrap();
            proptest::prop_assert_eq!(back.probe_origin(), Some((DatapathId(dpid), port)));
            proptest::prop_assert_eq!(back, repr);
        }
    }

    #[test]
    fn mutated_probes_never_panic() {
        // Mutations of a valid frame reach deeper than random bytes do.
        let mut state = 0x1234_5678u32;
        for _ in 0..2000 {
            let mut b = PROBE_BYTES.to_vec();
            for _ in 0..4 {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let i = (state >> 8) as usize % b.len();
                b[i] = (state >> 24) as u8;
            }
            if let Ok(r) = Repr::parse(&Bytes::from(b)) {
                let again = Repr::parse(&r.to_bytes().unwrap()).unwrap();
                assert_eq!(again, r);
            }
        }
    }

    #[test]
    fn build_errors() {
        let mut repr = probe_repr();
        repr.chassis_id.id = Bytes::new();
        assert_eq!(
            repr.to_bytes(),
            Err(BuildError::Empty { tlv: "chassis id" })
        );
        let mut repr = probe_repr();
        repr.port_id.id = Bytes::from(vec![0; 256]);
        assert!(matches!(repr.to_bytes(), Err(BuildError::TooLong { .. })));
        let mut repr = probe_repr();
        repr.tlvs.push(Tlv::Unknown {
            ty: 3,
            value: Bytes::new(),
        });
        assert_eq!(repr.to_bytes(), Err(BuildError::BadType { ty: 3 }));
        repr.tlvs = vec![Tlv::SystemName("x".repeat(512))];
        assert!(matches!(repr.to_bytes(), Err(BuildError::TooLong { .. })));
    }
}
