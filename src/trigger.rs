//! The typed trigger event that both sFlow sources (the embedded collector and the
//! sFlow-RT client) hand to modules.
//!
//! It serialises with sFlow-RT's event field names (`eventID`, `timestamp`, `thresholdID`,
//! `metric`, `threshold`, `value`, `agent`, `dataSource`, `flowKey`; sFlow-RT's own UI
//! `events.js` and `extras/threshold.py` read exactly these), so the REST API can serve it
//! as `/events/json` unchanged. The extra fields (`flowKeys`, `source`, `location`) are
//! tapdemon's; sFlow-RT clients ignore fields they do not know.

use std::net::IpAddr;

use proto::DatapathId;
use serde::Serialize;

/// Which source produced a [`TriggerEvent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerSource {
    /// The embedded sFlow collector.
    Embedded,
    /// An external sFlow-RT, through its REST API.
    SflowRt,
}

/// The switch port an sFlow data source (agent + ifIndex) maps to, when known.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PortLocation {
    /// The switch.
    pub dpid: DatapathId,
    /// The OpenFlow port number on that switch.
    pub port_no: u32,
    /// The port's name (`s2-eth3`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port_name: Option<String>,
}

/// A threshold crossing: "flow `flow_key` of metric `metric` at `agent`/`data_source`
/// reached `value` (threshold `threshold`)".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriggerEvent {
    /// Increasing per source (sFlow-RT's own id for [`TriggerSource::SflowRt`]).
    #[serde(rename = "eventID")]
    pub event_id: u64,
    /// When the threshold was crossed, epoch milliseconds.
    pub timestamp: u64,
    /// The threshold's name.
    #[serde(rename = "thresholdID")]
    pub threshold_id: String,
    /// The metric (for flow thresholds, the flow definition's name).
    pub metric: String,
    /// The threshold value, in the metric's unit (per second for flows).
    pub threshold: f64,
    /// The metric's value when it crossed.
    pub value: f64,
    /// The sFlow agent address.
    pub agent: IpAddr,
    /// The sFlow data source, sFlow-RT style: the ifIndex as decimal text ("3").
    #[serde(rename = "dataSource")]
    pub data_source: String,
    /// The flow's key, the values joined by the flow's separator (sFlow-RT's `flowKey`).
    #[serde(rename = "flowKey", skip_serializing_if = "Option::is_none")]
    pub flow_key: Option<String>,
    /// The flow key split into (key name, value) pairs, in the flow definition's order.
    /// Empty when the names are not known (an sFlow-RT event for a flow we did not define).
    #[serde(rename = "flowKeys", skip_serializing_if = "Vec::is_empty")]
    pub flow_keys: Vec<(String, String)>,
    /// Who produced the event.
    pub source: TriggerSource,
    /// The switch port of the data source, when the ifIndex map knows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<PortLocation>,
}

impl TriggerEvent {
    /// The value of flow key `name` (`"ipsource"`), if the event carries it.
    pub fn key(&self, name: &str) -> Option<&str> {
        self.flow_keys
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The data source as an ifIndex, when it is a plain number.
    pub fn ifindex(&self) -> Option<u32> {
        self.data_source.parse().ok()
    }
}

/// Pairs key names with the values of a `sep`-joined flow key. Returns an empty list when
/// the counts differ (the names do not describe this key).
pub fn split_flow_key(names: &[String], key: &str, sep: &str) -> Vec<(String, String)> {
    if names.is_empty() || sep.is_empty() {
        return Vec::new();
    }
    let values: Vec<&str> = key.split(sep).collect();
    if values.len() != names.len() {
        return Vec::new();
    }
    names
        .iter()
        .zip(values)
        .map(|(n, v)| (n.clone(), v.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_with_sflow_rt_names() {
        let ev = TriggerEvent {
            event_id: 17,
            timestamp: 1_369_000_000_000,
            threshold_id: "elephant".into(),
            metric: "pair".into(),
            threshold: 125000.0,
            value: 431234.5,
            agent: "10.0.0.20".parse().unwrap(),
            data_source: "3".into(),
            flow_key: Some("10.0.0.1,10.0.0.2".into()),
            flow_keys: split_flow_key(
                &["ipsource".into(), "ipdestination".into()],
                "10.0.0.1,10.0.0.2",
                ",",
            ),
            source: TriggerSource::Embedded,
            location: Some(PortLocation {
                dpid: DatapathId(2),
                port_no: 3,
                port_name: Some("s2-eth3".into()),
            }),
        };
        let v = serde_json::to_value(&ev).unwrap();
        // Field names from sflow-rt-api.md section 1.5 (sFlow-RT events.js, threshold.py).
        for k in [
            "eventID",
            "timestamp",
            "thresholdID",
            "metric",
            "threshold",
            "value",
            "agent",
            "dataSource",
            "flowKey",
        ] {
            assert!(v.get(k).is_some(), "missing {k} in {v}");
        }
        assert_eq!(v["agent"], "10.0.0.20");
        assert_eq!(v["dataSource"], "3");
        assert_eq!(v["location"]["dpid"], 2);
        assert_eq!(ev.key("ipdestination"), Some("10.0.0.2"));
        assert_eq!(ev.ifindex(), Some(3));
    }

    #[test]
    fn split_needs_matching_counts() {
        let names = vec!["a".to_string(), "b".to_string()];
        assert_eq!(split_flow_key(&names, "1,2,3", ",").len(), 0);
        assert_eq!(split_flow_key(&names, "1|2", "|").len(), 2);
    }
}
