//! OpenFlow 1.0 actions (spec §5.2.4): `ofp_action_header` and the twelve action structs.
//!
//! Every action starts with the same 4 bytes and is a multiple of 8 bytes long:
//!
//! ```text
//!  0               2               4
//! +---------------+---------------+----------------------------- - -
//! |     type      |      len      |  body (len - 4 bytes)
//! +---------------+---------------+----------------------------- - -
//! ```
//!
//! | type | struct | len | body |
//! |---|---|---|---|
//! | `OFPAT_OUTPUT` | `ofp_action_output` | 8 | port(2) max_len(2) |
//! | `OFPAT_SET_VLAN_VID` | `ofp_action_vlan_vid` | 8 | vlan_vid(2) pad(2) |
//! | `OFPAT_SET_VLAN_PCP` | `ofp_action_vlan_pcp` | 8 | vlan_pcp(1) pad(3) |
//! | `OFPAT_STRIP_VLAN` | `ofp_action_header` | 8 | pad(4) |
//! | `OFPAT_SET_DL_SRC/DST` | `ofp_action_dl_addr` | 16 | dl_addr(6) pad(6) |
//! | `OFPAT_SET_NW_SRC/DST` | `ofp_action_nw_addr` | 8 | nw_addr(4) |
//! | `OFPAT_SET_NW_TOS` | `ofp_action_nw_tos` | 8 | nw_tos(1) pad(3) |
//! | `OFPAT_SET_TP_SRC/DST` | `ofp_action_tp_port` | 8 | tp_port(2) pad(2) |
//! | `OFPAT_ENQUEUE` | `ofp_action_enqueue` | 16 | port(2) pad(6) queue_id(4) |
//! | `OFPAT_VENDOR` | `ofp_action_vendor_header` | >= 8 | vendor(4) vendor body |
//!
//! A known action with the wrong length is an error (OVS answers it with
//! `OFPBAC_BAD_LEN`); an unknown type is kept as [`Action::Unknown`].

use std::net::Ipv4Addr;

use bytes::{BufMut, Bytes, BytesMut};

use super::consts::*;
use super::PortNo;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::reader::Reader;
use crate::types::MacAddr;

/// One OpenFlow 1.0 action: an `ofp_action_header`-led struct from the table above.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// `ofp_action_output`: send out `port`; `max_len` bytes go to the controller when
    /// `port` is `OFPP_CONTROLLER`.
    Output {
        /// Output port.
        port: PortNo,
        /// Bytes to send to the controller.
        max_len: u16,
    },
    /// `ofp_action_vlan_vid`: set the VLAN id (adding a tag if there is none).
    SetVlanVid(u16),
    /// `ofp_action_vlan_pcp`: set the VLAN priority.
    SetVlanPcp(u8),
    /// `OFPAT_STRIP_VLAN`: remove the 802.1Q tag.
    StripVlan,
    /// `ofp_action_dl_addr` with `OFPAT_SET_DL_SRC`.
    SetDlSrc(MacAddr),
    /// `ofp_action_dl_addr` with `OFPAT_SET_DL_DST`.
    SetDlDst(MacAddr),
    /// `ofp_action_nw_addr` with `OFPAT_SET_NW_SRC`.
    SetNwSrc(Ipv4Addr),
    /// `ofp_action_nw_addr` with `OFPAT_SET_NW_DST`.
    SetNwDst(Ipv4Addr),
    /// `ofp_action_nw_tos`: set the IP ToS (DSCP bits).
    SetNwTos(u8),
    /// `ofp_action_tp_port` with `OFPAT_SET_TP_SRC`.
    SetTpSrc(u16),
    /// `ofp_action_tp_port` with `OFPAT_SET_TP_DST`.
    SetTpDst(u16),
    /// `ofp_action_enqueue`: output through a queue of a port.
    Enqueue {
        /// Output port.
        port: PortNo,
        /// Queue on that port.
        queue_id: u32,
    },
    /// `ofp_action_vendor_header`: a vendor action (Nicira's are vendor 0x2320). `body` is
    /// everything after the vendor id; for Nicira it starts with the 2-byte subtype.
    Vendor {
        /// Vendor id.
        vendor: u32,
        /// The rest of the action (`len - 8` bytes).
        #[serde(with = "crate::serde_hex")]
        body: Bytes,
    },
    /// An action type the spec does not define; `body` is everything after `type` and `len`.
    Unknown {
        /// Action type.
        ty: u16,
        /// The rest of the action (`len - 4` bytes).
        #[serde(with = "crate::serde_hex")]
        body: Bytes,
    },
}

