//! The `sflow_rt` module: trigger events from an external sFlow-RT (REST on 8008), for
//! sites that already run it. It produces the same [`TriggerEvent`]s as the embedded
//! collector, into the same channel.
//!
//! This is an adapter task (the async part; the pure logic is in [`crate::sflow_rt`]):
//! 1. PUT every configured flow (`/flow/{name}/json`) and threshold
//!    (`/threshold/{name}/json`), verbatim: sFlow-RT features tapdemon does not implement
//!    (key functions, `log`, threshold filters) pass through.
//! 2. Find the newest event id (`/events/json?maxEvents=1`): events from before tapdemon
//!    started are not acted on (unless `replay_backlog`); after a reconnect the cursor is
//!    kept, so nothing is lost or repeated, unless the server restarted (its ids went back).
//! 3. Long-poll `GET /events/json?maxEvents=..&timeout=..&eventID=..` (HTTP timeout twice the
//!    poll timeout); deliver new events oldest first.
//! 4. Optionally, every `metric_poll_interval` seconds, `GET /metric/{agent}/{flow}/json`
//!    for each configured flow and turn new `topKeys` into events, as the original cron
//!    script did.
//!
//! Any failure (refused, timeout, HTTP error, bad JSON) is logged and retried after an
//! exponential backoff (doubling from `backoff_initial` to `backoff_max` seconds); after a
//! failure the definitions are PUT again, in case sFlow-RT restarted. Nothing else waits
//! on this task.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn, Instrument};

use crate::sflow_rt::client::{RtClient, RtError};
use crate::sflow_rt::{to_trigger, EventCursor, FlowKeyNames, Locate, MetricWatcher};
use crate::trigger::TriggerEvent;

/// The `[sflow_rt]` section.
///
/// ```toml
/// [sflow_rt]
/// enabled = true
/// url = "http://127.0.0.1:8008"
/// metric_poll_interval = 1.0
/// [sflow_rt.flows.tcp]
/// keys = "ipsource,ipdestination,tcpsourceport,tcpdestinationport"
/// value = "bytes"
/// [sflow_rt.thresholds.web]
/// metric = "tcp"
/// value = 125000
/// byFlow = true
/// timeout = 10
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SflowRtConfig {
    /// Run the module (default false).
    #[serde(default)]
    pub enabled: bool,
    /// sFlow-RT's base URL (default `http://127.0.0.1:8008`).
    #[serde(default = "default_url")]
    pub url: String,
    /// Long-poll `timeout`, seconds (default 60, as sFlow-RT's UI).
    #[serde(default = "default_poll_timeout")]
    pub poll_timeout: u64,
    /// Long-poll `maxEvents` (default 100).
    #[serde(default = "default_max_events")]
    pub max_events: u32,
    /// Timeout of the other calls, seconds (default 5).
    #[serde(default = "default_request_timeout")]
    pub request_timeout: f64,
    /// Act on events sFlow-RT had before tapdemon started (default false).
    #[serde(default)]
    pub replay_backlog: bool,
    /// Flow definitions to PUT, by name (sFlow-RT's JSON fields).
    #[serde(default)]
    pub flows: BTreeMap<String, serde_json::Value>,
    /// Threshold definitions to PUT, by name.
    #[serde(default)]
    pub thresholds: BTreeMap<String, serde_json::Value>,
    /// Poll `/metric/{metric_agent}/{flow}/json` for every flow this often, seconds
    /// (default: off).
    #[serde(default)]
    pub metric_poll_interval: Option<f64>,
    /// Agents for the metric poll (default `ALL`).
    #[serde(default = "default_metric_agent")]
    pub metric_agent: String,
    /// Top keys below this value raise no event (default 0).
    #[serde(default)]
    pub metric_min_value: f64,
    /// First retry delay, seconds (default 0.5).
    #[serde(default = "default_backoff_initial")]
    pub backoff_initial: f64,
    /// Largest retry delay, seconds (default 30).
    #[serde(default = "default_backoff_max")]
    pub backoff_max: f64,
}

fn default_url() -> String {
    "http://127.0.0.1:8008".into()
}
fn default_poll_timeout() -> u64 {
    60
}
fn default_max_events() -> u32 {
    100
}
fn default_request_timeout() -> f64 {
    5.0
}
fn default_metric_agent() -> String {
    "ALL".into()
}
fn default_backoff_initial() -> f64 {
    0.5
}
fn default_backoff_max() -> f64 {
    30.0
}

