//! [`Session::send_batch`] and [`Session::send_atomic`]: modules' batches encoded into the
//! transmit buffer, all or nothing, confirmed by a barrier, or wrapped in an OF1.3 bundle
//! (a child of `session` so it reaches the session's state).

use tracing::warn;

use super::super::bundle;
use super::super::handshake::Version;
use super::super::wire::{self, Outgoing};
use super::{Origin, Output, PendingBatch, Sent, Session, State, MAX_BUNDLED, RECENT};
use crate::event::{BatchError, BatchResult, Event};
use crate::outbox::{Batch, Msg};

impl Session {
    /// Send a module's batch. Every message is encoded first: if one cannot be expressed
    /// in this switch's version, nothing is sent and the module gets the `EncodeError`.
    /// A confirmed batch is followed by a barrier; its result goes to `origin` when the
    /// barrier reply arrives.
    pub fn send_batch(&mut self, origin: Origin, batch: Batch) {
        self.send_batch_as(origin, batch, false)
    }

    /// [`Session::send_batch`], all or nothing: on OpenFlow 1.3, a confirmed batch of
    /// several messages goes out as one bundle ([`super::bundle`]), so the switch applies
    /// all of it or, if the connection is lost before the commit, none. (OpenFlow 1.0 has
    /// no bundles: there it is sent as a plain batch.)
    /// Bundles carry flow-mods only: the batch's barriers are dropped (the bundle is
    /// ordered), and a batch with a packet-out is sent plainly.
    pub fn send_atomic(&mut self, origin: Origin, mut batch: Batch) {
        let atomic = self.version == Some(Version::Of13)
            && batch.confirm.is_some()
            && batch.msgs.len() > 1
            && batch.msgs.iter().all(|m| !matches!(m, Msg::PacketOut(_)));
        if atomic {
            batch.msgs.retain(|m| !matches!(m, Msg::Barrier));
        }
        self.send_batch_as(origin, batch, atomic)
    }

    fn send_batch_as(&mut self, origin: Origin, batch: Batch, atomic: bool) {
        let switch = self.switch_id();
        let (Some(version), State::Main) = (self.version, self.state) else {
            if let Some(id) = batch.confirm {
                let ev = Event::BatchResult(BatchResult {
                    switch,
                    batch: Some(id),
                    result: Err(BatchError::NotConnected),
                });
                self.outputs.push_back(Output::ToModule(origin, ev));
            }
            return;
        };
        // The bundle: OPEN first, its own xid; COMMIT after the messages (below).
        let bundle_id = atomic.then(|| {
            self.next_bundle = self.next_bundle.wrapping_add(1);
            let open = self.xid();
            (self.next_bundle, open)
        });
        let first_xid = self.next_xid;
        let xid_at = |index: usize| first_xid.wrapping_add(index as u32).max(1);
        // Encoded straight into the transmit buffer; all or nothing.
        let start = self.transmit.len();
        for (index, msg) in batch.msgs.iter().enumerate() {
            let out = match msg {
                Msg::FlowMod(f) => Outgoing::FlowMod(f),
                Msg::PacketOut(p) => Outgoing::PacketOut(p),
                Msg::Barrier => Outgoing::BarrierRequest,
            };
            if let Err(source) = wire::encode(version, &out, xid_at(index), &mut self.transmit) {
                self.transmit.truncate(start);
                warn!(index, msg_type = msg.type_name(), error = %source, "cannot encode for this switch");
                let ev = Event::BatchResult(BatchResult {
                    switch,
                    batch: batch.confirm,
                    result: Err(BatchError::Encode {
                        index,
                        msg_type: msg.type_name(),
                        source,
                    }),
                });
                self.outputs.push_back(Output::ToModule(origin, ev));
                return;
            }
        }
        let n = batch.msgs.len() as u32;
        // With a bundle, the COMMIT takes the xid after the messages, the barrier the next.
        let extra = u32::from(bundle_id.is_some());
        let barrier = batch.confirm.map(|id| {
            let b = first_xid.wrapping_add(n + extra).max(1);
            (b, id)
        });
        let bundle_id =
            bundle_id.filter(|&(id, open)| self.wrap_in_bundle(start, id, open, first_xid));
        for (index, msg) in batch.msgs.iter().enumerate() {
            let (xid, msg_type) = (xid_at(index), msg.type_name());
            match barrier {
                Some((b, _)) => {
                    self.batch_xids.insert(xid, (b, index, msg_type));
                }
                None => {
                    if self.recent.len() == RECENT {
                        self.recent.pop_front();
                    }
                    self.recent.push_back(Sent { xid, msg_type });
                }
            }
            self.next_xid = xid.wrapping_add(1).max(1);
        }
        if let (Some((id, _)), Some((b, _))) = (bundle_id, barrier) {
            let commit = first_xid.wrapping_add(n).max(1);
            self.transmit
                .extend_from_slice(&bundle::control(commit, id, bundle::COMMIT_REQUEST));
            self.batch_xids
                .insert(commit, (b, n as usize, "ONFT_BUNDLE_CONTROL (commit)"));
        }
        if let Some((b, id)) = barrier {
            self.next_xid = b;
            let xid = self.send(Outgoing::BarrierRequest);
            debug_assert_eq!(xid, b);
            self.pending.insert(
                xid,
                PendingBatch {
                    origin,
                    id,
                    rejected: Vec::new(),
                },
            );
        }
    }

    /// Wrap the messages encoded from `start` of the transmit buffer (xids from
    /// `first_xid` on) in bundle `id`: its OPEN (xid `open`), then each message in a
    /// BUNDLE_ADD. False, leaving them as they are, when one is too large for a bundle.
    fn wrap_in_bundle(&mut self, start: usize, id: u32, open: u32, first_xid: u32) -> bool {
        let raw = self.transmit.split_off(start).freeze();
        let mut msgs = Vec::new();
        let mut at = 0;
        while at < raw.len() {
            let len = first_len(&raw[at..]);
            msgs.push(raw.slice(at..at + len));
            at += len;
        }
        if msgs.iter().any(|m| m.len() > MAX_BUNDLED) {
            warn!("a message too large for a bundle: batch sent without one");
            self.transmit.extend_from_slice(&raw);
            return false;
        }
        self.transmit
            .extend_from_slice(&bundle::control(open, id, bundle::OPEN_REQUEST));
        for (index, msg) in msgs.iter().enumerate() {
            let xid = first_xid.wrapping_add(index as u32).max(1);
            match bundle::add(xid, id, msg) {
                Some(wrapped) => self.transmit.extend_from_slice(&wrapped),
                None => self.transmit.extend_from_slice(msg),
            }
        }
        true
    }
}

/// The length of the first message in `buf`, a run of messages we encoded whole (so its
/// header's length is right); all of `buf` if it were not.
pub(super) fn first_len(buf: &[u8]) -> usize {
    match proto::header::peek_len(buf) {
        Ok(Some(len)) if len >= proto::header::HEADER_LEN => len.min(buf.len()),
        _ => buf.len(),
    }
}
