//! `OFPMP_TABLE_FEATURES` request and reply bodies (`ofp_table_features`, spec 1.3.5
//! §A.3.5.5) and their properties (`ofp_table_feature_prop_*`).
//!
//! ```text
//! ofp_table_features (64 + properties):
//!   length (u16), table_id (u8), pad[5], name[32], metadata_match (u64),
//!   metadata_write (u64), config (u32), max_entries (u32), properties[]
//! ofp_table_feature_prop_header: type (u16), length (u16), data, then zero padding to 8
//!   (length counts the 4-byte header and the data, not the padding)
//!   INSTRUCTIONS[_MISS]                 instruction ids: type, len (+ experimenter id for 0xffff)
//!   NEXT_TABLES[_MISS]                  table ids, one byte each
//!   WRITE/APPLY_ACTIONS[_MISS]          action ids: type, len (+ experimenter id for 0xffff)
//!   MATCH, WILDCARDS, WRITE/APPLY_SETFIELD[_MISS]   OXM headers (u32; + experimenter for class 0xffff)
//!   EXPERIMENTER[_MISS]                 experimenter (u32), exp_type (u32), data
//! ```
//! Ids are kept as the raw headers the spec puts on the wire (an OXM id keeps its `length`
//! bits even when a switch writes 0 there). Property types this crate does not know keep
//! their data verbatim.

use bytes::{BufMut, Bytes, BytesMut};

use super::consts::*;
use super::multipart::list;
use super::strings::FixedStr;
use crate::error::DecodeError;
use crate::reader::Reader;

/// Experimenter marker shared by action types, instruction types and OXM classes.
const EXPERIMENTER_ID_TYPE: u16 = 0xffff;

/// `ofp_table_features`: one table's capabilities (reply) or desired configuration (request).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TableFeatures {
    /// Table id.
    pub table_id: u8,
    /// Table name.
    pub name: FixedStr<OFP_MAX_TABLE_NAME_LEN>,
    /// Bits of metadata the table can match.
    pub metadata_match: u64,
    /// Bits of metadata the table can write.
    pub metadata_write: u64,
    /// `OFPTC_*` bits.
    pub config: u32,
    /// Max number of entries supported.
    pub max_entries: u32,
    /// Properties, in wire order.
    pub properties: Vec<TableFeatureProp>,
}

/// An instruction or action id: the TLV header of the instruction/action it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TlvId {
    /// `OFPIT_*` or `OFPAT_*`.
    #[serde(rename = "type")]
    pub ty: u16,
    /// The `len` field as sent (usually 4, or 8 for experimenter ids).
    pub len: u16,
    /// Experimenter id, present exactly when `ty` is 0xffff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experimenter: Option<u32>,
}

/// An OXM id: an OXM TLV header without its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OxmId {
    /// `class (16) | field (7) | hasmask (1) | length (8)`.
    pub header: u32,
    /// Experimenter id, present exactly when the class is `OFPXMC_EXPERIMENTER` (0xffff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experimenter: Option<u32>,
}

impl OxmId {
    /// An id for an `OFPXMC_OPENFLOW_BASIC` field, unmasked, with the given payload length.
    pub fn basic(field: u8, length: u8) -> OxmId {
        OxmId {
            header: 0x8000_0000 | (u32::from(field & 0x7f) << 9) | u32::from(length),
            experimenter: None,
        }
    }
    /// OXM class.
    pub fn class(&self) -> u16 {
        (self.header >> 16) as u16
    }
    /// OXM field number within the class.
    pub fn field(&self) -> u8 {
        ((self.header >> 9) & 0x7f) as u8
    }
    /// The has-mask bit.
    pub fn hasmask(&self) -> bool {
        self.header & 0x100 != 0
    }
    /// Payload length bits.
    pub fn length(&self) -> u8 {
        (self.header & 0xff) as u8
    }
}

