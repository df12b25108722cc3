//! Config reload for the `tap` module: the running configured taps against the new
//! `[[tap]]` list, by name ([`crate::modules::control::Reconfig::Taps`]).
//!
//! - removed: deactivated (their flows deleted by their cookie, the forwarding beneath
//!   left as it was) and forgotten;
//! - added: inserted, and installed if static;
//! - changed: same name, same id (so the same cookie and VLAN), new spec; the re-plan
//!   replaces only the switch parts whose rules differ. A change of `static` is a
//!   deactivation first, so no flow keeps a hard timeout it should not have;
//! - unchanged: nothing sent (a static tap deactivated at runtime stays off).
//!
//! Runtime taps (trigger, REST) are not in the config and survive, unless a new `[[tap]]`
//! takes their name: the configured one replaces it.

use std::collections::BTreeMap;
use std::time::Instant;

use tracing::info;

use super::{Origin, TapModule};
use crate::modules::control::Applied;
use crate::modules::tap_config::ConfiguredTap;
use crate::outbox::Outbox;

fn origin(c: &ConfiguredTap) -> Origin {
    if c.is_static {
        Origin::Static
    } else {
        Origin::Activatable
    }
}

impl TapModule {
    /// Apply a reloaded `[[tap]]` list; see the module docs.
    pub(super) fn reconfigure(
        &mut self,
        now: Instant,
        reconcile_secs: u64,
        wanted: &[ConfiguredTap],
        out: &mut Outbox,
    ) -> Applied {
        let mut applied = Applied::default();
        if reconcile_secs > 0 {
            self.settings.reconcile_secs = reconcile_secs;
        }
        let wanted: BTreeMap<&str, &ConfiguredTap> =
            wanted.iter().map(|c| (c.spec.name.as_str(), c)).collect();
        let gone: Vec<String> = self
            .taps
            .values()
            .filter(|t| t.origin != Origin::Runtime && !wanted.contains_key(t.name.as_str()))
            .map(|t| t.name.clone())
            .collect();
        for name in gone {
            self.deactivate(now, &name, "removed from the config", out);
            self.taps.remove(&name);
            info!(tap = name, "tap removed by config reload");
            applied.removed.push(name);
        }
        for (name, c) in wanted {
            let existing = self.taps.get(name).map(|t| {
                let same_spec = t.source == c.spec.source
                    && t.monitor == c.spec.monitor
                    && t.direction == c.spec.direction
                    && t.filter == c.spec.filter;
                (t.origin, same_spec, t.default_duration == c.duration)
            });
            match existing {
                None | Some((Origin::Runtime, _, _)) => {
                    if existing.is_some() {
                        // A configured tap takes the name of a runtime one.
                        self.deactivate(now, name, "replaced by a configured tap", out);
                        self.taps.remove(name);
                    }
                    self.insert(c.spec.clone(), origin(c), c.duration);
                    info!(tap = name, "tap added by config reload");
                    self.reconcile(name, now, out);
                    applied.added.push(name.to_string());
                }
                Some((o, true, true)) if o == origin(c) => {
                    applied.unchanged.push(name.to_string());
                }
                Some((o, same_spec, _)) => {
                    let new_origin = origin(c);
                    if o != new_origin {
                        self.deactivate(now, name, "static changed in the config", out);
                    }
                    let mut back = false;
                    if let Some(t) = self.taps.get_mut(name) {
                        t.source = c.spec.source;
                        t.monitor = c.spec.monitor;
                        t.direction = c.spec.direction;
                        t.filter = c.spec.filter.clone();
                        t.default_duration = c.duration;
                        t.origin = new_origin;
                        if new_origin == Origin::Static {
                            // Also a static tap deactivated at runtime: its definition
                            // changed, so the config speaks again.
                            back = !t.active;
                            t.active = true;
                            t.until = None;
                            t.off_by = None;
                        }
                    }
                    info!(tap = name, "tap changed by config reload");
                    if o != new_origin || !same_spec || back {
                        self.reconcile(name, now, out);
                    }
                    applied.changed.push(name.to_string());
                }
            }
        }
        applied
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::{Arc, RwLock};

    use proto::DatapathId;

    use super::*;
    use crate::config::Config;
    use crate::event::{BatchResult, Event, SwitchId, SwitchInfo};
    use crate::module::Module;
    use crate::modules::control::{Ack, Control, Reconfig};
    use crate::modules::tap_config::configured_taps;
    use crate::pipeline::TapUpdate;
    use crate::switch::Version;
    use crate::topology::Topology;

    const BASE: &str = r#"
        [[tap]]
        name = "a"
        source = "1:1"
        monitor = "1:9"
        [[tap]]
        name = "b"
        source = "1:2"
        monitor = "1:9"
        [[tap]]
        name = "c"
        source = "1:3"
        monitor = "1:9"
        static = false
    "#;

    fn config(text: &str) -> Config {
        Config::parse(text, "t.toml".as_ref()).unwrap()
    }

    fn module(text: &str) -> TapModule {
        let c = config(text);
        let cfg = crate::topology::TopologyConfig {
            enabled: false,
            ..Default::default()
        };
        let mut t = Topology::new(&cfg, &Default::default()).unwrap();
        let ports: Vec<crate::topology::SwitchPort> = (1..=9)
            .map(|number| crate::topology::SwitchPort {
                number,
                name: format!("s1-eth{number}"),
                hw_addr: proto::MacAddr([0, 0, 0, 0, 1, number as u8]),
                live: true,
            })
            .collect();
        t.switch_up(Instant::now(), DatapathId(1), &ports);
        let topo = Arc::new(RwLock::new(t));
        TapModule::new(&c.taps, &c.tap, &c.directory(), Box::new(topo))
    }

    fn up(m: &mut TapModule, now: Instant) {
        let ports = (1..=9u32)
            .map(|p| {
                let d = crate::event::PortDesc {
                    port_no: p,
                    hw_addr: proto::MacAddr([0; 6]),
                    name: format!("s1-eth{p}"),
                    admin_down: false,
                    link_down: false,
                };
                (p, d)
            })
            .collect();
        let mut out = Outbox::new();
        m.handle(
            now,
            &Event::SwitchUp {
                info: Arc::new(SwitchInfo {
                    id: SwitchId {
                        dpid: DatapathId(1),
                        name: None,
                    },
                    version: Version::Of13,
                    n_buffers: 0,
                    n_tables: 2,
                    ports,
                }),
                replaced: false,
            },
            &mut out,
        );
        confirm(m, now, &out);
    }

    /// Every tap update is confirmed by the switch.
    fn confirm(m: &mut TapModule, now: Instant, out: &Outbox) {
        for (d, id, _) in out.tap_updates() {
            let mut o = Outbox::new();
            m.handle(
                now,
                &Event::BatchResult(BatchResult {
                    switch: SwitchId {
                        dpid: *d,
                        name: None,
                    },
                    batch: Some(*id),
                    result: Ok(()),
                }),
                &mut o,
            );
            confirm(m, now, &o);
        }
    }

    fn reload(m: &mut TapModule, now: Instant, text: &str) -> (Applied, Outbox) {
        let c = config(text);
        let (done, mut rx) = Ack::new();
        let ev = Event::Control(Arc::new(Control::Reconfigure {
            items: Reconfig::Taps {
                reconcile_secs: c.taps.reconcile_secs,
                taps: configured_taps(&c.tap, &c.directory()),
            },
            done,
        }));
        let mut out = Outbox::new();
        m.handle(now, &ev, &mut out);
        (rx.try_recv().unwrap(), out)
    }

    fn touched(out: &Outbox) -> BTreeSet<u64> {
        out.tap_updates().iter().map(|(_, id, _)| *id).collect()
    }

    fn id(m: &TapModule, name: &str) -> u64 {
        m.taps[name].id
    }

    #[test]
    fn same_config_touches_nothing() {
        let t0 = Instant::now();
        let mut m = module(BASE);
        up(&mut m, t0);
        assert_eq!(m.taps["a"].state, "installed");
        let (a, out) = reload(&mut m, t0, BASE);
        assert_eq!(a.unchanged, vec!["a", "b", "c"]);
        assert!(a.added.is_empty() && a.removed.is_empty() && a.changed.is_empty());
        assert!(out.tap_updates().is_empty(), "{:?}", out.tap_updates());
        assert!(out.flow_mods(DatapathId(1)).is_empty());
    }

    #[test]
    fn changed_tap_is_replaced_alone_removed_one_deleted_added_one_installed() {
        let t0 = Instant::now();
        let mut m = module(BASE);
        up(&mut m, t0);
        let (ida, idb) = (id(&m, "a"), id(&m, "b"));
        // a: new filter; b: gone; d: new.
        let new = BASE
            .replace(
                "source = \"1:1\"",
                "source = \"1:1\"\n        match = \"tcp,tp_dst=80\"",
            )
            .replace(
                "name = \"b\"\n        source = \"1:2\"",
                "name = \"d\"\n        source = \"1:4\"",
            );
        let (a, out) = reload(&mut m, t0, &new);
        assert_eq!(a.changed, vec!["a"]);
        assert_eq!(a.removed, vec!["b"]);
        assert_eq!(a.added, vec!["d"]);
        assert_eq!(a.unchanged, vec!["c"]);
        let idd = id(&m, "d");
        assert_eq!(touched(&out), [ida, idb, idd].into_iter().collect());
        // a keeps its id (cookie); its part is replaced, b's removed.
        assert_eq!(id(&m, "a"), ida);
        for (_, tid, u) in out.tap_updates() {
            match u {
                TapUpdate::Remove(r) => assert_eq!((*tid, *r), (idb, idb)),
                TapUpdate::Set { tap, .. } => {
                    assert!(*tid == ida || *tid == idd);
                    if *tid == ida {
                        let f = format!("{:?}", tap.rules);
                        assert!(f.contains("80"), "{f}");
                    }
                }
            }
        }
        assert!(!m.taps.contains_key("b"));
    }

    #[test]
    fn runtime_taps_survive_a_reload_and_static_flag_changes_apply() {
        let t0 = Instant::now();
        let mut m = module(BASE);
        up(&mut m, t0);
        let spec = crate::modules::control::TapSpec {
            name: "rt".into(),
            source: crate::topology::PortRef::new(DatapathId(1), 5),
            direction: crate::pipeline::Direction::Both,
            filter: Default::default(),
            monitor: crate::topology::PortRef::new(DatapathId(1), 9),
        };
        let mut out = Outbox::new();
        m.handle(
            t0,
            &Event::Control(Arc::new(Control::CreateTap {
                spec,
                duration: None,
                by: "rest".into(),
            })),
            &mut out,
        );
        confirm(&mut m, t0, &out);
        assert!(m.taps["rt"].active);
        // An empty [[tap]] list: every configured tap goes, the runtime one stays.
        let (a, out) = reload(&mut m, t0, "");
        assert_eq!(a.removed, vec!["a", "b", "c"]);
        assert!(m.taps["rt"].active);
        assert!(!touched(&out).contains(&id(&m, "rt")));
        // Back, with c static: installed now.
        let (a, _) = reload(&mut m, t0, &BASE.replace("static = false", "static = true"));
        assert_eq!(a.added, vec!["a", "b", "c"]);
        assert!(m.taps["c"].active);
        let (a, out) = reload(&mut m, t0, BASE);
        assert_eq!(a.changed, vec!["c"]);
        assert!(!m.taps["c"].active);
        let idc = id(&m, "c");
        assert!(out
            .tap_updates()
            .iter()
            .all(|(_, i, u)| *i == idc && matches!(u, TapUpdate::Remove(_))));
        assert!(!out.tap_updates().is_empty());
    }

    #[test]
    fn a_static_tap_deactivated_at_runtime_stays_off_unless_the_reload_changes_it() {
        let t0 = Instant::now();
        let mut m = module(BASE);
        up(&mut m, t0);
        let mut out = Outbox::new();
        let off = Control::Deactivate {
            name: "a".into(),
            by: "rest".into(),
        };
        m.handle(t0, &Event::Control(Arc::new(off)), &mut out);
        assert!(!m.taps["a"].active);
        let (a, out) = reload(&mut m, t0, BASE);
        assert_eq!(a.unchanged, vec!["a", "b", "c"]);
        assert!(!m.taps["a"].active);
        assert!(out.tap_updates().is_empty(), "{:?}", out.tap_updates());
        let new = BASE.replace(
            "source = \"1:1\"",
            "source = \"1:1\"\n        match = \"tcp,tp_dst=80\"",
        );
        let (a, out) = reload(&mut m, t0, &new);
        assert_eq!(a.changed, vec!["a"]);
        assert!(m.taps["a"].active);
        assert_eq!(m.taps["a"].off_by, None);
        let ida = id(&m, "a");
        assert!(out
            .tap_updates()
            .iter()
            .any(|(_, i, u)| *i == ida && matches!(u, TapUpdate::Set { .. })));
    }
}
