//! OpenFlow 1.0 port numbers (`ofp_port`, spec §5.2.1): 16 bits, reserved values at the top.

use std::fmt;

use super::consts::*;

/// A 16-bit OpenFlow 1.0 port number (`ofp_port`). Physical ports are `1..=OFPP_MAX` (0xff00); the
/// reserved ports are associated constants. Any value decodes and re-encodes unchanged.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct PortNo(pub u16);

impl PortNo {
    /// `OFPP_MAX`: the highest physical port number.
    pub const MAX: PortNo = PortNo(OFPP_MAX);
    /// `OFPP_IN_PORT`: back out the input port.
    pub const IN_PORT: PortNo = PortNo(OFPP_IN_PORT);
    /// `OFPP_TABLE`: run through the flow table (packet-out only).
    pub const TABLE: PortNo = PortNo(OFPP_TABLE);
    /// `OFPP_NORMAL`: the switch's own L2/L3 processing.
    pub const NORMAL: PortNo = PortNo(OFPP_NORMAL);
    /// `OFPP_FLOOD`: all ports but the input port and those with flooding disabled.
    pub const FLOOD: PortNo = PortNo(OFPP_FLOOD);
    /// `OFPP_ALL`: all ports but the input port.
    pub const ALL: PortNo = PortNo(OFPP_ALL);
    /// `OFPP_CONTROLLER`: to the controller.
    pub const CONTROLLER: PortNo = PortNo(OFPP_CONTROLLER);
    /// `OFPP_LOCAL`: the switch's local stack.
    pub const LOCAL: PortNo = PortNo(OFPP_LOCAL);
    /// `OFPP_NONE`: no port (wildcard `out_port`, packet-out without input port).
    pub const NONE: PortNo = PortNo(OFPP_NONE);

    /// True for a physical (or logical) port number, `1..=OFPP_MAX`.
    pub fn is_physical(self) -> bool {
        self.0 >= 1 && self.0 <= OFPP_MAX
    }

    /// The spec name of a reserved port (`"OFPP_FLOOD"`), `None` for other numbers.
    pub fn reserved_name(self) -> Option<&'static str> {
        Some(match self.0 {
            OFPP_IN_PORT => "OFPP_IN_PORT",
            OFPP_TABLE => "OFPP_TABLE",
            OFPP_NORMAL => "OFPP_NORMAL",
            OFPP_FLOOD => "OFPP_FLOOD",
            OFPP_ALL => "OFPP_ALL",
            OFPP_CONTROLLER => "OFPP_CONTROLLER",
            OFPP_LOCAL => "OFPP_LOCAL",
            OFPP_NONE => "OFPP_NONE",
            _ => return None,
        })
    }
}

impl From<u16> for PortNo {
    fn from(v: u16) -> Self {
        PortNo(v)
    }
}

impl From<PortNo> for u16 {
    fn from(p: PortNo) -> Self {
        p.0
    }
}

impl fmt::Display for PortNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reserved_name() {
            Some(name) => f.write_str(name),
            None => write!(f, "{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(PortNo::FLOOD.to_string(), "OFPP_FLOOD");
        assert_eq!(PortNo(7).to_string(), "7");
        assert!(PortNo(7).is_physical());
        assert!(!PortNo::LOCAL.is_physical());
        assert!(!PortNo(0).is_physical());
    }
}
