//! Inside the controller: from an sFlow trigger event to the flow-mods on the wire.
//!
//! The PyTapDEMon scenario (`mininet/pytapdemon.toml`, with its uplinks declared as static
//! links so no LLDP is needed) on three simulated OpenFlow 1.3 switches s1, s2, s3: the
//! real `topology`, `patch`, `tap` and `trigger` modules and one real [`Pipeline`] per
//! switch, wired the way the runtime wires them (controls to the named module, tap updates
//! through the switch's pipeline, forwarding batches through it too), each module handed
//! `now`. One iteration = one `Event::Trigger` for the web flow h2 -> h1:80:
//!
//! - `first flow-mods`: the trigger fires `web`, the patch module opens s2 3<->4, the tap
//!   module plans h9 -> s3:11 and sends the delivery part (s3); every message is encoded
//!   (OF1.3 bytes, barrier after each confirmed batch) and written to a Unix socket.
//!   That is everything the controller sends before a switch must answer.
//! - `all flow-mods`: the same, then the barrier confirmation of s3's part is handed back
//!   (as the session does when the barrier reply arrives, without the switch's round
//!   trip) and the tap sends its source part on s2, encoded and written too.
//!
//! Target (issue 5): under 1 ms from trigger event to flow-mods written.
//! Run: `cargo bench --bench trigger [-- ITERATIONS]` (prints median, p99 and max).

use std::collections::{BTreeMap, VecDeque};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use proto::{DatapathId, MacAddr};
use tapdemon::config::Config;
use tapdemon::event::{BatchResult, Event, PortDesc, SwitchId, SwitchInfo};
use tapdemon::module::ModuleSpec;
use tapdemon::outbox::{Msg, Outbox};
use tapdemon::pipeline::Pipeline;
use tapdemon::switch::wire::{encode, Outgoing};
use tapdemon::switch::Version;
use tapdemon::trigger::{TriggerEvent, TriggerSource};

const TARGET: Duration = Duration::from_millis(1);

fn config() -> Config {
    let mut text = include_str!("../mininet/pytapdemon.toml").to_string();
    text.push_str("\n[topology]\nenabled = false\n");
    for i in 1..=5 {
        text.push_str(&format!(
            "[[topology.links]]\na = \"s1:{}\"\nb = \"s3:{i}\"\n[[topology.links]]\na = \"s2:{}\"\nb = \"s3:{}\"\n",
            5 + i,
            5 + i,
            5 + i
        ));
    }
    Config::parse(&text, Path::new("pytapdemon.toml")).expect("scenario config")
}

fn switch_info(dpid: u64, ports: u32) -> Arc<SwitchInfo> {
    let name = format!("s{dpid}");
    Arc::new(SwitchInfo {
        id: SwitchId {
            dpid: DatapathId(dpid),
            name: Some(name.as_str().into()),
        },
        version: Version::Of13,
        n_buffers: 0,
        n_tables: 254,
        ports: (1..=ports)
            .map(|p| {
                let desc = PortDesc {
                    port_no: p,
                    hw_addr: MacAddr([0, 0, 0, 0, dpid as u8, p as u8]),
                    name: format!("{name}-eth{p}"),
                    admin_down: false,
                    link_down: false,
                };
                (p, desc)
            })
            .collect(),
    })
}

