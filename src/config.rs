//! The TOML configuration file.
//!
//! ```toml
//! [controller]
//! listen = ["0.0.0.0:6653", "0.0.0.0:6633"]
//! miss_send_len = 65535
//! echo_interval_secs = 5
//! echo_misses = 3
//! handshake_timeout_secs = 10
//! module_queue_len = 1024
//! state_file = "/var/lib/tapdemon/state.json"   # dynamic taps across restarts; "" = off
//! tls_listen = ["0.0.0.0:6654"]   # OpenFlow over TLS (OVS `ssl:` targets); off by default
//! tls_cert = "/etc/tapdemon/ctl-cert.pem"          # our certificate chain (PEM)
//! tls_key = "/etc/tapdemon/ctl-privkey.pem"        # its private key (PEM)
//! tls_ca = "/etc/tapdemon/switchca/cacert.pem"     # switches' certificates must chain to it
//!
//! [switches]            # names for datapath ids, as Mininet numbers them
//! s1 = 1
//! s2 = "00:00:00:00:00:00:00:02"
//!
//! [l2_learning]         # one section per module, defined in src/modules/<name>.rs
//! switches = ["s1", "s2"]
//! idle_timeout = 60
//!
//! [topology]            # LLDP discovery and static links (src/topology/config.rs)
//! probe_interval_secs = 2
//! ```
//!
//! Every table rejects unknown keys. Every error names the file, the line and the key
//! ([`ConfigError`]). Adding a module's section: see [`crate::modules`].

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use proto::DatapathId;
use serde::Deserialize;
use toml::Spanned;

use crate::collector::CollectorConfig;
use crate::modules::l2_learning::L2LearningConfig;
use crate::modules::patch::PatchEntry;
use crate::modules::sflow_rt::SflowRtConfig;
use crate::modules::tap_config::{TapEntry, TapsSettings};
use crate::modules::trigger::TriggerEntry;
use crate::switch::tls::TlsFiles;
use crate::topology::TopologyConfig;

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `[controller]`: listeners, handshake and keepalive.
    pub controller: ControllerConfig,
    /// `[switches]`: names for datapath ids.
    pub switches: BTreeMap<String, Spanned<DpidSpec>>,
    /// `[l2_learning]`: see [`crate::modules::l2_learning`].
    pub l2_learning: L2LearningConfig,
    /// `[taps]`: settings for every tap; see [`crate::modules::tap_config`].
    pub taps: TapsSettings,
    /// `[[tap]]`: see [`crate::modules::tap`].
    pub tap: Vec<TapEntry>,
    /// `[[patch]]`: see [`crate::modules::patch`].
    pub patch: Vec<PatchEntry>,
    /// `[[trigger]]`: see [`crate::modules::trigger`].
    pub trigger: Vec<TriggerEntry>,
    /// `[topology]`: see [`crate::modules::topology`].
    pub topology: TopologyConfig,
    /// `[collector]`: the embedded sFlow collector (see [`crate::collector`]).
    pub collector: CollectorConfig,
    /// `[sflow_rt]`: an external sFlow-RT as a trigger source (see [`crate::modules::sflow_rt`]).
    pub sflow_rt: SflowRtConfig,
    /// `[rest]`: the REST API, web page and /metrics; see [`crate::rest::config`].
    pub rest: crate::rest::RestConfig,
    // A new module adds its section here, and its `switches` list to `switch_lists`.
}

/// `[controller]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ControllerConfig {
    /// Addresses to accept switch connections on (6653 is IANA's, 6633 the historical one).
    pub listen: Vec<SocketAddr>,
    /// OFPT_SET_CONFIG miss_send_len: bytes of a table-miss packet sent to the controller.
    /// 65535 (OFPCML_NO_BUFFER on 1.3) asks for the whole packet, unbuffered.
    pub miss_send_len: u16,
    /// Seconds between our echo requests to an idle switch.
    pub echo_interval_secs: u64,
    /// Unanswered echo requests after which a switch is disconnected.
    pub echo_misses: u32,
    /// Seconds a new connection has to finish HELLO, FEATURES and port description.
    pub handshake_timeout_secs: u64,
    /// PACKET_INs queued per module before further ones are dropped (and counted).
    pub module_queue_len: usize,
    /// Where dynamic taps are kept across restarts ([`crate::state`]). Unset: `tapdemon run`
    /// uses `$TAPDEMON_STATE_FILE` if set, else [`crate::state::DEFAULT_STATE_FILE`] (a
    /// controller started as a library keeps none); `""`: not kept.
    pub state_file: Option<PathBuf>,
    /// Addresses to accept OpenFlow over TLS on (OVS `ssl:` targets; 6653 is also
    /// conventional for it). Empty by default: TLS needs the three files below.
    pub tls_listen: Vec<SocketAddr>,
    /// Our certificate chain, PEM (`ovs-pki`: `ctl-cert.pem`). Relative paths are relative
    /// to the working directory.
    pub tls_cert: Option<PathBuf>,
    /// The private key of `tls_cert`, PEM (`ctl-privkey.pem`).
    pub tls_key: Option<PathBuf>,
    /// CA certificate(s), PEM, that every switch's certificate must chain to: switches
    /// without one are refused (`ovs-pki`: `switchca/cacert.pem`).
    pub tls_ca: Option<PathBuf>,
}

