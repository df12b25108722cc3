//! cbench-style load generator: N fake OpenFlow 1.0 switches against a controller.
//!
//! Each switch connects to HOST:PORT, says HELLO, answers FEATURES_REQUEST (with ports),
//! ECHO, GET_CONFIG, STATS (desc) and BARRIER requests, teaches the controller one
//! destination MAC on port 1, then sends PACKET_INs on port 2 from unique source MACs to
//! that destination. Every FLOW_MOD or PACKET_OUT that comes back is one response.
//!
//! - latency mode (default): one outstanding PACKET_IN per switch; the next one goes out
//!   when a response arrives, so responses/s measures round trips.
//! - throughput mode (`-t`): each switch keeps its TCP pipe full.
//!
//! Output follows cbench: one line per loop with per-switch responses/s and the total per
//! ms, then `RESULT: N switches L tests min/max/avg/stdev = ... responses/s` over the
//! loops after the warm-up, and the same for `ANSWERED` packet-ins: responses that release
//! a packet-in's buffer (a PACKET_OUT with `--unbuffered`). Controllers differ in how many
//! messages answer one packet-in (a FLOW_MOD carrying the buffer id, or a FLOW_MOD and a
//! PACKET_OUT), so `ANSWERED` compares them per packet-in.
//!
//! Run: `cargo bench --bench cbench -- --port 6653 -s 16 -l 10 -m 1000 [-t]`
//! (`benches/run-cbench.sh` does it against ovs-testcontroller).

mod wire;

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

