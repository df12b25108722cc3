//! Issue 2's codec targets: decode PACKET_IN and encode FLOW_MOD, OpenFlow 1.0 and 1.3,
//! at most 100 ns per message on the project machine. `scripts/bench.sh` runs this and
//! writes BENCHMARKS.md; by hand: `cargo bench -p tapdemon-proto --bench openflow`.
//!
//! Shapes: a PACKET_IN carrying a 128-byte Ethernet/IPv4/TCP frame (OF1.3: with an
//! in_port OXM match); a FLOW_MOD with a 5-field match (in_port, eth_type, ip_proto,
//! ipv4_dst/24, tcp_dst) and two output actions (OF1.3: in an apply-actions instruction).
//!
//! Peer measured in the same run: `rust_ofp` (crates.io, OpenFlow 1.0 only, the one
//! OpenFlow codec crate that builds today), on the same bytes / the same flow. It has no
//! OF1.3, so the 1.3 figures have no peer. Its `Message::parse` prints to stdout, so the
//! body-level `MessageType::parse` / `marshal` are used (the fastest path it offers).
//!
//! Benchmark ids are `<case>/<implementation>`; `scripts/bench.sh` reads
//! `target/criterion/<case>/<implementation>/new/estimates.json`.
//!
//! Clock: the benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`) by default, because the
//! project machine is 2 cores shared by several builds and wall time mostly measures how long
//! the thread waited for a core. `BENCH_CLOCK=wall` uses criterion's wall clock instead.

use std::hint::black_box;
use std::net::Ipv4Addr;

use bytes::{Bytes, BytesMut};
use criterion::measurement::Measurement;
use criterion::{BatchSize, Criterion};
use tapdemon_proto::flow::{self, Masked};
use tapdemon_proto::{of10, of13};

#[path = "common/thread_cpu.rs"]
mod thread_cpu;
use thread_cpu::ThreadCpu;

/// 128 bytes: Ethernet, IPv4, TCP, HTTP-ish payload (checksums are not looked at).
fn frame() -> Bytes {
    let mut f = vec![0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 8, 0x08, 0x00];
    f.extend_from_slice(&[0x45, 0, 0, 114, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0]);
    f.extend_from_slice(&[10, 0, 0, 8, 10, 0, 0, 9]);
    f.extend_from_slice(&[
        0xc3, 0x50, 0, 80, 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x18, 0xfa, 0xf0,
    ]);
    f.extend_from_slice(&[0, 0, 0, 0]);
    f.resize(128, b'x');
    Bytes::from(f)
}

fn neutral_flow_mod() -> flow::FlowMod {
    let m = flow::Match {
        in_port: Some(3),
        eth_type: Some(0x0800),
        ip_proto: Some(6),
        ipv4_dst: Some(Masked {
            value: Ipv4Addr::new(10, 0, 0, 0),
            mask: Some(Ipv4Addr::new(255, 255, 255, 0)),
        }),
        tp_dst: Some(80),
        ..flow::Match::default()
    };
    let out = |n| flow::Action::Output {
        port: flow::PortNo::Number(n),
        max_len: 0,
    };
    flow::FlowMod {
        hard_timeout: 120,
        cookie: 0x7461_7000_0000_0001,
        ..flow::FlowMod::add(m, vec![out(3), out(7)], 100)
    }
}

fn packet_in_10() -> Bytes {
    let f = frame();
    of10::Message::PacketIn(of10::PacketIn {
        buffer_id: 0x100,
        total_len: f.len() as u16,
        in_port: of10::PortNo(3),
        reason: of10::PacketInReason::NoMatch,
        data: f,
    })
    .to_bytes(1)
    .unwrap()
}

fn packet_in_13() -> Bytes {
    use of13::oxm::Oxm;
    let f = frame();
    of13::Message::PacketIn(of13::PacketIn {
        buffer_id: of13::consts::OFP_NO_BUFFER,
        total_len: f.len() as u16,
        reason: of13::packet_in::PacketInReason::NoMatch,
        table_id: 0,
        cookie: 0,
        match_: of13::match_::Match::from_fields(&[Oxm::InPort(Masked::exact(3))]).unwrap(),
        data: f,
    })
    .to_bytes(1)
    .unwrap()
}

