//! `OFPT_FLOW_REMOVED` (`ofp_flow_removed`, spec §5.4.2).
//!
//! ```text
//!  0                                       40                              48
//! +---------------------------------------+-------------------------------+
//! |            match (ofp_match)          |            cookie             |
//! +-------+---+---+---------------+-------+-------+-------+---------------+
//! |priorit|rsn|pad| duration_sec  |duration_nsec  |idle_to|  pad  |
//! +-------+---+---+---------------+---------------+-------+-------+
//! 48      50  51  52              56              60      62      64
//! +-------------------------------+-------------------------------+
//! |         packet_count          |          byte_count           |  80
//! +-------------------------------+-------------------------------+
//! ```

use bytes::{BufMut, BytesMut};

use super::consts::*;
use super::Match;
use crate::error::DecodeError;
use crate::reader::Reader;

enum_with_unknown! {
    /// `ofp_flow_removed_reason`.
    pub enum FlowRemovedReason(u8) {
        /// `OFPRR_IDLE_TIMEOUT`
        IdleTimeout = OFPRR_IDLE_TIMEOUT,
        /// `OFPRR_HARD_TIMEOUT`
        HardTimeout = OFPRR_HARD_TIMEOUT,
        /// `OFPRR_DELETE`
        Delete = OFPRR_DELETE,
    }
}

/// `ofp_flow_removed`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FlowRemoved {
    /// The removed flow's match.
    #[serde(rename = "match")]
    pub match_: Match,
    /// Its cookie.
    pub cookie: u64,
    /// Its priority.
    pub priority: u16,
    /// Why it was removed.
    pub reason: FlowRemovedReason,
    /// Seconds it was alive.
    pub duration_sec: u32,
    /// Nanoseconds beyond `duration_sec`.
    pub duration_nsec: u32,
    /// Its idle timeout.
    pub idle_timeout: u16,
    /// Packets it matched.
    pub packet_count: u64,
    /// Bytes it matched.
    pub byte_count: u64,
}

impl FlowRemoved {
    /// Body length.
    pub const LEN: usize = OFP_FLOW_REMOVED_LEN - OFP_HEADER_LEN;

    /// Decode the body.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let match_ = Match::decode(r)?;
        let cookie = r.u64("ofp_flow_removed.cookie")?;
        let priority = r.u16("ofp_flow_removed.priority")?;
        let reason = FlowRemovedReason::from(r.u8("ofp_flow_removed.reason")?);
        r.skip(1, "ofp_flow_removed.pad")?;
        let duration_sec = r.u32("ofp_flow_removed.duration_sec")?;
        let duration_nsec = r.u32("ofp_flow_removed.duration_nsec")?;
        let idle_timeout = r.u16("ofp_flow_removed.idle_timeout")?;
        r.skip(2, "ofp_flow_removed.pad2")?;
        Ok(FlowRemoved {
            match_,
            cookie,
            priority,
            reason,
            duration_sec,
            duration_nsec,
            idle_timeout,
            packet_count: r.u64("ofp_flow_removed.packet_count")?,
            byte_count: r.u64("ofp_flow_removed.byte_count")?,
        })
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        self.match_.encode(out);
        out.put_u64(self.cookie);
        out.put_u16(self.priority);
        out.put_u8(self.reason.into());
        out.put_u8(0);
        out.put_u32(self.duration_sec);
        out.put_u32(self.duration_nsec);
        out.put_u16(self.idle_timeout);
        out.put_bytes(0, 2);
        out.put_u64(self.packet_count);
        out.put_u64(self.byte_count);
    }

    /// Body length.
    pub fn encoded_len(&self) -> usize {
        Self::LEN
    }
}
