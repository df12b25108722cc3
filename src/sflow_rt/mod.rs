//! sFlow-RT's REST API, client side: its JSON shapes and the pure (sans-IO) logic of the
//! event long-poll and of the metric poll. The HTTP calls are in [`client`]; the task that
//! drives them is [`crate::modules::sflow_rt`].
//!
//! Shapes and semantics are those summarised, with their sources, in
//! `shared/notes/sflow-rt-api.md` (sections 1.5 events, 1.6 metric).

pub mod client;

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;

use serde::{Deserialize, Deserializer};

use crate::trigger::{split_flow_key, PortLocation, TriggerEvent, TriggerSource};

/// One element of `GET /events/json` (sflow-rt-api.md 1.5; sFlow-RT `events.js`,
/// `extras/threshold.py`). Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RtEvent {
    /// `eventID`.
    #[serde(rename = "eventID")]
    pub event_id: u64,
    /// `timestamp`, epoch ms.
    #[serde(default)]
    pub timestamp: u64,
    /// `thresholdID`.
    #[serde(rename = "thresholdID", default)]
    pub threshold_id: String,
    /// `metric`.
    #[serde(default)]
    pub metric: String,
    /// `threshold`.
    #[serde(default)]
    pub threshold: f64,
    /// `value`.
    #[serde(default)]
    pub value: f64,
    /// `agent`.
    pub agent: String,
    /// `dataSource` ("3"; accepted as a number too).
    #[serde(rename = "dataSource", default, deserialize_with = "text_or_number")]
    pub data_source: String,
    /// `flowKey`, for flow thresholds.
    #[serde(rename = "flowKey", default)]
    pub flow_key: Option<String>,
}

/// One element of `GET /metric/{agent}/{metric}/json` (sflow-rt-api.md 1.6; sFlow-RT
/// `metricchart.js`; `topKeys` is absent when no flow is active).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RtMetric {
    /// `agent`.
    #[serde(default)]
    pub agent: Option<String>,
    /// `dataSource`.
    #[serde(default, deserialize_with = "opt_text_or_number")]
    pub data_source: Option<String>,
    /// `metricName`.
    #[serde(default)]
    pub metric_name: String,
    /// `metricValue`.
    #[serde(default)]
    pub metric_value: Option<f64>,
    /// `topKeys`.
    #[serde(default)]
    pub top_keys: Option<Vec<RtTopKey>>,
}

/// One of `topKeys`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RtTopKey {
    /// The flow key.
    pub key: String,
    /// Its value.
    pub value: f64,
}

fn text_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(opt_text_or_number(d)?.unwrap_or_default())
}

fn opt_text_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// What tapdemon knows about a flow definition it PUT (to split flow keys).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowKeyNames {
    /// Flow name → (key names, separator).
    pub flows: BTreeMap<String, (Vec<String>, String)>,
}

impl FlowKeyNames {
    /// Reads `keys` (comma-separated text or list) and `fs` from sFlow-RT flow definitions.
    pub fn from_definitions<'a>(
        defs: impl IntoIterator<Item = (&'a String, &'a serde_json::Value)>,
    ) -> Self {
        let mut flows = BTreeMap::new();
        for (name, def) in defs {
            let keys: Vec<String> = match def.get("keys") {
                Some(serde_json::Value::String(s)) => {
                    s.split(',').map(|k| k.trim().to_string()).collect()
                }
                Some(serde_json::Value::Array(a)) => a
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect(),
                _ => Vec::new(),
            };
            let fs = def
                .get("fs")
                .and_then(|v| v.as_str())
                .unwrap_or(",")
                .to_string();
            flows.insert(name.clone(), (keys, fs));
        }
        FlowKeyNames { flows }
    }

    fn split(&self, metric: &str, key: &str) -> Vec<(String, String)> {
        match self.flows.get(metric) {
            Some((names, fs)) => split_flow_key(names, key, fs),
            None => Vec::new(),
        }
    }
}

