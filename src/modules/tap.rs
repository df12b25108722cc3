//! `tap`: copies of a port's traffic delivered to a monitor port anywhere in the network.
//!
//! A tap names a source port, a direction, an optional ovs-ofctl filter and a monitor
//! port ([`super::tap_config`]). The module plans the path ([`crate::pipeline::plan`]:
//! source switch -> uplinks -> monitor switch, one VLAN per tap) and hands each switch on
//! the way its part as a [`TapUpdate`] for that switch's [`crate::pipeline::Pipeline`],
//! which composes it with whatever forwards the traffic. It never writes forwarding flows.
//!
//! # Lifecycle
//! - Static taps (`static = true`, the default) are active for the switches' lifetime;
//!   activatable ones (`static = false`) and runtime ones ([`Control::CreateTap`], from the
//!   trigger module or the REST API) while activated, for a duration: the flows carry it as
//!   their hard timeout *and* the module keeps a timer, so switch and controller agree.
//!   FLOW_REMOVED (hard timeout) ends it too. Activating an active tap extends it.
//! - Installation order: transit and delivery flows first; the source switch's copies only
//!   once the switches downstream confirmed theirs with a barrier, so copies never meet a
//!   switch that does not know their VLAN.
//! - Every `reconcile_secs` (and on switch and port events) active taps are re-planned;
//!   changed parts are replaced, parts on switches no longer on the path removed. A tap
//!   whose path does not exist yet (links not discovered) waits, with the reason in its
//!   state. A switch that reconnects gets its parts back (its pipeline removed stale
//!   tap flows at connect).
//! - State for the REST API: [`TapTable`]. Commands: [`Control`] to the module `tap`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use proto::flow::Match;
use proto::DatapathId;
use serde::Serialize;
use tracing::{info, warn};

use super::control::{Control, TapSpec};
use super::tap_config::{
    parse_filter, parse_port_ref, TapEntry, TapsSettings, DEFAULT_DURATION_SECS,
};
use crate::config::SwitchDirectory;
use crate::event::{Event, FlowRemovedReason, PortReason};
use crate::module::Module;
use crate::outbox::Outbox;
use crate::pipeline::cookie::{Cookie, Kind};
use crate::pipeline::plan::{plan, PlanError, TapRequest, TopologyNetwork, VlanPool};
use crate::pipeline::{Direction, SwitchTap, TapId, TapRule, TapUpdate};
use crate::state::{SavedStaticOff, TapSnapshot, TapStateSink};
use crate::topology::{PortRef, Topology};

/// Timer id of the periodic re-plan (tap ids are 48-bit, so no clash).
const RECONCILE: u64 = u64::MAX;

/// Read access to the topology engine (the topology module's shared engine).
pub trait TopologyRead: Send {
    /// Run `f` on the engine.
    fn with(&self, f: &mut dyn FnMut(&Topology));
}

impl TopologyRead for super::topology::SharedTopology {
    fn with(&self, f: &mut dyn FnMut(&Topology)) {
        f(&self.read())
    }
}

impl TopologyRead for Arc<RwLock<Topology>> {
    fn with(&self, f: &mut dyn FnMut(&Topology)) {
        f(&self.read().unwrap_or_else(PoisonError::into_inner))
    }
}

/// Where a tap came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// `[[tap]]` with `static = true`.
    Static,
    /// `[[tap]]` with `static = false`.
    Activatable,
    /// Created at runtime (trigger, REST).
    Runtime,
}

