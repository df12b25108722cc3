//! OF1.3 instructions (spec 1.3.5 §7.2.4, §A.2.4): `ofp_instruction_*`.
//!
//! ```text
//!  0               2               4
//! +---------------+---------------+-------------------------- - -
//! |     type      |      len      |  body (len - 4 bytes)
//! +---------------+---------------+-------------------------- - -
//! goto_table (8):      type=1 | len=8  | table_id u8 | pad[3]
//! write_metadata (24): type=2 | len=24 | pad[4] | metadata u64 | metadata_mask u64
//! actions (8 + n):     type=3 (write) / 4 (apply) / 5 (clear, n=0) | len | pad[4] | actions
//! meter (8):           type=6 | len=8  | meter_id u32
//! experimenter:        type=0xffff | len | experimenter u32 | body
//! ```
//!
//! As with actions, `len` must be at least 8, a multiple of 8 and within what remains;
//! fixed-size instructions must have exactly their spec length. Unknown types are kept.

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::reader::Reader;

use super::action::Action;
use super::consts_flow::*;
use super::tlv::{patch_len16, put_zeros};

/// Length of `ofp_instruction` (type + len).
pub const INSTRUCTION_HEADER_LEN: usize = 4;

/// One OF1.3 instruction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Instruction {
    /// OFPIT_GOTO_TABLE: continue in a later table.
    GotoTable {
        /// The table.
        table_id: u8,
    },
    /// OFPIT_WRITE_METADATA.
    WriteMetadata {
        /// Value to write.
        metadata: u64,
        /// Bits to write.
        metadata_mask: u64,
    },
    /// OFPIT_WRITE_ACTIONS: merge into the action set.
    WriteActions(Vec<Action>),
    /// OFPIT_APPLY_ACTIONS: apply now, in order.
    ApplyActions(Vec<Action>),
    /// OFPIT_CLEAR_ACTIONS: empty the action set.
    ClearActions,
    /// OFPIT_METER.
    Meter {
        /// The meter.
        meter_id: u32,
    },
    /// OFPIT_EXPERIMENTER: id plus opaque bytes.
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

impl Instruction {
    /// The `OFPIT_*` type.
    pub fn ty(&self) -> u16 {
        match self {
            Instruction::GotoTable { .. } => OFPIT_GOTO_TABLE,
            Instruction::WriteMetadata { .. } => OFPIT_WRITE_METADATA,
            Instruction::WriteActions(_) => OFPIT_WRITE_ACTIONS,
            Instruction::ApplyActions(_) => OFPIT_APPLY_ACTIONS,
            Instruction::ClearActions => OFPIT_CLEAR_ACTIONS,
            Instruction::Meter { .. } => OFPIT_METER,
            Instruction::Experimenter { .. } => OFPIT_EXPERIMENTER,
            Instruction::Unknown { ty, .. } => *ty,
        }
    }

    /// Bytes on the wire.
    pub fn encoded_len(&self) -> usize {
        match self {
            Instruction::WriteMetadata { .. } => 24,
            Instruction::WriteActions(a) | Instruction::ApplyActions(a) => 8 + Action::list_len(a),
            Instruction::Experimenter { body, .. } => 8 + body.len(),
            Instruction::Unknown { body, .. } => INSTRUCTION_HEADER_LEN + body.len(),
            _ => 8,
        }
    }

