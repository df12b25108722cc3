//! State that survives a controller restart: the dynamic taps (created by the REST API,
//! activated by triggers) and the activated `static = false` patches, with the wall-clock
//! time each activation ends.
//!
//! `[controller] state_file` names the file (`tapdemon run` defaults to
//! [`DEFAULT_STATE_FILE`]; `state_file = ""` turns persistence off). The tap module hands
//! a [`TapSnapshot`] list to its [`TapStateSink`] whenever the set changes (the patch
//! module likewise, [`PatchSnapshot`] to [`PatchStateSink`]); the [`writer`] task turns it into a [`StateFile`] and replaces the file atomically
//! ([`store::StateStore::save`]: temp file in the same directory, fsync, rename). At
//! start, [`restore::open`] reads the file, drops (and logs) what expired while the
//! controller was down, and re-creates the rest as [`crate::modules::control::Control`]
//! commands to the tap and patch modules; taps are installed when their switches connect, with their
//! remaining time as hard timeout. A file that cannot be read or parsed is reported with
//! its path and what is wrong, renamed aside (`state.json.corrupt-<unix time>`), and the
//! controller starts without it.
//!
//! Static `[[tap]]`s and `[[patch]]`es are not stored: the config brings them back. The
//! exception is a static tap deactivated at runtime (`DELETE /api/taps/NAME`): its name and
//! a hash of its definition ([`definition_hash`]) are kept ([`SavedStaticOff`]) so it stays
//! off after a restart, until the config changes that tap's definition.

pub mod restore;
pub mod store;
pub mod writer;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use proto::flow::Match;
use serde::{Deserialize, Serialize};

use crate::pipeline::Direction;
use crate::topology::PortRef;

pub use store::{StateError, StateStore};

/// Where `tapdemon run` keeps its state when `[controller] state_file` is not set.
pub const DEFAULT_STATE_FILE: &str = "/var/lib/tapdemon/state.json";

/// The file format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The file's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateFile {
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// When it was written, milliseconds since the Unix epoch.
    pub saved_at_unix_ms: u64,
    /// The dynamic taps, active when the file was written.
    pub taps: Vec<SavedTap>,
    /// The activated `static = false` patches.
    #[serde(default)]
    pub patches: Vec<SavedPatch>,
    /// Static `[[tap]]`s deactivated at runtime (absent when none, so a file without any
    /// stays readable by builds that predate this field).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub static_off: Vec<SavedStaticOff>,
}

impl StateFile {
    /// A file of `taps` (and no patches), written now.
    pub fn new(taps: Vec<SavedTap>, now_unix_ms: u64) -> Self {
        StateFile {
            version: FORMAT_VERSION,
            saved_at_unix_ms: now_unix_ms,
            taps,
            patches: Vec::new(),
            static_off: Vec::new(),
        }
    }
}

/// A static `[[tap]]` deactivated at runtime: it stays off across restarts while the
/// config's definition of it hashes to the same value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedStaticOff {
    /// Its name in the config.
    pub name: String,
    /// [`definition_hash`] of the definition it had when it was deactivated.
    pub definition_hash: String,
}

/// A tap definition's fingerprint: FNV-1a 64 (stable across builds and runs, unlike the
/// std hasher) of its resolved source, monitor, direction and ovs-ofctl filter, as hex.
pub fn definition_hash(
    source: PortRef,
    monitor: PortRef,
    direction: Direction,
    filter: &Match,
) -> String {
    let text = format!(
        "source={source} monitor={monitor} direction={} match={}",
        direction_name(direction),
        proto::ofctl::format_match(filter)
    );
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Ingress => "ingress",
        Direction::Egress => "egress",
        Direction::Both => "both",
    }
}

/// An activated `[[patch]]` with `static = false`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedPatch {
    /// Its name in the config.
    pub name: String,
    /// When the activation ends, milliseconds since the Unix epoch.
    pub expires_at_unix_ms: u64,
}

/// An activated patch as the patch module sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchSnapshot {
    /// Name.
    pub name: String,
    /// When the activation ends.
    pub until: Instant,
}

impl PatchSnapshot {
    /// The stored form, given that `now` is `now_unix_ms`.
    pub fn to_saved(&self, now: Instant, now_unix_ms: u64) -> SavedPatch {
        SavedPatch {
            name: self.name.clone(),
            expires_at_unix_ms: wall(self.until, now, now_unix_ms),
        }
    }
}

/// Where a stored tap came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SavedOrigin {
    /// Created at runtime (REST API, trigger): the whole spec is stored.
    Runtime,
    /// A `[[tap]]` with `static = false`, activated: only its name and expiry are needed.
    Activatable,
}

/// One dynamic tap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedTap {
    /// Name.
    pub name: String,
    /// Runtime or activatable.
    pub origin: SavedOrigin,
    /// The tapped port.
    pub source: PortRef,
    /// Where copies go.
    pub monitor: PortRef,
    /// Which traffic.
    pub direction: Direction,
    /// Filter, ovs-ofctl syntax (empty: all).
    #[serde(default)]
    pub filter: String,
    /// When the activation ends, milliseconds since the Unix epoch (absent: until deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at_unix_ms: Option<u64>,
}

/// A dynamic tap as the tap module sees it (its clock is [`Instant`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TapSnapshot {
    /// Name.
    pub name: String,
    /// Runtime or activatable.
    pub origin: SavedOrigin,
    /// The tapped port.
    pub source: PortRef,
    /// Where copies go.
    pub monitor: PortRef,
    /// Which traffic.
    pub direction: Direction,
    /// Only packets matching this.
    pub filter: Match,
    /// When the activation ends (`None`: until deleted).
    pub until: Option<Instant>,
}

impl TapSnapshot {
    /// The stored form: `until` becomes wall-clock time, given that `now` is `now_unix_ms`.
    pub fn to_saved(&self, now: Instant, now_unix_ms: u64) -> SavedTap {
        SavedTap {
            name: self.name.clone(),
            origin: self.origin,
            source: self.source,
            monitor: self.monitor,
            direction: self.direction,
            filter: proto::ofctl::format_match(&self.filter),
            expires_at_unix_ms: self.until.map(|u| wall(u, now, now_unix_ms)),
        }
    }
}

/// Where the tap module sends its dynamic taps whenever they change.
pub trait TapStateSink: Send {
    /// The complete set of dynamic taps as of `now`.
    fn save(&mut self, taps: &[TapSnapshot], now: Instant);
    /// The complete set of static taps deactivated at runtime.
    fn save_static_off(&mut self, off: &[SavedStaticOff]);
}

/// Where the patch module sends its activated patches whenever they change.
pub trait PatchStateSink: Send + std::fmt::Debug {
    /// The complete set of activated patches as of `now`.
    fn save_patches(&mut self, patches: &[PatchSnapshot], now: Instant);
}

/// `at` on the wall clock, given that `now` is `now_unix_ms` (past instants are `now`).
fn wall(at: Instant, now: Instant, now_unix_ms: u64) -> u64 {
    let left = at.saturating_duration_since(now).as_millis();
    now_unix_ms.saturating_add(u64::try_from(left).unwrap_or(u64::MAX))
}

/// Milliseconds since the Unix epoch of `t` (0 before the epoch).
pub fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// `ms` as a duration.
pub(crate) fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}
