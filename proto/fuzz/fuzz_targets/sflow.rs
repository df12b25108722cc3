//! sFlow v5 decoder on arbitrary bytes: never panics (owned and borrowing forms, sampled
//! header parsing), and whatever decodes re-encodes and decodes to the same datagram.
#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use tapdemon_proto::sflow::{Datagram, DatagramView, FlowRecord, SampleView};

fn check(buf: &Bytes) {
    // The collector's hot path: walk every sample and record, parse sampled headers.
    if let Ok(view) = DatagramView::parse(buf) {
        for sample in view.samples() {
            match sample {
                Ok(SampleView::Flow(fs)) => {
                    for rec in fs.records.iter() {
                        if let Ok(FlowRecord::SampledHeader(h)) = rec {
                            let _ = h.decode_header();
                        }
                    }
                }
                Ok(SampleView::Counter(cs)) => {
                    for rec in cs.records.iter() {
                        let _ = rec;
                    }
                }
                Ok(SampleView::Unknown(_)) | Err(_) => {}
            }
        }
    }
    let Ok(dgram) = Datagram::decode(buf) else {
        return;
    };
    let mut out = BytesMut::new();
    dgram.encode(&mut out);
    match Datagram::decode(&out.freeze()) {
        Ok(again) => assert_eq!(again, dgram, "round trip changed the datagram"),
        Err(e) => panic!("re-encoded datagram does not decode: {e}\n{dgram:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    check(&Bytes::copy_from_slice(data));
    // With a valid version word, so the fuzzer spends its time past the header.
    if data.len() >= 4 {
        let mut v = data.to_vec();
        v[..4].copy_from_slice(&5u32.to_be_bytes());
        check(&Bytes::from(v));
    }
});