impl Action {
    /// The `OFPAT_*` type.
    pub fn action_type(&self) -> u16 {
        match self {
            Action::Output { .. } => OFPAT_OUTPUT,
            Action::SetVlanVid(_) => OFPAT_SET_VLAN_VID,
            Action::SetVlanPcp(_) => OFPAT_SET_VLAN_PCP,
            Action::StripVlan => OFPAT_STRIP_VLAN,
            Action::SetDlSrc(_) => OFPAT_SET_DL_SRC,
            Action::SetDlDst(_) => OFPAT_SET_DL_DST,
            Action::SetNwSrc(_) => OFPAT_SET_NW_SRC,
            Action::SetNwDst(_) => OFPAT_SET_NW_DST,
            Action::SetNwTos(_) => OFPAT_SET_NW_TOS,
            Action::SetTpSrc(_) => OFPAT_SET_TP_SRC,
            Action::SetTpDst(_) => OFPAT_SET_TP_DST,
            Action::Enqueue { .. } => OFPAT_ENQUEUE,
            Action::Vendor { .. } => OFPAT_VENDOR,
            Action::Unknown { ty, .. } => *ty,
        }
    }

    /// The Nicira subtype (`nx_action_header.subtype`) of a vendor action from
    /// `NX_VENDOR_ID`, `None` for anything else.
    pub fn nicira_subtype(&self) -> Option<u16> {
        match self {
            Action::Vendor { vendor, body } if *vendor == NX_VENDOR_ID => {
                let b = body.get(..2)?;
                Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
            }
            _ => None,
        }
    }

    /// Bytes on the wire, including the header.
    pub fn encoded_len(&self) -> usize {
        match self {
            Action::SetDlSrc(_) | Action::SetDlDst(_) | Action::Enqueue { .. } => 16,
            Action::Vendor { body, .. } => 8 + body.len(),
            Action::Unknown { body, .. } => 4 + body.len(),
            _ => 8,
        }
    }

