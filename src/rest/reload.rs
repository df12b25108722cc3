//! Config reload, by `POST /api/reload` or SIGHUP.
//!
//! The file is read and validated exactly as `check-config` does; an invalid file is
//! refused with its `file:line: key` reason and the running config is kept. A valid one is
//! handed to each [`ApplyConfig`]. [`ModulesApplier`] sends the `tap`, `patch` and
//! `trigger` modules their part of it as [`Control::Reconfigure`]; each compares it with
//! what it runs, by name, and touches only what differs (removed: deactivated, their flows
//! deleted by cookie; added: installed; changed: replaced; unchanged: nothing sent), then
//! answers what it did, which is the report. Runtime taps (trigger, REST) survive.
//! Sections that only take effect at start (`[controller]`, `[switches]`, `[rest]`,
//! `[topology]`, `[collector]`, `[sflow_rt]`, `[l2_learning]`, `taps.vlan_range`) are
//! reported in `needs_restart` and logged; the rest still applies.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::http::StatusCode;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::error::ApiError;
use super::events::{EventHub, EventKind};
use super::state::{BoxFut, ReloadReport, Reloader};
use crate::bus::Bus;
use crate::config::Config;
use crate::modules::control::{Ack, Applied, Control, Reconfig};
use crate::modules::patch::patch_defs;
use crate::modules::tap_config::configured_taps;
use crate::modules::trigger::rules;

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
    /// `tapdemon run --listen` replaced the file's `[controller] listen`; keep it so that
    /// a reload does not report the listeners as changed.
    listen_override: Option<Vec<SocketAddr>>,
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
        let listen_override = Config::load(&path)
            .ok()
            .filter(|f| f.controller.listen != running.controller.listen)
            .map(|_| running.controller.listen.clone());
        ConfigReloader {
            path,
            listen_override,
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
        let mut new = Config::load(&self.path).map_err(|e| {
            let e = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("new config refused, running config kept: {e}"),
            )
            .field(config_key(&e));
            warn!(error = %e.message, "config reload refused");
            e
        })?;
        if let Some(l) = &self.listen_override {
            new.controller.listen = l.clone();
        }
        let old = self.current();
        let mut report = ReloadReport {
            needs_restart: needs_restart(&old, &new),
            ..ReloadReport::default()
        };
        if !report.needs_restart.is_empty() {
            warn!(sections = ?report.needs_restart, "changed config sections take effect at the next restart");
        }
        for a in &self.appliers {
            a.apply(&old, &new, &mut report).await.map_err(|e| {
                ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    format!("reload applied partly: {e}"),
                )
            })?;
        }
        info!(added = ?report.added, removed = ?report.removed, changed = ?report.changed,
            unchanged = ?report.unchanged_names, needs_restart = ?report.needs_restart,
            "config reloaded");
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Arc::new(new);
        Ok(report)
    }
}

/// The sections that changed between `old` and `new` but are only read at start.
pub fn needs_restart(old: &Config, new: &Config) -> Vec<String> {
    let switches = |c: &Config| -> BTreeMap<String, proto::DatapathId> {
        c.switches
            .iter()
            .map(|(k, v)| (k.clone(), v.get_ref().dpid()))
            .collect()
    };
    [
        (
            "controller",
            format!("{:?}", old.controller) != format!("{:?}", new.controller),
        ),
        ("switches", switches(old) != switches(new)),
        ("l2_learning", old.l2_learning != new.l2_learning),
        ("topology", old.topology != new.topology),
        ("collector", old.collector != new.collector),
        ("sflow_rt", old.sflow_rt != new.sflow_rt),
        ("rest", old.rest != new.rest),
        (
            "taps.vlan_range",
            old.taps.vlan_range != new.taps.vlan_range,
        ),
    ]
    .into_iter()
    .filter(|(_, changed)| *changed)
    .map(|(s, _)| s.to_string())
    .collect()
}

/// How long a reload waits for a module to apply its part.
pub const APPLY_TIMEOUT: Duration = Duration::from_secs(5);

/// Applies `[[tap]]`, `[[patch]]` and `[[trigger]]` through the running modules.
#[derive(Debug, Clone)]
pub struct ModulesApplier {
    bus: Arc<Bus>,
}

impl ModulesApplier {
    /// Over the running controller's bus.
    pub fn new(bus: Arc<Bus>) -> Self {
        ModulesApplier { bus }
    }

    async fn send(&self, module: &'static str, items: Reconfig) -> Result<Applied, String> {
        let (done, rx) = Ack::new();
        if !self
            .bus
            .control(module, Control::Reconfigure { items, done })
        {
            return Err(format!("the {module} module is not running"));
        }
        match tokio::time::timeout(APPLY_TIMEOUT, rx).await {
            Ok(Ok(a)) => Ok(a),
            Ok(Err(_)) => Err(format!("the {module} module stopped")),
            Err(_) => Err(format!(
                "the {module} module did not answer within {APPLY_TIMEOUT:?}"
            )),
        }
    }
}

