//! Flow and threshold definitions: the config/REST form (sFlow-RT's field names) and the
//! compiled form the engine runs.

use serde::{Deserialize, Serialize};

use super::filter::{Filter, FilterError};
use super::keys::{Key, UnknownKey};

/// Default top-N (sFlow-RT `n`).
pub const DEFAULT_N: usize = 5;
/// Default smoothing time constant in seconds (sFlow-RT `t`; ddos-protect also uses 2).
pub const DEFAULT_T: f64 = 2.0;
/// Default cap on flows tracked per definition.
pub const DEFAULT_MAX_FLOWS: usize = 10_000;
/// Default threshold re-arm time in seconds.
pub const DEFAULT_TIMEOUT: f64 = 60.0;

/// Keys as sFlow-RT takes them: `"ipsource,ipdestination"` or a list.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum KeyList {
    /// Comma-separated.
    Text(String),
    /// One name per element.
    List(Vec<String>),
}

impl KeyList {
    fn names(&self) -> Vec<String> {
        match self {
            KeyList::Text(t) => t
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            KeyList::List(v) => v.iter().map(|s| s.trim().to_string()).collect(),
        }
    }
}

/// A flow definition as configured (`[collector.flows.NAME]`) or PUT to `/flow/NAME/json`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FlowDefConfig {
    /// Key attributes, in order.
    pub keys: KeyList,
    /// `bytes` or `frames` (optionally `rate:bytes`); a rate per second either way.
    #[serde(default = "default_value")]
    pub value: String,
    /// Only samples that pass this filter count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// Top N flows reported per data source.
    #[serde(default = "default_n")]
    pub n: usize,
    /// Smoothing time constant, seconds.
    #[serde(default = "default_t")]
    pub t: f64,
    /// Separator between key values in a flow key.
    #[serde(default = "default_fs")]
    pub fs: String,
    /// tapdemon: the most flows tracked at once for this definition (memory bound).
    #[serde(default = "default_max_flows", rename = "maxFlows")]
    pub max_flows: usize,
}

fn default_value() -> String {
    "bytes".into()
}
fn default_n() -> usize {
    DEFAULT_N
}
fn default_t() -> f64 {
    DEFAULT_T
}
fn default_fs() -> String {
    ",".into()
}
fn default_max_flows() -> usize {
    DEFAULT_MAX_FLOWS
}
fn default_timeout() -> f64 {
    DEFAULT_TIMEOUT
}

/// What a flow counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Bytes (frame length × sampling rate).
    Bytes,
    /// Frames (sampling rate per sample).
    Frames,
}

/// A flow definition that does not compile.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FlowDefError {
    /// No keys.
    #[error("flow {flow:?}: `keys` is empty")]
    NoKeys {
        /// Flow name.
        flow: String,
    },
    /// An unknown key name.
    #[error("flow {flow:?}: {source}")]
    Key {
        /// Flow name.
        flow: String,
        /// The key.
        source: UnknownKey,
    },
    /// An unsupported `value`.
    #[error("flow {flow:?}: unsupported value {value:?} (use bytes or frames)")]
    Value {
        /// Flow name.
        flow: String,
        /// The text.
        value: String,
    },
    /// A bad filter.
    #[error("flow {flow:?}: {source}")]
    Filter {
        /// Flow name.
        flow: String,
        /// The parse error.
        source: FilterError,
    },
    /// `n`, `t`, `fs` or `maxFlows` out of range.
    #[error("flow {flow:?}: `{field}` {reason}")]
    Range {
        /// Flow name.
        flow: String,
        /// The field.
        field: &'static str,
        /// Why.
        reason: &'static str,
    },
}

/// A compiled flow definition.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowDef {
    /// Its name (the metric name thresholds refer to).
    pub name: String,
    /// Key attributes, in order.
    pub keys: Vec<Key>,
    /// What is counted.
    pub value: ValueKind,
    /// Sample filter.
    pub filter: Option<Filter>,
    /// Top N.
    pub n: usize,
    /// Smoothing time constant, seconds (> 0).
    pub t: f64,
    /// Key separator.
    pub fs: String,
    /// Flow cap.
    pub max_flows: usize,
    /// The definition as given (served back by GET /flow/NAME/json).
    pub config: FlowDefConfig,
}

