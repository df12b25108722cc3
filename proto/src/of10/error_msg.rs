//! `OFPT_ERROR` (`ofp_error_msg`, spec §5.4.4).
//!
//! ```text
//!  0               2               4
//! +---------------+---------------+------------------------------ - -
//! |     type      |     code      | data (usually the first 64 bytes of the failed request)
//! +---------------+---------------+------------------------------ - -
//! ```

use bytes::{BufMut, Bytes, BytesMut};

use super::consts::*;
use crate::error::DecodeError;
use crate::reader::Reader;

enum_with_unknown! {
    /// `ofp_error_type`.
    pub enum ErrorType(u16) {
        /// `OFPET_HELLO_FAILED`
        HelloFailed = OFPET_HELLO_FAILED,
        /// `OFPET_BAD_REQUEST`
        BadRequest = OFPET_BAD_REQUEST,
        /// `OFPET_BAD_ACTION`
        BadAction = OFPET_BAD_ACTION,
        /// `OFPET_FLOW_MOD_FAILED`
        FlowModFailed = OFPET_FLOW_MOD_FAILED,
        /// `OFPET_PORT_MOD_FAILED`
        PortModFailed = OFPET_PORT_MOD_FAILED,
        /// `OFPET_QUEUE_OP_FAILED`
        QueueOpFailed = OFPET_QUEUE_OP_FAILED,
    }
}

/// `ofp_error_msg`. The code stays a number (its meaning depends on the type); see
/// [`ErrorMsg::code_name`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ErrorMsg {
    /// Error type.
    #[serde(rename = "type")]
    pub ty: ErrorType,
    /// Error code, interpreted per type.
    pub code: u16,
    /// Context: for most errors the start of the offending message.
    #[serde(with = "crate::serde_hex")]
    pub data: Bytes,
}

impl ErrorMsg {
    /// Decode the body.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ErrorMsg {
            ty: ErrorType::from(r.u16("ofp_error_msg.type")?),
            code: r.u16("ofp_error_msg.code")?,
            data: r.rest(),
        })
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u16(self.ty.into());
        out.put_u16(self.code);
        out.put_slice(&self.data);
    }

    /// Body length.
    pub fn encoded_len(&self) -> usize {
        4 + self.data.len()
    }

    /// The spec name of this type (`"OFPET_BAD_ACTION"`), `None` when unknown.
    pub fn type_name(&self) -> Option<&'static str> {
        Some(match self.ty {
            ErrorType::HelloFailed => "OFPET_HELLO_FAILED",
            ErrorType::BadRequest => "OFPET_BAD_REQUEST",
            ErrorType::BadAction => "OFPET_BAD_ACTION",
            ErrorType::FlowModFailed => "OFPET_FLOW_MOD_FAILED",
            ErrorType::PortModFailed => "OFPET_PORT_MOD_FAILED",
            ErrorType::QueueOpFailed => "OFPET_QUEUE_OP_FAILED",
            ErrorType::Unknown(_) => return None,
        })
    }

    /// The spec name of this type's code (`"OFPBAC_BAD_OUT_PORT"`), `None` when unknown.
    pub fn code_name(&self) -> Option<&'static str> {
        const HELLO: [&str; 2] = ["OFPHFC_INCOMPATIBLE", "OFPHFC_EPERM"];
        const REQUEST: [&str; 9] = [
            "OFPBRC_BAD_VERSION",
            "OFPBRC_BAD_TYPE",
            "OFPBRC_BAD_STAT",
            "OFPBRC_BAD_VENDOR",
            "OFPBRC_BAD_SUBTYPE",
            "OFPBRC_EPERM",
            "OFPBRC_BAD_LEN",
            "OFPBRC_BUFFER_EMPTY",
            "OFPBRC_BUFFER_UNKNOWN",
        ];
        const ACTION: [&str; 9] = [
            "OFPBAC_BAD_TYPE",
            "OFPBAC_BAD_LEN",
            "OFPBAC_BAD_VENDOR",
            "OFPBAC_BAD_VENDOR_TYPE",
            "OFPBAC_BAD_OUT_PORT",
            "OFPBAC_BAD_ARGUMENT",
            "OFPBAC_EPERM",
            "OFPBAC_TOO_MANY",
            "OFPBAC_BAD_QUEUE",
        ];
        const FLOW_MOD: [&str; 6] = [
            "OFPFMFC_ALL_TABLES_FULL",
            "OFPFMFC_OVERLAP",
            "OFPFMFC_EPERM",
            "OFPFMFC_BAD_EMERG_TIMEOUT",
            "OFPFMFC_BAD_COMMAND",
            "OFPFMFC_UNSUPPORTED",
        ];
        const PORT_MOD: [&str; 2] = ["OFPPMFC_BAD_PORT", "OFPPMFC_BAD_HW_ADDR"];
        const QUEUE_OP: [&str; 3] = ["OFPQOFC_BAD_PORT", "OFPQOFC_BAD_QUEUE", "OFPQOFC_EPERM"];
        let table: &[&'static str] = match self.ty {
            ErrorType::HelloFailed => &HELLO,
            ErrorType::BadRequest => &REQUEST,
            ErrorType::BadAction => &ACTION,
            ErrorType::FlowModFailed => &FLOW_MOD,
            ErrorType::PortModFailed => &PORT_MOD,
            ErrorType::QueueOpFailed => &QUEUE_OP,
            ErrorType::Unknown(_) => return None,
        };
        table.get(self.code as usize).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_unknowns() {
        let e = ErrorMsg {
            ty: ErrorType::from(OFPET_BAD_ACTION),
            code: OFPBAC_BAD_OUT_PORT,
            data: Bytes::new(),
        };
        assert_eq!(e.type_name(), Some("OFPET_BAD_ACTION"));
        assert_eq!(e.code_name(), Some("OFPBAC_BAD_OUT_PORT"));
        let odd = ErrorMsg {
            ty: ErrorType::from(0xb0b0),
            code: 77,
            data: Bytes::new(),
        };
        assert_eq!(odd.ty, ErrorType::Unknown(0xb0b0));
        assert_eq!(u16::from(odd.ty), 0xb0b0);
        assert_eq!(odd.code_name(), None);
    }
}
