//! `OFPT_QUEUE_GET_CONFIG_REQUEST` / `_REPLY` (spec §5.3.4) and the queue structures of
//! §5.2.2 (`ofp_packet_queue`, `ofp_queue_prop_header`, `ofp_queue_prop_min_rate`).
//!
//! ```text
//! request:  port(2) pad(2)
//! reply:    port(2) pad(6) queues: ofp_packet_queue[]
//! queue:    queue_id(4) len(2) pad(2) properties: ofp_queue_prop_header-led TLVs
//! property: property(2) len(2) pad(4) body      (min_rate body: rate(2) pad(6))
//! ```

use bytes::{BufMut, Bytes, BytesMut};

use super::consts::*;
use super::PortNo;
use crate::error::{DecodeError, EncodeError};
use crate::reader::Reader;

/// `ofp_queue_get_config_request`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueueGetConfigRequest {
    /// Port to query.
    pub port: PortNo,
}

impl QueueGetConfigRequest {
    /// Body length.
    pub const LEN: usize = 4;

    /// Decode the body.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let port = PortNo(r.u16("ofp_queue_get_config_request.port")?);
        r.skip(2, "ofp_queue_get_config_request.pad")?;
        Ok(QueueGetConfigRequest { port })
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u16(self.port.0);
        out.put_bytes(0, 2);
    }

    /// Body length.
    pub fn encoded_len(&self) -> usize {
        Self::LEN
    }
}

/// A queue property (`ofp_queue_prop_header` and what follows it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueProp {
    /// `ofp_queue_prop_min_rate`: guaranteed rate in 1/10 of a percent (> 1000 = disabled).
    MinRate {
        /// Rate.
        rate: u16,
    },
    /// Any other property (including `OFPQT_NONE`), kept raw.
    Unknown {
        /// `ofp_queue_prop_header.property`.
        property: u16,
        /// Bytes after the 8-byte header.
        #[serde(with = "crate::serde_hex")]
        body: Bytes,
    },
}

impl QueueProp {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        let property = r.u16("ofp_queue_prop_header.property")?;
        let len = r.u16("ofp_queue_prop_header.len")? as usize;
        r.check_tlv_len(
            len,
            start,
            OFP_QUEUE_PROP_HEADER_LEN,
            8,
            "ofp_queue_prop_header.len",
        )?;
        r.skip(4, "ofp_queue_prop_header.pad")?;
        let mut b = r.sub(len - OFP_QUEUE_PROP_HEADER_LEN, "ofp_queue_prop_header")?;
        let prop = if property == OFPQT_MIN_RATE && len == 16 {
            let rate = b.u16("ofp_queue_prop_min_rate.rate")?;
            b.skip(6, "ofp_queue_prop_min_rate.pad")?;
            QueueProp::MinRate { rate }
        } else {
            QueueProp::Unknown {
                property,
                body: b.rest(),
            }
        };
        Ok(prop)
    }

    fn encoded_len(&self) -> usize {
        match self {
            QueueProp::MinRate { .. } => 16,
            QueueProp::Unknown { body, .. } => OFP_QUEUE_PROP_HEADER_LEN + body.len(),
        }
    }

    fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        let len = self.encoded_len();
        if len % 8 != 0 || len > u16::MAX as usize {
            return Err(EncodeError::OutOfRange {
                version: "1.0",
                field: "ofp_queue_prop_header.len",
                value: len as u64,
            });
        }
        match self {
            QueueProp::MinRate { rate } => {
                out.put_u16(OFPQT_MIN_RATE);
                out.put_u16(16);
                out.put_bytes(0, 4);
                out.put_u16(*rate);
                out.put_bytes(0, 6);
            }
            QueueProp::Unknown { property, body } => {
                out.put_u16(*property);
                out.put_u16(len as u16);
                out.put_bytes(0, 4);
                out.put_slice(body);
            }
        }
        Ok(())
    }
}

/// `ofp_packet_queue`: one queue and its properties.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PacketQueue {
    /// Queue id.
    pub queue_id: u32,
    /// Properties.
    pub properties: Vec<QueueProp>,
}

impl PacketQueue {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        let queue_id = r.u32("ofp_packet_queue.queue_id")?;
        let len = r.u16("ofp_packet_queue.len")? as usize;
        r.check_tlv_len(len, start, OFP_PACKET_QUEUE_LEN, 8, "ofp_packet_queue.len")?;
        r.skip(2, "ofp_packet_queue.pad")?;
        let mut b = r.sub(len - OFP_PACKET_QUEUE_LEN, "ofp_packet_queue.properties")?;
        let mut properties = Vec::new();
        while !b.is_empty() {
            properties.push(QueueProp::decode(&mut b)?);
        }
        Ok(PacketQueue {
            queue_id,
            properties,
        })
    }

    fn encoded_len(&self) -> usize {
        OFP_PACKET_QUEUE_LEN
            + self
                .properties
                .iter()
                .map(QueueProp::encoded_len)
                .sum::<usize>()
    }

    fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        let len = self.encoded_len();
        let len16 = u16::try_from(len).map_err(|_| EncodeError::TooLong { len })?;
        out.put_u32(self.queue_id);
        out.put_u16(len16);
        out.put_bytes(0, 2);
        self.properties.iter().try_for_each(|p| p.encode(out))
    }
}

/// `ofp_queue_get_config_reply`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueueGetConfigReply {
    /// Port queried.
    pub port: PortNo,
    /// Its queues.
    pub queues: Vec<PacketQueue>,
}

impl QueueGetConfigReply {
    /// Decode the body.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let port = PortNo(r.u16("ofp_queue_get_config_reply.port")?);
        r.skip(6, "ofp_queue_get_config_reply.pad")?;
        let mut queues = Vec::new();
        while !r.is_empty() {
            queues.push(PacketQueue::decode(r)?);
        }
        Ok(QueueGetConfigReply { port, queues })
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        out.put_u16(self.port.0);
        out.put_bytes(0, 6);
        self.queues.iter().try_for_each(|q| q.encode(out))
    }

    /// Body length.
    pub fn encoded_len(&self) -> usize {
        8 + self
            .queues
            .iter()
            .map(PacketQueue::encoded_len)
            .sum::<usize>()
    }
}
