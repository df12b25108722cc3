//! Embedded collector throughput on one core: flow samples aggregated per second.
//!
//! 1. `engine`: pre-built samples into `Engine::handle_sample` (the PyTapDEMon `tcp` flow
//!    plus a byFlow threshold), 1000 live flows.
//! 2. `decode+engine`: OVS-like datagrams (6 flow samples with 128-byte Ethernet/IPv4/TCP
//!    headers) through `adapter::feed_datagram`, i.e. decode, header parse and aggregation.
//! 3. `new-key flood`: every sample a new flow, against the `maxFlows` cap (10 000):
//!    the eviction path.
//! 4. `flood mix`: what the flood test (`tests/collector_flood.rs`) sends, half garbage
//!    (noise, truncated datagrams, NetFlow headers) and half OVS-like datagrams, through
//!    `feed_datagram`: datagrams per second the engine thread can take.
//!
//! Time is this thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`; "per core" on a shared,
//! loaded machine), wall time beside it. Each case prints a human line and a
//! `RESULT case=.. datagrams=.. samples=.. cpu_s=.. wall_s=..` line `scripts/bench.sh` reads.
//!
//! Run: `cargo bench --bench collector_engine [CASE]` (CASE: run only the cases whose
//! name contains it, e.g. `decode` for profiling one case with `perf record`).

use std::hint::black_box;
use std::net::IpAddr;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use proto::sflow::{
    DataSource, Datagram, FlowRecord, FlowSample, HeaderProtocol, Interface, Sample, SampledHeader,
    UnknownCounts,
};
use tapdemon::collector::adapter::feed_datagram;
use tapdemon::collector::flow_def::{FlowDefConfig, ThresholdDefConfig};
use tapdemon::collector::{Engine, PacketSample};

const T0: u64 = 1_700_000_000_000;

fn engine() -> Engine {
    let mut e = Engine::new();
    let flow: FlowDefConfig = serde_json::from_str(
        r#"{"keys":"ipsource,ipdestination,tcpsourceport,tcpdestinationport","value":"bytes"}"#,
    )
    .unwrap();
    e.set_flow("tcp", &flow).unwrap();
    e.set_threshold(
        "web",
        &ThresholdDefConfig {
            metric: "tcp".into(),
            value: 1e12,
            by_flow: true,
            timeout: 10.0,
        },
    )
    .unwrap();
    e
}

fn sample(i: u32) -> PacketSample {
    let mut s = PacketSample::new(IpAddr::from([127, 0, 0, 1]));
    s.source_id = 1 + i % 8;
    s.sampling_rate = 1;
    s.frame_length = 1518;
    s.ethertype = Some(0x0800);
    s.ip_src = Some(IpAddr::from([10, 0, (i >> 8) as u8, i as u8]));
    s.ip_dst = Some(IpAddr::from([10, 0, 1, 9]));
    s.ip_protocol = Some(6);
    s.src_port = Some(40000 + (i % 1000) as u16);
    s.dst_port = Some(80);
    s
}

fn tcp_frame(i: u8) -> Bytes {
    let mut f = vec![0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, i, 0x08, 0x00];
    f.extend_from_slice(&[0x45, 0, 0x05, 0xdc, 0, 1, 0x40, 0, 64, 6, 0, 0]);
    f.extend_from_slice(&[10, 0, 0, i, 10, 0, 1, 9]);
    f.extend_from_slice(&(40000 + u16::from(i)).to_be_bytes());
    f.extend_from_slice(&80u16.to_be_bytes());
    f.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x10, 0xff, 0xff, 0, 0, 0, 0]);
    f.resize(128, 0x5a);
    Bytes::from(f)
}

fn datagram(seq: u32) -> Bytes {
    let samples = (0..6u8)
        .map(|k| {
            let i = (seq as u8).wrapping_mul(6).wrapping_add(k);
            Sample::Flow(FlowSample {
                expanded: false,
                sequence_number: seq,
                source_id: DataSource {
                    source_type: 0,
                    index: 1000,
                },
                sampling_rate: 1,
                sample_pool: seq,
                drops: 0,
                input: Interface::Index(1 + u32::from(i % 8)),
                output: Interface::Index(9),
                records: vec![FlowRecord::SampledHeader(SampledHeader {
                    protocol: HeaderProtocol::Ethernet,
                    frame_length: 1518,
                    stripped: 4,
                    header: tcp_frame(i),
                })],
            })
        })
        .collect();
    let d = Datagram {
        agent: Some(IpAddr::from([127, 0, 0, 1])),
        sub_agent_id: 1,
        sequence_number: seq,
        uptime_ms: seq,
        samples,
        unknown: UnknownCounts::default(),
    };
    let mut out = BytesMut::new();
    d.encode(&mut out);
    out.freeze()
}

