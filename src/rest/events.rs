//! Controller events for operators: a history (`GET /api/events`) and a server-sent-events
//! stream (`GET /api/events/stream`).
//!
//! Sources publish into one [`EventHub`]: the [`EventForwarder`] module (switches up and
//! down, port changes, switch errors, removed flows, straight off the bus), and through
//! [`EventHub::publish`] the taps pipeline (tap created/removed/expired), the trigger
//! sources (sFlow threshold events) and config reloads.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::Json;
use futures_util::stream::{self, Stream};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use super::error::ApiError;
use super::AppState;
use crate::event::{Event, PortReason};
use crate::module::Module;
use crate::outbox::Outbox;

/// Events kept for `GET /api/events` and SSE reconnects.
pub const HISTORY: usize = 500;

/// One event as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiEvent {
    /// Increasing from 1; the SSE `id`.
    pub id: u64,
    /// Epoch milliseconds.
    pub time_ms: u64,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened. Serialised with a `type` tag (also the SSE event name).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A switch finished its handshake.
    SwitchUp {
        /// Datapath id.
        dpid: String,
        /// Configured name.
        name: Option<String>,
        /// "1.0" / "1.3".
        version: &'static str,
        /// Number of ports.
        ports: usize,
    },
    /// A switch disconnected.
    SwitchDown {
        /// Datapath id.
        dpid: String,
        /// Configured name.
        name: Option<String>,
        /// Why.
        reason: String,
    },
    /// A port was added, deleted or changed state.
    PortStatus {
        /// Datapath id.
        dpid: String,
        /// Port number.
        port_no: u32,
        /// Interface name.
        port_name: String,
        /// add / delete / modify.
        reason: &'static str,
        /// Up now.
        up: bool,
    },
    /// A switch sent an error not tied to a confirmed batch.
    SwitchError {
        /// Datapath id.
        dpid: String,
        /// The error.
        error: String,
        /// The message type that caused it.
        caused_by: Option<&'static str>,
    },
    /// A flow was removed (timeout or delete) and the switch told us.
    FlowRemoved {
        /// Datapath id.
        dpid: String,
        /// Its cookie.
        cookie: String,
        /// Its priority.
        priority: u16,
        /// Why.
        reason: String,
    },
    /// A trigger source raised a threshold event (the collector's `TriggerEvent` JSON).
    Trigger {
        /// The event as `/events/json` serves it.
        event: serde_json::Value,
    },
    /// A tap was created, removed or expired.
    Tap {
        /// created / removed / expired.
        action: &'static str,
        /// The tap.
        tap: serde_json::Value,
    },
    /// The topology changed (the topology engine's event JSON).
    Topology {
        /// The event.
        event: serde_json::Value,
    },
    /// A config reload was applied or refused.
    Reload {
        /// Applied.
        ok: bool,
        /// What changed, or why it was refused.
        message: String,
    },
}

impl EventKind {
    /// The tag, used as the SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::SwitchUp { .. } => "switch_up",
            EventKind::SwitchDown { .. } => "switch_down",
            EventKind::PortStatus { .. } => "port_status",
            EventKind::SwitchError { .. } => "switch_error",
            EventKind::FlowRemoved { .. } => "flow_removed",
            EventKind::Trigger { .. } => "trigger",
            EventKind::Tap { .. } => "tap",
            EventKind::Topology { .. } => "topology",
            EventKind::Reload { .. } => "reload",
        }
    }
}

#[derive(Debug)]
struct Inner {
    next_id: u64,
    history: VecDeque<ApiEvent>,
}

/// The fan-out: a bounded history plus a broadcast channel for live subscribers.
#[derive(Debug, Clone)]
pub struct EventHub {
    inner: Arc<Mutex<Inner>>,
    tx: broadcast::Sender<ApiEvent>,
}

impl Default for EventHub {
    fn default() -> Self {
        let (tx, _) = broadcast::channel(1024);
        EventHub {
            inner: Arc::new(Mutex::new(Inner {
                next_id: 1,
                history: VecDeque::new(),
            })),
            tx,
        }
    }
}

impl EventHub {
    /// Record and broadcast an event; returns its id.
    pub fn publish(&self, kind: EventKind) -> u64 {
        let time_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let ev = ApiEvent {
            id: inner.next_id,
            time_ms,
            kind,
        };
        inner.next_id += 1;
        if inner.history.len() >= HISTORY {
            inner.history.pop_front();
        }
        inner.history.push_back(ev.clone());
        // Sent under the lock so a subscriber that read the history misses nothing.
        let _ = self.tx.send(ev.clone());
        ev.id
    }

    /// Up to `limit` events with an id above `after`, newest first; optionally one type.
    pub fn recent(&self, after: u64, limit: usize, kind: Option<&str>) -> Vec<ApiEvent> {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner
            .history
            .iter()
            .rev()
            .filter(|e| e.id > after && kind.is_none_or(|k| e.kind.name() == k))
            .take(limit)
            .cloned()
            .collect()
    }

    /// Events after `after` (oldest first) and a receiver for what comes next, atomically.
    fn subscribe_after(&self, after: u64) -> (Vec<ApiEvent>, broadcast::Receiver<ApiEvent>) {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let rx = self.tx.subscribe();
        let past = inner
            .history
            .iter()
            .filter(|e| e.id > after)
            .cloned()
            .collect();
        (past, rx)
    }

    /// Live subscribers (for tests and logs).
    pub fn subscribers(&self) -> usize {
        self.tx.receiver_count()
    }
}

