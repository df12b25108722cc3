//! [`BaseTable`]: the forwarding flows modules asked for on one switch, as the
//! [`Pipeline`](super::Pipeline) remembers them to re-add them with tap copies, bounded to
//! [`MAX_BASE`] by forgetting the oldest timed ones.
//!
//! Every PACKET_IN that l2_learning answers adds one flow here, so this table sits on the
//! controller's hottest path and, under cbench, holds tens of thousands of flows per
//! switch. The age order is kept as (sequence number, hash) pairs, 16 bytes each, and an
//! entry is found again by its hash and sequence number: a queue of whole keys (88 bytes
//! each, cloned on every add) cost more memory than the flows themselves.

use std::collections::VecDeque;
use std::hash::BuildHasher;

use hashbrown::hash_table::{Entry, HashTable};
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
    /// The sequence number of its latest add (for [`MAX_BASE`]).
    seq: u64,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    flags: Flags,
    goto_table: Option<u8>,
}

impl BaseFlow {
    fn of(fm: &FlowMod, seq: u64) -> Self {
        BaseFlow {
            actions: fm.actions.clone().into_boxed_slice(),
            cookie: fm.cookie,
            seq,
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

/// The table: flows by key, and their adds in age order.
#[derive(Debug, Clone, Default)]
pub struct BaseTable {
    flows: HashTable<(Key, BaseFlow)>,
    /// (sequence number, key hash) of every add, oldest first, with repeats: an entry whose
    /// flow was re-added or deleted since is stale and skipped when it reaches the front.
    order: VecDeque<(u64, u64)>,
    seq: u64,
    hasher: foldhash::fast::RandomState,
}

impl BaseTable {
    pub fn len(&self) -> usize {
        self.flows.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Key, &BaseFlow)> {
        self.flows.iter().map(|(k, f)| (k, f))
    }

    pub fn get(&self, key: &Key) -> Option<&BaseFlow> {
        let hash = self.hasher.hash_one(key);
        self.flows.find(hash, |(k, _)| k == key).map(|(_, f)| f)
    }

    pub fn remove(&mut self, key: &Key) -> Option<BaseFlow> {
        let hash = self.hasher.hash_one(key);
        let entry = self.flows.find_entry(hash, |(k, _)| k == key).ok()?;
        Some(entry.remove().0 .1)
    }

    /// Adds (or replaces) the flow `fm` asks for, under `key` (the caller's `Key::of(fm)`),
    /// then forgets the oldest timed flows past [`MAX_BASE`].
    pub fn add(&mut self, key: Key, fm: &FlowMod) {
        self.seq += 1;
        let flow = BaseFlow::of(fm, self.seq);
        let hasher = &self.hasher;
        let hash = hasher.hash_one(&key);
        match self
            .flows
            .entry(hash, |(k, _)| *k == key, |(k, _)| hasher.hash_one(k))
        {
            Entry::Occupied(mut o) => o.get_mut().1 = flow,
            Entry::Vacant(v) => {
                v.insert((key, flow));
            }
        }
        self.order.push_back((self.seq, hash));
        self.bound();
    }

    /// Modules are not told when their timed flows expire, so the table only learns of it
    /// from a re-add. Past [`MAX_BASE`] entries the oldest timed ones are forgotten (they
    /// expire on the switch by themselves; a forgotten flow only loses its tap copies until
    /// the module re-adds it). Permanent flows are never forgotten.
    fn bound(&mut self) {
        let mut budget = self.order.len();
        while self.flows.len() > MAX_BASE && budget > 0 {
            budget -= 1;
            let Some((seq, hash)) = self.order.pop_front() else {
                break;
            };
            // Sequence numbers are unique: this finds the add itself, or nothing if the
            // flow was re-added (a later entry stands for it) or deleted since.
            let Ok(entry) = self.flows.find_entry(hash, |(_, f)| f.seq == seq) else {
                continue;
            };
            let f = &entry.get().1;
            if f.idle_timeout > 0 || f.hard_timeout > 0 {
                entry.remove();
            } else {
                self.order.push_back((seq, hash));
            }
        }
        // Stale entries are dropped as they reach the front; bound them too.
        if self.order.len() > 2 * MAX_BASE.max(self.flows.len()) {
            let flows = &self.flows;
            self.order
                .retain(|&(seq, hash)| flows.find(hash, |(_, f)| f.seq == seq).is_some());
        }
    }
}
