//! `OFPT_PORT_STATUS` (`ofp_port_status`, spec §5.4.3) and `OFPT_PORT_MOD`
//! (`ofp_port_mod`, spec §5.3.3).

use bytes::{BufMut, BytesMut};

use super::consts::*;
use super::{PhyPort, PortNo};
use crate::error::DecodeError;
use crate::reader::Reader;
use crate::types::MacAddr;

enum_with_unknown! {
    /// `ofp_port_reason`.
    pub enum PortReason(u8) {
        /// `OFPPR_ADD`
        Add = OFPPR_ADD,
        /// `OFPPR_DELETE`
        Delete = OFPPR_DELETE,
        /// `OFPPR_MODIFY`
        Modify = OFPPR_MODIFY,
    }
}

/// `ofp_port_status`: a port was added, removed or changed.
///
/// ```text
///  0   1                           8
/// +---+---------------------------+------------------------------+
/// |rsn|        pad (7)            |  desc (ofp_phy_port, 48)     |  56
/// +---+---------------------------+------------------------------+
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PortStatus {
    /// What happened.
    pub reason: PortReason,
    /// The port, as it is now.
    pub desc: PhyPort,
}

impl PortStatus {
    /// Body length.
    pub const LEN: usize = OFP_PORT_STATUS_LEN - OFP_HEADER_LEN;

    /// Decode the body.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let reason = PortReason::from(r.u8("ofp_port_status.reason")?);
        r.skip(7, "ofp_port_status.pad")?;
        Ok(PortStatus {
            reason,
            desc: PhyPort::decode(r)?,
        })
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u8(self.reason.into());
        out.put_bytes(0, 7);
        self.desc.encode(out);
    }

    /// Body length.
    pub fn encoded_len(&self) -> usize {
        Self::LEN
    }
}

/// `ofp_port_mod`: change a port's configuration.
///
/// ```text
///  0       2                       8               12              16
/// +-------+-----------------------+---------------+---------------+
/// |port_no|        hw_addr        |    config     |     mask      |
/// +-------+-------+-------+-------+---------------+---------------+
/// |   advertise   |      pad      |  24
/// +---------------+---------------+
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PortMod {
    /// Port to change.
    pub port_no: PortNo,
    /// Must equal the port's `hw_addr` (a sanity check by the switch).
    pub hw_addr: MacAddr,
    /// New `OFPPC_*` bits (only those in `mask` apply).
    pub config: u32,
    /// Which `config` bits to change.
    pub mask: u32,
    /// Features to advertise (0 = leave unchanged).
    pub advertise: u32,
}

impl PortMod {
    /// Body length.
    pub const LEN: usize = OFP_PORT_MOD_LEN - OFP_HEADER_LEN;

    /// Decode the body.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let p = PortMod {
            port_no: PortNo(r.u16("ofp_port_mod.port_no")?),
            hw_addr: MacAddr(r.array("ofp_port_mod.hw_addr")?),
            config: r.u32("ofp_port_mod.config")?,
            mask: r.u32("ofp_port_mod.mask")?,
            advertise: r.u32("ofp_port_mod.advertise")?,
        };
        r.skip(4, "ofp_port_mod.pad")?;
        Ok(p)
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u16(self.port_no.0);
        out.put_slice(&self.hw_addr.0);
        out.put_u32(self.config);
        out.put_u32(self.mask);
        out.put_u32(self.advertise);
        out.put_bytes(0, 4);
    }

    /// Body length.
    pub fn encoded_len(&self) -> usize {
        Self::LEN
    }
}
