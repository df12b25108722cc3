//! The operator surface over HTTP: REST API under `/api/`, the web page at `/`,
//! `/metrics`, and sFlow-RT's REST API subset at its own paths.
//!
//! # Layout
//! - [`config`]: the `rest` config section.
//! - [`state`]: [`ControllerView`], the interface the handlers read and command through,
//!   and the JSON snapshots; [`runtime_view`]: its implementation over the runtime.
//! - [`switches`], [`topology`], [`taps`], [`events`] (history + SSE), [`sflow`]
//!   (sFlow-RT compatibility and `/api/sflow/*`), [`openapi`], [`web`] (the page),
//!   [`metrics`] (`/metrics`).
//! - [`auth`]: the bearer token on mutating requests; [`error`]: JSON errors.
//!
//! # Starting it
//! [`bind`] checks the config (a non-loopback listener needs a token: [`RestError`]) and
//! binds; [`serve`] runs until the shutdown token is cancelled. Tests bind `127.0.0.1:0`.

pub mod auth;
pub mod config;
pub mod config_view;
pub mod error;
pub mod events;
pub mod launch;
pub mod metrics;
pub mod openapi;
pub mod reload;
pub mod runtime_view;
pub mod sflow;
pub mod sflow_collector;
pub mod state;
pub mod stats;
pub mod switches;
pub mod taps;
pub mod taps_adapter;
pub mod topology;
pub mod watch;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::rejection::QueryRejection;
use axum::extract::OriginalUri;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{middleware, Json, Router};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

pub use config::RestConfig;
pub use error::ApiError;
pub use events::{EventForwarder, EventHub, EventKind};
pub use sflow::SflowService;
pub use state::ControllerView;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The controller.
    pub view: Arc<dyn ControllerView>,
    /// The embedded collector, when running.
    pub sflow: Option<Arc<dyn SflowService>>,
    /// Event history and live stream.
    pub events: EventHub,
    /// When the server started (sFlow-RT's `/analyzer/json` uptime).
    pub started: Instant,
    /// Server shutdown: ends SSE streams and long-polls so the server can stop.
    pub shutdown: CancellationToken,
}

impl AppState {
    /// State over `view`, with no collector.
    pub fn new(view: Arc<dyn ControllerView>, events: EventHub) -> Self {
        AppState {
            view,
            sflow: None,
            events,
            started: Instant::now(),
            shutdown: CancellationToken::new(),
        }
    }

    /// Add the collector.
    pub fn with_sflow(mut self, sflow: Arc<dyn SflowService>) -> Self {
        self.sflow = Some(sflow);
        self
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("sflow", &self.sflow.is_some())
            .finish_non_exhaustive()
    }
}

/// Why the REST server did not start.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    /// The `[rest]` section is unsafe or invalid (a non-loopback listener without token).
    #[error("rest.{key}: {message}")]
    Config {
        /// The key.
        key: &'static str,
        /// Why.
        message: String,
    },
    /// A listener could not be bound.
    #[error("rest: cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Check `[rest]` and bind its listeners (`listen`, then `sflow_rt_listen`).
pub async fn bind(cfg: &RestConfig) -> Result<Vec<TcpListener>, RestError> {
    cfg.check()
        .map_err(|(key, message)| RestError::Config { key, message })?;
    let mut out = Vec::new();
    for addr in cfg.addresses() {
        let l = TcpListener::bind(addr)
            .await
            .map_err(|source| RestError::Bind { addr, source })?;
        out.push(l);
    }
    Ok(out)
}

/// The whole HTTP surface.
pub fn router(state: AppState, auth: auth::Auth) -> Router {
    let api = Router::new()
        .route("/", get(api_index))
        .route("/switches", get(switches::list))
        .route("/switches/{switch}", get(switches::one))
        .route("/switches/{switch}/flows", get(switches::flows))
        .route("/switches/{switch}/ports", get(switches::ports))
        .route("/switches/{switch}/ports/{port}", get(switches::port))
        .route("/links", get(topology::links))
        .route("/hosts", get(topology::hosts))
        .route("/topology", get(topology::all))
        .route("/taps", get(taps::list).post(taps::create))
        .route("/taps/{id}", get(taps::one).delete(taps::delete))
        .route("/patches", get(taps::patches))
        .route("/triggers", get(taps::triggers))
        .route("/events", get(events::recent))
        .route("/events/stream", get(events::stream))
        .route("/sflow/agents", get(sflow::api_agents))
        .route("/sflow/flows/{name}/top", get(sflow::api_top_flows))
        .route("/reload", post(taps::reload))
        .route("/openapi.json", get(openapi::spec))
        .fallback(not_found);
    Router::new()
        .route("/api/", get(api_index))
        .nest("/api", api)
        .merge(sflow::routes())
        .merge(web::routes())
        .route("/metrics", get(metrics::handler))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(auth, auth::require_token))
        .with_state(state)
}

/// Serve `router` on `listeners` until `shutdown` is cancelled; in-flight requests finish
/// (SSE streams end with the shutdown).
pub async fn serve(listeners: Vec<TcpListener>, router: Router, shutdown: CancellationToken) {
    let mut tasks = Vec::new();
    for l in listeners {
        match l.local_addr() {
            Ok(addr) => info!(%addr, "REST API listening"),
            Err(e) => warn!(error = %e, "REST listener has no local address"),
        }
        let app = router.clone();
        let stop = shutdown.clone();
        tasks.push(tokio::spawn(async move {
            let r = axum::serve(l, app)
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await;
            if let Err(e) = r {
                warn!(error = %e, "REST server failed");
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

/// Bind and spawn the server; returns the bound addresses. The one-call start the
/// controller uses.
pub async fn start(
    cfg: &RestConfig,
    state: AppState,
    shutdown: CancellationToken,
    tracker: &tokio_util::task::TaskTracker,
) -> Result<Vec<SocketAddr>, RestError> {
    let listeners = bind(cfg).await?;
    let addrs = listeners
        .iter()
        .filter_map(|l| l.local_addr().ok())
        .collect();
    let state = AppState {
        shutdown: shutdown.clone(),
        ..state
    };
    let app = router(state, auth::Auth::new(cfg.token.as_deref()));
    tracker.spawn(serve(listeners, app, shutdown));
    Ok(addrs)
}

async fn api_index() -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "name": "tapdemon",
        "version": env!("CARGO_PKG_VERSION"),
        "openapi": "/api/openapi.json",
        "endpoints": openapi::paths(),
    }))
}

async fn not_found(OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::not_found(format!(
        "no such endpoint: {} (see /api/openapi.json)",
        uri.path()
    ))
}

async fn method_not_allowed(method: axum::http::Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on {}", uri.path()),
    )
}

/// A query string that does not fit: 400 naming the parameter when serde says which.
pub(crate) fn query_error(e: &QueryRejection) -> ApiError {
    let msg = e.body_text();
    let field = msg
        .split('`')
        .nth(1)
        .map(str::to_string)
        .or_else(|| {
            // "invalid digit found in string" has no name; serde_urlencoded puts it first.
            msg.split(':').nth(1).map(|s| s.trim().to_string())
        })
        .filter(|f| !f.is_empty() && !f.contains(' '));
    let err = ApiError::new(StatusCode::BAD_REQUEST, msg.clone());
    match field {
        Some(f) => err.field(f),
        None => err,
    }
}
