//! The controller in-process for lab tests: its own tokio runtime, an ephemeral OpenFlow
//! port, optionally its trigger sources and extra modules, stopped on drop; and the small
//! helpers every lab test file wanted (free ports, polling with a message).

use std::net::{TcpListener, UdpSocket};
use std::path::Path;
use std::time::{Duration, Instant};

use tapdemon::config::Config;
use tapdemon::controller::{self, Handle};
use tapdemon::module::ModuleSpec;
use tapdemon::modules::tap::TapInfo;
use tokio::runtime::Runtime;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// A controller running in its own tokio runtime, stopped on drop.
pub struct InProcess {
    pub rt: Runtime,
    /// Where switches connect (the config's `listen` is not used).
    pub port: u16,
    pub handle: Handle,
    /// Cancelled on drop (a test may check the controller did not stop itself).
    pub shutdown: CancellationToken,
    tracker: TaskTracker,
}

impl InProcess {
    /// The configured modules only.
    pub fn start(config_text: &str) -> InProcess {
        Self::start_with(config_text, false, Vec::new())
    }

    /// With its trigger sources (embedded sFlow collector, sFlow-RT client).
    pub fn start_with_sources(config_text: &str) -> InProcess {
        Self::start_with(config_text, true, Vec::new())
    }

    /// `sources`: also start the trigger sources; `extra`: modules run after the
    /// configured ones.
    pub fn start_with(config_text: &str, sources: bool, extra: Vec<ModuleSpec>) -> InProcess {
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
        InProcess {
            rt,
            port,
            handle,
            shutdown,
            tracker,
        }
    }

    /// The embedded collector's UDP port (started with its sources).
    pub fn sflow_port(&self) -> u16 {
        self.handle
            .sources
            .collector
            .as_ref()
            .expect("the embedded collector started")
            .local_addr
            .port()
    }

    /// The tap `name` as the controller's tap table shows it.
    pub fn tap(&self, name: &str) -> TapInfo {
        let taps = self.handle.taps.as_ref().expect("the tap module runs");
        taps.list()
            .into_iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no tap {name}"))
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        stop(&self.rt, &self.shutdown, &self.tracker);
    }
}

/// Cancel a controller started on `rt` and wait (5 s at most) for its tasks to end: the
/// Drop of every test's running controller, however it was started.
pub fn stop(rt: &Runtime, shutdown: &CancellationToken, tracker: &TaskTracker) {
    shutdown.cancel();
    tracker.close();
    let t = tracker.clone();
    let _ = rt.block_on(async { tokio::time::timeout(Duration::from_secs(5), t.wait()).await });
}

/// Poll `cond` every 50 ms for up to `limit`, failing with `what`; the time it took.
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

/// A TCP port free on 127.0.0.1 now.
pub fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A UDP port free on 127.0.0.1 now.
pub fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
