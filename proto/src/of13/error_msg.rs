//! `OFPT_ERROR` (spec 1.3.5 §A.4.4).
//!
//! ```text
//! ofp_error_msg                         ofp_error_experimenter_msg
//! +--------+--------+------------+      +-------------+----------+--------------+------+
//! |  type  |  code  | data ...   |      | type=0xffff | exp_type | experimenter | data |
//! +--------+--------+------------+      +-------------+----------+--------------+------+
//! ```
//! `data` is usually (at least 64 bytes of) the request that failed; it is kept raw.

use bytes::{BufMut, Bytes, BytesMut};

use super::consts::*;
use crate::error::DecodeError;
use crate::reader::Reader;

/// An error message, standard or experimenter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorMsg {
    /// `ofp_error_msg` with a spec error type (`OFPET_*`) and code.
    Standard {
        /// `OFPET_*`.
        #[serde(rename = "type")]
        ty: u16,
        /// Meaning depends on `ty` (`OFPBRC_*`, `OFPFMFC_*`...).
        code: u16,
        /// Usually the start of the offending request.
        #[serde(with = "crate::serde_hex")]
        data: Bytes,
    },
    /// `ofp_error_experimenter_msg` (type `OFPET_EXPERIMENTER`).
    Experimenter {
        /// Experimenter-defined error type.
        exp_type: u16,
        /// Experimenter id (OUI or IANA number).
        experimenter: u32,
        /// Experimenter-defined data.
        #[serde(with = "crate::serde_hex")]
        data: Bytes,
    },
}

impl ErrorMsg {
    /// A standard error about `request`, carrying its first 64 bytes as the spec asks
    /// (§A.4.4: "at least 64 bytes of the failed request").
    pub fn standard(ty: u16, code: u16, request: &Bytes) -> Self {
        ErrorMsg::Standard {
            ty,
            code,
            data: request.slice(..request.len().min(64)),
        }
    }

    /// Decode the body after `ofp_header`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let ty = r.u16("ofp_error_msg.type")?;
        if ty == OFPET_EXPERIMENTER {
            let exp_type = r.u16("ofp_error_experimenter_msg.exp_type")?;
            let experimenter = r.u32("ofp_error_experimenter_msg.experimenter")?;
            Ok(ErrorMsg::Experimenter {
                exp_type,
                experimenter,
                data: r.rest(),
            })
        } else {
            let code = r.u16("ofp_error_msg.code")?;
            Ok(ErrorMsg::Standard {
                ty,
                code,
                data: r.rest(),
            })
        }
    }

    /// Bytes [`ErrorMsg::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        match self {
            ErrorMsg::Standard { data, .. } => 4 + data.len(),
            ErrorMsg::Experimenter { data, .. } => 8 + data.len(),
        }
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        match self {
            ErrorMsg::Standard { ty, code, data } => {
                out.put_u16(*ty);
                out.put_u16(*code);
                out.put_slice(data);
            }
            ErrorMsg::Experimenter {
                exp_type,
                experimenter,
                data,
            } => {
                out.put_u16(OFPET_EXPERIMENTER);
                out.put_u16(*exp_type);
                out.put_u32(*experimenter);
                out.put_slice(data);
            }
        }
    }

    /// The offending request (or experimenter data).
    pub fn data(&self) -> &Bytes {
        match self {
            ErrorMsg::Standard { data, .. } | ErrorMsg::Experimenter { data, .. } => data,
        }
    }

    /// The spec names of the error type and code, for logs (`("OFPET_BAD_MATCH",
    /// "OFPBMC_BAD_PREREQ")`); `"?"` for values the spec does not define.
    pub fn names(&self) -> (&'static str, &'static str) {
        match self {
            ErrorMsg::Experimenter { .. } => ("OFPET_EXPERIMENTER", "?"),
            ErrorMsg::Standard { ty, code, .. } => error_names(*ty, *code),
        }
    }
}

