//! `patch`: port pairs that forward to each other, a programmable patch panel.
//!
//! Each `[[patch]]` joins two ports of one switch: `in_port=A actions=output:B` and back.
//! A static patch is installed whenever its switch connects; an activatable one
//! (`static = false`) only while activated ([`Control::Activate`], from a trigger or the
//! REST API), with the activation length as the flows' hard timeout *and* a module timer,
//! so the switch and the controller agree when it ends. Activating an active patch extends
//! it (its flows are re-sent, restarting their hard timeout); nothing is duplicated.
//!
//! ```toml
//! [[patch]]
//! name = "s2-3-4"
//! switch = "s2"
//! ports = [3, 4]
//! static = false        # default true
//! duration_secs = 120   # default activation length
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use proto::flow::{Action, Command, FlowMod, Match, PortNo};
use proto::DatapathId;
use serde::Deserialize;
use toml::Spanned;
use tracing::{info, warn};

use super::control::{Applied, Control, Reconfig};
use super::tap_config::DEFAULT_DURATION_SECS;
use crate::config::{SwitchDirectory, SwitchRef};
use crate::event::{Event, FlowRemovedReason};
use crate::module::Module;
use crate::outbox::{Msg, Outbox};
use crate::pipeline::cookie::{Cookie, Kind};
use crate::state::{PatchSnapshot, PatchStateSink};

/// Priority of patch flows (a forwarding band of their own, above l2_learning's 0x1000).
pub const PRIORITY: u16 = 0x2000;

/// One `[[patch]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchEntry {
    /// Unique among patches.
    pub name: Spanned<String>,
    /// The switch.
    pub switch: Spanned<SwitchRef>,
    /// The two ports.
    pub ports: Spanned<[u32; 2]>,
    /// Installed whenever the switch is up (default), or only while activated.
    #[serde(default = "yes", rename = "static")]
    pub is_static: bool,
    /// Activation length when activated without one.
    #[serde(default)]
    pub duration_secs: Option<Spanned<u64>>,
}

fn yes() -> bool {
    true
}

/// A `[[patch]]` resolved: what the module builds from it. Equal ones make the same flows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchDef {
    /// Name.
    pub name: String,
    /// The switch.
    pub dpid: DatapathId,
    /// The two ports.
    pub ports: [u32; 2],
    /// Installed whenever the switch is up.
    pub is_static: bool,
    /// Activation length when activated without one.
    pub default_duration: Duration,
}

/// Resolve validated `[[patch]]` entries (ones whose switch does not resolve are skipped,
/// `Config::parse` has refused them already).
pub fn patch_defs(entries: &[PatchEntry], dir: &SwitchDirectory) -> Vec<PatchDef> {
    entries
        .iter()
        .filter_map(|e| {
            let dpid = dir.resolve(e.switch.get_ref())?;
            let secs = e
                .duration_secs
                .as_ref()
                .map(|d| *d.get_ref())
                .unwrap_or(DEFAULT_DURATION_SECS);
            Some(PatchDef {
                name: e.name.get_ref().clone(),
                dpid,
                ports: *e.ports.get_ref(),
                is_static: e.is_static,
                default_duration: Duration::from_secs(secs),
            })
        })
        .collect()
}

#[derive(Debug, Clone)]
struct Patch {
    name: String,
    id: u64,
    dpid: DatapathId,
    ports: [u32; 2],
    is_static: bool,
    default_duration: Duration,
    /// Active until (activatable patches); `None` = inactive.
    until: Option<Instant>,
    /// When its flows were last sent with a hard timeout.
    armed: Option<Instant>,
}

impl Patch {
    fn active(&self) -> bool {
        self.is_static || self.until.is_some()
    }

    fn cookie(&self) -> u64 {
        Cookie::new(Kind::Patch, self.id).value()
    }

    fn def(&self) -> PatchDef {
        PatchDef {
            name: self.name.clone(),
            dpid: self.dpid,
            ports: self.ports,
            is_static: self.is_static,
            default_duration: self.default_duration,
        }
    }

