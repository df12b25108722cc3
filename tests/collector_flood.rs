//! A flood of 100,000 sFlow datagrams per second at the embedded collector while real Open
//! vSwitch keeps being served (issue 4; issue 7 item 3). Needs root and Open vSwitch (the
//! lab harness fails, saying what to install, without).
//!
//! The controller runs in-process with l2_learning, the embedded collector (a flow
//! definition, so valid datagrams are aggregated) and the REST API (`/metrics`). Bridge s1
//! (OF1.3, OVS inactivity probe 1 s, so OVS sends an echo request after every idle second)
//! has hosts h1..h4. A sending thread fires half garbage, half OVS-like datagrams from
//! four sockets with `sendmmsg`, paced to 100k/s for several seconds; its achieved rate is
//! measured and asserted. In the middle of the flood the test holds the engine's lock for
//! a second (an engine that cannot keep up), so the bounded queue must drop and count.
//! Meanwhile:
//! - h1 pings h2 every 20 ms through learned flows: loss stays under 2%;
//! - fresh flows (h3 <-> h4, learned flows deleted, ARP flushed) keep being installed by
//!   the controller: the first ping's RTT, which includes the ARP and ICMP packet-ins, the
//!   flow-mods and packet-outs, stays under 250 ms, also while the engine is stalled;
//! - keepalive keeps flowing: the controller echoes every second and OVS answers (and OVS's
//!   own probes, sent when the connection idles for a second, are answered); the session
//!   never drops (same connection id throughout, OVSDB `is_connected`, no "inactivity
//!   probe" in OVS's log);
//! - every datagram is accounted for: sent = read by the collector + dropped by the kernel
//!   (socket buffer full, `/proc/net/udp`), and read = processed + dropped by the queue;
//!   the queue's drops are > 0 and `/metrics` reports the same counts;
//! - afterwards the controller is healthy: `/metrics` answers, a fresh flow is installed,
//!   the collector still aggregates a valid datagram.

mod support;

use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use proto::sflow::{
    DataSource, Datagram, FlowRecord, FlowSample, HeaderProtocol, Interface, Sample, SampledHeader,
    UnknownCounts,
};
use proto::DatapathId;
use support::lab::{wait_until, Lab, OfVersions};
use tapdemon::collector::udp::{lock, socket_drops};
use tapdemon::collector::CollectorHandle;
use tapdemon::config::Config;
use tapdemon::controller::{self, Handle};
use tapdemon::rest::runtime_view::RuntimeView;
use tapdemon::rest::sflow_collector::CollectorService;
use tapdemon::rest::{AppState, EventHub, RestConfig};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

const SECS: fn(u64) -> Duration = Duration::from_secs;
const RATE: u64 = 100_000;
const FLOOD: Duration = Duration::from_secs(6);
/// First-ping RTT of a fresh flow (ARP + ICMP through the controller) must stay below.
const FRESH_RTT_MS: f64 = 250.0;

const CONFIG: &str = r#"
[controller]
echo_interval_secs = 1

[switches]
s1 = 1

[topology]
enabled = false

[collector]
listen = "127.0.0.1:0"

[collector.flows.tcp]
keys = "ipsource,ipdestination,tcpsourceport,tcpdestinationport"
value = "bytes"
"#;

/// The controller, its collector and REST API, in a runtime of their own.
struct Running {
    rt: tokio::runtime::Runtime,
    handle: Handle,
    port: u16,
    rest: SocketAddr,
    shutdown: CancellationToken,
    tracker: TaskTracker,
}

