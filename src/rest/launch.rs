//! Running the controller with its REST API: what `tapdemon run` calls.
//!
//! The wiring, in one place: the event forwarder module joins the configured modules, the
//! trigger sources start (`controller::start_sources`), the REST server serves a
//! [`RuntimeView`] of the running controller (topology from `Handle::topology`, sFlow-RT
//! API over `Handle::sources.collector`), and SIGHUP reloads the config file.
//!
//! Still to plug in here when those parts land (one builder call each):
//! - taps: `view.with_taps(Arc::new(TapsAdapter::new(bus, handle.taps, switches)))`
//!   (branch `rest-taps`: `src/rest/taps_adapter.rs`, tested on OVS by `tests/rest_ovs.rs`);
//! - flows per switch and port counters: `view.with_stats(..)`, a [`super::state::SwitchStats`]
//!   over a flow-stats / port-stats request in the switch session;
//! - config diff of taps, patches and triggers: `ConfigReloader::with_applier(..)`.

use std::path::PathBuf;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tracing::info;

use super::events::{EventForwarder, EventHub};
use super::reload::{reload_on_sighup, ConfigReloader};
use super::runtime_view::RuntimeView;
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
    let reloader = config_path.map(|p| Arc::new(ConfigReloader::new(p, config.clone())));
    let (handle, tracker) =
        controller::start_with(listeners, config.clone(), shutdown.clone(), vec![forwarder]);
    let handle = controller::start_sources(handle, &config, &tracker, shutdown.clone()).await;
    let sflow = handle
        .sources
        .collector
        .as_ref()
        .map(super::sflow_collector::CollectorService::new);
    let taps = handle.taps.clone().map(|table| {
        super::taps_adapter::TapsAdapter::new(handle.bus.clone(), table, handle.switches.clone())
    });
    let mut view = RuntimeView::new(handle);
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
