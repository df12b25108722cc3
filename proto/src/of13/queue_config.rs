//! `OFPT_QUEUE_GET_CONFIG_REQUEST` / `_REPLY` (spec 1.3.5 §A.3.6) with `ofp_packet_queue`
//! and its properties (§A.2.2).
//!
//! ```text
//! request body: port (u32), pad[4]
//! reply body:   port (u32), pad[4], ofp_packet_queue[]
//! ofp_packet_queue:     queue_id (u32), port (u32), len (u16), pad[6], properties[]
//! ofp_queue_prop_header: property (u16), len (u16), pad[4], then
//!   OFPQT_MIN_RATE / OFPQT_MAX_RATE: rate (u16, 1/10 of a percent), pad[6]
//!   OFPQT_EXPERIMENTER:              experimenter (u32), pad[4], data[len - 16]
//! ```
//! Both `len` fields count their own header. Neither is padded: a queue can be 65 bytes.

use bytes::{BufMut, Bytes, BytesMut};

use super::consts::*;
use super::multipart::list;
use crate::error::{DecodeError, DecodeErrorKind};
use crate::reader::Reader;

/// `ofp_queue_get_config_request`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueueGetConfigRequest {
    /// The port to query (`OFPP_ANY` for all).
    pub port: u32,
}

impl QueueGetConfigRequest {
    /// Decode the body after `ofp_header`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let port = r.u32("ofp_queue_get_config_request.port")?;
        r.skip(4, "ofp_queue_get_config_request.pad")?;
        Ok(QueueGetConfigRequest { port })
    }

    /// Bytes [`QueueGetConfigRequest::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        8
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.port);
        out.put_bytes(0, 4);
    }
}

/// `ofp_queue_get_config_reply`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueueGetConfigReply {
    /// The port that was queried.
    pub port: u32,
    /// Its queues.
    pub queues: Vec<PacketQueue>,
}

impl QueueGetConfigReply {
    /// Decode the body after `ofp_header`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let port = r.u32("ofp_queue_get_config_reply.port")?;
        r.skip(4, "ofp_queue_get_config_reply.pad")?;
        Ok(QueueGetConfigReply {
            port,
            queues: list(r, PacketQueue::decode)?,
        })
    }

    /// Bytes [`QueueGetConfigReply::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        8 + self
            .queues
            .iter()
            .map(PacketQueue::encoded_len)
            .sum::<usize>()
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.port);
        out.put_bytes(0, 4);
        for q in &self.queues {
            q.encode(out);
        }
    }
}

/// `ofp_packet_queue`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PacketQueue {
    /// Queue id.
    pub queue_id: u32,
    /// The port this queue is attached to.
    pub port: u32,
    /// Properties, in wire order.
    pub properties: Vec<QueueProp>,
}

/// A queue property.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueProp {
    /// `OFPQT_MIN_RATE`: guaranteed rate in 1/10 of a percent (`OFPQ_MIN_RATE_UNCFG`: none).
    MinRate(u16),
    /// `OFPQT_MAX_RATE`: maximum rate in 1/10 of a percent.
    MaxRate(u16),
    /// `OFPQT_EXPERIMENTER`.
    Experimenter {
        /// Experimenter id.
        experimenter: u32,
        /// Experimenter-defined data.
        #[serde(with = "crate::serde_hex")]
        data: Bytes,
    },
    /// Any other property type; the bytes after its 8-byte header kept verbatim.
    Unknown {
        /// `ofp_queue_prop_header.property`.
        ty: u16,
        /// Property body.
        #[serde(with = "crate::serde_hex")]
        body: Bytes,
    },
}

impl PacketQueue {
    /// Decode one queue (its `len` bounds the properties).
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        let queue_id = r.u32("ofp_packet_queue.queue_id")?;
        let port = r.u32("ofp_packet_queue.port")?;
        let len = r.u16("ofp_packet_queue.len")? as usize;
        r.check_tlv_len(len, start, 16, 1, "ofp_packet_queue.len")?;
        r.skip(6, "ofp_packet_queue.pad")?;
        let mut props = r.sub(len - 16, "ofp_packet_queue.properties")?;
        Ok(PacketQueue {
            queue_id,
            port,
            properties: list(&mut props, QueueProp::decode)?,
        })
    }

    /// Bytes [`PacketQueue::encode`] writes (its `len`).
    pub fn encoded_len(&self) -> usize {
        16 + self
            .properties
            .iter()
            .map(QueueProp::encoded_len)
            .sum::<usize>()
    }

    /// Append the queue.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.queue_id);
        out.put_u32(self.port);
        out.put_u16(self.encoded_len() as u16);
        out.put_bytes(0, 6);
        for p in &self.properties {
            p.encode(out);
        }
    }
}

