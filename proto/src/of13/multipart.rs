//! `OFPT_MULTIPART_REQUEST` / `OFPT_MULTIPART_REPLY` (spec 1.3.5 §A.3.5): the envelope and
//! the dispatch to each body type.
//!
//! ```text
//! ofp_multipart_request / ofp_multipart_reply (after ofp_header)
//! +---------------+---------------+-------------------------------+----------
//! |  type (u16)   |  flags (u16)  |           pad[4]              | body ...
//! +---------------+---------------+-------------------------------+----------
//! ```
//! A long reply is split over several messages with `OFPMPF_REPLY_MORE` set on all but the
//! last; each message decodes on its own (the runtime joins the bodies). A multipart type
//! this crate does not know keeps its body raw and re-encodes byte for byte.

use bytes::{BufMut, Bytes, BytesMut};

use super::consts::*;
use super::experimenter::Experimenter;
use super::multipart_desc::Desc;
use super::port::Port;
use crate::error::{DecodeError, EncodeError};
use crate::reader::Reader;

/// Decode fixed or self-delimiting items until the reader is empty.
pub(crate) fn list<T>(
    r: &mut Reader<'_>,
    mut f: impl FnMut(&mut Reader<'_>) -> Result<T, DecodeError>,
) -> Result<Vec<T>, DecodeError> {
    let mut v = Vec::new();
    while !r.is_empty() {
        v.push(f(r)?);
    }
    Ok(v)
}

/// `ofp_multipart_request`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MultipartRequest {
    /// `OFPMPF_REQ_MORE` when more requests follow.
    pub flags: u16,
    /// The typed body; its variant decides `ofp_multipart_request.type`.
    pub body: MultipartRequestBody,
}

/// `ofp_multipart_reply`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MultipartReply {
    /// `OFPMPF_REPLY_MORE` when more replies follow.
    pub flags: u16,
    /// The typed body; its variant decides `ofp_multipart_reply.type`.
    pub body: MultipartReplyBody,
}

/// Request bodies, one variant per `OFPMP_*` type.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MultipartRequestBody {
    /// `OFPMP_DESC`: empty body.
    Desc,
    /// `OFPMP_PORT_DESC`: empty body.
    PortDesc,
    /// `OFPMP_EXPERIMENTER`: `ofp_experimenter_multipart_header` and raw data.
    Experimenter(Experimenter),
    /// A type this crate does not decode; the body is kept verbatim.
    Unknown {
        /// `ofp_multipart_request.type`.
        #[serde(rename = "type")]
        ty: u16,
        /// Everything after the 8-byte multipart header.
        #[serde(with = "crate::serde_hex")]
        body: Bytes,
    },
}

/// Reply bodies, one variant per `OFPMP_*` type.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MultipartReplyBody {
    /// `OFPMP_DESC`: `ofp_desc` (boxed: it is 1056 bytes of text).
    Desc(Box<Desc>),
    /// `OFPMP_PORT_DESC`: an array of `ofp_port`.
    PortDesc(Vec<Port>),
    /// `OFPMP_EXPERIMENTER`: `ofp_experimenter_multipart_header` and raw data.
    Experimenter(Experimenter),
    /// A type this crate does not decode; the body is kept verbatim.
    Unknown {
        /// `ofp_multipart_reply.type`.
        #[serde(rename = "type")]
        ty: u16,
        /// Everything after the 8-byte multipart header.
        #[serde(with = "crate::serde_hex")]
        body: Bytes,
    },
}

