//! `OFPT_FEATURES_REPLY` (`ofp_switch_features`, spec §5.3.1) and `ofp_phy_port` (§5.2.1).
//! `OFPT_FEATURES_REQUEST` has no body.

use bytes::{BufMut, BytesMut};

use super::consts::*;
use super::{fixed_str, PortNo};
use crate::error::{DecodeError, DecodeErrorKind};
use crate::reader::Reader;
use crate::types::{DatapathId, MacAddr};

/// `ofp_phy_port`: one port's description.
///
/// ```text
///  0       2                       8                               24
/// +-------+-----------------------+-------------------------------+
/// |port_no|        hw_addr        |        name (16, NUL-padded)  |
/// +-------+-------+-------+-------+-------+-------+-------+-------+
/// | config        | state         | curr          | advertised    |
/// +---------------+---------------+---------------+---------------+
/// | supported     | peer          |  48
/// +---------------+---------------+
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PhyPort {
    /// Port number.
    pub port_no: PortNo,
    /// MAC address of the port.
    pub hw_addr: MacAddr,
    /// Interface name (at most 15 bytes on the wire).
    pub name: String,
    /// `OFPPC_*` bits.
    pub config: u32,
    /// `OFPPS_*` bits (link down, STP state).
    pub state: u32,
    /// Current features (`OFPPF_*`).
    pub curr: u32,
    /// Features advertised by the port.
    pub advertised: u32,
    /// Features supported by the port.
    pub supported: u32,
    /// Features advertised by the peer.
    pub peer: u32,
}

impl PhyPort {
    /// Wire size.
    pub const LEN: usize = OFP_PHY_PORT_LEN;

    /// Decode 48 bytes.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(PhyPort {
            port_no: PortNo(r.u16("ofp_phy_port.port_no")?),
            hw_addr: MacAddr(r.array("ofp_phy_port.hw_addr")?),
            name: fixed_str::decode::<OFP_MAX_PORT_NAME_LEN>(r, "ofp_phy_port.name")?,
            config: r.u32("ofp_phy_port.config")?,
            state: r.u32("ofp_phy_port.state")?,
            curr: r.u32("ofp_phy_port.curr")?,
            advertised: r.u32("ofp_phy_port.advertised")?,
            supported: r.u32("ofp_phy_port.supported")?,
            peer: r.u32("ofp_phy_port.peer")?,
        })
    }

    /// Append 48 bytes.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u16(self.port_no.0);
        out.put_slice(&self.hw_addr.0);
        fixed_str::encode(&self.name, OFP_MAX_PORT_NAME_LEN, out);
        for v in [
            self.config,
            self.state,
            self.curr,
            self.advertised,
            self.supported,
            self.peer,
        ] {
            out.put_u32(v);
        }
    }

    /// True when the port is administratively down (`OFPPC_PORT_DOWN`).
    pub fn is_admin_down(&self) -> bool {
        self.config & OFPPC_PORT_DOWN != 0
    }

    /// True when there is no link (`OFPPS_LINK_DOWN`).
    pub fn is_link_down(&self) -> bool {
        self.state & OFPPS_LINK_DOWN != 0
    }
}

/// `ofp_switch_features`: the body of `OFPT_FEATURES_REPLY`.
///
/// ```text
///  0                               8               12  13          16
/// +-------------------------------+---------------+---+-----------+
/// |          datapath_id          |   n_buffers   |n_t|    pad    |
/// +---------------+---------------+---------------+---+-----------+
/// | capabilities  |    actions    | ports: ofp_phy_port[]  (48 each)
/// +---------------+---------------+------------------------ - -
/// 16              20              24
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeaturesReply {
    /// Datapath id (low 48 bits: a MAC; high 16: implementer-defined).
    pub datapath_id: DatapathId,
    /// Packets the switch can buffer for packet-in.
    pub n_buffers: u32,
    /// Number of flow tables.
    pub n_tables: u8,
    /// `OFPC_*` capability bits.
    pub capabilities: u32,
    /// Bitmap of supported actions (`1 << OFPAT_*`).
    pub actions: u32,
    /// The switch's ports.
    pub ports: Vec<PhyPort>,
}

impl FeaturesReply {
    /// Length of the fixed part after `ofp_header`.
    pub const FIXED_LEN: usize = OFP_SWITCH_FEATURES_LEN - OFP_HEADER_LEN;

    /// Decode the body (everything after `ofp_header`).
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let datapath_id = DatapathId(r.u64("ofp_switch_features.datapath_id")?);
        let n_buffers = r.u32("ofp_switch_features.n_buffers")?;
        let n_tables = r.u8("ofp_switch_features.n_tables")?;
        r.skip(3, "ofp_switch_features.pad")?;
        let capabilities = r.u32("ofp_switch_features.capabilities")?;
        let actions = r.u32("ofp_switch_features.actions")?;
        if r.remaining() % PhyPort::LEN != 0 {
            return Err(r.error(
                "ofp_switch_features.ports",
                DecodeErrorKind::BadLength {
                    value: r.remaining(),
                },
            ));
        }
        let mut ports = Vec::with_capacity(r.remaining() / PhyPort::LEN);
        while !r.is_empty() {
            ports.push(PhyPort::decode(r)?);
        }
        Ok(FeaturesReply {
            datapath_id,
            n_buffers,
            n_tables,
            capabilities,
            actions,
            ports,
        })
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u64(self.datapath_id.0);
        out.put_u32(self.n_buffers);
        out.put_u8(self.n_tables);
        out.put_bytes(0, 3);
        out.put_u32(self.capabilities);
        out.put_u32(self.actions);
        for p in &self.ports {
            p.encode(out);
        }
    }

    /// Body length.
    pub fn encoded_len(&self) -> usize {
        Self::FIXED_LEN + self.ports.len() * PhyPort::LEN
    }
}