/// Maps a data source to a switch port (the embedded collector's ifIndex map).
pub type Locate = dyn Fn(IpAddr, u32) -> Option<PortLocation> + Send + Sync;

/// A response element that cannot become a trigger event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sFlow-RT event {event_id}: agent {agent:?} is not an IP address")]
pub struct BadRtEvent {
    /// The event.
    pub event_id: u64,
    /// The agent text.
    pub agent: String,
}

/// Converts an sFlow-RT event.
pub fn to_trigger(
    ev: &RtEvent,
    names: &FlowKeyNames,
    locate: Option<&Locate>,
) -> Result<TriggerEvent, BadRtEvent> {
    let agent: IpAddr = ev.agent.parse().map_err(|_| BadRtEvent {
        event_id: ev.event_id,
        agent: ev.agent.clone(),
    })?;
    let location = match (locate, ev.data_source.parse::<u32>()) {
        (Some(f), Ok(i)) => f(agent, i),
        _ => None,
    };
    Ok(TriggerEvent {
        event_id: ev.event_id,
        timestamp: ev.timestamp,
        threshold_id: ev.threshold_id.clone(),
        metric: ev.metric.clone(),
        threshold: ev.threshold,
        value: ev.value,
        agent,
        data_source: ev.data_source.clone(),
        flow_key: ev.flow_key.clone(),
        flow_keys: ev
            .flow_key
            .as_deref()
            .map(|k| names.split(&ev.metric, k))
            .unwrap_or_default(),
        source: TriggerSource::SflowRt,
        location,
    })
}

/// The event long-poll's position: which events were already delivered.
///
/// sFlow-RT answers newest first; [`EventCursor::accept`] returns only events newer than
/// everything delivered so far, oldest first, so an event is delivered once even when a
/// reconnect or a misbehaving server repeats it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventCursor {
    last: Option<u64>,
}

impl Default for EventCursor {
    fn default() -> Self {
        Self::new()
    }
}

impl EventCursor {
    /// Nothing seen (`eventID=-1`).
    pub fn new() -> Self {
        EventCursor { last: None }
    }

    /// The `eventID` query parameter: the newest delivered id, or -1.
    pub fn query_id(&self) -> i64 {
        self.last
            .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX))
    }

    /// The newest delivered id.
    pub fn last(&self) -> Option<u64> {
        self.last
    }

    /// At the first connection: skip the server's backlog, start after `newest`.
    pub fn start_at(&mut self, newest: Option<u64>) {
        self.last = newest;
    }

    /// After a reconnect: `newest` is the newest id the server has now (`None` if it has
    /// none). A server that restarted has ids below ours: start over from its newest, so
    /// that its new events are not mistaken for old ones. Otherwise keep our place, so the
    /// events of the outage are delivered. Returns true on a reset.
    pub fn sync(&mut self, newest: Option<u64>) -> bool {
        match (self.last, newest) {
            (Some(l), Some(n)) if n < l => {
                self.last = Some(n);
                true
            }
            (Some(_), None) => {
                self.last = None;
                true
            }
            _ => false,
        }
    }

    /// Takes one long-poll answer (any order); returns the new events, oldest first.
    pub fn accept(&mut self, mut events: Vec<RtEvent>) -> Vec<RtEvent> {
        let last = self.last;
        events.retain(|e| last.is_none_or(|l| e.event_id > l));
        events.sort_by_key(|e| e.event_id);
        events.dedup_by_key(|e| e.event_id);
        if let Some(e) = events.last() {
            self.last = Some(e.event_id);
        }
        events
    }
}

/// Turns `/metric/ALL/{name}/json` answers into events the way the original cron script
/// used them (`topKeys[0].key`), without repeating itself: a key raises an event when it
/// enters the top keys with at least `min_value`, and again only after it has left them.
#[derive(Debug, Default)]
pub struct MetricWatcher {
    active: BTreeMap<String, HashSet<String>>,
    next_id: u64,
}

