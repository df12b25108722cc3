//! The topology engine: LLDP link discovery, static links, host locations and shortest paths.
//!
//! A sans-IO state machine (quinn-proto style): it never touches a socket or a clock. The
//! `topology` module adapter feeds it switch and port events, LLDP packet-ins and learned
//! hosts, sends the probes it asks for as packet-outs, and asks it for paths.
//!
//! # API, by group
//! - **Inputs** (`now` always passed in): [`Topology::switch_up`], [`Topology::switch_down`],
//!   [`Topology::port_status`], [`Topology::handle_lldp`], [`Topology::learn_host`],
//!   [`Topology::add_static_link`], [`Topology::handle_timeout`].
//! - **Outputs**: [`Topology::poll_probes`] (LLDP frames to send), [`Topology::poll_timeout`]
//!   (when to call again). Inputs return the [`TopologyEvent`]s they cause.
//! - **Queries**: [`Topology::shortest_path`], [`Topology::path_to_port`],
//!   [`Topology::host_location`], [`Topology::is_edge_port`], [`Topology::links`],
//!   [`Topology::snapshot`].
//!
//! # Wiring it to the runtime (the `topology` module)
//! - `SwitchUp` -> `switch_up` (ports widened to OF1.3 numbers, LOCAL excluded); install a
//!   flow sending `eth_type = 0x88cc` to the controller above every forwarding flow.
//! - `SwitchDown` -> `switch_down`; `PortStatus` -> `port_status`.
//! - `PacketIn` with EtherType 0x88cc -> `handle_lldp` (an `Err` is logged at debug); any
//!   other packet-in -> `learn_host` with its source MAC and IP. sFlow samples ->
//!   `learn_host` with `HostSource::Sflow` once their ifindex is mapped to a port.
//! - `Timer` -> `handle_timeout` then `poll_probes`, each probe a packet-out of its frame on
//!   its port; re-arm the timer for `poll_timeout()`.
//!
//! Call order for a timer tick: `handle_timeout(now)` then `poll_probes(now)`; schedule the next
//! tick at `poll_timeout()`.
//!
//! # Semantics
//! - Links are directed (`src` port sends, `dst` port receives): the probe sent out of `src`
//!   arrived on `dst`. A cable is two links, one per direction, each learned on its own.
//! - A learned link lives `link_timeout` after its last probe; a port going down or being
//!   deleted, or either switch disconnecting, removes it at once. One link per port and
//!   direction: a probe that shows a port now reaches a different peer replaces the old link.
//! - Static links never expire; they are live while both switches are connected and both ports
//!   exist and are up. Ports on static links are not probed, and LLDP arriving on them is
//!   ignored.
//! - An edge port is a port that no live link and no static link uses. Hosts are only learned
//!   on edge ports, and hosts on a port that becomes a link or goes down are forgotten.
//! - Probes carry a timestamp and a per-instance tag (SipHash with a random key, in an
//!   organisation-specific TLV) so a host can neither forge a link with a hand-made LLDP frame
//!   nor replay an old probe, and probes from another controller are ignored rather than
//!   misread (see `probe.rs`).

mod config;
mod graph;
mod hosts;
mod links;
mod paths;
mod probe;
mod snapshot;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use proto::pkt::lldp;
use proto::{DatapathId, DecodeError, MacAddr};
use tracing::{debug, info};

pub use config::{StaticLinkConfig, TopologyConfig, TopologyConfigError};
pub use hosts::{Host, HostIgnored, HostKey, HostSource};
pub use links::{Link, LinkKind, StaticLinkError};
pub use paths::{Hop, TapHop};
pub use snapshot::{HostSnapshot, LinkSnapshot, PortSnapshot, Snapshot, SwitchSnapshot};

use graph::Graph;
use hosts::Hosts;
use links::Links;
use probe::Prober;

/// Highest OpenFlow port number that names a real port (OF1.3 `OFPP_MAX`); numbers above it are
/// reserved ports (LOCAL, CONTROLLER, ...). Port numbers here are OF1.3-normalised `u32`s.
pub const OFPP_MAX: u32 = 0xffff_ff00;

/// A port of a switch.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct PortRef {
    /// The switch.
    pub dpid: DatapathId,
    /// The OpenFlow port number.
    pub port: u32,
}

impl PortRef {
    /// Shorthand constructor.
    pub fn new(dpid: DatapathId, port: u32) -> Self {
        PortRef { dpid, port }
    }
}

