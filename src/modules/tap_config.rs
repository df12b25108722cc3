//! `[taps]`, `[[tap]]` (and the validation of `[[patch]]` and `[[trigger]]`, which name
//! taps and patches).
//!
//! ```toml
//! [taps]
//! vlan_range = [4000, 4094]   # one VLAN per tap whose copies cross switches
//! reconcile_secs = 1          # how often taps are re-planned against the topology
//!
//! [[tap]]
//! name = "h1"
//! source = "s1:1"             # SWITCH:PORT, SWITCH a name from [switches] or a dpid
//! direction = "both"          # ingress | egress | both
//! match = "tcp,tp_dst=80"     # ovs-ofctl syntax, optional
//! monitor = "s3:11"
//! static = true               # false: only when activated (trigger, REST)
//! duration_secs = 120         # default activation length of a static = false tap
//! ```

use std::collections::BTreeSet;
use std::time::Duration;

use proto::flow::Match;
use serde::Deserialize;
use toml::Spanned;

use super::control::TapSpec;
use crate::config::{parse_dpid, Config, SwitchDirectory};
use crate::pipeline::Direction;
use crate::topology::PortRef;

/// `[taps]`: settings for every tap.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TapsSettings {
    /// First and last VLAN id for tagged copies (hosts must not use these VLANs).
    pub vlan_range: [u16; 2],
    /// Seconds between re-plans of active taps (links discovered, paths changed).
    pub reconcile_secs: u64,
}

impl Default for TapsSettings {
    fn default() -> Self {
        TapsSettings {
            vlan_range: [4000, 4094],
            reconcile_secs: 1,
        }
    }
}

/// Default activation length, seconds (the original's hard_timeout=120).
pub const DEFAULT_DURATION_SECS: u64 = 120;

/// One `[[tap]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TapEntry {
    /// Unique among taps.
    pub name: Spanned<String>,
    /// The tapped port, `SWITCH:PORT`.
    pub source: Spanned<String>,
    /// Which traffic.
    #[serde(default = "both")]
    pub direction: Direction,
    /// Only packets matching this (ovs-ofctl syntax).
    #[serde(default, rename = "match")]
    pub filter: Option<Spanned<String>>,
    /// Where copies go, `SWITCH:PORT`.
    pub monitor: Spanned<String>,
    /// Active for the switches' lifetime (default), or only when activated.
    #[serde(default = "yes", rename = "static")]
    pub is_static: bool,
    /// Activation length when activated without one (`static = false` only).
    #[serde(default)]
    pub duration_secs: Option<Spanned<u64>>,
}

fn both() -> Direction {
    Direction::Both
}

fn yes() -> bool {
    true
}

/// A `[[tap]]` resolved: what the `tap` module builds from it. Two equal ones make the
/// same flows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfiguredTap {
    /// Name, ports, direction, filter.
    pub spec: TapSpec,
    /// `static = true`: active for the switches' lifetime.
    pub is_static: bool,
    /// Activation length when activated without one.
    pub duration: Duration,
}

/// Resolve validated `[[tap]]` entries (entries that do not resolve are skipped, as
/// `Config::parse` has already refused them).
pub fn configured_taps(entries: &[TapEntry], dir: &SwitchDirectory) -> Vec<ConfiguredTap> {
    entries
        .iter()
        .filter_map(|e| {
            let source = parse_port_ref(dir, e.source.get_ref())?;
            let monitor = parse_port_ref(dir, e.monitor.get_ref())?;
            let filter =
                parse_filter(e.filter.as_ref().map(|f| f.get_ref().as_str())).unwrap_or_default();
            let secs = e
                .duration_secs
                .as_ref()
                .map(|d| *d.get_ref())
                .unwrap_or(DEFAULT_DURATION_SECS);
            Some(ConfiguredTap {
                spec: TapSpec {
                    name: e.name.get_ref().clone(),
                    source,
                    direction: e.direction,
                    filter,
                    monitor,
                },
                is_static: e.is_static,
                duration: Duration::from_secs(secs),
            })
        })
        .collect()
}

/// Parse `SWITCH:PORT` (`s1:1`, `2:4`, `00:00:00:00:00:00:00:02:4`).
pub fn parse_port_ref(dir: &SwitchDirectory, s: &str) -> Option<PortRef> {
    let (sw, port) = s.rsplit_once(':')?;
    let port: u32 = port.trim().parse().ok()?;
    let sw = sw.trim();
    // A name, a dpid as OVS prints it, or a plain integer as Mininet numbers switches.
    let dpid = dir
        .dpid(sw)
        .or_else(|| parse_dpid(sw).map(proto::DatapathId))
        .or_else(|| sw.parse::<u64>().ok().map(proto::DatapathId))?;
    Some(PortRef::new(dpid, port))
}

/// Parse an optional filter.
pub fn parse_filter(s: Option<&str>) -> Result<Match, String> {
    let Some(s) = s else {
        return Ok(Match::default());
    };
    let m = proto::ofctl::parse_match(s).map_err(|e| e.to_string())?;
    proto::ofctl::check_prerequisites(&m).map_err(|e| e.to_string())?;
    Ok(m)
}

/// Durations are sent as 16-bit hard timeouts.
pub fn check_duration(secs: u64) -> Result<(), String> {
    if secs == 0 || secs > u64::from(u16::MAX) {
        return Err(format!("must be 1..={} seconds", u16::MAX));
    }
    Ok(())
}

