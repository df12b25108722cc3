//! `OFPT_METER_MOD` (`ofp_meter_mod`, spec 1.3.5 §A.3.4.4) and meter bands
//! (`ofp_meter_band_*`), shared with the `OFPMP_METER_CONFIG` reply.
//!
//! ```text
//! ofp_meter_mod body: command (u16), flags (u16), meter_id (u32), bands[]
//! ofp_meter_band_header (16 bytes with its type-specific tail):
//! +--------+--------+---------------+-------------------+--------------------+
//! |  type  |  len   |  rate (u32)   | burst_size (u32)  | tail (4 bytes)...  |
//! +--------+--------+---------------+-------------------+--------------------+
//!   OFPMBT_DROP:         pad[4]
//!   OFPMBT_DSCP_REMARK:  prec_level (u8), pad[3]
//!   OFPMBT_EXPERIMENTER: experimenter (u32), then data up to len
//! ```

use bytes::{BufMut, Bytes, BytesMut};

use super::consts::*;
use super::multipart::list;
use crate::error::{DecodeError, DecodeErrorKind};
use crate::reader::Reader;

/// `ofp_meter_mod`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MeterMod {
    /// `OFPMC_ADD`, `OFPMC_MODIFY` or `OFPMC_DELETE`.
    pub command: u16,
    /// `OFPMF_*` bits.
    pub flags: u16,
    /// Meter instance (or `OFPM_*`).
    pub meter_id: u32,
    /// The bands.
    pub bands: Vec<MeterBand>,
}

/// One meter band.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeterBand {
    /// `OFPMBT_DROP`: drop packets above the rate.
    Drop {
        /// Rate for this band.
        rate: u32,
        /// Size of bursts.
        burst_size: u32,
    },
    /// `OFPMBT_DSCP_REMARK`: raise the drop precedence of packets above the rate.
    DscpRemark {
        /// Rate for this band.
        rate: u32,
        /// Size of bursts.
        burst_size: u32,
        /// Number of drop precedence levels to add.
        prec_level: u8,
    },
    /// `OFPMBT_EXPERIMENTER`.
    Experimenter {
        /// Rate for this band.
        rate: u32,
        /// Size of bursts.
        burst_size: u32,
        /// Experimenter id.
        experimenter: u32,
        /// Data after the experimenter id.
        #[serde(with = "crate::serde_hex")]
        data: Bytes,
    },
    /// Any other band type: the bytes after `type` and `len`, verbatim.
    Unknown {
        /// `ofp_meter_band_header.type`.
        #[serde(rename = "type")]
        ty: u16,
        /// Band body (rate, burst_size and the rest).
        #[serde(with = "crate::serde_hex")]
        body: Bytes,
    },
}

impl MeterMod {
    /// Decode the body after `ofp_header`.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(MeterMod {
            command: r.u16("ofp_meter_mod.command")?,
            flags: r.u16("ofp_meter_mod.flags")?,
            meter_id: r.u32("ofp_meter_mod.meter_id")?,
            bands: list(r, MeterBand::decode)?,
        })
    }

    /// Bytes [`MeterMod::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        8 + bands_len(&self.bands)
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u16(self.command);
        out.put_u16(self.flags);
        out.put_u32(self.meter_id);
        for b in &self.bands {
            b.encode(out);
        }
    }
}

/// Total encoded length of a band list.
pub(crate) fn bands_len(bands: &[MeterBand]) -> usize {
    bands.iter().map(MeterBand::encoded_len).sum()
}

