//! Start-up: read the state file and turn what is still valid into commands for the tap
//! and patch modules. [`plan`] decides (sans-IO: the wall-clock time is passed in); [`open`] does the
//! file work and the logging around it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::SystemTime;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, info, warn};

use super::{
    definition_hash, millis, unix_ms, writer, PatchStateSink, SavedOrigin, SavedPatch,
    SavedStaticOff, SavedTap, StateFile, StateStore, TapStateSink,
};
use crate::config::Config;
use crate::modules::control::{Control, TapSpec};

/// Who the restored commands say they come from (in the tap module's logs).
pub const BY: &str = "restore";

/// Who a static tap kept off after a restart was deactivated by (its REST view says so).
pub const BY_STATIC_OFF: &str = "an operator before the restart (state file)";

/// What the config says about a tap or patch name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Configured {
    /// `static = true`.
    Static,
    /// `static = false`.
    Activatable,
}

/// The configured taps and patches by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigNames {
    /// `[[tap]]`s.
    pub taps: BTreeMap<String, Configured>,
    /// `[[patch]]`es.
    pub patches: BTreeMap<String, Configured>,
    /// The static `[[tap]]`s' [`definition_hash`]es.
    pub static_taps: BTreeMap<String, String>,
}

/// Why a stored tap is not restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropReason {
    /// Its activation ended while the controller was down, `ago_ms` before now.
    Expired {
        /// How long ago.
        ago_ms: u64,
    },
    /// An activated `static = false` tap or patch that the config no longer has.
    NotInConfig,
    /// A runtime tap whose name a configured tap now has (the config wins).
    NameInConfig,
    /// An activated tap or patch the config now makes static (always active anyway).
    NowStatic,
    /// Its filter no longer parses.
    BadFilter(String),
    /// A second entry with a name already restored.
    Duplicate,
    /// A static tap kept off whose `[[tap]]` definition changed since (the config wins).
    DefinitionChanged,
    /// A static tap kept off that the config no longer makes static.
    NotStatic,
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::Expired { ago_ms } => {
                write!(f, "expired {} s ago", ago_ms.div_ceil(1000))
            }
            DropReason::NotInConfig => f.write_str("the config no longer has it"),
            DropReason::NameInConfig => f.write_str("a [[tap]] in the config now has this name"),
            DropReason::NowStatic => f.write_str("the config now makes it static (always active)"),
            DropReason::BadFilter(e) => write!(f, "its filter does not parse: {e}"),
            DropReason::Duplicate => f.write_str("a tap of this name is already restored"),
            DropReason::DefinitionChanged => {
                f.write_str("its [[tap]] definition changed since it was deactivated")
            }
            DropReason::NotStatic => f.write_str("the config no longer makes it static"),
        }
    }
}

/// The outcome of [`plan`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestorePlan {
    /// Commands, with the module each is for (`tap`, `patch`), patches first.
    pub controls: Vec<(&'static str, Control)>,
    /// The taps restored (what the file should hold now).
    pub kept: Vec<SavedTap>,
    /// The taps not restored, and why.
    pub dropped: Vec<(SavedTap, DropReason)>,
    /// The patches restored.
    pub kept_patches: Vec<SavedPatch>,
    /// The patches not restored, and why.
    pub dropped_patches: Vec<(SavedPatch, DropReason)>,
    /// The static taps kept off.
    pub kept_static_off: Vec<SavedStaticOff>,
    /// The static taps deactivated before the restart that come back, and why.
    pub dropped_static_off: Vec<(SavedStaticOff, DropReason)>,
}

