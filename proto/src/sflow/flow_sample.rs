//! Flow samples: `flow_sample` (0:1) and `flow_sample_expanded` (0:3).
//!
//! ```text
//! flow_sample (compact)              flow_sample_expanded
//! sequence_number    u32             sequence_number    u32
//! source_id          u32 (type:8|index:24)   source_id_type, source_id_index  u32, u32
//! sampling_rate      u32             sampling_rate      u32
//! sample_pool        u32             sample_pool        u32
//! drops              u32             drops              u32
//! input              u32 (fmt:2|value:30)    input  format, value   u32, u32
//! output             u32             output format, value   u32, u32
//! flow_records       flow_record<>   flow_records       flow_record<>
//! ```

use bytes::{BufMut, BytesMut};

use super::flow_record::FlowRecord;
use super::interface::{DataSource, Interface};
use super::records::FlowRecords;
use super::xdr;
use crate::error::DecodeError;
use crate::reader::Reader;

/// A flow sample, with its records in `R`: a `Vec<FlowRecord>` for the owned form, or
/// [`FlowRecords`] (decoded on iteration) for [`FlowSampleView`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FlowSample<R = Vec<FlowRecord>> {
    /// True for `flow_sample_expanded` (0:3).
    pub expanded: bool,
    /// Incremented with each flow sample from this source.
    pub sequence_number: u32,
    /// Where the sample was taken.
    pub source_id: DataSource,
    /// 1 in N packets is sampled.
    pub sampling_rate: u32,
    /// Packets that could have been sampled (total seen).
    pub sample_pool: u32,
    /// Samples dropped for lack of resources.
    pub drops: u32,
    /// Interface the packet came in on.
    pub input: Interface,
    /// Interface(s) it went out of.
    pub output: Interface,
    /// The flow records.
    pub records: R,
}

/// The borrowing form: records are decoded as they are iterated.
pub type FlowSampleView<'a> = FlowSample<FlowRecords<'a>>;

impl<'a> FlowSampleView<'a> {
    /// Decode the fixed part of a sample body. `r` covers exactly the body; `sample_index`
    /// (1-based) names the sample in errors.
    pub fn decode_view(
        r: &mut Reader<'a>,
        expanded: bool,
        sample_index: usize,
    ) -> Result<Self, DecodeError> {
        let sequence_number = r.u32("flow_sample.sequence_number")?;
        let source_id = DataSource::decode(r, expanded)?;
        let sampling_rate = r.u32("flow_sample.sampling_rate")?;
        let sample_pool = r.u32("flow_sample.sample_pool")?;
        let drops = r.u32("flow_sample.drops")?;
        let (input, output) = if expanded {
            (
                Interface::decode_expanded(r, "flow_sample_expanded.input")?,
                Interface::decode_expanded(r, "flow_sample_expanded.output")?,
            )
        } else {
            (
                Interface::decode_compact(r, "flow_sample.input")?,
                Interface::decode_compact(r, "flow_sample.output")?,
            )
        };
        let count = r.u32("flow_sample.flow_records_count")?;
        let records = FlowRecords::new(
            r.sub(r.remaining(), "flow_sample.flow_records")?,
            count,
            sample_index,
        );
        Ok(FlowSample {
            expanded,
            sequence_number,
            source_id,
            sampling_rate,
            sample_pool,
            drops,
            input,
            output,
            records,
        })
    }

    /// Decode every record into the owned form.
    pub fn to_owned_sample(&self) -> Result<FlowSample, DecodeError> {
        // Sized once from the declared count, capped by what the bytes can hold.
        let iter = self.records.iter();
        let mut records = Vec::with_capacity(iter.size_hint().1.unwrap_or(0));
        for r in iter {
            records.push(r?);
        }
        Ok(self.with_records(records))
    }

    /// The same sample header with other records.
    pub fn with_records<T>(&self, records: T) -> FlowSample<T> {
        FlowSample {
            expanded: self.expanded,
            sequence_number: self.sequence_number,
            source_id: self.source_id,
            sampling_rate: self.sampling_rate,
            sample_pool: self.sample_pool,
            drops: self.drops,
            input: self.input,
            output: self.output,
            records,
        }
    }
}

impl FlowSample {
    /// Decode a sample body into the owned form.
    pub fn decode(
        r: &mut Reader<'_>,
        expanded: bool,
        sample_index: usize,
    ) -> Result<Self, DecodeError> {
        FlowSampleView::decode_view(r, expanded, sample_index)?.to_owned_sample()
    }

    /// The sample's `data_format` (1 or 3).
    pub fn data_format(&self) -> u32 {
        if self.expanded {
            3
        } else {
            1
        }
    }

    /// Encode the whole sample: `data_format`, `length`, body.
    pub fn encode(&self, out: &mut BytesMut) {
        let at = xdr::begin_tlv(out, self.data_format());
        out.put_u32(self.sequence_number);
        self.source_id.encode(self.expanded, out);
        out.put_u32(self.sampling_rate);
        out.put_u32(self.sample_pool);
        out.put_u32(self.drops);
        self.input.encode(self.expanded, out);
        self.output.encode(self.expanded, out);
        out.put_u32(self.records.len() as u32);
        for rec in &self.records {
            rec.encode(out);
        }
        xdr::end_tlv(out, at);
    }
}
