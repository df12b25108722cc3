//! [`BaseTable`]: the forwarding flows modules asked for on one switch, as the
//! [`Pipeline`](super::Pipeline) remembers them to re-add them with tap copies, bounded to
//! [`MAX_BASE`] by forgetting the oldest timed ones.
//!
//! Every PACKET_IN that l2_learning answers adds one flow here, so this table sits on the
//! controller's hottest path and, under cbench, holds tens of thousands of flows per
//! switch. The flows themselves sit in a ring in the order of their latest add: new ones
//! are written at its back and the oldest forgotten from its front, both sequential
//! memory. The hash index holds only each flow's position and key hash (16 bytes), small
//! enough to stay in cache: a table of whole flows (136 bytes each) took a cache miss or
//! three for every add and every eviction. Forgetting a flow from the front leaves its
//! index entry behind (a position before the ring's head, which no lookup matches):
//! looking it up to remove it cost two more misses per add. Such entries are swept out in
//! one pass once they are a third of the index.

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
    actions: Actions,
    pub cookie: u64,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    flags: Flags,
    goto_table: Option<u8>,
}

impl BaseFlow {
    fn of(fm: &FlowMod) -> Self {
        BaseFlow {
            actions: Actions::of(&fm.actions),
            cookie: fm.cookie,
            idle_timeout: fm.idle_timeout,
            hard_timeout: fm.hard_timeout,
            flags: fm.flags,
            goto_table: fm.goto_table,
        }
    }

    pub fn actions(&self) -> &[Action] {
        self.actions.as_slice()
    }

    /// The ADD that installs it again.
    pub fn flow_mod(&self, key: &Key) -> FlowMod {
        let mut fm = FlowMod::add(key.match_.clone(), self.actions().to_vec(), key.priority);
        fm.table_id = key.table;
        fm.cookie = self.cookie;
        fm.idle_timeout = self.idle_timeout;
        fm.hard_timeout = self.hard_timeout;
        fm.flags = self.flags;
        fm.goto_table = self.goto_table;
        fm
    }
}

/// A flow's actions: the usual one (l2_learning's output) inline, so that an add does
/// not allocate and an eviction does not free.
#[derive(Debug, Clone)]
enum Actions {
    One(Action),
    Many(Box<[Action]>),
}

impl Actions {
    fn of(actions: &[Action]) -> Self {
        match actions {
            [one] => Actions::One(one.clone()),
            many => Actions::Many(many.into()),
        }
    }

    fn as_slice(&self) -> &[Action] {
        match self {
            Actions::One(one) => std::slice::from_ref(one),
            Actions::Many(many) => many,
        }
    }
}

/// An index entry: a slot's position, with its key's hash (to rehash without reading the
/// ring, and to skip other keys' slots unread).
#[derive(Debug, Clone, Copy)]
struct Entry {
    hash: u64,
    pos: u64,
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
    /// Position (see `head`) of every remembered flow's slot, by key hash; also entries
    /// before `head`, of flows forgotten from the front, until they are swept.
    index: HashTable<Entry>,
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
            .find(hash, |e| {
                e.hash == hash && at(ring, head, e.pos).is_some_and(|s| s.key == *key)
            })
            .map(|e| e.pos)
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
        if let Ok(e) = self.index.find_entry(hash, |e| e.pos == pos) {
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
                self.reindex(hash, old, pos);
            }
            None => {
                self.sweep();
                self.index
                    .insert_unique(hash, Entry { hash, pos }, |e| e.hash);
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
                // Its index entry stays, behind the head, until `sweep`.
                self.live -= 1;
            } else {
                let to = self.tail();
                self.reindex(slot.hash, pos, to);
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

    /// Point the entry of the slot at `from` to `to`.
    fn reindex(&mut self, hash: u64, from: u64, to: u64) {
        if let Ok(mut e) = self.index.find_entry(hash, |e| e.pos == from) {
            e.get_mut().pos = to;
        }
    }

    /// Drop the entries of forgotten flows once they are a third of the index (one pass
    /// over it per half a table of evictions, so a few buckets per add).
    fn sweep(&mut self) {
        if self.index.len() > self.live + self.live / 2 {
            let head = self.head;
            self.index.retain(|e| e.pos >= head);
        }
    }

    /// Rebuild the ring without holes, and the index to match, in the memory they have.
    fn compact(&mut self) {
        let fresh = VecDeque::with_capacity(self.ring.capacity());
        let old = std::mem::replace(&mut self.ring, fresh);
        self.index.clear();
        self.head = 0;
        for (i, slot) in old.into_iter().flatten().enumerate() {
            let (hash, pos) = (slot.hash, i as u64);
            self.index
                .insert_unique(hash, Entry { hash, pos }, |e| e.hash);
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
    fn entries_of_forgotten_flows_are_swept_and_never_match() {
        let mut t = BaseTable::default();
        let n = 4 * MAX_BASE as u32;
        for i in 0..n {
            add(&mut t, i, 30);
            assert!(
                t.index.len() <= MAX_BASE + MAX_BASE / 2 + 1,
                "after {i}: {} entries",
                t.index.len()
            );
        }
        assert_eq!(t.len(), MAX_BASE);
        let first_kept = n - MAX_BASE as u32;
        for i in [0, first_kept - 1] {
            assert_eq!(cookie(&t, i), None, "flow {i} was forgotten");
        }
        for i in [first_kept, n - 1] {
            assert_eq!(cookie(&t, i), Some(u64::from(i)), "flow {i}");
        }
        // A forgotten flow added again is one flow, found, however many stale entries
        // its key has.
        add(&mut t, 0, 30);
        assert_eq!(cookie(&t, 0), Some(0));
        assert!(t.remove(&flow(0, 0).0).is_some());
        assert_eq!(cookie(&t, 0), None);
    }

    #[test]
    fn actions_come_back_as_given() {
        let out = |p| Action::Output {
            port: PortNo::Number(p),
            max_len: 0,
        };
        for actions in [vec![], vec![out(1)], vec![out(1), out(2), Action::PopVlan]] {
            let (key, mut fm) = flow(7, 30);
            fm.actions = actions.clone();
            let mut t = BaseTable::default();
            t.add(key.clone(), &fm);
            let kept = t.get(&key).expect("added");
            assert_eq!(kept.actions(), &actions[..]);
            assert_eq!(kept.flow_mod(&key).actions, actions);
        }
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
