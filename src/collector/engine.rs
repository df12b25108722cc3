//! The sans-IO analytics engine: samples in, flow metrics, threshold events and per-agent
//! stats out. No sockets, no clock: every input carries `now` (epoch ms).
//!
//! Call order: `handle_datagram_meta` once per decoded datagram, then `handle_sample` /
//! `handle_counters` for its samples (or `handle_parse_error` for a datagram that did not
//! decode); `handle_timeout` every few hundred ms (it expires idle flows and re-arms
//! thresholds); `poll_events` after each batch. Queries (`metric`, `active_flows`,
//! `agents`, `events_after`) can be made at any time.

use std::collections::{BTreeMap, VecDeque};
use std::net::IpAddr;

use super::agents::{Agents, SeqOutcome};
use super::flow_def::{
    FlowDef, FlowDefConfig, FlowDefError, ThresholdDefConfig, ThresholdDefError,
};
use super::ifmap::IfMap;
use super::sample::{DatagramMeta, PacketSample, PortCounters};
use super::table::{ActiveFlow, FlowTable, MetricEntry};
use super::threshold::Threshold;
use crate::trigger::{split_flow_key, TriggerEvent, TriggerSource};

/// Events waiting for `poll_events` at most; older ones are dropped and counted.
pub const MAX_PENDING: usize = 10_000;
/// Events kept for `events_after` (the `/events/json` long-poll).
pub const HISTORY: usize = 1_000;

/// Which agents a query covers: sFlow-RT's `ALL` or `10.0.0.1;10.0.0.2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentFilter {
    /// Every agent.
    All,
    /// These agents.
    List(Vec<IpAddr>),
}

/// An agent list that is neither `ALL` nor addresses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad agent {0:?} (use ALL or addresses separated by ';')")]
pub struct BadAgent(pub String);

impl AgentFilter {
    /// Parses `ALL` or `a;b;c`.
    pub fn parse(s: &str) -> Result<Self, BadAgent> {
        if s.eq_ignore_ascii_case("all") {
            return Ok(AgentFilter::All);
        }
        s.split(';')
            .map(|a| a.trim().parse().map_err(|_| BadAgent(a.to_string())))
            .collect::<Result<Vec<_>, _>>()
            .map(AgentFilter::List)
    }

    fn accepts(&self, a: IpAddr) -> bool {
        match self {
            AgentFilter::All => true,
            AgentFilter::List(l) => l.contains(&a),
        }
    }
}

/// Engine-wide counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EngineStats {
    /// Flow samples handled.
    pub flow_samples: u64,
    /// Counter samples handled.
    pub counter_samples: u64,
    /// Datagrams that did not decode.
    pub parse_errors: u64,
    /// Events raised.
    pub events_generated: u64,
    /// Events dropped because nobody polled them in time.
    pub events_lost: u64,
}

/// The engine.
#[derive(Debug, Default)]
pub struct Engine {
    tables: BTreeMap<String, FlowTable>,
    thresholds: BTreeMap<String, Threshold>,
    agents: Agents,
    ifmap: IfMap,
    pending: VecDeque<TriggerEvent>,
    history: VecDeque<TriggerEvent>,
    last_event_id: u64,
    stats: EngineStats,
    /// [`super::adapter::feed_datagram`]'s buffer for one datagram's flow samples, kept
    /// between calls so that decoding does not allocate per datagram.
    pub(super) sample_buf: Vec<PacketSample>,
}

impl Engine {
    /// An engine with no flows or thresholds.
    pub fn new() -> Self {
        Self::default()
    }

    /// Defines (or redefines, dropping its flows) flow `name`.
    pub fn set_flow(&mut self, name: &str, cfg: &FlowDefConfig) -> Result<(), FlowDefError> {
        let def = FlowDef::compile(name, cfg)?;
        self.tables.insert(name.to_string(), FlowTable::new(def));
        Ok(())
    }

    /// Removes flow `name`; false if there was none.
    pub fn remove_flow(&mut self, name: &str) -> bool {
        self.tables.remove(name).is_some()
    }

    /// Flow `name`'s definition.
    pub fn flow(&self, name: &str) -> Option<&FlowDef> {
        self.tables.get(name).map(|t| &t.def)
    }

    /// Every flow definition, by name.
    pub fn flows(&self) -> impl Iterator<Item = &FlowDef> {
        self.tables.values().map(|t| &t.def)
    }

    /// Flows tracked and evicted (cap reached) for `name`.
    pub fn flow_counts(&self, name: &str) -> Option<(usize, u64)> {
        self.tables.get(name).map(|t| (t.len(), t.evicted))
    }

    /// Defines (or redefines, re-arming it) threshold `name`. The metric may be defined
    /// later, as in sFlow-RT.
    pub fn set_threshold(
        &mut self,
        name: &str,
        cfg: &ThresholdDefConfig,
    ) -> Result<(), ThresholdDefError> {
        cfg.validate(name)?;
        self.thresholds
            .insert(name.to_string(), Threshold::new(name, cfg.clone()));
        Ok(())
    }

    /// Removes threshold `name`; false if there was none.
    pub fn remove_threshold(&mut self, name: &str) -> bool {
        self.thresholds.remove(name).is_some()
    }

    /// Threshold `name`'s definition.
    pub fn threshold(&self, name: &str) -> Option<&ThresholdDefConfig> {
        self.thresholds.get(name).map(|t| &t.cfg)
    }

    /// Every threshold, by name.
    pub fn thresholds(&self) -> impl Iterator<Item = (&str, &ThresholdDefConfig)> {
        self.thresholds.iter().map(|(n, t)| (n.as_str(), &t.cfg))
    }

