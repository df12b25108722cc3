//! Topology and tap changes for the event stream: a task that compares the topology engine's
//! snapshot and the tap table with what it saw last, every [`PERIOD`], and publishes what
//! changed into the [`EventHub`] (so `/api/events` and the SSE stream carry them).
//!
//! - `topology` events: `link_up` / `link_down` (a directed link appeared or went away),
//!   `host_learned` / `host_moved` / `host_removed`;
//! - `tap` events: `created`, `activated`, `deactivated`, `expired` (its timed activation ran
//!   out), `removed`. A `created` or `removed` the REST handler already published for the
//!   same tap moments ago is not repeated.
//!
//! Comparing snapshots (rather than hooking the engine) keeps the topology and tap modules
//! free of any REST concern; a change that comes and goes within one period is not seen,
//! which for an operator's event list is the right trade.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use proto::MacAddr;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::events::{EventHub, EventKind};
use crate::modules::tap::{TapInfo, TapTable};
use crate::topology::{LinkKind, PortRef, Snapshot};

/// How often the snapshots are compared.
pub const PERIOD: Duration = Duration::from_millis(500);

/// How recent a REST-published `created`/`removed` must be to count as the same change.
const SAME_CHANGE_MS: u64 = 10_000;

/// A function returning the current topology.
pub type SnapshotFn = Arc<dyn Fn() -> Snapshot + Send + Sync>;

/// What was seen last.
#[derive(Debug, Default)]
pub struct Differ {
    links: BTreeMap<(PortRef, PortRef), LinkKind>,
    hosts: BTreeMap<MacAddr, PortRef>,
    taps: BTreeMap<String, TapInfo>,
}

impl Differ {
    /// Changes between the last topology and `snap`.
    pub fn topology(&mut self, snap: &Snapshot) -> Vec<EventKind> {
        let mut out = Vec::new();
        let links: BTreeMap<_, _> = snap
            .links
            .iter()
            .map(|l| ((l.src, l.dst), l.kind))
            .collect();
        for ((src, dst), kind) in &self.links {
            if !links.contains_key(&(*src, *dst)) {
                out.push(
                    json!({"event": "link_down", "link": {"src": src, "dst": dst}, "kind": kind}),
                );
            }
        }
        for ((src, dst), kind) in &links {
            if !self.links.contains_key(&(*src, *dst)) {
                out.push(
                    json!({"event": "link_up", "link": {"src": src, "dst": dst}, "kind": kind}),
                );
            }
        }
        let hosts: BTreeMap<_, _> = snap.hosts.iter().map(|h| (h.mac, h.location)).collect();
        for (mac, at) in &self.hosts {
            match hosts.get(mac) {
                None => out.push(json!({"event": "host_removed", "mac": mac, "location": at})),
                Some(to) if to != at => {
                    out.push(json!({"event": "host_moved", "mac": mac, "from": at, "to": to}))
                }
                Some(_) => {}
            }
        }
        for (mac, at) in &hosts {
            if !self.hosts.contains_key(mac) {
                out.push(json!({"event": "host_learned", "mac": mac, "location": at}));
            }
        }
        self.links = links;
        self.hosts = hosts;
        out.into_iter()
            .map(|event| EventKind::Topology { event })
            .collect()
    }

