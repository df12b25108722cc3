//! Input/output interfaces of a flow sample and the data source of a sample.
//!
//! ```text
//! compact   (flow_sample):           | fmt:2 | value:30 |
//! expanded  (flow_sample_expanded):  | format: u32 | value: u32 |
//! fmt 0: ifIndex (0 = unknown, 0x3FFFFFFF = sent to the local host)
//! fmt 1: packet discarded, value = reason code
//! fmt 2: sent to several interfaces, value = how many (0 = unknown)
//! ```

use std::fmt;

use bytes::{BufMut, BytesMut};

use crate::error::DecodeError;
use crate::reader::Reader;

/// The ifIndex value meaning "the packet went to (or came from) the device itself".
pub const INTERNAL: u32 = 0x3FFF_FFFF;

/// One side of a sampled packet's path through the device (`interface`,
/// `interface_expanded`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Interface {
    /// A single interface by SNMP ifIndex (0 = not known).
    Index(u32),
    /// The local host / the switch itself (ifIndex 0x3FFFFFFF).
    Internal,
    /// The packet was dropped; the reason code (RFC 1812 / ICMP unreachable codes, or the
    /// spec's 256+ codes).
    Discarded {
        /// Reason code.
        reason: u32,
    },
    /// Sent out of several interfaces (flooding, multicast); 0 = count not known.
    Multiple {
        /// How many interfaces.
        count: u32,
    },
    /// A format this decoder does not know (compact format 3, or expanded format > 2).
    Other {
        /// The format number.
        format: u32,
        /// The value, verbatim.
        value: u32,
    },
}

impl Interface {
    /// From an expanded `format, value` pair (the compact form is split into the same).
    pub fn from_parts(format: u32, value: u32) -> Self {
        match (format, value) {
            (0, INTERNAL) => Interface::Internal,
            (0, v) => Interface::Index(v),
            (1, reason) => Interface::Discarded { reason },
            (2, count) => Interface::Multiple { count },
            (format, value) => Interface::Other { format, value },
        }
    }

    /// The `format, value` pair.
    pub fn to_parts(self) -> (u32, u32) {
        match self {
            Interface::Index(v) => (0, v),
            Interface::Internal => (0, INTERNAL),
            Interface::Discarded { reason } => (1, reason),
            Interface::Multiple { count } => (2, count),
            Interface::Other { format, value } => (format, value),
        }
    }

    /// From a compact 32-bit `interface` word.
    pub fn from_compact(word: u32) -> Self {
        Self::from_parts(word >> 30, word & INTERNAL)
    }

    /// The compact word (values are truncated to 30 bits).
    pub fn to_compact(self) -> u32 {
        let (format, value) = self.to_parts();
        ((format & 3) << 30) | (value & INTERNAL)
    }

    /// The ifIndex when this is a single, known interface.
    pub fn ifindex(self) -> Option<u32> {
        match self {
            Interface::Index(0) => None,
            Interface::Index(v) => Some(v),
            _ => None,
        }
    }

    pub(crate) fn decode_compact(
        r: &mut Reader<'_>,
        field: &'static str,
    ) -> Result<Self, DecodeError> {
        Ok(Self::from_compact(r.u32(field)?))
    }

    pub(crate) fn decode_expanded(
        r: &mut Reader<'_>,
        field: &'static str,
    ) -> Result<Self, DecodeError> {
        let format = r.u32(field)?;
        let value = r.u32(field)?;
        Ok(Self::from_parts(format, value))
    }

    pub(crate) fn encode(self, expanded: bool, out: &mut BytesMut) {
        if expanded {
            let (format, value) = self.to_parts();
            out.put_u32(format);
            out.put_u32(value);
        } else {
            out.put_u32(self.to_compact());
        }
    }
}

impl fmt::Display for Interface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Interface::Index(v) => write!(f, "{v}"),
            Interface::Internal => f.write_str("internal"),
            Interface::Discarded { reason } => write!(f, "discard({reason})"),
            Interface::Multiple { count } => write!(f, "multiple({count})"),
            Interface::Other { format, value } => write!(f, "format{format}({value})"),
        }
    }
}

/// `sflow_data_source` / `sflow_data_source_expanded`: what the sample was taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct DataSource {
    /// 0 = ifIndex, 1 = smonVlanDataSource, 2 = entPhysicalEntry.
    pub source_type: u32,
    /// The index within that type (24 bits in the compact form).
    pub index: u32,
}

impl DataSource {
    pub(crate) fn decode(r: &mut Reader<'_>, expanded: bool) -> Result<Self, DecodeError> {
        if expanded {
            let source_type = r.u32("sflow_data_source_expanded.source_id_type")?;
            let index = r.u32("sflow_data_source_expanded.source_id_index")?;
            Ok(DataSource { source_type, index })
        } else {
            let w = r.u32("sflow_data_source")?;
            Ok(DataSource {
                source_type: w >> 24,
                index: w & 0x00FF_FFFF,
            })
        }
    }

    pub(crate) fn encode(self, expanded: bool, out: &mut BytesMut) {
        if expanded {
            out.put_u32(self.source_type);
            out.put_u32(self.index);
        } else {
            out.put_u32((self.source_type << 24) | (self.index & 0x00FF_FFFF));
        }
    }
}

impl fmt::Display for DataSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.source_type, self.index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_formats() {
        assert_eq!(Interface::from_compact(27), Interface::Index(27));
        assert_eq!(Interface::from_compact(0x3FFF_FFFF), Interface::Internal);
        assert_eq!(
            Interface::from_compact(0x4000_0001),
            Interface::Discarded { reason: 1 }
        );
        assert_eq!(
            Interface::from_compact(0x8000_0007),
            Interface::Multiple { count: 7 }
        );
        assert_eq!(
            Interface::from_compact(0xC000_0005),
            Interface::Other {
                format: 3,
                value: 5
            }
        );
        for w in [27, 0x3FFF_FFFF, 0x4000_0001, 0x8000_0007, 0xC000_0005, 0] {
            assert_eq!(Interface::from_compact(w).to_compact(), w);
        }
        assert_eq!(Interface::Index(27).ifindex(), Some(27));
        assert_eq!(Interface::Internal.ifindex(), None);
    }

    #[test]
    fn expanded_keeps_32_bit_ifindex() {
        assert_eq!(
            Interface::from_parts(0, 369098852),
            Interface::Index(369098852)
        );
        assert_eq!(Interface::from_parts(7, 1).to_parts(), (7, 1));
    }
}