/// Decide what to restore from `state` at wall-clock time `now_unix_ms`, given the
/// configured taps and patches.
pub fn plan(state: &StateFile, now_unix_ms: u64, config: &ConfigNames) -> RestorePlan {
    let mut out = RestorePlan::default();
    plan_patches(state, now_unix_ms, config, &mut out);
    plan_static_off(state, config, &mut out);
    let configured = &config.taps;
    let mut seen = BTreeSet::new();
    for t in &state.taps {
        let reject = |out: &mut RestorePlan, why| out.dropped.push((t.clone(), why));
        if !seen.insert(t.name.clone()) {
            reject(&mut out, DropReason::Duplicate);
            continue;
        }
        let remaining = match t.expires_at_unix_ms {
            Some(at) if at <= now_unix_ms => {
                reject(
                    &mut out,
                    DropReason::Expired {
                        ago_ms: now_unix_ms - at,
                    },
                );
                continue;
            }
            Some(at) => Some(millis(at - now_unix_ms)),
            None => None,
        };
        let control = match (t.origin, configured.get(&t.name)) {
            (SavedOrigin::Runtime, Some(_)) => Err(DropReason::NameInConfig),
            (SavedOrigin::Runtime, None) => {
                let filter = if t.filter.trim().is_empty() {
                    Ok(Default::default())
                } else {
                    crate::modules::tap_config::parse_filter(Some(&t.filter))
                };
                filter
                    .map(|filter| Control::CreateTap {
                        spec: TapSpec {
                            name: t.name.clone(),
                            source: t.source,
                            direction: t.direction,
                            filter,
                            monitor: t.monitor,
                        },
                        duration: remaining,
                        by: BY.into(),
                    })
                    .map_err(DropReason::BadFilter)
            }
            (SavedOrigin::Activatable, Some(Configured::Activatable)) => Ok(Control::Activate {
                name: t.name.clone(),
                duration: remaining,
                by: BY.into(),
            }),
            (SavedOrigin::Activatable, Some(Configured::Static)) => Err(DropReason::NowStatic),
            (SavedOrigin::Activatable, None) => Err(DropReason::NotInConfig),
        };
        match control {
            Ok(c) => {
                out.controls.push(("tap", c));
                out.kept.push(t.clone());
            }
            Err(why) => reject(&mut out, why),
        }
    }
    out
}

/// Static taps deactivated before the restart stay off while their definition is the same.
fn plan_static_off(state: &StateFile, config: &ConfigNames, out: &mut RestorePlan) {
    let mut seen = BTreeSet::new();
    for s in &state.static_off {
        let why = if !seen.insert(s.name.clone()) {
            DropReason::Duplicate
        } else {
            match (config.taps.get(&s.name), config.static_taps.get(&s.name)) {
                (Some(Configured::Static), Some(h)) if *h == s.definition_hash => {
                    out.controls.push((
                        "tap",
                        Control::Deactivate {
                            name: s.name.clone(),
                            by: BY_STATIC_OFF.into(),
                        },
                    ));
                    out.kept_static_off.push(s.clone());
                    continue;
                }
                (Some(Configured::Static), _) => DropReason::DefinitionChanged,
                (Some(Configured::Activatable), _) => DropReason::NotStatic,
                (None, _) => DropReason::NotInConfig,
            }
        };
        out.dropped_static_off.push((s.clone(), why));
    }
}

/// Patches first: a tap's copies are only useful once the traffic flows again.
fn plan_patches(state: &StateFile, now_unix_ms: u64, config: &ConfigNames, out: &mut RestorePlan) {
    let mut seen = BTreeSet::new();
    for p in &state.patches {
        let at = p.expires_at_unix_ms;
        let why = if !seen.insert(p.name.clone()) {
            DropReason::Duplicate
        } else if at <= now_unix_ms {
            DropReason::Expired {
                ago_ms: now_unix_ms - at,
            }
        } else {
            match config.patches.get(&p.name) {
                Some(Configured::Activatable) => {
                    out.controls.push((
                        "patch",
                        Control::Activate {
                            name: p.name.clone(),
                            duration: Some(millis(at - now_unix_ms)),
                            by: BY.into(),
                        },
                    ));
                    out.kept_patches.push(p.clone());
                    continue;
                }
                Some(Configured::Static) => DropReason::NowStatic,
                None => DropReason::NotInConfig,
            }
        };
        out.dropped_patches.push((p.clone(), why));
    }
}

fn kind(is_static: bool) -> Configured {
    if is_static {
        Configured::Static
    } else {
        Configured::Activatable
    }
}

/// The configured taps and patches by name.
pub fn configured(config: &Config) -> ConfigNames {
    ConfigNames {
        taps: config
            .tap
            .iter()
            .map(|t| (t.name.get_ref().clone(), kind(t.is_static)))
            .collect(),
        patches: config
            .patch
            .iter()
            .map(|p| (p.name.get_ref().clone(), kind(p.is_static)))
            .collect(),
        static_taps: crate::modules::tap_config::configured_taps(&config.tap, &config.directory())
            .into_iter()
            .filter(|t| t.is_static)
            .map(|t| {
                let s = t.spec;
                let h = definition_hash(s.source, s.monitor, s.direction, &s.filter);
                (s.name, h)
            })
            .collect(),
    }
}

