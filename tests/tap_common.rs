//! Shared by the tap OVS tests: the controller in-process, and waiting helpers.
#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use tapdemon::config::Config;
use tapdemon::controller::{self, Handle};
use tokio::runtime::Runtime;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// A controller running in its own tokio runtime, stopped on drop.
pub struct Ctl {
    pub rt: Runtime,
    pub port: u16,
    pub handle: Handle,
    shutdown: CancellationToken,
    tracker: TaskTracker,
}

impl Ctl {
    /// Start with `config_text` (its `listen` is replaced by an ephemeral port).
    pub fn start(config_text: &str) -> Ctl {
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
            controller::start(vec![listener], config, shutdown.clone())
        };
        Ctl {
            rt,
            port,
            handle,
            shutdown,
            tracker,
        }
    }
}

impl Drop for Ctl {
    fn drop(&mut self) {
        self.shutdown.cancel();
        self.tracker.close();
        let t = self.tracker.clone();
        let _ = self
            .rt
            .block_on(async { tokio::time::timeout(Duration::from_secs(5), t.wait()).await });
    }
}

/// Poll `cond` every 100 ms for up to `limit`.
pub fn wait_for(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
