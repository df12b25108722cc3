//! [`BaseTable`]: the forwarding flows modules asked for on one switch, as the
//! [`Pipeline`](super::Pipeline) remembers them to re-add them with tap copies, bounded to
//! [`MAX_BASE`] by forgetting the oldest timed ones.
//!
//! Every PACKET_IN that l2_learning answers adds one flow here, so this table sits on the
//! controller's hottest path and, under cbench, holds tens of thousands of flows per
//! switch. The flows themselves sit in a ring in the order of their latest add: new ones
//! are written at its back and the oldest forgotten from its front, both sequential
//! memory. The hash index holds only each flow's position (8 bytes), small enough to stay
//! in cache: a table of whole flows (136 bytes each) took a cache miss or three for every
//! add and every eviction.

use std::collections::VecDeque;
use std::hash::BuildHasher;

use hashbrown::hash_table::HashTable;
use proto::flow::{Action, Flags, FlowMod};

use super::derive::Key;

/// Forwarding flows remembered per switch before the oldest timed ones are forgotten: a few
/// MB of memory per switch when full (cbench fills it in seconds; at 100,000 sixteen
/// switches held 1 GB). A forgotten flow loses its tap copies until its module re-adds it.
pub const MAX_BASE: usize = 32_768;

/// A forwarding flow as the base table keeps it, next to its [`Key`] (table, priority,
/// match): what re-adding it takes, and no more. Up to [`MAX_BASE`] of these per switch, so
/// every byte counts (a whole `FlowMod` doubled the controller's memory in cbench). A
/// packet's buffer id is not kept: it is spent by the first add.
#[derive(Debug, Clone)]
pub struct BaseFlow {
    pub actions: Box<[Action]>,
    pub cookie: u64,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    flags: Flags,
    goto_table: Option<u8>,
}

impl BaseFlow {
    fn of(fm: &FlowMod) -> Self {
        BaseFlow {
            actions: fm.actions.clone().into_boxed_slice(),
            cookie: fm.cookie,
            idle_timeout: fm.idle_timeout,
            hard_timeout: fm.hard_timeout,
            flags: fm.flags,
            goto_table: fm.goto_table,
        }
    }

    /// The ADD that installs it again.
    pub fn flow_mod(&self, key: &Key) -> FlowMod {
        let mut fm = FlowMod::add(key.match_.clone(), self.actions.to_vec(), key.priority);
        fm.table_id = key.table;
        fm.cookie = self.cookie;
        fm.idle_timeout = self.idle_timeout;
        fm.hard_timeout = self.hard_timeout;
        fm.flags = self.flags;
        fm.goto_table = self.goto_table;
        fm
    }
}

/// One remembered flow, at its place in the age ring.
#[derive(Debug, Clone)]
struct Slot {
    hash: u64,
    key: Key,
    flow: BaseFlow,
}

/// The table: flows in the order of their latest add, and an index by key.
#[derive(Debug, Clone, Default)]
pub struct BaseTable {
    /// Position (see `head`) of every remembered flow's slot, by key hash.
    index: HashTable<u64>,
    /// Oldest add first; `None` where the flow was added again later or deleted.
    ring: VecDeque<Option<Slot>>,
    /// Position of `ring[0]`: positions only grow, so an index entry stays valid while
    /// the ring moves.
    head: u64,
    /// Remembered flows (the ring's `Some` slots).
    live: usize,
    hasher: foldhash::fast::RandomState,
}

