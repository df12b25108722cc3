//! Counter samples: `counters_sample` (0:2) and `counters_sample_expanded` (0:4).
//!
//! ```text
//! counters_sample (compact)          counters_sample_expanded
//! sequence_number  u32               sequence_number   u32
//! source_id        u32 (type:8|index:24)  source_id_type, source_id_index  u32, u32
//! counters         counter_record<>  counters          counter_record<>
//! ```

use bytes::{BufMut, BytesMut};

use super::counter_record::CounterRecord;
use super::interface::DataSource;
use super::records::CounterRecords;
use super::xdr;
use crate::error::DecodeError;
use crate::reader::Reader;

/// A counter sample, with its records in `R` (`Vec<CounterRecord>` or [`CounterRecords`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CounterSample<R = Vec<CounterRecord>> {
    /// True for `counters_sample_expanded` (0:4).
    pub expanded: bool,
    /// Incremented with each counter sample from this source.
    pub sequence_number: u32,
    /// Where the counters come from (usually an ifIndex).
    pub source_id: DataSource,
    /// The counter records.
    pub records: R,
}

/// The borrowing form: records are decoded as they are iterated.
pub type CounterSampleView<'a> = CounterSample<CounterRecords<'a>>;

impl<'a> CounterSampleView<'a> {
    /// Decode the fixed part of a sample body (`r` covers exactly the body).
    pub fn decode_view(
        r: &mut Reader<'a>,
        expanded: bool,
        sample_index: usize,
    ) -> Result<Self, DecodeError> {
        let sequence_number = r.u32("counters_sample.sequence_number")?;
        let source_id = DataSource::decode(r, expanded)?;
        let count = r.u32("counters_sample.counter_records_count")?;
        Ok(CounterSample {
            expanded,
            sequence_number,
            source_id,
            records: CounterRecords::new(
                r.sub(r.remaining(), "counters_sample.counters")?,
                count,
                sample_index,
            ),
        })
    }

    /// Decode every record into the owned form.
    pub fn to_owned_sample(&self) -> Result<CounterSample, DecodeError> {
        // Sized once from the declared count, capped by what the bytes can hold.
        let iter = self.records.iter();
        let mut records = Vec::with_capacity(iter.size_hint().1.unwrap_or(0));
        for r in iter {
            records.push(r?);
        }
        Ok(CounterSample {
            expanded: self.expanded,
            sequence_number: self.sequence_number,
            source_id: self.source_id,
            records,
        })
    }
}

impl CounterSample {
    /// Decode a sample body into the owned form.
    pub fn decode(
        r: &mut Reader<'_>,
        expanded: bool,
        sample_index: usize,
    ) -> Result<Self, DecodeError> {
        CounterSampleView::decode_view(r, expanded, sample_index)?.to_owned_sample()
    }

    /// The sample's `data_format` (2 or 4).
    pub fn data_format(&self) -> u32 {
        if self.expanded {
            4
        } else {
            2
        }
    }

    /// Encode the whole sample: `data_format`, `length`, body.
    pub fn encode(&self, out: &mut BytesMut) {
        let at = xdr::begin_tlv(out, self.data_format());
        out.put_u32(self.sequence_number);
        self.source_id.encode(self.expanded, out);
        out.put_u32(self.records.len() as u32);
        for rec in &self.records {
            rec.encode(out);
        }
        xdr::end_tlv(out, at);
    }
}