impl fmt::Display for PortRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.dpid, self.port)
    }
}

/// A switch port as the switch described it (features reply, port-desc or port-status).
/// From the runtime's `event::PortDesc`: `number: port_no`, `live: is_up()`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SwitchPort {
    /// OpenFlow port number (OF1.3 numbering).
    pub number: u32,
    /// Interface name (`s1-eth6`).
    pub name: String,
    /// The port's MAC address; probes are sent from it.
    pub hw_addr: MacAddr,
    /// Link up and not administratively down (neither `OFPPC_PORT_DOWN` nor
    /// `OFPPS_LINK_DOWN`).
    pub live: bool,
}

/// What a port-status message reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortUpdate {
    /// `OFPPR_ADD` or `OFPPR_MODIFY`: the port as it now is.
    Changed(SwitchPort),
    /// `OFPPR_DELETE`.
    Deleted(u32),
}

/// Why a link stopped being usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkDownReason {
    /// No probe within `link_timeout`.
    Timeout,
    /// One of its ports went down.
    PortDown,
    /// One of its ports was deleted.
    PortDeleted,
    /// One of its switches disconnected.
    SwitchDown,
    /// A probe showed one of its ports now connects elsewhere.
    Replaced,
}

/// Why a host was forgotten.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HostRemovedReason {
    /// Not seen for `host_timeout`.
    Timeout,
    /// Its port went down or was deleted.
    PortDown,
    /// Its switch disconnected.
    SwitchDown,
    /// Its port turned out to be an inter-switch link (it was learned before discovery).
    PortIsLink,
}

/// Something that changed in the topology.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum TopologyEvent {
    /// A directed link became usable.
    LinkUp {
        /// The link.
        link: Link,
        /// Discovered or static.
        kind: LinkKind,
    },
    /// A directed link stopped being usable.
    LinkDown {
        /// The link.
        link: Link,
        /// Discovered or static.
        kind: LinkKind,
        /// Why.
        reason: LinkDownReason,
    },
    /// A new host.
    HostLearned {
        /// Its MAC.
        mac: MacAddr,
        /// Where.
        location: PortRef,
    },
    /// A known host appeared on another edge port.
    HostMoved {
        /// Its MAC.
        mac: MacAddr,
        /// Where it was.
        from: PortRef,
        /// Where it is.
        to: PortRef,
    },
    /// A host was forgotten.
    HostRemoved {
        /// Its MAC.
        mac: MacAddr,
        /// Where it was.
        location: PortRef,
        /// Why.
        reason: HostRemovedReason,
    },
}

/// An LLDP probe to send: a packet-out of `frame` on `port` of `dpid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// The switch.
    pub dpid: DatapathId,
    /// The port to send it out of.
    pub port: u32,
    /// The whole Ethernet frame.
    pub frame: Bytes,
}

/// Why an LLDP packet-in taught nothing. None of these is an error of the controller: the
/// adapter logs them at debug level.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LldpIgnored {
    /// Discovery is disabled in the config.
    #[error("discovery is disabled")]
    Disabled,
    /// Not a valid LLDP frame.
    #[error("malformed LLDP: {0}")]
    Malformed(#[from] DecodeError),
    /// Valid LLDP, but not a probe of ours (a host's lldpd, another controller).
    #[error("LLDP frame is not a tapdemon probe")]
    Foreign,
    /// Looks like our probe but the tag does not match: forged, or from another instance.
    #[error("probe claiming to come from {0} has a bad tag")]
    BadTag(PortRef),
    /// A genuine probe, but older than the link timeout (delayed, or replayed).
    #[error("probe from {0} is stale")]
    Stale(PortRef),
    /// Discovery is off on the sending or receiving switch (`topology.switches`).
    #[error("discovery is off on switch {0}")]
    DiscoveryOff(DatapathId),
    /// The sending or receiving switch is not connected.
    #[error("switch {0} is not connected")]
    UnknownSwitch(DatapathId),
    /// The sending or receiving port is unknown or down.
    #[error("port {0} is unknown or down")]
    PortNotLive(PortRef),
    /// The probe came back in the port it left from.
    #[error("probe from {0} came back on the same port")]
    Looped(PortRef),
    /// The port has a static link; discovery does not override configuration.
    #[error("port {0} has a static link")]
    StaticPort(PortRef),
}