    /// Decode one instruction; consumes exactly `len` bytes.
    pub fn decode(r: &mut Reader<'_>) -> Result<Instruction, DecodeError> {
        let start = r.offset();
        let ty = r.u16("ofp_instruction.type")?;
        let len = usize::from(r.u16("ofp_instruction.len")?);
        r.check_tlv_len(len, start, 8, 8, "ofp_instruction.len")?;
        let mut b = r.sub(len - INSTRUCTION_HEADER_LEN, "ofp_instruction body")?;
        let exact = |want: usize, field: &'static str| {
            if len == want {
                Ok(())
            } else {
                Err(r.error_at(start, field, DecodeErrorKind::BadLength { value: len }))
            }
        };
        let ins = match ty {
            OFPIT_GOTO_TABLE => {
                exact(8, "ofp_instruction_goto_table.len")?;
                Instruction::GotoTable {
                    table_id: b.u8("ofp_instruction_goto_table.table_id")?,
                }
            }
            OFPIT_WRITE_METADATA => {
                exact(24, "ofp_instruction_write_metadata.len")?;
                b.skip(4, "ofp_instruction_write_metadata.pad")?;
                Instruction::WriteMetadata {
                    metadata: b.u64("ofp_instruction_write_metadata.metadata")?,
                    metadata_mask: b.u64("ofp_instruction_write_metadata.metadata_mask")?,
                }
            }
            OFPIT_WRITE_ACTIONS | OFPIT_APPLY_ACTIONS => {
                b.skip(4, "ofp_instruction_actions.pad")?;
                let n = b.remaining();
                let actions = Action::decode_list(&mut b, n, "ofp_instruction_actions.actions")?;
                if ty == OFPIT_WRITE_ACTIONS {
                    Instruction::WriteActions(actions)
                } else {
                    Instruction::ApplyActions(actions)
                }
            }
            OFPIT_CLEAR_ACTIONS => {
                exact(8, "ofp_instruction_actions.len")?;
                Instruction::ClearActions
            }
            OFPIT_METER => {
                exact(8, "ofp_instruction_meter.len")?;
                Instruction::Meter {
                    meter_id: b.u32("ofp_instruction_meter.meter_id")?,
                }
            }
            OFPIT_EXPERIMENTER => Instruction::Experimenter {
                experimenter: b.u32("ofp_instruction_experimenter.experimenter")?,
                body: b.rest(),
            },
            _ => Instruction::Unknown { ty, body: b.rest() },
        };
        Ok(ins)
    }

    /// Append the instruction. Fails when an action cannot be encoded, the instruction
    /// outgrows its 16-bit length, or a raw body is not 8-aligned.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        let start = out.len();
        let r = self.encode_inner(out, start);
        if r.is_err() {
            out.truncate(start);
        }
        r
    }

    fn encode_inner(&self, out: &mut BytesMut, start: usize) -> Result<(), EncodeError> {
        if let Instruction::WriteActions(actions) | Instruction::ApplyActions(actions) = self {
            // Header and pad in one copy; the length is patched after the actions.
            let [t0, t1] = self.ty().to_be_bytes();
            out.reserve(8 + 16 * actions.len());
            out.put_slice(&[t0, t1, 0, 0, 0, 0, 0, 0]);
            Action::encode_list(actions, out)?;
            return patch_len16(out, start + 2, start);
        }
        out.put_u16(self.ty());
        out.put_u16(0);
        match self {
            Instruction::GotoTable { table_id } => {
                out.put_u8(*table_id);
                put_zeros(out, 3);
            }
            Instruction::WriteMetadata {
                metadata,
                metadata_mask,
            } => {
                put_zeros(out, 4);
                out.put_u64(*metadata);
                out.put_u64(*metadata_mask);
            }
            Instruction::WriteActions(actions) | Instruction::ApplyActions(actions) => {
                put_zeros(out, 4);
                Action::encode_list(actions, out)?;
            }
            Instruction::ClearActions => put_zeros(out, 4),
            Instruction::Meter { meter_id } => out.put_u32(*meter_id),
            Instruction::Experimenter { experimenter, body } => {
                out.put_u32(*experimenter);
                out.put_slice(body);
            }
            Instruction::Unknown { body, .. } => out.put_slice(body),
        }
        let len = out.len() - start;
        if len % 8 != 0 {
            return Err(EncodeError::OutOfRange {
                version: "1.3",
                field: "ofp_instruction.len (must be a multiple of 8)",
                value: len as u64,
            });
        }
        patch_len16(out, start + 2, start)
    }

    /// Decode an instruction list of exactly `len` bytes.
    pub fn decode_list(
        r: &mut Reader<'_>,
        len: usize,
        field: &'static str,
    ) -> Result<Vec<Instruction>, DecodeError> {
        super::tlv::decode_list(r, len, field, Instruction::decode)
    }

    /// Append every instruction in order.
    pub fn encode_list(list: &[Instruction], out: &mut BytesMut) -> Result<(), EncodeError> {
        super::tlv::encode_list(list, out, Instruction::encode)
    }

    /// Bytes an instruction list takes on the wire.
    pub fn list_len(list: &[Instruction]) -> usize {
        list.iter().map(Instruction::encoded_len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<(Instruction, Vec<u8>)> {
        vec![
            (
                Instruction::GotoTable { table_id: 1 },
                vec![0, 1, 0, 8, 1, 0, 0, 0],
            ),
            (
                Instruction::WriteMetadata {
                    metadata: 0x0102030405060708,
                    metadata_mask: 0xff,
                },
                vec![
                    0, 2, 0, 24, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0xff,
                ],
            ),
            (
                Instruction::WriteActions(vec![Action::Group { group_id: 7 }]),
                vec![0, 3, 0, 16, 0, 0, 0, 0, 0, 22, 0, 8, 0, 0, 0, 7],
            ),
            (
                Instruction::ApplyActions(vec![
                    Action::PopVlan,
                    Action::Output {
                        port: 0xfffffffd,
                        max_len: 0xffff,
                    },
                ]),
                vec![
                    0, 4, 0, 32, 0, 0, 0, 0, 0, 18, 0, 8, 0, 0, 0, 0, 0, 0, 0, 16, 0xff, 0xff,
                    0xff, 0xfd, 0xff, 0xff, 0, 0, 0, 0, 0, 0,
                ],
            ),
            (
                Instruction::ApplyActions(vec![]),
                vec![0, 4, 0, 8, 0, 0, 0, 0],
            ),
            (Instruction::ClearActions, vec![0, 5, 0, 8, 0, 0, 0, 0]),
            (
                Instruction::Meter { meter_id: 2 },
                vec![0, 6, 0, 8, 0, 0, 0, 2],
            ),
            (
                Instruction::Experimenter {
                    experimenter: 0x2320,
                    body: Bytes::from_static(&[9; 8]),
                },
                vec![0xff, 0xff, 0, 16, 0, 0, 0x23, 0x20, 9, 9, 9, 9, 9, 9, 9, 9],
            ),
            (
                Instruction::Unknown {
                    ty: 7,
                    body: Bytes::from_static(&[1, 2, 3, 4]),
                },
                vec![0, 7, 0, 8, 1, 2, 3, 4],
            ),
        ]
    }

    #[test]
    fn parse_and_emit_each() {
        for (ins, bytes) in all() {
            let buf = Bytes::from(bytes.clone());
            let mut r = Reader::new(&buf, "TEST");
            assert_eq!(Instruction::decode(&mut r).unwrap(), ins);
            assert!(r.is_empty());
            let mut out = BytesMut::from(&[0xa5u8; 3][..]);
            ins.encode(&mut out).unwrap();
            assert_eq!(&out[3..], &bytes[..], "{ins:?}");
            assert_eq!(ins.encoded_len(), bytes.len());
        }
    }

    #[test]
    fn list_round_trip() {
        let (list, bytes): (Vec<Instruction>, Vec<Vec<u8>>) = all().into_iter().unzip();
        let bytes = bytes.concat();
        let buf = Bytes::from(bytes.clone());
        let mut r = Reader::new(&buf, "TEST");
        assert_eq!(
            Instruction::decode_list(&mut r, buf.len(), "list").unwrap(),
            list
        );
        let mut out = BytesMut::new();
        Instruction::encode_list(&list, &mut out).unwrap();
        assert_eq!(&out[..], &bytes[..]);
        assert_eq!(Instruction::list_len(&list), bytes.len());
    }

    fn err(bytes: &[u8]) -> DecodeError {
        let buf = Bytes::copy_from_slice(bytes);
        let mut r = Reader::new(&buf, "TEST");
        r.skip(4, "prefix").unwrap();
        Instruction::decode_list(&mut r, buf.len() - 4, "list").unwrap_err()
    }

    #[test]
    fn bad_lengths() {
        let p = [0u8; 4];
        let e = err(&[&p[..], &[0, 5, 0, 0, 0, 0, 0, 0]].concat());
        assert_eq!((e.field, e.offset), ("ofp_instruction.len", 4));
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 0 });
        let e = err(&[&p[..], &[0, 5, 0, 4, 0, 0, 0, 0]].concat());
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 4 });
        let e = err(&[&p[..], &[0, 5, 0, 16, 0, 0, 0, 0]].concat());
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 16 });
        let e = err(&[&p[..], &[0, 1, 0, 16], &[0; 12][..]].concat());
        assert_eq!((e.field, e.offset), ("ofp_instruction_goto_table.len", 4));
        // A zero-length action inside apply-actions: the offset points into the action.
        let e = err(&[&p[..], &[0, 4, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]].concat());
        assert_eq!((e.field, e.offset), ("ofp_action_header.len", 12));
    }
}
