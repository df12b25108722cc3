//! The record list of a flow or counter sample, decoded lazily: both sample kinds carry
//! `count` XDR TLVs (`data_format`, `length`, body) and differ only in how a body decodes.

use std::marker::PhantomData;

use super::counter_record::CounterRecord;
use super::flow_record::FlowRecord;
use super::{record_context, xdr};
use crate::error::DecodeError;
use crate::reader::Reader;

/// A record type of a sample's record list.
pub trait SampleRecord: Sized {
    /// Field names used in errors for the TLV header.
    const FORMAT_FIELD: &'static str;
    /// Field name of the TLV length, used in errors.
    const LENGTH_FIELD: &'static str;
    /// Decode one record body (`r` covers exactly the body) of the given format.
    fn decode_record(format: u32, r: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

impl SampleRecord for FlowRecord {
    const FORMAT_FIELD: &'static str = "flow_record.data_format";
    const LENGTH_FIELD: &'static str = "flow_record.length";
    fn decode_record(format: u32, r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        FlowRecord::decode(format, r)
    }
}

impl SampleRecord for CounterRecord {
    const FORMAT_FIELD: &'static str = "counter_record.data_format";
    const LENGTH_FIELD: &'static str = "counter_record.length";
    fn decode_record(format: u32, r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        CounterRecord::decode(format, r)
    }
}

/// The records of a sample view, not yet decoded.
#[derive(Debug, Clone)]
pub struct Records<'a, T> {
    r: Reader<'a>,
    count: u32,
    sample_index: usize,
    kind: PhantomData<fn() -> T>,
}

/// The flow records of a [`super::FlowSampleView`].
pub type FlowRecords<'a> = Records<'a, FlowRecord>;
/// The counter records of a [`super::CounterSampleView`].
pub type CounterRecords<'a> = Records<'a, CounterRecord>;

impl<'a, T: SampleRecord> Records<'a, T> {
    /// `r` covers the records; `sample_index` names the sample in errors.
    pub(crate) fn new(r: Reader<'a>, count: u32, sample_index: usize) -> Self {
        Records {
            r,
            count,
            sample_index,
            kind: PhantomData,
        }
    }

    /// The record count the sample declares.
    pub fn declared_count(&self) -> u32 {
        self.count
    }

    /// Iterate over the records, decoding each.
    pub fn iter(&self) -> RecordIter<'a, T> {
        RecordIter {
            r: self.r.clone(),
            left: self.count,
            index: 0,
            sample_index: self.sample_index,
            kind: PhantomData,
        }
    }
}

impl<'a, T: SampleRecord> IntoIterator for &Records<'a, T> {
    type Item = Result<T, DecodeError>;
    type IntoIter = RecordIter<'a, T>;
    fn into_iter(self) -> RecordIter<'a, T> {
        self.iter()
    }
}

/// Iterator over the records of a sample. Yields `Err` once and then stops.
#[derive(Debug, Clone)]
pub struct RecordIter<'a, T> {
    r: Reader<'a>,
    left: u32,
    index: usize,
    sample_index: usize,
    kind: PhantomData<fn() -> T>,
}

/// Iterator over the flow records of a sample.
pub type FlowRecordIter<'a> = RecordIter<'a, FlowRecord>;
/// Iterator over the counter records of a sample.
pub type CounterRecordIter<'a> = RecordIter<'a, CounterRecord>;

impl<T: SampleRecord> Iterator for RecordIter<'_, T> {
    type Item = Result<T, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        self.index += 1;
        self.r
            .set_context(record_context(self.sample_index, self.index));
        let res = xdr::read_tlv(&mut self.r, T::FORMAT_FIELD, T::LENGTH_FIELD)
            .and_then(|(format, _, mut body)| T::decode_record(format, &mut body));
        if res.is_err() {
            self.left = 0;
        }
        Some(res)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // Each record needs at least its 8-byte TLV header.
        let max = (self.left as usize).min(self.r.remaining() / 8 + 1);
        (0, Some(max))
    }
}
