//! OF1.3 actions (spec 1.3.5 §7.2.5, §A.2.5): `ofp_action_*`.
//!
//! ```text
//!  0               2               4
//! +---------------+---------------+-------------------------- - -
//! |     type      |      len      |  body (len - 4 bytes)
//! +---------------+---------------+-------------------------- - -
//! ofp_action_output (16):  type=0 | len=16 | port u32 | max_len u16 | pad[6]
//! ofp_action_generic (8):  type    | len=8  | pad[4]          (copy_ttl_*, dec_*, pop_vlan, pop_pbb)
//! ofp_action_mpls_ttl (8): type=15 | len=8  | mpls_ttl u8 | pad[3]   (set_nw_ttl alike)
//! ofp_action_push (8):     type    | len=8  | ethertype u16 | pad[2] (push_*, pop_mpls)
//! ofp_action_set_queue (8) / ofp_action_group (8): type | len=8 | u32
//! ofp_action_set_field:    type=25 | len    | one OXM TLV | pad to 8
//! ofp_action_experimenter: type=0xffff | len | experimenter u32 | body
//! ```
//!
//! Every `len` must be at least 8, a multiple of 8 and within what remains
//! ([`Reader::check_tlv_len`]); a zero length is an error, never a loop. Known fixed-size
//! actions must have exactly their spec length and a set-field exactly its OXM rounded up
//! to 8, so that decoding then encoding gives back the same bytes. Types this version does
//! not define are [`Action::Unknown`], kept whole.

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::reader::Reader;

use super::consts_flow::*;
use super::oxm::Oxm;
use super::tlv::{pad8, patch_len16, put_zeros};

/// Length of `ofp_action_header`.
pub const ACTION_HEADER_LEN: usize = 4;

/// One OF1.3 action.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// OFPAT_OUTPUT: send out `port` (`ofp_port_no`, reserved ports included);
    /// `max_len` bytes go to the controller when `port` is OFPP_CONTROLLER.
    Output {
        /// Output port.
        port: u32,
        /// Bytes sent to the controller (`OFPCML_NO_BUFFER` = whole packet).
        max_len: u16,
    },
    /// OFPAT_COPY_TTL_OUT.
    CopyTtlOut,
    /// OFPAT_COPY_TTL_IN.
    CopyTtlIn,
    /// OFPAT_SET_MPLS_TTL.
    SetMplsTtl {
        /// The TTL.
        mpls_ttl: u8,
    },
    /// OFPAT_DEC_MPLS_TTL.
    DecMplsTtl,
    /// OFPAT_PUSH_VLAN.
    PushVlan {
        /// 0x8100 or 0x88a8.
        ethertype: u16,
    },
    /// OFPAT_POP_VLAN.
    PopVlan,
    /// OFPAT_PUSH_MPLS.
    PushMpls {
        /// 0x8847 or 0x8848.
        ethertype: u16,
    },
    /// OFPAT_POP_MPLS.
    PopMpls {
        /// The EtherType of the payload.
        ethertype: u16,
    },
    /// OFPAT_SET_QUEUE.
    SetQueue {
        /// Queue for the next output.
        queue_id: u32,
    },
    /// OFPAT_GROUP.
    Group {
        /// Group to process the packet through.
        group_id: u32,
    },
    /// OFPAT_SET_NW_TTL.
    SetNwTtl {
        /// The TTL.
        nw_ttl: u8,
    },
    /// OFPAT_DEC_NW_TTL.
    DecNwTtl,
    /// OFPAT_SET_FIELD: rewrite one header field.
    SetField(Oxm),
    /// OFPAT_PUSH_PBB.
    PushPbb {
        /// 0x88e7.
        ethertype: u16,
    },
    /// OFPAT_POP_PBB.
    PopPbb,
    /// OFPAT_EXPERIMENTER (Nicira, ONF...): id plus opaque bytes.
    Experimenter {
        /// Experimenter id.
        experimenter: u32,
        /// Everything after the id (`len - 8` bytes).
        #[serde(with = "crate::serde_hex")]
        body: Bytes,
    },
    /// A type OF1.3 does not define, kept as read.
    Unknown {
        /// `type`.
        ty: u16,
        /// The `len - 4` bytes after the header.
        #[serde(with = "crate::serde_hex")]
        body: Bytes,
    },
}

