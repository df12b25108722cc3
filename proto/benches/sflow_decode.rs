//! sFlow decode throughput, in flow samples per second, side by side with the `sflow-parser`
//! crate on the same datagrams in the same run.
//!
//! "Decode" means what a collector does per datagram: the datagram header, every sample and
//! record, and the sampled packet header down to the transport ports. sflow-parser stops at
//! the raw header bytes, so it is measured twice: bare, and followed by the same etherparse
//! header decode we use (the fair comparison).
//!
//! Datasets: the 72 corpus datagrams (`$TAPDEMON_CONFORMANCE_DIR/sflow/raw/*.bin`) and an
//! OVS-like datagram (6 flow samples, each extended switch + a 128-byte Ethernet/IPv4/TCP
//! header; the shape `ovs-vsctl ... header=128` produces).
//!
//! Time is this thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), not wall time: the
//! build machines are shared and heavily loaded, and CPU time leaves out the time the thread
//! waits for a core, which is what "samples per second per core" means. Where that clock is
//! missing it falls back to wall time.
//!
//! Run: `cargo bench -p tapdemon-proto --bench sflow_decode`

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tapdemon_proto::sflow::{
    DataSource, Datagram, DatagramView, DecodedHeader, ExtendedSwitch, FlowRecord, FlowSample,
    HeaderProtocol, Interface, Sample, SampleView, SampledHeader, UnknownCounts,
};

#[path = "common/thread_cpu.rs"]
mod thread_cpu;
use thread_cpu::ThreadCpu;

fn corpus() -> Vec<Bytes> {
    let base = std::env::var_os("TAPDEMON_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"));
    let dir = base.join("sflow/raw");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}; set TAPDEMON_CONFORMANCE_DIR to the directory holding sflow/",
                dir.display()
            )
        })
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "bin"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| Bytes::from(std::fs::read(p).expect("read corpus file")))
        .collect()
}

/// Ethernet / IPv4 / TCP with 74 bytes of payload: a 128-byte sampled header.
fn tcp_header(i: u8) -> Bytes {
    let b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, i], [2, 0, 0, 0, 0, 9])
        .ipv4([10, 0, 0, i], [10, 0, 1, 9], 64)
        .tcp(40000 + u16::from(i), 80, 1, 65535)
        .ack(1);
    let mut v = vec![];
    b.write(&mut v, &[0x5a; 74]).expect("build packet");
    Bytes::from(v)
}

fn ovs_like() -> Bytes {
    let samples = (1..=6u8)
        .map(|i| {
            Sample::Flow(FlowSample {
                expanded: false,
                sequence_number: u32::from(i),
                source_id: DataSource {
                    source_type: 0,
                    index: 5,
                },
                sampling_rate: 1,
                sample_pool: 1000,
                drops: 0,
                input: Interface::Index(5),
                output: Interface::Index(7),
                records: vec![
                    FlowRecord::ExtendedSwitch(ExtendedSwitch {
                        src_vlan: 0,
                        src_priority: 0,
                        dst_vlan: 0,
                        dst_priority: 0,
                    }),
                    FlowRecord::SampledHeader(SampledHeader {
                        protocol: HeaderProtocol::Ethernet,
                        frame_length: 1518,
                        stripped: 4,
                        header: tcp_header(i),
                    }),
                ],
            })
        })
        .collect();
    let d = Datagram {
        agent: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        sub_agent_id: 1,
        sequence_number: 1,
        uptime_ms: 1000,
        samples,
        unknown: UnknownCounts::default(),
    };
    let mut out = BytesMut::new();
    d.encode(&mut out);
    out.freeze()
}

/// Hot path: view API, every record, and every header decoded when `headers`. Returns the
/// flow samples seen.
fn ours_view(buf: &Bytes, headers: bool) -> usize {
    let Ok(v) = DatagramView::parse(buf) else {
        return 0;
    };
    let mut n = 0;
    for s in v.samples() {
        if let Ok(SampleView::Flow(f)) = s {
            n += 1;
            for r in &f.records {
                match r {
                    Ok(FlowRecord::SampledHeader(h)) if headers => {
                        black_box(h.decode_header());
                    }
                    r => {
                        black_box(r.ok());
                    }
                }
            }
        }
    }
    n
}

/// Owned form (what `sflow-print` builds), plus every header decoded.
fn ours_owned(buf: &Bytes) -> usize {
    let Ok(d) = Datagram::decode(buf) else {
        return 0;
    };
    let mut n = 0;
    for f in d.flow_samples() {
        n += 1;
        for r in &f.records {
            if let FlowRecord::SampledHeader(h) = r {
                black_box(h.decode_header());
            }
        }
    }
    black_box(d);
    n
}

fn theirs(buf: &[u8], headers: bool) -> usize {
    use sflow_parser::models::core::{FlowData, SampleData};
    let Ok(d) = sflow_parser::parse_datagram(buf) else {
        return 0;
    };
    let mut n = 0;
    for s in &d.samples {
        let records = match &s.sample_data {
            SampleData::FlowSample(f) => &f.flow_records,
            SampleData::FlowSampleExpanded(f) => &f.flow_records,
            _ => continue,
        };
        n += 1;
        if headers {
            for r in records {
                if let FlowData::SampledHeader(h) = &r.flow_data {
                    let p = HeaderProtocol::from_u32(h.protocol as u32);
                    black_box(DecodedHeader::parse(p, &h.header));
                }
            }
        }
    }
    black_box(d);
    n
}

fn bench_set(c: &mut Criterion<ThreadCpu>, name: &str, set: &[Bytes]) {
    let flow_samples: usize = set.iter().map(|b| ours_view(b, true)).sum();
    let theirs_samples: usize = set.iter().map(|b| theirs(b, false)).sum();
    println!(
        "{name}: {} datagrams, {flow_samples} flow samples (sflow-parser sees {theirs_samples})",
        set.len()
    );
    let mut g = c.benchmark_group(format!("sflow_decode/{name}"));
    g.throughput(Throughput::Elements(flow_samples as u64));
    g.bench_function("tapdemon view+headers", |b| {
        b.iter(|| {
            set.iter()
                .map(|d| ours_view(black_box(d), true))
                .sum::<usize>()
        })
    });
    g.bench_function("tapdemon view (no header decode)", |b| {
        b.iter(|| {
            set.iter()
                .map(|d| ours_view(black_box(d), false))
                .sum::<usize>()
        })
    });
    g.bench_function("tapdemon owned+headers", |b| {
        b.iter(|| set.iter().map(|d| ours_owned(black_box(d))).sum::<usize>())
    });
    g.bench_function("sflow-parser+headers", |b| {
        b.iter(|| {
            set.iter()
                .map(|d| theirs(black_box(d), true))
                .sum::<usize>()
        })
    });
    g.bench_function("sflow-parser (no header decode)", |b| {
        b.iter(|| {
            set.iter()
                .map(|d| theirs(black_box(d), false))
                .sum::<usize>()
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion<ThreadCpu>) {
    bench_set(c, "corpus", &corpus());
    bench_set(c, "ovs_like", &[ovs_like()]);
}

criterion_group! {
    name = sflow;
    config = Criterion::default().with_measurement(ThreadCpu);
    targets = benches
}
criterion_main!(sflow);