/// Name of a multipart type, for errors and logs (`"OFPMP_PORT_DESC"`).
pub fn mp_type_name(ty: u16) -> &'static str {
    match ty {
        OFPMP_DESC => "OFPMP_DESC",
        OFPMP_FLOW => "OFPMP_FLOW",
        OFPMP_AGGREGATE => "OFPMP_AGGREGATE",
        OFPMP_TABLE => "OFPMP_TABLE",
        OFPMP_PORT_STATS => "OFPMP_PORT_STATS",
        OFPMP_QUEUE => "OFPMP_QUEUE",
        OFPMP_GROUP => "OFPMP_GROUP",
        OFPMP_GROUP_DESC => "OFPMP_GROUP_DESC",
        OFPMP_GROUP_FEATURES => "OFPMP_GROUP_FEATURES",
        OFPMP_METER => "OFPMP_METER",
        OFPMP_METER_CONFIG => "OFPMP_METER_CONFIG",
        OFPMP_METER_FEATURES => "OFPMP_METER_FEATURES",
        OFPMP_TABLE_FEATURES => "OFPMP_TABLE_FEATURES",
        OFPMP_PORT_DESC => "OFPMP_PORT_DESC",
        OFPMP_EXPERIMENTER => "OFPMP_EXPERIMENTER",
        _ => "OFPMP_UNKNOWN",
    }
}

/// `"OFPMP_FLOW request"`: the reader context while decoding a request body.
pub fn request_name(ty: u16) -> &'static str {
    match ty {
        OFPMP_DESC => "OFPMP_DESC request",
        OFPMP_FLOW => "OFPMP_FLOW request",
        OFPMP_AGGREGATE => "OFPMP_AGGREGATE request",
        OFPMP_TABLE => "OFPMP_TABLE request",
        OFPMP_PORT_STATS => "OFPMP_PORT_STATS request",
        OFPMP_QUEUE => "OFPMP_QUEUE request",
        OFPMP_GROUP => "OFPMP_GROUP request",
        OFPMP_GROUP_DESC => "OFPMP_GROUP_DESC request",
        OFPMP_GROUP_FEATURES => "OFPMP_GROUP_FEATURES request",
        OFPMP_METER => "OFPMP_METER request",
        OFPMP_METER_CONFIG => "OFPMP_METER_CONFIG request",
        OFPMP_METER_FEATURES => "OFPMP_METER_FEATURES request",
        OFPMP_TABLE_FEATURES => "OFPMP_TABLE_FEATURES request",
        OFPMP_PORT_DESC => "OFPMP_PORT_DESC request",
        OFPMP_EXPERIMENTER => "OFPMP_EXPERIMENTER request",
        _ => "OFPMP_UNKNOWN request",
    }
}

/// `"OFPMP_FLOW reply"`: the reader context while decoding a reply body.
pub fn reply_name(ty: u16) -> &'static str {
    match ty {
        OFPMP_DESC => "OFPMP_DESC reply",
        OFPMP_FLOW => "OFPMP_FLOW reply",
        OFPMP_AGGREGATE => "OFPMP_AGGREGATE reply",
        OFPMP_TABLE => "OFPMP_TABLE reply",
        OFPMP_PORT_STATS => "OFPMP_PORT_STATS reply",
        OFPMP_QUEUE => "OFPMP_QUEUE reply",
        OFPMP_GROUP => "OFPMP_GROUP reply",
        OFPMP_GROUP_DESC => "OFPMP_GROUP_DESC reply",
        OFPMP_GROUP_FEATURES => "OFPMP_GROUP_FEATURES reply",
        OFPMP_METER => "OFPMP_METER reply",
        OFPMP_METER_CONFIG => "OFPMP_METER_CONFIG reply",
        OFPMP_METER_FEATURES => "OFPMP_METER_FEATURES reply",
        OFPMP_TABLE_FEATURES => "OFPMP_TABLE_FEATURES reply",
        OFPMP_PORT_DESC => "OFPMP_PORT_DESC reply",
        OFPMP_EXPERIMENTER => "OFPMP_EXPERIMENTER reply",
        _ => "OFPMP_UNKNOWN reply",
    }
}

/// Read the 8-byte envelope and switch the reader's context to the body's name.
fn envelope(
    r: &mut Reader<'_>,
    what: &'static str,
    name: fn(u16) -> &'static str,
) -> Result<(u16, u16), DecodeError> {
    let ty = r.u16(what)?;
    r.set_context(name(ty));
    let flags = r.u16("ofp_multipart.flags")?;
    r.skip(4, "ofp_multipart.pad")?;
    Ok((ty, flags))
}

