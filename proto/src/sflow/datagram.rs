//! `sample_datagram_v5`: the datagram header and its samples.
//!
//! ```text
//! version          u32  (5)
//! agent_address    address  (type u32: 0 unknown, 1 IPv4 + 4 bytes, 2 IPv6 + 16 bytes)
//! sub_agent_id     u32
//! sequence_number  u32
//! uptime           u32  (ms)
//! samples          sample_record<>   (count u32, then data_format, length, body ...)
//! ```

use std::net::IpAddr;

use bytes::{BufMut, Bytes, BytesMut};

use super::counter_record::CounterRecord;
use super::counter_sample::{CounterSample, CounterSampleView};
use super::flow_record::FlowRecord;
use super::flow_sample::{FlowSample, FlowSampleView};
use super::{sample_context, xdr, DataFormat, UnknownSample, VERSION};
use crate::error::{DecodeError, DecodeErrorKind};
use crate::reader::Reader;

const CONTEXT: &str = "sflow datagram";

/// A decoded datagram, owned.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Datagram {
    /// The agent's address (`None` if the agent sent address type 0, "unknown").
    pub agent: Option<IpAddr>,
    /// Distinguishes sub-agents of one agent (OVS: one per bridge).
    pub sub_agent_id: u32,
    /// Incremented per datagram by each sub-agent; gaps mean lost datagrams.
    pub sequence_number: u32,
    /// Agent uptime in milliseconds.
    pub uptime_ms: u32,
    /// The samples, in wire order.
    pub samples: Vec<Sample>,
    /// How many samples and records were of types this decoder does not interpret.
    pub unknown: UnknownCounts,
}

/// Counts of content kept as `Unknown` values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnknownCounts {
    /// Samples other than 0:1 - 0:4.
    pub samples: u32,
    /// Flow records other than those in [`FlowRecord`].
    pub flow_records: u32,
    /// Counter records other than those in [`CounterRecord`].
    pub counter_records: u32,
}

/// One sample, owned.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sample {
    /// 0:1 or 0:3.
    Flow(FlowSample),
    /// 0:2 or 0:4.
    Counter(CounterSample),
    /// Anything else, verbatim.
    Unknown(UnknownSample),
}

impl Sample {
    /// Encode the whole sample.
    pub fn encode(&self, out: &mut BytesMut) {
        match self {
            Sample::Flow(s) => s.encode(out),
            Sample::Counter(s) => s.encode(out),
            Sample::Unknown(u) => {
                let f = DataFormat {
                    enterprise: u.enterprise,
                    format: u.format,
                };
                let at = xdr::begin_tlv(out, f.to_u32());
                out.put_slice(&u.body);
                xdr::end_tlv(out, at);
            }
        }
    }
}

impl Datagram {
    /// Decode a whole datagram (a UDP payload).
    pub fn decode(buf: &Bytes) -> Result<Datagram, DecodeError> {
        let view = DatagramView::parse(buf)?;
        let mut unknown = UnknownCounts::default();
        let mut samples = Vec::with_capacity(view.samples().size_hint().1.unwrap_or(0));
        for s in view.samples() {
            let s = match s? {
                SampleView::Flow(f) => {
                    let f = f.to_owned_sample()?;
                    unknown.flow_records +=
                        count(&f.records, |r| matches!(r, FlowRecord::Unknown(_)));
                    Sample::Flow(f)
                }
                SampleView::Counter(c) => {
                    let c = c.to_owned_sample()?;
                    unknown.counter_records +=
                        count(&c.records, |r| matches!(r, CounterRecord::Unknown(_)));
                    Sample::Counter(c)
                }
                SampleView::Unknown(u) => {
                    unknown.samples += 1;
                    Sample::Unknown(u)
                }
            };
            samples.push(s);
        }
        Ok(Datagram {
            agent: view.agent,
            sub_agent_id: view.sub_agent_id,
            sequence_number: view.sequence_number,
            uptime_ms: view.uptime_ms,
            samples,
            unknown,
        })
    }

    /// Encode the datagram.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_u32(VERSION);
        xdr::put_address(out, self.agent);
        out.put_u32(self.sub_agent_id);
        out.put_u32(self.sequence_number);
        out.put_u32(self.uptime_ms);
        out.put_u32(self.samples.len() as u32);
        for s in &self.samples {
            s.encode(out);
        }
    }

    /// Flow samples only.
    pub fn flow_samples(&self) -> impl Iterator<Item = &FlowSample> {
        self.samples.iter().filter_map(|s| match s {
            Sample::Flow(f) => Some(f),
            _ => None,
        })
    }

    /// Counter samples only.
    pub fn counter_samples(&self) -> impl Iterator<Item = &CounterSample> {
        self.samples.iter().filter_map(|s| match s {
            Sample::Counter(c) => Some(c),
            _ => None,
        })
    }
}

