//! `GET /api/patches` and `GET /api/triggers` over the running config and the switches.
//!
//! A patch is shown as configured (`[[patch]]`: name, switch, ports, static or activatable),
//! and whether it is installed is read from its switch now: its flows are the patch-cookie
//! flows (`Kind::Patch`) whose `in_port` is one of its ports (the patch module numbers its
//! cookies by creation, and a reload keeps a patch's id, so the config order says nothing;
//! two patches on one switch never share a port), and the time left of an activation is
//! their hard timeout minus their age. A trigger is shown as
//! configured (`[[trigger]]`), with the threshold events for its threshold that the event
//! hub holds (the handler adds them).

use futures_util::future::join_all;
use proto::DatapathId;

use super::error::ApiError;
use super::state::{FlowStat, PatchView, SwitchStats, TriggerView};
use crate::config::Config;
use crate::pipeline::cookie::{Cookie, Kind};

/// One `[[patch]]`, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchDef {
    /// Name.
    pub name: String,
    /// The switch as configured (`s2`).
    pub switch: String,
    /// Its datapath id, when `[switches]` names it (or it is a dpid).
    pub dpid: Option<DatapathId>,
    /// The two ports.
    pub ports: [u32; 2],
    /// Installed whenever the switch is up.
    pub is_static: bool,
}

impl PatchDef {
    /// Whether `f` is one of this patch's flows (on its switch).
    fn owns(&self, f: &FlowStat) -> bool {
        Cookie::parse(f.cookie).is_some_and(|c| c.kind == Kind::Patch)
            && f.match_.in_port.is_some_and(|p| self.ports.contains(&p))
    }
}

/// The config's patches and triggers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigTables {
    /// `[[patch]]`, in config order.
    pub patches: Vec<PatchDef>,
    /// `[[trigger]]`, in config order (`recent_events` empty, `fired` 0).
    pub triggers: Vec<TriggerView>,
}

impl ConfigTables {
    /// From a validated config.
    pub fn from_config(config: &Config) -> Self {
        let dir = config.directory();
        let patches = config
            .patch
            .iter()
            .map(|e| PatchDef {
                name: e.name.get_ref().clone(),
                switch: e.switch.get_ref().to_string(),
                dpid: dir.resolve(e.switch.get_ref()),
                ports: *e.ports.get_ref(),
                is_static: e.is_static,
            })
            .collect();
        let triggers = config
            .trigger
            .iter()
            .map(|t| TriggerView {
                name: t.name.get_ref().clone(),
                threshold: t.threshold.clone(),
                activate: t.activate.iter().map(|a| a.get_ref().clone()).collect(),
                duration_secs: *t.duration_secs.get_ref(),
                fired: 0,
                recent_events: Vec::new(),
            })
            .collect();
        ConfigTables { patches, triggers }
    }

    /// The patches with their state read from the switches (one flow-stats request per
    /// switch, concurrently). A switch that is not connected has its patches inactive; one
    /// that does not answer makes the whole answer fail with its reason.
    pub async fn patches(&self, stats: &dyn SwitchStats) -> Result<Vec<PatchView>, ApiError> {
        let mut dpids: Vec<DatapathId> = self.patches.iter().filter_map(|p| p.dpid).collect();
        dpids.sort();
        dpids.dedup();
        let reads = dpids
            .iter()
            .map(|d| async move { (*d, stats.flow_stats(d.0).await) });
        let mut flows: Vec<(DatapathId, Vec<FlowStat>)> = Vec::new();
        for (dpid, r) in join_all(reads).await {
            match r {
                Ok(f) => flows.push((dpid, f)),
                // Not connected: its patches are simply not installed.
                Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self
            .patches
            .iter()
            .map(|p| {
                let mine: Vec<&FlowStat> = flows
                    .iter()
                    .filter(|(d, _)| Some(*d) == p.dpid)
                    .flat_map(|(_, f)| f.iter())
                    .filter(|f| p.owns(f))
                    .collect();
                let remaining_secs = mine
                    .iter()
                    .filter(|f| f.hard_timeout > 0)
                    .map(|f| f64::from(f.hard_timeout) - f64::from(f.duration_sec))
                    .reduce(f64::min)
                    .map(|s| s.max(0.0));
                PatchView {
                    name: p.name.clone(),
                    switch: p.switch.clone(),
                    ports: p.ports,
                    is_static: p.is_static,
                    active: !mine.is_empty(),
                    remaining_secs,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::state::{BoxFut, PortStatsView};
    use std::path::Path;

    struct Flows(Vec<FlowStat>);

    impl SwitchStats for Flows {
        fn flow_stats(&self, dpid: u64) -> BoxFut<'_, Result<Vec<FlowStat>, ApiError>> {
            Box::pin(async move {
                if dpid == 2 {
                    Ok(self.0.clone())
                } else {
                    Err(ApiError::not_found("not connected"))
                }
            })
        }
        fn port_counters(&self, _dpid: u64) -> Vec<PortStatsView> {
            Vec::new()
        }
    }

    #[tokio::test]
    async fn patch_state_read_from_flows() {
        let cfg = Config::parse(
            r#"
            [switches]
            s1 = 1
            s2 = 2
            [[patch]]
            name = "p1"
            switch = "s1"
            ports = [1, 2]
            [[patch]]
            name = "s2-3-4"
            switch = "s2"
            ports = [3, 4]
            static = false
            "#,
            Path::new("t.toml"),
        )
        .unwrap();
        let t = ConfigTables::from_config(&cfg);
        // Any patch id: after reloads ids no longer follow config order.
        let patch = Cookie::new(Kind::Patch, 9).value();
        let flow = |cookie, in_port, hard_timeout, duration_sec| FlowStat {
            table_id: 0,
            duration_sec,
            priority: 0x2000,
            idle_timeout: 0,
            hard_timeout,
            cookie,
            packet_count: 0,
            byte_count: 0,
            match_: proto::flow::Match {
                in_port: Some(in_port),
                ..Default::default()
            },
            actions: vec![],
        };
        let stats = Flows(vec![
            flow(patch, 3, 120, 20),
            flow(patch, 4, 120, 20),
            // Not a patch cookie, or not its ports: not its flows.
            flow(7, 3, 0, 1),
            flow(patch, 5, 0, 1),
        ]);
        let v = t.patches(&stats).await.unwrap();
        assert_eq!((v[0].name.as_str(), v[0].active), ("p1", false));
        assert_eq!((v[1].active, v[1].remaining_secs), (true, Some(100.0)));
        assert!(!v[1].is_static);
        let none = Flows(vec![]);
        assert!(!t.patches(&none).await.unwrap()[1].active);
    }
}
