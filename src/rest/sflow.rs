//! sFlow-RT's REST API, served over the embedded collector, so scripts written for sFlow-RT
//! (PyTapDEMon's cron job: `PUT /flow/tcp/json`, `GET /metric/ALL/tcp/json`) run unchanged;
//! plus `/api/sflow/*` for the web page.
//!
//! Paths, parameters and JSON shapes follow `shared/notes/sflow-rt-api.md` sections
//! 1.2-1.7 (sFlow-RT's 2013 `api.ftl`, its UI scripts and client code). Bodies are taken as
//! relaxed JSON (JSON5: `{keys:'ipsource', value:'bytes'}`), as sFlow-RT's users type them.
//!
//! The collector plugs in through [`SflowService`]. Its methods take and return JSON values
//! in sFlow-RT's shapes, so the collector's own serde types (`FlowDefConfig`,
//! `MetricEntry`, `ActiveFlow`, `TriggerEvent`, `AgentStats`) pass straight through:
//! the adapter over `collector::SharedEngine` is one `serde_json::to_value` per method.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use super::error::{parse_relaxed, ApiError};
use super::state::AgentView;
use super::AppState;

/// Longest `/events/json` long-poll we hold a request for, seconds.
pub const MAX_TIMEOUT_SECS: f64 = 600.0;
/// How often a long-poll looks for new events.
const POLL: Duration = Duration::from_millis(50);

/// What sFlow-RT's REST API needs from the collector. Errors are messages naming the bad
/// field (they become 400s).
pub trait SflowService: Send + Sync + 'static {
    /// `GET /version`, plain text.
    fn version(&self) -> String {
        format!("tapdemon-{}", env!("CARGO_PKG_VERSION"))
    }
    /// Define or redefine flow `name` from its sFlow-RT definition object.
    fn put_flow(&self, name: &str, def: Value) -> Result<(), String>;
    /// Flow `name`'s definition.
    fn flow(&self, name: &str) -> Option<Value>;
    /// Every flow definition, by name.
    fn flows(&self) -> serde_json::Map<String, Value>;
    /// Remove flow `name`; false if unknown.
    fn delete_flow(&self, name: &str) -> bool;
    /// Define or redefine threshold `name`.
    fn put_threshold(&self, name: &str, def: Value) -> Result<(), String>;
    /// Threshold `name`'s definition.
    fn threshold(&self, name: &str) -> Option<Value>;
    /// Every threshold, by name.
    fn thresholds(&self) -> serde_json::Map<String, Value>;
    /// Remove threshold `name`; false if unknown.
    fn delete_threshold(&self, name: &str) -> bool;
    /// Up to `max` events with an id above `after` (-1: all kept), of one threshold or all,
    /// **newest first** (sflow-rt-api.md 1.5).
    fn events_after(&self, after: i64, threshold: Option<&str>, max: usize) -> Vec<Value>;
    /// `/metric/{agent}/{metric}/json`: `Ok(None)` for an unknown metric; `Err` for a bad
    /// agent list.
    fn metric(&self, agents: &str, metric: &str) -> Result<Option<Value>, String>;
    /// `/activeflows/{agent}/{name}/json`.
    fn active_flows(
        &self,
        agents: &str,
        name: &str,
        max_flows: usize,
        min_value: f64,
    ) -> Result<Option<Value>, String>;
    /// `/agents/json`: an object keyed by agent address, optionally only these agents.
    fn agents(&self, only: &[IpAddr]) -> Value;
    /// `/analyzer/json`.
    fn analyzer(&self) -> Value;
    /// Per-agent counters (for `/api/sflow/agents` and `/metrics`).
    fn agent_stats(&self) -> Vec<AgentView>;
}

/// sFlow-RT's paths.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/version", get(version))
        .route("/analyzer/json", get(analyzer))
        .route("/agents/json", get(agents))
        .route("/flow/json", get(flows))
        .route(
            "/flow/{name}/json",
            get(flow).put(put_flow).delete(delete_flow),
        )
        .route("/threshold/json", get(thresholds))
        .route(
            "/threshold/{name}/json",
            get(threshold).put(put_threshold).delete(delete_threshold),
        )
        .route("/events/json", get(events))
        .route("/metric/{agent}/{metric}/json", get(metric))
        .route("/activeflows/{agent}/{name}/json", get(active_flows))
}

fn collector(st: &AppState) -> Result<&dyn SflowService, ApiError> {
    st.sflow
        .as_deref()
        .ok_or_else(|| ApiError::unavailable("the embedded sFlow collector"))
}

type Params = Query<Vec<(String, String)>>;

fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn num<T: std::str::FromStr>(
    q: &[(String, String)],
    name: &str,
    default: T,
) -> Result<T, ApiError> {
    match param(q, name) {
        None | Some("") => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| ApiError::bad_request(name, format!("{name}: {v:?} is not a number"))),
    }
}

fn check_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "name",
            format!("name {name:?}: use letters, digits, `-`, `_` and `.`"),
        ))
    }
}

async fn version(State(st): State<AppState>) -> Response {
    let v = match &st.sflow {
        Some(s) => s.version(),
        None => format!("tapdemon-{}", env!("CARGO_PKG_VERSION")),
    };
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], v).into_response()
}

async fn analyzer(State(st): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(collector(&st)?.analyzer()))
}

async fn agents(State(st): State<AppState>, Query(q): Params) -> Result<Json<Value>, ApiError> {
    let c = collector(&st)?;
    let mut only = Vec::new();
    for (k, v) in &q {
        if k == "agent" {
            let a = v.parse().map_err(|_| {
                ApiError::bad_request("agent", format!("agent: {v:?} is not an address"))
            })?;
            only.push(a);
        }
    }
    Ok(Json(c.agents(&only)))
}