    fn flows(&self, hard_timeout: u16) -> Vec<Msg> {
        let [a, b] = self.ports;
        [(a, b), (b, a)]
            .into_iter()
            .map(|(i, o)| {
                let m = Match {
                    in_port: Some(i),
                    ..Match::default()
                };
                let out = Action::Output {
                    port: PortNo::Number(o),
                    max_len: 0,
                };
                let mut fm = FlowMod::add(m, vec![out], PRIORITY);
                fm.cookie = self.cookie();
                fm.hard_timeout = hard_timeout;
                fm.flags.send_flow_rem = hard_timeout > 0;
                Msg::FlowMod(fm)
            })
            .collect()
    }

    fn delete(&self) -> Vec<Msg> {
        self.flows(0)
            .into_iter()
            .map(|m| match m {
                Msg::FlowMod(mut fm) => {
                    fm.command = Command::DeleteStrict;
                    // Exactly this patch's flows (OF1.0 switches ignore the mask).
                    fm.cookie_mask = u64::MAX;
                    fm.actions.clear();
                    Msg::FlowMod(fm)
                }
                other => other,
            })
            .collect()
    }
}

/// The module.
#[derive(Debug)]
pub struct PatchModule {
    patches: BTreeMap<String, Patch>,
    up: BTreeSet<DatapathId>,
    /// Where activations are persisted ([`crate::state`]), and what it was last sent.
    state_sink: Option<Box<dyn PatchStateSink>>,
    saved: Vec<PatchSnapshot>,
}

impl PatchModule {
    /// The patches of the config (`Config::parse` validated them).
    pub fn new(entries: &[PatchEntry], dir: &SwitchDirectory) -> Self {
        let mut m = PatchModule {
            patches: BTreeMap::new(),
            up: BTreeSet::new(),
            state_sink: None,
            saved: Vec::new(),
        };
        for d in patch_defs(entries, dir) {
            m.insert(d);
        }
        m
    }

    fn insert(&mut self, d: PatchDef) -> Patch {
        // Ids are never reused while the controller runs: a late FLOW_REMOVED or timer of
        // a removed patch must not hit a new one.
        let id = self.patches.values().map(|p| p.id).max().unwrap_or(0) + 1;
        let p = Patch {
            name: d.name,
            id,
            dpid: d.dpid,
            ports: d.ports,
            is_static: d.is_static,
            default_duration: d.default_duration,
            until: None,
            armed: None,
        };
        self.patches.insert(p.name.clone(), p.clone());
        p
    }

    /// Apply a reloaded `[[patch]]` list, by name: removed ones' flows are deleted by
    /// cookie (the forwarding beneath takes over again), added static ones installed,
    /// changed ones' flows replaced, unchanged ones left alone (nothing sent).
    fn reconfigure(&mut self, now: Instant, defs: &[PatchDef], out: &mut Outbox) -> Applied {
        let mut applied = Applied::default();
        let wanted: BTreeMap<&str, &PatchDef> = defs.iter().map(|d| (d.name.as_str(), d)).collect();
        let gone: Vec<String> = self
            .patches
            .keys()
            .filter(|n| !wanted.contains_key(n.as_str()))
            .cloned()
            .collect();
        for name in gone {
            if let Some(p) = self.patches.remove(&name) {
                if p.active() && self.up.contains(&p.dpid) {
                    out.confirmed(p.dpid, p.id, p.delete());
                }
                info!(patch = name, "patch removed by config reload");
                applied.removed.push(name);
            }
        }
        for (name, d) in wanted {
            let Some(old) = self.patches.get(name).cloned() else {
                let p = self.insert((*d).clone());
                if p.active() {
                    self.install(now, &p, out);
                }
                info!(patch = name, "patch added by config reload");
                applied.added.push(name.to_string());
                continue;
            };
            if old.def() == *d {
                applied.unchanged.push(name.to_string());
                continue;
            }
            let flows_change =
                old.dpid != d.dpid || old.ports != d.ports || old.is_static != d.is_static;
            let mut new = old.clone();
            new.dpid = d.dpid;
            new.ports = d.ports;
            new.is_static = d.is_static;
            new.default_duration = d.default_duration;
            if new.is_static || old.is_static {
                // Static -> activatable starts inactive; activatable -> static has no end.
                new.until = None;
                new.armed = None;
            }
            self.patches.insert(name.to_string(), new.clone());
            info!(patch = name, "patch changed by config reload");
            applied.changed.push(name.to_string());
            if !flows_change {
                continue;
            }
            let mut msgs: BTreeMap<DatapathId, Vec<Msg>> = BTreeMap::new();
            if old.active() && self.up.contains(&old.dpid) {
                msgs.entry(old.dpid).or_default().extend(old.delete());
            }
            if new.active() && self.up.contains(&new.dpid) {
                let hard = new
                    .until
                    .map(|u| super::tap::secs_ceil(u.saturating_duration_since(now)))
                    .unwrap_or(0);
                msgs.entry(new.dpid).or_default().extend(new.flows(hard));
            }
            // One batch per switch: its deletes go before its adds.
            for (dpid, m) in msgs {
                out.confirmed(dpid, new.id, m);
            }
        }
        applied
    }

