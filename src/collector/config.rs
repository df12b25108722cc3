//! `[collector]`: the embedded collector's configuration.
//!
//! ```toml
//! [collector]
//! listen = "0.0.0.0:6343"
//! queue_len = 4096          # datagrams waiting for the engine; beyond, dropped and counted
//! [collector.flows.tcp]
//! keys = "ipsource,ipdestination,tcpsourceport,tcpdestinationport"
//! value = "bytes"
//! filter = "tcpdestinationport=80"
//! [collector.thresholds.web]
//! metric = "tcp"
//! value = 10000
//! byFlow = true
//! timeout = 10
//! ```

use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::engine::Engine;
use super::flow_def::{FlowDefConfig, FlowDefError, ThresholdDefConfig, ThresholdDefError};

/// The `[collector]` section.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CollectorConfig {
    /// Run the embedded collector (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// UDP address for sFlow datagrams (default `0.0.0.0:6343`).
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Datagrams that may wait between the socket and the engine (default 4096); a flood
    /// beyond it is dropped and counted (`tapdemon_sflow_datagrams_dropped_total`).
    #[serde(default = "default_queue_len")]
    pub queue_len: usize,
    /// Flow definitions by name.
    #[serde(default)]
    pub flows: BTreeMap<String, FlowDefConfig>,
    /// Thresholds by name.
    #[serde(default)]
    pub thresholds: BTreeMap<String, ThresholdDefConfig>,
}

fn yes() -> bool {
    true
}

fn default_queue_len() -> usize {
    4096
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 6343))
}

impl Default for CollectorConfig {
    fn default() -> Self {
        CollectorConfig {
            enabled: true,
            listen: default_listen(),
            queue_len: default_queue_len(),
            flows: BTreeMap::new(),
            thresholds: BTreeMap::new(),
        }
    }
}

/// A `[collector]` section that does not make sense.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CollectorConfigError {
    /// A bad `[collector.flows.NAME]`.
    #[error("[collector.flows.{name}]: {source}")]
    Flow {
        /// The flow's name.
        name: String,
        /// What is wrong.
        source: FlowDefError,
    },
    /// A bad `[collector.thresholds.NAME]`.
    #[error("[collector.thresholds.{name}]: {source}")]
    Threshold {
        /// The threshold's name.
        name: String,
        /// What is wrong.
        source: ThresholdDefError,
    },
    /// `queue_len = 0`: every datagram would be dropped.
    #[error("[collector] queue_len must be at least 1")]
    ZeroQueue,
    /// A threshold on a flow that is not defined.
    #[error("[collector.thresholds.{name}]: metric {metric:?} is not a flow in [collector.flows]")]
    UnknownMetric {
        /// The threshold's name.
        name: String,
        /// Its metric.
        metric: String,
    },
}

impl CollectorConfig {
    /// Builds an engine with these flows and thresholds (checks them all).
    pub fn build_engine(&self) -> Result<Engine, CollectorConfigError> {
        if self.queue_len == 0 {
            return Err(CollectorConfigError::ZeroQueue);
        }
        let mut e = Engine::new();
        for (name, f) in &self.flows {
            e.set_flow(name, f)
                .map_err(|source| CollectorConfigError::Flow {
                    name: name.clone(),
                    source,
                })?;
        }
        for (name, t) in &self.thresholds {
            if !self.flows.contains_key(&t.metric) {
                return Err(CollectorConfigError::UnknownMetric {
                    name: name.clone(),
                    metric: t.metric.clone(),
                });
            }
            e.set_threshold(name, t)
                .map_err(|source| CollectorConfigError::Threshold {
                    name: name.clone(),
                    source,
                })?;
        }
        Ok(e)
    }
}