/// A module that turns bus events into [`ApiEvent`]s. Register it with the others
/// (`ModuleSpec { module: Box::new(EventForwarder::new(hub)), switches: None }`).
#[derive(Debug)]
pub struct EventForwarder {
    hub: EventHub,
}

impl EventForwarder {
    /// Forward into `hub`.
    pub fn new(hub: EventHub) -> Self {
        EventForwarder { hub }
    }
}

fn version_str(v: crate::switch::Version) -> &'static str {
    match v {
        crate::switch::Version::Of10 => "1.0",
        crate::switch::Version::Of13 => "1.3",
    }
}

impl Module for EventForwarder {
    fn name(&self) -> &'static str {
        "rest_events"
    }

    /// It forwards no packet-ins: queuing each one to it would cost a task wake-up per
    /// packet-in for nothing.
    fn wants_packet_ins(&self) -> bool {
        false
    }

    fn handle(&mut self, _now: Instant, ev: &Event, _out: &mut Outbox) {
        let kind = match ev {
            Event::SwitchUp { info, .. } => EventKind::SwitchUp {
                dpid: info.id.dpid.to_string(),
                name: info.id.name.as_deref().map(str::to_string),
                version: version_str(info.version),
                ports: info.ports.len(),
            },
            Event::SwitchDown { switch, reason } => EventKind::SwitchDown {
                dpid: switch.dpid.to_string(),
                name: switch.name.as_deref().map(str::to_string),
                reason: reason.to_string(),
            },
            Event::PortStatus(p) => EventKind::PortStatus {
                dpid: p.switch.dpid.to_string(),
                port_no: p.port.port_no,
                port_name: p.port.name.clone(),
                reason: match p.reason {
                    PortReason::Add => "add",
                    PortReason::Delete => "delete",
                    PortReason::Modify => "modify",
                    PortReason::Other(_) => "other",
                },
                up: p.port.is_up(),
            },
            Event::SwitchError(e) => EventKind::SwitchError {
                dpid: e.switch.dpid.to_string(),
                error: e.error.to_string(),
                caused_by: e.caused_by,
            },
            Event::FlowRemoved(f) => EventKind::FlowRemoved {
                dpid: f.switch.dpid.to_string(),
                cookie: format!("{:#x}", f.cookie),
                priority: f.priority,
                reason: format!("{:?}", f.reason),
            },
            Event::Trigger(t) => EventKind::Trigger {
                event: serde_json::to_value(&**t).unwrap_or_default(),
            },
            _ => return,
        };
        self.hub.publish(kind);
    }
}

/// `GET /api/events` query.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecentQuery {
    /// Only events with a larger id.
    #[serde(default)]
    after: u64,
    /// At most this many (default 100).
    #[serde(default = "default_limit")]
    limit: usize,
    /// Only this type (`trigger`, `tap`, ...).
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

fn default_limit() -> usize {
    100
}

/// `GET /api/events`: recent events, newest first.
pub async fn recent(
    State(st): State<AppState>,
    q: Result<Query<RecentQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<ApiEvent>>, ApiError> {
    let Query(q) = q.map_err(|e| super::query_error(&e))?;
    Ok(Json(st.events.recent(
        q.after,
        q.limit.min(HISTORY),
        q.kind.as_deref(),
    )))
}

/// `GET /api/events/stream`: server-sent events, one per [`ApiEvent`], named by type, with
/// `id` so a reconnecting client (`Last-Event-ID`) gets what it missed from the history.
pub async fn stream(
    State(st): State<AppState>,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<SseEvent, Infallible>>> {
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    // A fresh client gets live events only; a reconnecting one catches up first.
    let (past, rx) = match after {
        Some(a) => st.events.subscribe_after(a),
        None => (Vec::new(), st.events.tx.subscribe()),
    };
    let last = past.last().map(|e| e.id).unwrap_or(0);
    let live = stream::unfold((rx, last), |(mut rx, last)| async move {
        loop {
            match rx.recv().await {
                Ok(ev) if ev.id <= last => continue,
                Ok(ev) => return Some((to_sse(&ev), (rx, last))),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    let note = SseEvent::default().event("lagged").data(n.to_string());
                    return Some((Ok(note), (rx, last)));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let past = stream::iter(past.into_iter().map(|e| to_sse(&e)));
    let all = futures_util::StreamExt::chain(past, live);
    // Ends with the server, or graceful shutdown would wait for every open stream.
    let all = futures_util::StreamExt::take_until(all, st.shutdown.cancelled_owned());
    Sse::new(all).keep_alive(KeepAlive::default())
}

fn to_sse(ev: &ApiEvent) -> Result<SseEvent, Infallible> {
    let data = serde_json::to_string(ev).unwrap_or_else(|_| "{}".into());
    Ok(SseEvent::default()
        .id(ev.id.to_string())
        .event(ev.kind.name())
        .data(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_newest_first_and_bounded() {
        let hub = EventHub::default();
        for i in 0..(HISTORY + 10) {
            hub.publish(EventKind::Reload {
                ok: true,
                message: i.to_string(),
            });
        }
        let r = hub.recent(0, 3, None);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].id, (HISTORY + 10) as u64);
        assert!(r[0].id > r[1].id);
        assert_eq!(hub.recent(0, 10_000, None).len(), HISTORY);
        assert!(hub.recent(0, 10, Some("tap")).is_empty());
        let v = serde_json::to_value(&r[0]).unwrap();
        assert_eq!(v["type"], "reload");
        assert_eq!(v["ok"], true);
    }
}
