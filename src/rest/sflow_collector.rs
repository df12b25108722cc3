//! [`SflowService`] over the embedded collector's engine: each method locks the engine
//! once (except the per-agent counters, read from the collector's published
//! [`AgentSnapshot`]) and serialises the collector's own types, which already carry sFlow-RT's field
//! names (`MetricEntry`, `ActiveFlow`, `TriggerEvent`, `AgentStats`, `FlowDefConfig`).

use std::net::IpAddr;

use serde_json::{json, Map, Value};

use super::sflow::SflowService;
use super::state::AgentView;
use crate::collector::agents::AgentSnapshot;
use crate::collector::flow_def::{FlowDefConfig, ThresholdDefConfig};
use crate::collector::udp::{lock, Clock};
use crate::collector::{AgentFilter, CollectorHandle, SharedEngine};

/// The collector as the REST API sees it.
#[derive(Debug, Clone)]
pub struct CollectorService {
    engine: SharedEngine,
    clock: Clock,
    agents: AgentSnapshot,
}

impl CollectorService {
    /// Over a running collector.
    pub fn new(handle: &CollectorHandle) -> Self {
        CollectorService {
            engine: handle.engine.clone(),
            clock: handle.clock,
            agents: handle.agents.clone(),
        }
    }

    /// Over an engine, its clock and its published agent counters (tests feed the engine
    /// directly and publish with [`AgentSnapshot::publish`]).
    pub fn from_parts(engine: SharedEngine, clock: Clock, agents: AgentSnapshot) -> Self {
        CollectorService {
            engine,
            clock,
            agents,
        }
    }
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

impl SflowService for CollectorService {
    fn put_flow(&self, name: &str, def: Value) -> Result<(), String> {
        let cfg: FlowDefConfig = serde_json::from_value(def).map_err(|e| e.to_string())?;
        lock(&self.engine)
            .set_flow(name, &cfg)
            .map_err(|e| e.to_string())
    }

    fn flow(&self, name: &str) -> Option<Value> {
        lock(&self.engine).flow(name).map(|d| to_value(&d.config))
    }

    fn flows(&self) -> Map<String, Value> {
        lock(&self.engine)
            .flows()
            .map(|d| (d.name.clone(), to_value(&d.config)))
            .collect()
    }

    fn delete_flow(&self, name: &str) -> bool {
        lock(&self.engine).remove_flow(name)
    }

    fn put_threshold(&self, name: &str, def: Value) -> Result<(), String> {
        let cfg: ThresholdDefConfig = serde_json::from_value(def).map_err(|e| e.to_string())?;
        lock(&self.engine)
            .set_threshold(name, &cfg)
            .map_err(|e| e.to_string())
    }

    fn threshold(&self, name: &str) -> Option<Value> {
        lock(&self.engine).threshold(name).map(to_value)
    }

    fn thresholds(&self) -> Map<String, Value> {
        lock(&self.engine)
            .thresholds()
            .map(|(n, c)| (n.to_string(), to_value(c)))
            .collect()
    }

    fn delete_threshold(&self, name: &str) -> bool {
        lock(&self.engine).remove_threshold(name)
    }

    fn events_after(&self, after: i64, threshold: Option<&str>, max: usize) -> Vec<Value> {
        lock(&self.engine)
            .events_after(after, threshold, max)
            .iter()
            .map(to_value)
            .collect()
    }

    fn metric(&self, agents: &str, metric: &str) -> Result<Option<Value>, String> {
        let f = AgentFilter::parse(agents).map_err(|e| e.to_string())?;
        let now = self.clock.now();
        Ok(lock(&self.engine)
            .metric(now, &f, metric)
            .map(|m| to_value(&m)))
    }

    fn active_flows(
        &self,
        agents: &str,
        name: &str,
        max_flows: usize,
        min_value: f64,
    ) -> Result<Option<Value>, String> {
        let f = AgentFilter::parse(agents).map_err(|e| e.to_string())?;
        let now = self.clock.now();
        Ok(lock(&self.engine)
            .active_flows(now, &f, name, max_flows, min_value)
            .map(|v| to_value(&v)))
    }

    fn agents(&self, only: &[IpAddr]) -> Value {
        let now = self.clock.now();
        let engine = lock(&self.engine);
        let mut out = Map::new();
        for (addr, stats) in engine.agents().iter() {
            if !only.is_empty() && !only.contains(addr) {
                continue;
            }
            let mut v = to_value(stats);
            if let Some(o) = v.as_object_mut() {
                // sFlow-RT reports both as milliseconds ago.
                o.insert(
                    "firstSeen".into(),
                    json!(now.saturating_sub(stats.first_seen)),
                );
                o.insert(
                    "lastSeen".into(),
                    json!(now.saturating_sub(stats.last_seen)),
                );
                o.insert("sFlowDatagramSource".into(), json!([addr.to_string()]));
            }
            out.insert(addr.to_string(), v);
        }
        Value::Object(out)
    }

    fn analyzer(&self) -> Value {
        let engine = lock(&self.engine);
        let s = engine.stats();
        let (mut datagrams, mut bytes) = (0u64, 0u64);
        for (_, a) in engine.agents().iter() {
            datagrams += a.datagrams;
            bytes += a.bytes;
        }
        json!({
            "sFlowAgents": engine.agents().len(),
            "sFlowDatagramsReceived": datagrams,
            "sFlowBytesReceived": bytes,
            "sFlowParseErrors": s.parse_errors,
            "sFlowFlowSamples": s.flow_samples,
            "sFlowCounterSamples": s.counter_samples,
            "eventsGenerated": s.events_generated,
            "eventsLost": s.events_lost,
            "flowsGenerated": engine.flows().count(),
        })
    }

    /// From the published snapshot, never the engine lock (see [`AgentSnapshot`]).
    fn agent_stats(&self) -> Vec<AgentView> {
        self.agents
            .get()
            .iter()
            .map(|(addr, a)| AgentView {
                agent: *addr,
                datagrams: a.datagrams,
                samples: a.flow_samples + a.counter_samples,
                lost: a.lost,
                parse_errors: a.parse_errors,
            })
            .collect()
    }
}
