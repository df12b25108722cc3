//! [`Pipeline`]: one switch's compositor. It sits between every module and the switch,
//! so forwarding modules and taps never race each other with priorities.

use std::collections::{BTreeMap, BTreeSet};

use proto::flow::{Action, Command, FlowMod, Match, PacketOut, PortNo};

use super::cookie::{Cookie, Kind, KIND_MASK};
use super::derive::{self, copy_actions, forward_table, Derived, Key, KeyMap};
use super::matching::{covers, Packet};
use super::rules::{SwitchTap, TapId, TapRule, TapUpdate};
use crate::outbox::{reorder, Msg};
use crate::switch::Version;

use super::base::BaseTable;
pub use super::base::MAX_BASE;

/// One switch's pipeline: the forwarding flows modules asked for, the active taps, and
/// the tap-derived flows installed. See the [module docs](super).
#[derive(Debug, Clone)]
pub struct Pipeline {
    version: Version,
    /// Ports of the switch (for expanding FLOOD around monitor ports).
    ports: BTreeSet<u32>,
    /// Forwarding flows as the modules asked for them (table set by us).
    base: BaseTable,
    taps: BTreeMap<TapId, SwitchTap>,
    /// Tap-derived flows on the switch.
    installed: KeyMap<Derived>,
}

impl Pipeline {
    /// A pipeline for a switch that just connected, with these ports.
    pub fn new(version: Version, ports: impl IntoIterator<Item = u32>) -> Self {
        Pipeline {
            version,
            ports: ports.into_iter().collect(),
            base: BaseTable::default(),
            taps: BTreeMap::new(),
            installed: KeyMap::default(),
        }
    }

    /// Forwarding flows remembered (for tests).
    pub fn base_len(&self) -> usize {
        self.base.len()
    }

    /// The switch's version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The active taps.
    pub fn taps(&self) -> impl Iterator<Item = &SwitchTap> {
        self.taps.values()
    }

    /// Tap-derived flows currently installed (for tests and the REST API).
    pub fn installed(&self) -> impl Iterator<Item = &FlowMod> {
        self.installed.values().map(|d| &d.fm)
    }

    /// What to send when the switch connects, before any module's flows.
    ///
    /// OF1.3: table 0 belongs to the pipeline, so it is emptied and gets its default
    /// (`goto_table:1`); stale tap flows in table 1 go by cookie mask. OF1.0 cannot select
    /// flows by cookie, so the pipeline starts from an empty table (the modules reinstall
    /// their flows when they see the switch come up).
    pub fn connect(&self) -> Vec<Msg> {
        let mut msgs = Vec::new();
        match self.version {
            Version::Of10 => msgs.push(Msg::FlowMod(FlowMod::delete(Match::default()))),
            Version::Of13 => {
                msgs.push(Msg::FlowMod(FlowMod::delete(Match::default())));
                let mut stale = FlowMod::delete(Match::default());
                stale.table_id = forward_table(self.version);
                stale.cookie = Cookie::kind_bits(Kind::Tap);
                stale.cookie_mask = KIND_MASK;
                msgs.push(Msg::FlowMod(stale));
                let mut default = FlowMod::add(Match::default(), Vec::new(), 0);
                default.goto_table = Some(forward_table(self.version));
                default.cookie = Cookie::new(Kind::Runtime, 0).value();
                msgs.push(Msg::FlowMod(default));
            }
        }
        reorder(msgs)
    }

    /// A port was added (`up`) or deleted.
    pub fn port_changed(&mut self, port: u32, present: bool) {
        if present {
            self.ports.insert(port);
        } else {
            self.ports.remove(&port);
        }
    }

    fn monitor_ports(&self) -> BTreeSet<u32> {
        self.taps
            .values()
            .flat_map(|t| t.rules.iter())
            .filter_map(TapRule::monitor_port)
            .collect()
    }

    /// FLOOD and ALL would reach monitor ports; where the input port is known they become
    /// explicit outputs to every other port. (Where it is not, they stay: a flooding flow
    /// without an in_port cannot be expanded.)
    fn expand_flood(&self, actions: Vec<Action>, in_port: Option<u32>) -> Vec<Action> {
        let Some(in_port) = in_port else {
            return actions;
        };
        let monitors = self.monitor_ports();
        if monitors.is_empty() {
            return actions;
        }
        let mut out = Vec::with_capacity(actions.len());
        for a in actions {
            match a {
                Action::Output {
                    port: PortNo::Flood | PortNo::All,
                    max_len,
                } => {
                    for p in &self.ports {
                        if *p != in_port && !monitors.contains(p) {
                            out.push(Action::Output {
                                port: PortNo::Number(*p),
                                max_len,
                            });
                        }
                    }
                }
                other => out.push(other),
            }
        }
        out
    }