fn put_envelope(out: &mut BytesMut, ty: u16, flags: u16) {
    out.put_u16(ty);
    out.put_u16(flags);
    out.put_bytes(0, 4);
}

impl MultipartRequest {
    /// Decode the body after `ofp_header`; the reader's context becomes
    /// `"OFPMP_<TYPE> request"` so errors name the body type.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (ty, flags) = envelope(r, "ofp_multipart_request.type", request_name)?;
        let body = match ty {
            OFPMP_DESC => {
                r.finish("ofp_multipart_request.body")?;
                MultipartRequestBody::Desc
            }
            OFPMP_PORT_DESC => {
                r.finish("ofp_multipart_request.body")?;
                MultipartRequestBody::PortDesc
            }
            OFPMP_EXPERIMENTER => MultipartRequestBody::Experimenter(Experimenter::decode(r)?),
            _ => MultipartRequestBody::Unknown { ty, body: r.rest() },
        };
        Ok(MultipartRequest { flags, body })
    }

    /// `ofp_multipart_request.type` of the body.
    pub fn mp_type(&self) -> u16 {
        match &self.body {
            MultipartRequestBody::Desc => OFPMP_DESC,
            MultipartRequestBody::PortDesc => OFPMP_PORT_DESC,
            MultipartRequestBody::Experimenter(_) => OFPMP_EXPERIMENTER,
            MultipartRequestBody::Unknown { ty, .. } => *ty,
        }
    }

    /// `"OFPMP_PORT_DESC request"`.
    pub fn type_name(&self) -> &'static str {
        request_name(self.mp_type())
    }

    /// Append the envelope and body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        put_envelope(out, self.mp_type(), self.flags);
        match &self.body {
            MultipartRequestBody::Desc | MultipartRequestBody::PortDesc => {}
            MultipartRequestBody::Experimenter(e) => e.encode(out),
            MultipartRequestBody::Unknown { body, .. } => out.put_slice(body),
        }
        Ok(())
    }
}

impl MultipartReply {
    /// Decode the body after `ofp_header`; the reader's context becomes
    /// `"OFPMP_<TYPE> reply"` so errors name the body type.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (ty, flags) = envelope(r, "ofp_multipart_reply.type", reply_name)?;
        let body = match ty {
            OFPMP_DESC => MultipartReplyBody::Desc(Box::new(Desc::decode(r)?)),
            OFPMP_PORT_DESC => MultipartReplyBody::PortDesc(list(r, Port::decode)?),
            OFPMP_EXPERIMENTER => MultipartReplyBody::Experimenter(Experimenter::decode(r)?),
            _ => MultipartReplyBody::Unknown { ty, body: r.rest() },
        };
        Ok(MultipartReply { flags, body })
    }

    /// `ofp_multipart_reply.type` of the body.
    pub fn mp_type(&self) -> u16 {
        match &self.body {
            MultipartReplyBody::Desc(_) => OFPMP_DESC,
            MultipartReplyBody::PortDesc(_) => OFPMP_PORT_DESC,
            MultipartReplyBody::Experimenter(_) => OFPMP_EXPERIMENTER,
            MultipartReplyBody::Unknown { ty, .. } => *ty,
        }
    }

    /// `"OFPMP_PORT_DESC reply"`.
    pub fn type_name(&self) -> &'static str {
        reply_name(self.mp_type())
    }

    /// True when `OFPMPF_REPLY_MORE` is set: more replies to this request follow.
    pub fn more(&self) -> bool {
        self.flags & OFPMPF_REPLY_MORE != 0
    }

    /// Append the envelope and body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        put_envelope(out, self.mp_type(), self.flags);
        match &self.body {
            MultipartReplyBody::Desc(d) => d.encode(out),
            MultipartReplyBody::PortDesc(ports) => ports.iter().for_each(|p| p.encode(out)),
            MultipartReplyBody::Experimenter(e) => e.encode(out),
            MultipartReplyBody::Unknown { body, .. } => out.put_slice(body),
        }
        Ok(())
    }
}
