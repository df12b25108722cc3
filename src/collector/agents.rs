//! Per-agent accounting: datagrams, samples, lost datagrams (sequence gaps), parse errors.
//!
//! Sequence numbers are per (agent, sub-agent) (OVS: one sub-agent per bridge). A forward
//! jump of `d` counts `d - 1` lost datagrams; `u32` wrap-around is a forward jump of 1. A jump
//! back is an agent restart when the uptime went back too (or the sequence restarted near
//! 1); otherwise it is a late (reordered) datagram, which un-counts one loss. A forward jump
//! larger than [`MAX_GAP`] is not believed to be loss (a restart we could not see, or a
//! spoofed datagram): it is counted as a resync.

use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

use super::sample::DatagramMeta;
use super::table::FastMap;

/// Larger forward jumps are resyncs, not loss.
pub const MAX_GAP: u32 = 100_000;
/// Agents tracked at most; datagrams from more are counted in [`Agents::overflow`].
pub const MAX_AGENTS: usize = 4096;
/// Sub-agents tracked per agent at most.
const MAX_SUB_AGENTS: usize = 1024;
/// A datagram at most this far behind the latest is late, not a restart.
const MAX_REORDER: u32 = 64;
/// A sequence that restarts at or below this is a restart even if the uptime looks odd.
const RESTART_SEQ: u32 = 16;

/// Counters for one agent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AgentStats {
    /// Datagrams received.
    #[serde(rename = "sFlowDatagramsReceived")]
    pub datagrams: u64,
    /// Bytes received.
    #[serde(rename = "sFlowBytesReceived")]
    pub bytes: u64,
    /// Datagrams lost, from sequence gaps.
    #[serde(rename = "sFlowDatagramsLost")]
    pub lost: u64,
    /// Datagrams seen twice (same sequence number).
    #[serde(rename = "sFlowDatagramsDuplicate")]
    pub duplicates: u64,
    /// Datagrams that arrived late (sequence went back a little).
    #[serde(rename = "sFlowDatagramsOutOfOrder")]
    pub out_of_order: u64,
    /// Agent restarts seen (sequence and uptime went back).
    #[serde(rename = "sFlowAgentRestarts")]
    pub restarts: u64,
    /// Jumps too large to be loss.
    #[serde(rename = "sFlowSequenceResyncs")]
    pub resyncs: u64,
    /// Flow samples.
    #[serde(rename = "sFlowFlowSamples")]
    pub flow_samples: u64,
    /// Counter samples.
    #[serde(rename = "sFlowCounterSamples")]
    pub counter_samples: u64,
    /// Datagrams from this address that did not decode.
    #[serde(rename = "sFlowParseErrors")]
    pub parse_errors: u64,
    /// Latest uptime the agent reported, ms.
    pub uptime: u32,
    /// First datagram, epoch ms.
    #[serde(skip)]
    pub first_seen: u64,
    /// Latest datagram, epoch ms.
    #[serde(skip)]
    pub last_seen: u64,
}

#[derive(Debug, Clone, Copy)]
struct SeqState {
    seq: u32,
    uptime: u32,
}

#[derive(Debug, Default)]
struct Agent {
    stats: AgentStats,
    seqs: FastMap<u32, SeqState>,
}

/// One agent in sFlow-RT's `/agents/json` shape (an object keyed by agent address):
/// the counters plus `firstSeen`/`lastSeen` as milliseconds ago.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentReport {
    /// The counters.
    #[serde(flatten)]
    pub stats: AgentStats,
    /// ms since the first datagram.
    #[serde(rename = "firstSeen")]
    pub first_seen: u64,
    /// ms since the latest datagram.
    #[serde(rename = "lastSeen")]
    pub last_seen: u64,
}

/// All agents.
#[derive(Debug, Default)]
pub struct Agents {
    map: FastMap<IpAddr, Agent>,
    /// Datagrams and parse errors from agents beyond [`MAX_AGENTS`].
    pub overflow: u64,
}

/// What one datagram's sequence number meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqOutcome {
    /// First datagram from this (agent, sub-agent).
    First,
    /// The next one, after `lost` missing datagrams.
    Next {
        /// Missing datagrams before this one.
        lost: u32,
    },
    /// Seen before.
    Duplicate,
    /// Late.
    OutOfOrder,
    /// The agent restarted.
    Restart,
    /// A jump too large to be believed.
    Resync,
}

impl Agents {
    fn agent(&mut self, now: u64, addr: IpAddr) -> Option<&mut Agent> {
        if !self.map.contains_key(&addr) && self.map.len() >= MAX_AGENTS {
            self.overflow += 1;
            return None;
        }
        let a = self.map.entry(addr).or_insert_with(|| Agent {
            stats: AgentStats {
                first_seen: now,
                ..AgentStats::default()
            },
            seqs: FastMap::default(),
        });
        a.stats.last_seen = now;
        Some(a)
    }

