//! What modules send: flow-mods and packet-outs per switch, confirmed batches, timers.
//!
//! A module fills an [`Outbox`] while it handles one event; the runtime then takes the
//! messages per datapath id ([`Outbox::take_batches`]), reordered by [`reorder`] the way
//! Faucet's `valve_flowreorder` does: deletes, then a barrier, then adds and modifies, then
//! packet-outs. The barrier keeps a delete from removing a flow added in the same batch (a
//! switch may otherwise reorder them); packet-outs go last so the packet meets the new flows.
//!
//! Nothing here is version-specific: each switch's session encodes for its own version.

use std::collections::HashSet;
use std::time::Duration;

use proto::flow::{Command, FlowMod, PacketOut};
use proto::DatapathId;

use crate::event::BatchId;
use crate::modules::control::Control;
use crate::pipeline::TapUpdate;

/// One message to a switch, in the neutral model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    /// OFPT_FLOW_MOD
    FlowMod(FlowMod),
    /// OFPT_PACKET_OUT
    PacketOut(PacketOut),
    /// OFPT_BARRIER_REQUEST, inserted by [`reorder`] between deletes and adds.
    Barrier,
}

impl Msg {
    /// The spec's message type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Msg::FlowMod(_) => "OFPT_FLOW_MOD",
            Msg::PacketOut(_) => "OFPT_PACKET_OUT",
            Msg::Barrier => "OFPT_BARRIER_REQUEST",
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Msg::FlowMod(f) if matches!(f.command, Command::Delete | Command::DeleteStrict) => 0,
            Msg::Barrier => 1,
            Msg::FlowMod(_) => 2,
            Msg::PacketOut(_) => 3,
        }
    }
}

/// Messages for one switch, sent in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// `Some(id)`: followed by a barrier, and the module gets a `BatchResult` with this id.
    pub confirm: Option<BatchId>,
    /// The messages, already reordered.
    pub msgs: Vec<Msg>,
}

/// A timer a module asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerRequest {
    /// Fire after this long (from the `now` of the event being handled).
    pub after: Duration,
    /// The id echoed in `Event::Timer`.
    pub id: u64,
}

/// Collects a module's output while it handles one event.
#[derive(Debug, Default)]
pub struct Outbox {
    /// Unconfirmed messages, per switch, in the order queued.
    loose: Vec<(DatapathId, Msg)>,
    /// Confirmed batches, in the order queued.
    confirmed: Vec<(DatapathId, BatchId, Vec<Msg>)>,
    timers: Vec<TimerRequest>,
    /// Tap changes for switches' pipelines, confirmed like batches.
    taps: Vec<(DatapathId, BatchId, TapUpdate)>,
    /// Commands for other modules, by module name.
    controls: Vec<(&'static str, Control)>,
    /// [`Outbox::drain_batches`]'s list, kept for the next event.
    drained: Vec<(DatapathId, Batch)>,
}

impl Outbox {
    /// An empty outbox.
    pub fn new() -> Self {
        Outbox::default()
    }

    /// Queue a flow-mod (not confirmed: an error from the switch arrives as a
    /// `SwitchError` event to every module).
    pub fn flow_mod(&mut self, dpid: DatapathId, fm: FlowMod) {
        self.loose.push((dpid, Msg::FlowMod(fm)));
    }

    /// Queue a packet-out.
    pub fn packet_out(&mut self, dpid: DatapathId, po: PacketOut) {
        self.loose.push((dpid, Msg::PacketOut(po)));
    }

    /// Queue a batch that is confirmed with a barrier: the module later gets exactly one
    /// `BatchResult { batch: Some(id) }`: `Ok` once the barrier reply arrives with no
    /// error, or the errors matched to the messages (by index) that caused them.
    pub fn confirmed(&mut self, dpid: DatapathId, id: BatchId, msgs: Vec<Msg>) {
        self.confirmed.push((dpid, id, msgs));
    }

    /// Ask for `Event::Timer { id }` after `after`. A module re-arms periodic timers itself.
    pub fn timer(&mut self, after: Duration, id: u64) {
        self.timers.push(TimerRequest { after, id });
    }

    /// Queue a tap change for `dpid`'s pipeline ([`crate::pipeline::Pipeline::update`]).
    /// The flow-mods it produces are confirmed with a barrier: the module gets one
    /// `BatchResult { batch: Some(id) }`.
    pub fn tap(&mut self, dpid: DatapathId, id: BatchId, update: TapUpdate) {
        self.taps.push((dpid, id, update));
    }