impl Default for SflowRtConfig {
    fn default() -> Self {
        SflowRtConfig {
            enabled: false,
            url: default_url(),
            poll_timeout: default_poll_timeout(),
            max_events: default_max_events(),
            request_timeout: default_request_timeout(),
            replay_backlog: false,
            flows: BTreeMap::new(),
            thresholds: BTreeMap::new(),
            metric_poll_interval: None,
            metric_agent: default_metric_agent(),
            metric_min_value: 0.0,
            backoff_initial: default_backoff_initial(),
            backoff_max: default_backoff_max(),
        }
    }
}

/// An `[sflow_rt]` section that does not make sense.
#[derive(Debug, thiserror::Error)]
pub enum SflowRtConfigError {
    /// Bad `url`.
    #[error("[sflow_rt] url: {0}")]
    Url(Box<RtError>),
    /// A flow without `keys`, or not a table.
    #[error("[sflow_rt.flows.{0}]: a flow needs `keys`")]
    Flow(String),
    /// A threshold without `metric` and `value`, or not a table.
    #[error("[sflow_rt.thresholds.{0}]: a threshold needs `metric` and `value`")]
    Threshold(String),
    /// `poll_timeout` out of range.
    #[error("[sflow_rt] poll_timeout: must be between 1 and 3600 seconds")]
    PollTimeout,
    /// A duration out of range.
    #[error("[sflow_rt] {0}: must be between 0.001 and 86400 seconds")]
    Duration(&'static str),
}

/// A duration in seconds, from 1 ms to a day (no zero-period timers, no overflow).
fn secs(v: f64, field: &'static str) -> Result<Duration, SflowRtConfigError> {
    if (0.001..=86_400.0).contains(&v) {
        Ok(Duration::from_secs_f64(v))
    } else {
        Err(SflowRtConfigError::Duration(field))
    }
}

impl SflowRtConfig {
    /// Checks the section and builds the client.
    pub fn client(&self) -> Result<RtClient, SflowRtConfigError> {
        for (name, f) in &self.flows {
            if f.get("keys").is_none() {
                return Err(SflowRtConfigError::Flow(name.clone()));
            }
        }
        for (name, t) in &self.thresholds {
            if t.get("metric").is_none() || t.get("value").is_none() {
                return Err(SflowRtConfigError::Threshold(name.clone()));
            }
        }
        if !(1..=3600).contains(&self.poll_timeout) {
            return Err(SflowRtConfigError::PollTimeout);
        }
        secs(self.backoff_initial, "backoff_initial")?;
        secs(self.backoff_max, "backoff_max")?;
        if let Some(i) = self.metric_poll_interval {
            secs(i, "metric_poll_interval")?;
        }
        let short = secs(self.request_timeout, "request_timeout")?;
        RtClient::new(&self.url, short).map_err(|e| SflowRtConfigError::Url(Box::new(e)))
    }
}

/// Checks `cfg` and spawns the module's task. Events go to `events`; `locate` (the
/// embedded collector's ifIndex map) fills in [`TriggerEvent::location`].
pub fn spawn(
    cfg: SflowRtConfig,
    events: mpsc::Sender<TriggerEvent>,
    locate: Option<Arc<Locate>>,
    shutdown: CancellationToken,
) -> Result<JoinHandle<()>, SflowRtConfigError> {
    let client = cfg.client()?;
    let span = tracing::info_span!("module", module = "sflow_rt", url = %cfg.url);
    Ok(tokio::spawn(
        async move {
            tokio::select! {
                _ = shutdown.cancelled() => {}
                _ = run(client, &cfg, events, locate) => {}
            }
            debug!("sflow_rt stopped");
        }
        .instrument(span),
    ))
}

/// Exponential backoff between failed attempts.
#[derive(Debug)]
struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
    failures: u64,
}

impl Backoff {
    fn new(cfg: &SflowRtConfig) -> Self {
        let initial = Duration::from_secs_f64(cfg.backoff_initial.max(0.001));
        Backoff {
            initial,
            max: Duration::from_secs_f64(cfg.backoff_max.max(cfg.backoff_initial)),
            next: initial,
            failures: 0,
        }
    }