impl Action {
    /// The `OFPAT_*` type.
    pub fn ty(&self) -> u16 {
        match self {
            Action::Output { .. } => OFPAT_OUTPUT,
            Action::CopyTtlOut => OFPAT_COPY_TTL_OUT,
            Action::CopyTtlIn => OFPAT_COPY_TTL_IN,
            Action::SetMplsTtl { .. } => OFPAT_SET_MPLS_TTL,
            Action::DecMplsTtl => OFPAT_DEC_MPLS_TTL,
            Action::PushVlan { .. } => OFPAT_PUSH_VLAN,
            Action::PopVlan => OFPAT_POP_VLAN,
            Action::PushMpls { .. } => OFPAT_PUSH_MPLS,
            Action::PopMpls { .. } => OFPAT_POP_MPLS,
            Action::SetQueue { .. } => OFPAT_SET_QUEUE,
            Action::Group { .. } => OFPAT_GROUP,
            Action::SetNwTtl { .. } => OFPAT_SET_NW_TTL,
            Action::DecNwTtl => OFPAT_DEC_NW_TTL,
            Action::SetField(_) => OFPAT_SET_FIELD,
            Action::PushPbb { .. } => OFPAT_PUSH_PBB,
            Action::PopPbb => OFPAT_POP_PBB,
            Action::Experimenter { .. } => OFPAT_EXPERIMENTER,
            Action::Unknown { ty, .. } => *ty,
        }
    }

    /// Bytes on the wire.
    pub fn encoded_len(&self) -> usize {
        match self {
            Action::Output { .. } => 16,
            Action::SetField(oxm) => pad8(ACTION_HEADER_LEN + oxm.encoded_len()),
            Action::Experimenter { body, .. } => 8 + body.len(),
            Action::Unknown { body, .. } => ACTION_HEADER_LEN + body.len(),
            _ => 8,
        }
    }

