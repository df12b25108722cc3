//! sFlow datagrams as an Open vSwitch agent would export them, for tests that feed the
//! embedded collector directly (no traffic needed).

use bytes::{Bytes, BytesMut};
use proto::sflow::{
    DataSource, Datagram, FlowRecord, FlowSample, HeaderProtocol, Interface, Sample, SampledHeader,
    UnknownCounts,
};

/// One datagram from agent 127.0.0.1 with one TCP packet 10.0.0.`src` -> 10.0.0.`dst`:80
/// (MACs 00:00:00:00:00:`src` -> ..:`dst`), sampled 1-in-1 on ifIndex `input` (its data
/// source) on its way out of `output`.
pub fn web_datagram(seq: u32, src: u8, dst: u8, input: u32, output: u32) -> Bytes {
    let mut frame = vec![0, 0, 0, 0, 0, dst, 0, 0, 0, 0, 0, src, 0x08, 0x00];
    frame.extend_from_slice(&[
        0x45, 0, 0x05, 0xdc, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, src, 10, 0, 0, dst,
    ]);
    frame.extend_from_slice(&[
        0xa0, 0x00, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0,
    ]);
    let sample = Sample::Flow(FlowSample {
        expanded: false,
        sequence_number: seq,
        source_id: DataSource {
            source_type: 0,
            index: input,
        },
        sampling_rate: 1,
        sample_pool: seq,
        drops: 0,
        input: Interface::Index(input),
        output: Interface::Index(output),
        records: vec![FlowRecord::SampledHeader(SampledHeader {
            protocol: HeaderProtocol::Ethernet,
            frame_length: 1518,
            stripped: 4,
            header: Bytes::from(frame),
        })],
    });
    let d = Datagram {
        agent: Some("127.0.0.1".parse().expect("an address")),
        sub_agent_id: 0,
        sequence_number: seq,
        uptime_ms: seq,
        samples: vec![sample],
        unknown: UnknownCounts::default(),
    };
    let mut out = BytesMut::new();
    d.encode(&mut out);
    out.freeze()
}