/// Durations and limits the engine runs on, resolved from [`TopologyConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Timers {
    probe_interval: Duration,
    link_timeout: Duration,
    /// `None`: hosts never expire.
    host_timeout: Option<Duration>,
    /// Host table size limit.
    max_hosts: usize,
}

/// The topology engine. See the [module docs](self).
#[derive(Debug)]
pub struct Topology {
    enabled: bool,
    /// Switches discovery runs between; `None` = all.
    discovery: Option<BTreeSet<DatapathId>>,
    /// Ports never probed.
    quiet: BTreeSet<PortRef>,
    timers: Timers,
    /// Switch names from the config, for probes' system name and for snapshots.
    names: BTreeMap<DatapathId, String>,
    graph: Graph,
    links: Links,
    hosts: Hosts,
    /// Signs and verifies probes.
    prober: Prober,
}

impl Topology {
    /// An engine for `config`. `names` maps switch names (as used in `topology.links`) to
    /// datapath ids.
    pub fn new(
        config: &TopologyConfig,
        names: &BTreeMap<String, DatapathId>,
    ) -> Result<Topology, TopologyConfigError> {
        let timers = config.timers()?;
        let statics = config.static_links(names)?;
        let mut topo = Topology {
            enabled: config.enabled,
            discovery: config.discovery_switches(names)?,
            quiet: config.quiet_ports(names)?,
            timers,
            names: names.iter().map(|(n, d)| (*d, n.clone())).collect(),
            graph: Graph::default(),
            links: Links::default(),
            hosts: Hosts::default(),
            prober: Prober::default(),
        };
        for (index, (a, b)) in statics.into_iter().enumerate() {
            topo.add_static_link(a, b)
                .map_err(|source| TopologyConfigError::StaticLink { index, source })?;
        }
        Ok(topo)
    }

    /// A switch connected (or reconnected) with these ports. Replaces what was known of it.
    pub fn switch_up(
        &mut self,
        now: Instant,
        dpid: DatapathId,
        ports: &[SwitchPort],
    ) -> Vec<TopologyEvent> {
        let mut events = Vec::new();
        if self.graph.contains(dpid) {
            // A reconnect without a switch-down first: start from a clean slate.
            events = self.switch_down(dpid);
        }
        info!(%dpid, ports = ports.len(), "topology: switch up");
        self.graph.switch_up(now, dpid, ports);
        events.extend(self.links.refresh_static(&self.graph));
        self.after_link_events(&mut events);
        events
    }

    /// A switch disconnected: its links and hosts go.
    pub fn switch_down(&mut self, dpid: DatapathId) -> Vec<TopologyEvent> {
        if !self.graph.switch_down(dpid) {
            return Vec::new();
        }
        info!(%dpid, "topology: switch down");
        let mut events = self
            .links
            .remove_where(|p| p.dpid == dpid, LinkDownReason::SwitchDown);
        events.extend(self.links.refresh_static(&self.graph));
        events.extend(
            self.hosts
                .remove_where(|p| p.dpid == dpid, HostRemovedReason::SwitchDown),
        );
        log_events(&events);
        events
    }

    /// A port-status message.
    pub fn port_status(
        &mut self,
        now: Instant,
        dpid: DatapathId,
        update: PortUpdate,
    ) -> Vec<TopologyEvent> {
        let Some(change) = self.graph.port_update(now, dpid, &update) else {
            return Vec::new();
        };
        let at = PortRef::new(dpid, change.port);
        let mut events = Vec::new();
        if change.was_live && !change.is_live {
            let (link_reason, host_reason) = match update {
                PortUpdate::Deleted(_) => {
                    (LinkDownReason::PortDeleted, HostRemovedReason::PortDown)
                }
                PortUpdate::Changed(_) => (LinkDownReason::PortDown, HostRemovedReason::PortDown),
            };
            info!(port = %at, "topology: port down");
            events.extend(self.links.remove_where(|p| p == at, link_reason));
            events.extend(self.hosts.remove_where(|p| p == at, host_reason));
        }
        events.extend(self.links.refresh_static(&self.graph));
        self.after_link_events(&mut events);
        events
    }