/// One table feature property. `miss` selects the `*_MISS` variant of the type (the
/// capabilities of the table-miss flow entry).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableFeatureProp {
    /// `OFPTFPT_INSTRUCTIONS` / `_MISS`.
    Instructions {
        /// The `_MISS` variant.
        miss: bool,
        /// Supported instructions.
        ids: Vec<TlvId>,
    },
    /// `OFPTFPT_NEXT_TABLES` / `_MISS`.
    NextTables {
        /// The `_MISS` variant.
        miss: bool,
        /// Tables reachable with goto-table.
        table_ids: Vec<u8>,
    },
    /// `OFPTFPT_WRITE_ACTIONS` / `_MISS`.
    WriteActions {
        /// The `_MISS` variant.
        miss: bool,
        /// Supported actions.
        ids: Vec<TlvId>,
    },
    /// `OFPTFPT_APPLY_ACTIONS` / `_MISS`.
    ApplyActions {
        /// The `_MISS` variant.
        miss: bool,
        /// Supported actions.
        ids: Vec<TlvId>,
    },
    /// `OFPTFPT_MATCH`: fields the table can match.
    Match(Vec<OxmId>),
    /// `OFPTFPT_WILDCARDS`: fields the table can wildcard.
    Wildcards(Vec<OxmId>),
    /// `OFPTFPT_WRITE_SETFIELD` / `_MISS`.
    WriteSetfield {
        /// The `_MISS` variant.
        miss: bool,
        /// Fields settable by write-actions.
        ids: Vec<OxmId>,
    },
    /// `OFPTFPT_APPLY_SETFIELD` / `_MISS`.
    ApplySetfield {
        /// The `_MISS` variant.
        miss: bool,
        /// Fields settable by apply-actions.
        ids: Vec<OxmId>,
    },
    /// `OFPTFPT_EXPERIMENTER` / `_MISS`.
    Experimenter {
        /// The `_MISS` variant.
        miss: bool,
        /// Experimenter id.
        experimenter: u32,
        /// Experimenter type.
        exp_type: u32,
        /// Experimenter data.
        #[serde(with = "crate::serde_hex")]
        data: Bytes,
    },
    /// Any other property type; the data after the 4-byte header, without padding.
    Unknown {
        /// `ofp_table_feature_prop_header.type`.
        #[serde(rename = "type")]
        ty: u16,
        /// Property data.
        #[serde(with = "crate::serde_hex")]
        body: Bytes,
    },
}

fn pad8(len: usize) -> usize {
    (8 - len % 8) % 8
}

impl TableFeatures {
    /// Length of the fixed part.
    pub const FIXED_LEN: usize = 64;

    /// Decode one entry (its `length` bounds the properties).
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        let len = r.u16("ofp_table_features.length")? as usize;
        r.check_tlv_len(len, start, Self::FIXED_LEN, 1, "ofp_table_features.length")?;
        let table_id = r.u8("ofp_table_features.table_id")?;
        r.skip(5, "ofp_table_features.pad")?;
        let name = FixedStr::decode(r, "ofp_table_features.name")?;
        let metadata_match = r.u64("ofp_table_features.metadata_match")?;
        let metadata_write = r.u64("ofp_table_features.metadata_write")?;
        let config = r.u32("ofp_table_features.config")?;
        let max_entries = r.u32("ofp_table_features.max_entries")?;
        let mut props = r.sub(len - Self::FIXED_LEN, "ofp_table_features.properties")?;
        Ok(TableFeatures {
            table_id,
            name,
            metadata_match,
            metadata_write,
            config,
            max_entries,
            properties: list(&mut props, TableFeatureProp::decode)?,
        })
    }

    /// Bytes [`TableFeatures::encode`] writes (its `length`).
    pub fn encoded_len(&self) -> usize {
        Self::FIXED_LEN
            + self
                .properties
                .iter()
                .map(|p| {
                    let l = p.unpadded_len();
                    l + pad8(l)
                })
                .sum::<usize>()
    }

    /// Append one entry.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u16(self.encoded_len() as u16);
        out.put_u8(self.table_id);
        out.put_bytes(0, 5);
        self.name.encode(out);
        out.put_u64(self.metadata_match);
        out.put_u64(self.metadata_write);
        out.put_u32(self.config);
        out.put_u32(self.max_entries);
        for p in &self.properties {
            p.encode(out);
        }
    }
}

fn tlv_ids(r: &mut Reader<'_>, field: &'static str) -> Result<Vec<TlvId>, DecodeError> {
    list(r, |r| {
        let ty = r.u16(field)?;
        let len = r.u16(field)?;
        let experimenter = if ty == EXPERIMENTER_ID_TYPE {
            Some(r.u32(field)?)
        } else {
            None
        };
        Ok(TlvId {
            ty,
            len,
            experimenter,
        })
    })
}

fn oxm_ids(r: &mut Reader<'_>) -> Result<Vec<OxmId>, DecodeError> {
    list(r, |r| {
        let header = r.u32("ofp_table_feature_prop_oxm.oxm_ids")?;
        let experimenter = if (header >> 16) as u16 == EXPERIMENTER_ID_TYPE {
            Some(r.u32("ofp_table_feature_prop_oxm.oxm_ids experimenter")?)
        } else {
            None
        };
        Ok(OxmId {
            header,
            experimenter,
        })
    })
}