    /// Accounts one decoded datagram.
    pub fn handle_datagram(&mut self, now: u64, m: &DatagramMeta) -> Option<SeqOutcome> {
        let a = self.agent(now, m.agent)?;
        let s = &mut a.stats;
        s.datagrams += 1;
        s.bytes += m.bytes as u64;
        s.flow_samples += u64::from(m.flow_samples);
        s.counter_samples += u64::from(m.counter_samples);
        s.uptime = m.uptime_ms;
        let new = SeqState {
            seq: m.sequence,
            uptime: m.uptime_ms,
        };
        let outcome = match a.seqs.get(&m.sub_agent).copied() {
            None => SeqOutcome::First,
            Some(last) => classify(last, new),
        };
        match outcome {
            SeqOutcome::Next { lost } => s.lost += u64::from(lost),
            SeqOutcome::Duplicate => s.duplicates += 1,
            SeqOutcome::OutOfOrder => {
                s.out_of_order += 1;
                // It was counted lost when the gap opened.
                s.lost = s.lost.saturating_sub(1);
            }
            SeqOutcome::Restart => s.restarts += 1,
            SeqOutcome::Resync => s.resyncs += 1,
            SeqOutcome::First => {}
        }
        let keep = !matches!(outcome, SeqOutcome::Duplicate | SeqOutcome::OutOfOrder);
        if keep && (a.seqs.len() < MAX_SUB_AGENTS || a.seqs.contains_key(&m.sub_agent)) {
            a.seqs.insert(m.sub_agent, new);
        }
        Some(outcome)
    }

    /// Counts a datagram from `source` that did not decode.
    pub fn handle_parse_error(&mut self, now: u64, source: IpAddr) {
        if let Some(a) = self.agent(now, source) {
            a.stats.parse_errors += 1;
        }
    }

    /// One agent's counters.
    pub fn get(&self, agent: IpAddr) -> Option<&AgentStats> {
        self.map.get(&agent).map(|a| &a.stats)
    }

    /// Every agent.
    pub fn iter(&self) -> impl Iterator<Item = (&IpAddr, &AgentStats)> {
        self.map.iter().map(|(k, a)| (k, &a.stats))
    }

    /// sFlow-RT's `/agents/json`: every agent by address.
    pub fn report(&self, now: u64) -> std::collections::BTreeMap<String, AgentReport> {
        self.map
            .iter()
            .map(|(addr, a)| {
                let r = AgentReport {
                    stats: a.stats.clone(),
                    first_seen: now.saturating_sub(a.stats.first_seen),
                    last_seen: now.saturating_sub(a.stats.last_seen),
                };
                (addr.to_string(), r)
            })
            .collect()
    }

    /// Number of agents tracked.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when no agent has been seen.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// The per-agent counters as of the engine thread's latest publication, for readers that
/// must not wait for the engine (the `/metrics` scrape, `/api/sflow/agents`): a stalled or
/// busy engine would otherwise hold a tokio worker thread for as long as it holds its lock.
///
/// The engine thread builds a new list under the engine lock, releases it, then swaps the
/// list in; a reader only clones the `Arc`. The mutex guards nothing but that pointer
/// swap, so neither side ever waits for the engine or for the other's work.
#[derive(Debug, Clone, Default)]
pub struct AgentSnapshot(Arc<Mutex<Arc<AgentList>>>);

/// Every agent's counters, by address.
pub type AgentList = Vec<(IpAddr, AgentStats)>;

impl AgentSnapshot {
    /// Copy `agents`' counters (call with the engine locked, then [`Self::publish`] after
    /// releasing it).
    pub fn take(agents: &Agents) -> AgentList {
        agents.iter().map(|(a, s)| (*a, s.clone())).collect()
    }

    /// Make `list` the current counters.
    pub fn publish(&self, list: AgentList) {
        let list = Arc::new(list);
        // The old list is dropped after the guard, outside the critical section.
        let _old = std::mem::replace(
            &mut *self.0.lock().unwrap_or_else(PoisonError::into_inner),
            list,
        );
    }

