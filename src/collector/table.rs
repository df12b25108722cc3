//! One flow definition's live flows: the rate estimator, eviction, and the top-N queries.
//!
//! # Rate estimator
//! Each flow keeps an exponentially smoothed rate `v` (units per second) with time
//! constant `t` seconds, updated per sample:
//!
//! ```text
//! v ← v · e^(−Δt / t) + x / t        x = bytes (or frames) × sampling rate
//! ```
//!
//! This is a first-order low-pass filter fed with impulses: a steady stream of `r` units/s
//! settles at `v = r`, a flow whose samples stop decays by `e` every `t` seconds (sFlow-RT's
//! behaviour), and a single burst of `B` bytes lifts `v` by `B / t` at once, so one burst can
//! cross a threshold with no timer involved. Values are stored as of their last update and
//! decayed lazily when read. Time is epoch milliseconds, passed in (the engine has no clock).

use std::collections::HashMap;
use std::net::IpAddr;

use serde::Serialize;

use super::flow_def::{FlowDef, ValueKind};
use super::keys::{key_bin_text, write_key_bin, write_value_bin, Value};
use super::sample::PacketSample;

/// The collector's hash maps: foldhash with a per-process random seed (std's SipHash cost
/// more than the rest of the table). Keys come from sampled traffic, which cannot observe
/// the seed, so colliding keys cannot be chosen in advance.
pub(super) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Flows whose smoothed value falls below this (units/s) are dropped.
pub const EVICT_FLOOR: f64 = 0.01;

/// One flow's state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlowState {
    /// Smoothed rate as of `last`.
    pub value: f64,
    /// Last update, epoch ms.
    pub last: u64,
}

impl FlowState {
    /// The rate at `now`.
    pub fn value_at(&self, now: u64, t: f64) -> f64 {
        if now <= self.last {
            // Δt = 0: e^0 = 1 exactly, so skipping exp() changes nothing.
            return self.value;
        }
        let dt = now.saturating_sub(self.last) as f64 / 1000.0;
        self.value * (-dt / t).exp()
    }

    /// When the rate falls below `thr` (epoch ms), absent further updates.
    pub fn below_at(&self, thr: f64, t: f64) -> u64 {
        if self.value <= thr || thr <= 0.0 {
            return self.last;
        }
        let secs = t * (self.value / thr).ln();
        self.last.saturating_add((secs * 1000.0).ceil() as u64)
    }
}

/// A data source: agent + ifIndex.
pub type DataSource = (IpAddr, u32);

/// One live flow. Its map key is the binary data source (agent, ifIndex) followed by the
/// binary flow key ([`write_key_bin`]), which starts at `at`.
#[derive(Debug, Clone, Copy)]
struct Flow {
    ds: DataSource,
    state: FlowState,
    at: usize,
}

/// The live flows of one definition.
#[derive(Debug)]
pub struct FlowTable {
    /// The definition.
    pub def: FlowDef,
    /// Its key names.
    pub names: Vec<String>,
    /// Binary data source + flow key → flow: one lookup per sample, and no text until a
    /// query or an event asks for it.
    flows: FastMap<Box<[u8]>, Flow>,
    /// Flows evicted to stay under `maxFlows` (not counting ones that decayed away).
    pub evicted: u64,
    /// The map key of the sample being handled.
    scratch: Vec<u8>,
    /// Where the flow key starts in `scratch`.
    at: usize,
}

/// What one sample did to a table (the key is [`FlowTable::last_key`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Update {
    /// The data source.
    pub ds: DataSource,
    /// The flow after the update.
    pub state: FlowState,
}

impl FlowTable {
    /// An empty table for `def`.
    pub fn new(def: FlowDef) -> Self {
        FlowTable {
            names: def.key_names(),
            def,
            flows: FastMap::default(),
            evicted: 0,
            scratch: Vec::new(),
            at: 0,
        }
    }

    /// Flows tracked now.
    pub fn len(&self) -> usize {
        self.flows.len()
    }