    /// A forwarding module's batch: what to send instead. Flows go to the forwarding
    /// table (1 on OF1.3), carry their tap decorations, and packet-outs carry copies.
    pub fn forwarding(&mut self, mut msgs: Vec<Msg>) -> Vec<Msg> {
        // A learning switch's usual batch, one flow added on a switch with no tap: it only
        // needs its table and flood set, so it is changed in place.
        if let [Msg::FlowMod(fm)] = msgs.as_mut_slice() {
            if self.taps.is_empty()
                && self.installed.is_empty()
                && !matches!(fm.command, Command::Delete | Command::DeleteStrict)
            {
                let key = self.place(fm);
                self.base.add(key, fm);
                return msgs;
            }
        }
        let mut out = Vec::with_capacity(msgs.len());
        for m in msgs {
            match m {
                Msg::FlowMod(fm) => match fm.command {
                    Command::Delete | Command::DeleteStrict => self.base_delete(fm, &mut out),
                    _ => self.base_add(fm, &mut out),
                },
                Msg::PacketOut(po) => out.push(Msg::PacketOut(self.decorate_packet_out(po))),
                Msg::Barrier => out.push(Msg::Barrier),
            }
        }
        reorder(out)
    }

    /// Put `fm` in the forwarding table with floods expanded; returns its key.
    fn place(&self, fm: &mut FlowMod) -> Key {
        fm.table_id = forward_table(self.version);
        fm.actions = self.expand_flood(std::mem::take(&mut fm.actions), fm.match_.in_port);
        Key::of(fm)
    }

    fn base_add(&mut self, mut fm: FlowMod, out: &mut Vec<Msg>) {
        let key = self.place(&mut fm);
        if self.taps.is_empty() && self.installed.is_empty() {
            // No tap on this switch (the usual case): nothing to decorate, no split to replace.
            self.base.add(key, &fm);
            out.push(Msg::FlowMod(fm));
            return;
        }
        self.base.add(key.clone(), &fm);
        out.push(Msg::FlowMod(fm.clone()));
        let new = derive::decorations(self.version, &fm, &self.taps);
        let new_keys: Vec<Key> = new.iter().map(|d| Key::of(&d.fm)).collect();
        let stale: Vec<Key> = self
            .installed
            .iter()
            .filter(|(k, d)| d.parent.as_ref() == Some(&key) && !new_keys.contains(k))
            .map(|(k, _)| k.clone())
            .collect();
        for k in stale {
            self.installed.remove(&k);
            out.push(Msg::FlowMod(delete_strict(&k)));
        }
        // Always re-sent with the forwarding flow: the module re-adds a flow after it
        // expired, and its splits expired with it.
        for d in new {
            out.push(Msg::FlowMod(d.fm.clone()));
            self.installed.insert(Key::of(&d.fm), d);
        }
    }

    /// Does a module's delete remove `fm` from the switch?
    fn deletes(del: &FlowMod, fm: &FlowMod) -> bool {
        Self::deletes_flow(del, &Key::of(fm), fm.cookie, &fm.actions)
    }

    /// [`Self::deletes`] for the flow with this key, cookie and actions.
    fn deletes_flow(del: &FlowMod, key: &Key, cookie: u64, actions: &[Action]) -> bool {
        let table = del.table_id == key.table || del.table_id == 0xff;
        let matched = match del.command {
            Command::DeleteStrict => del.match_ == key.match_ && del.priority == key.priority,
            _ => covers(&del.match_, &key.match_),
        };
        let cookie = (cookie & del.cookie_mask) == (del.cookie & del.cookie_mask);
        let port = match del.out_port {
            None | Some(PortNo::Any) => true,
            Some(PortNo::Number(p)) => derive::outputs_to(actions, None, p),
            Some(_) => false,
        };
        table && matched && cookie && port
    }

