//! The desired tap-derived flows of one switch, computed from its forwarding flows and
//! its taps. Pure functions: [`super::Pipeline`] diffs their result against what it
//! installed.

use std::collections::{BTreeMap, HashMap};

use proto::flow::{Action, FlowMod, Match, PortNo, VlanMatch};
use tracing::warn;

use super::cookie::{Cookie, Kind};
use super::matching::intersect;
use super::rules::{priority, CopyTo, SwitchTap, TapId, TapRule};
use crate::switch::Version;

/// Taps overlapping one flow beyond this many are not combined (2^n flows); the extra
/// ones are left out with a warning.
pub const MAX_OVERLAP: usize = 6;

/// Maps keyed by [`Key`]: every forwarding flow goes through one on its way to the switch,
/// so a fast hasher (randomly seeded, as MACs come from the network).
pub type KeyMap<V> = HashMap<Key, V, foldhash::fast::RandomState>;

/// A flow's identity in a table: what an ADD replaces and a DELETE_STRICT removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Table.
    pub table: u8,
    /// Priority.
    pub priority: u16,
    /// Match.
    pub match_: Match,
}

/// Hashes the fields that tell flows apart as five packed words: the derived `Hash` makes
/// some thirty small writes per key, and every forwarding flow is hashed on its way to the
/// switch. Keys that are equal hash equally (each word is a function of the key); keys
/// that differ only in a mask, VLAN or DSCP share a hash and are told apart by `Eq`.
impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // Each optional field: its value, plus a bit above it when present.
        fn opt(v: Option<u64>, bits: u32) -> u64 {
            v.map_or(0, |v| v | 1 << bits)
        }
        fn mac(f: Option<proto::flow::Masked<proto::MacAddr>>) -> u64 {
            let v = f.map(|f| {
                let [a, b, c, d, e, g] = f.value.0;
                u64::from_be_bytes([0, 0, a, b, c, d, e, g])
            });
            opt(v, 48)
        }
        let ip = |f: Option<proto::flow::Masked<std::net::Ipv4Addr>>| {
            opt(f.map(|f| u64::from(u32::from(f.value))), 32)
        };
        let m = &self.match_;
        let words = [
            u64::from(self.table)
                | u64::from(self.priority) << 8
                | opt(m.in_port.map(u64::from), 32) << 24,
            mac(m.eth_src) | opt(m.ip_proto.map(u64::from), 8) << 49,
            mac(m.eth_dst) | opt(m.eth_type.map(u64::from), 16) << 49,
            ip(m.ipv4_src) | opt(m.tp_src.map(u64::from), 16) << 33,
            ip(m.ipv4_dst) | opt(m.tp_dst.map(u64::from), 16) << 33,
        ];
        for w in words {
            state.write_u64(w);
        }
    }
}

impl Key {
    /// The key of a flow-mod.
    pub fn of(fm: &FlowMod) -> Key {
        Key {
            table: fm.table_id,
            priority: fm.priority,
            match_: fm.match_.clone(),
        }
    }
}

/// A flow the pipeline derived from taps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    /// The flow (an ADD).
    pub fm: FlowMod,
    /// The forwarding flow it decorates (OF1.0 splits, OF1.3 egress splits).
    pub parent: Option<Key>,
    /// The taps whose copies it makes.
    pub taps: Vec<TapId>,
}

/// One copy that applies to a flow or packet: the tap, the extra match it needs and the
/// copy actions.
#[derive(Debug, Clone)]
pub(super) struct Item {
    pub tap: TapId,
    pub hard_timeout: u16,
    pub constraint: Match,
    pub copy: CopyTo,
}

/// The table forwarding modules' flows live in.
pub fn forward_table(version: Version) -> u8 {
    match version {
        Version::Of10 => 0,
        Version::Of13 => 1,
    }
}

/// Does `actions` send the packet out of `port` (given the flow's in_port, if fixed)?
pub(super) fn outputs_to(actions: &[Action], in_port: Option<u32>, port: u32) -> bool {
    actions.iter().any(|a| match a {
        Action::Output {
            port: PortNo::Number(p),
            ..
        } => *p == port,
        Action::Output {
            port: PortNo::Flood | PortNo::All,
            ..
        } => in_port.is_some_and(|i| i != port),
        _ => false,
    })
}

