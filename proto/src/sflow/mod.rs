//! sFlow version 5 datagrams (sflow.org `sflow_version_5.txt`).
//!
//! # Contract
//! - XDR: big-endian, every field 4-byte aligned. Each sample and record is
//!   `data_format (enterprise << 12 | format), length, body`, and `length` counts the body only.
//! - Decoding never panics. Lengths are checked against what remains before use; a record
//!   whose length runs past its sample, or a sample past its datagram, is an error. Every
//!   loop consumes at least 8 bytes per turn, so it is bounded by the input size.
//! - Unknown samples and records are not errors: they decode to [`UnknownRecord`] /
//!   [`UnknownSample`] values (re-encoded byte for byte) and are counted in
//!   [`Datagram::unknown`].
//! - Errors are [`DecodeError`](crate::DecodeError)s whose `context` names the sample and
//!   record index (`"sflow sample #2 record #1"`), `field` the spec structure and field
//!   (`"sampled_header.header_length"`), and `offset` the absolute byte in the datagram.
//!
//! # Two ways in
//! - [`Datagram::decode`] builds an owned value (for printing, `--json`, tests).
//! - [`DatagramView::parse`] is the hot path for a collector: it reads the datagram header
//!   and hands out iterators over samples and records without allocating per sample.
//!   Records are the same owned types in both forms; payloads are [`bytes::Bytes`] slices.
//!   Sampled packet headers are decoded on demand with [`SampledHeader::decode_header`]
//!   into a flat [`DecodedHeader`] a flow engine can key on.
//!
//! # Layout
//! [`datagram`] (header, sample iterator), [`flow_sample`], [`counter_sample`],
//! [`flow_record`], [`counter_record`], [`interface`] (ports and data sources),
//! [`header`] (sampled packet headers via etherparse), [`display`] (text form).

pub mod counter_record;
pub mod counter_sample;
pub mod datagram;
pub mod display;
pub mod flow_record;
pub mod flow_sample;
pub mod header;
pub mod interface;
pub mod records;
mod xdr;

pub use counter_record::{CounterRecord, EthernetCounters, IfCounters, ProcessorCounters};
pub use counter_sample::{CounterSample, CounterSampleView};
pub use datagram::{Datagram, DatagramView, Sample, SampleIter, SampleView, UnknownCounts};
pub use flow_record::{
    AsPathSegment, ExtendedGateway, ExtendedRouter, ExtendedSwitch, FlowRecord, SampledEthernet,
    SampledHeader, SampledIpv4, SampledIpv6,
};
pub use flow_sample::{FlowSample, FlowSampleView};
pub use header::{DecodedHeader, HeaderProtocol, StopLayer};
pub use interface::{DataSource, Interface};
pub use records::{
    CounterRecordIter, CounterRecords, FlowRecordIter, FlowRecords, RecordIter, Records,
    SampleRecord,
};

use bytes::Bytes;

/// The sFlow version this module decodes.
pub const VERSION: u32 = 5;

/// UDP port sFlow agents send to by default.
pub const DEFAULT_PORT: u16 = 6343;

/// A `data_format` word split into its parts (spec §"Extensible data formats").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct DataFormat {
    /// Top 20 bits: 0 for sflow.org-defined structures.
    pub enterprise: u32,
    /// Bottom 12 bits: the structure number within the enterprise.
    pub format: u32,
}

impl DataFormat {
    /// Split a wire `data_format`.
    pub fn from_u32(v: u32) -> Self {
        DataFormat {
            enterprise: v >> 12,
            format: v & 0xfff,
        }
    }

    /// The wire word.
    pub fn to_u32(self) -> u32 {
        (self.enterprise << 12) | (self.format & 0xfff)
    }
}

/// A sample or record this decoder does not interpret, kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnknownRecord {
    /// Enterprise number (20 bits).
    pub enterprise: u32,
    /// Format number (12 bits).
    pub format: u32,
    /// The body as received (its length is a multiple of 4).
    #[serde(with = "crate::serde_hex")]
    pub body: Bytes,
}

/// A sample type this decoder does not interpret (e.g. 0:5 discarded packet), kept verbatim.
pub type UnknownSample = UnknownRecord;

/// Error contexts with the sample and record index baked in, so that a
/// [`DecodeError`](crate::DecodeError) (whose context is `&'static str`) still says which
/// sample and record failed. Indices past the table share a "#>16" string; the absolute
/// offset in the error is exact either way.
mod context {
    const MAX: usize = 16;

    macro_rules! row {
        ($s:literal) => {
            [
                concat!("sflow sample #", $s),
                concat!("sflow sample #", $s, " record #1"),
                concat!("sflow sample #", $s, " record #2"),
                concat!("sflow sample #", $s, " record #3"),
                concat!("sflow sample #", $s, " record #4"),
                concat!("sflow sample #", $s, " record #5"),
                concat!("sflow sample #", $s, " record #6"),
                concat!("sflow sample #", $s, " record #7"),
                concat!("sflow sample #", $s, " record #8"),
                concat!("sflow sample #", $s, " record #9"),
                concat!("sflow sample #", $s, " record #10"),
                concat!("sflow sample #", $s, " record #11"),
                concat!("sflow sample #", $s, " record #12"),
                concat!("sflow sample #", $s, " record #13"),
                concat!("sflow sample #", $s, " record #14"),
                concat!("sflow sample #", $s, " record #15"),
                concat!("sflow sample #", $s, " record #16"),
                concat!("sflow sample #", $s, " record #>16"),
            ]
        };
    }

    static TABLE: [[&str; MAX + 2]; MAX + 1] = [
        row!("1"),
        row!("2"),
        row!("3"),
        row!("4"),
        row!("5"),
        row!("6"),
        row!("7"),
        row!("8"),
        row!("9"),
        row!("10"),
        row!("11"),
        row!("12"),
        row!("13"),
        row!("14"),
        row!("15"),
        row!("16"),
        row!(">16"),
    ];

    /// Context for sample `sample` (1-based) itself.
    pub(crate) fn sample(sample: usize) -> &'static str {
        record(sample, 0)
    }

    /// Context for record `record` (1-based; 0 = the sample itself) of sample `sample`.
    pub(crate) fn record(sample: usize, record: usize) -> &'static str {
        let s = sample.clamp(1, MAX + 1) - 1;
        let r = record.min(MAX + 1);
        TABLE
            .get(s)
            .and_then(|row| row.get(r))
            .copied()
            .unwrap_or("sflow sample")
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn contexts_name_sample_and_record() {
            assert_eq!(super::sample(1), "sflow sample #1");
            assert_eq!(super::record(2, 1), "sflow sample #2 record #1");
            assert_eq!(super::record(16, 16), "sflow sample #16 record #16");
            assert_eq!(super::record(40, 3), "sflow sample #>16 record #3");
            assert_eq!(super::record(3, 99), "sflow sample #3 record #>16");
        }
    }
}

pub(crate) use context::{record as record_context, sample as sample_context};