    /// Persist activations: `sink` gets the activated patches whenever they change.
    pub fn with_state_sink(mut self, sink: Box<dyn PatchStateSink>) -> Self {
        self.state_sink = Some(sink);
        self
    }

    fn save_state(&mut self, now: Instant) {
        let Some(sink) = self.state_sink.as_mut() else {
            return;
        };
        let snap: Vec<PatchSnapshot> = self
            .patches
            .values()
            .filter(|p| !p.is_static)
            .filter_map(|p| {
                p.until.map(|until| PatchSnapshot {
                    name: p.name.clone(),
                    until,
                })
            })
            .collect();
        if snap != self.saved {
            sink.save_patches(&snap, now);
            self.saved = snap;
        }
    }

    /// Is the named patch active (static, or activated and not expired)?
    pub fn is_active(&self, name: &str) -> bool {
        self.patches.get(name).is_some_and(Patch::active)
    }

    fn install(&self, now: Instant, p: &Patch, out: &mut Outbox) {
        if !self.up.contains(&p.dpid) {
            return;
        }
        let hard = p
            .until
            .map(|u| super::tap::secs_ceil(u.saturating_duration_since(now)))
            .unwrap_or(0);
        out.confirmed(p.dpid, p.id, p.flows(if p.is_static { 0 } else { hard }));
    }

    fn activate(
        &mut self,
        now: Instant,
        name: &str,
        duration: Duration,
        by: &str,
        out: &mut Outbox,
    ) {
        let Some(p) = self.patches.get_mut(name) else {
            warn!(patch = name, by, "activation of an unknown patch");
            return;
        };
        if p.is_static {
            return;
        }
        let until = now + duration;
        let was = p.until;
        p.until = Some(was.map_or(until, |w| w.max(until)));
        // Re-arming every sample would churn flow-mods: once a second is plenty.
        let rearm = p
            .armed
            .is_none_or(|a| now.saturating_duration_since(a) >= Duration::from_secs(1));
        if was.is_none() {
            info!(
                patch = name,
                by,
                secs = duration.as_secs(),
                "patch activated"
            );
        }
        if was.is_none() || rearm {
            p.armed = Some(now);
            let p = p.clone();
            self.install(now, &p, out);
            out.timer(duration, p.id);
        }
    }

    fn deactivate(&mut self, name: &str, why: &str, out: &mut Outbox) {
        let Some(p) = self.patches.get_mut(name) else {
            return;
        };
        if p.is_static || p.until.is_none() {
            return;
        }
        p.until = None;
        p.armed = None;
        info!(patch = name, why, "patch deactivated");
        if self.up.contains(&p.dpid) {
            out.confirmed(p.dpid, p.id, p.delete());
        }
    }