    /// Queue a command for the module called `target` (`"tap"`, `"patch"`).
    pub fn control(&mut self, target: &'static str, control: Control) {
        self.controls.push((target, control));
    }

    /// Nothing queued.
    pub fn is_empty(&self) -> bool {
        self.loose.is_empty()
            && self.confirmed.is_empty()
            && self.timers.is_empty()
            && self.taps.is_empty()
            && self.controls.is_empty()
    }

    /// Queued tap changes (for tests).
    pub fn tap_updates(&self) -> &[(DatapathId, BatchId, TapUpdate)] {
        &self.taps
    }

    /// Take the queued tap changes.
    pub fn take_taps(&mut self) -> Vec<(DatapathId, BatchId, TapUpdate)> {
        std::mem::take(&mut self.taps)
    }

    /// Queued commands (for tests).
    pub fn controls(&self) -> &[(&'static str, Control)] {
        &self.controls
    }

    /// Take the queued commands.
    pub fn take_controls(&mut self) -> Vec<(&'static str, Control)> {
        std::mem::take(&mut self.controls)
    }

    /// Every queued message for `dpid`, in queue order, unconfirmed then confirmed (for tests).
    pub fn msgs_for(&self, dpid: DatapathId) -> Vec<&Msg> {
        let loose = self
            .loose
            .iter()
            .filter(|(d, _)| *d == dpid)
            .map(|(_, m)| m);
        let conf = self
            .confirmed
            .iter()
            .filter(|(d, _, _)| *d == dpid)
            .flat_map(|(_, _, m)| m.iter());
        loose.chain(conf).collect()
    }

    /// Queued flow-mods for `dpid` (for tests).
    pub fn flow_mods(&self, dpid: DatapathId) -> Vec<&FlowMod> {
        self.msgs_for(dpid)
            .into_iter()
            .filter_map(|m| match m {
                Msg::FlowMod(f) => Some(f),
                _ => None,
            })
            .collect()
    }

    /// Queued packet-outs for `dpid` (for tests).
    pub fn packet_outs(&self, dpid: DatapathId) -> Vec<&PacketOut> {
        self.msgs_for(dpid)
            .into_iter()
            .filter_map(|m| match m {
                Msg::PacketOut(p) => Some(p),
                _ => None,
            })
            .collect()
    }

    /// Queued timers.
    pub fn timers(&self) -> &[TimerRequest] {
        &self.timers
    }

    /// Take everything queued for switches: per switch, one reordered unconfirmed batch
    /// (if any) first, then each confirmed batch, reordered, in queue order.
    pub fn take_batches(&mut self) -> Vec<(DatapathId, Batch)> {
        let mut out = Vec::new();
        self.take_batches_into(&mut out);
        out
    }

    /// [`Outbox::take_batches`] through a list the outbox keeps: an outbox reused for
    /// every packet-in allocates none.
    pub fn drain_batches(&mut self) -> std::vec::Drain<'_, (DatapathId, Batch)> {
        let mut drained = std::mem::take(&mut self.drained);
        self.take_batches_into(&mut drained);
        self.drained = drained;
        self.drained.drain(..)
    }

    fn take_batches_into(&mut self, out: &mut Vec<(DatapathId, Batch)>) {
        // The usual case (a packet-in answered): unconfirmed messages for one switch.
        if let (Some((d, _)), true) = (self.loose.first(), self.confirmed.is_empty()) {
            let d = *d;
            if self.loose.iter().all(|(x, _)| *x == d) {
                // Drained, not taken: an outbox reused for every packet-in keeps its buffer.
                let msgs = self.loose.drain(..).map(|(_, m)| m);
                let batch = Batch {
                    confirm: None,
                    msgs: reorder(msgs.collect()),
                };
                out.push((d, batch));
                return;
            }
        }
        let mut dpids: Vec<DatapathId> = Vec::new();
        for (d, _) in &self.loose {
            if !dpids.contains(d) {
                dpids.push(*d);
            }
        }
        let mut loose = std::mem::take(&mut self.loose);
        for d in dpids {
            let (mine, rest): (Vec<_>, Vec<_>) = loose.into_iter().partition(|(x, _)| *x == d);
            loose = rest;
            let msgs = reorder(mine.into_iter().map(|(_, m)| m).collect());
            out.push((
                d,
                Batch {
                    confirm: None,
                    msgs,
                },
            ));
        }
        for (d, id, msgs) in std::mem::take(&mut self.confirmed) {
            out.push((
                d,
                Batch {
                    confirm: Some(id),
                    msgs: reorder(msgs),
                },
            ));
        }
    }