impl Default for ControllerConfig {
    fn default() -> Self {
        ControllerConfig {
            listen: vec![
                SocketAddr::from(([0, 0, 0, 0], 6653)),
                SocketAddr::from(([0, 0, 0, 0], 6633)),
            ],
            miss_send_len: 0xffff,
            echo_interval_secs: 5,
            echo_misses: 3,
            handshake_timeout_secs: 10,
            module_queue_len: 1024,
            state_file: None,
            tls_listen: Vec::new(),
            tls_cert: None,
            tls_key: None,
            tls_ca: None,
        }
    }
}

impl ControllerConfig {
    /// The echo interval as a duration.
    pub fn echo_interval(&self) -> Duration {
        Duration::from_secs(self.echo_interval_secs)
    }

    /// The state file, if persistence is on (`state_file` set and not empty).
    pub fn state_path(&self) -> Option<&Path> {
        self.state_file
            .as_deref()
            .filter(|p| !p.as_os_str().is_empty())
    }

    /// The handshake timeout as a duration.
    pub fn handshake_timeout(&self) -> Duration {
        Duration::from_secs(self.handshake_timeout_secs)
    }

    /// The TLS files, when all three are set.
    pub fn tls_files(&self) -> Option<TlsFiles> {
        Some(TlsFiles {
            cert: self.tls_cert.clone()?,
            key: self.tls_key.clone()?,
            ca: self.tls_ca.clone()?,
        })
    }

    /// The TLS keys' consistency, then the files themselves (read and parsed): the key at
    /// fault and what is wrong.
    fn check_tls(&self) -> Result<(), (&'static str, String)> {
        let set = [
            ("tls_cert", self.tls_cert.is_some()),
            ("tls_key", self.tls_key.is_some()),
            ("tls_ca", self.tls_ca.is_some()),
        ];
        if self.tls_listen.is_empty() {
            return match set.iter().find(|(_, s)| *s) {
                Some((key, _)) => Err((key, "set, but tls_listen is empty".to_string())),
                None => Ok(()),
            };
        }
        if let Some((key, _)) = set.iter().find(|(_, s)| !*s) {
            let msg = format!("missing: tls_listen needs tls_cert, tls_key and tls_ca ({key})");
            return Err(("tls_listen", msg));
        }
        // Port 0 (any free port, in tests) may appear in both.
        let taken = |a: &&SocketAddr| a.port() != 0 && self.listen.contains(a);
        if let Some(a) = self.tls_listen.iter().find(taken) {
            return Err(("tls_listen", format!("{a} is also a plain listen address")));
        }
        match self.tls_files() {
            Some(files) => crate::switch::tls::server_config(&files)
                .map(drop)
                .map_err(|e| (e.key(), e.to_string())),
            None => Ok(()),
        }
    }
}

/// A datapath id as written in `[switches]`: an integer, or 16 hex digits with or
/// without colons (`"00:00:00:00:00:00:00:02"`, the way OVS prints it), or `"0x2"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DpidSpec(pub DatapathId);

impl DpidSpec {
    /// The datapath id.
    pub fn dpid(self) -> DatapathId {
        self.0
    }
}

