//! Shared by the fault tests (`tests/fault_*.rs`): the controller in-process with an
//! event recorder, tap flow counting on a real bridge, and waiting helpers.
#![allow(dead_code)]

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proto::DatapathId;
use tapdemon::config::Config;
use tapdemon::controller::{self, Handle};
use tapdemon::event::Event;
use tapdemon::module::{Module, ModuleSpec};
use tapdemon::outbox::Outbox;
use tokio::runtime::Runtime;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::support::lab::Lab;

pub const SECS: fn(u64) -> Duration = Duration::from_secs;

/// A switch event as the modules saw it.
#[derive(Debug, Clone)]
pub enum Seen {
    Up { dpid: u64, replaced: bool },
    Down { dpid: u64, reason: String },
}

/// Switch events in arrival order, with when they arrived.
pub type Log = Arc<Mutex<Vec<(Instant, Seen)>>>;

/// A module that records switch up/down events.
struct Recorder(Log);

impl Module for Recorder {
    fn name(&self) -> &'static str {
        "fault-recorder"
    }
    fn handle(&mut self, _now: Instant, ev: &Event, _out: &mut Outbox) {
        let seen = match ev {
            Event::SwitchUp { info, replaced } => Seen::Up {
                dpid: info.id.dpid.0,
                replaced: *replaced,
            },
            Event::SwitchDown { switch, reason } => Seen::Down {
                dpid: switch.dpid.0,
                reason: reason.to_string(),
            },
            _ => return,
        };
        self.0.lock().unwrap().push((Instant::now(), seen));
    }
}

/// A controller running in its own tokio runtime, stopped on drop.
pub struct Ctl {
    pub rt: Runtime,
    pub port: u16,
    pub handle: Handle,
    pub log: Log,
    shutdown: CancellationToken,
    tracker: TaskTracker,
}

impl Ctl {
    /// Start with `config_text` on an ephemeral port; `sources` also starts the trigger
    /// sources (embedded collector, sFlow-RT client).
    pub fn start(config_text: &str, sources: bool) -> Ctl {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let config = Config::parse(config_text, Path::new("test.toml")).unwrap();
        let shutdown = CancellationToken::new();
        let log: Log = Default::default();
        let extra = vec![ModuleSpec {
            module: Box::new(Recorder(log.clone())),
            switches: None,
        }];
        let (handle, tracker) = {
            let _in = rt.enter();
            controller::start_with(vec![listener], config.clone(), shutdown.clone(), extra)
        };
        let handle = if sources {
            rt.block_on(controller::start_sources(
                handle,
                &config,
                &tracker,
                shutdown.clone(),
            ))
        } else {
            handle
        };
        Ctl {
            rt,
            port,
            handle,
            log,
            shutdown,
            tracker,
        }
    }

    /// The connection id of `dpid`'s registered session.
    pub fn conn(&self, dpid: u64) -> Option<u64> {
        self.handle.switches.get(DatapathId(dpid)).map(|h| h.conn)
    }

    /// The state the tap module reports for `name` (as the REST API lists it).
    pub fn tap_state(&self, name: &str) -> String {
        self.handle
            .taps
            .as_ref()
            .expect("tap module running")
            .list()
            .into_iter()
            .find(|t| t.name == name)
            .map(|t| t.state)
            .unwrap_or_else(|| panic!("no tap {name}"))
    }

    /// Recorded events since `since`.
    pub fn events_since(&self, since: Instant) -> Vec<Seen> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(t, _)| *t >= since)
            .map(|(_, s)| s.clone())
            .collect()
    }
}

impl Drop for Ctl {
    fn drop(&mut self) {
        self.shutdown.cancel();
        self.tracker.close();
        let t = self.tracker.clone();
        let _ = self
            .rt
            .block_on(async { tokio::time::timeout(SECS(5), t.wait()).await });
    }
}

/// Flows on `bridge` with a tap cookie (0x7d03...).
pub fn tap_flows(lab: &Lab, bridge: &str) -> usize {
    lab.dump_flows(bridge)
        .iter()
        .filter(|f| f.cookie >> 48 == 0x7d03)
        .count()
}

/// Poll `cond` every 50 ms for up to `limit`; the time it took.
pub fn wait_for(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    start.elapsed()
}
