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

#[cfg(test)]
mod tests {
    use std::sync::{mpsc, Arc, Mutex};
    use std::time::Duration;

    use super::*;
    use crate::collector::agents::AgentSnapshot;
    use crate::collector::udp::{lock, Clock};
    use crate::collector::{DatagramMeta, Engine};
    use crate::rest::events::EventHub;
    use crate::rest::sflow_collector::CollectorService;
    use crate::rest::state::{ControllerView, SwitchView};

    struct NoSwitches;

    impl ControllerView for NoSwitches {
        fn switches(&self) -> Vec<SwitchView> {
            Vec::new()
        }
    }

    #[test]
    fn a_scrape_completes_while_another_thread_holds_the_engine_lock() {
        let engine = Arc::new(Mutex::new(Engine::new()));
        let agents = AgentSnapshot::default();
        {
            let mut e = lock(&engine);
            let meta = DatagramMeta {
                agent: "127.0.0.2".parse().unwrap(),
                sub_agent: 0,
                sequence: 1,
                uptime_ms: 100,
                flow_samples: 2,
                counter_samples: 1,
                bytes: 300,
            };
            e.handle_datagram_meta(0, &meta);
            // What the engine thread does after a batch.
            agents.publish(AgentSnapshot::take(e.agents()));
        }
        let service = CollectorService::from_parts(engine.clone(), Clock::new(), agents);
        let st =
            AppState::new(Arc::new(NoSwitches), EventHub::default()).with_sflow(Arc::new(service));
        // A stalled engine: another thread holds its lock until told to let go.
        let (locked_tx, locked_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let holder = {
            let engine = engine.clone();
            std::thread::spawn(move || {
                let _held = lock(&engine);
                locked_tx.send(()).unwrap();
                let _ = release_rx.recv();
            })
        };
        locked_rx.recv().unwrap();
        let (done_tx, done_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = done_tx.send(render(&st));
        });
        let scraped = done_rx.recv_timeout(Duration::from_secs(10));
        release_tx.send(()).unwrap();
        holder.join().unwrap();
        let text = scraped
            .expect("the scrape waited for the engine lock")
            .unwrap();
        for line in [
            "tapdemon_sflow_datagrams_total{agent=\"127.0.0.2\"} 1",
            "tapdemon_sflow_samples_total{agent=\"127.0.0.2\"} 3",
            "tapdemon_sflow_datagrams_lost_total{agent=\"127.0.0.2\"} 0",
        ] {
            assert!(text.contains(line), "no `{line}` in:\n{text}");
        }
    }
}