/// The module's answer, into the report, each name prefixed `kind:`.
pub fn report_applied(kind: &str, a: &Applied, r: &mut ReloadReport) {
    let named = |v: &[String]| v.iter().map(|n| format!("{kind}:{n}")).collect::<Vec<_>>();
    r.added.extend(named(&a.added));
    r.removed.extend(named(&a.removed));
    r.changed.extend(named(&a.changed));
    r.unchanged += a.unchanged.len();
    r.unchanged_names.extend(named(&a.unchanged));
}

impl ApplyConfig for ModulesApplier {
    fn apply<'a>(
        &'a self,
        _old: &'a Config,
        new: &'a Config,
        report: &'a mut ReloadReport,
    ) -> BoxFut<'a, Result<(), String>> {
        Box::pin(async move {
            let dir = new.directory();
            // Patches and taps first: triggers name them.
            let parts = [
                ("patch", Reconfig::Patches(patch_defs(&new.patch, &dir))),
                (
                    "tap",
                    Reconfig::Taps {
                        reconcile_secs: new.taps.reconcile_secs,
                        taps: configured_taps(&new.tap, &dir),
                    },
                ),
                ("trigger", Reconfig::Triggers(rules(&new.trigger, &dir))),
            ];
            let mut failed = Vec::new();
            for (module, items) in parts {
                match self.send(module, items).await {
                    Ok(a) => report_applied(module, &a, report),
                    Err(e) => {
                        warn!(module, error = %e, "reload not applied to a module");
                        failed.push(e);
                    }
                }
            }
            if failed.is_empty() {
                Ok(())
            } else {
                Err(failed.join("; "))
            }
        })
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
                    events.publish(EventKind::Reload {
                        ok: true,
                        message: format!(
                            "added {:?}, removed {:?}, changed {:?}, unchanged {:?}, needs restart {:?}",
                            r.added, r.removed, r.changed, r.unchanged_names, r.needs_restart
                        ),
                    });
                }
                Err(e) => {
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn only_start_time_sections_need_a_restart() {
        let parse = |t: &str| Config::parse(t, "t.toml".as_ref()).unwrap();
        let base = "[switches]\ns1 = 1\n[l2_learning]\nswitches = [\"s1\"]\n[[tap]]\nname = \"a\"\nsource = \"s1:1\"\nmonitor = \"s1:2\"\n";
        let old = parse(base);
        // Moved by a comment (spans differ), a tap changed: nothing needs a restart.
        let new = parse(&format!("# moved\n{}", base.replace("s1:2", "s1:3")));
        assert!(needs_restart(&old, &new).is_empty());
        let new = parse(&format!(
            "{}[taps]\nvlan_range = [100, 200]\n[collector]\nlisten = \"127.0.0.1:6344\"\n",
            base.replace("s1 = 1", "s1 = 2")
        ));
        assert_eq!(
            needs_restart(&old, &new),
            vec!["switches", "collector", "taps.vlan_range"]
        );
    }

    #[tokio::test]
    async fn modules_apply_the_diff_and_answer_the_report() {
        use tokio_util::task::TaskTracker;
        let dir = std::env::temp_dir().join(format!("tapdemon-reload-m-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.toml");
        let text = "[switches]\ns1 = 1\n\
            [[patch]]\nname = \"p\"\nswitch = \"s1\"\nports = [1, 2]\n\
            [[patch]]\nname = \"q\"\nswitch = \"s1\"\nports = [3, 4]\n\
            [[tap]]\nname = \"t\"\nsource = \"s1:1\"\nmonitor = \"s1:9\"\n\
            [[trigger]]\nname = \"web\"\nthreshold = \"web\"\nactivate = [\"tap:t\"]\n";
        std::fs::write(&path, text).unwrap();
        let running = Config::load(&path).unwrap();
        let tracker = TaskTracker::new();
        let shutdown = CancellationToken::new();
        let bus = Bus::start(
            crate::modules::build(&running),
            crate::switch::handle::Switches::default(),
            64,
            &tracker,
            shutdown.clone(),
        );
        let r = ConfigReloader::new(path.clone(), running)
            .with_applier(Arc::new(ModulesApplier::new(bus.clone())));
        let new = text
            .replace("monitor = \"s1:9\"", "monitor = \"s1:8\"")
            .replace(
                "[[patch]]\nname = \"q\"\nswitch = \"s1\"\nports = [3, 4]\n",
                "",
            )
            + "[[tap]]\nname = \"u\"\nsource = \"s1:5\"\nmonitor = \"s1:9\"\nstatic = false\n";
        std::fs::write(&path, new).unwrap();
        let rep = r.reload().await.unwrap();
        assert_eq!(rep.added, vec!["tap:u"]);
        assert_eq!(rep.removed, vec!["patch:q"]);
        assert_eq!(rep.changed, vec!["tap:t"]);
        assert_eq!(rep.unchanged_names, vec!["patch:p", "trigger:web"]);
        assert_eq!(rep.unchanged, 2);
        assert!(rep.needs_restart.is_empty());
        // Applied: reloading the same file again changes nothing.
        let rep = r.reload().await.unwrap();
        assert!(rep.added.is_empty() && rep.removed.is_empty() && rep.changed.is_empty());
        assert_eq!(rep.unchanged, 4);
        shutdown.cancel();
        tracker.close();
        tracker.wait().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