impl MetricWatcher {
    /// A watcher with nothing active.
    pub fn new() -> Self {
        Self::default()
    }

    /// One answer for metric `name` at `now` (epoch ms). Events have `thresholdID`
    /// `metric:NAME` and ids counted locally.
    pub fn handle(
        &mut self,
        now: u64,
        name: &str,
        answer: &[RtMetric],
        min_value: f64,
        names: &FlowKeyNames,
        locate: Option<&Locate>,
    ) -> Vec<TriggerEvent> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for m in answer {
            let (Some(keys), Some(agent)) = (
                &m.top_keys,
                m.agent.as_deref().and_then(|a| a.parse::<IpAddr>().ok()),
            ) else {
                continue;
            };
            let ds = m.data_source.clone().unwrap_or_default();
            for k in keys.iter().filter(|k| k.value >= min_value) {
                seen.insert(k.key.clone());
                let active = self.active.entry(name.to_string()).or_default();
                if active.contains(&k.key) {
                    continue;
                }
                self.next_id += 1;
                out.push(TriggerEvent {
                    event_id: self.next_id,
                    timestamp: now,
                    threshold_id: format!("metric:{name}"),
                    metric: name.to_string(),
                    threshold: min_value,
                    value: k.value,
                    agent,
                    data_source: ds.clone(),
                    flow_key: Some(k.key.clone()),
                    flow_keys: names.split(name, &k.key),
                    source: TriggerSource::SflowRt,
                    location: match (locate, ds.parse::<u32>()) {
                        (Some(f), Ok(i)) => f(agent, i),
                        _ => None,
                    },
                });
            }
        }
        self.active.insert(name.to_string(), seen);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: u64) -> RtEvent {
        serde_json::from_value(serde_json::json!({
            "eventID": id, "timestamp": 1369000000000u64, "thresholdID": "elephant",
            "metric": "pair", "threshold": 125000.0, "value": 431234.5,
            "agent": "10.0.0.20", "dataSource": "3", "flowKey": "10.0.0.1,10.0.0.2"
        }))
        .unwrap()
    }

    #[test]
    fn cursor_delivers_once_oldest_first() {
        let mut c = EventCursor::new();
        assert_eq!(c.query_id(), -1);
        let got: Vec<u64> = c
            .accept(vec![ev(3), ev(2), ev(1)])
            .iter()
            .map(|e| e.event_id)
            .collect();
        assert_eq!(got, [1, 2, 3]);
        assert_eq!(c.query_id(), 3);
        let got: Vec<u64> = c
            .accept(vec![ev(5), ev(4), ev(3), ev(4)])
            .iter()
            .map(|e| e.event_id)
            .collect();
        assert_eq!(got, [4, 5]);
        assert!(c.accept(vec![]).is_empty());
        // server still has newer: keep our place; server restarted: start from its newest
        assert!(!c.sync(Some(9)));
        assert_eq!(c.query_id(), 5);
        let mut fresh = EventCursor::new();
        assert!(!fresh.sync(Some(4)), "a reconnect never skips events");
        assert_eq!(fresh.query_id(), -1);
        fresh.start_at(Some(4));
        assert_eq!(fresh.query_id(), 4);
        assert_eq!(c.query_id(), 5);
        assert!(c.sync(Some(2)));
        assert_eq!(c.query_id(), 2);
    }

    #[test]
    fn converts_with_key_names() {
        let defs: BTreeMap<String, serde_json::Value> = [(
            "pair".to_string(),
            serde_json::json!({"keys": "ipsource,ipdestination", "value": "bytes"}),
        )]
        .into();
        let names = FlowKeyNames::from_definitions(&defs);
        let t = to_trigger(&ev(7), &names, None).unwrap();
        assert_eq!(t.key("ipdestination"), Some("10.0.0.2"));
        assert_eq!(t.source, TriggerSource::SflowRt);
        let mut bad = ev(8);
        bad.agent = "switch1".into();
        assert!(to_trigger(&bad, &names, None).is_err());
    }
}
