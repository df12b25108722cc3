//! [`ControllerView`] over the running controller.
//!
//! Built from what `controller::start` returns ([`Handle`]: the switch registry and the
//! bus), plus the optional parts, each plugged in by one builder call when it runs:
//! - the topology comes from `Handle::topology` (the topology module's engine);
//!   [`RuntimeView::with_topology`] overrides it with any closure returning a snapshot;
//! - [`RuntimeView::with_stats`]: flow-stats and port counters ([`SwitchStats`]);
//! - [`RuntimeView::with_taps`]: the taps pipeline ([`TapService`]);
//! - [`RuntimeView::with_reloader`]: config reload ([`Reloader`]);
//! - [`RuntimeView::with_config`]: patches and triggers as the running config has them
//!   (re-read on every request, so a reload shows), patch state read from the switches
//!   ([`ConfigTables`], needs the stats).
//!
//! Parts not plugged in answer 503 naming the part.

use std::sync::Arc;

use super::config_view::ConfigTables;
use super::error::ApiError;
use super::state::{
    BoxFut, ControllerView, FlowView, PatchView, PortView, ReloadReport, Reloader, SwitchStats,
    SwitchView, TapRequest, TapService, TapView, TopologyView, TriggerView,
};
use crate::controller::Handle;
use crate::event::SwitchInfo;
use crate::switch::Version;
use crate::topology::Snapshot;

/// A function returning the current topology.
pub type TopologyFn = Arc<dyn Fn() -> Snapshot + Send + Sync>;

/// The view.
#[derive(Clone)]
pub struct RuntimeView {
    runtime: Handle,
    topology: Option<TopologyFn>,
    stats: Option<Arc<dyn SwitchStats>>,
    taps: Option<Arc<dyn TapService>>,
    reloader: Option<Arc<dyn Reloader>>,
    config: Option<ConfigFn>,
}

/// A function returning the running config (the reloader's current one, or a fixed one).
pub type ConfigFn = Arc<dyn Fn() -> Arc<crate::config::Config> + Send + Sync>;

impl std::fmt::Debug for RuntimeView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeView")
            .field("topology", &self.topology.is_some())
            .field("stats", &self.stats.is_some())
            .field("taps", &self.taps.is_some())
            .field("reloader", &self.reloader.is_some())
            .field("config", &self.config.is_some())
            .finish()
    }
}

impl RuntimeView {
    /// A view of the switches and modules only.
    pub fn new(runtime: Handle) -> Self {
        RuntimeView {
            runtime,
            topology: None,
            stats: None,
            taps: None,
            reloader: None,
            config: None,
        }
    }

    /// Add the running config's patches and triggers.
    pub fn with_config(mut self, c: ConfigFn) -> Self {
        self.config = Some(c);
        self
    }

    /// Add the topology.
    pub fn with_topology(mut self, f: TopologyFn) -> Self {
        self.topology = Some(f);
        self
    }

    /// Add flow and port statistics.
    pub fn with_stats(mut self, s: Arc<dyn SwitchStats>) -> Self {
        self.stats = Some(s);
        self
    }

    /// Add the taps pipeline.
    pub fn with_taps(mut self, t: Arc<dyn TapService>) -> Self {
        self.taps = Some(t);
        self
    }

    /// Add config reload.
    pub fn with_reloader(mut self, r: Arc<dyn Reloader>) -> Self {
        self.reloader = Some(r);
        self
    }

    fn switch_view(&self, info: &SwitchInfo) -> SwitchView {
        let counters = self
            .stats
            .as_ref()
            .map(|s| s.port_counters(info.id.dpid.0))
            .unwrap_or_default();
        SwitchView {
            dpid: info.id.dpid.to_string(),
            name: info.id.name.as_deref().map(str::to_string),
            version: match info.version {
                Version::Of10 => "1.0",
                Version::Of13 => "1.3",
            },
            n_tables: info.n_tables,
            n_buffers: info.n_buffers,
            ports: info
                .ports
                .values()
                .map(|p| PortView {
                    port_no: p.port_no,
                    name: p.name.clone(),
                    hw_addr: p.hw_addr.to_string(),
                    up: p.is_up(),
                    admin_down: p.admin_down,
                    link_down: p.link_down,
                    counters: counters
                        .iter()
                        .find(|c| c.port_no == p.port_no)
                        .map(|c| c.counters),
                    rates: counters
                        .iter()
                        .find(|c| c.port_no == p.port_no)
                        .and_then(|c| c.rates),
                })
                .collect(),
        }
    }
}

impl ControllerView for RuntimeView {
    fn switches(&self) -> Vec<SwitchView> {
        self.runtime
            .switches
            .list()
            .iter()
            .map(|i| self.switch_view(i))
            .collect()
    }

    fn topology(&self) -> Result<TopologyView, ApiError> {
        let s = match (&self.topology, &self.runtime.topology) {
            (Some(f), _) => f(),
            (None, Some(shared)) => shared.read().snapshot(std::time::Instant::now()),
            (None, None) => return Err(ApiError::unavailable("topology (the topology module)")),
        };
        Ok(TopologyView {
            links: s.links,
            hosts: s.hosts,
        })
    }

    fn flows(&self, dpid: u64) -> BoxFut<'_, Result<Vec<FlowView>, ApiError>> {
        Box::pin(async move {
            let s = self
                .stats
                .as_ref()
                .ok_or_else(|| ApiError::unavailable("flow statistics"))?;
            let stats = s.flow_stats(dpid).await?;
            Ok(stats.iter().map(FlowView::from_stat).collect())
        })
    }

    fn taps(&self) -> Result<Vec<TapView>, ApiError> {
        Ok(self.tap_service()?.taps())
    }

    fn create_tap(&self, req: TapRequest) -> BoxFut<'_, Result<TapView, ApiError>> {
        Box::pin(async move { Ok(self.tap_service()?.create(req).await?) })
    }

    fn delete_tap(&self, id: String) -> BoxFut<'_, Result<TapView, ApiError>> {
        Box::pin(async move { Ok(self.tap_service()?.delete(id).await?) })
    }

    fn patches(&self) -> BoxFut<'_, Result<Vec<PatchView>, ApiError>> {
        Box::pin(async move {
            match (&self.config, &self.stats) {
                (Some(c), Some(s)) => ConfigTables::from_config(&c()).patches(s.as_ref()).await,
                _ => Ok(self.tap_service()?.patches()),
            }
        })
    }

    fn triggers(&self) -> Result<Vec<TriggerView>, ApiError> {
        match &self.config {
            Some(c) => Ok(ConfigTables::from_config(&c()).triggers),
            None => Ok(self.tap_service()?.triggers()),
        }
    }

    fn reload(&self) -> BoxFut<'_, Result<ReloadReport, ApiError>> {
        Box::pin(async move {
            match &self.reloader {
                Some(r) => r.reload().await,
                None => Err(ApiError::unavailable(
                    "config reload (the controller was started without a config file)",
                )),
            }
        })
    }

    fn dropped_packet_ins(&self) -> Vec<(&'static str, u64)> {
        let bus = &self.runtime.bus;
        bus.module_names()
            .into_iter()
            .enumerate()
            .map(|(i, name)| (name, bus.dropped_packet_ins(i)))
            .collect()
    }
}

impl RuntimeView {
    fn tap_service(&self) -> Result<&dyn TapService, ApiError> {
        self.taps
            .as_deref()
            .ok_or_else(|| ApiError::unavailable("taps (the taps pipeline)"))
    }
}