impl<'de> Deserialize<'de> for DpidSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = DpidSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a datapath id: an integer, \"0x..\" or 16 hex digits")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<DpidSpec, E> {
                u64::try_from(v)
                    .map(|v| DpidSpec(DatapathId(v)))
                    .map_err(|_| E::custom(format!("negative datapath id {v}")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<DpidSpec, E> {
                Ok(DpidSpec(DatapathId(v)))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<DpidSpec, E> {
                parse_dpid(s)
                    .map(|v| DpidSpec(DatapathId(v)))
                    .ok_or_else(|| {
                        E::custom(format!(
                            "not a datapath id: {s:?} (want an integer, \"0x..\" or 16 hex digits)"
                        ))
                    })
            }
        }
        d.deserialize_any(V)
    }
}

/// Parse `"00:00:00:00:00:00:00:02"`, `"0000000000000002"` or `"0x2"`.
pub fn parse_dpid(s: &str) -> Option<u64> {
    if let Some(hex) = s.strip_prefix("0x") {
        return u64::from_str_radix(hex, 16).ok();
    }
    let hex: String = s.chars().filter(|c| *c != ':').collect();
    if hex.len() != 16 || (s.contains(':') && s.split(':').any(|p| p.len() != 2)) {
        return None;
    }
    u64::from_str_radix(&hex, 16).ok()
}

/// A switch named in a module's `switches = [...]` list: a name from `[switches]` or a
/// datapath id (an integer or a string [`parse_dpid`] accepts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SwitchRef {
    /// A datapath id.
    Dpid(u64),
    /// A name from `[switches]`.
    Name(String),
}