    /// Probes due at `now`: every live port is probed when it comes up and then every
    /// `probe_interval`.
    pub fn poll_probes(&mut self, now: Instant) -> Vec<Probe> {
        if !self.enabled {
            return Vec::new();
        }
        let due = self.graph.due_probes(now, self.timers.probe_interval);
        let ttl = u16::try_from(self.timers.link_timeout.as_secs()).unwrap_or(u16::MAX);
        let mut probes = Vec::with_capacity(due.len());
        for (at, hw_addr) in due {
            if !self.discovers(at.dpid) || self.links.is_static_port(at) || self.quiet.contains(&at)
            {
                continue;
            }
            let name = self.names.get(&at.dpid).map(String::as_str);
            if let Some(frame) = self.prober.frame(now, at, hw_addr, ttl, name) {
                probes.push(Probe {
                    dpid: at.dpid,
                    port: at.port,
                    frame,
                });
            }
        }
        probes
    }

    /// An LLDP frame arrived in a packet-in on `in_port` of `dpid`.
    pub fn handle_lldp(
        &mut self,
        now: Instant,
        dpid: DatapathId,
        in_port: u32,
        frame: &Bytes,
    ) -> Result<Vec<TopologyEvent>, LldpIgnored> {
        if !self.enabled {
            return Err(LldpIgnored::Disabled);
        }
        let repr = lldp::Repr::parse(frame)?;
        let src = self.prober.verify(now, &repr, self.timers.link_timeout)?;
        let dst = PortRef::new(dpid, in_port);
        for at in [src, dst] {
            if !self.discovers(at.dpid) {
                return Err(LldpIgnored::DiscoveryOff(at.dpid));
            }
            if !self.graph.contains(at.dpid) {
                return Err(LldpIgnored::UnknownSwitch(at.dpid));
            }
            if !self.graph.is_live(at) {
                return Err(LldpIgnored::PortNotLive(at));
            }
            if self.links.is_static_port(at) {
                return Err(LldpIgnored::StaticPort(at));
            }
        }
        if src == dst {
            return Err(LldpIgnored::Looped(src));
        }
        let mut events = self.links.learn(now, src, dst);
        if !events.is_empty() && !self.links.has_learned(dst, src) {
            // A new link: probe back at once rather than a whole interval later, so both
            // directions (and paths that need them) come up together.
            self.graph.probe_now(dst, now);
        }
        self.after_link_events(&mut events);
        Ok(events)
    }

    /// Stop (or resume) probing `at`: the tap module calls this for its monitor ports.
    pub fn set_quiet(&mut self, at: PortRef, quiet: bool) {
        if quiet {
            self.quiet.insert(at);
        } else {
            self.quiet.remove(&at);
        }
    }

    /// Does LLDP discovery run on `dpid` (enabled, and in `topology.switches` if set)?
    pub fn discovers(&self, dpid: DatapathId) -> bool {
        self.enabled && self.discovery.as_ref().is_none_or(|s| s.contains(&dpid))
    }

    /// Declare a link that is never discovered nor expires (both directions).
    pub fn add_static_link(
        &mut self,
        a: PortRef,
        b: PortRef,
    ) -> Result<Vec<TopologyEvent>, StaticLinkError> {
        self.links.add_static(a, b)?;
        // Configuration wins over discovery on these ports.
        let mut events = self
            .links
            .remove_where(|p| p == a || p == b, LinkDownReason::Replaced);
        events.extend(self.links.refresh_static(&self.graph));
        self.after_link_events(&mut events);
        Ok(events)
    }

    /// Hosts on ports that just became links were learned by mistake (traffic from remote
    /// hosts seen before discovery): forget them. Then log.
    fn after_link_events(&mut self, events: &mut Vec<TopologyEvent>) {
        let mut ends = Vec::new();
        for e in events.iter() {
            if let TopologyEvent::LinkUp { link, .. } = e {
                ends.extend([link.src, link.dst]);
            }
        }
        if !ends.is_empty() {
            events.extend(
                self.hosts
                    .remove_where(|p| ends.contains(&p), HostRemovedReason::PortIsLink),
            );
        }
        log_events(events);
    }

    /// A host (`mac`, optionally with `ip`) was seen sending from `at`, by a packet-in or by
    /// an sFlow sample whose input ifindex the caller mapped to `at`.
    pub fn learn_host(
        &mut self,
        now: Instant,
        mac: MacAddr,
        ip: Option<IpAddr>,
        at: PortRef,
        source: HostSource,
    ) -> Result<Option<TopologyEvent>, HostIgnored> {
        if !self.graph.contains(at.dpid) {
            return Err(HostIgnored::UnknownSwitch(at.dpid));
        }
        if !self.is_edge_port(at) {
            return Err(HostIgnored::NotEdgePort(at));
        }
        let event = self
            .hosts
            .learn(now, mac, ip, at, source, self.timers.max_hosts)?;
        if let Some(e) = &event {
            log_events(std::slice::from_ref(e));
        }
        Ok(event)
    }

