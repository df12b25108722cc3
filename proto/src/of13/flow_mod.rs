//! `OFPT_FLOW_MOD` (spec 1.3.5 §7.3.4.1, §A.3.4.1): `ofp_flow_mod`.
//!
//! ```text
//!  after ofp_header (8 bytes); offsets from the start of the message
//!  8 +-------------------------------+-------------------------------+
//!    |            cookie             |          cookie_mask          |
//! 24 +-------+-------+-------+-------+-------+-------+-------+-------+
//!    |table  |command| idle_timeout  | hard_timeout  |   priority    |
//! 32 +-------+-------+---------------+---------------+---------------+
//!    |           buffer_id           |           out_port            |
//! 40 +-------------------------------+---------------+---------------+
//!    |           out_group           |     flags     |      pad      |
//! 48 +-------------------------------+---------------+---------------+
//!    | ofp_match (padded to 8) | instructions (to the end of the message)
//!    +------------------------- - -+------------------------------- - -
//! ```

use bytes::{BufMut, BytesMut};

use crate::error::{DecodeError, EncodeError};
use crate::reader::Reader;

use super::consts_flow::*;
use super::instruction::Instruction;
use super::match_::Match;
use super::tlv::atomic;

enum_with_unknown! {
    /// `ofp_flow_mod_command`.
    pub enum FlowModCommand(u8) {
        /// OFPFC_ADD: new flow.
        Add = OFPFC_ADD,
        /// OFPFC_MODIFY: modify all matching flows.
        Modify = OFPFC_MODIFY,
        /// OFPFC_MODIFY_STRICT: modify the flow with exactly this match and priority.
        ModifyStrict = OFPFC_MODIFY_STRICT,
        /// OFPFC_DELETE: delete all matching flows.
        Delete = OFPFC_DELETE,
        /// OFPFC_DELETE_STRICT: delete the flow with exactly this match and priority.
        DeleteStrict = OFPFC_DELETE_STRICT,
    }
}

/// `ofp_flow_mod`: add, modify or delete flow entries.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FlowMod {
    /// Opaque controller-issued identifier.
    pub cookie: u64,
    /// Cookie bits that must match for modify/delete (0 = ignore the cookie).
    pub cookie_mask: u64,
    /// Table to put the flow in (`OFPTT_ALL` for deletes in every table).
    pub table_id: u8,
    /// What to do.
    pub command: FlowModCommand,
    /// Idle time before discarding (seconds, 0 = never).
    pub idle_timeout: u16,
    /// Max time before discarding (seconds, 0 = never).
    pub hard_timeout: u16,
    /// Priority.
    pub priority: u16,
    /// Buffered packet to apply to, or `OFP_NO_BUFFER`.
    pub buffer_id: u32,
    /// Deletes: only flows that output to this port (`OFPP_ANY` = any).
    pub out_port: u32,
    /// Deletes: only flows that output to this group (`OFPG_ANY` = any).
    pub out_group: u32,
    /// `OFPFF_*` bits.
    pub flags: u16,
    /// Fields to match.
    #[serde(rename = "match")]
    pub match_: Match,
    /// Instructions, in order.
    pub instructions: Vec<Instruction>,
}

/// Bytes of `ofp_flow_mod` between the header and the match.
const FIXED_LEN: usize = 40;