    /// Decode one action; the reader's window must end where the action list ends.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        let ty = r.u16("ofp_action_header.type")?;
        let len = r.u16("ofp_action_header.len")? as usize;
        r.check_tlv_len(
            len,
            start,
            OFP_ACTION_HEADER_LEN,
            8,
            "ofp_action_header.len",
        )?;
        let mut b = r.sub(len - 4, "ofp_action_header")?;
        let want = |n: usize| -> Result<(), DecodeError> {
            if len == n {
                Ok(())
            } else {
                Err(r.error_at(
                    start,
                    "ofp_action_header.len",
                    DecodeErrorKind::BadLength { value: len },
                ))
            }
        };
        let action = match ty {
            OFPAT_OUTPUT => {
                want(8)?;
                Action::Output {
                    port: PortNo(b.u16("ofp_action_output.port")?),
                    max_len: b.u16("ofp_action_output.max_len")?,
                }
            }
            OFPAT_SET_VLAN_VID => {
                want(8)?;
                let v = b.u16("ofp_action_vlan_vid.vlan_vid")?;
                b.skip(2, "ofp_action_vlan_vid.pad")?;
                Action::SetVlanVid(v)
            }
            OFPAT_SET_VLAN_PCP => {
                want(8)?;
                let v = b.u8("ofp_action_vlan_pcp.vlan_pcp")?;
                b.skip(3, "ofp_action_vlan_pcp.pad")?;
                Action::SetVlanPcp(v)
            }
            OFPAT_STRIP_VLAN => {
                want(8)?;
                b.skip(4, "ofp_action_header.pad")?;
                Action::StripVlan
            }
            OFPAT_SET_DL_SRC | OFPAT_SET_DL_DST => {
                want(16)?;
                let mac = MacAddr(b.array("ofp_action_dl_addr.dl_addr")?);
                b.skip(6, "ofp_action_dl_addr.pad")?;
                if ty == OFPAT_SET_DL_SRC {
                    Action::SetDlSrc(mac)
                } else {
                    Action::SetDlDst(mac)
                }
            }
            OFPAT_SET_NW_SRC | OFPAT_SET_NW_DST => {
                want(8)?;
                let a = Ipv4Addr::from(b.u32("ofp_action_nw_addr.nw_addr")?);
                if ty == OFPAT_SET_NW_SRC {
                    Action::SetNwSrc(a)
                } else {
                    Action::SetNwDst(a)
                }
            }
            OFPAT_SET_NW_TOS => {
                want(8)?;
                let v = b.u8("ofp_action_nw_tos.nw_tos")?;
                b.skip(3, "ofp_action_nw_tos.pad")?;
                Action::SetNwTos(v)
            }
            OFPAT_SET_TP_SRC | OFPAT_SET_TP_DST => {
                want(8)?;
                let p = b.u16("ofp_action_tp_port.tp_port")?;
                b.skip(2, "ofp_action_tp_port.pad")?;
                if ty == OFPAT_SET_TP_SRC {
                    Action::SetTpSrc(p)
                } else {
                    Action::SetTpDst(p)
                }
            }
            OFPAT_ENQUEUE => {
                want(16)?;
                let port = PortNo(b.u16("ofp_action_enqueue.port")?);
                b.skip(6, "ofp_action_enqueue.pad")?;
                let queue_id = b.u32("ofp_action_enqueue.queue_id")?;
                Action::Enqueue { port, queue_id }
            }
            OFPAT_VENDOR => Action::Vendor {
                vendor: b.u32("ofp_action_vendor_header.vendor")?,
                body: b.rest(),
            },
            _ => Action::Unknown { ty, body: b.rest() },
        };
        b.finish("ofp_action_header")?;
        Ok(action)
    }

    /// Append the action. Fails only for a vendor or unknown action whose body would make
    /// the length not a multiple of 8 or longer than 65535 bytes.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        let len = self.encoded_len();
        if len % 8 != 0 || len > u16::MAX as usize {
            return Err(EncodeError::OutOfRange {
                version: "1.0",
                field: "ofp_action_header.len",
                value: len as u64,
            });
        }
        out.put_u16(self.action_type());
        out.put_u16(len as u16);
        match self {
            Action::Output { port, max_len } => {
                out.put_u16(port.0);
                out.put_u16(*max_len);
            }
            Action::SetVlanVid(v) => {
                out.put_u16(*v);
                out.put_bytes(0, 2);
            }
            Action::SetVlanPcp(v) | Action::SetNwTos(v) => {
                out.put_u8(*v);
                out.put_bytes(0, 3);
            }
            Action::StripVlan => out.put_bytes(0, 4),
            Action::SetDlSrc(m) | Action::SetDlDst(m) => {
                out.put_slice(&m.0);
                out.put_bytes(0, 6);
            }
            Action::SetNwSrc(a) | Action::SetNwDst(a) => out.put_u32((*a).into()),
            Action::SetTpSrc(p) | Action::SetTpDst(p) => {
                out.put_u16(*p);
                out.put_bytes(0, 2);
            }
            Action::Enqueue { port, queue_id } => {
                out.put_u16(port.0);
                out.put_bytes(0, 6);
                out.put_u32(*queue_id);
            }
            Action::Vendor { vendor, body } => {
                out.put_u32(*vendor);
                out.put_slice(body);
            }
            Action::Unknown { body, .. } => out.put_slice(body),
        }
        Ok(())
    }
}

/// Decode an action list that fills exactly `len` bytes.
pub fn decode_list(r: &mut Reader<'_>, len: usize) -> Result<Vec<Action>, DecodeError> {
    let mut sub = r.sub(len, "actions")?;
    // Each action is at least 8 bytes, which bounds the allocation by the input size.
    let mut actions = Vec::with_capacity(len / OFP_ACTION_HEADER_LEN);
    while !sub.is_empty() {
        actions.push(Action::decode(&mut sub)?);
    }
    Ok(actions)
}

/// Encode an action list.
pub fn encode_list(actions: &[Action], out: &mut BytesMut) -> Result<(), EncodeError> {
    actions.iter().try_for_each(|a| a.encode(out))
}