impl<'de> Deserialize<'de> for SwitchRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = SwitchRef;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a switch name from [switches] or a datapath id")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<SwitchRef, E> {
                u64::try_from(v)
                    .map(SwitchRef::Dpid)
                    .map_err(|_| E::custom(format!("negative datapath id {v}")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<SwitchRef, E> {
                Ok(SwitchRef::Dpid(v))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<SwitchRef, E> {
                Ok(SwitchRef::Name(s.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl std::fmt::Display for SwitchRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SwitchRef::Dpid(v) => write!(f, "{}", DatapathId(*v)),
            SwitchRef::Name(n) => f.write_str(n),
        }
    }
}

/// Names and datapath ids, both ways, built from `[switches]`.
#[derive(Debug, Clone, Default)]
pub struct SwitchDirectory {
    by_name: BTreeMap<String, DatapathId>,
    by_dpid: HashMap<DatapathId, Arc<str>>,
}

impl SwitchDirectory {
    /// The configured name of a datapath, if any.
    pub fn name(&self, dpid: DatapathId) -> Option<Arc<str>> {
        self.by_dpid.get(&dpid).cloned()
    }

    /// The datapath id of a configured name.
    pub fn dpid(&self, name: &str) -> Option<DatapathId> {
        self.by_name.get(name).copied()
    }

    /// Resolve one reference.
    pub fn resolve(&self, r: &SwitchRef) -> Option<DatapathId> {
        match r {
            SwitchRef::Dpid(v) => Some(DatapathId(*v)),
            SwitchRef::Name(n) => self.dpid(n).or_else(|| parse_dpid(n).map(DatapathId)),
        }
    }
}

/// A configuration error. Displays as `FILE:LINE: key `KEY`: what is wrong`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not fit the schema (unknown key, wrong type).
    #[error("{path}:{line}: key `{key}`: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the offending key or value.
        line: usize,
        /// Dotted key (`l2_learning.idle_timeout`), or the table for a missing key.
        key: String,
        /// What is wrong, as the TOML parser or our validation says it.
        message: String,
    },
}

impl Config {
    /// Read and validate a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parse and validate config text; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            invalid(text, path, offset, e.message().to_string())
        })?;
        config.validate(text, path)?;
        Ok(config)
    }

    /// Checks serde cannot make: values in range, names that resolve, no duplicate dpids.
    fn validate(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let c = &self.controller;
        let at_key = |key: &str| find_key_offset(text, "controller", key);
        if c.listen.is_empty() && c.tls_listen.is_empty() {
            let msg = "at least one listen (or tls_listen) address is needed".to_string();
            return Err(invalid(text, path, at_key("listen"), msg));
        }
        if c.echo_interval_secs == 0 {
            let msg = "must be at least 1".to_string();
            return Err(invalid(text, path, at_key("echo_interval_secs"), msg));
        }
        if c.echo_misses == 0 {
            let msg = "must be at least 1".to_string();
            return Err(invalid(text, path, at_key("echo_misses"), msg));
        }
        if c.handshake_timeout_secs == 0 {
            let msg = "must be at least 1".to_string();
            return Err(invalid(text, path, at_key("handshake_timeout_secs"), msg));
        }
        if c.module_queue_len == 0 {
            let msg = "must be at least 1".to_string();
            return Err(invalid(text, path, at_key("module_queue_len"), msg));
        }
        if let Err((key, msg)) = c.check_tls() {
            return Err(invalid(text, path, at_key(key), msg));
        }
        if let Err((key, msg)) = self.rest.check() {
            return Err(invalid(text, path, find_key_offset(text, "rest", key), msg));
        }
        let mut seen: HashMap<DatapathId, &str> = HashMap::new();
        for (name, spec) in &self.switches {
            let dpid = spec.get_ref().dpid();
            if let Some(other) = seen.insert(dpid, name) {
                let msg = format!("datapath id {dpid} is already named `{other}`");
                return Err(invalid(text, path, spec.span().start, msg));
            }
        }
        let dir = self.directory();
        crate::modules::tap_config::validate(self, &dir)
            .map_err(|(offset, msg)| invalid(text, path, offset, msg))?;
        for refs in self.switch_lists() {
            for r in refs {
                if dir.resolve(r.get_ref()).is_none() {
                    let msg = format!(
                        "unknown switch `{}`: not in [switches] and not a datapath id",
                        r.get_ref()
                    );
                    return Err(invalid(text, path, r.span().start, msg));
                }
            }
        }
        if let Err(e) = crate::topology::Topology::new(&self.topology, &self.switch_names()) {
            let at = self.topology.error_offset(&e).unwrap_or_else(|| {
                find_key_offset(text, "topology", TopologyConfig::error_key(&e))
            });
            return Err(invalid(text, path, at, e.to_string()));
        }
        if let Err(e) = self.collector.build_engine() {
            return Err(invalid(
                text,
                path,
                find_section_offset(text, "collector"),
                e.to_string(),
            ));
        }
        if let Err(e) = self.sflow_rt.client() {
            return Err(invalid(
                text,
                path,
                find_section_offset(text, "sflow_rt"),
                e.to_string(),
            ));
        }
        Ok(())
    }

    /// `[switches]` as a name -> datapath id map.
    pub fn switch_names(&self) -> BTreeMap<String, DatapathId> {
        self.switches
            .iter()
            .map(|(name, spec)| (name.clone(), spec.get_ref().dpid()))
            .collect()
    }

    /// Every module's `switches = [...]` list, for validation.
    fn switch_lists(&self) -> Vec<&[Spanned<SwitchRef>]> {
        [
            self.l2_learning.switches.as_deref(),
            self.topology.switches.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The name <-> datapath id directory from `[switches]`.
    pub fn directory(&self) -> SwitchDirectory {
        let mut dir = SwitchDirectory::default();
        for (name, spec) in &self.switches {
            let dpid = spec.get_ref().dpid();
            dir.by_name.insert(name.clone(), dpid);
            dir.by_dpid.insert(dpid, Arc::from(name.as_str()));
        }
        dir
    }
}

fn invalid(text: &str, path: &Path, offset: usize, message: String) -> ConfigError {
    let (line, key) = locate(text, offset);
    ConfigError::Invalid {
        path: path.to_path_buf(),
        line,
        key,
        message,
    }
}

/// The 1-based line of `offset` and the dotted key written there: the nearest `[table]`
/// header above it plus the key on that line, if the line is a `key = value` line.
fn locate(text: &str, offset: usize) -> (usize, String) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line_no = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let line = text
        .get(line_start..)
        .and_then(|rest| rest.lines().next())
        .unwrap_or("");
    let mut table = String::new();
    for l in text.get(..line_start).unwrap_or("").lines() {
        if let Some(h) = header_name(l) {
            table = h;
        }
    }
    if let Some(h) = header_name(line) {
        return (line_no, h);
    }
    let key = match line.split_once('=') {
        Some((k, _)) => k.trim().trim_matches('"').to_string(),
        None => String::new(),
    };
    let dotted = match (table.is_empty(), key.is_empty()) {
        (true, _) => key,
        (false, true) => table,
        (false, false) => format!("{table}.{key}"),
    };
    (line_no, dotted)
}

fn header_name(line: &str) -> Option<String> {
    let t = line.trim();
    let inner = t.strip_prefix('[')?.split(']').next()?;
    Some(inner.trim_matches(['[', ' ']).to_string())
}

/// Byte offset of `key = ...` inside `[table]`, for errors found after parsing; the
/// table header's offset when the key is absent (a default), or 0.
/// Offset of the first header of `table` or one of its sub-tables (`[collector.flows.x]`).
fn find_section_offset(text: &str, table: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(h) = header_name(line) {
            if h == table || h.starts_with(&format!("{table}.")) {
                return offset;
            }
        }
        offset += line.len();
    }
    0
}