impl FlowMod {
    /// Decode the body after `ofp_header`; the instructions run to the end of the reader.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let cookie = r.u64("ofp_flow_mod.cookie")?;
        let cookie_mask = r.u64("ofp_flow_mod.cookie_mask")?;
        let table_id = r.u8("ofp_flow_mod.table_id")?;
        let command = FlowModCommand::from(r.u8("ofp_flow_mod.command")?);
        let idle_timeout = r.u16("ofp_flow_mod.idle_timeout")?;
        let hard_timeout = r.u16("ofp_flow_mod.hard_timeout")?;
        let priority = r.u16("ofp_flow_mod.priority")?;
        let buffer_id = r.u32("ofp_flow_mod.buffer_id")?;
        let out_port = r.u32("ofp_flow_mod.out_port")?;
        let out_group = r.u32("ofp_flow_mod.out_group")?;
        let flags = r.u16("ofp_flow_mod.flags")?;
        r.skip(2, "ofp_flow_mod.pad")?;
        let match_ = Match::decode(r)?;
        let n = r.remaining();
        let instructions = Instruction::decode_list(r, n, "ofp_flow_mod.instructions")?;
        Ok(FlowMod {
            cookie,
            cookie_mask,
            table_id,
            command,
            idle_timeout,
            hard_timeout,
            priority,
            buffer_id,
            out_port,
            out_group,
            flags,
            match_,
            instructions,
        })
    }

    /// Bytes [`FlowMod::encode`] writes (the body, without `ofp_header`).
    pub fn encoded_len(&self) -> usize {
        FIXED_LEN + self.match_.encoded_len() + Instruction::list_len(&self.instructions)
    }

    /// Append the body. On error nothing is appended.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        atomic(out, |out| {
            // The fixed part is assembled on the stack and appended in one copy.
            let mut f = [0u8; FIXED_LEN];
            f[0..8].copy_from_slice(&self.cookie.to_be_bytes());
            f[8..16].copy_from_slice(&self.cookie_mask.to_be_bytes());
            f[16] = self.table_id;
            f[17] = self.command.into();
            f[18..20].copy_from_slice(&self.idle_timeout.to_be_bytes());
            f[20..22].copy_from_slice(&self.hard_timeout.to_be_bytes());
            f[22..24].copy_from_slice(&self.priority.to_be_bytes());
            f[24..28].copy_from_slice(&self.buffer_id.to_be_bytes());
            f[28..32].copy_from_slice(&self.out_port.to_be_bytes());
            f[32..36].copy_from_slice(&self.out_group.to_be_bytes());
            f[36..38].copy_from_slice(&self.flags.to_be_bytes());
            // f[38..40]: pad, zero.
            out.reserve(FIXED_LEN + self.match_.encoded_len());
            out.put_slice(&f);
            self.match_.encode(out)?;
            Instruction::encode_list(&self.instructions, out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DecodeErrorKind;
    use crate::flow::Masked;
    use crate::of13::action::Action;
    use crate::of13::oxm::Oxm;
    use bytes::Bytes;

    static FLOW_MOD: [u8; 96] = [
        0x04, 0x0e, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, // ofp_header
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, // cookie
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // cookie_mask
        0x01, 0x00, 0x00, 0x0a, 0x00, 0x1e, 0x00, 0x7b, // table, command, idle, hard, prio
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // buffer_id, out_port
        0xff, 0xff, 0xff, 0xff, 0x00, 0x01, 0x00, 0x00, // out_group, flags, pad
        0x00, 0x01, 0x00, 0x0c, 0x80, 0x00, 0x00, 0x04, // match: in_port=1
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, //
        0x00, 0x04, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, // apply_actions
        0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x02, //   output:2
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
        0x00, 0x01, 0x00, 0x08, 0x02, 0x00, 0x00, 0x00, // goto_table:2
    ];

    fn repr() -> FlowMod {
        FlowMod {
            cookie: 0x0102030405060708,
            cookie_mask: 0,
            table_id: 1,
            command: FlowModCommand::Add,
            idle_timeout: 10,
            hard_timeout: 30,
            priority: 123,
            buffer_id: OFP_NO_BUFFER,
            out_port: 0xffff_ffff,
            out_group: OFPG_ANY,
            flags: OFPFF_SEND_FLOW_REM,
            match_: Match::from_fields(&[Oxm::InPort(Masked::exact(1))]).unwrap(),
            instructions: vec![
                Instruction::ApplyActions(vec![Action::Output {
                    port: 2,
                    max_len: 0,
                }]),
                Instruction::GotoTable { table_id: 2 },
            ],
        }
    }

    #[test]
    fn parse() {
        let buf = Bytes::from_static(&FLOW_MOD);
        let mut r = Reader::new(&buf, "OFPT_FLOW_MOD");
        r.skip(8, "ofp_header").unwrap();
        assert_eq!(FlowMod::decode(&mut r).unwrap(), repr());
        assert!(r.is_empty());
    }

    #[test]
    fn emit() {
        let mut out = BytesMut::from(&[0xa5u8; 8][..]);
        repr().encode(&mut out).unwrap();
        assert_eq!(&out[8..], &FLOW_MOD[8..]);
        assert_eq!(repr().encoded_len(), FLOW_MOD.len() - 8);
    }

    #[test]
    fn unknown_command_survives() {
        let mut bytes = FLOW_MOD;
        bytes[25] = 9;
        let buf = Bytes::copy_from_slice(&bytes);
        let mut r = Reader::new(&buf, "OFPT_FLOW_MOD");
        r.skip(8, "ofp_header").unwrap();
        let fm = FlowMod::decode(&mut r).unwrap();
        assert_eq!(fm.command, FlowModCommand::Unknown(9));
        let mut out = BytesMut::from(&bytes[..8]);
        fm.encode(&mut out).unwrap();
        assert_eq!(&out[..], &bytes[..]);
    }

    fn err(bytes: &[u8]) -> DecodeError {
        let buf = Bytes::copy_from_slice(bytes);
        let mut r = Reader::new(&buf, "OFPT_FLOW_MOD");
        r.skip(8, "ofp_header").unwrap();
        FlowMod::decode(&mut r).unwrap_err()
    }

    #[test]
    fn bad_lengths() {
        // Truncated fixed part.
        let e = err(&FLOW_MOD[..29]);
        assert_eq!((e.field, e.offset), ("ofp_flow_mod.hard_timeout", 28));
        assert_eq!(e.kind, DecodeErrorKind::Truncated { need: 2, have: 1 });
        // Zero-length instruction.
        let mut b = FLOW_MOD;
        b[91] = 0;
        let e = err(&b);
        assert_eq!((e.field, e.offset), ("ofp_instruction.len", 88));
        // Apply-actions claiming more than the message holds.
        let mut b = FLOW_MOD;
        b[67] = 0x40;
        let e = err(&b);
        assert_eq!((e.field, e.offset), ("ofp_instruction.len", 64));
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 0x40 });
        // Output action with a misaligned length inside the instruction.
        let mut b = FLOW_MOD;
        b[75] = 0x0c;
        let e = err(&b);
        assert_eq!((e.field, e.offset), ("ofp_action_header.len", 72));
        // Match length one byte too long: the extra byte is a truncated OXM header.
        let mut b = FLOW_MOD;
        b[51] = 0x0d;
        let e = err(&b);
        assert_eq!((e.field, e.offset), ("oxm_class", 60));
    }
}