    /// Decode one action; consumes exactly `len` bytes.
    pub fn decode(r: &mut Reader<'_>) -> Result<Action, DecodeError> {
        let start = r.offset();
        let ty = r.u16("ofp_action_header.type")?;
        let len = usize::from(r.u16("ofp_action_header.len")?);
        r.check_tlv_len(len, start, 8, 8, "ofp_action_header.len")?;
        let mut b = r.sub(len - ACTION_HEADER_LEN, "ofp_action body")?;
        let exact = |want: usize, field: &'static str| {
            if len == want {
                Ok(())
            } else {
                Err(r.error_at(start, field, DecodeErrorKind::BadLength { value: len }))
            }
        };
        let action = match ty {
            OFPAT_OUTPUT => {
                exact(16, "ofp_action_output.len")?;
                Action::Output {
                    port: b.u32("ofp_action_output.port")?,
                    max_len: b.u16("ofp_action_output.max_len")?,
                }
            }
            OFPAT_COPY_TTL_OUT | OFPAT_COPY_TTL_IN | OFPAT_DEC_MPLS_TTL | OFPAT_POP_VLAN
            | OFPAT_DEC_NW_TTL | OFPAT_POP_PBB => {
                exact(8, "ofp_action_generic.len")?;
                match ty {
                    OFPAT_COPY_TTL_OUT => Action::CopyTtlOut,
                    OFPAT_COPY_TTL_IN => Action::CopyTtlIn,
                    OFPAT_DEC_MPLS_TTL => Action::DecMplsTtl,
                    OFPAT_POP_VLAN => Action::PopVlan,
                    OFPAT_DEC_NW_TTL => Action::DecNwTtl,
                    _ => Action::PopPbb,
                }
            }
            OFPAT_SET_MPLS_TTL => {
                exact(8, "ofp_action_mpls_ttl.len")?;
                Action::SetMplsTtl {
                    mpls_ttl: b.u8("ofp_action_mpls_ttl.mpls_ttl")?,
                }
            }
            OFPAT_SET_NW_TTL => {
                exact(8, "ofp_action_nw_ttl.len")?;
                Action::SetNwTtl {
                    nw_ttl: b.u8("ofp_action_nw_ttl.nw_ttl")?,
                }
            }
            OFPAT_PUSH_VLAN | OFPAT_PUSH_MPLS | OFPAT_POP_MPLS | OFPAT_PUSH_PBB => {
                exact(8, "ofp_action_push.len")?;
                let ethertype = b.u16("ofp_action_push.ethertype")?;
                match ty {
                    OFPAT_PUSH_VLAN => Action::PushVlan { ethertype },
                    OFPAT_PUSH_MPLS => Action::PushMpls { ethertype },
                    OFPAT_POP_MPLS => Action::PopMpls { ethertype },
                    _ => Action::PushPbb { ethertype },
                }
            }
            OFPAT_SET_QUEUE => {
                exact(8, "ofp_action_set_queue.len")?;
                Action::SetQueue {
                    queue_id: b.u32("ofp_action_set_queue.queue_id")?,
                }
            }
            OFPAT_GROUP => {
                exact(8, "ofp_action_group.len")?;
                Action::Group {
                    group_id: b.u32("ofp_action_group.group_id")?,
                }
            }
            OFPAT_SET_FIELD => {
                let oxm = Oxm::decode(&mut b)?;
                exact(
                    pad8(ACTION_HEADER_LEN + oxm.encoded_len()),
                    "ofp_action_set_field.len",
                )?;
                Action::SetField(oxm)
            }
            OFPAT_EXPERIMENTER => Action::Experimenter {
                experimenter: b.u32("ofp_action_experimenter.experimenter")?,
                body: b.rest(),
            },
            _ => Action::Unknown { ty, body: b.rest() },
        };
        Ok(action)
    }

    /// Append the action. Fails when a set-field's OXM cannot be encoded, or an
    /// experimenter/unknown body would make `len` not a multiple of 8.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        if let Action::Output { port, max_len } = self {
            // The common case, in one copy: type, len 16, port, max_len, 6 bytes of pad.
            let [t0, t1] = OFPAT_OUTPUT.to_be_bytes();
            let [p0, p1, p2, p3] = port.to_be_bytes();
            let [m0, m1] = max_len.to_be_bytes();
            out.put_slice(&[t0, t1, 0, 16, p0, p1, p2, p3, m0, m1, 0, 0, 0, 0, 0, 0]);
            return Ok(());
        }
        let start = out.len();
        out.put_u16(self.ty());
        out.put_u16(0);
        match self {
            Action::Output { port, max_len } => {
                out.put_u32(*port);
                out.put_u16(*max_len);
                put_zeros(out, 6);
            }
            Action::CopyTtlOut
            | Action::CopyTtlIn
            | Action::DecMplsTtl
            | Action::PopVlan
            | Action::DecNwTtl
            | Action::PopPbb => put_zeros(out, 4),
            Action::SetMplsTtl { mpls_ttl: ttl } | Action::SetNwTtl { nw_ttl: ttl } => {
                out.put_u8(*ttl);
                put_zeros(out, 3);
            }
            Action::PushVlan { ethertype }
            | Action::PushMpls { ethertype }
            | Action::PopMpls { ethertype }
            | Action::PushPbb { ethertype } => {
                out.put_u16(*ethertype);
                put_zeros(out, 2);
            }
            Action::SetQueue { queue_id: v } | Action::Group { group_id: v } => out.put_u32(*v),
            Action::SetField(oxm) => {
                if let Err(e) = oxm.encode(out) {
                    out.truncate(start);
                    return Err(e);
                }
                let used = out.len() - start;
                put_zeros(out, pad8(used) - used);
            }
            Action::Experimenter { experimenter, body } => {
                out.put_u32(*experimenter);
                out.put_slice(body);
            }
            Action::Unknown { body, .. } => out.put_slice(body),
        }
        let len = out.len() - start;
        if len % 8 != 0 {
            out.truncate(start);
            return Err(EncodeError::OutOfRange {
                version: "1.3",
                field: "ofp_action_header.len (must be a multiple of 8)",
                value: len as u64,
            });
        }
        if let Err(e) = patch_len16(out, start + 2, start) {
            out.truncate(start);
            return Err(e);
        }
        Ok(())
    }

    /// Decode an action list of exactly `len` bytes (`actions_len`, or the rest of an
    /// instruction or bucket).
    pub fn decode_list(
        r: &mut Reader<'_>,
        len: usize,
        field: &'static str,
    ) -> Result<Vec<Action>, DecodeError> {
        super::tlv::decode_list(r, len, field, Action::decode)
    }

    /// Append every action in order.
    pub fn encode_list(actions: &[Action], out: &mut BytesMut) -> Result<(), EncodeError> {
        super::tlv::encode_list(actions, out, Action::encode)
    }

    /// Bytes an action list takes on the wire.
    pub fn list_len(actions: &[Action]) -> usize {
        actions.iter().map(Action::encoded_len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::Masked;

    /// One of every action, in wire order, with its bytes.
    fn all() -> Vec<(Action, Vec<u8>)> {
        vec![
            (
                Action::Output {
                    port: 6,
                    max_len: 0xffff,
                },
                vec![0, 0, 0, 16, 0, 0, 0, 6, 0xff, 0xff, 0, 0, 0, 0, 0, 0],
            ),
            (Action::CopyTtlOut, vec![0, 11, 0, 8, 0, 0, 0, 0]),
            (Action::CopyTtlIn, vec![0, 12, 0, 8, 0, 0, 0, 0]),
            (
                Action::SetMplsTtl { mpls_ttl: 10 },
                vec![0, 15, 0, 8, 10, 0, 0, 0],
            ),
            (Action::DecMplsTtl, vec![0, 16, 0, 8, 0, 0, 0, 0]),
            (
                Action::PushVlan { ethertype: 0x8100 },
                vec![0, 17, 0, 8, 0x81, 0, 0, 0],
            ),
            (Action::PopVlan, vec![0, 18, 0, 8, 0, 0, 0, 0]),
            (
                Action::PushMpls { ethertype: 0x8847 },
                vec![0, 19, 0, 8, 0x88, 0x47, 0, 0],
            ),
            (
                Action::PopMpls { ethertype: 0x0800 },
                vec![0, 20, 0, 8, 0x08, 0, 0, 0],
            ),
            (
                Action::SetQueue { queue_id: 3 },
                vec![0, 21, 0, 8, 0, 0, 0, 3],
            ),
            (
                Action::Group { group_id: 99 },
                vec![0, 22, 0, 8, 0, 0, 0, 99],
            ),
            (
                Action::SetNwTtl { nw_ttl: 10 },
                vec![0, 23, 0, 8, 10, 0, 0, 0],
            ),
            (Action::DecNwTtl, vec![0, 24, 0, 8, 0, 0, 0, 0]),
            (
                Action::SetField(Oxm::VlanVid(Masked::exact(0x1102))),
                vec![0, 25, 0, 16, 0x80, 0, 0x0c, 2, 0x11, 0x02, 0, 0, 0, 0, 0, 0],
            ),
            (
                Action::PushPbb { ethertype: 0x88e7 },
                vec![0, 26, 0, 8, 0x88, 0xe7, 0, 0],
            ),
            (Action::PopPbb, vec![0, 27, 0, 8, 0, 0, 0, 0]),
            (
                Action::Experimenter {
                    experimenter: 0x2320,
                    body: Bytes::from_static(&[0, 0x27, 0, 0, 0, 0, 0, 1]),
                },
                vec![
                    0xff, 0xff, 0, 16, 0, 0, 0x23, 0x20, 0, 0x27, 0, 0, 0, 0, 0, 1,
                ],
            ),
            (
                // OF1.1's SET_VLAN_VID, gone from 1.3.
                Action::Unknown {
                    ty: 1,
                    body: Bytes::from_static(&[0, 5, 0, 0]),
                },
                vec![0, 1, 0, 8, 0, 5, 0, 0],
            ),
        ]
    }

    #[test]
    fn parse_each() {
        for (action, bytes) in all() {
            let buf = Bytes::from(bytes);
            let mut r = Reader::new(&buf, "TEST");
            assert_eq!(Action::decode(&mut r).unwrap(), action);
            assert!(r.is_empty());
        }
    }

    #[test]
    fn emit_each() {
        for (action, bytes) in all() {
            let mut out = BytesMut::from(&[0xa5u8; 1][..]);
            action.encode(&mut out).unwrap();
            assert_eq!(&out[1..], &bytes[..], "{action:?}");
            assert_eq!(action.encoded_len(), bytes.len());
        }
    }

    #[test]
    fn list_round_trip() {
        let (actions, bytes): (Vec<Action>, Vec<Vec<u8>>) = all().into_iter().unzip();
        let bytes = bytes.concat();
        let buf = Bytes::from(bytes.clone());
        let mut r = Reader::new(&buf, "TEST");
        assert_eq!(
            Action::decode_list(&mut r, buf.len(), "list").unwrap(),
            actions
        );
        let mut out = BytesMut::new();
        Action::encode_list(&actions, &mut out).unwrap();
        assert_eq!(&out[..], &bytes[..]);
        assert_eq!(Action::list_len(&actions), bytes.len());
    }

    fn err(bytes: &[u8]) -> DecodeError {
        let buf = Bytes::copy_from_slice(bytes);
        let mut r = Reader::new(&buf, "TEST");
        r.skip(8, "prefix").unwrap();
        Action::decode_list(&mut r, buf.len() - 8, "list").unwrap_err()
    }

    #[test]
    fn bad_lengths() {
        let pop = [0u8, 18, 0, 8, 0, 0, 0, 0];
        let p = [0u8; 8];
        // Zero length: an error at the action's first byte, never a loop.
        let e = err(&[&p[..], &pop[..], &[0, 18, 0, 0, 0, 0, 0, 0]].concat());
        assert_eq!((e.field, e.offset), ("ofp_action_header.len", 16));
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 0 });
        // Misaligned.
        let e = err(&[&p[..], &[0, 18, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0]].concat());
        assert_eq!((e.field, e.offset), ("ofp_action_header.len", 8));
        // Past the end.
        let e = err(&[&p[..], &[0, 0, 0, 16, 0, 0, 0, 1]].concat());
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 16 });
        // Short header.
        let e = err(&[&p[..], &pop[..], &[0, 0]].concat());
        assert_eq!((e.field, e.offset), ("ofp_action_header.len", 18));
        // Known type with the wrong fixed length.
        let e = err(&[&p[..], &[0, 0, 0, 8, 0, 0, 0, 1]].concat());
        assert_eq!((e.field, e.offset), ("ofp_action_output.len", 8));
        // Set-field whose OXM runs past the action.
        let e = err(&[&p[..], &[0, 25, 0, 8, 0x80, 0, 0x06, 6]].concat());
        assert_eq!((e.field, e.offset), ("oxm_length", 12));
        // Set-field with extra padding (would not round-trip).
        let e = err(&[
            &p[..],
            &[0, 25, 0, 24, 0x80, 0, 0x0c, 2, 0x11, 0x02, 0, 0],
            &[0; 12][..],
        ]
        .concat());
        assert_eq!((e.field, e.offset), ("ofp_action_set_field.len", 8));
    }

    #[test]
    fn encode_refuses_misaligned_bodies() {
        let mut out = BytesMut::new();
        let a = Action::Experimenter {
            experimenter: 1,
            body: Bytes::from_static(&[1, 2, 3]),
        };
        assert!(a.encode(&mut out).is_err());
        assert!(out.is_empty());
    }
}