#[derive(Parser, Debug, Clone)]
#[command(about = "cbench-style OpenFlow 1.0 controller benchmark")]
struct Args {
    /// Controller host.
    #[arg(short = 'c', long, default_value = "127.0.0.1")]
    controller: String,
    /// Controller port.
    #[arg(short = 'p', long, default_value_t = 6653)]
    port: u16,
    /// Number of fake switches.
    #[arg(short = 's', long, default_value_t = 16)]
    switches: u64,
    /// Number of measured loops (after the warm-up).
    #[arg(short = 'l', long, default_value_t = 10)]
    loops: usize,
    /// Length of one loop in milliseconds.
    #[arg(short = 'm', long, default_value_t = 1000)]
    ms: u64,
    /// Loops run first and left out of the result.
    #[arg(short = 'w', long, default_value_t = 1)]
    warmup: usize,
    /// Distinct source MACs per switch (cycled).
    #[arg(short = 'M', long, default_value_t = 100_000)]
    macs: u32,
    /// Ports announced in FEATURES_REPLY.
    #[arg(long, default_value_t = 4)]
    ports: u16,
    /// Throughput mode: keep the pipe full (default: latency, one packet-in in flight).
    #[arg(short = 't', long)]
    throughput: bool,
    /// Send unbuffered packet-ins (buffer_id = NO_BUFFER) instead of buffer ids.
    #[arg(long)]
    unbuffered: bool,
    /// Extra wait in ms after every switch finished its handshake.
    #[arg(short = 'D', long, default_value_t = 200)]
    delay: u64,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

/// What a switch's reader and writer share with the main loop.
struct Shared {
    responses: Vec<AtomicU64>,
    answered: Vec<AtomicU64>,
    ready: AtomicUsize,
    running: AtomicBool,
    closed: AtomicUsize,
    errors: AtomicU64,
}

#[derive(Debug, thiserror::Error)]
enum BenchError {
    #[error("cannot connect switch {dpid} to {addr}: {source}")]
    Connect {
        dpid: u64,
        addr: String,
        source: std::io::Error,
    },
    #[error("only {ready} of {total} switches finished the handshake within 10 s")]
    Handshake { ready: usize, total: u64 },
    #[error("every switch lost its connection")]
    AllClosed,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match rt.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cbench: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), BenchError> {
    let addr = format!("{}:{}", args.controller, args.port);
    let shared = Arc::new(Shared {
        responses: (0..args.switches).map(|_| AtomicU64::new(0)).collect(),
        answered: (0..args.switches).map(|_| AtomicU64::new(0)).collect(),
        ready: AtomicUsize::new(0),
        running: AtomicBool::new(false),
        closed: AtomicUsize::new(0),
        errors: AtomicU64::new(0),
    });
    for i in 0..args.switches {
        let dpid = i + 1;
        let stream = TcpStream::connect(&addr)
            .await
            .map_err(|source| BenchError::Connect {
                dpid,
                addr: addr.clone(),
                source,
            })?;
        let _ = stream.set_nodelay(true);
        let sw = FakeSwitch::new(dpid, i as usize, args.clone(), shared.clone());
        if args.throughput {
            tokio::spawn(throughput_switch(stream, sw));
        } else {
            tokio::spawn(latency_switch(stream, sw));
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while shared.ready.load(Ordering::Acquire) < args.switches as usize {
        if Instant::now() > deadline {
            return Err(BenchError::Handshake {
                ready: shared.ready.load(Ordering::Acquire),
                total: args.switches,
            });
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(args.delay)).await;
    let mode = if args.throughput {
        "throughput"
    } else {
        "latency"
    };
    println!(
        "cbench: controller {addr}, {} switches, {mode} mode, {} loops of {} ms ({} warm-up), {} MACs/switch",
        args.switches, args.loops, args.ms, args.warmup, args.macs
    );
    shared.running.store(true, Ordering::Release);

    let mut results = Vec::new();
    let mut answered = Vec::new();
    let snapshot = |counters: &[AtomicU64]| {
        counters
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect::<Vec<_>>()
    };
    let sum = |c: &[AtomicU64]| c.iter().map(|c| c.load(Ordering::Relaxed)).sum::<u64>();
    for lp in 0..args.warmup + args.loops {
        let before = snapshot(&shared.responses);
        let answered_before = sum(&shared.answered);
        let t0 = Instant::now();
        tokio::time::sleep(Duration::from_millis(args.ms)).await;
        let secs = t0.elapsed().as_secs_f64();
        let after = snapshot(&shared.responses);
        let answered_now = (sum(&shared.answered) - answered_before) as f64 / secs;
        let per_switch: Vec<f64> = before
            .iter()
            .zip(&after)
            .map(|(b, a)| (a - b) as f64 / secs)
            .collect();
        let total: f64 = per_switch.iter().sum();
        let cols: Vec<String> = per_switch.iter().map(|r| format!("{r:.0}")).collect();
        let warm = if lp < args.warmup { " (warm-up)" } else { "" };
        println!(
            "{:<3} switches: flows/sec:  {}   total = {:.6} per ms{warm}",
            args.switches,
            cols.join("  "),
            total / 1000.0
        );
        if lp >= args.warmup {
            results.push(total);
            answered.push(answered_now);
        }
        if shared.closed.load(Ordering::Acquire) == args.switches as usize {
            return Err(BenchError::AllClosed);
        }
    }
    let (min, max, avg, stdev) = stats(&results);
    println!(
        "RESULT: {} switches {} tests min/max/avg/stdev = {min:.2}/{max:.2}/{avg:.2}/{stdev:.2} responses/s",
        args.switches, args.loops
    );
    let (min, max, avg, stdev) = stats(&answered);
    println!(
        "ANSWERED: {} switches {} tests min/max/avg/stdev = {min:.2}/{max:.2}/{avg:.2}/{stdev:.2} packet-ins/s",
        args.switches, args.loops
    );
    let closed = shared.closed.load(Ordering::Acquire);
    let errors = shared.errors.load(Ordering::Relaxed);
    if closed > 0 || errors > 0 {
        println!("note: {closed} switch connections closed, {errors} OFPT_ERROR messages received");
    }
    Ok(())
}

/// min, max, mean and standard deviation.
fn stats(v: &[f64]) -> (f64, f64, f64, f64) {
    let n = v.len() as f64;
    let (min, max) = v
        .iter()
        .fold((f64::MAX, 0f64), |(lo, hi), &r| (lo.min(r), hi.max(r)));
    let avg = v.iter().sum::<f64>() / n;
    let stdev = (v.iter().map(|r| (r - avg).powi(2)).sum::<f64>() / n).sqrt();
    (min, max, avg, stdev)
}

/// Does this FLOW_MOD or PACKET_OUT answer a packet-in: release its buffer (OF1.0
/// `buffer_id` at offset 64 of a FLOW_MOD, 8 of a PACKET_OUT), or, unbuffered, carry it
/// back as a PACKET_OUT?
fn answers_packet_in(msg: &[u8], unbuffered: bool) -> bool {
    let at = match msg[1] {
        wire::ty::PACKET_OUT if unbuffered => return true,
        wire::ty::PACKET_OUT => 8,
        _ if unbuffered => return false,
        _ => 64,
    };
    msg.get(at..at + 4)
        .is_some_and(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) != wire::NO_BUFFER)
}

/// What one fake switch knows: its identity, its packet-in sequence, and how it answers
/// the controller's requests. The latency and throughput loops drive it.
struct FakeSwitch {
    dpid: u64,
    idx: usize,
    args: Args,
    shared: Arc<Shared>,
    /// The destination every packet-in goes to (taught on port 1 before the run).
    dst: [u8; 6],
    macs: u32,
    seq: u32,
    handshaken: bool,
}

impl FakeSwitch {
    fn new(dpid: u64, idx: usize, args: Args, shared: Arc<Shared>) -> Self {
        let d = dpid.to_be_bytes();
        let macs = args.macs.clamp(1, 0x00fe_0000);
        FakeSwitch {
            dpid,
            idx,
            args,
            shared,
            dst: [0x00, 0x00, 0x00, 0xff, d[6], d[7]],
            macs,
            seq: 0,
            handshaken: false,
        }
    }

    fn running(&self) -> bool {
        self.shared.running.load(Ordering::Acquire)
    }

    /// Every switch has answered FEATURES_REQUEST (so has this one): the controller takes
    /// packet-ins from all of them.
    fn all_ready(&self) -> bool {
        self.shared.ready.load(Ordering::Acquire) as u64 == self.args.switches
    }

    /// Teaches the controller where `dst` lives (cbench's --learn-dstmac).
    fn teach(&self, out: &mut Vec<u8>) {
        wire::packet_in(out, 1, wire::NO_BUFFER, 1, [0xff; 6], self.dst);
    }

    /// Appends `n` packet-ins from fresh source MACs on port 2 to `dst`.
    fn packet_ins(&mut self, out: &mut Vec<u8>, n: usize) {
        let d = self.dpid.to_be_bytes();
        for _ in 0..n {
            self.seq = self.seq.wrapping_add(1);
            let i = self.seq % self.macs;
            let src = [
                0x00,
                d[7],
                (i >> 24) as u8 | 0x01,
                (i >> 16) as u8,
                (i >> 8) as u8,
                i as u8,
            ];
            let buffer_id = if self.args.unbuffered {
                wire::NO_BUFFER
            } else {
                self.seq & 0x7fff_ffff
            };
            wire::packet_in(out, self.seq, buffer_id, 2, self.dst, src);
        }
    }

    /// Handles one message from the controller: appends any reply to `out` and says whether
    /// it was a response (FLOW_MOD or PACKET_OUT).
    fn handle(&mut self, msg: &[u8], out: &mut Vec<u8>) -> bool {
        let xid = u32::from_be_bytes([msg[4], msg[5], msg[6], msg[7]]);
        match msg[1] {
            wire::ty::FLOW_MOD | wire::ty::PACKET_OUT => {
                if self.shared.running.load(Ordering::Relaxed) {
                    self.shared.responses[self.idx].fetch_add(1, Ordering::Relaxed);
                    if answers_packet_in(msg, self.args.unbuffered) {
                        self.shared.answered[self.idx].fetch_add(1, Ordering::Relaxed);
                    }
                }
                return true;
            }
            wire::ty::ECHO_REQUEST => wire::echo_reply(out, xid, &msg[8..]),
            wire::ty::FEATURES_REQUEST => {
                wire::features_reply(out, xid, self.dpid, self.args.ports);
                if !self.handshaken {
                    self.handshaken = true;
                    self.shared.ready.fetch_add(1, Ordering::AcqRel);
                }
            }
            wire::ty::GET_CONFIG_REQUEST => wire::get_config_reply(out, xid),
            wire::ty::BARRIER_REQUEST => wire::empty(out, wire::ty::BARRIER_REPLY, xid),
            wire::ty::STATS_REQUEST if msg.len() >= 12 => {
                wire::stats_reply(out, xid, u16::from_be_bytes([msg[8], msg[9]]))
            }
            wire::ty::VENDOR => wire::bad_vendor(out, xid, msg),
            wire::ty::ERROR => {
                self.shared.errors.fetch_add(1, Ordering::Relaxed);
            }
            _ => {} // HELLO, SET_CONFIG, ECHO_REPLY, ...
        }
        false
    }

    /// Handles every whole message in `buf` (the rest stays for the next read); returns how
    /// many were responses, or None when the bytes cannot be framed.
    fn handle_all(&mut self, buf: &mut Vec<u8>, out: &mut Vec<u8>) -> Option<usize> {
        let mut at = 0;
        let mut responses = 0;
        while let Ok(Some(len)) = proto::header::peek_len(&buf[at..]) {
            if buf.len() - at < len {
                break;
            }
            let end = at + len;
            if self.handle(&buf[at..end], out) {
                responses += 1;
            }
            at = end;
        }
        if proto::header::peek_len(&buf[at..]).is_err() {
            eprintln!(
                "cbench: switch {}: unframeable bytes from the controller; closing",
                self.dpid
            );
            return None;
        }
        buf.drain(..at);
        Some(responses)
    }
}

/// Latency mode: one task per switch, one packet-in in flight. The next packet-in goes out
/// in the same wake-up that read the previous one's response, so the harness costs one
/// read and one write per round trip (no second task, no timer per packet): the controller,
/// not the harness, should be what the round trip measures.
async fn latency_switch(mut stream: TcpStream, mut sw: FakeSwitch) {
    const WAIT: Duration = Duration::from_millis(5);
    // A controller that drops a packet-in must not stall this switch forever: when a whole
    // watchdog period passes without a response, another packet-in goes out.
    const WATCHDOG: Duration = Duration::from_millis(500);
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    let mut chunk = vec![0u8; 64 * 1024];
    let mut out = Vec::with_capacity(4 * 1024);
    wire::hello(&mut out, 0);
    let mut taught = false;
    let mut started = false;
    let mut progress = false;
    let tick = tokio::time::sleep(WAIT);
    tokio::pin!(tick);
    loop {
        if !out.is_empty() {
            if stream.write_all(&out).await.is_err() {
                break;
            }
            out.clear();
        }
        tokio::select! {
            biased;
            r = stream.read(&mut chunk) => {
                let n = match r {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                buf.extend_from_slice(&chunk[..n]);
                let Some(responses) = sw.handle_all(&mut buf, &mut out) else { break };
                if responses > 0 && started {
                    progress = true;
                    sw.packet_ins(&mut out, 1);
                }
            }
            () = &mut tick => {
                if !started && sw.running() {
                    started = true;
                    sw.packet_ins(&mut out, 1);
                } else if started && !progress {
                    sw.packet_ins(&mut out, 1);
                } else if !taught && sw.all_ready() {
                    taught = true;
                    sw.teach(&mut out);
                }
                progress = false;
                let next = if started { WATCHDOG } else { WAIT };
                tick.as_mut().reset(tokio::time::Instant::now() + next);
            }
        }
    }
    sw.shared.closed.fetch_add(1, Ordering::AcqRel);
}

/// Throughput mode: a reader (answers requests, counts responses) and a writer that keeps
/// the pipe full, so neither direction waits for the other.
async fn throughput_switch(stream: TcpStream, mut sw: FakeSwitch) {
    let (mut rd, wr) = stream.into_split();
    let (ctl_tx, ctl_rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let writer = tokio::spawn(writer(
        wr,
        FakeSwitch::new(sw.dpid, sw.idx, sw.args.clone(), sw.shared.clone()),
        ctl_rx,
    ));
    let mut hello = Vec::new();
    wire::hello(&mut hello, 0);
    let _ = ctl_tx.send(hello);
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match rd.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        let mut out = Vec::new();
        if sw.handle_all(&mut buf, &mut out).is_none() {
            break;
        }
        if !out.is_empty() && ctl_tx.send(out).is_err() {
            break;
        }
    }
    sw.shared.closed.fetch_add(1, Ordering::AcqRel);
    writer.abort();
}

/// The throughput writer: replies to the controller's requests first, then batches of 32
/// packet-ins for as long as the socket takes them.
async fn writer(
    mut wr: OwnedWriteHalf,
    mut sw: FakeSwitch,
    mut ctl_rx: mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let mut taught = false;
    let mut out = Vec::with_capacity(16 * 1024);
    loop {
        while let Ok(msg) = ctl_rx.try_recv() {
            if wr.write_all(&msg).await.is_err() {
                return;
            }
        }
        if !sw.running() {
            if sw.all_ready() && !taught {
                taught = true;
                let mut m = Vec::new();
                sw.teach(&mut m);
                if wr.write_all(&m).await.is_err() {
                    return;
                }
            }
            tokio::select! {
                Some(msg) = ctl_rx.recv() => if wr.write_all(&msg).await.is_err() { return },
                _ = tokio::time::sleep(Duration::from_millis(5)) => {}
            }
            continue;
        }
        out.clear();
        sw.packet_ins(&mut out, 32);
        if wr.write_all(&out).await.is_err() {
            return;
        }
    }
}
