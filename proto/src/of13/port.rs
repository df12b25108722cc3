//! `ofp_port` (spec 1.3.5 §A.2.1), `OFPT_PORT_STATUS` (`ofp_port_status`, §A.4.3) and
//! `OFPT_PORT_MOD` (`ofp_port_mod`, §A.3.4.3).
//!
//! ```text
//! ofp_port (64 bytes)
//! +---------------+---------------+-----------------------+-------+
//! |    port_no    |      pad      |        hw_addr        |  pad  |
//! +---------------+---------------+-----------------------+-------+
//! |                     name (16 bytes, NUL padded)               |
//! +---------------+---------------+---------------+---------------+
//! |    config     |     state     |     curr      |  advertised   |
//! +---------------+---------------+---------------+---------------+
//! |   supported   |     peer      |  curr_speed   |   max_speed   |
//! +---------------+---------------+---------------+---------------+
//! ofp_port_status body: reason (u8), pad[7], ofp_port
//! ofp_port_mod body:    port_no, pad[4], hw_addr, pad[2], config, mask, advertise, pad[4]
//! ```

use bytes::{BufMut, BytesMut};

use super::consts::OFP_MAX_PORT_NAME_LEN;
use super::strings::FixedStr;
use crate::error::DecodeError;
use crate::reader::Reader;
use crate::types::MacAddr;

/// `ofp_port`: a port's description.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Port {
    /// Port number (`OFPP_*` for reserved ports).
    pub port_no: u32,
    /// Hardware address.
    pub hw_addr: MacAddr,
    /// Interface name.
    pub name: FixedStr<OFP_MAX_PORT_NAME_LEN>,
    /// `OFPPC_*` bits.
    pub config: u32,
    /// `OFPPS_*` bits.
    pub state: u32,
    /// Current features (`OFPPF_*`).
    pub curr: u32,
    /// Features being advertised by the port.
    pub advertised: u32,
    /// Features supported by the port.
    pub supported: u32,
    /// Features advertised by peer.
    pub peer: u32,
    /// Current port bitrate in kbps.
    pub curr_speed: u32,
    /// Max port bitrate in kbps.
    pub max_speed: u32,
}

impl Port {
    /// Encoded length.
    pub const LEN: usize = 64;

    /// Decode one `ofp_port`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let port_no = r.u32("ofp_port.port_no")?;
        r.skip(4, "ofp_port.pad")?;
        let hw_addr = MacAddr(r.array("ofp_port.hw_addr")?);
        r.skip(2, "ofp_port.pad2")?;
        Ok(Port {
            port_no,
            hw_addr,
            name: FixedStr::decode(r, "ofp_port.name")?,
            config: r.u32("ofp_port.config")?,
            state: r.u32("ofp_port.state")?,
            curr: r.u32("ofp_port.curr")?,
            advertised: r.u32("ofp_port.advertised")?,
            supported: r.u32("ofp_port.supported")?,
            peer: r.u32("ofp_port.peer")?,
            curr_speed: r.u32("ofp_port.curr_speed")?,
            max_speed: r.u32("ofp_port.max_speed")?,
        })
    }

    /// Bytes [`Port::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        Self::LEN
    }

    /// Append the 64 bytes.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.port_no);
        out.put_bytes(0, 4);
        out.put_slice(&self.hw_addr.0);
        out.put_bytes(0, 2);
        self.name.encode(out);
        for v in [
            self.config,
            self.state,
            self.curr,
            self.advertised,
            self.supported,
            self.peer,
            self.curr_speed,
            self.max_speed,
        ] {
            out.put_u32(v);
        }
    }
}

/// `ofp_port_status`: a port was added, deleted or modified.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PortStatus {
    /// `OFPPR_ADD`, `OFPPR_DELETE` or `OFPPR_MODIFY`.
    pub reason: u8,
    /// The port as it is now (as it was, for a delete).
    pub desc: Port,
}

impl PortStatus {
    /// Decode the body after `ofp_header`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let reason = r.u8("ofp_port_status.reason")?;
        r.skip(7, "ofp_port_status.pad")?;
        Ok(PortStatus {
            reason,
            desc: Port::decode(r)?,
        })
    }

    /// Bytes [`PortStatus::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        8 + Port::LEN
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u8(self.reason);
        out.put_bytes(0, 7);
        self.desc.encode(out);
    }
}

