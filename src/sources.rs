//! Trigger sources: the embedded sFlow collector and the sFlow-RT client.
//!
//! Both produce [`TriggerEvent`]s into one channel; one forwarding task publishes each to the
//! modules as [`Event::Trigger`]. The collector also learns switch ports so that sFlow data
//! sources (agent + ifIndex) map to (datapath id, OpenFlow port).

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::bus::Bus;
use crate::collector::{self, CollectorHandle};
use crate::config::Config;
use crate::event::Event;
use crate::modules::sflow_rt;
use crate::sflow_rt::Locate;
use crate::trigger::TriggerEvent;

/// Events waiting for the forwarder; beyond this the collector counts and drops them.
const TRIGGER_QUEUE: usize = 1024;

/// Why a trigger source did not start.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The embedded collector could not start (bad definitions, port in use).
    #[error("sFlow collector: {0}")]
    Collector(#[from] collector::udp::CollectorError),
    /// The sFlow-RT client could not be built.
    #[error("sFlow-RT client: {0}")]
    SflowRt(#[from] sflow_rt::SflowRtConfigError),
}

/// The running sources.
#[derive(Debug, Default)]
pub struct Sources {
    /// The embedded collector, when enabled.
    pub collector: Option<CollectorHandle>,
}

/// Start the enabled sources and the task that forwards their events to the modules.
pub async fn start(
    config: &Config,
    bus: Arc<Bus>,
    tracker: &TaskTracker,
    shutdown: CancellationToken,
) -> Result<Sources, SourceError> {
    let (tx, mut rx) = mpsc::channel::<TriggerEvent>(TRIGGER_QUEUE);
    let mut sources = Sources::default();
    if config.collector.enabled {
        sources.collector =
            Some(collector::spawn(&config.collector, tx.clone(), shutdown.clone()).await?);
    }
    if config.sflow_rt.enabled {
        // sFlow-RT reports the same agent/ifIndex data sources: map them with what the
        // embedded collector learnt from the switches' own counter records.
        let locate = sources.collector.as_ref().map(|c| {
            let engine = c.engine.clone();
            Arc::new(move |agent, ifindex| {
                collector::udp::lock(&engine).ifmap().lookup(agent, ifindex)
            }) as Arc<Locate>
        });
        let task = sflow_rt::spawn(
            config.sflow_rt.clone(),
            tx.clone(),
            locate,
            shutdown.clone(),
        )?;
        tracker.spawn(async move {
            if let Err(e) = task.await {
                warn!(error = %e, "sFlow-RT client task ended abnormally");
            }
        });
    }
    drop(tx);
    tracker.spawn(async move {
        loop {
            let ev = tokio::select! {
                _ = shutdown.cancelled() => break,
                ev = rx.recv() => ev,
            };
            let Some(ev) = ev else { break };
            info!(
                threshold = %ev.threshold_id,
                flow = ev.flow_key.as_deref().unwrap_or(""),
                value = ev.value,
                "trigger event"
            );
            bus.publish(Event::Trigger(Arc::new(ev)));
        }
    });
    Ok(sources)
}