/// Seconds of CPU time used by this thread (wall time where that clock is missing).
fn thread_cpu_s() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0 {
        return ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9;
    }
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64()
}

/// The start of a measurement: wall clock and thread CPU clock.
struct Start(Instant, f64);

fn start() -> Start {
    Start(Instant::now(), thread_cpu_s())
}

fn report(name: &str, datagrams: u64, samples: u64, start: Start) {
    let wall = start.0.elapsed().as_secs_f64();
    let cpu = thread_cpu_s() - start.1;
    println!(
        "{name:<16} {datagrams:>9} datagrams, {samples:>9} flow samples in {cpu:.3} cpu-s ({wall:.3} s wall) = {:>6.2} M flow samples/cpu-s, {:>6.2} M datagrams/cpu-s",
        samples as f64 / cpu / 1e6,
        datagrams as f64 / cpu / 1e6,
    );
    println!(
        "RESULT case={} datagrams={datagrams} samples={samples} cpu_s={cpu:.6} wall_s={wall:.6}",
        name.replace(' ', "_")
    );
}

/// Garbage the way a flood brings it: noise, a truncated datagram, a NetFlow v5 header.
fn garbage(k: u32) -> Bytes {
    match k % 3 {
        0 => Bytes::from(vec![0xa5; 1200]),
        1 => datagram(k).slice(..60),
        _ => Bytes::from_static(&[0, 5, 0, 1, 0, 0, 0, 0]),
    }
}

fn main() {
    const N: u32 = 2_000_000;
    // `cargo bench` passes `--bench`; anything else selects cases by name.
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let run = |case: &str| only.as_deref().is_none_or(|o| case.contains(o));

    if run("engine") {
        engine_case(N);
    }
    let dgrams: Vec<Bytes> = (0..256).map(datagram).collect();
    if run("decode+engine") {
        decode_engine_case(N, &dgrams);
    }
    if run("new-key flood") {
        new_key_case(N);
    }
    if run("flood mix") {
        flood_mix_case(N, &dgrams);
    }
}

const PEER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

fn engine_case(n_total: u32) {
    let samples: Vec<PacketSample> = (0..1000).map(sample).collect();
    let mut e = engine();
    let t = start();
    for i in 0..n_total {
        // 10 µs apart: 100k samples/s of simulated time
        e.handle_sample(T0 + u64::from(i / 100), &samples[(i % 1000) as usize]);
    }
    report("engine", 0, u64::from(n_total), t);
    black_box(e.top_flows(T0 + 20_000, "tcp", 5));
}

fn decode_engine_case(n_total: u32, dgrams: &[Bytes]) {
    let mut e = engine();
    let n = n_total / 6;
    let t = start();
    for i in 0..n {
        feed_datagram(
            &mut e,
            T0 + u64::from(i / 20),
            PEER,
            &dgrams[(i % 256) as usize],
        )
        .unwrap();
    }
    report("decode+engine", u64::from(n), u64::from(n) * 6, t);
    black_box(e.top_flows(T0 + 20_000, "tcp", 5));
}

fn new_key_case(n_total: u32) {
    let mut e = engine();
    let mut s = sample(0);
    let n = n_total / 4;
    let t = start();
    for i in 0..n {
        s.ip_src = Some(IpAddr::from(i.to_be_bytes()));
        e.handle_sample(T0 + u64::from(i / 100), &s);
    }
    report("new-key flood", 0, u64::from(n), t);
    let (live, evicted) = e.flow_counts("tcp").unwrap();
    println!("new-key flood    live flows {live}, evicted {evicted}");
}

fn flood_mix_case(n_total: u32, dgrams: &[Bytes]) {
    let mut e = engine();
    let mix: Vec<Bytes> = (0..256u32)
        .map(|k| {
            if k % 2 == 0 {
                garbage(k / 2)
            } else {
                dgrams[k as usize].clone()
            }
        })
        .collect();
    let n = n_total / 2;
    let mut samples = 0u64;
    let t = start();
    for i in 0..n {
        if let Ok(s) = feed_datagram(
            &mut e,
            T0 + u64::from(i / 100),
            PEER,
            &mix[(i % 256) as usize],
        ) {
            samples += u64::from(s.flow_samples);
        }
    }
    report("flood mix", u64::from(n), samples, t);
}
