//! `[topology]` configuration.
//!
//! ```toml
//! [topology]
//! enabled = true              # LLDP discovery (static links work either way)
//! switches = ["s1", "s2"]     # discover only between these (default: every switch)
//! probe_interval_secs = 2     # each live port is probed this often
//! link_timeout_secs = 6       # a link with no probe for this long is down (default 3 x probe)
//! host_timeout_secs = 300     # a host not seen for this long is forgotten (0 = never)
//! max_hosts = 65536           # beyond this many hosts, new ones are not learned (MAC floods;
//!                             # a switch then skips host learning for 50 ms per refusal)
//! quiet_ports = ["s3:11"]     # never probed: monitor ports whose captures must stay clean
//!
//! [[topology.links]]          # a link discovery cannot see (LLDP filtered in between)
//! a = "s1:6"                  # SWITCH:PORT, SWITCH a name from [switches] or a hex dpid
//! b = "s3:1"
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use proto::DatapathId;
use toml::Spanned;

use super::{PortRef, StaticLinkError, Timers, OFPP_MAX};
use crate::config::{parse_dpid, SwitchRef};

/// The `[topology]` table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TopologyConfig {
    /// LLDP discovery on every port of every switch.
    pub enabled: bool,
    /// Switches discovery runs between (names from `[switches]` or datapath ids); default
    /// all. The module still follows every switch, for static links and paths: this only
    /// says where probes are sent and believed.
    pub switches: Option<Vec<Spanned<SwitchRef>>>,
    /// Seconds between probes of one port (at least 1).
    pub probe_interval_secs: u64,
    /// Seconds without a probe before a discovered link is down; default 3 x the probe
    /// interval, so one lost probe does not flap the link. Must exceed the probe interval.
    pub link_timeout_secs: Option<u64>,
    /// Seconds a host may stay silent before it is forgotten; 0 keeps hosts until their port
    /// or switch goes down.
    pub host_timeout_secs: u64,
    /// Most hosts remembered: a MAC flood on an edge port must not grow memory without
    /// bound. New hosts beyond it are refused (known ones still move and refresh).
    pub max_hosts: usize,
    /// Ports never sent a probe (`SWITCH:PORT`): a monitor port's capture should hold the
    /// traffic it taps, not a probe every interval. Probes arriving on them still count.
    pub quiet_ports: Vec<Spanned<String>>,
    /// Static links (`[[topology.links]]`).
    pub links: Vec<StaticLinkConfig>,
}

impl Default for TopologyConfig {
    fn default() -> Self {
        TopologyConfig {
            enabled: true,
            switches: None,
            probe_interval_secs: 2,
            link_timeout_secs: None,
            host_timeout_secs: 300,
            max_hosts: 65536,
            quiet_ports: Vec::new(),
            links: Vec::new(),
        }
    }
}

/// One `[[topology.links]]` entry: a cable between two switch ports, both directions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaticLinkConfig {
    /// One end, `SWITCH:PORT` (spanned, so errors point at its line).
    pub a: Spanned<String>,
    /// The other end, `SWITCH:PORT`.
    pub b: Spanned<String>,
}

/// A `[topology]` table that cannot be used. Each message names the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopologyConfigError {
    /// `probe_interval_secs = 0`.
    #[error("topology.probe_interval_secs must be at least 1")]
    ZeroProbeInterval,
    /// A link timeout that one probe interval would already exceed.
    #[error(
        "topology.link_timeout_secs ({timeout}) must exceed probe_interval_secs ({interval}), \
         or links go down between probes"
    )]
    LinkTimeoutTooShort {
        /// The timeout.
        timeout: u64,
        /// The interval.
        interval: u64,
    },
    /// A value outside its range.
    #[error("topology.{key} = {value} is out of range ({min}..={max})")]
    OutOfRange {
        /// The key.
        key: &'static str,
        /// The value.
        value: u64,
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
    /// An end that is not `SWITCH:PORT` with a port in 1..=0xffffff00.
    #[error("topology.links[{index}].{end}: {value:?} is not SWITCH:PORT (like \"s1:6\")")]
    BadEndpoint {
        /// Index in `topology.links`.
        index: usize,
        /// `a` or `b`.
        end: &'static str,
        /// The string.
        value: String,
    },
    /// A `switches` entry that is neither a configured name nor a datapath id.
    #[error("topology.switches: unknown switch `{0}`: not in [switches] and not a datapath id")]
    UnknownDiscoverySwitch(String),
    /// A `quiet_ports` entry that is not `SWITCH:PORT` with a known switch.
    #[error("topology.quiet_ports[{index}]: {value:?} is not SWITCH:PORT with a known switch")]
    BadQuietPort {
        /// Index in `quiet_ports`.
        index: usize,
        /// The string.
        value: String,
    },
    /// A switch name that is neither configured nor a hex datapath id.
    #[error("topology.links[{index}].{end}: unknown switch {name:?} (not a configured switch name or a hex dpid)")]
    UnknownSwitch {
        /// Index in `topology.links`.
        index: usize,
        /// `a` or `b`.
        end: &'static str,
        /// The name.
        name: String,
    },
    /// A link that conflicts with itself or an earlier one.
    #[error("topology.links[{index}]: {source}")]
    StaticLink {
        /// Index in `topology.links`.
        index: usize,
        /// What is wrong.
        source: StaticLinkError,
    },
}