    fn by_id(&self, id: u64) -> Option<String> {
        self.patches
            .values()
            .find(|p| p.id == id)
            .map(|p| p.name.clone())
    }
}

impl Module for PatchModule {
    fn name(&self) -> &'static str {
        "patch"
    }

    fn wants_packet_ins(&self) -> bool {
        false
    }

    fn handle(&mut self, now: Instant, ev: &Event, out: &mut Outbox) {
        match ev {
            Event::SwitchUp { info, .. } => {
                self.up.insert(info.id.dpid);
                let mine: Vec<Patch> = self
                    .patches
                    .values()
                    .filter(|p| p.dpid == info.id.dpid && p.active())
                    .cloned()
                    .collect();
                for p in mine {
                    self.install(now, &p, out);
                }
            }
            Event::SwitchDown { switch, .. } => {
                self.up.remove(&switch.dpid);
            }
            Event::Control(c) => match &**c {
                Control::Activate { name, duration, by } => {
                    let default = self.patches.get(name).map(|p| p.default_duration);
                    let d = duration.or(default).unwrap_or_default();
                    self.activate(now, name, d, by, out)
                }
                Control::Deactivate { name, by } => self.deactivate(name, by, out),
                Control::Reconfigure {
                    items: Reconfig::Patches(defs),
                    done,
                } => done.done(self.reconfigure(now, defs, out)),
                Control::CreateTap { .. } | Control::Reconfigure { .. } => {}
            },
            Event::Timer(t) => {
                let Some(name) = self.by_id(t.id) else { return };
                let until = self.patches.get(&name).and_then(|p| p.until);
                match until {
                    Some(u) if u <= now => self.deactivate(&name, "expired", out),
                    // Extended since: wait for the new end.
                    Some(u) => out.timer(u.saturating_duration_since(now), t.id),
                    None => {}
                }
            }
            Event::FlowRemoved(fr) if fr.reason == FlowRemovedReason::HardTimeout => {
                let Some(c) = Cookie::parse(fr.cookie).filter(|c| c.kind == Kind::Patch) else {
                    return;
                };
                let Some(name) = self.by_id(c.id) else { return };
                let until = self.patches.get(&name).and_then(|p| p.until);
                // The switch expired it: agree, unless it was extended meanwhile.
                if until.is_some_and(|u| u <= now + Duration::from_secs(1)) {
                    self.deactivate(&name, "expired on the switch", out);
                }
            }
            Event::BatchResult(r) => {
                if let Err(e) = &r.result {
                    let name = r.batch.and_then(|b| self.by_id(b)).unwrap_or_default();
                    warn!(switch = %r.switch, patch = name, error = %e, "patch flows not installed");
                }
            }
            _ => {}
        }
        self.save_state(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use crate::event::{SwitchId, SwitchInfo, Timer};
    use crate::switch::Version;

    fn entries() -> Vec<PatchEntry> {
        let c = crate::Config::parse(
            r#"
            [[patch]]
            name = "a"
            switch = 2
            ports = [1, 2]
            [[patch]]
            name = "b"
            switch = 2
            ports = [3, 4]
            static = false
            "#,
            "t".as_ref(),
        )
        .unwrap();
        c.patch
    }

    fn up() -> Event {
        Event::SwitchUp {
            info: Arc::new(SwitchInfo {
                id: SwitchId {
                    dpid: DatapathId(2),
                    name: None,
                },
                version: Version::Of10,
                n_buffers: 0,
                n_tables: 1,
                ports: Default::default(),
            }),
            replaced: false,
        }
    }

    fn activate(secs: u64) -> Event {
        Event::Control(Arc::new(Control::Activate {
            name: "b".into(),
            duration: Some(Duration::from_secs(secs)),
            by: "test".into(),
        }))
    }

    #[test]
    fn static_patches_at_connect_activatable_ones_on_demand_with_timeouts() {
        let mut m = PatchModule::new(&entries(), &SwitchDirectory::default());
        let t0 = Instant::now();
        let mut out = Outbox::new();
        m.handle(t0, &up(), &mut out);
        let fms = out.flow_mods(DatapathId(2));
        assert_eq!(fms.len(), 2);
        assert!(fms
            .iter()
            .all(|f| f.hard_timeout == 0 && f.priority == PRIORITY));
        assert!(!m.is_active("b"));

        let mut out = Outbox::new();
        m.handle(t0, &activate(120), &mut out);
        let fms = out.flow_mods(DatapathId(2));
        assert_eq!(fms.len(), 2);
        assert!(fms
            .iter()
            .all(|f| f.hard_timeout == 120 && f.flags.send_flow_rem));
        assert_eq!(fms[0].match_.in_port, Some(3));
        assert!(m.is_active("b"));

        // Re-armed half a second later: nothing re-sent; two seconds later: re-sent.
        let mut out = Outbox::new();
        m.handle(t0 + Duration::from_millis(500), &activate(120), &mut out);
        assert!(out.flow_mods(DatapathId(2)).is_empty());
        let mut out = Outbox::new();
        let t2 = t0 + Duration::from_secs(2);
        m.handle(t2, &activate(120), &mut out);
        assert_eq!(out.flow_mods(DatapathId(2)).len(), 2);

        // The first timer fires before the extended end: it waits on.
        let id = m.patches["b"].id;
        let mut out = Outbox::new();
        m.handle(
            t0 + Duration::from_secs(120),
            &Event::Timer(Timer { id }),
            &mut out,
        );
        assert!(m.is_active("b"));
        assert!(out.flow_mods(DatapathId(2)).is_empty());
        assert_eq!(out.timers()[0].after, Duration::from_secs(2));
        // Then it ends: deleted, exactly its two flows.
        let mut out = Outbox::new();
        m.handle(
            t2 + Duration::from_secs(120),
            &Event::Timer(Timer { id }),
            &mut out,
        );
        assert!(!m.is_active("b"));
        let fms = out.flow_mods(DatapathId(2));
        assert_eq!(fms.len(), 2);
        assert!(fms.iter().all(|f| f.command == Command::DeleteStrict));
    }

    fn reload(m: &mut PatchModule, now: Instant, text: &str) -> (Applied, Outbox) {
        let c = crate::Config::parse(text, "t".as_ref()).unwrap();
        let (done, mut rx) = crate::modules::control::Ack::new();
        let ev = Event::Control(Arc::new(Control::Reconfigure {
            items: Reconfig::Patches(patch_defs(&c.patch, &c.directory())),
            done,
        }));
        let mut out = Outbox::new();
        m.handle(now, &ev, &mut out);
        (rx.try_recv().unwrap(), out)
    }

    const THREE: &str = r#"
        [[patch]]
        name = "a"
        switch = 2
        ports = [1, 2]
        [[patch]]
        name = "b"
        switch = 2
        ports = [3, 4]
        static = false
        [[patch]]
        name = "c"
        switch = 2
        ports = [5, 6]
    "#;

    #[test]
    fn reload_touches_only_what_changed_by_cookie() {
        let mut m = PatchModule::new(&entries(), &SwitchDirectory::default());
        let t0 = Instant::now();
        let mut out = Outbox::new();
        m.handle(t0, &up(), &mut out);
        m.handle(t0, &activate(60), &mut out);
        let (ida, idb) = (m.patches["a"].id, m.patches["b"].id);

        // The same patches, written differently (an added comment line moves spans).
        let same = "\n# moved\n[[patch]]\nname = \"a\"\nswitch = 2\nports = [1, 2]\n\
                    [[patch]]\nname = \"b\"\nswitch = 2\nports = [3, 4]\nstatic = false\n";
        let (a, out) = reload(&mut m, t0, same);
        assert_eq!(a.unchanged, vec!["a", "b"]);
        assert!(out.flow_mods(DatapathId(2)).is_empty());

        // c added (static: installed), b gets new ports while active (replaced, keeping
        // its remaining time), a unchanged.
        let t1 = t0 + Duration::from_secs(10);
        let (a, out) = reload(&mut m, t1, &THREE.replace("[3, 4]", "[3, 7]"));
        assert_eq!(
            (a.added, a.changed, a.unchanged),
            (
                vec!["c".to_string()],
                vec!["b".to_string()],
                vec!["a".to_string()]
            )
        );
        let fms = out.flow_mods(DatapathId(2));
        let cookie = |id| Cookie::new(Kind::Patch, id).value();
        assert!(fms.iter().all(|f| f.cookie != cookie(ida)), "{fms:?}");
        let b: Vec<_> = fms.iter().filter(|f| f.cookie == cookie(idb)).collect();
        assert_eq!(b.len(), 4, "{fms:?}");
        let deletes: Vec<_> = b
            .iter()
            .filter(|f| f.command == Command::DeleteStrict)
            .collect();
        assert_eq!(deletes.len(), 2);
        assert!(deletes.iter().all(|f| f.cookie_mask == u64::MAX));
        assert!(b
            .iter()
            .filter(|f| f.command == Command::Add)
            .all(|f| f.hard_timeout == 50 && [3, 7].contains(&f.match_.in_port.unwrap())));
        let idc = m.patches["c"].id;
        assert!(idc > idb && idc > ida);
        assert_eq!(
            fms.iter().filter(|f| f.cookie == cookie(idc)).count(),
            2,
            "{fms:?}"
        );

        // a and c removed: exactly their flows deleted, by cookie; b stays.
        let only_b = "[[patch]]\nname = \"b\"\nswitch = 2\nports = [3, 7]\nstatic = false\n";
        let (a, out) = reload(&mut m, t1, only_b);
        assert_eq!(a.removed, vec!["a", "c"]);
        assert_eq!(a.unchanged, vec!["b"]);
        let fms = out.flow_mods(DatapathId(2));
        assert_eq!(fms.len(), 4);
        assert!(fms.iter().all(|f| f.command == Command::DeleteStrict
            && f.cookie_mask == u64::MAX
            && (f.cookie == cookie(ida) || f.cookie == cookie(idc))));
        assert!(m.is_active("b"));

        // b made static: its timed flows replaced by permanent ones.
        let (a, out) = reload(&mut m, t1, &only_b.replace("static = false\n", ""));
        assert_eq!(a.changed, vec!["b"]);
        let adds: Vec<_> = out
            .flow_mods(DatapathId(2))
            .into_iter()
            .filter(|f| f.command == Command::Add)
            .collect();
        assert_eq!(adds.len(), 2);
        assert!(adds.iter().all(|f| f.hard_timeout == 0));
    }

    /// Records what the module persists ([`crate::state`]).
    #[derive(Debug, Clone, Default)]
    struct Saved(Arc<std::sync::Mutex<Vec<Vec<PatchSnapshot>>>>);

    impl PatchStateSink for Saved {
        fn save_patches(&mut self, patches: &[PatchSnapshot], _now: Instant) {
            self.0.lock().unwrap().push(patches.to_vec());
        }
    }

    #[test]
    fn activations_are_persisted_when_they_change() {
        let saved = Saved::default();
        let mut m = PatchModule::new(&entries(), &SwitchDirectory::default())
            .with_state_sink(Box::new(saved.clone()));
        let t0 = Instant::now();
        let mut out = Outbox::new();
        m.handle(t0, &up(), &mut out);
        assert!(
            saved.0.lock().unwrap().is_empty(),
            "static patches are not stored"
        );
        m.handle(t0, &activate(120), &mut out);
        m.handle(t0, &activate(120), &mut out);
        let until = t0 + Duration::from_secs(120);
        let b = |until| PatchSnapshot {
            name: "b".into(),
            until,
        };
        assert_eq!(*saved.0.lock().unwrap(), vec![vec![b(until)]]);
        let id = m.patches["b"].id;
        m.handle(until, &Event::Timer(Timer { id }), &mut out);
        assert_eq!(saved.0.lock().unwrap().last(), Some(&Vec::new()));
    }
}
