//! `OFPT_FLOW_MOD` (`ofp_flow_mod`, spec §5.3.3).
//!
//! ```text
//!  0                                       40                              48
//! +---------------------------------------+-------------------------------+
//! |            match (ofp_match)          |            cookie             |
//! +-------+-------+-------+-------+-------+-------+-------+---------------+
//! |command|idle_to|hard_to|priorit|   buffer_id   |out_prt| flags | actions ...
//! +-------+-------+-------+-------+---------------+-------+-------+-------- - -
//! 48      50      52      54      56              60      62      64
//! ```

use bytes::{BufMut, BytesMut};

use super::action::{self, Action};
use super::consts::*;
use super::{Match, PortNo};
use crate::error::{DecodeError, EncodeError};
use crate::reader::Reader;

enum_with_unknown! {
    /// `ofp_flow_mod_command`.
    pub enum FlowModCommand(u16) {
        /// `OFPFC_ADD`
        Add = OFPFC_ADD,
        /// `OFPFC_MODIFY`
        Modify = OFPFC_MODIFY,
        /// `OFPFC_MODIFY_STRICT`
        ModifyStrict = OFPFC_MODIFY_STRICT,
        /// `OFPFC_DELETE`
        Delete = OFPFC_DELETE,
        /// `OFPFC_DELETE_STRICT`
        DeleteStrict = OFPFC_DELETE_STRICT,
    }
}

/// `ofp_flow_mod`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FlowMod {
    /// Fields to match.
    #[serde(rename = "match")]
    pub match_: Match,
    /// Opaque controller-issued identifier.
    pub cookie: u64,
    /// What to do.
    pub command: FlowModCommand,
    /// Idle time before discarding (seconds, 0 = never).
    pub idle_timeout: u16,
    /// Max time before discarding (seconds, 0 = never).
    pub hard_timeout: u16,
    /// Priority (only meaningful with wildcards).
    pub priority: u16,
    /// Buffered packet to apply to, or `OFP_NO_BUFFER`.
    pub buffer_id: u32,
    /// For deletes: require an output to this port; `OFPP_NONE` = any.
    pub out_port: PortNo,
    /// `OFPFF_*` flags.
    pub flags: u16,
    /// Actions.
    pub actions: Vec<Action>,
}

impl FlowMod {
    /// Length of the fixed part after `ofp_header`.
    pub const FIXED_LEN: usize = OFP_FLOW_MOD_LEN - OFP_HEADER_LEN;

    /// An `OFPFC_ADD` with no buffer, no timeouts and no flags.
    pub fn add(match_: Match, priority: u16, actions: Vec<Action>) -> Self {
        FlowMod {
            match_,
            cookie: 0,
            command: FlowModCommand::Add,
            idle_timeout: 0,
            hard_timeout: 0,
            priority,
            buffer_id: OFP_NO_BUFFER,
            out_port: PortNo::NONE,
            flags: 0,
            actions,
        }
    }

    /// Decode the body.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let match_ = Match::decode(r)?;
        let cookie = r.u64("ofp_flow_mod.cookie")?;
        let command = FlowModCommand::from(r.u16("ofp_flow_mod.command")?);
        let idle_timeout = r.u16("ofp_flow_mod.idle_timeout")?;
        let hard_timeout = r.u16("ofp_flow_mod.hard_timeout")?;
        let priority = r.u16("ofp_flow_mod.priority")?;
        let buffer_id = r.u32("ofp_flow_mod.buffer_id")?;
        let out_port = PortNo(r.u16("ofp_flow_mod.out_port")?);
        let flags = r.u16("ofp_flow_mod.flags")?;
        let actions = action::decode_list(r, r.remaining())?;
        Ok(FlowMod {
            match_,
            cookie,
            command,
            idle_timeout,
            hard_timeout,
            priority,
            buffer_id,
            out_port,
            flags,
            actions,
        })
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        self.match_.encode(out);
        out.put_u64(self.cookie);
        out.put_u16(self.command.into());
        out.put_u16(self.idle_timeout);
        out.put_u16(self.hard_timeout);
        out.put_u16(self.priority);
        out.put_u32(self.buffer_id);
        out.put_u16(self.out_port.0);
        out.put_u16(self.flags);
        action::encode_list(&self.actions, out)
    }

    /// Body length.
    pub fn encoded_len(&self) -> usize {
        Self::FIXED_LEN + action::list_len(&self.actions)
    }
}