    /// Take the timer requests.
    pub fn take_timers(&mut self) -> Vec<TimerRequest> {
        std::mem::take(&mut self.timers)
    }
}

/// Faucet's `valve_flowreorder`: drop exact duplicate flow-mods, then order deletes,
/// a barrier (only when deletes are followed by anything), adds/modifies, packet-outs.
/// The sort is stable, so messages of one kind keep the module's order.
pub fn reorder(msgs: Vec<Msg>) -> Vec<Msg> {
    // A learning switch's usual batch: one flow-mod or packet-out, nothing to reorder.
    if let [Msg::FlowMod(_) | Msg::PacketOut(_)] = msgs.as_slice() {
        return msgs;
    }
    // Duplicates are found by reference (no clones); the common single-flow batch of a
    // learning switch skips the set entirely.
    let flow_mods = msgs.iter().filter(|m| matches!(m, Msg::FlowMod(_))).count();
    let keep: Vec<bool> = if flow_mods > 1 {
        let mut seen: HashSet<&FlowMod> = HashSet::with_capacity(flow_mods);
        msgs.iter()
            .map(|m| match m {
                Msg::FlowMod(f) => seen.insert(f),
                Msg::Barrier => false,
                Msg::PacketOut(_) => true,
            })
            .collect()
    } else {
        // Barriers the module queued itself are replaced by ours.
        msgs.iter().map(|m| !matches!(m, Msg::Barrier)).collect()
    };
    let mut kept: Vec<Msg> = Vec::with_capacity(msgs.len() + 1);
    kept.extend(
        msgs.into_iter()
            .zip(keep)
            .filter_map(|(m, k)| k.then_some(m)),
    );
    kept.sort_by_key(Msg::rank);
    let deletes = kept.iter().filter(|m| m.rank() == 0).count();
    if deletes > 0 && deletes < kept.len() {
        kept.insert(deletes, Msg::Barrier);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::flow::{Action, Match, PortNo};

    fn add(p: u16) -> Msg {
        Msg::FlowMod(FlowMod::add(Match::default(), vec![], p))
    }
    fn del(port: u32) -> Msg {
        Msg::FlowMod(FlowMod::delete(Match {
            in_port: Some(port),
            ..Match::default()
        }))
    }
    fn po() -> Msg {
        Msg::PacketOut(PacketOut {
            buffer_id: None,
            in_port: None,
            actions: vec![Action::Output {
                port: PortNo::Flood,
                max_len: 0,
            }],
            data: bytes::Bytes::from_static(b"x"),
        })
    }

    #[test]
    fn deletes_barrier_adds_packet_outs() {
        let got = reorder(vec![po(), add(1), del(1), add(2), del(2), add(1)]);
        assert_eq!(
            got,
            vec![del(1), del(2), Msg::Barrier, add(1), add(2), po()]
        );
    }

    #[test]
    fn no_barrier_without_deletes_or_without_anything_after() {
        assert_eq!(reorder(vec![po(), add(1)]), vec![add(1), po()]);
        assert_eq!(reorder(vec![del(1), Msg::Barrier]), vec![del(1)]);
        assert_eq!(reorder(vec![]), vec![]);
    }

    #[test]
    fn batches_per_switch() {
        let mut o = Outbox::new();
        o.packet_out(
            DatapathId(1),
            match po() {
                Msg::PacketOut(p) => p,
                _ => unreachable!(),
            },
        );
        o.confirmed(DatapathId(2), 7, vec![add(5), del(3)]);
        o.flow_mod(DatapathId(1), FlowMod::add(Match::default(), vec![], 9));
        o.timer(Duration::from_secs(1), 4);
        assert_eq!(o.flow_mods(DatapathId(1)).len(), 1);
        let b = o.take_batches();
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].0, DatapathId(1));
        assert_eq!(b[0].1.confirm, None);
        assert_eq!(b[0].1.msgs, vec![add(9), po()]);
        assert_eq!(b[1].0, DatapathId(2));
        assert_eq!(b[1].1.confirm, Some(7));
        assert_eq!(b[1].1.msgs, vec![del(3), Msg::Barrier, add(5)]);
        assert_eq!(
            o.take_timers(),
            vec![TimerRequest {
                after: Duration::from_secs(1),
                id: 4
            }]
        );
        assert!(o.is_empty());
    }
}