fn decode_packet_in<M: Measurement>(c: &mut Criterion<M>) {
    let bytes = packet_in_10();
    let mut g = c.benchmark_group("of10_decode_packet_in");
    g.bench_function("tapdemon", |b| {
        b.iter(|| of10::Message::decode(black_box(&bytes)).unwrap())
    });
    g.bench_function("rust_ofp", |b| {
        use rust_ofp::ofp_header::OfpHeader;
        use rust_ofp::openflow0x01::{MessageType, PacketIn};
        b.iter(|| {
            let buf: &[u8] = black_box(&bytes);
            let mut hdr = [0u8; 8];
            hdr.copy_from_slice(&buf[..8]);
            let h = OfpHeader::parse(hdr);
            (h.xid(), PacketIn::parse(&buf[8..h.length()]))
        })
    });
    g.finish();

    let bytes = packet_in_13();
    let mut g = c.benchmark_group("of13_decode_packet_in");
    g.bench_function("tapdemon", |b| {
        b.iter(|| of13::Message::decode(black_box(&bytes)).unwrap())
    });
    g.finish();
}

fn encode_flow_mod<M: Measurement>(c: &mut Criterion<M>) {
    let neutral = neutral_flow_mod();
    let fm10 = of10::Message::FlowMod(neutral.to_of10().unwrap());
    let fm13 = of13::Message::FlowMod(neutral.to_of13().unwrap());
    let mut out = BytesMut::with_capacity(256);

    let mut g = c.benchmark_group("of10_encode_flow_mod");
    g.bench_function("tapdemon", |b| {
        b.iter(|| {
            out.clear();
            black_box(&fm10).encode(7, &mut out).unwrap();
        })
    });
    g.bench_function("tapdemon_from_neutral", |b| {
        b.iter(|| {
            out.clear();
            let m = of10::Message::FlowMod(black_box(&neutral).to_of10().unwrap());
            m.encode(7, &mut out).unwrap();
        })
    });
    g.bench_function("rust_ofp", |b| {
        use rust_ofp::ofp_header::OfpHeader;
        use rust_ofp::openflow0x01::{
            Action, FlowMod, FlowModCmd, Mask, MessageType, Pattern, PseudoPort, Timeout,
        };
        let mut buf: Vec<u8> = Vec::with_capacity(256);
        // rust_ofp's marshal consumes the message and it is not Clone: build it in the
        // (untimed) setup.
        let make = || FlowMod {
            command: FlowModCmd::AddFlow,
            pattern: Pattern {
                in_port: Some(3),
                dl_typ: Some(0x0800),
                nw_proto: Some(6),
                nw_dst: Some(Mask {
                    value: 0x0a00_0000,
                    mask: Some(8),
                }),
                tp_dst: Some(80),
                dl_src: None,
                dl_dst: None,
                dl_vlan: None,
                dl_vlan_pcp: None,
                nw_src: None,
                nw_tos: None,
                tp_src: None,
            },
            priority: 100,
            actions: vec![
                Action::Output(PseudoPort::PhysicalPort(3)),
                Action::Output(PseudoPort::PhysicalPort(7)),
            ],
            cookie: 0x7461_7000_0000_0001,
            idle_timeout: Timeout::Permanent,
            hard_timeout: Timeout::ExpiresAfter(120),
            notify_when_removed: false,
            apply_to_packet: None,
            out_port: None,
            check_overlap: false,
        };
        b.iter_batched(
            make,
            |fm| {
                // What its `Message::marshal` does, into a reused buffer.
                buf.clear();
                let len = OfpHeader::size() + FlowMod::size_of(&fm);
                OfpHeader::marshal(&mut buf, OfpHeader::new(1, 14, len as u16, 7));
                FlowMod::marshal(fm, &mut buf);
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();

    let mut g = c.benchmark_group("of13_encode_flow_mod");
    g.bench_function("tapdemon", |b| {
        b.iter(|| {
            out.clear();
            black_box(&fm13).encode(7, &mut out).unwrap();
        })
    });
    g.bench_function("tapdemon_from_neutral", |b| {
        b.iter(|| {
            out.clear();
            let m = of13::Message::FlowMod(black_box(&neutral).to_of13().unwrap());
            m.encode(7, &mut out).unwrap();
        })
    });
    g.finish();
}

fn main() {
    if std::env::var("BENCH_CLOCK").as_deref() == Ok("wall") {
        let mut c = Criterion::default().configure_from_args();
        decode_packet_in(&mut c);
        encode_flow_mod(&mut c);
        c.final_summary();
    } else {
        let mut c = Criterion::default()
            .with_measurement(ThreadCpu)
            .configure_from_args();
        decode_packet_in(&mut c);
        encode_flow_mod(&mut c);
        c.final_summary();
    }
}
