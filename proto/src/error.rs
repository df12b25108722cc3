//! Decode and encode errors.
//!
//! Every decode error says *what* (the message or datagram type being decoded and the field),
//! *where* (the absolute byte offset from the start of the OpenFlow message or sFlow datagram),
//! and *why* ([`DecodeErrorKind`]).

use std::fmt;

/// A failure to decode untrusted bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{context}: {kind} (field `{field}`, byte {offset})")]
pub struct DecodeError {
    /// The message, sample or record being decoded, in the spec's spelling
    /// (`OFPT_FLOW_MOD`, `OFPMP_FLOW reply`, `sflow flow_sample`).
    pub context: &'static str,
    /// The field (or structure) being read when decoding failed (`ofp_action_output.len`).
    pub field: &'static str,
    /// Absolute offset of the first byte of that field.
    pub offset: usize,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

/// Why a decode failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// Fewer bytes remain than the field needs.
    Truncated {
        /// Bytes the field needs.
        need: usize,
        /// Bytes that remain.
        have: usize,
    },
    /// A length field is impossible: zero, shorter than its own header, not aligned,
    /// or running past its container.
    BadLength {
        /// The length value as read.
        value: usize,
    },
    /// The header's version byte is not the one this decoder handles.
    BadVersion {
        /// The version byte as read.
        version: u8,
    },
    /// A field holds a value this decoder cannot represent (and which cannot be kept as
    /// an opaque unknown value either).
    BadValue {
        /// The value as read.
        value: u64,
    },
    /// Bytes were left over after a structure that must fill its container exactly.
    TrailingBytes {
        /// How many bytes were left.
        count: usize,
    },
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { need, have } => {
                write!(f, "truncated: need {need} bytes, have {have}")
            }
            Self::BadLength { value } => write!(f, "bad length {value}"),
            Self::BadVersion { version } => write!(f, "unsupported version 0x{version:02x}"),
            Self::BadValue { value } => write!(f, "bad value {value} (0x{value:x})"),
            Self::TrailingBytes { count } => write!(f, "{count} unexpected trailing bytes"),
        }
    }
}

/// A value that the target wire version cannot express.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The feature does not exist in this OpenFlow version (a group action on OF1.0).
    #[error("OpenFlow {version} cannot express {what}")]
    Unsupported {
        /// "1.0" or "1.3".
        version: &'static str,
        /// What could not be expressed.
        what: &'static str,
    },
    /// A value is out of range for the field it goes into (a 32-bit port on OF1.0).
    #[error("{field} value {value} does not fit OpenFlow {version}")]
    OutOfRange {
        /// "1.0" or "1.3".
        version: &'static str,
        /// The field.
        field: &'static str,
        /// The value.
        value: u64,
    },
    /// A message body grew past the 65535 bytes an `ofp_header.length` can hold.
    #[error("message of {len} bytes exceeds the 65535-byte OpenFlow limit")]
    TooLong {
        /// The length it would have.
        len: usize,
    },
}