/// Total wire length of an action list.
pub fn list_len(actions: &[Action]) -> usize {
    actions.iter().map(Action::encoded_len).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each action, in type order, then a Nicira vendor action and an unknown type.
    static ACTIONS: [u8; 144] = [
        0x00, 0x00, 0x00, 0x08, 0xff, 0xfd, 0x00, 0x80, // output CONTROLLER 128
        0x00, 0x01, 0x00, 0x08, 0x00, 0x0a, 0x00, 0x00, // vlan_vid 10
        0x00, 0x02, 0x00, 0x08, 0x05, 0x00, 0x00, 0x00, // vlan_pcp 5
        0x00, 0x03, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, // strip_vlan
        0x00, 0x04, 0x00, 0x10, 1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0, // dl_src
        0x00, 0x05, 0x00, 0x10, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, // dl_dst
        0x00, 0x06, 0x00, 0x08, 10, 0, 0, 1, // nw_src
        0x00, 0x07, 0x00, 0x08, 10, 0, 0, 2, // nw_dst
        0x00, 0x08, 0x00, 0x08, 0xb8, 0x00, 0x00, 0x00, // nw_tos
        0x00, 0x09, 0x00, 0x08, 0x00, 0x50, 0x00, 0x00, // tp_src 80
        0x00, 0x0a, 0x00, 0x08, 0x01, 0xbb, 0x00, 0x00, // tp_dst 443
        0x00, 0x0b, 0x00, 0x10, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x00,
        0x07, // enqueue 3:7
        0xff, 0xff, 0x00, 0x10, 0x00, 0x00, 0x23, 0x20, 0x00, 0x12, 0, 0, 0, 0, 0,
        0, // NX dec_ttl
        0x00, 0x63, 0x00, 0x08, 0xde, 0xad, 0xbe, 0xef, // unknown type 99
    ];

    fn repr() -> Vec<Action> {
        vec![
            Action::Output {
                port: PortNo::CONTROLLER,
                max_len: 128,
            },
            Action::SetVlanVid(10),
            Action::SetVlanPcp(5),
            Action::StripVlan,
            Action::SetDlSrc(MacAddr([1, 2, 3, 4, 5, 6])),
            Action::SetDlDst(MacAddr([6, 5, 4, 3, 2, 1])),
            Action::SetNwSrc(Ipv4Addr::new(10, 0, 0, 1)),
            Action::SetNwDst(Ipv4Addr::new(10, 0, 0, 2)),
            Action::SetNwTos(0xb8),
            Action::SetTpSrc(80),
            Action::SetTpDst(443),
            Action::Enqueue {
                port: PortNo(3),
                queue_id: 7,
            },
            Action::Vendor {
                vendor: NX_VENDOR_ID,
                body: Bytes::from_static(&[0x00, 0x12, 0, 0, 0, 0, 0, 0]),
            },
            Action::Unknown {
                ty: 99,
                body: Bytes::from_static(&[0xde, 0xad, 0xbe, 0xef]),
            },
        ]
    }

    #[test]
    fn test_parse() {
        let buf = Bytes::from_static(&ACTIONS);
        let mut r = Reader::new(&buf, "TEST");
        let actions = decode_list(&mut r, ACTIONS.len()).unwrap();
        assert_eq!(actions, repr());
        assert_eq!(actions[12].nicira_subtype(), Some(0x12));
        assert_eq!(actions[0].nicira_subtype(), None);
    }

    #[test]
    fn test_emit() {
        let mut out = BytesMut::from(&[0xa5u8; 144][..]);
        out.clear();
        encode_list(&repr(), &mut out).unwrap();
        assert_eq!(&out[..], &ACTIONS[..]);
        assert_eq!(list_len(&repr()), ACTIONS.len());
    }

    #[test]
    fn zero_length_is_an_error_not_a_loop() {
        let buf = Bytes::from_static(&[0, 0, 0, 0, 0, 0, 0, 0]);
        let mut r = Reader::new(&buf, "TEST");
        let e = decode_list(&mut r, 8).unwrap_err();
        assert_eq!(e.field, "ofp_action_header.len");
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 0 });
    }

    #[test]
    fn bad_lengths() {
        // Not a multiple of 8, longer than the list, and a known action with the wrong size.
        for bytes in [
            &[0u8, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0][..],
            &[0, 0, 0, 16, 0, 1, 0, 0][..],
            &[0, 0, 0, 16, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0][..],
        ] {
            let buf = Bytes::copy_from_slice(bytes);
            let mut r = Reader::new(&buf, "TEST");
            let e = decode_list(&mut r, bytes.len()).unwrap_err();
            assert_eq!(e.offset, 0, "{bytes:?}");
            assert!(matches!(e.kind, DecodeErrorKind::BadLength { .. }), "{e}");
        }
    }

    #[test]
    fn unaligned_vendor_body_does_not_encode() {
        let a = Action::Vendor {
            vendor: 1,
            body: Bytes::from_static(&[1, 2, 3]),
        };
        assert!(a.encode(&mut BytesMut::new()).is_err());
    }
}