    /// True when no flow is tracked.
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Adds a sample; returns the updated flow, or `None` when the filter rejects the sample
    /// or a key is undefined for it.
    pub fn handle_sample(&mut self, now: u64, s: &PacketSample) -> Option<Update> {
        if let Some(f) = &self.def.filter {
            if !f.matches(s) {
                return None;
            }
        }
        let ds = (s.agent, s.source_id);
        self.scratch.clear();
        write_value_bin(&Value::Ip(ds.0), &mut self.scratch);
        self.scratch.extend_from_slice(&ds.1.to_be_bytes());
        self.at = self.scratch.len();
        if !write_key_bin(&self.def.keys, s, &mut self.scratch) {
            return None;
        }
        let x = match self.def.value {
            ValueKind::Bytes => f64::from(s.frame_length) * s.scale(),
            ValueKind::Frames => s.scale(),
        };
        let t = self.def.t;
        // Hot path: an existing flow costs one lookup.
        if let Some(f) = self.flows.get_mut(self.scratch.as_slice()) {
            let st = &mut f.state;
            st.value = st.value_at(now, t) + x / t;
            st.last = st.last.max(now);
            return Some(Update { ds, state: *st });
        }
        if self.flows.len() >= self.def.max_flows {
            self.make_room(now);
        }
        let state = FlowState {
            value: x / t,
            last: now,
        };
        let flow = Flow {
            ds,
            state,
            at: self.at,
        };
        self.flows.insert(self.scratch.as_slice().into(), flow);
        Some(Update { ds, state })
    }

    /// The binary flow key of the last successful [`FlowTable::handle_sample`] (its text
    /// is [`FlowTable::key_text`]).
    pub fn last_key(&self) -> &[u8] {
        self.scratch.get(self.at..).unwrap_or_default()
    }

    /// sFlow-RT's text form of a binary flow key of this table.
    pub fn key_text(&self, key: &[u8]) -> String {
        key_bin_text(key, &self.def.fs)
    }

    /// Drops flows that decayed below [`EVICT_FLOOR`].
    pub fn expire(&mut self, now: u64) {
        let t = self.def.t;
        self.flows
            .retain(|_, f| f.state.value_at(now, t) >= EVICT_FLOOR);
    }

    /// At the cap: expire, then if still above 90 % drop the smallest flows down to 90 %,
    /// so that a flood of new keys costs one sort per `maxFlows / 10` new flows.
    fn make_room(&mut self, now: u64) {
        self.expire(now);
        let target = self.def.max_flows - self.def.max_flows / 10 - 1;
        let count = self.flows.len();
        if count <= target {
            return;
        }
        let t = self.def.t;
        let mut values: Vec<f64> = self
            .flows
            .values()
            .map(|f| f.state.value_at(now, t))
            .collect();
        let drop = count - target;
        values.sort_unstable_by(f64::total_cmp);
        let Some(&cut) = values.get(drop.saturating_sub(1)) else {
            return;
        };
        let mut left = drop;
        self.flows.retain(|_, f| {
            if left > 0 && f.state.value_at(now, t) <= cut {
                left -= 1;
                false
            } else {
                true
            }
        });
        self.evicted += (count - self.flows.len()) as u64;
    }

