//! Inter-switch links: learned from probes (expiring) and declared in config (static).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use super::graph::Graph;
use super::{expired, LinkDownReason, PortRef, TopologyEvent};

/// A directed link: frames sent out of `src` arrive on `dst`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Link {
    /// Sending port.
    pub src: PortRef,
    /// Receiving port.
    pub dst: PortRef,
}

/// Where a link comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Learned from LLDP probes; expires.
    Discovered,
    /// Declared in `topology.links` or with `add_static_link`; never expires.
    Static,
}

/// A static link that cannot be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StaticLinkError {
    /// Both ends are the same port.
    #[error("a link cannot connect port {0} to itself")]
    SelfLink(PortRef),
    /// The port already has a different static link.
    #[error("port {port} already has a static link to {peer}")]
    PortInUse {
        /// The port.
        port: PortRef,
        /// Its existing peer.
        peer: PortRef,
    },
}

#[derive(Debug, Clone, Copy)]
struct Learned {
    dst: PortRef,
    last_seen: Instant,
}

/// Every link the engine knows.
#[derive(Debug, Default)]
pub(super) struct Links {
    /// Learned links by sending port.
    learned: BTreeMap<PortRef, Learned>,
    /// Receiving port -> sending port of the learned link into it.
    learned_by_dst: BTreeMap<PortRef, PortRef>,
    /// Static links: each end -> the other end (both directions are links).
    statics: BTreeMap<PortRef, PortRef>,
    /// Static links currently usable.
    static_live: BTreeSet<Link>,
}

fn up(link: Link, kind: LinkKind) -> TopologyEvent {
    TopologyEvent::LinkUp { link, kind }
}

fn down(link: Link, kind: LinkKind, reason: LinkDownReason) -> TopologyEvent {
    TopologyEvent::LinkDown { link, kind, reason }
}

impl Links {
    /// A probe from `src` arrived on `dst`.
    pub(super) fn learn(&mut self, now: Instant, src: PortRef, dst: PortRef) -> Vec<TopologyEvent> {
        if let Some(l) = self.learned.get_mut(&src) {
            if l.dst == dst {
                l.last_seen = now;
                return Vec::new();
            }
        }
        // Either port now talks to someone else: the old links are gone.
        let mut events: Vec<_> = self
            .remove_learned(src, LinkDownReason::Replaced)
            .into_iter()
            .collect();
        if let Some(old_src) = self.learned_by_dst.get(&dst).copied() {
            events.extend(self.remove_learned(old_src, LinkDownReason::Replaced));
        }
        self.learned.insert(
            src,
            Learned {
                dst,
                last_seen: now,
            },
        );
        self.learned_by_dst.insert(dst, src);
        events.push(up(Link { src, dst }, LinkKind::Discovered));
        events
    }

    fn remove_learned(&mut self, src: PortRef, reason: LinkDownReason) -> Option<TopologyEvent> {
        let l = self.learned.remove(&src)?;
        self.learned_by_dst.remove(&l.dst);
        Some(down(Link { src, dst: l.dst }, LinkKind::Discovered, reason))
    }

    /// Remove learned links with an end for which `pred` holds.
    pub(super) fn remove_where(
        &mut self,
        pred: impl Fn(PortRef) -> bool,
        reason: LinkDownReason,
    ) -> Vec<TopologyEvent> {
        let doomed: Vec<PortRef> = self
            .learned
            .iter()
            .filter(|(src, l)| pred(**src) || pred(l.dst))
            .map(|(src, _)| *src)
            .collect();
        doomed
            .into_iter()
            .filter_map(|src| self.remove_learned(src, reason))
            .collect()
    }

    /// Remove learned links not refreshed within `timeout`.
    pub(super) fn expire(&mut self, now: Instant, timeout: Duration) -> Vec<TopologyEvent> {
        let doomed: Vec<PortRef> = self
            .learned
            .iter()
            .filter(|(_, l)| expired(l.last_seen, timeout, now))
            .map(|(src, _)| *src)
            .collect();
        doomed
            .into_iter()
            .filter_map(|src| self.remove_learned(src, LinkDownReason::Timeout))
            .collect()
    }

    pub(super) fn next_expiry(&self, timeout: Duration) -> Option<Instant> {
        self.learned
            .values()
            .filter_map(|l| l.last_seen.checked_add(timeout))
            .min()
    }

    /// Declare a static link between `a` and `b` (idempotent).
    pub(super) fn add_static(&mut self, a: PortRef, b: PortRef) -> Result<(), StaticLinkError> {
        if a == b {
            return Err(StaticLinkError::SelfLink(a));
        }
        for (port, want) in [(a, b), (b, a)] {
            if let Some(peer) = self.statics.get(&port) {
                if *peer != want {
                    return Err(StaticLinkError::PortInUse { port, peer: *peer });
                }
            }
        }
        self.statics.insert(a, b);
        self.statics.insert(b, a);
        Ok(())
    }

    /// Bring static links up or down to match the switches and ports that are live.
    pub(super) fn refresh_static(&mut self, graph: &Graph) -> Vec<TopologyEvent> {
        let mut events = Vec::new();
        for (&src, &dst) in &self.statics {
            let link = Link { src, dst };
            let live = graph.is_live(src) && graph.is_live(dst);
            if live && self.static_live.insert(link) {
                events.push(up(link, LinkKind::Static));
            } else if !live && self.static_live.remove(&link) {
                let reason = [src, dst]
                    .into_iter()
                    .find_map(|p| {
                        if !graph.contains(p.dpid) {
                            Some(LinkDownReason::SwitchDown)
                        } else if !graph.has_port(p) {
                            Some(LinkDownReason::PortDeleted)
                        } else if !graph.is_live(p) {
                            Some(LinkDownReason::PortDown)
                        } else {
                            None
                        }
                    })
                    .unwrap_or(LinkDownReason::PortDown);
                events.push(down(link, LinkKind::Static, reason));
            }
        }
        events
    }

    /// True when `at` has a static link (live or not).
    pub(super) fn is_static_port(&self, at: PortRef) -> bool {
        self.statics.contains_key(&at)
    }

    /// True when `at` is an end of a learned link or of a static link.
    pub(super) fn is_link_port(&self, at: PortRef) -> bool {
        self.learned.contains_key(&at)
            || self.learned_by_dst.contains_key(&at)
            || self.statics.contains_key(&at)
    }

    /// Every usable directed link, sorted by (src, dst).
    pub(super) fn live(&self) -> impl Iterator<Item = (Link, LinkKind)> + '_ {
        let mut all: Vec<(Link, LinkKind)> = self
            .learned
            .iter()
            .map(|(src, l)| {
                (
                    Link {
                        src: *src,
                        dst: l.dst,
                    },
                    LinkKind::Discovered,
                )
            })
            .chain(self.static_live.iter().map(|l| (*l, LinkKind::Static)))
            .collect();
        all.sort_by_key(|(l, _)| *l);
        all.into_iter()
    }

    /// True when the learned link out of `src` goes to `dst`.
    pub(super) fn has_learned(&self, src: PortRef, dst: PortRef) -> bool {
        self.learned.get(&src).is_some_and(|l| l.dst == dst)
    }

    /// When the learned link out of `src` last saw a probe.
    pub(super) fn last_seen(&self, src: PortRef) -> Option<Instant> {
        self.learned.get(&src).map(|l| l.last_seen)
    }
}