/// The ingress and egress copy items that apply to a forwarding flow (or packet-out)
/// with this in_port and these actions. On OF1.3 ingress copies live in table 0, so
/// `with_ingress` is false there for flows (true for packet-outs, which skip tables).
pub(super) fn items_for(
    taps: &BTreeMap<TapId, SwitchTap>,
    in_port: Option<u32>,
    actions: &[Action],
    with_ingress: bool,
) -> Vec<Item> {
    let mut items = Vec::new();
    for tap in taps.values() {
        for rule in &tap.rules {
            let TapRule::Source {
                port,
                direction,
                filter,
                copy,
            } = rule
            else {
                continue;
            };
            if with_ingress && direction.ingress() && in_port.is_none_or(|p| p == *port) {
                let constraint = Match {
                    in_port: Some(*port),
                    ..Match::default()
                };
                if let Some(c) = intersect(&constraint, filter) {
                    items.push(Item {
                        tap: tap.id,
                        hard_timeout: tap.hard_timeout,
                        constraint: c,
                        copy: *copy,
                    });
                }
            }
            if direction.egress() && outputs_to(actions, in_port, *port) {
                items.push(Item {
                    tap: tap.id,
                    hard_timeout: tap.hard_timeout,
                    constraint: filter.clone(),
                    copy: *copy,
                });
            }
        }
    }
    if items.len() > MAX_OVERLAP {
        warn!(
            overlapping = items.len(),
            max = MAX_OVERLAP,
            "too many taps overlap one flow; the extra ones get no copies of it"
        );
        items.truncate(MAX_OVERLAP);
    }
    items
}

/// Copy actions for a set of items: local copies first (untagged), then tagged ones. A
/// copy going back out of the port the packet came in on (egress copies of traffic from
/// the uplink) must say `IN_PORT`: OpenFlow drops an output to the input port.
pub(super) fn copy_actions(items: &[&Item], version: Version, in_port: Option<u32>) -> Vec<Action> {
    let mut copies: Vec<CopyTo> = items.iter().map(|i| i.copy).collect();
    copies.sort_by_key(|c| matches!(c, CopyTo::Tagged { .. }));
    copies.dedup();
    copies
        .into_iter()
        .flat_map(|c| c.actions(version))
        .map(|a| match a {
            Action::Output {
                port: PortNo::Number(p),
                max_len,
            } if Some(p) == in_port => Action::Output {
                port: PortNo::InPort,
                max_len,
            },
            a => a,
        })
        .collect()
}

/// The smallest non-zero timeout (0 = none).
fn min_timeout(ts: impl Iterator<Item = u16>) -> u16 {
    ts.filter(|t| *t > 0).min().unwrap_or(0)
}

fn tap_cookie(items: &[&Item]) -> u64 {
    let id = items.iter().map(|i| i.tap).min().unwrap_or(0);
    Cookie::new(Kind::Tap, id).value()
}

/// Every non-empty subset of `items` whose constraints (and `base`) intersect: the match
/// and the items. A packet matching several items' constraints meets the flow of the
/// largest subset first, since it has the highest priority (`base priority + size`).
pub(super) fn subsets<'a>(base: &Match, items: &'a [Item]) -> Vec<(Match, Vec<&'a Item>)> {
    let mut out = Vec::new();
    let n = items.len().min(MAX_OVERLAP);
    for mask in 1u32..(1 << n) {
        let chosen: Vec<&Item> = (0..n)
            .filter(|i| mask & (1 << i) != 0)
            .filter_map(|i| items.get(i))
            .collect();
        let mut m = Some(base.clone());
        for it in &chosen {
            m = m.and_then(|m| intersect(&m, &it.constraint));
        }
        if let Some(m) = m {
            out.push((m, chosen));
        }
    }
    out
}

/// Insert `d` unless a flow with the same key and a longer life is already there (two taps
/// with identical filters give identical keys; the longer-lived one must survive).
fn put(out: &mut KeyMap<Derived>, d: Derived) {
    let key = Key::of(&d.fm);
    let life = |t: u16| if t == 0 { u32::MAX } else { u32::from(t) };
    match out.get(&key) {
        Some(old) if life(old.fm.hard_timeout) >= life(d.fm.hard_timeout) => {}
        _ => {
            out.insert(key, d);
        }
    }
}

fn flow(match_: Match, actions: Vec<Action>, prio: u16, cookie: u64, hard: u16) -> FlowMod {
    let mut fm = FlowMod::add(match_, actions, prio);
    fm.cookie = cookie;
    fm.hard_timeout = hard;
    // Timed flows report their expiry, so the tap module's state follows the switch's.
    fm.flags.send_flow_rem = hard > 0;
    fm
}

