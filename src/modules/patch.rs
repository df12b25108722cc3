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

use super::control::Control;
use super::tap_config::DEFAULT_DURATION_SECS;
use crate::config::{SwitchDirectory, SwitchRef};
use crate::event::{Event, FlowRemovedReason};
use crate::module::Module;
use crate::outbox::{Msg, Outbox};
use crate::pipeline::cookie::{Cookie, Kind};

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
}

impl PatchModule {
    /// The patches of the config (`Config::parse` validated them).
    pub fn new(entries: &[PatchEntry], dir: &SwitchDirectory) -> Self {
        let mut patches = BTreeMap::new();
        for (i, e) in entries.iter().enumerate() {
            let Some(dpid) = dir.resolve(e.switch.get_ref()) else {
                continue;
            };
            let secs = e
                .duration_secs
                .as_ref()
                .map(|d| *d.get_ref())
                .unwrap_or(DEFAULT_DURATION_SECS);
            let p = Patch {
                name: e.name.get_ref().clone(),
                id: i as u64 + 1,
                dpid,
                ports: *e.ports.get_ref(),
                is_static: e.is_static,
                default_duration: Duration::from_secs(secs),
                until: None,
                armed: None,
            };
            patches.insert(p.name.clone(), p);
        }
        PatchModule {
            patches,
            up: BTreeSet::new(),
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
                Control::CreateTap { .. } => {}
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
}