impl QueueProp {
    /// Decode one property.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        let ty = r.u16("ofp_queue_prop_header.property")?;
        let len = r.u16("ofp_queue_prop_header.len")? as usize;
        r.check_tlv_len(len, start, 8, 1, "ofp_queue_prop_header.len")?;
        r.skip(4, "ofp_queue_prop_header.pad")?;
        let mut body = r.sub(len - 8, "ofp_queue_prop body")?;
        let bad_len = || {
            body.error_at(
                start + 2,
                "ofp_queue_prop_header.len",
                DecodeErrorKind::BadLength { value: len },
            )
        };
        let prop = match ty {
            OFPQT_MIN_RATE | OFPQT_MAX_RATE => {
                if len != 16 {
                    return Err(bad_len());
                }
                let rate = body.u16("ofp_queue_prop_rate.rate")?;
                body.skip(6, "ofp_queue_prop_rate.pad")?;
                if ty == OFPQT_MIN_RATE {
                    QueueProp::MinRate(rate)
                } else {
                    QueueProp::MaxRate(rate)
                }
            }
            OFPQT_EXPERIMENTER => {
                if len < 16 {
                    return Err(bad_len());
                }
                let experimenter = body.u32("ofp_queue_prop_experimenter.experimenter")?;
                body.skip(4, "ofp_queue_prop_experimenter.pad")?;
                QueueProp::Experimenter {
                    experimenter,
                    data: body.rest(),
                }
            }
            _ => QueueProp::Unknown {
                ty,
                body: body.rest(),
            },
        };
        Ok(prop)
    }

    /// Bytes [`QueueProp::encode`] writes (its `len`).
    pub fn encoded_len(&self) -> usize {
        match self {
            QueueProp::MinRate(_) | QueueProp::MaxRate(_) => 16,
            QueueProp::Experimenter { data, .. } => 16 + data.len(),
            QueueProp::Unknown { body, .. } => 8 + body.len(),
        }
    }

    /// Append the property.
    pub fn encode(&self, out: &mut BytesMut) {
        let ty = match self {
            QueueProp::MinRate(_) => OFPQT_MIN_RATE,
            QueueProp::MaxRate(_) => OFPQT_MAX_RATE,
            QueueProp::Experimenter { .. } => OFPQT_EXPERIMENTER,
            QueueProp::Unknown { ty, .. } => *ty,
        };
        out.put_u16(ty);
        out.put_u16(self.encoded_len() as u16);
        out.put_bytes(0, 4);
        match self {
            QueueProp::MinRate(rate) | QueueProp::MaxRate(rate) => {
                out.put_u16(*rate);
                out.put_bytes(0, 6);
            }
            QueueProp::Experimenter { experimenter, data } => {
                out.put_u32(*experimenter);
                out.put_bytes(0, 4);
                out.put_slice(data);
            }
            QueueProp::Unknown { body, .. } => out.put_slice(body),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static REPLY: [u8; 57] = [
        0x00, 0x00, 0x00, 0x4d, 0, 0, 0, 0, // port 77, pad
        0x00, 0x00, 0x00, 0x58, 0x00, 0x00, 0x00, 0x4d, // queue 88, port 77
        0x00, 0x31, 0, 0, 0, 0, 0, 0, // len 49, pad
        0x00, 0x01, 0x00, 0x10, 0, 0, 0, 0, 0x00, 0x64, 0, 0, 0, 0, 0, 0, // min 100
        0xff, 0xff, 0x00, 0x11, 0, 0, 0, 0, 0x00, 0x00, 0x03, 0xe7, 0, 0, 0, 0, 0x01, // exp
    ];

    fn reply() -> QueueGetConfigReply {
        QueueGetConfigReply {
            port: 77,
            queues: vec![PacketQueue {
                queue_id: 88,
                port: 77,
                properties: vec![
                    QueueProp::MinRate(100),
                    QueueProp::Experimenter {
                        experimenter: 999,
                        data: Bytes::from_static(&[1]),
                    },
                ],
            }],
        }
    }

    #[test]
    fn parse() {
        let buf = Bytes::from_static(&REPLY);
        let r = QueueGetConfigReply::decode(&mut Reader::new(&buf, "OFPT_QUEUE_GET_CONFIG_REPLY"));
        assert_eq!(r.unwrap(), reply());
    }

    #[test]
    fn emit() {
        let mut out = BytesMut::new();
        reply().encode(&mut out);
        assert_eq!(&out[..], &REPLY[..]);
        assert_eq!(reply().encoded_len(), REPLY.len());
    }

    #[test]
    fn bad_property_length() {
        let mut v = REPLY.to_vec();
        v[27] = 0x0c; // min-rate len 12
        let buf = Bytes::from(v);
        let e = QueueGetConfigReply::decode(&mut Reader::new(&buf, "X")).unwrap_err();
        assert_eq!(e.field, "ofp_queue_prop_header.len");
        assert_eq!(e.offset, 26);
    }
}
