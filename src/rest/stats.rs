//! [`SwitchStats`] over the switch sessions: flow statistics read on demand
//! (`GET /api/switches/{switch}/flows`), port counters polled every
//! `[rest] port_stats_interval_secs` with their rates (the change between two reads over the
//! time between them), shown in `/api/switches` and the web page.
//!
//! Both go through [`SwitchHandle::stats`]: the switch's session sends the request, joins
//! the multipart replies and answers within `[rest] stats_timeout_secs`, or says why not.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use futures_util::future::join_all;
use proto::DatapathId;
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use super::error::ApiError;
use super::state::{BoxFut, FlowStat, PortCounters, PortRates, PortStatsView, SwitchStats};
use crate::switch::handle::{SwitchHandle, Switches};
use crate::switch::stats::{PortStat, StatsError, StatsReply, StatsRequest};

/// One port's last read.
#[derive(Debug, Clone, Copy)]
struct Sample {
    counters: PortCounters,
    at: Instant,
    rates: Option<PortRates>,
}

/// The service: the switch registry and the port counter cache.
#[derive(Debug, Clone)]
pub struct StatsService {
    switches: Switches,
    timeout: Duration,
    /// dpid -> port -> last sample.
    cache: Arc<Mutex<HashMap<u64, BTreeMap<u32, Sample>>>>,
}

impl StatsService {
    /// Over the running controller's switches; `timeout` bounds every request.
    pub fn new(switches: Switches, timeout: Duration) -> Self {
        StatsService {
            switches,
            timeout,
            cache: Arc::default(),
        }
    }

    fn cache(&self) -> MutexGuard<'_, HashMap<u64, BTreeMap<u32, Sample>>> {
        // Every critical section is one insert or read: a panic cannot leave it half done.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn handle(&self, dpid: u64) -> Result<SwitchHandle, ApiError> {
        self.switches.get(DatapathId(dpid)).ok_or_else(|| {
            ApiError::not_found(format!("switch {} is not connected", DatapathId(dpid)))
                .field("switch")
        })
    }

    /// Read every connected switch's port counters once (concurrently) and update the
    /// cache and rates. Switches that are gone leave the cache.
    pub async fn poll_ports(&self) {
        let handles: Vec<SwitchHandle> = self
            .switches
            .list()
            .iter()
            .filter_map(|i| self.switches.get(i.id.dpid))
            .collect();
        let reads = handles.iter().map(|h| async move {
            let r = h.stats(StatsRequest::Ports, self.timeout).await;
            (h.info.id.dpid, r, Instant::now())
        });
        let results = join_all(reads).await;
        let mut cache = self.cache();
        cache.retain(|dpid, _| handles.iter().any(|h| h.info.id.dpid.0 == *dpid));
        for (dpid, result, at) in results {
            match result {
                Ok(StatsReply::Ports(ports)) => {
                    let entry = cache.entry(dpid.0).or_default();
                    for p in ports {
                        let prev = entry.get(&p.port_no).copied();
                        entry.insert(p.port_no, sample(&p, at, prev));
                    }
                }
                Ok(StatsReply::Flows(_)) => {}
                Err(e) => warn!(%dpid, error = %e, "port statistics not read"),
            }
        }
    }

    /// Poll every `interval` until `shutdown`.
    pub async fn run_poller(self, interval: Duration, shutdown: CancellationToken) {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tick.tick() => {}
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = self.poll_ports() => debug!("port statistics polled"),
            }
        }
    }
}

/// A new sample of `p` read at `at`, with rates against `prev`.
fn sample(p: &PortStat, at: Instant, prev: Option<Sample>) -> Sample {
    let read_at_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    let counters = PortCounters {
        rx_packets: p.rx_packets,
        tx_packets: p.tx_packets,
        rx_bytes: p.rx_bytes,
        tx_bytes: p.tx_bytes,
        rx_dropped: p.rx_dropped,
        tx_dropped: p.tx_dropped,
        rx_errors: p.rx_errors,
        tx_errors: p.tx_errors,
        read_at_ms,
    };
    let rates = prev.and_then(|prev| rates(&prev.counters, &counters, at - prev.at));
    Sample {
        counters,
        at,
        rates,
    }
}

