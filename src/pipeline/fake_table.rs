//! A simulated switch and network for tests (Faucet's `fakeoftable`): apply flow-mods to
//! in-memory tables, then ask where a packet goes.

use std::collections::{BTreeMap, BTreeSet};

use proto::flow::{Action, Command, FlowMod, PacketOut, PortNo};
use proto::DatapathId;

use super::matching::{covers, Packet};
use crate::outbox::Msg;
use crate::switch::Version;
use crate::topology::PortRef;

/// Where a packet left a switch.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dest {
    /// A port, with the VLAN tags it carried (outermost first).
    Port(u32, Vec<u16>),
    /// To the controller.
    Controller,
}

/// One switch's flow tables.
#[derive(Debug, Clone)]
pub struct FakeSwitch {
    pub version: Version,
    pub ports: BTreeSet<u32>,
    /// Flows per table.
    pub tables: BTreeMap<u8, Vec<FlowMod>>,
}

impl FakeSwitch {
    pub fn new(version: Version, ports: impl IntoIterator<Item = u32>) -> Self {
        FakeSwitch {
            version,
            ports: ports.into_iter().collect(),
            tables: BTreeMap::new(),
        }
    }

    pub fn apply(&mut self, msgs: &[Msg]) {
        for m in msgs {
            if let Msg::FlowMod(fm) = m {
                self.flow_mod(fm);
            }
        }
    }

    fn flow_mod(&mut self, fm: &FlowMod) {
        if self.version == Version::Of10 {
            assert_eq!(fm.table_id, 0, "OF1.0 has one table: {fm:?}");
            assert!(fm.goto_table.is_none(), "no goto on OF1.0");
            assert!(
                !fm.actions.iter().any(|a| matches!(a, Action::PushVlan(_))),
                "no push_vlan on OF1.0"
            );
        }
        let one = |t: u8, f: &FlowMod| -> bool {
            let cookie = (f.cookie & fm.cookie_mask) == (fm.cookie & fm.cookie_mask)
                || self.version == Version::Of10;
            let port = match fm.out_port {
                None | Some(PortNo::Any) => true,
                Some(p) => f
                    .actions
                    .iter()
                    .any(|a| matches!(a, Action::Output { port, .. } if *port == p)),
            };
            let table = fm.table_id == t || fm.table_id == 0xff;
            let m = match fm.command {
                Command::DeleteStrict => fm.match_ == f.match_ && fm.priority == f.priority,
                _ => covers(&fm.match_, &f.match_),
            };
            cookie && port && table && m
        };
        match fm.command {
            Command::Add | Command::Modify | Command::ModifyStrict => {
                let t = self.tables.entry(fm.table_id).or_default();
                t.retain(|f| !(f.match_ == fm.match_ && f.priority == fm.priority));
                t.push(fm.clone());
            }
            Command::Delete | Command::DeleteStrict => {
                for (t, flows) in self.tables.iter_mut() {
                    let t = *t;
                    flows.retain(|f| !one(t, f));
                }
            }
        }
    }

    /// Every flow, sorted, for before/after comparisons.
    pub fn dump(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .tables
            .iter()
            .flat_map(|(t, flows)| flows.iter().map(move |f| (t, f)))
            .map(|(t, f)| {
                format!(
                    "table={t},priority={},{} actions={}{} cookie={:#x} hard={} idle={}",
                    f.priority,
                    proto::ofctl::format_match(&f.match_),
                    proto::ofctl::format_actions(&f.actions),
                    f.goto_table
                        .map(|g| format!(",goto:{g}"))
                        .unwrap_or_default(),
                    f.cookie,
                    f.hard_timeout,
                    f.idle_timeout,
                )
            })
            .collect();
        v.sort();
        v
    }

    /// Every flow.
    pub fn flows(&self) -> impl Iterator<Item = &FlowMod> {
        self.tables.values().flatten()
    }

    fn lookup(&self, table: u8, in_port: u32, p: &Packet) -> Option<&FlowMod> {
        let flows = self.tables.get(&table)?;
        let best = flows
            .iter()
            .filter(|f| p.matches(in_port, &f.match_))
            .max_by_key(|f| f.priority)?;
        let ties = flows
            .iter()
            .filter(|f| f.priority == best.priority && p.matches(in_port, &f.match_))
            .count();
        assert_eq!(
            ties, 1,
            "ambiguous overlapping flows at priority {}",
            best.priority
        );
        Some(best)
    }