    /// Changes between the last tap table and `taps`.
    pub fn taps(&mut self, taps: &[TapInfo]) -> Vec<EventKind> {
        let mut out: Vec<(&'static str, &TapInfo)> = Vec::new();
        let now: BTreeMap<String, TapInfo> =
            taps.iter().map(|t| (t.name.clone(), t.clone())).collect();
        for (name, old) in &self.taps {
            match now.get(name) {
                None => {
                    if old.active && ran_out(old) {
                        out.push(("expired", old));
                    }
                    out.push(("removed", old));
                }
                Some(new) if old.active && !new.active => out.push((
                    if ran_out(old) {
                        "expired"
                    } else {
                        "deactivated"
                    },
                    new,
                )),
                Some(new) if !old.active && new.active => out.push(("activated", new)),
                Some(_) => {}
            }
        }
        for (name, new) in &now {
            if !self.taps.contains_key(name) {
                out.push(("created", new));
                if new.active {
                    out.push(("activated", new));
                }
            }
        }
        let events = out
            .into_iter()
            .map(|(action, t)| EventKind::Tap {
                action,
                tap: serde_json::to_value(t).unwrap_or_default(),
            })
            .collect();
        self.taps = now;
        events
    }
}

/// Its timed activation was about to end when last seen.
fn ran_out(t: &TapInfo) -> bool {
    t.expires_in_secs.is_some_and(|s| s <= PERIOD.as_secs() + 1)
}

/// True if the hub holds the same tap `action` for the same tap name from moments ago
/// (the REST handler's own `created` / `removed`).
fn already_published(hub: &EventHub, kind: &EventKind) -> bool {
    let EventKind::Tap { action, tap } = kind else {
        return false;
    };
    if !matches!(*action, "created" | "removed") {
        return false;
    }
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    hub.recent(0, 50, Some("tap")).iter().any(|e| {
        now_ms.saturating_sub(e.time_ms) < SAME_CHANGE_MS
            && matches!(&e.kind, EventKind::Tap { action: a, tap: t }
                if a == action && t.get("name") == tap.get("name"))
    })
}

/// Compare every [`PERIOD`] until `shutdown`, publishing into `hub`.
pub async fn run(
    hub: EventHub,
    topology: Option<SnapshotFn>,
    taps: Option<TapTable>,
    shutdown: CancellationToken,
) {
    let mut differ = Differ::default();
    let mut tick = tokio::time::interval(PERIOD);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let mut events = Vec::new();
        if let Some(f) = &topology {
            events.extend(differ.topology(&f()));
        }
        if let Some(t) = &taps {
            events.extend(differ.taps(&t.list()));
        }
        for ev in events {
            if !already_published(&hub, &ev) {
                hub.publish(ev);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::{HostSnapshot, HostSource, LinkSnapshot};
    use proto::DatapathId;

    fn link(a: u64, b: u64) -> LinkSnapshot {
        LinkSnapshot {
            src: PortRef::new(DatapathId(a), 1),
            dst: PortRef::new(DatapathId(b), 2),
            kind: LinkKind::Discovered,
            last_probe_secs: None,
        }
    }

    fn host(mac: u8, dpid: u64, port: u32) -> HostSnapshot {
        HostSnapshot {
            mac: MacAddr([0, 0, 0, 0, 0, mac]),
            ips: vec![],
            location: PortRef::new(DatapathId(dpid), port),
            source: HostSource::PacketIn,
            idle_secs: 0.0,
        }
    }

    fn names(evs: &[EventKind]) -> Vec<String> {
        evs.iter()
            .map(|e| match e {
                EventKind::Topology { event } => event["event"].as_str().unwrap().to_string(),
                EventKind::Tap { action, tap } => {
                    format!("{action}:{}", tap["name"].as_str().unwrap())
                }
                other => other.name().to_string(),
            })
            .collect()
    }

    #[test]
    fn links_and_hosts_diffed() {
        let mut d = Differ::default();
        let snap = |links, hosts| Snapshot {
            switches: vec![],
            links,
            hosts,
        };
        let e = d.topology(&snap(vec![link(1, 2)], vec![host(1, 1, 3)]));
        assert_eq!(names(&e), ["link_up", "host_learned"]);
        assert!(d
            .topology(&snap(vec![link(1, 2)], vec![host(1, 1, 3)]))
            .is_empty());
        let e = d.topology(&snap(vec![], vec![host(1, 2, 4)]));
        assert_eq!(names(&e), ["link_down", "host_moved"]);
        let EventKind::Topology { event } = &e[1] else {
            panic!()
        };
        assert_eq!(event["to"]["port"], 4);
        let e = d.topology(&snap(vec![], vec![]));
        assert_eq!(names(&e), ["host_removed"]);
    }

    fn tap(name: &str, active: bool, expires: Option<u64>) -> TapInfo {
        TapInfo {
            name: name.into(),
            id: 0,
            source: "0000000000000001:1".into(),
            monitor: "0000000000000001:2".into(),
            direction: crate::pipeline::Direction::Both,
            filter: String::new(),
            origin: crate::modules::tap::Origin::Activatable,
            active,
            expires_in_secs: expires,
            deactivated: None,
            vlan: None,
            state: String::new(),
            switches: vec![],
            confirmed_at_us: None,
        }
    }

    #[test]
    fn tap_lifecycle() {
        let mut d = Differ::default();
        let e = d.taps(&[tap("a", false, None), tap("b", true, None)]);
        assert_eq!(names(&e), ["created:a", "created:b", "activated:b"]);
        let e = d.taps(&[tap("a", true, Some(30)), tap("b", false, None)]);
        assert_eq!(names(&e), ["activated:a", "deactivated:b"]);
        let e = d.taps(&[tap("a", true, Some(1)), tap("b", false, None)]);
        assert!(e.is_empty());
        let e = d.taps(&[tap("a", false, None)]);
        assert_eq!(names(&e), ["expired:a", "removed:b"]);
    }

    #[test]
    fn rest_published_changes_not_repeated() {
        let hub = EventHub::default();
        let ev = |action| EventKind::Tap {
            action,
            tap: json!({"name": "t1"}),
        };
        assert!(!already_published(&hub, &ev("created")));
        hub.publish(ev("created"));
        assert!(already_published(&hub, &ev("created")));
        assert!(!already_published(&hub, &ev("removed")));
        assert!(!already_published(&hub, &ev("activated")));
    }
}
