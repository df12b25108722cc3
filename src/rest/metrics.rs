//! `GET /metrics`: Prometheus / OpenMetrics text.
//!
//! Built per scrape: the process-wide counters ([`crate::metrics`]) are registered by
//! reference, and the values other parts already keep (connected switches, active taps,
//! PACKET_INs dropped per module, the collector's per-agent counters) are read now.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::error::ApiError;
use super::AppState;

/// OpenMetrics' content type (what prometheus-client writes).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct AgentLabels {
    agent: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ModuleLabels {
    module: &'static str,
}

fn gauge(v: usize) -> Gauge {
    let g = Gauge::default();
    g.set(i64::try_from(v).unwrap_or(i64::MAX));
    g
}

/// Render every metric.
pub fn render(st: &AppState) -> Result<String, ApiError> {
    let mut reg = Registry::with_prefix("tapdemon");
    crate::metrics::get().register(&mut reg);
    reg.register(
        "switches_connected",
        "Switches with a finished handshake",
        gauge(st.view.switches().len()),
    );
    if let Ok(taps) = st.view.taps() {
        reg.register(
            "taps_active",
            "Taps installed on the switches",
            gauge(taps.iter().filter(|t| t.active).count()),
        );
    }
    let dropped: Family<ModuleLabels, Counter> = Family::default();
    for (module, n) in st.view.dropped_packet_ins() {
        dropped.get_or_create(&ModuleLabels { module }).inc_by(n);
    }
    reg.register(
        "packet_ins_dropped",
        "PACKET_INs dropped because a module's queue was full",
        dropped,
    );
    if let Some(sflow) = &st.sflow {
        let datagrams: Family<AgentLabels, Counter> = Family::default();
        let samples: Family<AgentLabels, Counter> = Family::default();
        let lost: Family<AgentLabels, Counter> = Family::default();
        let errors: Family<AgentLabels, Counter> = Family::default();
        for a in sflow.agent_stats() {
            let l = AgentLabels {
                agent: a.agent.to_string(),
            };
            datagrams.get_or_create(&l).inc_by(a.datagrams);
            samples.get_or_create(&l).inc_by(a.samples);
            lost.get_or_create(&l).inc_by(a.lost);
            errors.get_or_create(&l).inc_by(a.parse_errors);
        }
        reg.register(
            "sflow_datagrams",
            "sFlow datagrams received, per agent",
            datagrams,
        );
        reg.register(
            "sflow_samples",
            "sFlow samples received, per agent",
            samples,
        );
        reg.register(
            "sflow_datagrams_lost",
            "sFlow datagrams lost (sequence gaps), per agent",
            lost,
        );
        reg.register(
            "sflow_parse_errors",
            "sFlow datagrams that did not decode, per agent",
            errors,
        );
    }
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, &reg)
        .map_err(|_| ApiError::internal("cannot encode metrics"))?;
    Ok(out)
}

/// The handler.
pub async fn handler(State(st): State<AppState>) -> Result<Response, ApiError> {
    let text = render(&st)?;
    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response())
}