/// Persistence for a starting controller: the modules' sinks and the commands that
/// re-create the stored taps and patches (send them once the bus runs, before switches
/// connect).
#[derive(Default)]
pub struct Opened {
    /// For [`crate::modules::tap::TapModule::with_state_sink`]; `None` when persistence is
    /// off or impossible (the reason was logged).
    pub sink: Option<Box<dyn TapStateSink>>,
    /// For [`crate::modules::patch::PatchModule::with_state_sink`].
    pub patch_sink: Option<Box<dyn PatchStateSink>>,
    /// Commands, with the module each is for.
    pub controls: Vec<(&'static str, Control)>,
}

impl fmt::Debug for Opened {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Opened")
            .field("sink", &self.sink.is_some())
            .field("controls", &self.controls)
            .finish()
    }
}

/// Open `[controller] state_file`: create its directory, read it (a bad file is logged,
/// renamed aside and ignored), plan the restore, rewrite the file without what was
/// dropped, and start the writer task on `tracker`. Never fails: every problem is logged
/// and the controller runs on, without persistence if the file cannot be written.
pub fn open(config: &Config, tracker: &TaskTracker, shutdown: CancellationToken) -> Opened {
    let Some(path) = config.controller.state_path() else {
        if config.controller.state_file.is_some() {
            info!("[controller] state_file is empty: dynamic taps will not survive a restart");
        }
        return Opened::default();
    };
    let store = StateStore::new(path);
    if let Err(e) = store.ensure_dir() {
        error!(error = %e, "dynamic taps will not survive a restart");
        return Opened::default();
    }
    let now = SystemTime::now();
    let state = match store.load() {
        Ok(s) => s,
        Err(e) => {
            error!(error = %e, "state file unreadable; starting without the stored taps");
            let secs = unix_ms(now) / 1000;
            match store.quarantine(secs) {
                Ok(aside) => {
                    warn!(path = %aside.display(), "the unreadable state file was kept here")
                }
                Err(r) => {
                    // Writing now would destroy it: leave it for the operator.
                    error!(path = %path.display(), error = %r, "cannot rename the unreadable state file aside; not writing state this run");
                    return Opened::default();
                }
            }
            None
        }
    };
    let mut controls = Vec::new();
    let mut initial = StateFile::new(Vec::new(), unix_ms(now));
    if let Some(state) = state {
        let p = plan(&state, unix_ms(now), &configured(config));
        for (t, why) in &p.dropped {
            warn!(
                tap = t.name,
                origin = ?t.origin,
                source = %t.source,
                monitor = %t.monitor,
                filter = t.filter,
                reason = %why,
                "stored tap not restored"
            );
        }
        for t in &p.kept {
            let secs = t
                .expires_at_unix_ms
                .map(|at| at.saturating_sub(unix_ms(now)).div_ceil(1000));
            info!(tap = t.name, origin = ?t.origin, source = %t.source, monitor = %t.monitor, remaining_secs = ?secs, "tap restored from the state file");
        }
        for (pa, why) in &p.dropped_patches {
            warn!(patch = pa.name, reason = %why, "stored patch activation not restored");
        }
        for pa in &p.kept_patches {
            let secs = pa
                .expires_at_unix_ms
                .saturating_sub(unix_ms(now))
                .div_ceil(1000);
            info!(
                patch = pa.name,
                remaining_secs = secs,
                "patch activation restored from the state file"
            );
        }
        for s in &p.kept_static_off {
            info!(tap = s.name, "static tap stays deactivated, as before the restart (state file); activate it, or change its [[tap]] definition, to bring it back");
        }
        for (s, why) in &p.dropped_static_off {
            info!(tap = s.name, reason = %why, "static tap deactivated before the restart is back");
        }
        initial.taps = p.kept.clone();
        initial.patches = p.kept_patches.clone();
        initial.static_off = p.kept_static_off.clone();
        if !p.dropped.is_empty()
            || !p.dropped_patches.is_empty()
            || !p.dropped_static_off.is_empty()
        {
            if let Err(e) = store.save(&initial) {
                error!(error = %e, "cannot rewrite the state file");
            }
        }
        controls = p.controls;
    }
    info!(path = %store.path().display(), restored = controls.len(), "dynamic taps are kept in the state file");
    let sink = writer::start(store, initial, tracker, shutdown);
    Opened {
        sink: Some(Box::new(sink.clone())),
        patch_sink: Some(Box::new(sink)),
        controls,
    }
}

#[cfg(test)]
#[path = "restore_tests.rs"]
mod tests;
