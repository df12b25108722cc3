//! Meter multipart bodies (spec 1.3.5 §A.3.5.12-13): `OFPMP_METER`, `OFPMP_METER_CONFIG`,
//! `OFPMP_METER_FEATURES`.
//!
//! ```text
//! ofp_meter_multipart_request (8): meter_id (u32), pad[4]
//! ofp_meter_stats (40 + 16n): meter_id, len (u16), pad[6], flow_count (u32),
//!                             packet_in_count, byte_in_count (u64), duration_sec, duration_nsec,
//!                             ofp_meter_band_stats[] { packet_band_count, byte_band_count (u64) }
//! ofp_meter_config (8 + bands): length (u16), flags (u16), meter_id (u32), ofp_meter_band_*[]
//! ofp_meter_features (16): max_meter, band_types, capabilities (u32), max_bands, max_color, pad[2]
//! ```

use bytes::{BufMut, BytesMut};

use super::meter::{bands_len, MeterBand};
use super::multipart::list;
use crate::error::{DecodeError, DecodeErrorKind};
use crate::reader::Reader;

/// `ofp_meter_multipart_request` (for `OFPMP_METER` and `OFPMP_METER_CONFIG`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MeterMultipartRequest {
    /// The meter, or `OFPM_ALL`.
    pub meter_id: u32,
}

impl MeterMultipartRequest {
    /// Decode the request body.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let meter_id = r.u32("ofp_meter_multipart_request.meter_id")?;
        r.skip(4, "ofp_meter_multipart_request.pad")?;
        Ok(MeterMultipartRequest { meter_id })
    }

    /// Append the request body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.meter_id);
        out.put_bytes(0, 4);
    }
}

/// `ofp_meter_band_stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MeterBandStats {
    /// Packets in band.
    pub packet_band_count: u64,
    /// Bytes in band.
    pub byte_band_count: u64,
}

/// `ofp_meter_stats`: one entry of the `OFPMP_METER` reply.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MeterStats {
    /// Meter instance.
    pub meter_id: u32,
    /// Flows bound to the meter.
    pub flow_count: u32,
    /// Packets in input.
    pub packet_in_count: u64,
    /// Bytes in input.
    pub byte_in_count: u64,
    /// Time the meter has been alive, seconds.
    pub duration_sec: u32,
    /// Time beyond `duration_sec`, nanoseconds.
    pub duration_nsec: u32,
    /// One entry per band.
    pub band_stats: Vec<MeterBandStats>,
}

impl MeterStats {
    /// Decode one entry (its `len` bounds the band stats).
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        let meter_id = r.u32("ofp_meter_stats.meter_id")?;
        let len = r.u16("ofp_meter_stats.len")? as usize;
        if len < 40 || (len - 40) % 16 != 0 {
            return Err(r.error_at(
                start + 4,
                "ofp_meter_stats.len",
                DecodeErrorKind::BadLength { value: len },
            ));
        }
        r.check_tlv_len(len, start, 40, 1, "ofp_meter_stats.len")?;
        r.skip(6, "ofp_meter_stats.pad")?;
        let flow_count = r.u32("ofp_meter_stats.flow_count")?;
        let packet_in_count = r.u64("ofp_meter_stats.packet_in_count")?;
        let byte_in_count = r.u64("ofp_meter_stats.byte_in_count")?;
        let duration_sec = r.u32("ofp_meter_stats.duration_sec")?;
        let duration_nsec = r.u32("ofp_meter_stats.duration_nsec")?;
        let mut bands = r.sub(len - 40, "ofp_meter_stats.band_stats")?;
        let band_stats = list(&mut bands, |b| {
            Ok(MeterBandStats {
                packet_band_count: b.u64("ofp_meter_band_stats.packet_band_count")?,
                byte_band_count: b.u64("ofp_meter_band_stats.byte_band_count")?,
            })
        })?;
        Ok(MeterStats {
            meter_id,
            flow_count,
            packet_in_count,
            byte_in_count,
            duration_sec,
            duration_nsec,
            band_stats,
        })
    }

    /// Bytes [`MeterStats::encode`] writes (its `len`).
    pub fn encoded_len(&self) -> usize {
        40 + 16 * self.band_stats.len()
    }

    /// Append one entry.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.meter_id);
        out.put_u16(self.encoded_len() as u16);
        out.put_bytes(0, 6);
        out.put_u32(self.flow_count);
        out.put_u64(self.packet_in_count);
        out.put_u64(self.byte_in_count);
        out.put_u32(self.duration_sec);
        out.put_u32(self.duration_nsec);
        for b in &self.band_stats {
            out.put_u64(b.packet_band_count);
            out.put_u64(b.byte_band_count);
        }
    }
}

/// `ofp_meter_config`: one entry of the `OFPMP_METER_CONFIG` reply.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MeterConfig {
    /// `OFPMF_*` bits.
    pub flags: u16,
    /// Meter instance.
    pub meter_id: u32,
    /// The bands.
    pub bands: Vec<MeterBand>,
}