impl TableFeatureProp {
    /// Decode one property and the padding after it.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        let ty = r.u16("ofp_table_feature_prop_header.type")?;
        let len = r.u16("ofp_table_feature_prop_header.length")? as usize;
        r.check_tlv_len(len, start, 4, 1, "ofp_table_feature_prop_header.length")?;
        let mut b = r.sub(len - 4, "ofp_table_feature_prop data")?;
        r.skip(pad8(len), "ofp_table_feature_prop padding")?;
        let miss = ty & 1 == 1;
        let prop = match ty {
            OFPTFPT_INSTRUCTIONS | OFPTFPT_INSTRUCTIONS_MISS => TableFeatureProp::Instructions {
                miss,
                ids: tlv_ids(
                    &mut b,
                    "ofp_table_feature_prop_instructions.instruction_ids",
                )?,
            },
            OFPTFPT_NEXT_TABLES | OFPTFPT_NEXT_TABLES_MISS => TableFeatureProp::NextTables {
                miss,
                table_ids: b.rest().to_vec(),
            },
            OFPTFPT_WRITE_ACTIONS | OFPTFPT_WRITE_ACTIONS_MISS => TableFeatureProp::WriteActions {
                miss,
                ids: tlv_ids(&mut b, "ofp_table_feature_prop_actions.action_ids")?,
            },
            OFPTFPT_APPLY_ACTIONS | OFPTFPT_APPLY_ACTIONS_MISS => TableFeatureProp::ApplyActions {
                miss,
                ids: tlv_ids(&mut b, "ofp_table_feature_prop_actions.action_ids")?,
            },
            OFPTFPT_MATCH => TableFeatureProp::Match(oxm_ids(&mut b)?),
            OFPTFPT_WILDCARDS => TableFeatureProp::Wildcards(oxm_ids(&mut b)?),
            OFPTFPT_WRITE_SETFIELD | OFPTFPT_WRITE_SETFIELD_MISS => {
                TableFeatureProp::WriteSetfield {
                    miss,
                    ids: oxm_ids(&mut b)?,
                }
            }
            OFPTFPT_APPLY_SETFIELD | OFPTFPT_APPLY_SETFIELD_MISS => {
                TableFeatureProp::ApplySetfield {
                    miss,
                    ids: oxm_ids(&mut b)?,
                }
            }
            OFPTFPT_EXPERIMENTER | OFPTFPT_EXPERIMENTER_MISS => TableFeatureProp::Experimenter {
                miss,
                experimenter: b.u32("ofp_table_feature_prop_experimenter.experimenter")?,
                exp_type: b.u32("ofp_table_feature_prop_experimenter.exp_type")?,
                data: b.rest(),
            },
            _ => TableFeatureProp::Unknown { ty, body: b.rest() },
        };
        Ok(prop)
    }

    /// `ofp_table_feature_prop_header.type`.
    pub fn prop_type(&self) -> u16 {
        let (base, miss) = match self {
            TableFeatureProp::Instructions { miss, .. } => (OFPTFPT_INSTRUCTIONS, *miss),
            TableFeatureProp::NextTables { miss, .. } => (OFPTFPT_NEXT_TABLES, *miss),
            TableFeatureProp::WriteActions { miss, .. } => (OFPTFPT_WRITE_ACTIONS, *miss),
            TableFeatureProp::ApplyActions { miss, .. } => (OFPTFPT_APPLY_ACTIONS, *miss),
            TableFeatureProp::Match(_) => (OFPTFPT_MATCH, false),
            TableFeatureProp::Wildcards(_) => (OFPTFPT_WILDCARDS, false),
            TableFeatureProp::WriteSetfield { miss, .. } => (OFPTFPT_WRITE_SETFIELD, *miss),
            TableFeatureProp::ApplySetfield { miss, .. } => (OFPTFPT_APPLY_SETFIELD, *miss),
            TableFeatureProp::Experimenter { miss, .. } => (OFPTFPT_EXPERIMENTER, *miss),
            TableFeatureProp::Unknown { ty, .. } => (*ty, false),
        };
        base | u16::from(miss)
    }

    /// The `length` field: header plus data, without padding.
    pub fn unpadded_len(&self) -> usize {
        let tlv = |ids: &[TlvId]| -> usize {
            ids.iter()
                .map(|i| if i.experimenter.is_some() { 8 } else { 4 })
                .sum()
        };
        let oxm = |ids: &[OxmId]| -> usize {
            ids.iter()
                .map(|i| if i.experimenter.is_some() { 8 } else { 4 })
                .sum()
        };
        4 + match self {
            TableFeatureProp::Instructions { ids, .. }
            | TableFeatureProp::WriteActions { ids, .. }
            | TableFeatureProp::ApplyActions { ids, .. } => tlv(ids),
            TableFeatureProp::NextTables { table_ids, .. } => table_ids.len(),
            TableFeatureProp::Match(ids)
            | TableFeatureProp::Wildcards(ids)
            | TableFeatureProp::WriteSetfield { ids, .. }
            | TableFeatureProp::ApplySetfield { ids, .. } => oxm(ids),
            TableFeatureProp::Experimenter { data, .. } => 8 + data.len(),
            TableFeatureProp::Unknown { body, .. } => body.len(),
        }
    }

    /// Append the property and its padding.
    pub fn encode(&self, out: &mut BytesMut) {
        let len = self.unpadded_len();
        out.put_u16(self.prop_type());
        out.put_u16(len as u16);
        match self {
            TableFeatureProp::Instructions { ids, .. }
            | TableFeatureProp::WriteActions { ids, .. }
            | TableFeatureProp::ApplyActions { ids, .. } => {
                for id in ids {
                    out.put_u16(id.ty);
                    out.put_u16(id.len);
                    if let Some(e) = id.experimenter {
                        out.put_u32(e);
                    }
                }
            }
            TableFeatureProp::NextTables { table_ids, .. } => out.put_slice(table_ids),
            TableFeatureProp::Match(ids)
            | TableFeatureProp::Wildcards(ids)
            | TableFeatureProp::WriteSetfield { ids, .. }
            | TableFeatureProp::ApplySetfield { ids, .. } => {
                for id in ids {
                    out.put_u32(id.header);
                    if let Some(e) = id.experimenter {
                        out.put_u32(e);
                    }
                }
            }
            TableFeatureProp::Experimenter {
                experimenter,
                exp_type,
                data,
                ..
            } => {
                out.put_u32(*experimenter);
                out.put_u32(*exp_type);
                out.put_slice(data);
            }
            TableFeatureProp::Unknown { body, .. } => out.put_slice(body),
        }
        out.put_bytes(0, pad8(len));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features() -> TableFeatures {
        TableFeatures {
            table_id: 0,
            name: FixedStr::new("classifier"),
            metadata_match: u64::MAX,
            metadata_write: u64::MAX,
            config: 0,
            max_entries: 1_000_000,
            properties: vec![
                TableFeatureProp::Instructions {
                    miss: false,
                    ids: vec![
                        TlvId {
                            ty: 1,
                            len: 4,
                            experimenter: None,
                        },
                        TlvId {
                            ty: 0xffff,
                            len: 8,
                            experimenter: Some(0x2320),
                        },
                    ],
                },
                TableFeatureProp::NextTables {
                    miss: true,
                    table_ids: vec![1, 2, 3],
                },
                TableFeatureProp::ApplyActions {
                    miss: false,
                    ids: vec![TlvId {
                        ty: 0,
                        len: 4,
                        experimenter: None,
                    }],
                },
                TableFeatureProp::Match(vec![OxmId::basic(0, 4), OxmId::basic(3, 6)]),
                TableFeatureProp::ApplySetfield {
                    miss: true,
                    ids: vec![OxmId {
                        header: 0xffff_0004,
                        experimenter: Some(0x4f4e4600),
                    }],
                },
                TableFeatureProp::Experimenter {
                    miss: true,
                    experimenter: 101,
                    exp_type: 2,
                    data: Bytes::from_static(&[0, 0, 0, 1]),
                },
                TableFeatureProp::Unknown {
                    ty: 0x20,
                    body: Bytes::from_static(&[9]),
                },
            ],
        }
    }

    #[test]
    fn layout() {
        let f = features();
        let mut out = BytesMut::new();
        f.encode(&mut out);
        assert_eq!(out.len(), f.encoded_len());
        assert_eq!(out.len() % 8, 0);
        // First property: instructions, length 4 + 4 + 8 = 16, no padding.
        assert_eq!(&out[64..68], &[0, 0, 0, 16]);
        // Second: next-tables-miss, length 7, padded to 8.
        assert_eq!(&out[80..88], &[0, 3, 0, 7, 1, 2, 3, 0]);
        assert_eq!(OxmId::basic(3, 6).header, 0x8000_0606);
        assert_eq!(OxmId::basic(3, 6).field(), 3);
    }

    #[test]
    fn round_trip() {
        let f = features();
        let mut out = BytesMut::new();
        f.encode(&mut out);
        let buf = out.freeze();
        let mut r = Reader::new(&buf, "OFPMP_TABLE_FEATURES reply");
        assert_eq!(TableFeatures::decode(&mut r).unwrap(), f);
        assert!(r.is_empty());
    }

    #[test]
    fn property_running_past_the_table_is_an_error() {
        let f = features();
        let mut out = BytesMut::new();
        f.encode(&mut out);
        out[67] = 0xf0; // first property's length
        let buf = out.freeze();
        let e = TableFeatures::decode(&mut Reader::new(&buf, "X")).unwrap_err();
        assert_eq!(
            (e.field, e.offset),
            ("ofp_table_feature_prop_header.length", 64)
        );
    }
}