    /// The counters as last published.
    pub fn get(&self) -> Arc<AgentList> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

fn classify(last: SeqState, new: SeqState) -> SeqOutcome {
    let d = new.seq.wrapping_sub(last.seq);
    let uptime_back = new.uptime.wrapping_sub(last.uptime) > u32::MAX / 2;
    if d == 0 {
        return if uptime_back && last.uptime.wrapping_sub(new.uptime) > 1000 {
            SeqOutcome::Restart
        } else {
            SeqOutcome::Duplicate
        };
    }
    if d <= u32::MAX / 2 {
        if uptime_back && new.seq <= RESTART_SEQ {
            return SeqOutcome::Restart;
        }
        if d - 1 > MAX_GAP {
            return SeqOutcome::Resync;
        }
        return SeqOutcome::Next { lost: d - 1 };
    }
    // The sequence went back.
    let back = last.seq.wrapping_sub(new.seq);
    let uptime_reset = uptime_back && last.uptime.wrapping_sub(new.uptime) > 1000;
    if uptime_reset || (new.seq <= RESTART_SEQ && back > MAX_REORDER) {
        SeqOutcome::Restart
    } else if back <= MAX_REORDER {
        SeqOutcome::OutOfOrder
    } else {
        SeqOutcome::Resync
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dg(seq: u32, uptime: u32) -> DatagramMeta {
        DatagramMeta {
            agent: "127.0.0.1".parse().unwrap(),
            sub_agent: 1,
            sequence: seq,
            uptime_ms: uptime,
            flow_samples: 2,
            counter_samples: 1,
            bytes: 100,
        }
    }

    #[test]
    fn gaps_duplicates_reorder() {
        let mut a = Agents::default();
        let agent = "127.0.0.1".parse().unwrap();
        assert_eq!(a.handle_datagram(10, &dg(5, 1000)), Some(SeqOutcome::First));
        assert_eq!(
            a.handle_datagram(11, &dg(6, 1010)),
            Some(SeqOutcome::Next { lost: 0 })
        );
        assert_eq!(
            a.handle_datagram(12, &dg(9, 1020)),
            Some(SeqOutcome::Next { lost: 2 })
        );
        assert_eq!(a.get(agent).unwrap().lost, 2);
        assert_eq!(
            a.handle_datagram(13, &dg(9, 1020)),
            Some(SeqOutcome::Duplicate)
        );
        // 8 arrives late: it was not lost after all
        assert_eq!(
            a.handle_datagram(14, &dg(8, 1019)),
            Some(SeqOutcome::OutOfOrder)
        );
        let s = a.get(agent).unwrap();
        assert_eq!((s.lost, s.duplicates, s.out_of_order), (1, 1, 1));
        assert_eq!(s.datagrams, 5);
        assert_eq!((s.flow_samples, s.counter_samples), (10, 5));
        assert_eq!((s.first_seen, s.last_seen), (10, 14));
        // the next after 9 is 10, not 9 again
        assert_eq!(
            a.handle_datagram(15, &dg(10, 1030)),
            Some(SeqOutcome::Next { lost: 0 })
        );
    }

    #[test]
    fn wrap_restart_resync() {
        let mut a = Agents::default();
        let agent = "127.0.0.1".parse().unwrap();
        a.handle_datagram(1, &dg(u32::MAX - 1, 50_000));
        assert_eq!(
            a.handle_datagram(2, &dg(u32::MAX, 50_010)),
            Some(SeqOutcome::Next { lost: 0 })
        );
        assert_eq!(
            a.handle_datagram(3, &dg(1, 50_020)),
            Some(SeqOutcome::Next { lost: 1 })
        );
        // agent restarts: uptime and sequence go back
        assert_eq!(a.handle_datagram(4, &dg(1, 200)), Some(SeqOutcome::Restart));
        assert_eq!(
            a.handle_datagram(5, &dg(2, 210)),
            Some(SeqOutcome::Next { lost: 0 })
        );
        // restart with a sequence that restarted at 1 while uptime was not reported sensibly
        a.handle_datagram(6, &dg(5000, 300));
        assert_eq!(a.handle_datagram(7, &dg(1, 310)), Some(SeqOutcome::Restart));
        // an absurd jump is a resync, not a million lost datagrams
        assert_eq!(
            a.handle_datagram(8, &dg(3_000_000, 320)),
            Some(SeqOutcome::Resync)
        );
        let s = a.get(agent).unwrap();
        assert_eq!((s.lost, s.restarts, s.resyncs), (1 + 4997, 2, 1));
    }

    #[test]
    fn sub_agents_have_their_own_sequences() {
        let mut a = Agents::default();
        let mut d2 = dg(100, 1000);
        d2.sub_agent = 2;
        a.handle_datagram(1, &dg(1, 1000));
        a.handle_datagram(1, &d2);
        a.handle_datagram(2, &dg(2, 1010));
        d2.sequence = 101;
        a.handle_datagram(2, &d2);
        assert_eq!(a.get("127.0.0.1".parse().unwrap()).unwrap().lost, 0);
    }

    #[test]
    fn parse_errors_and_agent_cap() {
        let mut a = Agents::default();
        for i in 0..(MAX_AGENTS as u32 + 10) {
            a.handle_parse_error(1, IpAddr::from(i.to_be_bytes()));
        }
        assert_eq!(a.len(), MAX_AGENTS);
        assert_eq!(a.overflow, 10);
        assert_eq!(a.get(IpAddr::from([0, 0, 0, 3])).unwrap().parse_errors, 1);
    }
}