impl FlowDef {
    /// Checks and compiles `cfg`.
    pub fn compile(name: &str, cfg: &FlowDefConfig) -> Result<FlowDef, FlowDefError> {
        let flow = || name.to_string();
        let names = cfg.keys.names();
        if names.is_empty() {
            return Err(FlowDefError::NoKeys { flow: flow() });
        }
        let keys = names
            .iter()
            .map(|k| k.parse::<Key>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| FlowDefError::Key {
                flow: flow(),
                source,
            })?;
        let v = cfg.value.trim().to_ascii_lowercase();
        let value = match v.strip_prefix("rate:").unwrap_or(&v) {
            "bytes" => ValueKind::Bytes,
            "frames" => ValueKind::Frames,
            _ => {
                return Err(FlowDefError::Value {
                    flow: flow(),
                    value: cfg.value.clone(),
                })
            }
        };
        let filter = match cfg.filter.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(f) => Some(Filter::parse(f).map_err(|source| FlowDefError::Filter {
                flow: flow(),
                source,
            })?),
        };
        let range = |field, reason| FlowDefError::Range {
            flow: flow(),
            field,
            reason,
        };
        if cfg.n == 0 {
            return Err(range("n", "must be at least 1"));
        }
        if !(0.01..=86_400.0).contains(&cfg.t) {
            return Err(range("t", "must be between 0.01 and 86400 seconds"));
        }
        if cfg.fs.is_empty() {
            return Err(range("fs", "must not be empty"));
        }
        if cfg.max_flows < cfg.n {
            return Err(range("maxFlows", "must be at least n"));
        }
        Ok(FlowDef {
            name: name.to_string(),
            keys,
            value,
            filter,
            n: cfg.n,
            t: cfg.t,
            fs: cfg.fs.clone(),
            max_flows: cfg.max_flows,
            config: cfg.clone(),
        })
    }

    /// The key names, for splitting flow keys into pairs.
    pub fn key_names(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.name().to_string()).collect()
    }
}

/// A threshold as configured (`[collector.thresholds.NAME]`) or PUT to
/// `/threshold/NAME/json`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdDefConfig {
    /// The flow definition's name.
    pub metric: String,
    /// Crossing value, in the metric's unit per second.
    pub value: f64,
    /// One event per flow key rather than one per data source.
    #[serde(default, rename = "byFlow")]
    pub by_flow: bool,
    /// Seconds below the threshold before it re-arms.
    #[serde(default = "default_timeout")]
    pub timeout: f64,
}

/// A threshold that does not make sense.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ThresholdDefError {
    /// `value` or `timeout` not a positive finite number.
    #[error("threshold {threshold:?}: `{field}` must be a positive number")]
    Range {
        /// Threshold name.
        threshold: String,
        /// The field.
        field: &'static str,
    },
}

impl ThresholdDefConfig {
    /// Checks the numbers.
    pub fn validate(&self, name: &str) -> Result<(), ThresholdDefError> {
        let bad = |field| ThresholdDefError::Range {
            threshold: name.to_string(),
            field,
        };
        if !(self.value.is_finite() && self.value > 0.0) {
            return Err(bad("value"));
        }
        if !(0.0..=86_400.0 * 365.0).contains(&self.timeout) {
            return Err(bad("timeout"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(json: &str) -> FlowDefConfig {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn pytapdemon_definition_compiles_with_defaults() {
        let c = cfg(
            r#"{"keys":"ipsource,ipdestination,tcpsourceport,tcpdestinationport","value":"bytes"}"#,
        );
        let d = FlowDef::compile("tcp", &c).unwrap();
        assert_eq!(d.keys.len(), 4);
        assert_eq!(d.value, ValueKind::Bytes);
        assert_eq!((d.n, d.t, d.fs.as_str()), (DEFAULT_N, DEFAULT_T, ","));
        let c = cfg(
            r#"{"keys":["ipsource"],"value":"rate:frames","filter":"ipprotocol=1","n":10,"t":1}"#,
        );
        let d = FlowDef::compile("icmp", &c).unwrap();
        assert_eq!(d.value, ValueKind::Frames);
        assert!(d.filter.is_some());
    }

    #[test]
    fn rejects_bad_definitions() {
        let e = |j: &str| FlowDef::compile("f", &cfg(j)).unwrap_err();
        assert!(matches!(e(r#"{"keys":""}"#), FlowDefError::NoKeys { .. }));
        assert!(matches!(e(r#"{"keys":"ipsrc"}"#), FlowDefError::Key { .. }));
        assert!(matches!(
            e(r#"{"keys":"ipsource","value":"duration"}"#),
            FlowDefError::Value { .. }
        ));
        assert!(matches!(
            e(r#"{"keys":"ipsource","filter":"x=1"}"#),
            FlowDefError::Filter { .. }
        ));
        assert!(matches!(
            e(r#"{"keys":"ipsource","t":0}"#),
            FlowDefError::Range { field: "t", .. }
        ));
        assert!(serde_json::from_str::<FlowDefConfig>(r#"{"keys":"ipsource","tt":1}"#).is_err());
    }

    #[test]
    fn threshold_fields() {
        let t: ThresholdDefConfig =
            serde_json::from_str(r#"{"metric":"pair","value":125000,"byFlow":true,"timeout":1}"#)
                .unwrap();
        assert!(t.by_flow);
        assert!(t.validate("x").is_ok());
        let t: ThresholdDefConfig = serde_json::from_str(r#"{"metric":"m","value":0}"#).unwrap();
        assert_eq!(t.timeout, DEFAULT_TIMEOUT);
        assert!(t.validate("x").is_err());
    }
}
