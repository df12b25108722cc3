//! Config reload, by `POST /api/reload` or SIGHUP.
//!
//! The file is read and validated exactly as `check-config` does; an invalid file is
//! refused with its `file:line: key` reason and the running config is kept. A valid one is
//! handed to each [`ApplyConfig`] (the taps pipeline applies taps, patches and triggers as
//! a diff: [`diff_named`] tells which named items were added, removed or changed, so only
//! their flows are touched). Sections that only take effect at start (`[controller]`,
//! `[switches]`, `[rest]`, module sections built at start) are reported in
//! `needs_restart`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use axum::http::StatusCode;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::error::ApiError;
use super::events::{EventHub, EventKind};
use super::state::{BoxFut, ReloadReport, Reloader};
use crate::config::Config;

/// Something that applies part of a new config to the running controller.
pub trait ApplyConfig: Send + Sync + 'static {
    /// Apply `new` (the running one was `old`); add what changed to `report`.
    fn apply<'a>(
        &'a self,
        old: &'a Config,
        new: &'a Config,
        report: &'a mut ReloadReport,
    ) -> BoxFut<'a, Result<(), String>>;
}

/// The reloader over a config file.
pub struct ConfigReloader {
    path: PathBuf,
    current: Mutex<Arc<Config>>,
    appliers: Vec<Arc<dyn ApplyConfig>>,
    /// One reload at a time (SIGHUP and the API may race).
    busy: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for ConfigReloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigReloader")
            .field("path", &self.path)
            .field("appliers", &self.appliers.len())
            .finish()
    }
}

impl ConfigReloader {
    /// Reload `path`; `running` is the config the controller started with.
    pub fn new(path: PathBuf, running: Config) -> Self {
        ConfigReloader {
            path,
            current: Mutex::new(Arc::new(running)),
            appliers: Vec::new(),
            busy: tokio::sync::Mutex::new(()),
        }
    }

    /// Add a part that applies new configs.
    pub fn with_applier(mut self, a: Arc<dyn ApplyConfig>) -> Self {
        self.appliers.push(a);
        self
    }

    /// The config in force.
    pub fn current(&self) -> Arc<Config> {
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    async fn do_reload(&self) -> Result<ReloadReport, ApiError> {
        let _one = self.busy.lock().await;
        let new = Config::load(&self.path).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("new config refused, running config kept: {e}"),
            )
            .field(config_key(&e))
        })?;
        let old = self.current();
        let mut report = ReloadReport::default();
        for (section, changed) in [
            (
                "controller",
                format!("{:?}", old.controller) != format!("{:?}", new.controller),
            ),
            (
                "switches",
                format!("{:?}", old.switches) != format!("{:?}", new.switches),
            ),
            (
                "l2_learning",
                format!("{:?}", old.l2_learning) != format!("{:?}", new.l2_learning),
            ),
            ("rest", old.rest != new.rest),
        ] {
            if changed {
                report.needs_restart.push(section.to_string());
            }
        }
        for a in &self.appliers {
            a.apply(&old, &new, &mut report).await.map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    format!("reload applied partly: {e}"),
                )
            })?;
        }
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Arc::new(new);
        Ok(report)
    }
}

fn config_key(e: &crate::ConfigError) -> String {
    match e {
        crate::ConfigError::Invalid { key, .. } => key.clone(),
        crate::ConfigError::Read { .. } => "file".into(),
    }
}

impl Reloader for ConfigReloader {
    fn reload(&self) -> BoxFut<'_, Result<ReloadReport, ApiError>> {
        Box::pin(self.do_reload())
    }
}

/// Reload on every SIGHUP until `shutdown`; results are logged and published as `reload`
/// events.
pub async fn reload_on_sighup(
    reloader: Arc<dyn Reloader>,
    events: EventHub,
    shutdown: CancellationToken,
) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hup = match signal(SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                warn!(error = %e, "cannot listen for SIGHUP; reload only through the API");
                return;
            }
        };
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                s = hup.recv() => if s.is_none() { return },
            }
            info!("SIGHUP: reloading the config");
            match reloader.reload().await {
                Ok(r) => {
                    info!(added = ?r.added, removed = ?r.removed, changed = ?r.changed,
                        needs_restart = ?r.needs_restart, "config reloaded");
                    events.publish(EventKind::Reload {
                        ok: true,
                        message: format!(
                            "added {:?}, removed {:?}, changed {:?}, {} unchanged",
                            r.added, r.removed, r.changed, r.unchanged
                        ),
                    });
                }
                Err(e) => {
                    warn!(error = %e.message, "config reload refused");
                    events.publish(EventKind::Reload {
                        ok: false,
                        message: e.message,
                    });
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (reloader, events);
        shutdown.cancelled().await;
    }
}

/// What changed between two sets of named items (taps, patches, triggers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamedDiff {
    /// Only in the new set.
    pub added: Vec<String>,
    /// Only in the old set.
    pub removed: Vec<String>,
    /// In both, different.
    pub changed: Vec<String>,
    /// In both, equal.
    pub unchanged: usize,
}

impl NamedDiff {
    /// Add to a report, each name prefixed `kind:` (`tap:h9`).
    pub fn report_into(&self, kind: &str, r: &mut ReloadReport) {
        r.added
            .extend(self.added.iter().map(|n| format!("{kind}:{n}")));
        r.removed
            .extend(self.removed.iter().map(|n| format!("{kind}:{n}")));
        r.changed
            .extend(self.changed.iter().map(|n| format!("{kind}:{n}")));
        r.unchanged += self.unchanged;
    }
}

/// Compare two sets of named items.
pub fn diff_named<T: PartialEq>(old: &BTreeMap<String, T>, new: &BTreeMap<String, T>) -> NamedDiff {
    let mut d = NamedDiff::default();
    for (name, item) in new {
        match old.get(name) {
            None => d.added.push(name.clone()),
            Some(o) if o != item => d.changed.push(name.clone()),
            Some(_) => d.unchanged += 1,
        }
    }
    d.removed = old
        .keys()
        .filter(|n| !new.contains_key(*n))
        .cloned()
        .collect();
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff() {
        let old: BTreeMap<String, u32> = [("a", 1), ("b", 2), ("c", 3)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let new: BTreeMap<String, u32> = [("a", 1), ("b", 5), ("d", 4)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let d = diff_named(&old, &new);
        assert_eq!(d.added, vec!["d"]);
        assert_eq!(d.removed, vec!["c"]);
        assert_eq!(d.changed, vec!["b"]);
        assert_eq!(d.unchanged, 1);
        let mut r = ReloadReport::default();
        d.report_into("tap", &mut r);
        assert_eq!(r.changed, vec!["tap:b"]);
    }

    #[tokio::test]
    async fn invalid_file_keeps_running_config() {
        let dir = std::env::temp_dir().join(format!("tapdemon-reload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.toml");
        std::fs::write(&path, "[controller]\necho_misses = 2\n").unwrap();
        let running = Config::load(&path).unwrap();
        let r = ConfigReloader::new(path.clone(), running);
        std::fs::write(&path, "[controller]\necho_misses = 0\n").unwrap();
        let e = r.reload().await.unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.field.as_deref(), Some("controller.echo_misses"));
        assert!(e.message.contains("c.toml:2"), "{}", e.message);
        assert_eq!(r.current().controller.echo_misses, 2);
        std::fs::write(&path, "[controller]\necho_misses = 4\n").unwrap();
        let rep = r.reload().await.unwrap();
        assert_eq!(rep.needs_restart, vec!["controller"]);
        assert_eq!(r.current().controller.echo_misses, 4);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