/// The split flows that decorate one forwarding flow.
pub(super) fn decorations(
    version: Version,
    base: &FlowMod,
    taps: &BTreeMap<TapId, SwitchTap>,
) -> Vec<Derived> {
    let with_ingress = version == Version::Of10;
    let items = items_for(taps, base.match_.in_port, &base.actions, with_ingress);
    let mut out = Vec::new();
    for (m, chosen) in subsets(&base.match_, &items) {
        let Some(prio) = u16::try_from(chosen.len())
            .ok()
            .and_then(|n| base.priority.checked_add(n))
        else {
            continue;
        };
        let mut actions = base.actions.clone();
        actions.extend(copy_actions(&chosen, version, m.in_port));
        let hard = min_timeout(
            chosen
                .iter()
                .map(|i| i.hard_timeout)
                .chain([base.hard_timeout]),
        );
        let mut fm = flow(m, actions, prio, tap_cookie(&chosen), hard);
        fm.table_id = base.table_id;
        fm.idle_timeout = base.idle_timeout;
        let mut ids: Vec<TapId> = chosen.iter().map(|i| i.tap).collect();
        ids.sort_unstable();
        ids.dedup();
        out.push(Derived {
            fm,
            parent: Some(Key::of(base)),
            taps: ids,
        });
    }
    out
}

/// Everything the taps want on this switch, given its forwarding flows.
pub fn desired<'a>(
    version: Version,
    base: impl IntoIterator<Item = &'a FlowMod>,
    taps: &BTreeMap<TapId, SwitchTap>,
) -> KeyMap<Derived> {
    let mut out = KeyMap::default();
    let runtime = Cookie::new(Kind::Runtime, 0).value();
    for tap in taps.values() {
        let cookie = Cookie::new(Kind::Tap, tap.id).value();
        let hard = tap.hard_timeout;
        for rule in &tap.rules {
            let (in_port, vlan, actions) = match *rule {
                TapRule::Transit {
                    in_port,
                    vlan,
                    out_port,
                } => (in_port, vlan, vec![output(out_port)]),
                TapRule::Deliver {
                    in_port,
                    vlan,
                    port,
                } => (in_port, vlan, vec![Action::PopVlan, output(port)]),
                TapRule::Source { .. } => continue,
            };
            let m = Match {
                in_port: Some(in_port),
                vlan: Some(VlanMatch::Vid(vlan)),
                ..Match::default()
            };
            let fm = flow(m, actions, priority::TAP_TRANSIT, cookie, hard);
            put(
                &mut out,
                Derived {
                    fm,
                    parent: None,
                    taps: vec![tap.id],
                },
            );
        }
        // The monitor port is output-only: whatever its host sends is dropped.
        for port in tap.rules.iter().filter_map(TapRule::monitor_port) {
            let m = Match {
                in_port: Some(port),
                ..Match::default()
            };
            let fm = flow(m, Vec::new(), priority::TAP_TRANSIT, runtime, 0);
            put(
                &mut out,
                Derived {
                    fm,
                    parent: None,
                    taps: Vec::new(),
                },
            );
        }
    }
    if version == Version::Of13 {
        // Table 0: ingress copies, then on to the forwarding table.
        let mut ports: Vec<u32> = taps
            .values()
            .flat_map(|t| t.rules.iter())
            .filter_map(|r| match r {
                TapRule::Source {
                    port, direction, ..
                } if direction.ingress() => Some(*port),
                _ => None,
            })
            .collect();
        ports.sort_unstable();
        ports.dedup();
        for port in ports {
            let items = items_for(taps, Some(port), &[], true);
            let any = Match::default();
            for (m, chosen) in subsets(&any, &items) {
                let Some(prio) = u16::try_from(chosen.len())
                    .ok()
                    .and_then(|n| priority::TAP_SOURCE.checked_add(n))
                else {
                    continue;
                };
                let hard = min_timeout(chosen.iter().map(|i| i.hard_timeout));
                let actions = copy_actions(&chosen, version, Some(port));
                let mut fm = flow(m, actions, prio, tap_cookie(&chosen), hard);
                fm.goto_table = Some(forward_table(version));
                let mut ids: Vec<TapId> = chosen.iter().map(|i| i.tap).collect();
                ids.sort_unstable();
                ids.dedup();
                put(
                    &mut out,
                    Derived {
                        fm,
                        parent: None,
                        taps: ids,
                    },
                );
            }
        }
    }
    for b in base {
        for d in decorations(version, b, taps) {
            put(&mut out, d);
        }
    }
    out
}

fn output(port: u32) -> Action {
    Action::Output {
        port: PortNo::Number(port),
        max_len: 0,
    }
}