/// The runtime in miniature: modules, one pipeline and one socket per switch.
struct Rig {
    modules: Vec<ModuleSpec>,
    switches: BTreeMap<DatapathId, (Arc<SwitchInfo>, Pipeline)>,
    /// Confirmed batches whose barrier reply has not been handed back: (module, switch, id).
    unconfirmed: Vec<(&'static str, SwitchId, u64)>,
    wire: UnixStream,
    peer: UnixStream,
    buf: BytesMut,
    xid: u32,
    written: usize,
    /// Flow-mods written per switch since the last reset.
    flow_mods: BTreeMap<u64, usize>,
}

impl Rig {
    fn new(now: Instant) -> Rig {
        let built = tapdemon::modules::build_all(&config());
        let (wire, peer) = UnixStream::pair().expect("socketpair");
        peer.set_nonblocking(true).expect("nonblocking");
        let mut rig = Rig {
            modules: built.specs,
            switches: BTreeMap::new(),
            unconfirmed: Vec::new(),
            wire,
            peer,
            buf: BytesMut::with_capacity(64 << 10),
            xid: 1,
            written: 0,
            flow_mods: BTreeMap::new(),
        };
        for (dpid, ports) in [(1, 10), (2, 10), (3, 11)] {
            let info = switch_info(dpid, ports);
            let p = Pipeline::new(Version::Of13, info.ports.keys().copied());
            let connect = p.connect();
            rig.switches.insert(DatapathId(dpid), (info.clone(), p));
            rig.send(DatapathId(dpid), &connect, None);
            rig.run(
                now,
                None,
                Event::SwitchUp {
                    info,
                    replaced: false,
                },
            );
        }
        rig.confirm_all(now);
        rig.drain();
        rig
    }

    /// Encode and write `msgs` (plus a barrier when `confirm`), as the session does.
    fn send(&mut self, dpid: DatapathId, msgs: &[Msg], confirm: Option<u64>) {
        for m in msgs {
            if matches!(m, Msg::FlowMod(_)) {
                *self.flow_mods.entry(dpid.0).or_default() += 1;
            }
            let out = match m {
                Msg::FlowMod(fm) => Outgoing::FlowMod(fm),
                Msg::PacketOut(po) => Outgoing::PacketOut(po),
                Msg::Barrier => Outgoing::BarrierRequest,
            };
            encode(Version::Of13, &out, self.xid, &mut self.buf).expect("encode");
            self.xid += 1;
        }
        if confirm.is_some() {
            encode(
                Version::Of13,
                &Outgoing::BarrierRequest,
                self.xid,
                &mut self.buf,
            )
            .expect("encode barrier");
            self.xid += 1;
        }
        self.wire.write_all(&self.buf).expect("write");
        self.written += self.buf.len();
        self.buf.clear();
    }

    /// Deliver `ev` (to module `only`, or to every module) and everything it causes.
    fn run(&mut self, now: Instant, only: Option<&'static str>, ev: Event) {
        let mut queue = VecDeque::from([(only, ev)]);
        while let Some((only, ev)) = queue.pop_front() {
            for i in 0..self.modules.len() {
                let name = self.modules[i].module.name();
                if only.is_some_and(|o| o != name) {
                    continue;
                }
                let mut out = Outbox::new();
                self.modules[i].module.handle(now, &ev, &mut out);
                for (dpid, batch) in out.take_batches() {
                    let Some((info, p)) = self.switches.get_mut(&dpid) else {
                        continue;
                    };
                    let msgs = p.forwarding(batch.msgs);
                    let id = info.id.clone();
                    if let Some(b) = batch.confirm {
                        self.unconfirmed.push((name, id, b));
                    }
                    self.send(dpid, &msgs, batch.confirm);
                }
                for (dpid, batch, update) in out.take_taps() {
                    let Some((info, p)) = self.switches.get_mut(&dpid) else {
                        continue;
                    };
                    let msgs = p.update(update);
                    self.unconfirmed.push((name, info.id.clone(), batch));
                    self.send(dpid, &msgs, Some(batch));
                }
                for (target, c) in out.take_controls() {
                    queue.push_back((Some(target), Event::Control(Arc::new(c))));
                }
            }
        }
    }

    /// Hand every outstanding barrier confirmation back to its module.
    fn confirm_all(&mut self, now: Instant) {
        while !self.unconfirmed.is_empty() {
            for (module, switch, id) in std::mem::take(&mut self.unconfirmed) {
                let ev = Event::BatchResult(BatchResult {
                    switch,
                    batch: Some(id),
                    result: Ok(()),
                });
                self.run(now, Some(module), ev);
            }
        }
    }