    /// Every live flow of the data sources `sel` accepts, with its value at `now`.
    fn live<'a>(
        &'a self,
        now: u64,
        sel: &'a dyn Fn(IpAddr) -> bool,
    ) -> impl Iterator<Item = (DataSource, &'a [u8], f64, u64)> + 'a {
        let t = self.def.t;
        self.flows
            .iter()
            .filter(move |(_, f)| sel(f.ds.0))
            .map(move |(k, f)| {
                let key = k.get(f.at..).unwrap_or_default();
                (f.ds, key, f.state.value_at(now, t), f.state.last)
            })
            .filter(|(_, _, v, _)| *v >= EVICT_FLOOR)
    }

    /// sFlow-RT `/activeflows/{agent}/{name}/json`: flows by value, largest first; a flow
    /// seen at several data sources is reported once, at its largest (aggMode `max`).
    pub fn active_flows(
        &self,
        now: u64,
        sel: &dyn Fn(IpAddr) -> bool,
        max_flows: usize,
        min_value: f64,
    ) -> Vec<ActiveFlow> {
        let mut best: HashMap<&[u8], ActiveFlow> = HashMap::new();
        for (ds, key, value, _) in self.live(now, sel) {
            if value < min_value {
                continue;
            }
            let e = best.entry(key).or_insert_with(|| ActiveFlow {
                key: self.key_text(key),
                value,
                agent: ds.0,
                data_source: ds.1.to_string(),
                flow_n: 0,
            });
            e.flow_n += 1;
            if value > e.value {
                e.value = value;
                e.agent = ds.0;
                e.data_source = ds.1.to_string();
            }
        }
        let mut v: Vec<ActiveFlow> = best.into_values().collect();
        v.sort_by(|a, b| b.value.total_cmp(&a.value).then_with(|| a.key.cmp(&b.key)));
        v.truncate(max_flows);
        v
    }

    /// sFlow-RT `/metric/{agent}/{name}/json` with the default `max` aggregation: the data
    /// source with the largest flow, how many data sources have live flows, and the top
    /// `n` keys across them (`topKeys` absent when no flow is live).
    pub fn metric(&self, now: u64, sel: &dyn Fn(IpAddr) -> bool) -> MetricEntry {
        // per data source: (max value, latest update)
        let mut per_ds: HashMap<DataSource, (f64, u64)> = HashMap::new();
        let mut keys: HashMap<&[u8], (f64, u64)> = HashMap::new();
        for (ds, key, value, last) in self.live(now, sel) {
            let e = per_ds.entry(ds).or_insert((0.0, 0));
            e.0 = e.0.max(value);
            e.1 = e.1.max(last);
            let k = keys.entry(key).or_insert((0.0, 0));
            k.0 = k.0.max(value);
            k.1 = k.1.max(last);
        }
        let mut out = MetricEntry {
            metric_name: self.def.name.clone(),
            metric_n: per_ds.len(),
            ..MetricEntry::default()
        };
        let Some((ds, (value, last))) = per_ds
            .iter()
            .max_by(|a, b| a.1 .0.total_cmp(&b.1 .0).then_with(|| b.0.cmp(a.0)))
        else {
            return out;
        };
        let ago = |ts: u64| now.saturating_sub(ts);
        out.agent = Some(ds.0);
        out.data_source = Some(ds.1.to_string());
        out.metric_value = Some(*value);
        out.last_update = Some(ago(*last));
        out.last_update_max = per_ds.values().map(|v| ago(v.1)).min();
        out.last_update_min = per_ds.values().map(|v| ago(v.1)).max();
        let mut top: Vec<TopKey> = keys
            .into_iter()
            .map(|(k, (value, last))| TopKey {
                key: self.key_text(k),
                value,
                last_update: ago(last),
            })
            .collect();
        top.sort_by(|a, b| b.value.total_cmp(&a.value).then_with(|| a.key.cmp(&b.key)));
        top.truncate(self.def.n);
        out.top_keys = Some(top);
        out
    }
}

/// One entry of `/activeflows` (sflow-rt-api.md 1.7).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveFlow {
    /// The flow key.
    pub key: String,
    /// Smoothed rate per second.
    pub value: f64,
    /// Where it is largest.
    pub agent: IpAddr,
    /// Data source there.
    pub data_source: String,
    /// Data sources reporting it.
    pub flow_n: usize,
}

/// One entry of `/metric` (sflow-rt-api.md 1.6).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricEntry {
    /// Agent of the largest data source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<IpAddr>,
    /// The largest data source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_source: Option<String>,
    /// The flow definition's name.
    pub metric_name: String,
    /// The largest flow's rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric_value: Option<f64>,
    /// Data sources with live flows.
    pub metric_n: usize,
    /// ms since the largest data source was updated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update: Option<u64>,
    /// ms since the most recent update of any data source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update_max: Option<u64>,
    /// ms since the oldest data source's latest update.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update_min: Option<u64>,
    /// Largest flows first; absent when none is live.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_keys: Option<Vec<TopKey>>,
}

/// One of `topKeys`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopKey {
    /// The flow key.
    pub key: String,
    /// Its rate.
    pub value: f64,
    /// ms since it was updated.
    pub last_update: u64,
}
