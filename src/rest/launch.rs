//! Running the controller with its REST API: what `tapdemon run` calls.
//!
//! The wiring, in one place: the event forwarder module joins the configured modules, the
//! trigger sources start (`controller::start_sources`), the REST server serves a
//! [`RuntimeView`] of the running controller (topology from `Handle::topology`, sFlow-RT
//! API over `Handle::sources.collector`), and SIGHUP reloads the config file.
//!
//! Flow statistics and polled port counters come from [`start_stats`], topology and tap
//! changes reach the event stream through [`start_watch`]; patches and triggers are shown
//! from the running config (`super::config_view::ConfigTables`).
//! A reload (SIGHUP or the API) applies taps, patches and triggers as a diff through
//! [`ModulesApplier`].

use std::path::PathBuf;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::info;

use super::stats::StatsService;
use super::watch::SnapshotFn;
use super::RestConfig;
use crate::controller::Handle;

use super::events::{EventForwarder, EventHub};
use super::reload::{reload_on_sighup, ConfigReloader, ModulesApplier};
use super::runtime_view::{ConfigFn, RuntimeView};
use super::state::Reloader;
use super::{AppState, RestError};
use crate::config::Config;
use crate::controller;
use crate::module::ModuleSpec;

/// Run the controller on `listeners`, with the REST API when `[rest] enabled`, until
/// `shutdown` is cancelled. `config_path`: the file SIGHUP and `POST /api/reload` re-read.
pub async fn run(
    listeners: Vec<controller::Listener>,
    config: Config,
    config_path: Option<PathBuf>,
    shutdown: CancellationToken,
) -> Result<(), RestError> {
    let hub = EventHub::default();
    let rest = config.rest.clone();
    let forwarder = ModuleSpec {
        module: Box::new(EventForwarder::new(hub.clone())),
        switches: None,
    };
    let (handle, tracker) =
        controller::start_with(listeners, config.clone(), shutdown.clone(), vec![forwarder]);
    let applier = Arc::new(ModulesApplier::new(handle.bus.clone()));
    let reloader =
        config_path.map(|p| Arc::new(ConfigReloader::new(p, config.clone()).with_applier(applier)));
    let handle = controller::start_sources(handle, &config, &tracker, shutdown.clone()).await;
    let sflow = handle
        .sources
        .collector
        .as_ref()
        .map(super::sflow_collector::CollectorService::new);
    let taps = handle.taps.clone().map(|table| {
        super::taps_adapter::TapsAdapter::new(handle.bus.clone(), table, handle.switches.clone())
    });
    let stats = start_stats(&handle, &rest, &tracker, shutdown.clone());
    // Only the REST API reads what the watch publishes; without it, diffing the topology
    // (every host) twice a second is work for nobody.
    if rest.enabled {
        start_watch(&hub, &handle, &tracker, shutdown.clone());
    }
    // Patches and triggers as the running config has them: the reloader's after a reload.
    let running: ConfigFn = match &reloader {
        Some(r) => {
            let r = r.clone();
            Arc::new(move || r.current())
        }
        None => {
            let c = Arc::new(config.clone());
            Arc::new(move || c.clone())
        }
    };
    let mut view = RuntimeView::new(handle)
        .with_stats(Arc::new(stats))
        .with_config(running);
    if let Some(t) = taps {
        view = view.with_taps(Arc::new(t));
    }
    if let Some(r) = &reloader {
        view = view.with_reloader(r.clone());
        let r: Arc<dyn Reloader> = r.clone();
        tracker.spawn(reload_on_sighup(r, hub.clone(), shutdown.clone()));
    }
    let mut result = Ok(());
    if rest.enabled {
        let mut state = AppState::new(Arc::new(view), hub);
        if let Some(c) = sflow {
            state = state.with_sflow(Arc::new(c));
        }
        match super::start(&rest, state, shutdown.clone(), &tracker).await {
            Ok(addrs) => info!(?addrs, "REST API up"),
            Err(e) => {
                result = Err(e);
                shutdown.cancel();
            }
        }
    }
    shutdown.cancelled().await;
    info!("shutting down");
    tracker.close();
    tracker.wait().await;
    info!("stopped");
    result
}

/// Statistics over `handle`'s switches, with the port-stats poller running every
/// `[rest] port_stats_interval_secs` (unless 0) until `shutdown`.
pub fn start_stats(
    handle: &Handle,
    rest: &RestConfig,
    tracker: &TaskTracker,
    shutdown: CancellationToken,
) -> StatsService {
    let stats = StatsService::new(handle.switches.clone(), rest.stats_timeout());
    if let Some(interval) = rest.port_stats_interval() {
        tracker.spawn(stats.clone().run_poller(interval, shutdown));
    }
    stats
}

/// Publish topology changes (from `handle.topology`) and tap changes (from `handle.taps`)
/// into `hub` until `shutdown`.
pub fn start_watch(
    hub: &EventHub,
    handle: &Handle,
    tracker: &TaskTracker,
    shutdown: CancellationToken,
) {
    let topology = handle.topology.clone().map(|t| {
        let f: SnapshotFn = Arc::new(move || t.read().snapshot(std::time::Instant::now()));
        f
    });
    tracker.spawn(super::watch::run(
        hub.clone(),
        topology,
        handle.taps.clone(),
        shutdown,
    ));
}