impl Running {
    fn start() -> Running {
        let config = Config::parse(CONFIG, std::path::Path::new("flood.toml")).unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let shutdown = CancellationToken::new();
        let (handle, tracker, port, rest) = rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let (h, t) = controller::start(vec![listener], config.clone(), shutdown.clone());
            let h = controller::start_sources(h, &config, &t, shutdown.clone()).await;
            let c = h.sources.collector.as_ref().expect("collector running");
            let state = AppState::new(Arc::new(RuntimeView::new(h.clone())), EventHub::default())
                .with_sflow(Arc::new(CollectorService::new(c)));
            let rest_cfg = RestConfig {
                listen: "127.0.0.1:0".parse().unwrap(),
                ..RestConfig::default()
            };
            let addrs = tapdemon::rest::start(&rest_cfg, state, shutdown.clone(), &t)
                .await
                .unwrap();
            (h, t, port, addrs[0])
        });
        Running {
            rt,
            handle,
            port,
            rest,
            shutdown,
            tracker,
        }
    }

    fn collector(&self) -> &CollectorHandle {
        self.handle.sources.collector.as_ref().unwrap()
    }

    fn conn(&self) -> Option<u64> {
        self.handle.switches.get(DatapathId(1)).map(|h| h.conn)
    }

    /// `GET /metrics`, with a deadline: a controller that stopped serving fails here.
    fn metrics(&self) -> String {
        let url = format!("http://{}/metrics", self.rest);
        self.rt.block_on(async {
            let r = tokio::time::timeout(SECS(5), reqwest::get(&url))
                .await
                .expect("/metrics did not answer within 5 s")
                .unwrap();
            assert!(r.status().is_success());
            r.text().await.unwrap()
        })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        support::controller::stop(&self.rt, &self.shutdown, &self.tracker);
    }
}

fn metric(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{']))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.trim().parse().ok())
}

/// Ethernet / IPv4 / TCP from 10.0.1.`i` port 40000+`i` to 10.0.0.9:80, 128 bytes.
fn tcp_frame(i: u8) -> Vec<u8> {
    let mut f = vec![0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 1, i, 0x08, 0x00];
    f.extend_from_slice(&[0x45, 0, 0x05, 0xdc, 0, 1, 0x40, 0, 64, 6, 0, 0]);
    f.extend_from_slice(&[10, 0, 1, i, 10, 0, 0, 9]);
    f.extend_from_slice(&(40000 + u16::from(i)).to_be_bytes());
    f.extend_from_slice(&80u16.to_be_bytes());
    f.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x10, 0xff, 0xff, 0, 0, 0, 0]);
    f.resize(128, 0x5a);
    f
}