fn find_key_offset(text: &str, table: &str, key: &str) -> usize {
    let mut offset = 0;
    let mut in_table = false;
    let mut table_offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(h) = header_name(line) {
            in_table = h == table;
            if in_table {
                table_offset = offset;
            }
        } else if in_table {
            if let Some((k, _)) = line.split_once('=') {
                if k.trim() == key {
                    return offset;
                }
            }
        }
        offset += line.len();
    }
    table_offset
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Config, ConfigError> {
        Config::parse(s, Path::new("test.toml"))
    }

    fn err(s: &str) -> (usize, String, String) {
        match parse(s).unwrap_err() {
            ConfigError::Invalid {
                line, key, message, ..
            } => (line, key, message),
            e => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn empty_file_gives_defaults() {
        let c = parse("").unwrap();
        assert_eq!(c.controller.listen.len(), 2);
        assert_eq!(c.controller.listen[0].port(), 6653);
        assert_eq!(c.controller.listen[1].port(), 6633);
        assert_eq!(c.controller.miss_send_len, 0xffff);
        assert!(c.l2_learning.enabled);
    }

    #[test]
    fn switch_names() {
        let c = parse(
            "[switches]\ns1 = 1\ns2 = \"00:00:00:00:00:00:00:02\"\ns3 = \"0x3\"\n\
             [l2_learning]\nswitches = [\"s1\", \"s3\", 7]\n",
        )
        .unwrap();
        let d = c.directory();
        assert_eq!(d.dpid("s2"), Some(DatapathId(2)));
        assert_eq!(d.name(DatapathId(3)).as_deref(), Some("s3"));
        let refs = c.l2_learning.switches.as_ref().unwrap();
        let got: Vec<_> = refs.iter().map(|r| d.resolve(r.get_ref())).collect();
        assert_eq!(
            got,
            vec![
                Some(DatapathId(1)),
                Some(DatapathId(3)),
                Some(DatapathId(7))
            ]
        );
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let (line, key, msg) = err("[controller]\necho_misses = 2\n\n[l2_learning]\nidle = 5\n");
        assert_eq!(line, 5);
        assert_eq!(key, "l2_learning.idle");
        assert!(msg.contains("unknown field"), "{msg}");
        let e = parse("[l2_learning]\nidle = 5\n").unwrap_err().to_string();
        assert!(e.starts_with("test.toml:2: key `l2_learning.idle`"), "{e}");
    }

    #[test]
    fn unknown_section() {
        let (line, key, _) = err("\n[l3_routing]\nx = 1\n");
        assert_eq!((line, key.as_str()), (2, "l3_routing"));
    }

    #[test]
    fn wrong_type() {
        let (line, key, _) = err("[controller]\nmiss_send_len = \"big\"\n");
        assert_eq!((line, key.as_str()), (2, "controller.miss_send_len"));
        let (line, key, _) = err("[controller]\nlisten = [\"nope\"]\n");
        assert_eq!((line, key.as_str()), (2, "controller.listen"));
    }

    #[test]
    fn bad_dpid_and_unknown_switch() {
        let (line, key, _) = err("[switches]\ns1 = \"00:01\"\n");
        assert_eq!((line, key.as_str()), (2, "switches.s1"));
        let (line, key, msg) = err("[switches]\ns1 = 1\n[l2_learning]\nswitches = [\"s9\"]\n");
        assert_eq!((line, key.as_str()), (4, "l2_learning.switches"));
        assert!(msg.contains("s9"), "{msg}");
        let (line, _, msg) = err("[switches]\ns1 = 1\ns2 = \"0x1\"\n");
        assert_eq!(line, 3);
        assert!(msg.contains("already named `s1`"), "{msg}");
    }

    #[test]
    fn range_checks_after_parse() {
        let (line, key, _) = err("[controller]\nlisten = []\n");
        assert_eq!((line, key.as_str()), (2, "controller.listen"));
        let (line, key, _) = err("[controller]\n\necho_misses = 0\n");
        assert_eq!((line, key.as_str()), (3, "controller.echo_misses"));
    }

    #[test]
    fn dpid_forms() {
        assert_eq!(parse_dpid("00:00:00:00:00:00:00:0a"), Some(10));
        assert_eq!(parse_dpid("000000000000000a"), Some(10));
        assert_eq!(parse_dpid("0xff"), Some(255));
        assert_eq!(parse_dpid("0a"), None);
        assert_eq!(parse_dpid("0:00:00:00:00:00:00:0a0"), None);
    }
}