    fn drain(&mut self) -> usize {
        let mut sink = [0u8; 64 << 10];
        let mut n = 0;
        while let Ok(k) = self.peer.read(&mut sink) {
            if k == 0 {
                break;
            }
            n += k;
        }
        n
    }
}

fn web_event() -> Event {
    Event::Trigger(Arc::new(TriggerEvent {
        event_id: 1,
        timestamp: 0,
        threshold_id: "web".into(),
        metric: "web".into(),
        threshold: 100.0,
        value: 1500.0,
        agent: "127.0.0.1".parse().unwrap(),
        data_source: "2".into(),
        flow_key: Some("10.0.0.2,10.0.0.1,40000,80".into()),
        flow_keys: vec![
            ("ipsource".into(), "10.0.0.2".into()),
            ("ipdestination".into(), "10.0.0.1".into()),
            ("tcpsourceport".into(), "40000".into()),
            ("tcpdestinationport".into(), "80".into()),
        ],
        source: TriggerSource::Embedded,
        location: None,
    }))
}

struct Sample {
    first: Duration,
    all: Duration,
    bytes_first: usize,
    bytes_all: usize,
    /// Flow-mods per switch (dpid) before and after the confirmation.
    mods_first: BTreeMap<u64, usize>,
    mods_all: BTreeMap<u64, usize>,
}

fn one() -> Sample {
    let now = Instant::now();
    let mut rig = Rig::new(now);
    let ev = web_event();
    let t0 = Instant::now();
    rig.written = 0;
    rig.flow_mods.clear();
    rig.run(now, None, ev);
    let first = t0.elapsed();
    let bytes_first = rig.written;
    let mods_first = rig.flow_mods.clone();
    rig.confirm_all(now);
    let all = t0.elapsed();
    let bytes_all = rig.written;
    let mods_all = rig.flow_mods.clone();
    let got = rig.drain();
    assert_eq!(got, bytes_all, "bytes written and read differ");
    Sample {
        first,
        all,
        bytes_first,
        bytes_all,
        mods_first,
        mods_all,
    }
}

fn stats(mut v: Vec<Duration>) -> (Duration, Duration, Duration) {
    v.sort();
    let p = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (p(0.5), p(0.99), v[v.len() - 1])
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(2000);
    // Sanity: the event really produces the patch (two flows) on s2 and the delivery flow
    // on s3 at once, then the source copies on s2; nothing on s1.
    let s = one();
    let on = |m: &BTreeMap<u64, usize>, d: u64| m.get(&d).copied().unwrap_or(0);
    assert!(
        on(&s.mods_first, 2) >= 2 && on(&s.mods_first, 3) >= 1 && on(&s.mods_first, 1) == 0,
        "first flow-mods per switch: {:?}",
        s.mods_first
    );
    assert!(
        on(&s.mods_all, 2) > on(&s.mods_first, 2) && on(&s.mods_all, 1) == 0,
        "all flow-mods per switch: {:?}",
        s.mods_all
    );
    println!(
        "flow-mods per switch (dpid: count): first {:?}, all {:?}",
        s.mods_first, s.mods_all
    );
    for _ in 0..50 {
        one();
    }
    let samples: Vec<Sample> = (0..n).map(|_| one()).collect();
    let (fm, f99, fmax) = stats(samples.iter().map(|s| s.first).collect());
    let (am, a99, amax) = stats(samples.iter().map(|s| s.all).collect());
    let verdict = |d: Duration| if d < TARGET { "pass" } else { "FAIL" };
    println!(
        "trigger first flow-mods: median {fm:?} p99 {f99:?} max {fmax:?} ({} bytes) target < 1 ms: {}",
        s.bytes_first,
        verdict(fm)
    );
    println!(
        "trigger all flow-mods: median {am:?} p99 {a99:?} max {amax:?} ({} bytes) target < 1 ms: {}",
        s.bytes_all,
        verdict(am)
    );
    println!("iterations: {n}");
}