fn pick(code: u16, names: &[&'static str]) -> &'static str {
    names.get(code as usize).copied().unwrap_or("?")
}

fn error_names(ty: u16, code: u16) -> (&'static str, &'static str) {
    match ty {
        OFPET_HELLO_FAILED => (
            "OFPET_HELLO_FAILED",
            pick(code, &["OFPHFC_INCOMPATIBLE", "OFPHFC_EPERM"]),
        ),
        OFPET_BAD_REQUEST => (
            "OFPET_BAD_REQUEST",
            pick(
                code,
                &[
                    "OFPBRC_BAD_VERSION",
                    "OFPBRC_BAD_TYPE",
                    "OFPBRC_BAD_MULTIPART",
                    "OFPBRC_BAD_EXPERIMENTER",
                    "OFPBRC_BAD_EXP_TYPE",
                    "OFPBRC_EPERM",
                    "OFPBRC_BAD_LEN",
                    "OFPBRC_BUFFER_EMPTY",
                    "OFPBRC_BUFFER_UNKNOWN",
                    "OFPBRC_BAD_TABLE_ID",
                    "OFPBRC_IS_SLAVE",
                    "OFPBRC_BAD_PORT",
                    "OFPBRC_BAD_PACKET",
                    "OFPBRC_MULTIPART_BUFFER_OVERFLOW",
                ],
            ),
        ),
        OFPET_BAD_ACTION => (
            "OFPET_BAD_ACTION",
            pick(
                code,
                &[
                    "OFPBAC_BAD_TYPE",
                    "OFPBAC_BAD_LEN",
                    "OFPBAC_BAD_EXPERIMENTER",
                    "OFPBAC_BAD_EXP_TYPE",
                    "OFPBAC_BAD_OUT_PORT",
                    "OFPBAC_BAD_ARGUMENT",
                    "OFPBAC_EPERM",
                    "OFPBAC_TOO_MANY",
                    "OFPBAC_BAD_QUEUE",
                    "OFPBAC_BAD_OUT_GROUP",
                    "OFPBAC_MATCH_INCONSISTENT",
                    "OFPBAC_UNSUPPORTED_ORDER",
                    "OFPBAC_BAD_TAG",
                    "OFPBAC_BAD_SET_TYPE",
                    "OFPBAC_BAD_SET_LEN",
                    "OFPBAC_BAD_SET_ARGUMENT",
                ],
            ),
        ),
        OFPET_BAD_INSTRUCTION => (
            "OFPET_BAD_INSTRUCTION",
            pick(
                code,
                &[
                    "OFPBIC_UNKNOWN_INST",
                    "OFPBIC_UNSUP_INST",
                    "OFPBIC_BAD_TABLE_ID",
                    "OFPBIC_UNSUP_METADATA",
                    "OFPBIC_UNSUP_METADATA_MASK",
                    "OFPBIC_BAD_EXPERIMENTER",
                    "OFPBIC_BAD_EXP_TYPE",
                    "OFPBIC_BAD_LEN",
                    "OFPBIC_EPERM",
                ],
            ),
        ),
        OFPET_BAD_MATCH => (
            "OFPET_BAD_MATCH",
            pick(
                code,
                &[
                    "OFPBMC_BAD_TYPE",
                    "OFPBMC_BAD_LEN",
                    "OFPBMC_BAD_TAG",
                    "OFPBMC_BAD_DL_ADDR_MASK",
                    "OFPBMC_BAD_NW_ADDR_MASK",
                    "OFPBMC_BAD_WILDCARDS",
                    "OFPBMC_BAD_FIELD",
                    "OFPBMC_BAD_VALUE",
                    "OFPBMC_BAD_MASK",
                    "OFPBMC_BAD_PREREQ",
                    "OFPBMC_DUP_FIELD",
                    "OFPBMC_EPERM",
                ],
            ),
        ),
        OFPET_FLOW_MOD_FAILED => (
            "OFPET_FLOW_MOD_FAILED",
            pick(
                code,
                &[
                    "OFPFMFC_UNKNOWN",
                    "OFPFMFC_TABLE_FULL",
                    "OFPFMFC_BAD_TABLE_ID",
                    "OFPFMFC_OVERLAP",
                    "OFPFMFC_EPERM",
                    "OFPFMFC_BAD_TIMEOUT",
                    "OFPFMFC_BAD_COMMAND",
                    "OFPFMFC_BAD_FLAGS",
                ],
            ),
        ),
        OFPET_GROUP_MOD_FAILED => (
            "OFPET_GROUP_MOD_FAILED",
            pick(
                code,
                &[
                    "OFPGMFC_GROUP_EXISTS",
                    "OFPGMFC_INVALID_GROUP",
                    "OFPGMFC_WEIGHT_UNSUPPORTED",
                    "OFPGMFC_OUT_OF_GROUPS",
                    "OFPGMFC_OUT_OF_BUCKETS",
                    "OFPGMFC_CHAINING_UNSUPPORTED",
                    "OFPGMFC_WATCH_UNSUPPORTED",
                    "OFPGMFC_LOOP",
                    "OFPGMFC_UNKNOWN_GROUP",
                    "OFPGMFC_CHAINED_GROUP",
                    "OFPGMFC_BAD_TYPE",
                    "OFPGMFC_BAD_COMMAND",
                    "OFPGMFC_BAD_BUCKET",
                    "OFPGMFC_BAD_WATCH",
                    "OFPGMFC_EPERM",
                ],
            ),
        ),
        OFPET_PORT_MOD_FAILED => (
            "OFPET_PORT_MOD_FAILED",
            pick(
                code,
                &[
                    "OFPPMFC_BAD_PORT",
                    "OFPPMFC_BAD_HW_ADDR",
                    "OFPPMFC_BAD_CONFIG",
                    "OFPPMFC_BAD_ADVERTISE",
                    "OFPPMFC_EPERM",
                ],
            ),
        ),
        OFPET_TABLE_MOD_FAILED => (
            "OFPET_TABLE_MOD_FAILED",
            pick(
                code,
                &["OFPTMFC_BAD_TABLE", "OFPTMFC_BAD_CONFIG", "OFPTMFC_EPERM"],
            ),
        ),
        OFPET_QUEUE_OP_FAILED => (
            "OFPET_QUEUE_OP_FAILED",
            pick(
                code,
                &["OFPQOFC_BAD_PORT", "OFPQOFC_BAD_QUEUE", "OFPQOFC_EPERM"],
            ),
        ),
        OFPET_SWITCH_CONFIG_FAILED => (
            "OFPET_SWITCH_CONFIG_FAILED",
            pick(
                code,
                &["OFPSCFC_BAD_FLAGS", "OFPSCFC_BAD_LEN", "OFPSCFC_EPERM"],
            ),
        ),
        OFPET_ROLE_REQUEST_FAILED => (
            "OFPET_ROLE_REQUEST_FAILED",
            pick(
                code,
                &["OFPRRFC_STALE", "OFPRRFC_UNSUP", "OFPRRFC_BAD_ROLE"],
            ),
        ),
        OFPET_METER_MOD_FAILED => (
            "OFPET_METER_MOD_FAILED",
            pick(
                code,
                &[
                    "OFPMMFC_UNKNOWN",
                    "OFPMMFC_METER_EXISTS",
                    "OFPMMFC_INVALID_METER",
                    "OFPMMFC_UNKNOWN_METER",
                    "OFPMMFC_BAD_COMMAND",
                    "OFPMMFC_BAD_FLAGS",
                    "OFPMMFC_BAD_RATE",
                    "OFPMMFC_BAD_BURST",
                    "OFPMMFC_BAD_BAND",
                    "OFPMMFC_BAD_BAND_VALUE",
                    "OFPMMFC_OUT_OF_METERS",
                    "OFPMMFC_OUT_OF_BANDS",
                ],
            ),
        ),
        OFPET_TABLE_FEATURES_FAILED => (
            "OFPET_TABLE_FEATURES_FAILED",
            pick(
                code,
                &[
                    "OFPTFFC_BAD_TABLE",
                    "OFPTFFC_BAD_METADATA",
                    "OFPTFFC_BAD_TYPE",
                    "OFPTFFC_BAD_LEN",
                    "OFPTFFC_BAD_ARGUMENT",
                    "OFPTFFC_EPERM",
                ],
            ),
        ),
        _ => ("?", "?"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static STD: [u8; 12] = [0, 4, 0, 9, 0x04, 0x0e, 0, 0x48, 0, 0, 0, 1];
    static EXP: [u8; 10] = [0xff, 0xff, 0x00, 0x02, 0x00, 0x00, 0x23, 0x20, 0xaa, 0xbb];

    #[test]
    fn parse_and_emit_standard() {
        let buf = Bytes::from_static(&STD);
        let e = ErrorMsg::decode(&mut Reader::new(&buf, "OFPT_ERROR")).unwrap();
        assert_eq!(e.names(), ("OFPET_BAD_MATCH", "OFPBMC_BAD_PREREQ"));
        assert_eq!(e.data().len(), 8);
        let mut out = BytesMut::new();
        e.encode(&mut out);
        assert_eq!(&out[..], &STD[..]);
        assert_eq!(e.encoded_len(), STD.len());
    }

    #[test]
    fn parse_and_emit_experimenter() {
        let buf = Bytes::from_static(&EXP);
        let e = ErrorMsg::decode(&mut Reader::new(&buf, "OFPT_ERROR")).unwrap();
        assert_eq!(
            e,
            ErrorMsg::Experimenter {
                exp_type: 2,
                experimenter: 0x2320,
                data: Bytes::from_static(&[0xaa, 0xbb]),
            }
        );
        let mut out = BytesMut::new();
        e.encode(&mut out);
        assert_eq!(&out[..], &EXP[..]);
    }

    #[test]
    fn standard_keeps_64_bytes_of_the_request() {
        let req = Bytes::from(vec![7u8; 100]);
        let e = ErrorMsg::standard(OFPET_BAD_REQUEST, OFPBRC_BAD_TYPE, &req);
        assert_eq!(e.data().len(), 64);
        assert_eq!(e.names(), ("OFPET_BAD_REQUEST", "OFPBRC_BAD_TYPE"));
        let short = Bytes::from_static(&[4, 99, 0, 8, 0, 0, 0, 1]);
        assert_eq!(ErrorMsg::standard(1, 1, &short).data(), &short);
    }

    #[test]
    fn truncated_is_an_error() {
        let buf = Bytes::from_static(&[0xff, 0xff, 0x00]);
        let e = ErrorMsg::decode(&mut Reader::new(&buf, "OFPT_ERROR")).unwrap_err();
        assert_eq!(e.field, "ofp_error_experimenter_msg.exp_type");
        assert_eq!(e.offset, 2);
    }
}