    /// A decoded datagram's header.
    pub fn handle_datagram_meta(&mut self, now: u64, m: &DatagramMeta) -> Option<SeqOutcome> {
        self.agents.handle_datagram(now, m)
    }

    /// A datagram from `source` (the UDP peer) that did not decode.
    pub fn handle_parse_error(&mut self, now: u64, source: IpAddr) {
        self.stats.parse_errors += 1;
        self.agents.handle_parse_error(now, source);
    }

    /// One flow sample: updates every flow definition it passes, and raises events for
    /// thresholds it lifts a flow over.
    pub fn handle_sample(&mut self, now: u64, s: &PacketSample) {
        self.stats.flow_samples += 1;
        let Engine {
            tables,
            thresholds,
            ifmap,
            ..
        } = self;
        let mut raised = Vec::new();
        for table in tables.values_mut() {
            let t = table.def.t;
            let Some(up) = table.handle_sample(now, s) else {
                continue;
            };
            for th in thresholds.values_mut() {
                // A flow under the value changes nothing (`handle_update` returns at once):
                // that number test comes first, the metric's name only after it.
                if up.state.value < th.cfg.value || th.cfg.metric != table.def.name {
                    continue;
                }
                let key = table.last_key();
                if !th.handle_update(up.ds, key, up.state, t) {
                    continue;
                }
                let key = table.key_text(key);
                raised.push(TriggerEvent {
                    event_id: 0,
                    timestamp: now,
                    threshold_id: th.name.clone(),
                    metric: th.cfg.metric.clone(),
                    threshold: th.cfg.value,
                    value: up.state.value,
                    agent: up.ds.0,
                    data_source: up.ds.1.to_string(),
                    flow_keys: split_flow_key(&table.names, &key, &table.def.fs),
                    flow_key: Some(key),
                    source: TriggerSource::Embedded,
                    location: ifmap.lookup(up.ds.0, up.ds.1),
                });
            }
        }
        for ev in raised {
            self.push_event(ev);
        }
    }

    fn push_event(&mut self, mut ev: TriggerEvent) {
        self.last_event_id += 1;
        ev.event_id = self.last_event_id;
        self.stats.events_generated += 1;
        if self.pending.len() >= MAX_PENDING {
            self.pending.pop_front();
            self.stats.events_lost += 1;
        }
        if self.history.len() >= HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(ev.clone());
        self.pending.push_back(ev);
    }

    /// One port's counter facts (feeds the ifIndex map).
    pub fn handle_counters(&mut self, _now: u64, c: &PortCounters) {
        self.stats.counter_samples += 1;
        self.ifmap
            .handle_counters(c.agent, c.ifindex, c.openflow_port, c.port_name.as_deref());
    }

    /// Timer: expires idle flows and re-arms thresholds.
    pub fn handle_timeout(&mut self, now: u64) {
        for t in self.tables.values_mut() {
            t.expire(now);
        }
        for t in self.thresholds.values_mut() {
            t.expire(now);
        }
    }

    /// Events raised since the last call, oldest first.
    pub fn poll_events(&mut self) -> Vec<TriggerEvent> {
        self.pending.drain(..).collect()
    }

    /// sFlow-RT `/events/json`: up to `max` events with an id above `after` (-1 for all
    /// kept), optionally of one threshold, **newest first**.
    pub fn events_after(
        &self,
        after: i64,
        threshold: Option<&str>,
        max: usize,
    ) -> Vec<TriggerEvent> {
        self.history
            .iter()
            .rev()
            .filter(|e| i128::from(e.event_id) > i128::from(after))
            .filter(|e| threshold.is_none_or(|t| e.threshold_id == t))
            .take(max)
            .cloned()
            .collect()
    }

    /// The newest event id (0 before the first).
    pub fn last_event_id(&self) -> u64 {
        self.last_event_id
    }

    /// The `n` largest flows of `name` across all agents, or `None` for an unknown flow.
    pub fn top_flows(&self, now: u64, name: &str, n: usize) -> Option<Vec<ActiveFlow>> {
        self.active_flows(now, &AgentFilter::All, name, n, 0.0)
    }

    /// sFlow-RT `/activeflows/{agent}/{name}/json`.
    pub fn active_flows(
        &self,
        now: u64,
        agents: &AgentFilter,
        name: &str,
        max_flows: usize,
        min_value: f64,
    ) -> Option<Vec<ActiveFlow>> {
        let t = self.tables.get(name)?;
        Some(t.active_flows(now, &|a| agents.accepts(a), max_flows, min_value))
    }

    /// sFlow-RT `/metric/{agent}/{name}/json` for a flow metric: a one-element array,
    /// `topKeys` absent when nothing is active. `None` for an unknown flow.
    pub fn metric(&self, now: u64, agents: &AgentFilter, name: &str) -> Option<Vec<MetricEntry>> {
        let t = self.tables.get(name)?;
        Some(vec![t.metric(now, &|a| agents.accepts(a))])
    }

    /// Per-agent stats.
    pub fn agents(&self) -> &Agents {
        &self.agents
    }

    /// The ifIndex map.
    pub fn ifmap(&self) -> &IfMap {
        &self.ifmap
    }

    /// The ifIndex map, to add ports the controller knows.
    pub fn ifmap_mut(&mut self) -> &mut IfMap {
        &mut self.ifmap
    }

    /// Engine-wide counters.
    pub fn stats(&self) -> &EngineStats {
        &self.stats
    }
}