fn count<T>(items: &[T], pred: impl Fn(&T) -> bool) -> u32 {
    items.iter().filter(|x| pred(x)).count() as u32
}

/// The datagram header, with its samples not yet decoded: the allocation-free hot path.
#[derive(Debug, Clone)]
pub struct DatagramView<'a> {
    /// The agent's address (`None` = address type 0).
    pub agent: Option<IpAddr>,
    /// Sub-agent id.
    pub sub_agent_id: u32,
    /// Datagram sequence number.
    pub sequence_number: u32,
    /// Agent uptime in milliseconds.
    pub uptime_ms: u32,
    /// The sample count the datagram declares.
    pub num_samples: u32,
    rest: Reader<'a>,
}

impl<'a> DatagramView<'a> {
    /// Read the datagram header. Fails on anything but version 5 and on a truncated header;
    /// the samples are checked as they are iterated.
    pub fn parse(buf: &'a Bytes) -> Result<DatagramView<'a>, DecodeError> {
        let mut r = Reader::new(buf, CONTEXT);
        let version = r.u32("sample_datagram_v5.version")?;
        if version != VERSION {
            let kind = match u8::try_from(version) {
                Ok(version) => DecodeErrorKind::BadVersion { version },
                Err(_) => DecodeErrorKind::BadValue {
                    value: u64::from(version),
                },
            };
            return Err(r.error_at(0, "sample_datagram_v5.version", kind));
        }
        let agent = xdr::read_address(&mut r, "sample_datagram_v5.agent_address")?;
        let sub_agent_id = r.u32("sample_datagram_v5.sub_agent_id")?;
        let sequence_number = r.u32("sample_datagram_v5.sequence_number")?;
        let uptime_ms = r.u32("sample_datagram_v5.uptime")?;
        let num_samples = r.u32("sample_datagram_v5.samples_count")?;
        Ok(DatagramView {
            agent,
            sub_agent_id,
            sequence_number,
            uptime_ms,
            num_samples,
            rest: r,
        })
    }

    /// Iterate over the samples.
    pub fn samples(&self) -> SampleIter<'a> {
        SampleIter {
            r: self.rest.clone(),
            left: self.num_samples,
            index: 0,
        }
    }
}

/// One sample, borrowing the datagram.
#[derive(Debug, Clone)]
pub enum SampleView<'a> {
    /// 0:1 or 0:3.
    Flow(FlowSampleView<'a>),
    /// 0:2 or 0:4.
    Counter(CounterSampleView<'a>),
    /// Anything else, verbatim.
    Unknown(UnknownSample),
}

/// Iterator over a datagram's samples. Yields `Err` once and then stops.
#[derive(Debug, Clone)]
pub struct SampleIter<'a> {
    r: Reader<'a>,
    left: u32,
    index: usize,
}

impl<'a> Iterator for SampleIter<'a> {
    type Item = Result<SampleView<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        self.index += 1;
        self.r.set_context(sample_context(self.index));
        let res = self.decode_one();
        if res.is_err() {
            self.left = 0;
        }
        Some(res)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // Every sample takes at least 8 bytes, whatever the declared count says.
        let max = (self.left as usize).min(self.r.remaining() / 8 + 1);
        (0, Some(max))
    }
}

impl<'a> SampleIter<'a> {
    fn decode_one(&mut self) -> Result<SampleView<'a>, DecodeError> {
        let (format, _, mut body) = xdr::read_tlv(
            &mut self.r,
            "sample_record.data_format",
            "sample_record.length",
        )?;
        let f = DataFormat::from_u32(format);
        let i = self.index;
        Ok(match (f.enterprise, f.format) {
            (0, 1) => SampleView::Flow(FlowSampleView::decode_view(&mut body, false, i)?),
            (0, 3) => SampleView::Flow(FlowSampleView::decode_view(&mut body, true, i)?),
            (0, 2) => SampleView::Counter(CounterSampleView::decode_view(&mut body, false, i)?),
            (0, 4) => SampleView::Counter(CounterSampleView::decode_view(&mut body, true, i)?),
            _ => SampleView::Unknown(UnknownSample {
                enterprise: f.enterprise,
                format: f.format,
                body: body.rest(),
            }),
        })
    }
}

#[cfg(test)]
#[path = "datagram_tests.rs"]
mod tests;