/// A tap as the REST API lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TapInfo {
    /// Name.
    pub name: String,
    /// Id (its flows' cookie owner id).
    pub id: TapId,
    /// Source port, `dpid:port`.
    pub source: String,
    /// Monitor port.
    pub monitor: String,
    /// Direction.
    pub direction: Direction,
    /// Filter, ovs-ofctl syntax (empty: all).
    pub filter: String,
    /// Where it came from.
    pub origin: Origin,
    /// Active (wanted on the switches).
    pub active: bool,
    /// Seconds left, for a timed activation.
    pub expires_in_secs: Option<u64>,
    /// A static tap deactivated at runtime: by whom, and whether that outlives a restart.
    pub deactivated: Option<String>,
    /// The VLAN its copies carry between switches.
    pub vlan: Option<u16>,
    /// `inactive`, `installing`, `installed`, or why it waits or failed.
    pub state: String,
    /// Switches holding its flows.
    pub switches: Vec<String>,
    /// When the switches confirmed (barrier) every flow of the current activation, Unix
    /// epoch microseconds (wall clock, so a client can compare it with its own send time:
    /// the trigger latency benchmark does). `None` while inactive or installing.
    pub confirmed_at_us: Option<u64>,
}

/// The taps' state, shared with the REST API (written by the module after each event).
#[derive(Debug, Clone, Default)]
pub struct TapTable(Arc<RwLock<Vec<TapInfo>>>);

impl TapTable {
    /// Every tap, by name.
    pub fn list(&self) -> Vec<TapInfo> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[derive(Debug, Clone)]
struct Tap {
    id: TapId,
    name: String,
    source: PortRef,
    monitor: PortRef,
    direction: Direction,
    filter: Match,
    origin: Origin,
    default_duration: Duration,
    active: bool,
    until: Option<Instant>,
    armed: Option<Instant>,
    /// What each switch was sent.
    installed: BTreeMap<DatapathId, SwitchTap>,
    /// Switches whose part awaits its barrier.
    pending: BTreeSet<DatapathId>,
    /// The source part, sent once `pending` is empty.
    waiting_source: Option<(DatapathId, SwitchTap)>,
    state: String,
    /// See [`TapInfo::confirmed_at_us`].
    confirmed_at: Option<SystemTime>,
    /// Who deactivated it, for a static tap that is off.
    off_by: Option<String>,
}

impl Tap {
    fn request(&self, hard_timeout: u16) -> TapRequest {
        TapRequest {
            id: self.id,
            source: self.source,
            direction: self.direction,
            filter: self.filter.clone(),
            monitor: self.monitor,
            hard_timeout,
        }
    }

    fn remaining_secs(&self, now: Instant) -> u16 {
        self.until
            .map(|u| secs_ceil(u.saturating_duration_since(now)))
            .unwrap_or(0)
    }
}

/// The module.
pub struct TapModule {
    settings: TapsSettings,
    taps: BTreeMap<String, Tap>,
    next_id: TapId,
    ports: BTreeMap<DatapathId, BTreeSet<u32>>,
    topology: Box<dyn TopologyRead>,
    vlans: VlanPool,
    table: TapTable,
    reconcile_armed: bool,
    /// Where dynamic taps are persisted ([`crate::state`]), and what it was last sent.
    state_sink: Option<Box<dyn TapStateSink>>,
    saved: Vec<TapSnapshot>,
    saved_off: Vec<SavedStaticOff>,
}

impl std::fmt::Debug for TapModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TapModule")
            .field("taps", &self.taps)
            .field("ports", &self.ports)
            .finish()
    }
}

impl TapModule {
    /// The taps of the config (`Config::parse` validated them).
    pub fn new(
        settings: &TapsSettings,
        entries: &[TapEntry],
        dir: &SwitchDirectory,
        topology: Box<dyn TopologyRead>,
    ) -> Self {
        let [first, last] = settings.vlan_range;
        let mut m = TapModule {
            settings: settings.clone(),
            taps: BTreeMap::new(),
            next_id: 1,
            ports: BTreeMap::new(),
            topology,
            vlans: VlanPool::new(first..=last),
            table: TapTable::default(),
            reconcile_armed: false,
            state_sink: None,
            saved: Vec::new(),
            saved_off: Vec::new(),
        };
        for e in entries {
            let (Some(source), Some(monitor)) = (
                parse_port_ref(dir, e.source.get_ref()),
                parse_port_ref(dir, e.monitor.get_ref()),
            ) else {
                continue;
            };
            let filter =
                parse_filter(e.filter.as_ref().map(|f| f.get_ref().as_str())).unwrap_or_default();
            let secs = e
                .duration_secs
                .as_ref()
                .map(|d| *d.get_ref())
                .unwrap_or(DEFAULT_DURATION_SECS);
            let origin = if e.is_static {
                Origin::Static
            } else {
                Origin::Activatable
            };
            let spec = TapSpec {
                name: e.name.get_ref().clone(),
                source,
                direction: e.direction,
                filter,
                monitor,
            };
            m.insert(spec, origin, Duration::from_secs(secs));
        }
        m.publish();
        m
    }