/// What OVS sends: 6 flow samples of 128-byte headers.
fn valid(seq: u32) -> Bytes {
    let samples = (0..6u8)
        .map(|k| {
            Sample::Flow(FlowSample {
                expanded: false,
                sequence_number: seq * 6 + u32::from(k),
                source_id: DataSource {
                    source_type: 0,
                    index: 5,
                },
                sampling_rate: 1,
                sample_pool: seq,
                drops: 0,
                input: Interface::Index(5),
                output: Interface::Index(6),
                records: vec![FlowRecord::SampledHeader(SampledHeader {
                    protocol: HeaderProtocol::Ethernet,
                    frame_length: 1518,
                    stripped: 4,
                    header: Bytes::from(tcp_frame((seq as u8).wrapping_mul(6).wrapping_add(k))),
                })],
            })
        })
        .collect();
    let d = Datagram {
        agent: Some("127.0.0.1".parse().unwrap()),
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

/// Noise, truncated datagrams, NetFlow v5 headers, an sFlow v4 header.
fn garbage(k: u32) -> Bytes {
    match k % 4 {
        0 => Bytes::from(vec![0xa5; 1200]),
        1 => valid(k).slice(..60),
        2 => Bytes::from_static(&[0, 5, 0, 1, 0, 0, 0, 0]),
        _ => Bytes::from_static(&[0, 0, 0, 4, 0, 0, 0, 1, 127, 0, 0, 2]),
    }
}

/// `sendmmsg(2)` of `msgs` on the connected socket `sock`; returns how many went out.
fn send_batch(sock: &UdpSocket, msgs: &[Bytes]) -> usize {
    let mut iov: Vec<libc::iovec> = msgs
        .iter()
        .map(|m| libc::iovec {
            iov_base: m.as_ptr() as *mut libc::c_void,
            iov_len: m.len(),
        })
        .collect();
    let mut hdrs: Vec<libc::mmsghdr> = iov
        .iter_mut()
        .map(|v| {
            // SAFETY: mmsghdr is plain old data; all-zero is a valid (empty) header.
            let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
            h.msg_hdr.msg_iov = v;
            h.msg_hdr.msg_iovlen = 1;
            h
        })
        .collect();
    // SAFETY: `hdrs` and the iovecs and buffers they point to outlive the call.
    let n = unsafe {
        libc::sendmmsg(
            sock.as_raw_fd(),
            hdrs.as_mut_ptr(),
            hdrs.len() as libc::c_uint,
            0,
        )
    };
    n.max(0) as usize
}

/// One sending thread's share of the flood: `rate` datagrams/s for `FLOOD`, alternating
/// batches of valid (from 127.0.0.1) and garbage (from 127.0.0.2) datagrams over two
/// sockets. Returns (sent, seconds taken).
fn flood(to: SocketAddr, rate: u64, sent: Arc<AtomicU64>) -> (u64, f64) {
    // The flood stands for load from outside: on a shared, busy machine it must still
    // happen at the stated rate, so its threads get a higher priority (root) than the
    // controller they load, which makes the test harder for the controller, not easier.
    // SAFETY: plain syscalls on this thread's own id.
    unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, -10);
    }
    let socks: Vec<UdpSocket> = ["127.0.0.1", "127.0.0.2"]
        .iter()
        .map(|ip| {
            let s = UdpSocket::bind((*ip, 0)).unwrap();
            s.connect(to).unwrap();
            s
        })
        .collect();
    const B: usize = 64;
    let good: Vec<Bytes> = (0..2 * B as u32).map(valid).collect();
    let bad: Vec<Bytes> = (0..2 * B as u32).map(garbage).collect();
    let total = rate * FLOOD.as_secs();
    let t0 = Instant::now();
    let mut n = 0u64;
    let mut turn = 0usize;
    while n < total {
        let due = ((t0.elapsed().as_secs_f64() * rate as f64) as u64).min(total);
        if n >= due {
            std::thread::sleep(Duration::from_micros(300));
            continue;
        }
        let k = ((due - n) as usize).min(B);
        let set = if turn % 2 == 0 { &good } else { &bad };
        let at = (n as usize) % B;
        let out = send_batch(&socks[turn % 2], &set[at..at + k]) as u64;
        n += out;
        sent.fetch_add(out, Ordering::Relaxed);
        turn += 1;
    }
    (n, t0.elapsed().as_secs_f64())
}

/// One ping from `from` to `to`; its RTT in ms, or None if it got no reply within 2 s.
fn one_ping_ms(lab: &Lab, from: &str, to: &str) -> Option<f64> {
    let ip = lab.ip_of(to);
    let out = lab.exec(from, &["ping", "-n", "-c", "1", "-W", "2", &ip]);
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .find_map(|w| w.strip_prefix("time="))
        .and_then(|t| t.parse().ok())
}

/// A fresh flow h3 <-> h4: their learned flows deleted and ARP forgotten, so the first
/// ping needs the controller for the ARP request, the ARP reply and the ICMP packets.
fn fresh_flow_rtt(lab: &Lab) -> Option<f64> {
    for mac in ["00:00:00:00:00:03", "00:00:00:00:00:04"] {
        let dev = &lab.bridge("s1").dev;
        lab.ofctl(&[
            "-O",
            "OpenFlow13",
            "del-flows",
            dev,
            &format!("dl_src={mac}"),
        ]);
    }
    lab.flush_arp("h3");
    lab.flush_arp("h4");
    one_ping_ms(lab, "h3", "h4")
}