    fn base_delete(&mut self, mut del: FlowMod, out: &mut Vec<Msg>) {
        del.table_id = forward_table(self.version);
        if self.version == Version::Of10 {
            // OF1.0 has no cookie mask: the switch ignores it, and so must our model.
            del.cookie_mask = 0;
        }
        let gone: Vec<Key> = self
            .base
            .iter()
            .filter(|(k, f)| Self::deletes_flow(&del, k, f.cookie, f.actions()))
            .map(|(k, _)| k.clone())
            .collect();
        for k in &gone {
            self.base.remove(k);
        }
        out.push(Msg::FlowMod(del.clone()));
        let mut orphans = Vec::new();
        let mut restore = Vec::new();
        for (k, d) in &self.installed {
            if d.parent.as_ref().is_some_and(|p| gone.contains(p)) {
                orphans.push(k.clone());
            } else if Self::deletes(&del, &d.fm) {
                // Caught by a module's broad delete but still wanted (a transit flow on
                // a port l2_learning forgets, a split whose forwarding flow remains).
                restore.push(d.fm.clone());
            }
        }
        for k in orphans {
            self.installed.remove(&k);
            out.push(Msg::FlowMod(delete_strict(&k)));
        }
        out.extend(restore.into_iter().map(Msg::FlowMod));
    }

    fn decorate_packet_out(&self, mut po: PacketOut) -> PacketOut {
        let in_port = match po.in_port {
            Some(PortNo::Number(p)) => Some(p),
            _ => None,
        };
        po.actions = self.expand_flood(std::mem::take(&mut po.actions), in_port);
        if self.taps.is_empty() {
            return po;
        }
        let Some(packet) = Packet::parse(&po.data) else {
            return po;
        };
        // LLDP probes are the topology module's, not traffic anyone taps.
        if packet.eth_type == 0x88cc {
            return po;
        }
        let items = derive::items_for(&self.taps, in_port, &po.actions, true);
        let chosen: Vec<_> = items
            .iter()
            .filter(|i| packet.matches(in_port.unwrap_or(0), &i.constraint))
            .collect();
        po.actions
            .extend(copy_actions(&chosen, self.version, in_port));
        po
    }

    /// Apply a tap change: the flow-mods that make the switch match the new tap set.
    pub fn update(&mut self, update: TapUpdate) -> Vec<Msg> {
        let rearm = match update {
            TapUpdate::Set { tap, rearm } => {
                let id = tap.id;
                self.taps.insert(id, tap);
                rearm.then_some(id)
            }
            TapUpdate::Remove(id) => {
                self.taps.remove(&id);
                None
            }
        };
        self.sync(rearm)
    }

    /// Forget every tap (the tap module takes them back, or the switch reconnected).
    pub fn clear_taps(&mut self) -> Vec<Msg> {
        self.taps.clear();
        self.sync(None)
    }

    fn sync(&mut self, rearm: Option<TapId>) -> Vec<Msg> {
        let flows: Vec<FlowMod> = self.base.iter().map(|(k, f)| f.flow_mod(k)).collect();
        let want = derive::desired(self.version, &flows, &self.taps);
        let mut out = Vec::new();
        let mut restore_parents = Vec::new();
        for (k, d) in &self.installed {
            if !want.contains_key(k) {
                out.push(Msg::FlowMod(delete_strict(k)));
                if let Some(p) = &d.parent {
                    restore_parents.push(p.clone());
                }
            }
        }
        for (k, d) in &want {
            let changed = self.installed.get(k) != Some(d);
            let rearmed = rearm.is_some_and(|id| d.taps.contains(&id));
            if changed || rearmed {
                out.push(Msg::FlowMod(d.fm.clone()));
            }
        }
        // The forwarding flow under a removed split is re-added as the module asked for it:
        // if it had idled out under the split, forwarding is restored without a packet-in.
        for p in restore_parents {
            if let Some(f) = self.base.get(&p) {
                if f.idle_timeout > 0 {
                    out.push(Msg::FlowMod(f.flow_mod(&p)));
                }
            }
        }
        self.installed = want;
        reorder(out)
    }
}

fn delete_strict(k: &Key) -> FlowMod {
    let mut fm = FlowMod::delete(k.match_.clone());
    fm.command = Command::DeleteStrict;
    fm.table_id = k.table;
    fm.priority = k.priority;
    fm
}