    /// Would [`Topology::learn_host`] change more than a `last_seen` younger than `refresh`?
    /// Asked under a shared lock, it spares the exclusive one for the common sighting (a
    /// known host, where it was, seen a moment ago) and for a full table (`TableFull`).
    pub fn host_sighting_is_news(
        &self,
        now: Instant,
        mac: MacAddr,
        ip: Option<IpAddr>,
        at: PortRef,
        refresh: Duration,
    ) -> Result<bool, HostIgnored> {
        match self.hosts.get(HostKey::Mac(mac)) {
            Some(h) => Ok(h.location != at
                || ip.is_some_and(|ip| hosts::is_host_ip(ip) && !h.ips.contains(&ip))
                || now.saturating_duration_since(h.last_seen) >= refresh),
            None if self.hosts.is_full(self.timers.max_hosts) && !mac.is_multicast() => {
                Err(HostIgnored::TableFull(self.timers.max_hosts))
            }
            None => Ok(true),
        }
    }

    /// Expire links and hosts whose time has come.
    pub fn handle_timeout(&mut self, now: Instant) -> Vec<TopologyEvent> {
        let mut events = self.links.expire(now, self.timers.link_timeout);
        if let Some(t) = self.timers.host_timeout {
            events.extend(self.hosts.expire(now, t));
        }
        log_events(&events);
        events
    }

    /// The next instant at which a probe is due or something expires.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let probes = if self.enabled {
            self.graph.next_probe()
        } else {
            None
        };
        let links = self.links.next_expiry(self.timers.link_timeout);
        let hosts = self
            .timers
            .host_timeout
            .and_then(|t| self.hosts.next_expiry(t));
        [probes, links, hosts].into_iter().flatten().min()
    }

    /// How long an unseen host is kept (`None`: forever).
    pub fn host_timeout(&self) -> Option<Duration> {
        self.timers.host_timeout
    }

    /// True when `at` is a port of a connected switch that no live or static link uses.
    pub fn is_edge_port(&self, at: PortRef) -> bool {
        self.graph.contains(at.dpid) && !self.links.is_link_port(at)
    }

    /// Where a host is attached.
    pub fn host_location(&self, key: impl Into<HostKey>) -> Option<PortRef> {
        self.hosts.get(key.into()).map(|h| h.location)
    }

    /// A host by MAC or IP.
    pub fn host(&self, key: impl Into<HostKey>) -> Option<&Host> {
        self.hosts.get(key.into())
    }

    /// Every live directed link, in (src, dst) order.
    pub fn links(&self) -> Vec<(Link, LinkKind)> {
        self.links.live().collect()
    }

    /// Connected switches.
    pub fn switches(&self) -> impl Iterator<Item = DatapathId> + '_ {
        self.graph.dpids()
    }

    /// The configured probe interval.
    pub fn probe_interval(&self) -> Duration {
        self.timers.probe_interval
    }
}

/// `since + timeout <= now`, without the panic `Instant + Duration` has on overflow.
fn expired(since: Instant, timeout: Duration, now: Instant) -> bool {
    since.checked_add(timeout).is_some_and(|t| t <= now)
}

fn log_events(events: &[TopologyEvent]) {
    for e in events {
        match e {
            TopologyEvent::LinkUp { link, kind } => {
                info!(src = %link.src, dst = %link.dst, ?kind, "topology: link up")
            }
            TopologyEvent::LinkDown { link, kind, reason } => {
                info!(src = %link.src, dst = %link.dst, ?kind, ?reason, "topology: link down")
            }
            TopologyEvent::HostLearned { mac, location } => {
                debug!(%mac, %location, "topology: host learned")
            }
            TopologyEvent::HostMoved { mac, from, to } => {
                info!(%mac, %from, %to, "topology: host moved")
            }
            TopologyEvent::HostRemoved {
                mac,
                location,
                reason,
            } => debug!(%mac, %location, ?reason, "topology: host removed"),
        }
    }
}