impl BaseTable {
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Key, &BaseFlow)> {
        self.ring.iter().flatten().map(|s| (&s.key, &s.flow))
    }

    fn slot(&self, pos: u64) -> Option<&Slot> {
        at(&self.ring, self.head, pos)
    }

    fn take(&mut self, pos: u64) -> Option<Slot> {
        let i = usize::try_from(pos.checked_sub(self.head)?).ok()?;
        self.ring.get_mut(i)?.take()
    }

    /// The position of `key`'s slot.
    fn find(&self, hash: u64, key: &Key) -> Option<u64> {
        let (ring, head) = (&self.ring, self.head);
        self.index
            .find(hash, |&pos| {
                at(ring, head, pos).is_some_and(|s| s.key == *key)
            })
            .copied()
    }

    pub fn get(&self, key: &Key) -> Option<&BaseFlow> {
        let pos = self.find(self.hasher.hash_one(key), key)?;
        self.slot(pos).map(|s| &s.flow)
    }

    pub fn remove(&mut self, key: &Key) -> Option<BaseFlow> {
        let hash = self.hasher.hash_one(key);
        let pos = self.find(hash, key)?;
        self.unindex(hash, pos);
        self.live -= 1;
        self.take(pos).map(|s| s.flow)
    }

    fn unindex(&mut self, hash: u64, pos: u64) {
        if let Ok(e) = self.index.find_entry(hash, |&p| p == pos) {
            e.remove();
        }
    }

    /// The position the next slot pushed gets.
    fn tail(&self) -> u64 {
        self.head + self.ring.len() as u64
    }

    /// Adds (or replaces) the flow `fm` asks for, under `key` (the caller's `Key::of(fm)`),
    /// then forgets the oldest timed flows past [`MAX_BASE`].
    pub fn add(&mut self, key: Key, fm: &FlowMod) {
        let hash = self.hasher.hash_one(&key);
        let pos = self.tail();
        match self.find(hash, &key) {
            // A re-add: the flow moves to the back (the old slot becomes a hole).
            Some(old) => {
                self.take(old);
                if let Ok(mut e) = self.index.find_entry(hash, |&p| p == old) {
                    *e.get_mut() = pos;
                }
            }
            None => {
                let (ring, head) = (&self.ring, self.head);
                self.index
                    .insert_unique(hash, pos, |&p| at(ring, head, p).map_or(0, |s| s.hash));
                self.live += 1;
            }
        }
        self.ring.push_back(Some(Slot {
            hash,
            key,
            flow: BaseFlow::of(fm),
        }));
        self.bound();
    }

    /// Modules are not told when their timed flows expire, so the table only learns of it
    /// from a re-add. Past [`MAX_BASE`] flows the oldest timed ones are forgotten (they
    /// expire on the switch by themselves; a forgotten flow only loses its tap copies until
    /// the module re-adds it). Permanent flows are never forgotten: they go round the ring.
    fn bound(&mut self) {
        let mut budget = self.ring.len();
        while self.live > MAX_BASE && budget > 0 {
            budget -= 1;
            let pos = self.head;
            let Some(front) = self.ring.pop_front() else {
                break;
            };
            self.head += 1;
            let Some(slot) = front else { continue };
            if slot.flow.idle_timeout > 0 || slot.flow.hard_timeout > 0 {
                self.unindex(slot.hash, pos);
                self.live -= 1;
            } else {
                let to = self.tail();
                if let Ok(mut e) = self.index.find_entry(slot.hash, |&p| p == pos) {
                    *e.get_mut() = to;
                }
                self.ring.push_back(Some(slot));
            }
        }
        // Holes are dropped as they reach the front; drop leading ones now, and bound the
        // rest by compacting the ring once they outnumber the flows.
        while matches!(self.ring.front(), Some(None)) {
            self.ring.pop_front();
            self.head += 1;
        }
        if self.ring.len() > 2 * MAX_BASE.max(self.live) {
            self.compact();
        }
    }

    /// Rebuild the ring without holes, and the index to match.
    fn compact(&mut self) {
        let slots: Vec<Slot> = std::mem::take(&mut self.ring)
            .into_iter()
            .flatten()
            .collect();
        self.index.clear();
        self.head = 0;
        for (i, slot) in slots.into_iter().enumerate() {
            let pos = i as u64;
            let ring = &self.ring;
            self.index
                .insert_unique(slot.hash, pos, |&p| at(ring, 0, p).map_or(0, |s| s.hash));
            self.ring.push_back(Some(slot));
        }
    }
}

/// The slot at position `pos` of a ring whose front is at position `head` (`None` for a
/// hole; an index entry always names a slot).
fn at(ring: &VecDeque<Option<Slot>>, head: u64, pos: u64) -> Option<&Slot> {
    ring.get(usize::try_from(pos.checked_sub(head)?).ok()?)?
        .as_ref()
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use proto::flow::{Masked, Match, PortNo};

    use super::*;

    fn flow(i: u32, idle: u16) -> (Key, FlowMod) {
        let m = Match {
            ipv4_dst: Some(Masked::exact(Ipv4Addr::from(i))),
            eth_type: Some(0x0800),
            ..Match::default()
        };
        let out = Action::Output {
            port: PortNo::Number(1),
            max_len: 0,
        };
        let mut fm = FlowMod::add(m, vec![out], 10);
        fm.idle_timeout = idle;
        fm.cookie = u64::from(i);
        (Key::of(&fm), fm)
    }

    fn add(t: &mut BaseTable, i: u32, idle: u16) {
        let (k, fm) = flow(i, idle);
        t.add(k, &fm);
    }

    fn cookie(t: &BaseTable, i: u32) -> Option<u64> {
        t.get(&flow(i, 0).0).map(|f| f.cookie)
    }

    #[test]
    fn permanent_flows_go_round_the_ring_and_stay_found() {
        let mut t = BaseTable::default();
        for i in 0..4 {
            add(&mut t, i, 0);
        }
        for i in 4..(MAX_BASE as u32 + 100) {
            add(&mut t, i, 30);
        }
        assert_eq!(t.len(), MAX_BASE);
        assert_eq!(t.iter().count(), MAX_BASE);
        for i in 0..4 {
            assert_eq!(cookie(&t, i), Some(u64::from(i)), "permanent flow {i}");
        }
        // The oldest timed ones went first.
        assert_eq!(cookie(&t, 4), None);
        assert_eq!(cookie(&t, 103), None);
        assert_eq!(cookie(&t, 104), Some(104));
    }

    #[test]
    fn removals_and_re_adds_leave_holes_that_are_compacted() {
        let mut t = BaseTable::default();
        for i in 0..1000 {
            add(&mut t, i, 30);
        }
        for i in (0..1000).step_by(2) {
            assert!(t.remove(&flow(i, 0).0).is_some());
        }
        assert!(t.remove(&flow(0, 0).0).is_none());
        assert_eq!(t.len(), 500);
        // Re-adding one flow again and again leaves a hole each time, never a second flow.
        for _ in 0..(3 * MAX_BASE) {
            add(&mut t, 1, 30);
        }
        assert_eq!(t.len(), 500);
        assert!(
            t.ring.len() <= 2 * MAX_BASE,
            "holes are bounded: {}",
            t.ring.len()
        );
        for i in 0..1000 {
            let want = (i % 2 == 1).then_some(u64::from(i));
            assert_eq!(cookie(&t, i), want, "flow {i}");
        }
    }
}