impl MeterBand {
    /// Decode one band.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        let ty = r.u16("ofp_meter_band_header.type")?;
        let len = r.u16("ofp_meter_band_header.len")? as usize;
        r.check_tlv_len(len, start, 4, 1, "ofp_meter_band_header.len")?;
        let mut b = r.sub(len - 4, "ofp_meter_band body")?;
        let known = matches!(ty, OFPMBT_DROP | OFPMBT_DSCP_REMARK | OFPMBT_EXPERIMENTER);
        let fixed = ty == OFPMBT_DROP || ty == OFPMBT_DSCP_REMARK;
        if known && (len < 16 || (fixed && len != 16)) {
            return Err(b.error_at(
                start + 2,
                "ofp_meter_band_header.len",
                DecodeErrorKind::BadLength { value: len },
            ));
        }
        if !known {
            return Ok(MeterBand::Unknown { ty, body: b.rest() });
        }
        let rate = b.u32("ofp_meter_band_header.rate")?;
        let burst_size = b.u32("ofp_meter_band_header.burst_size")?;
        Ok(match ty {
            OFPMBT_DROP => {
                b.skip(4, "ofp_meter_band_drop.pad")?;
                MeterBand::Drop { rate, burst_size }
            }
            OFPMBT_DSCP_REMARK => {
                let prec_level = b.u8("ofp_meter_band_dscp_remark.prec_level")?;
                b.skip(3, "ofp_meter_band_dscp_remark.pad")?;
                MeterBand::DscpRemark {
                    rate,
                    burst_size,
                    prec_level,
                }
            }
            _ => MeterBand::Experimenter {
                rate,
                burst_size,
                experimenter: b.u32("ofp_meter_band_experimenter.experimenter")?,
                data: b.rest(),
            },
        })
    }

    /// Bytes [`MeterBand::encode`] writes (its `len`).
    pub fn encoded_len(&self) -> usize {
        match self {
            MeterBand::Drop { .. } | MeterBand::DscpRemark { .. } => 16,
            MeterBand::Experimenter { data, .. } => 16 + data.len(),
            MeterBand::Unknown { body, .. } => 4 + body.len(),
        }
    }

    /// Append the band.
    pub fn encode(&self, out: &mut BytesMut) {
        let len = self.encoded_len() as u16;
        match self {
            MeterBand::Drop { rate, burst_size } => {
                out.put_u16(OFPMBT_DROP);
                out.put_u16(len);
                out.put_u32(*rate);
                out.put_u32(*burst_size);
                out.put_bytes(0, 4);
            }
            MeterBand::DscpRemark {
                rate,
                burst_size,
                prec_level,
            } => {
                out.put_u16(OFPMBT_DSCP_REMARK);
                out.put_u16(len);
                out.put_u32(*rate);
                out.put_u32(*burst_size);
                out.put_u8(*prec_level);
                out.put_bytes(0, 3);
            }
            MeterBand::Experimenter {
                rate,
                burst_size,
                experimenter,
                data,
            } => {
                out.put_u16(OFPMBT_EXPERIMENTER);
                out.put_u16(len);
                out.put_u32(*rate);
                out.put_u32(*burst_size);
                out.put_u32(*experimenter);
                out.put_slice(data);
            }
            MeterBand::Unknown { ty, body } => {
                out.put_u16(*ty);
                out.put_u16(len);
                out.put_slice(body);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static BODY: [u8; 56] = [
        0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x64, // ADD, flags 14, meter 100
        0x00, 0x01, 0x00, 0x10, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x0a, 0, 0, 0,
        0, // drop
        0x00, 0x02, 0x00, 0x10, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x0a, 1, 0, 0,
        0, // dscp
        0xff, 0xff, 0x00, 0x10, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x0a, 0, 0, 3, 0xe7,
    ];

    fn meter_mod() -> MeterMod {
        MeterMod {
            command: OFPMC_ADD,
            flags: 14,
            meter_id: 100,
            bands: vec![
                MeterBand::Drop {
                    rate: 1000,
                    burst_size: 10,
                },
                MeterBand::DscpRemark {
                    rate: 1000,
                    burst_size: 10,
                    prec_level: 1,
                },
                MeterBand::Experimenter {
                    rate: 1000,
                    burst_size: 10,
                    experimenter: 999,
                    data: Bytes::new(),
                },
            ],
        }
    }

    #[test]
    fn parse() {
        let buf = Bytes::from_static(&BODY);
        let m = MeterMod::decode(&mut Reader::new(&buf, "OFPT_METER_MOD")).unwrap();
        assert_eq!(m, meter_mod());
    }

    #[test]
    fn emit() {
        let mut out = BytesMut::new();
        meter_mod().encode(&mut out);
        assert_eq!(&out[..], &BODY[..]);
        assert_eq!(meter_mod().encoded_len(), BODY.len());
    }

    #[test]
    fn unknown_band_survives_and_bad_len_fails() {
        let raw = [0x00, 0x07, 0x00, 0x06, 0xaa, 0xbb];
        let buf = Bytes::copy_from_slice(&raw);
        let b = MeterBand::decode(&mut Reader::new(&buf, "X")).unwrap();
        let mut out = BytesMut::new();
        b.encode(&mut out);
        assert_eq!(&out[..], &raw[..]);
        let buf = Bytes::from_static(&[0x00, 0x01, 0x00, 0x08, 0, 0, 0, 0]);
        let e = MeterBand::decode(&mut Reader::new(&buf, "X")).unwrap_err();
        assert_eq!((e.field, e.offset), ("ofp_meter_band_header.len", 2));
    }
}