impl TopologyConfig {
    pub(super) fn timers(&self) -> Result<Timers, TopologyConfigError> {
        let interval = self.probe_interval_secs;
        if interval == 0 {
            return Err(TopologyConfigError::ZeroProbeInterval);
        }
        let timeout = self
            .link_timeout_secs
            .unwrap_or_else(|| interval.saturating_mul(3));
        if timeout <= interval {
            return Err(TopologyConfigError::LinkTimeoutTooShort { timeout, interval });
        }
        // Beyond these, a value is a typo (milliseconds?) rather than a choice.
        const DAY: u64 = 86_400;
        for (key, value, min, max) in [
            ("probe_interval_secs", interval, 1, 3600),
            ("link_timeout_secs", timeout, 2, DAY),
            ("host_timeout_secs", self.host_timeout_secs, 0, 365 * DAY),
            ("max_hosts", self.max_hosts as u64, 1, 1 << 24),
        ] {
            if !(min..=max).contains(&value) {
                return Err(TopologyConfigError::OutOfRange {
                    key,
                    value,
                    min,
                    max,
                });
            }
        }
        Ok(Timers {
            max_hosts: self.max_hosts,
            probe_interval: Duration::from_secs(interval),
            link_timeout: Duration::from_secs(timeout),
            host_timeout: (self.host_timeout_secs > 0)
                .then(|| Duration::from_secs(self.host_timeout_secs)),
        })
    }

    /// The switches discovery runs between; `None` = all.
    pub(super) fn discovery_switches(
        &self,
        names: &BTreeMap<String, DatapathId>,
    ) -> Result<Option<BTreeSet<DatapathId>>, TopologyConfigError> {
        let Some(refs) = &self.switches else {
            return Ok(None);
        };
        refs.iter()
            .map(|r| match r.get_ref() {
                SwitchRef::Dpid(v) => Ok(DatapathId(*v)),
                SwitchRef::Name(n) => resolve(n, names)
                    .ok_or_else(|| TopologyConfigError::UnknownDiscoverySwitch(n.clone())),
            })
            .collect::<Result<BTreeSet<_>, _>>()
            .map(Some)
    }

    /// The key of the `[topology]` table an error is about, to point at its line.
    pub fn error_key(e: &TopologyConfigError) -> &'static str {
        match e {
            TopologyConfigError::ZeroProbeInterval => "probe_interval_secs",
            TopologyConfigError::LinkTimeoutTooShort { .. } => "link_timeout_secs",
            TopologyConfigError::OutOfRange { key, .. } => key,
            TopologyConfigError::UnknownDiscoverySwitch(_) => "switches",
            TopologyConfigError::BadQuietPort { .. } => "quiet_ports",
            TopologyConfigError::BadEndpoint { .. }
            | TopologyConfigError::UnknownSwitch { .. }
            | TopologyConfigError::StaticLink { .. } => "links",
        }
    }

    /// Byte offset in the config text of the value an error is about, when it is one of
    /// `links` (the runtime falls back to the key's line otherwise).
    pub fn error_offset(&self, e: &TopologyConfigError) -> Option<usize> {
        if let TopologyConfigError::BadQuietPort { index, .. } = e {
            return self.quiet_ports.get(*index).map(|v| v.span().start);
        }
        let (index, end) = match e {
            TopologyConfigError::BadEndpoint { index, end, .. }
            | TopologyConfigError::UnknownSwitch { index, end, .. } => (*index, *end),
            TopologyConfigError::StaticLink { index, .. } => (*index, "a"),
            _ => return None,
        };
        let link = self.links.get(index)?;
        let value = if end == "b" { &link.b } else { &link.a };
        Some(value.span().start)
    }

    /// Resolve `quiet_ports`.
    pub(super) fn quiet_ports(
        &self,
        names: &BTreeMap<String, DatapathId>,
    ) -> Result<BTreeSet<PortRef>, TopologyConfigError> {
        self.quiet_ports
            .iter()
            .enumerate()
            .map(|(index, v)| {
                parse_endpoint(v.get_ref(), names, index, "").map_err(|_| {
                    TopologyConfigError::BadQuietPort {
                        index,
                        value: v.get_ref().clone(),
                    }
                })
            })
            .collect()
    }

    /// Resolve `links` to port pairs; names go through `names`.
    pub(super) fn static_links(
        &self,
        names: &BTreeMap<String, DatapathId>,
    ) -> Result<Vec<(PortRef, PortRef)>, TopologyConfigError> {
        self.links
            .iter()
            .enumerate()
            .map(|(index, l)| {
                Ok((
                    parse_endpoint(l.a.get_ref(), names, index, "a")?,
                    parse_endpoint(l.b.get_ref(), names, index, "b")?,
                ))
            })
            .collect()
    }
}

/// A configured name, else a datapath id in any form `[switches]` accepts.
fn resolve(name: &str, names: &BTreeMap<String, DatapathId>) -> Option<DatapathId> {
    names
        .get(name)
        .copied()
        .or_else(|| parse_dpid(name).map(DatapathId))
}

/// `SWITCH:PORT`, where SWITCH is a configured name or a datapath id (`0x2`,
/// `0000000000000002`, `00:00:00:00:00:00:00:02`).
fn parse_endpoint(
    value: &str,
    names: &BTreeMap<String, DatapathId>,
    index: usize,
    end: &'static str,
) -> Result<PortRef, TopologyConfigError> {
    let bad = || TopologyConfigError::BadEndpoint {
        index,
        end,
        value: value.to_string(),
    };
    let (switch, port) = value.trim().rsplit_once(':').ok_or_else(bad)?;
    let port: u32 = port.parse().map_err(|_| bad())?;
    if !(1..=OFPP_MAX).contains(&port) || switch.is_empty() {
        return Err(bad());
    }
    let dpid = resolve(switch, names).ok_or_else(|| TopologyConfigError::UnknownSwitch {
        index,
        end,
        name: switch.to_string(),
    })?;
    Ok(PortRef::new(dpid, port))
}