/// `ofp_port_mod`: change a port's administrative settings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PortMod {
    /// The port to modify.
    pub port_no: u32,
    /// Must match the port's address (a sanity check against renumbering).
    pub hw_addr: MacAddr,
    /// New `OFPPC_*` values for the bits set in `mask`.
    pub config: u32,
    /// Which `config` bits to change.
    pub mask: u32,
    /// `OFPPF_*` to advertise; zero leaves advertisement unchanged.
    pub advertise: u32,
}

impl PortMod {
    /// Body length.
    pub const LEN: usize = 32;

    /// Decode the body after `ofp_header`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let port_no = r.u32("ofp_port_mod.port_no")?;
        r.skip(4, "ofp_port_mod.pad")?;
        let hw_addr = MacAddr(r.array("ofp_port_mod.hw_addr")?);
        r.skip(2, "ofp_port_mod.pad2")?;
        let config = r.u32("ofp_port_mod.config")?;
        let mask = r.u32("ofp_port_mod.mask")?;
        let advertise = r.u32("ofp_port_mod.advertise")?;
        r.skip(4, "ofp_port_mod.pad3")?;
        Ok(PortMod {
            port_no,
            hw_addr,
            config,
            mask,
            advertise,
        })
    }

    /// Bytes [`PortMod::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        Self::LEN
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.port_no);
        out.put_bytes(0, 4);
        out.put_slice(&self.hw_addr.0);
        out.put_bytes(0, 2);
        out.put_u32(self.config);
        out.put_u32(self.mask);
        out.put_u32(self.advertise);
        out.put_bytes(0, 4);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    static PORT: [u8; 64] = [
        0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, // port_no, pad
        0xf2, 0x0b, 0xa4, 0xd0, 0x3f, 0x70, 0x00, 0x00, // hw_addr, pad
        b'P', b'o', b'r', b't', b'7', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // name
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, // config, state
        0x00, 0x00, 0x28, 0x08, 0x00, 0x00, 0x28, 0x00, // curr, advertised
        0x00, 0x00, 0x28, 0x08, 0x00, 0x00, 0x28, 0x08, // supported, peer
        0x00, 0x00, 0x13, 0x88, 0x00, 0x00, 0x13, 0x88, // curr_speed, max_speed
    ];

    fn port() -> Port {
        Port {
            port_no: 7,
            hw_addr: MacAddr([0xf2, 0x0b, 0xa4, 0xd0, 0x3f, 0x70]),
            name: FixedStr::new("Port7"),
            config: 0,
            state: 4,
            curr: 0x2808,
            advertised: 0x2800,
            supported: 0x2808,
            peer: 0x2808,
            curr_speed: 5000,
            max_speed: 5000,
        }
    }

    #[test]
    fn parse() {
        let buf = Bytes::from_static(&PORT);
        let mut r = Reader::new(&buf, "OFPMP_PORT_DESC reply");
        assert_eq!(Port::decode(&mut r).unwrap(), port());
        assert!(r.is_empty());
    }

    #[test]
    fn emit() {
        let mut out = BytesMut::new();
        port().encode(&mut out);
        assert_eq!(&out[..], &PORT[..]);
    }

    #[test]
    fn truncated_port_names_the_field() {
        let buf = Bytes::copy_from_slice(&PORT[..40]);
        let e = Port::decode(&mut Reader::new(&buf, "OFPT_PORT_STATUS")).unwrap_err();
        assert_eq!(e.field, "ofp_port.curr");
        assert_eq!(e.offset, 40);
    }

    #[test]
    fn port_mod_round_trip() {
        let pm = PortMod {
            port_no: 1,
            hw_addr: MacAddr([0xaa, 0xbb, 0xcc, 0x99, 0x88, 0x77]),
            config: 1,
            mask: 1,
            advertise: 0x2808,
        };
        let mut out = BytesMut::new();
        pm.encode(&mut out);
        assert_eq!(out.len(), PortMod::LEN);
        let buf = out.freeze();
        assert_eq!(
            PortMod::decode(&mut Reader::new(&buf, "OFPT_PORT_MOD")).unwrap(),
            pm
        );
    }
}