    /// The shared state for the REST API.
    pub fn table(&self) -> TapTable {
        self.table.clone()
    }

    /// Persist the dynamic taps: `sink` gets them whenever they change.
    pub fn with_state_sink(mut self, sink: Box<dyn TapStateSink>) -> Self {
        self.state_sink = Some(sink);
        self
    }

    fn insert(&mut self, spec: TapSpec, origin: Origin, default_duration: Duration) {
        let id = self.next_id;
        self.next_id += 1;
        let tap = Tap {
            id,
            name: spec.name.clone(),
            source: spec.source,
            monitor: spec.monitor,
            direction: spec.direction,
            filter: spec.filter,
            origin,
            default_duration,
            active: origin == Origin::Static,
            until: None,
            armed: None,
            installed: BTreeMap::new(),
            pending: BTreeSet::new(),
            waiting_source: None,
            state: "inactive".into(),
            confirmed_at: None,
            off_by: None,
        };
        self.taps.insert(spec.name, tap);
    }

    fn by_id(&self, id: TapId) -> Option<String> {
        self.taps
            .values()
            .find(|t| t.id == id)
            .map(|t| t.name.clone())
    }

    /// Bring one tap's flows in line with what it should be now.
    fn reconcile(&mut self, name: &str, now: Instant, out: &mut Outbox) {
        let Some(tap) = self.taps.get(name) else {
            return;
        };
        let wanted: Result<Vec<(DatapathId, SwitchTap)>, PlanError> = if tap.active {
            let req = tap.request(tap.remaining_secs(now));
            let vlan = if req.needs_vlan() {
                self.vlans.get(tap.id).map(Some)
            } else {
                Ok(None)
            };
            let ports = &self.ports;
            let mut result = Err(PlanError::UnknownSwitch(tap.source.dpid));
            self.topology.with(&mut |topology| {
                let net = TopologyNetwork { topology, ports };
                result = vlan.clone().and_then(|v| plan(&net, &req, v));
            });
            result
        } else {
            Ok(Vec::new())
        };
        let Some(tap) = self.taps.get_mut(name) else {
            return;
        };
        let (wanted, why) = match wanted {
            Ok(w) => (w, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        let wanted_dpids: BTreeSet<DatapathId> = wanted.iter().map(|(d, _)| *d).collect();
        let stale: Vec<DatapathId> = tap
            .installed
            .keys()
            .filter(|d| !wanted_dpids.contains(d))
            .copied()
            .collect();
        for d in stale {
            tap.installed.remove(&d);
            tap.pending.remove(&d);
            if self.ports.contains_key(&d) {
                out.tap(d, tap.id, TapUpdate::Remove(tap.id));
            }
        }
        if tap
            .waiting_source
            .as_ref()
            .is_some_and(|(d, _)| !wanted_dpids.contains(d))
        {
            tap.waiting_source = None;
        }
        let mut source_part = None;
        for (i, (d, part)) in wanted.into_iter().enumerate() {
            let same = tap.installed.get(&d).is_some_and(|s| s.rules == part.rules);
            if same {
                continue;
            }
            if i == 0
                && part
                    .rules
                    .iter()
                    .any(|r| matches!(r, TapRule::Source { .. }))
            {
                source_part = Some((d, part));
                continue;
            }
            tap.pending.insert(d);
            tap.installed.insert(d, part.clone());
            out.tap(
                d,
                tap.id,
                TapUpdate::Set {
                    tap: part,
                    rearm: false,
                },
            );
        }
        if let Some(src) = source_part {
            tap.waiting_source = Some(src);
        }
        send_source_if_ready(tap, out);
        let state = match (&why, tap.active) {
            (_, false) => "inactive".to_string(),
            (Some(w), true) => format!("waiting: {w}"),
            (None, true) if tap.pending.is_empty() && tap.waiting_source.is_none() => {
                "installed".to_string()
            }
            (None, true) => "installing".to_string(),
        };
        if state != tap.state {
            match &why {
                Some(w) if tap.active => {
                    warn!(tap = tap.name, reason = %w, "tap cannot be installed yet")
                }
                _ => info!(tap = tap.name, state, "tap state"),
            }
            tap.state = state;
        }
        if !tap.active && tap.installed.is_empty() {
            self.vlans.release(tap.id);
        }
    }

    fn reconcile_all(&mut self, now: Instant, out: &mut Outbox) {
        let names: Vec<String> = self.taps.keys().cloned().collect();
        for n in names {
            self.reconcile(&n, now, out);
        }
    }

    fn activate(
        &mut self,
        now: Instant,
        name: &str,
        duration: Option<Duration>,
        by: &str,
        out: &mut Outbox,
    ) {
        let Some(tap) = self.taps.get_mut(name) else {
            warn!(tap = name, by, "activation of an unknown tap");
            return;
        };
        if tap.origin == Origin::Static {
            // Static taps have no duration; one deactivated at runtime comes back.
            if !tap.active {
                tap.active = true;
                tap.off_by = None;
                info!(tap = name, by, "tap reactivated");
                self.reconcile(name, now, out);
            }
            return;
        }
        let Some(duration) = duration else {
            // Until deleted.
            tap.until = None;
            tap.active = true;
            self.reconcile(name, now, out);
            return;
        };
        let until = now + duration;
        let was_active = tap.active;
        tap.active = true;
        tap.until = Some(tap.until.map_or(until, |u| u.max(until)));
        out.timer(duration, tap.id);
        if !was_active {
            info!(tap = name, by, secs = duration.as_secs(), "tap activated");
            tap.armed = Some(now);
            self.reconcile(name, now, out);
            return;
        }
        // Re-armed: the flows are re-sent so their hard timeouts restart (once a second at
        // most, however often the trigger fires).
        if tap
            .armed
            .is_some_and(|a| now.saturating_duration_since(a) < Duration::from_secs(1))
        {
            return;
        }
        tap.armed = Some(now);
        let hard = tap.remaining_secs(now);
        let parts: Vec<(DatapathId, SwitchTap)> =
            tap.installed.iter().map(|(d, s)| (*d, s.clone())).collect();
        for (d, mut part) in parts {
            part.hard_timeout = hard;
            out.tap(
                d,
                tap.id,
                TapUpdate::Set {
                    tap: part,
                    rearm: true,
                },
            );
        }
    }

    fn deactivate(&mut self, now: Instant, name: &str, why: &str, out: &mut Outbox) {
        let Some(tap) = self.taps.get_mut(name) else {
            return;
        };
        if !tap.active {
            return;
        }
        tap.active = false;
        tap.until = None;
        tap.waiting_source = None;
        if tap.origin == Origin::Static {
            tap.off_by = Some(why.to_string());
        }
        info!(tap = name, why, "tap deactivated");
        // The source part goes first, so no copies are made for a path being removed.
        let parts: Vec<DatapathId> = tap.installed.keys().copied().collect();
        let src = tap.source.dpid;
        let ordered = parts
            .iter()
            .filter(|d| **d == src)
            .chain(parts.iter().filter(|d| **d != src));
        for d in ordered {
            if self.ports.contains_key(d) {
                out.tap(*d, tap.id, TapUpdate::Remove(tap.id));
            }
        }
        tap.installed.clear();
        tap.pending.clear();
        tap.confirmed_at = None;
        let runtime = tap.origin == Origin::Runtime;
        self.reconcile(name, now, out);
        if runtime {
            self.taps.remove(name);
        }
    }

    fn control(&mut self, now: Instant, c: &Control, out: &mut Outbox) {
        match c {
            Control::Activate { name, duration, by } => {
                let default = self.taps.get(name).map(|t| t.default_duration);
                self.activate(now, name, duration.or(default), by, out)
            }
            Control::Deactivate { name, by } => self.deactivate(now, name, by, out),
            Control::Reconfigure { items, done } => {
                if let super::control::Reconfig::Taps {
                    reconcile_secs,
                    taps,
                } = items
                {
                    done.done(self.reconfigure(now, *reconcile_secs, taps, out));
                }
            }
            Control::CreateTap { spec, duration, by } => {
                let same = self.taps.get(&spec.name).map(|t| {
                    t.source == spec.source
                        && t.monitor == spec.monitor
                        && t.direction == spec.direction
                        && t.filter == spec.filter
                });
                match same {
                    Some(true) => {}
                    Some(false) => {
                        self.deactivate(now, &spec.name, "replaced", out);
                        self.taps.remove(&spec.name);
                        self.insert(spec.clone(), Origin::Runtime, Duration::ZERO);
                    }
                    None => {
                        info!(tap = spec.name, by, source = %spec.source, monitor = %spec.monitor, "tap created");
                        self.insert(spec.clone(), Origin::Runtime, Duration::ZERO);
                    }
                }
                self.activate(now, &spec.name, *duration, by, out);
            }
        }
    }

    fn publish(&self) {
        let now = Instant::now();
        let list = self
            .taps
            .values()
            .map(|t| TapInfo {
                name: t.name.clone(),
                id: t.id,
                source: t.source.to_string(),
                monitor: t.monitor.to_string(),
                direction: t.direction,
                filter: proto::ofctl::format_match(&t.filter),
                origin: t.origin,
                active: t.active,
                expires_in_secs: t.until.map(|u| u.saturating_duration_since(now).as_secs()),
                deactivated: self.deactivated_note(t),
                vlan: t
                    .installed
                    .values()
                    .flat_map(|s| s.rules.iter())
                    .find_map(|r| match r {
                        TapRule::Transit { vlan, .. } | TapRule::Deliver { vlan, .. } => {
                            Some(*vlan)
                        }
                        _ => None,
                    }),
                state: t.state.clone(),
                switches: t.installed.keys().map(|d| d.to_string()).collect(),
                confirmed_at_us: t.confirmed_at.and_then(|c| {
                    c.duration_since(UNIX_EPOCH)
                        .ok()
                        .map(|d| d.as_micros() as u64)
                }),
            })
            .collect();
        *self.table.0.write().unwrap_or_else(PoisonError::into_inner) = list;
    }

    fn arm_reconcile(&mut self, out: &mut Outbox) {
        if !self.reconcile_armed {
            self.reconcile_armed = true;
            out.timer(Duration::from_secs(self.settings.reconcile_secs), RECONCILE);
        }
    }

    fn expire(&mut self, now: Instant, id: TapId, on_switch: bool, out: &mut Outbox) {
        let Some(name) = self.by_id(id) else { return };
        let Some(until) = self.taps.get(&name).and_then(|t| t.until) else {
            return;
        };
        // A FLOW_REMOVED may arrive a moment before our timer; an old one after a re-arm
        // must not end the new activation.
        let slack = if on_switch {
            Duration::from_secs(1)
        } else {
            Duration::ZERO
        };
        if until <= now + slack {
            self.deactivate(now, &name, "expired", out);
        } else if !on_switch {
            out.timer(until.saturating_duration_since(now), id);
        }
    }
}

fn send_source_if_ready(tap: &mut Tap, out: &mut Outbox) {
    if !tap.pending.is_empty() {
        return;
    }
    if let Some((d, part)) = tap.waiting_source.take() {
        tap.pending.insert(d);
        tap.installed.insert(d, part.clone());
        out.tap(
            d,
            tap.id,
            TapUpdate::Set {
                tap: part,
                rearm: false,
            },
        );
    }
}

impl Module for TapModule {
    fn name(&self) -> &'static str {
        "tap"
    }

    fn wants_packet_ins(&self) -> bool {
        false
    }

    fn handle(&mut self, now: Instant, ev: &Event, out: &mut Outbox) {
        match ev {
            Event::SwitchUp { info, .. } => {
                let dpid = info.id.dpid;
                self.ports
                    .insert(dpid, info.ports.keys().copied().collect());
                // A fresh session has a fresh pipeline: nothing of ours is on it.
                for t in self.taps.values_mut() {
                    t.installed.remove(&dpid);
                    t.pending.remove(&dpid);
                }
                self.arm_reconcile(out);
                self.reconcile_all(now, out);
            }
            Event::SwitchDown { switch, .. } => {
                self.ports.remove(&switch.dpid);
                for t in self.taps.values_mut() {
                    t.installed.remove(&switch.dpid);
                    t.pending.remove(&switch.dpid);
                }
                self.reconcile_all(now, out);
            }
            Event::PortStatus(ps) => {
                let ports = self.ports.entry(ps.switch.dpid).or_default();
                if ps.reason == PortReason::Delete {
                    ports.remove(&ps.port.port_no);
                } else {
                    ports.insert(ps.port.port_no);
                }
                self.reconcile_all(now, out);
            }
            Event::Timer(t) if t.id == RECONCILE => {
                self.reconcile_armed = false;
                self.arm_reconcile(out);
                self.reconcile_all(now, out);
            }
            Event::Timer(t) => self.expire(now, t.id, false, out),
            Event::FlowRemoved(fr) if fr.reason == FlowRemovedReason::HardTimeout => {
                if let Some(c) = Cookie::parse(fr.cookie).filter(|c| c.kind == Kind::Tap) {
                    self.expire(now, c.id, true, out);
                }
            }
            Event::BatchResult(r) => {
                let Some(name) = r.batch.and_then(|b| self.by_id(b)) else {
                    return;
                };
                let Some(tap) = self.taps.get_mut(&name) else {
                    return;
                };
                let dpid = r.switch.dpid;
                tap.pending.remove(&dpid);
                match &r.result {
                    Ok(()) => send_source_if_ready(tap, out),
                    Err(e) => {
                        warn!(tap = name, switch = %r.switch, error = %e, "tap flows refused; retrying at the next re-plan");
                        tap.installed.remove(&dpid);
                        tap.state = format!("failed on {}: {e}", r.switch);
                    }
                }
                if tap.active
                    && tap.pending.is_empty()
                    && tap.waiting_source.is_none()
                    && r.result.is_ok()
                {
                    if tap.state != "installed" {
                        info!(tap = name, "tap installed");
                    }
                    // Wall clock on purpose: compared with a client's send time.
                    tap.confirmed_at.get_or_insert_with(SystemTime::now);
                    tap.state = "installed".into();
                }
            }
            Event::Control(c) => self.control(now, c, out),
            _ => return,
        }
        self.publish();
        self.save_state(now);
    }
}

#[cfg(test)]
#[path = "tap_tests.rs"]
mod tests;

#[path = "tap_reload.rs"]
mod reload;

#[path = "tap_persist.rs"]
mod persist;

/// Whole seconds, rounded up: a hard timeout must not end an activation early, and
/// `duration_secs = 4` must read `hard_timeout=4` on the switch.
pub(crate) fn secs_ceil(d: Duration) -> u16 {
    d.as_millis().div_ceil(1000).clamp(1, 0xffff) as u16
}