    async fn fail(&mut self, what: &str, e: &RtError) {
        self.failures += 1;
        warn!(error = %e, retry_in = ?self.next, failures = self.failures, "sFlow-RT {what} failed");
        tokio::time::sleep(self.next).await;
        self.next = (self.next * 2).min(self.max);
    }

    fn ok(&mut self) -> bool {
        let was_failing = self.failures > 0;
        self.next = self.initial;
        self.failures = 0;
        was_failing
    }
}

fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

async fn run(
    client: RtClient,
    cfg: &SflowRtConfig,
    events: mpsc::Sender<TriggerEvent>,
    locate: Option<Arc<Locate>>,
) {
    let names = FlowKeyNames::from_definitions(&cfg.flows);
    let ev = event_loop(&client, cfg, &names, &events, locate.as_deref());
    match cfg.metric_poll_interval {
        Some(i) => {
            let m = metric_loop(&client, cfg, i, &names, &events, locate.as_deref());
            tokio::join!(ev, m);
        }
        None => ev.await,
    }
}

async fn setup(client: &RtClient, cfg: &SflowRtConfig) -> Result<(), RtError> {
    for (name, def) in &cfg.flows {
        client.put_flow(name, def).await?;
    }
    for (name, def) in &cfg.thresholds {
        client.put_threshold(name, def).await?;
    }
    Ok(())
}

async fn event_loop(
    client: &RtClient,
    cfg: &SflowRtConfig,
    names: &FlowKeyNames,
    events: &mpsc::Sender<TriggerEvent>,
    locate: Option<&Locate>,
) {
    let mut cursor = EventCursor::new();
    let mut backoff = Backoff::new(cfg);
    let poll = Duration::from_secs(cfg.poll_timeout);
    let mut first = true;
    loop {
        if let Err(e) = setup(client, cfg).await {
            backoff.fail("setup", &e).await;
            continue;
        }
        if !(first && cfg.replay_backlog) {
            match client.newest_event().await {
                Ok(newest) if first => cursor.start_at(newest),
                Ok(newest) => {
                    if cursor.sync(newest) {
                        warn!(newest = ?newest, "sFlow-RT event ids went back (restarted?): resuming from its newest event");
                    }
                }
                Err(e) => {
                    backoff.fail("event sync", &e).await;
                    continue;
                }
            }
        }
        first = false;
        backoff.ok();
        info!(
            after = cursor.query_id(),
            "sFlow-RT connected: polling events"
        );
        loop {
            match client.events(cursor.query_id(), cfg.max_events, poll).await {
                Ok(list) => {
                    backoff.ok();
                    for e in cursor.accept(list) {
                        match to_trigger(&e, names, locate) {
                            Ok(t) => {
                                debug!(event_id = t.event_id, threshold = %t.threshold_id, "sFlow-RT event");
                                if events.send(t).await.is_err() {
                                    return;
                                }
                            }
                            Err(err) => warn!(%err, "sFlow-RT event skipped"),
                        }
                    }
                }
                Err(e) => {
                    backoff.fail("event poll", &e).await;
                    break;
                }
            }
        }
    }
}

async fn metric_loop(
    client: &RtClient,
    cfg: &SflowRtConfig,
    interval: f64,
    names: &FlowKeyNames,
    events: &mpsc::Sender<TriggerEvent>,
    locate: Option<&Locate>,
) {
    let mut watcher = MetricWatcher::new();
    let mut backoff = Backoff::new(cfg);
    let mut tick = tokio::time::interval(Duration::from_secs_f64(interval));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        for name in cfg.flows.keys() {
            match client.metric(&cfg.metric_agent, name).await {
                Ok(answer) => {
                    if backoff.ok() {
                        info!("sFlow-RT metric poll recovered");
                    }
                    let out = watcher.handle(
                        epoch_ms(),
                        name,
                        &answer,
                        cfg.metric_min_value,
                        names,
                        locate,
                    );
                    for t in out {
                        if events.send(t).await.is_err() {
                            return;
                        }
                    }
                }
                Err(e) => {
                    backoff.fail("metric poll", &e).await;
                    break;
                }
            }
        }
    }
}