async fn flows(State(st): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(Value::Object(collector(&st)?.flows())))
}

async fn flow(
    State(st): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    collector(&st)?
        .flow(&name)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no flow {name:?}")).field("name"))
}

async fn put_flow(
    State(st): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let c = collector(&st)?;
    check_name(&name)?;
    let def: Value = parse_relaxed(&body)?;
    c.put_flow(&name, def).map_err(definition_error)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_flow(
    State(st): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    if collector(&st)?.delete_flow(&name) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("no flow {name:?}")).field("name"))
    }
}

async fn thresholds(State(st): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(Value::Object(collector(&st)?.thresholds())))
}

async fn threshold(
    State(st): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    collector(&st)?
        .threshold(&name)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no threshold {name:?}")).field("name"))
}

async fn put_threshold(
    State(st): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let c = collector(&st)?;
    check_name(&name)?;
    let def: Value = parse_relaxed(&body)?;
    c.put_threshold(&name, def).map_err(definition_error)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_threshold(
    State(st): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    if collector(&st)?.delete_threshold(&name) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!("no threshold {name:?}")).field("name"))
    }
}

/// A definition the collector refused: 400, the field taken from the message
/// (`unknown field `foo``, `flow "x": unknown key "bar"`).
fn definition_error(msg: String) -> ApiError {
    let field = msg.split('`').nth(1).map(str::to_string).or_else(|| {
        [
            "keys", "value", "filter", "metric", "n", "t", "timeout", "byFlow",
        ]
        .into_iter()
        .find(|k| msg.contains(&format!("`{k}`")) || msg.contains(&format!(" {k} ")))
        .map(str::to_string)
    });
    let e = ApiError::new(StatusCode::BAD_REQUEST, msg);
    match field {
        Some(f) => e.field(f),
        None => e,
    }
}

/// `GET /events/json?eventID=&maxEvents=&timeout=&thresholdID=`: newest first; with
/// `timeout`, waits until an event after `eventID` exists or the timeout passes (then `[]`).
async fn events(State(st): State<AppState>, Query(q): Params) -> Result<Json<Value>, ApiError> {
    let c = collector(&st)?;
    let after: i64 = num(&q, "eventID", -1)?;
    let max: usize = num(&q, "maxEvents", 100)?;
    let timeout: f64 = num(&q, "timeout", 0.0)?;
    if !(0.0..=MAX_TIMEOUT_SECS).contains(&timeout) {
        return Err(ApiError::bad_request(
            "timeout",
            format!("timeout: {timeout} is outside 0..={MAX_TIMEOUT_SECS} seconds"),
        ));
    }
    let threshold = param(&q, "thresholdID").filter(|s| !s.is_empty());
    let deadline = Instant::now() + Duration::from_secs_f64(timeout);
    loop {
        let ev = c.events_after(after, threshold, max);
        if !ev.is_empty() || Instant::now() >= deadline {
            return Ok(Json(Value::Array(ev)));
        }
        let wait = POLL.min(deadline.saturating_duration_since(Instant::now()));
        tokio::select! {
            _ = st.shutdown.cancelled() => return Ok(Json(Value::Array(Vec::new()))),
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

async fn metric(
    State(st): State<AppState>,
    Path((agent, metric)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let c = collector(&st)?;
    // sFlow-RT's `max:` prefix is the default aggregation; other prefixes are not supported.
    let name = metric.strip_prefix("max:").unwrap_or(&metric);
    match c.metric(&agent, name) {
        Ok(Some(v)) => Ok(Json(v)),
        Ok(None) => Err(ApiError::not_found(format!("no metric {name:?}")).field("metric")),
        Err(e) => Err(ApiError::bad_request("agent", e)),
    }
}

async fn active_flows(
    State(st): State<AppState>,
    Path((agent, name)): Path<(String, String)>,
    Query(q): Params,
) -> Result<Json<Value>, ApiError> {
    let c = collector(&st)?;
    let max: usize = num(&q, "maxFlows", 100)?;
    let min: f64 = num(&q, "minValue", 0.0)?;
    if let Some(m) = param(&q, "aggMode") {
        if m != "max" {
            return Err(ApiError::bad_request(
                "aggMode",
                format!("aggMode: only `max` is supported, not {m:?}"),
            ));
        }
    }
    match c.active_flows(&agent, &name, max, min) {
        Ok(Some(v)) => Ok(Json(v)),
        Ok(None) => Err(ApiError::not_found(format!("no flow {name:?}")).field("name")),
        Err(e) => Err(ApiError::bad_request("agent", e)),
    }
}

/// `GET /api/sflow/agents`.
pub async fn api_agents(State(st): State<AppState>) -> Result<Json<Vec<AgentView>>, ApiError> {
    Ok(Json(collector(&st)?.agent_stats()))
}

/// `GET /api/sflow/flows/{name}/top?n=10`: the largest active flows of a definition.
pub async fn api_top_flows(
    State(st): State<AppState>,
    Path(name): Path<String>,
    Query(q): Params,
) -> Result<Json<Value>, ApiError> {
    let c = collector(&st)?;
    let n: usize = num(&q, "n", 10)?;
    match c.active_flows("ALL", &name, n, 0.0) {
        Ok(Some(v)) => Ok(Json(v)),
        Ok(None) => Err(ApiError::not_found(format!("no flow {name:?}")).field("name")),
        Err(e) => Err(ApiError::bad_request("agent", e)),
    }
}