impl MeterConfig {
    /// Decode one entry (its `length` bounds the bands).
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        let len = r.u16("ofp_meter_config.length")? as usize;
        r.check_tlv_len(len, start, 8, 1, "ofp_meter_config.length")?;
        let flags = r.u16("ofp_meter_config.flags")?;
        let meter_id = r.u32("ofp_meter_config.meter_id")?;
        let mut bands = r.sub(len - 8, "ofp_meter_config.bands")?;
        Ok(MeterConfig {
            flags,
            meter_id,
            bands: list(&mut bands, MeterBand::decode)?,
        })
    }

    /// Bytes [`MeterConfig::encode`] writes (its `length`).
    pub fn encoded_len(&self) -> usize {
        8 + bands_len(&self.bands)
    }

    /// Append one entry.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u16(self.encoded_len() as u16);
        out.put_u16(self.flags);
        out.put_u32(self.meter_id);
        for b in &self.bands {
            b.encode(out);
        }
    }
}

/// `ofp_meter_features`: the `OFPMP_METER_FEATURES` reply body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MeterFeatures {
    /// Maximum number of meters.
    pub max_meter: u32,
    /// Bitmap of `1 << OFPMBT_*` values supported.
    pub band_types: u32,
    /// Bitmap of `OFPMF_*` flags supported.
    pub capabilities: u32,
    /// Maximum bands per meter.
    pub max_bands: u8,
    /// Maximum color value.
    pub max_color: u8,
}

impl MeterFeatures {
    /// Encoded length.
    pub const LEN: usize = 16;

    /// Decode the body.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let f = MeterFeatures {
            max_meter: r.u32("ofp_meter_features.max_meter")?,
            band_types: r.u32("ofp_meter_features.band_types")?,
            capabilities: r.u32("ofp_meter_features.capabilities")?,
            max_bands: r.u8("ofp_meter_features.max_bands")?,
            max_color: r.u8("ofp_meter_features.max_color")?,
        };
        r.skip(2, "ofp_meter_features.pad")?;
        Ok(f)
    }

    /// Append the body.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(self.max_meter);
        out.put_u32(self.band_types);
        out.put_u32(self.capabilities);
        out.put_u8(self.max_bands);
        out.put_u8(self.max_color);
        out.put_bytes(0, 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    // One meter_stats entry with one band, as in Ryu's 4-50-ofp_meter_stats_reply.
    static STATS: [u8; 56] = [
        0x00, 0x00, 0x00, 0x64, 0x00, 0x38, 0, 0, 0, 0, 0, 0, // meter 100, len 56
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // counts
        0, 0, 0, 0, 0x00, 0x07, 0x53, 0x00, // duration 0 s, 480000 ns
        0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, // band
    ];

    #[test]
    fn meter_stats_bytes() {
        let buf = Bytes::from_static(&STATS);
        let s = MeterStats::decode(&mut Reader::new(&buf, "OFPMP_METER reply")).unwrap();
        assert_eq!(s.meter_id, 100);
        assert_eq!(s.duration_nsec, 480_000);
        assert_eq!(
            s.band_stats,
            vec![MeterBandStats {
                packet_band_count: 1,
                byte_band_count: 2
            }]
        );
        let mut out = BytesMut::new();
        s.encode(&mut out);
        assert_eq!(&out[..], &STATS[..]);
    }

    #[test]
    fn meter_stats_bad_len() {
        let mut v = STATS.to_vec();
        v[5] = 0x30; // 48: not 40 + 16n
        let buf = Bytes::from(v);
        let e = MeterStats::decode(&mut Reader::new(&buf, "X")).unwrap_err();
        assert_eq!((e.field, e.offset), ("ofp_meter_stats.len", 4));
    }

    #[test]
    fn meter_config_and_features_round_trip() {
        let c = MeterConfig {
            flags: 14,
            meter_id: 100,
            bands: vec![MeterBand::Drop {
                rate: 1000,
                burst_size: 10,
            }],
        };
        let mut out = BytesMut::new();
        c.encode(&mut out);
        assert_eq!(&out[..2], &[0, 24]);
        let buf = out.freeze();
        assert_eq!(MeterConfig::decode(&mut Reader::new(&buf, "X")).unwrap(), c);

        let f = MeterFeatures {
            max_meter: 16_777_216,
            band_types: 0x8000_0006,
            capabilities: 15,
            max_bands: 255,
            max_color: 0,
        };
        let mut out = BytesMut::new();
        f.encode(&mut out);
        assert_eq!(out.len(), MeterFeatures::LEN);
        let buf = out.freeze();
        assert_eq!(
            MeterFeatures::decode(&mut Reader::new(&buf, "X")).unwrap(),
            f
        );
    }
}