    fn run(&self, actions: &[Action], in_port: u32, p: &mut Packet, out: &mut Vec<Dest>) {
        for a in actions {
            match a {
                Action::Output { port, .. } => match port {
                    PortNo::Number(n) if *n != in_port => out.push(Dest::Port(*n, p.vlans.clone())),
                    PortNo::Number(_) => {}
                    PortNo::InPort => out.push(Dest::Port(in_port, p.vlans.clone())),
                    PortNo::Flood | PortNo::All => {
                        for n in self.ports.iter().filter(|n| **n != in_port) {
                            out.push(Dest::Port(*n, p.vlans.clone()));
                        }
                    }
                    PortNo::Controller => out.push(Dest::Controller),
                    other => panic!("fake table: output to {other:?}"),
                },
                Action::SetVlanVid(v) => match p.vlans.first_mut() {
                    Some(outer) => *outer = *v,
                    None if self.version == Version::Of10 => p.vlans.push(*v),
                    None => panic!("OF1.3 set_field vlan_vid on an untagged packet"),
                },
                Action::PushVlan(_) => p.vlans.insert(0, 0),
                Action::PopVlan => {
                    if !p.vlans.is_empty() {
                        p.vlans.remove(0);
                    }
                }
                other => panic!("fake table: action {other:?}"),
            }
        }
    }

    /// Where a packet arriving on `in_port` goes.
    pub fn process(&self, in_port: u32, p: &Packet) -> Vec<Dest> {
        let mut p = p.clone();
        let mut out = Vec::new();
        let mut table = 0u8;
        loop {
            let Some(f) = self.lookup(table, in_port, &p) else {
                // OF1.0 table miss: to the controller; OF1.3: dropped.
                if self.version == Version::Of10 {
                    out.push(Dest::Controller);
                }
                break;
            };
            self.run(&f.actions, in_port, &mut p, &mut out);
            match f.goto_table {
                Some(t) => {
                    assert!(t > table, "goto must go forward");
                    table = t;
                }
                None => break,
            }
        }
        out
    }

    /// Where a packet-out goes.
    pub fn packet_out(&self, po: &PacketOut) -> Vec<Dest> {
        let mut p = Packet::parse(&po.data).expect("packet-out frame");
        let in_port = match po.in_port {
            Some(PortNo::Number(n)) => n,
            _ => u32::MAX,
        };
        let mut out = Vec::new();
        self.run(&po.actions, in_port, &mut p, &mut out);
        out
    }
}

/// Switches joined by links; hosts are the ports that are not links.
#[derive(Debug, Clone, Default)]
pub struct FakeNet {
    pub switches: BTreeMap<DatapathId, FakeSwitch>,
    pub links: BTreeMap<PortRef, PortRef>,
}

/// A packet left the network at a host port.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Delivery {
    pub at: PortRef,
    pub vlans: Vec<u16>,
}

impl FakeNet {
    pub fn link(&mut self, a: PortRef, b: PortRef) {
        self.links.insert(a, b);
        self.links.insert(b, a);
    }

    pub fn sw(&mut self, dpid: u64) -> &mut FakeSwitch {
        self.switches.get_mut(&DatapathId(dpid)).expect("switch")
    }

    /// Where a packet a host sends on `from` ends up. Panics on a forwarding loop.
    pub fn send(&self, from: PortRef, p: &Packet) -> Vec<Delivery> {
        let mut queue = vec![(from, p.clone(), 0u32)];
        let mut out = Vec::new();
        while let Some((at, pkt, hops)) = queue.pop() {
            assert!(
                hops < 16,
                "forwarding loop: packet still travelling at {at}"
            );
            let sw = &self.switches[&at.dpid];
            for d in sw.process(at.port, &pkt) {
                let Dest::Port(port, vlans) = d else { continue };
                let here = PortRef::new(at.dpid, port);
                match self.links.get(&here) {
                    Some(peer) => {
                        let mut next = pkt.clone();
                        next.vlans = vlans;
                        queue.push((*peer, next, hops + 1));
                    }
                    None => out.push(Delivery { at: here, vlans }),
                }
            }
        }
        out.sort();
        out
    }
}