/// Checks serde cannot make on `[taps]`, `[[tap]]`, `[[patch]]` and `[[trigger]]`: ports
/// that parse, unique names, filters, durations, activation targets that exist. The error
/// is a byte offset in the file and a message.
pub fn validate(c: &Config, dir: &SwitchDirectory) -> Result<(), (usize, String)> {
    let [first, last] = c.taps.vlan_range;
    if first == 0 || last > 4094 || first > last {
        return Err((
            0,
            "taps.vlan_range must be [first, last] within 1..=4094".into(),
        ));
    }
    if c.taps.reconcile_secs == 0 {
        return Err((0, "taps.reconcile_secs must be at least 1".into()));
    }
    let port = |s: &Spanned<String>| -> Result<PortRef, (usize, String)> {
        parse_port_ref(dir, s.get_ref()).ok_or_else(|| {
            let msg = format!(
                "`{}` is not SWITCH:PORT with SWITCH in [switches] or a datapath id",
                s.get_ref()
            );
            (s.span().start, msg)
        })
    };
    let mut taps = BTreeSet::new();
    for t in &c.tap {
        if !taps.insert(t.name.get_ref().clone()) {
            return Err((
                t.name.span().start,
                format!("duplicate tap `{}`", t.name.get_ref()),
            ));
        }
        let (src, mon) = (port(&t.source)?, port(&t.monitor)?);
        if src == mon {
            return Err((t.monitor.span().start, "monitor is the source port".into()));
        }
        if let Some(f) = &t.filter {
            parse_filter(Some(f.get_ref())).map_err(|e| (f.span().start, e))?;
        }
        if let Some(d) = &t.duration_secs {
            if t.is_static {
                let msg = "duration_secs applies to `static = false` taps".to_string();
                return Err((d.span().start, msg));
            }
            check_duration(*d.get_ref()).map_err(|e| (d.span().start, e))?;
        }
    }
    let mut patches = BTreeSet::new();
    for p in &c.patch {
        if !patches.insert(p.name.get_ref().clone()) {
            return Err((
                p.name.span().start,
                format!("duplicate patch `{}`", p.name.get_ref()),
            ));
        }
        if dir.resolve(p.switch.get_ref()).is_none() {
            let msg = format!("unknown switch `{}`", p.switch.get_ref());
            return Err((p.switch.span().start, msg));
        }
        let [a, b] = *p.ports.get_ref();
        if a == b || a == 0 || b == 0 {
            return Err((p.ports.span().start, "two different ports, both > 0".into()));
        }
        if let Some(d) = &p.duration_secs {
            check_duration(*d.get_ref()).map_err(|e| (d.span().start, e))?;
        }
    }
    let mut triggers = BTreeSet::new();
    for t in &c.trigger {
        if !triggers.insert(t.name.get_ref().clone()) {
            return Err((
                t.name.span().start,
                format!("duplicate trigger `{}`", t.name.get_ref()),
            ));
        }
        for a in &t.activate {
            let ok = match a.get_ref().split_once(':') {
                Some(("patch", n)) => patches.contains(n),
                Some(("tap", n)) => taps.contains(n),
                _ => false,
            };
            if !ok {
                let msg = format!(
                    "`{}` is not `patch:NAME` or `tap:NAME` of a configured one",
                    a.get_ref()
                );
                return Err((a.span().start, msg));
            }
        }
        match (&t.dynamic, &t.monitor) {
            (Some(_), Some(m)) => {
                port(m)?;
            }
            (Some(d), None) => {
                return Err((d.span().start, "`dynamic` needs a `monitor`".into()));
            }
            (None, Some(m)) => {
                return Err((
                    m.span().start,
                    "`monitor` is only used with `dynamic`".into(),
                ));
            }
            (None, None) if t.activate.is_empty() => {
                let msg = "a trigger needs `activate` or `dynamic`".to_string();
                return Err((t.name.span().start, msg));
            }
            (None, None) => {}
        }
        if let Some(f) = &t.filter {
            parse_filter(Some(f.get_ref())).map_err(|e| (f.span().start, e))?;
        }
        check_duration(*t.duration_secs.get_ref())
            .map_err(|e| (t.duration_secs.span().start, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{Config, ConfigError};

    fn err(text: &str) -> (usize, String, String) {
        match Config::parse(text, "t.toml".as_ref()) {
            Err(ConfigError::Invalid {
                line, key, message, ..
            }) => (line, key, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn seed_scenario_parses_and_errors_name_the_line() {
        let seed = include_str!("../../mininet/pytapdemon.toml");
        let c = Config::parse(seed, "pytapdemon.toml".as_ref()).unwrap();
        assert_eq!((c.tap.len(), c.patch.len(), c.trigger.len()), (3, 4, 1));
        let (line, key, msg) = err(
            "[switches]\ns1 = 1\n[[tap]]\nname = \"x\"\nsource = \"s1:1\"\nmonitor = \"s9:1\"\n",
        );
        assert_eq!((line, key.as_str()), (6, "tap.monitor"), "{msg}");
        let (line, _, msg) = err("[[tap]]\nname = \"x\"\nsource = \"1:1\"\nmonitor = \"1:2\"\nmatch = \"tcp,tp_dst=http\"\n");
        assert_eq!(line, 5, "{msg}");
        let (_, key, _) =
            err("[[tap]]\nname = \"x\"\nsource = \"1:1\"\nmonitor = \"1:2\"\ncolour = 1\n");
        assert!(key.contains("colour") || key.starts_with("tap"), "{key}");
        let (line, _, msg) =
            err("[[trigger]]\nname = \"t\"\nthreshold = \"web\"\nactivate = [\"tap:nope\"]\n");
        assert_eq!(line, 4, "{msg}");
    }
}