/// Per-second rates between two reads `dt` apart. A counter that went down (the port was
/// re-created, the switch restarted) or that the switch does not keep (all ones) rates 0.
pub fn rates(old: &PortCounters, new: &PortCounters, dt: Duration) -> Option<PortRates> {
    let secs = dt.as_secs_f64();
    if secs <= 0.0 {
        return None;
    }
    let r = |a: u64, b: u64| {
        if a == u64::MAX || b == u64::MAX {
            0.0
        } else {
            b.saturating_sub(a) as f64 / secs
        }
    };
    Some(PortRates {
        rx_packets_per_sec: r(old.rx_packets, new.rx_packets),
        tx_packets_per_sec: r(old.tx_packets, new.tx_packets),
        rx_bytes_per_sec: r(old.rx_bytes, new.rx_bytes),
        tx_bytes_per_sec: r(old.tx_bytes, new.tx_bytes),
        rx_dropped_per_sec: r(old.rx_dropped, new.rx_dropped),
        tx_dropped_per_sec: r(old.tx_dropped, new.tx_dropped),
        rx_errors_per_sec: r(old.rx_errors, new.rx_errors),
        tx_errors_per_sec: r(old.tx_errors, new.tx_errors),
        interval_secs: secs,
    })
}

/// A statistics failure as an API answer: the switch is gone (404), did not answer in
/// time (504), refused or sent garbage (502).
pub fn api_error(dpid: u64, e: StatsError) -> ApiError {
    let sw = DatapathId(dpid);
    let status = match &e {
        StatsError::NotConnected => {
            return ApiError::not_found(format!("switch {sw} is not connected")).field("switch")
        }
        StatsError::Disconnected { .. } => StatusCode::SERVICE_UNAVAILABLE,
        StatsError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
        StatsError::Refused { .. }
        | StatsError::Decode { .. }
        | StatsError::WrongReply { .. }
        | StatsError::TooLarge { .. } => StatusCode::BAD_GATEWAY,
        StatsError::Encode(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    ApiError::new(status, format!("switch {sw}: {e}"))
}

impl SwitchStats for StatsService {
    fn flow_stats(&self, dpid: u64) -> BoxFut<'_, Result<Vec<FlowStat>, ApiError>> {
        Box::pin(async move {
            let h = self.handle(dpid)?;
            match h.stats(StatsRequest::Flows, self.timeout).await {
                Ok(StatsReply::Flows(flows)) => Ok(flows),
                Ok(StatsReply::Ports(_)) => {
                    Err(ApiError::internal("port stats for a flow request"))
                }
                Err(e) => Err(api_error(dpid, e)),
            }
        })
    }

    fn port_counters(&self, dpid: u64) -> Vec<PortStatsView> {
        self.cache()
            .get(&dpid)
            .map(|ports| {
                ports
                    .iter()
                    .map(|(n, s)| PortStatsView {
                        port_no: *n,
                        counters: s.counters,
                        rates: s.rates,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_deltas_over_time() {
        let old = PortCounters {
            rx_packets: 10,
            tx_bytes: 1_000,
            rx_errors: u64::MAX,
            ..PortCounters::default()
        };
        let new = PortCounters {
            rx_packets: 30,
            tx_bytes: 6_000,
            rx_errors: u64::MAX,
            tx_packets: 0,
            ..PortCounters::default()
        };
        let r = rates(&old, &new, Duration::from_secs(2)).unwrap();
        assert_eq!(r.rx_packets_per_sec, 10.0);
        assert_eq!(r.tx_bytes_per_sec, 2_500.0);
        assert_eq!(r.rx_errors_per_sec, 0.0, "unsupported counter");
        assert_eq!(r.interval_secs, 2.0);
        // A reset counter does not make a huge rate.
        let r = rates(&new, &old, Duration::from_secs(1)).unwrap();
        assert_eq!(r.rx_packets_per_sec, 0.0);
        assert!(rates(&old, &new, Duration::ZERO).is_none());
    }

    #[test]
    fn errors_map_to_statuses() {
        let e = api_error(
            1,
            StatsError::Timeout {
                msg_type: "OFPMP_FLOW request",
                timeout: Duration::from_secs(5),
                parts: 0,
            },
        );
        assert_eq!(e.status, StatusCode::GATEWAY_TIMEOUT);
        assert!(e.message.contains("0000000000000001"), "{}", e.message);
        assert!(e.message.contains("OFPMP_FLOW request"), "{}", e.message);
        let e = api_error(2, StatsError::NotConnected);
        assert_eq!(e.status, StatusCode::NOT_FOUND);
        assert_eq!(e.field.as_deref(), Some("switch"));
    }
}