#[test]
fn a_100k_per_second_sflow_flood_does_not_delay_openflow() {
    let ctl = Running::start();
    let collector_addr = ctl.collector().local_addr;
    let mut lab = Lab::new();
    lab.add_bridge("s1", 1, OfVersions::Of13, Some(ctl.port));
    for n in 1..=4u8 {
        lab.add_host(&format!("h{n}"), "s1", u16::from(n), n);
    }
    let dev = lab.bridge("s1").dev.clone();
    lab.vsctl(&["set", "controller", &dev, "inactivity_probe=1000"]);
    assert!(lab.wait_connected("s1", SECS(15)), "s1 did not connect");
    assert!(wait_until(SECS(10), || ctl.conn().is_some()), "no session");
    assert_eq!(
        lab.ping_received("h1", "h2", 3, SECS(5)),
        3,
        "h1 -> h2 before"
    );
    let baseline: Vec<f64> = (0..3).filter_map(|_| fresh_flow_rtt(&lab)).collect();
    assert_eq!(
        baseline.len(),
        3,
        "fresh flows before the flood: {baseline:?}"
    );
    let conn = ctl.conn();
    let echo_replies = |m: &str| {
        m.lines()
            .filter(|l| {
                l.starts_with("tapdemon_openflow_messages_") && l.contains("OFPT_ECHO_REPLY")
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum::<u64>()
    };
    let echo0 = echo_replies(&ctl.metrics());
    let kernel0 = socket_drops(collector_addr).expect("/proc/net/udp lists the collector");

    // Continuous pings h1 -> h2 for the whole flood (flows already learned).
    let pings = lab.spawn(
        "h1",
        &[
            "ping", "-n", "-q", "-i", "0.02", "-W", "1", "-w", "8", "10.0.0.2",
        ],
    );
    // Two sending threads (each half the rate): the kernel's per-datagram work on loopback
    // is the cost, and one thread on a shared machine falls behind.
    let sent = Arc::new(AtomicU64::new(0));
    let senders: Vec<_> = (0..2)
        .map(|_| {
            let sent = sent.clone();
            std::thread::spawn(move || flood(collector_addr, RATE / 2, sent))
        })
        .collect();
    // Watch the switch's connection all along.
    let watching = Arc::new(AtomicBool::new(true));
    let disconnects = Arc::new(AtomicU64::new(0));
    let watcher = {
        let (w, d) = (watching.clone(), disconnects.clone());
        let sessions = ctl.handle.switches.clone();
        std::thread::spawn(move || {
            while w.load(Ordering::Relaxed) {
                if sessions.get(DatapathId(1)).map(|h| h.conn) != conn {
                    d.fetch_add(1, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };

    // Fresh flows during the flood; one second of it with the engine stalled.
    let mut during = Vec::new();
    let mut stalled = Vec::new();
    std::thread::sleep(Duration::from_millis(500));
    let flood_start = Instant::now();
    while flood_start.elapsed() < FLOOD - SECS(1) {
        if during.len() == 3 {
            let engine = ctl.collector().engine.clone();
            let guard = lock(&engine);
            let t = Instant::now();
            while t.elapsed() < Duration::from_millis(1000) {
                stalled.push(fresh_flow_rtt(&lab));
            }
            drop(guard);
        }
        during.push(fresh_flow_rtt(&lab));
        std::thread::sleep(Duration::from_millis(200));
    }
    let (mut n_sent, mut secs) = (0, 0f64);
    for s in senders {
        let (n, t) = s.join().unwrap();
        n_sent += n;
        secs = secs.max(t);
    }
    let ping_out = pings.stop_with(libc::SIGINT, SECS(10));
    watching.store(false, Ordering::Relaxed);
    watcher.join().unwrap();

    // The flood was what it says.
    let rate = n_sent as f64 / secs;
    eprintln!("flood: {n_sent} datagrams in {secs:.2} s = {rate:.0}/s");

    // Switch served throughout.
    let text = ping_out.stdout;
    let (tx, rx) = text
        .lines()
        .find(|l| l.contains("packets transmitted"))
        .and_then(|l| {
            let n: Vec<u64> = l
                .split(',')
                .filter_map(|p| p.split_whitespace().next()?.parse().ok())
                .collect();
            Some((*n.first()?, *n.get(1)?))
        })
        .unwrap_or_else(|| panic!("ping output: {text}"));
    eprintln!("h1 -> h2 during the flood: {rx}/{tx} replies");
    eprintln!("fresh-flow first-ping RTT (ms): before {baseline:?}, during {during:?}, engine stalled {stalled:?}");

    assert!(
        rate >= 0.95 * RATE as f64,
        "sent only {rate:.0} datagrams/s"
    );
    assert!(secs >= FLOOD.as_secs_f64() * 0.95);
    assert!(tx >= 200, "ping sent only {tx}: {text}");
    assert!(rx * 100 >= tx * 98, "ping loss beyond 2%: {rx}/{tx}");
    for (when, rtts) in [
        ("during the flood", &during),
        ("while the engine was stalled", &stalled),
    ] {
        assert!(!rtts.is_empty(), "no fresh flow tried {when}");
        for r in rtts.iter() {
            let r = r.unwrap_or_else(|| panic!("a fresh flow got no reply {when}: {rtts:?}"));
            assert!(r < FRESH_RTT_MS, "fresh flow RTT {r} ms {when}: {rtts:?}");
        }
    }
    assert_eq!(
        disconnects.load(Ordering::Relaxed),
        0,
        "the switch's session changed"
    );
    assert_eq!(ctl.conn(), conn, "the switch reconnected");
    assert!(lab.wait_connected("s1", SECS(1)), "OVSDB: s1 not connected");
    let log = std::fs::read_to_string(lab.path("ovs-vswitchd.log")).unwrap_or_default();
    assert!(
        !log.contains("inactivity probe"),
        "OVS saw an unanswered echo: {}",
        lab.log_tail("ovs-vswitchd.log", 20)
    );

    // Every datagram accounted for.
    let stats = &ctl.collector().stats;
    let read = || stats.datagrams.load(Ordering::Relaxed);
    let kernel = || socket_drops(collector_addr).unwrap_or(0) - kernel0;
    assert!(
        wait_until(SECS(5), || read() + kernel() == n_sent),
        "sent {n_sent}, read {}, kernel drops {}",
        read(),
        kernel()
    );
    let processed = || stats.processed.load(Ordering::Relaxed);
    let dropped = stats.queue_dropped.load(Ordering::Relaxed);
    assert!(
        wait_until(SECS(5), || processed() + dropped == read()),
        "read {}, processed {}, queue drops {dropped}",
        read(),
        processed()
    );
    eprintln!(
        "collector: read {}, processed {}, queue drops {dropped}, kernel drops {}, parse errors {}",
        read(),
        processed(),
        kernel(),
        stats.parse_errors.load(Ordering::Relaxed)
    );
    assert!(dropped > 0, "the stalled engine's queue never overflowed");
    // How much the engine gets through depends on the build (tests run unoptimised) and
    // on the machine; its speed is benchmarked (benches/collector_engine.rs). Here: it kept
    // taking datagrams from both sources, and it still works afterwards (below).
    {
        let e = lock(&ctl.collector().engine);
        let good = e.agents().get("127.0.0.1".parse().unwrap()).unwrap();
        let bad = e.agents().get("127.0.0.2".parse().unwrap()).unwrap();
        assert!(good.flow_samples > 1_000, "{good:?}");
        assert!(bad.parse_errors > 1_000, "{bad:?}");
    }

    // Healthy afterwards: /metrics agrees, OpenFlow still served, collector still working.
    let m = ctl.metrics();
    assert_eq!(
        metric(&m, "tapdemon_sflow_datagrams_dropped_total"),
        Some(dropped)
    );
    assert_eq!(
        metric(&m, "tapdemon_sflow_datagrams_received_total"),
        Some(read())
    );
    assert_eq!(metric(&m, "tapdemon_switches_connected"), Some(1));
    let echoes = echo_replies(&m) - echo0;
    eprintln!("echo replies (both directions) during the flood: {echoes}");
    assert!(
        echoes >= 5,
        "only {echoes} echo replies in ~8 s with a 1 s echo interval on both sides"
    );
    let after = fresh_flow_rtt(&lab).expect("a fresh flow after the flood");
    assert!(
        after < FRESH_RTT_MS,
        "fresh flow after the flood: {after} ms"
    );
    let before = lock(&ctl.collector().engine).stats().flow_samples;
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.send_to(&valid(9999), collector_addr).unwrap();
    assert!(
        wait_until(SECS(2), || lock(&ctl.collector().engine)
            .stats()
            .flow_samples
            == before + 6),
        "the collector did not take a datagram after the flood"
    );
}
