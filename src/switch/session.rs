//! One switch's OpenFlow session as a sans-IO state machine (quinn-proto style).
//!
//! Inputs: [`Session::handle_message`] (one framed message), [`Session::handle_bad_framing`],
//! [`Session::handle_timeout`], [`Session::send_batch`], [`Session::close`].
//! Outputs, drained after every input: [`Session::poll_transmit`] (bytes to write),
//! [`Session::poll_output`] (events for modules), [`Session::poll_timeout`] (when to call
//! `handle_timeout` next), and [`Session::close_reason`] once closed.
//! Time is always a parameter; nothing here reads a clock or touches a socket.
//!
//! States (Ryu's dispatchers): `Hello` -> `Features` -> (`PortDesc`, 1.3 only) -> `Main`,
//! and `Closed` from anywhere. The handshake (HELLO, FEATURES_REQUEST, SET_CONFIG, port
//! description) must finish within `handshake_timeout`. In `Main`, an echo request goes out
//! every `echo_interval`; `echo_misses` intervals in a row without hearing from the switch
//! close it.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use proto::{DatapathId, DecodeError, DecodeErrorKind, Header};
use tracing::{debug, info, warn};

use super::handshake::{self, PeerHello, Version, OFPT_HELLO};
use super::stats::{StatsError, StatsReply, StatsTable};
use super::wire::{self, Incoming, Outgoing};
use super::ConnectionError;
use crate::config::SwitchDirectory;
use crate::event::{
    BatchError, BatchId, BatchResult, Event, OfError, PortDesc, PortReason, PortStatus, Rejected,
    SwitchError, SwitchId, SwitchInfo,
};

/// Session settings, from `[controller]`.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// SET_CONFIG miss_send_len.
    pub miss_send_len: u16,
    /// Interval between echo requests.
    pub echo_interval: Duration,
    /// Silent intervals before the switch is closed.
    pub echo_misses: u32,
    /// Time allowed for the handshake.
    pub handshake_timeout: Duration,
}

impl SessionConfig {
    /// From the `[controller]` section.
    pub fn from_config(c: &crate::config::ControllerConfig) -> Self {
        SessionConfig {
            miss_send_len: c.miss_send_len,
            echo_interval: c.echo_interval(),
            echo_misses: c.echo_misses,
            handshake_timeout: c.handshake_timeout(),
        }
    }
}

/// Where the session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Waiting for the switch's HELLO.
    Hello,
    /// FEATURES_REQUEST sent.
    Features,
    /// Port-desc multipart request sent (1.3).
    PortDesc,
    /// Handshake done; events flow.
    Main,
    /// Closed; see [`Session::close_reason`].
    Closed,
}

/// Which module sent a batch (an index the runtime assigns), for routing its result.
pub type Origin = usize;

/// Something for modules.
#[derive(Debug)]
pub enum Output {
    /// The handshake finished. The runtime registers the switch (possibly replacing a
    /// stale session) and publishes `Event::SwitchUp`.
    Up(Arc<SwitchInfo>),
    /// An event for every module running on this switch.
    Broadcast(Event),
    /// An event for one module (batch results).
    ToModule(Origin, Event),
}

/// An unconfirmed sent message we may get an ERROR for.
#[derive(Debug, Clone, Copy)]
struct Sent {
    xid: u32,
    msg_type: &'static str,
}

/// A confirmed batch waiting for its barrier reply.
#[derive(Debug)]
struct PendingBatch {
    origin: Origin,
    id: BatchId,
    rejected: Vec<Rejected>,
}

/// Largest message a bundle can carry (its wrapper adds 24 bytes to a 16-bit length).
const MAX_BUNDLED: usize = u16::MAX as usize - 24;

/// How many unconfirmed sent messages are remembered for matching ERRORs to them.
const RECENT: usize = 1024;

/// The session.
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    directory: Arc<SwitchDirectory>,
    state: State,
    version: Option<Version>,
    switch: Option<SwitchId>,
    n_buffers: u32,
    n_tables: u8,
    ports: std::collections::BTreeMap<u32, PortDesc>,
    next_xid: u32,
    handshake_deadline: Instant,
    next_echo: Option<Instant>,
    /// Intervals in a row in which nothing arrived.
    silent_intervals: u32,
    heard_since_echo: bool,
    recent: VecDeque<Sent>,
    pending: HashMap<u32, PendingBatch>,
    /// xid of a message in a confirmed batch -> (its batch's barrier xid, index, type).
    batch_xids: HashMap<u32, (u32, usize, &'static str)>,
    /// Outstanding flow/port statistics requests.
    stats: StatsTable,
    /// Encoded messages waiting to be written, back to back: modules' messages are encoded
    /// straight into it, and the driver writes it whole.
    transmit: BytesMut,
    outputs: VecDeque<Output>,
    close_reason: Option<ConnectionError>,
    /// The last bundle id used.
    next_bundle: u32,
}

impl Session {
    /// A new connection: queues our HELLO.
    pub fn new(now: Instant, config: SessionConfig, directory: Arc<SwitchDirectory>) -> Self {
        let mut s = Session {
            handshake_deadline: now + config.handshake_timeout,
            config,
            directory,
            state: State::Hello,
            version: None,
            switch: None,
            n_buffers: 0,
            n_tables: 0,
            ports: Default::default(),
            next_xid: 1,
            next_echo: None,
            silent_intervals: 0,
            heard_since_echo: false,
            recent: VecDeque::new(),
            pending: HashMap::new(),
            batch_xids: HashMap::new(),
            stats: StatsTable::default(),
            transmit: BytesMut::new(),
            outputs: VecDeque::new(),
            close_reason: None,
            next_bundle: 0,
        };
        let xid = s.xid();
        s.transmit.extend_from_slice(&handshake::hello(xid));
        s
    }

    /// Current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The negotiated version, once HELLO is done.
    pub fn version(&self) -> Option<Version> {
        self.version
    }

    /// The switch, once FEATURES_REPLY arrived.
    pub fn switch(&self) -> Option<&SwitchId> {
        self.switch.as_ref()
    }

    /// The switch as it is now (ports updated by PORT_STATUS), once the handshake is done.
    pub fn info(&self) -> Option<SwitchInfo> {
        let (Some(version), Some(id), State::Main) =
            (self.version, self.switch.clone(), self.state)
        else {
            return None;
        };
        Some(SwitchInfo {
            id,
            version,
            n_buffers: self.n_buffers,
            n_tables: self.n_tables,
            ports: self.ports.clone(),
        })
    }

    /// Why the session closed, once it has.
    pub fn close_reason(&self) -> Option<&ConnectionError> {
        self.close_reason.as_ref()
    }

    /// Take the close reason (the driver publishes it).
    pub fn take_close_reason(&mut self) -> Option<ConnectionError> {
        self.close_reason.take()
    }

    /// True once closed (after the last transmits are flushed, drop the connection).
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// Next message to write.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        if self.transmit.is_empty() {
            return None;
        }
        let len = first_len(&self.transmit);
        Some(self.transmit.split_to(len).freeze())
    }

    /// Is anything waiting to be transmitted?
    pub fn has_transmit(&self) -> bool {
        !self.transmit.is_empty()
    }

    /// Everything waiting to be transmitted, as one run of bytes (the driver's write);
    /// [`Session::clear_transmit`] once written.
    pub fn transmit_buf(&self) -> &[u8] {
        &self.transmit
    }

    /// The transmit buffer was written.
    pub fn clear_transmit(&mut self) {
        self.transmit.clear();
        // One large burst (a big tap change) must not pin its buffer for the session's life.
        if self.transmit.capacity() > 1 << 20 {
            self.transmit = BytesMut::new();
        }
    }

    /// Next output for modules.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When [`Session::handle_timeout`] must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Closed => None,
            State::Main => match (self.next_echo, self.stats.next_deadline()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            _ => Some(self.handshake_deadline),
        }
    }

    fn xid(&mut self) -> u32 {
        let x = self.next_xid;
        self.next_xid = self.next_xid.wrapping_add(1).max(1);
        x
    }

    /// Close with `reason`: pending batches fail with `Disconnected`.
    pub fn close(&mut self, reason: ConnectionError) {
        if self.state == State::Closed {
            return;
        }
        self.state = State::Closed;
        self.next_echo = None;
        let switch = self.switch_id();
        for (_, p) in self.pending.drain() {
            self.outputs.push_back(Output::ToModule(
                p.origin,
                Event::BatchResult(BatchResult {
                    switch: switch.clone(),
                    batch: Some(p.id),
                    result: Err(BatchError::Disconnected),
                }),
            ));
        }
        self.batch_xids.clear();
        self.stats.fail_all();
        self.close_reason = Some(reason);
    }

    fn switch_id(&self) -> SwitchId {
        self.switch.clone().unwrap_or(SwitchId {
            dpid: DatapathId(0),
            name: None,
        })
    }

    fn send(&mut self, msg: Outgoing<'_>) -> u32 {
        let xid = self.xid();
        self.send_xid(msg, xid);
        xid
    }

    fn send_xid(&mut self, msg: Outgoing<'_>, xid: u32) {
        let Some(version) = self.version else { return };
        match wire::encode(version, &msg, xid, &mut self.transmit) {
            Ok(()) => {}
            // Only neutral flow messages can fail to encode, and those go through
            // `send_batch`, which encodes before sending; this is a bug, not input.
            Err(e) => warn!(error = %e, ?msg, "cannot encode a session message"),
        }
    }

    fn send_error(&mut self, xid: u32, ty: u16, code: u16, offending: &[u8]) {
        let version = self
            .version
            .map(Version::wire)
            .unwrap_or(proto::OFP13_VERSION);
        let data = offending.get(..offending.len().min(64)).unwrap_or(&[]);
        self.transmit
            .extend_from_slice(&handshake::error_msg(version, xid, ty, code, data));
    }

    /// A framing error: the header's length field is impossible. Answer
    /// OFPBRC_BAD_LEN with the header bytes, then close.
    pub fn handle_bad_framing(&mut self, header: &[u8], error: DecodeError) {
        warn!(%error, "bad framing, closing");
        let xid = header
            .get(4..8)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .unwrap_or(0);
        self.send_error(xid, wire::OFPET_BAD_REQUEST, wire::OFPBRC_BAD_LEN, header);
        self.close(ConnectionError::Frame(error));
    }

    /// A message arrived but was dropped unread (a PACKET_IN nobody had room for): it
    /// still shows the switch is alive.
    pub fn mark_heard(&mut self) {
        self.heard_since_echo = true;
    }

    /// One framed message from the switch.
    pub fn handle_message(&mut self, now: Instant, buf: Bytes) {
        if self.state == State::Closed {
            return;
        }
        let header = match Header::parse(&buf) {
            Ok(h) => h,
            Err(e) => return self.handle_bad_framing(&buf, e),
        };
        self.heard_since_echo = true;
        debug!(
            version = header.version,
            ty = header.ty,
            xid = header.xid,
            len = header.length,
            "rx"
        );
        let Some(version) = self.version else {
            return self.handle_hello(header, &buf);
        };
        if header.version != version.wire() {
            warn!(
                got = header.version,
                want = version.wire(),
                ty = header.ty,
                "wrong version in message"
            );
            self.send_error(
                header.xid,
                wire::OFPET_BAD_REQUEST,
                wire::OFPBRC_BAD_VERSION,
                &buf,
            );
            return;
        }
        let switch = self.switch_id();
        match wire::decode(version, &buf, &switch) {
            Ok(msg) => self.handle_incoming(now, header, msg),
            Err(error) => self.handle_undecodable(header, &buf, error),
        }
    }

    fn handle_hello(&mut self, header: Header, buf: &Bytes) {
        if header.ty != OFPT_HELLO {
            warn!(ty = header.ty, "first message is not HELLO");
            let peer = PeerHello {
                header_version: header.version,
                bitmap: None,
            };
            self.transmit
                .extend_from_slice(&handshake::hello_failed(&peer, header.xid));
            return self.close(ConnectionError::NoHello {
                msg_type: header.ty,
            });
        }
        let peer = match PeerHello::parse(buf) {
            Ok(p) => p,
            Err(error) => {
                warn!(%error, "undecodable HELLO");
                self.send_error(
                    header.xid,
                    wire::OFPET_BAD_REQUEST,
                    wire::OFPBRC_BAD_LEN,
                    buf,
                );
                return self.close(ConnectionError::Decode(error));
            }
        };
        match handshake::negotiate(&peer) {
            Ok(v) => {
                debug!(version = %v, header_version = peer.header_version, bitmap = ?peer.bitmap, "negotiated");
                self.version = Some(v);
                self.state = State::Features;
                self.send(Outgoing::FeaturesRequest);
            }
            Err((ours, theirs)) => {
                warn!(%ours, %theirs, "no common OpenFlow version");
                self.transmit
                    .extend_from_slice(&handshake::hello_failed(&peer, header.xid));
                self.close(ConnectionError::NoCommonVersion { ours, theirs });
            }
        }
    }

    fn handle_undecodable(&mut self, header: Header, buf: &Bytes, error: DecodeError) {
        warn!(context = error.context, field = error.field, offset = error.offset, %error, "undecodable message");
        let stats_error = error.clone();
        self.stats.fail(header.xid, |msg_type| StatsError::Decode {
            msg_type,
            error: stats_error,
        });
        let length_problem = matches!(
            error.kind,
            DecodeErrorKind::Truncated { .. }
                | DecodeErrorKind::BadLength { .. }
                | DecodeErrorKind::TrailingBytes { .. }
        );
        if length_problem {
            self.send_error(
                header.xid,
                wire::OFPET_BAD_REQUEST,
                wire::OFPBRC_BAD_LEN,
                buf,
            );
        }
        // Before Main, the handshake cannot go on without this message.
        if self.state != State::Main {
            self.close(ConnectionError::Decode(error));
        }
    }

    fn handle_incoming(&mut self, now: Instant, header: Header, msg: Incoming) {
        match msg {
            Incoming::EchoRequest(data) => {
                self.send_xid(Outgoing::EchoReply(&data), header.xid);
            }
            Incoming::EchoReply(_) | Incoming::Hello => {}
            Incoming::Error { ty, code, data } => self.handle_error(header.xid, ty, code, data),
            Incoming::FeaturesReply {
                dpid,
                n_buffers,
                n_tables,
                ports,
            } => self.handle_features(now, dpid, n_buffers, n_tables, ports),
            Incoming::PortDescReply { ports, more } => {
                self.ports.extend(ports.into_iter().map(|p| (p.port_no, p)));
                if self.state == State::PortDesc && !more {
                    self.finish_handshake(now);
                }
            }
            Incoming::BarrierReply => self.handle_barrier_reply(header.xid),
            Incoming::FlowStatsReply { flows, more } => {
                self.stats_part(header.xid, StatsReply::Flows(flows), more)
            }
            Incoming::PortStatsReply { ports, more } => {
                self.stats_part(header.xid, StatsReply::Ports(ports), more)
            }
            Incoming::PacketIn(pi) if self.state == State::Main => {
                self.outputs
                    .push_back(Output::Broadcast(Event::PacketIn(pi)));
            }
            Incoming::PortStatus { reason, port } => self.handle_port_status(reason, port),
            Incoming::FlowRemoved(fr) if self.state == State::Main => {
                self.outputs
                    .push_back(Output::Broadcast(Event::FlowRemoved(fr)));
            }
            Incoming::PacketIn(_) | Incoming::FlowRemoved(_) => {
                debug!(state = ?self.state, "async message before the handshake finished, dropped");
            }
            Incoming::Ignored(name) => debug!(msg_type = name, "ignored"),
            Incoming::UnknownType(ty) => {
                warn!(ty, "unknown message type");
                let mut hdr = BytesMut::new();
                header.emit(&mut hdr);
                self.send_error(
                    header.xid,
                    wire::OFPET_BAD_REQUEST,
                    wire::OFPBRC_BAD_TYPE,
                    &hdr,
                );
            }
        }
    }

    fn handle_features(
        &mut self,
        now: Instant,
        dpid: DatapathId,
        n_buffers: u32,
        n_tables: u8,
        ports: Option<Vec<PortDesc>>,
    ) {
        if let Some(ports) = ports {
            self.ports = ports.into_iter().map(|p| (p.port_no, p)).collect();
        }
        if self.state != State::Features {
            return;
        }
        self.switch = Some(SwitchId {
            dpid,
            name: self.directory.name(dpid),
        });
        self.n_buffers = n_buffers;
        self.n_tables = n_tables;
        let miss_send_len = self.config.miss_send_len;
        self.send(Outgoing::SetConfig { miss_send_len });
        if self.version == Some(Version::Of13) {
            self.state = State::PortDesc;
            self.send(Outgoing::PortDescRequest);
        } else {
            self.finish_handshake(now);
        }
    }

    fn finish_handshake(&mut self, now: Instant) {
        let (Some(version), Some(id)) = (self.version, self.switch.clone()) else {
            return;
        };
        self.state = State::Main;
        self.next_echo = Some(now + self.config.echo_interval);
        self.heard_since_echo = false;
        let info = SwitchInfo {
            id,
            version,
            n_buffers: self.n_buffers,
            n_tables: self.n_tables,
            ports: self.ports.clone(),
        };
        info!(version = %version, ports = info.ports.len(), "switch connected");
        self.outputs.push_back(Output::Up(Arc::new(info)));
    }

    fn handle_port_status(&mut self, reason: PortReason, port: PortDesc) {
        match reason {
            PortReason::Delete => {
                self.ports.remove(&port.port_no);
            }
            _ => {
                self.ports.insert(port.port_no, port.clone());
            }
        }
        if self.state != State::Main {
            return;
        }
        info!(port = port.port_no, name = %port.name, ?reason, up = port.is_up(), "port status");
        let ps = PortStatus {
            switch: self.switch_id(),
            reason,
            port,
        };
        self.outputs
            .push_back(Output::Broadcast(Event::PortStatus(ps)));
    }

    fn handle_error(&mut self, xid: u32, ty: u16, code: u16, data: Bytes) {
        let Some(version) = self.version else { return };
        let error = OfError {
            version,
            ty,
            code,
            data,
        };
        if self.state != State::Main {
            warn!(%error, "switch refused the handshake");
            return self.close(ConnectionError::Refused(error));
        }
        if self.stats.contains(xid) {
            warn!(xid, %error, "switch refused a statistics request");
            self.stats
                .fail(xid, |msg_type| StatsError::Refused { msg_type, error });
            return;
        }
        if let Some((barrier, index, msg_type)) = self.batch_xids.remove(&xid) {
            if let Some(p) = self.pending.get_mut(&barrier) {
                debug!(xid, msg_type, %error, batch = p.id, "error in confirmed batch");
                p.rejected.push(Rejected {
                    index,
                    msg_type,
                    error,
                });
                return;
            }
        }
        let caused_by = self
            .recent
            .iter()
            .find(|s| s.xid == xid)
            .map(|s| s.msg_type);
        warn!(xid, caused_by, %error, "switch error");
        let ev = SwitchError {
            switch: self.switch_id(),
            xid,
            caused_by,
            error,
        };
        self.outputs
            .push_back(Output::Broadcast(Event::SwitchError(ev)));
    }

    fn handle_barrier_reply(&mut self, xid: u32) {
        let Some(p) = self.pending.remove(&xid) else {
            return;
        };
        self.batch_xids.retain(|_, (b, _, _)| *b != xid);
        let result = if p.rejected.is_empty() {
            Ok(())
        } else {
            Err(BatchError::Rejected(p.rejected))
        };
        debug!(batch = p.id, ok = result.is_ok(), "batch confirmed");
        let ev = Event::BatchResult(BatchResult {
            switch: self.switch_id(),
            batch: Some(p.id),
            result,
        });
        self.outputs.push_back(Output::ToModule(p.origin, ev));
    }

    /// Timers: the handshake deadline, or the echo interval.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.state {
            State::Closed => {}
            State::Main => {
                self.stats.expire(now);
                let Some(at) = self.next_echo else { return };
                if now < at {
                    return;
                }
                if self.heard_since_echo {
                    self.silent_intervals = 0;
                } else {
                    self.silent_intervals += 1;
                    if self.silent_intervals >= self.config.echo_misses {
                        let misses = self.silent_intervals;
                        warn!(misses, "echo timeout");
                        return self.close(ConnectionError::EchoTimeout { misses });
                    }
                }
                self.heard_since_echo = false;
                self.send(Outgoing::EchoRequest(b""));
                self.next_echo = Some(now + self.config.echo_interval);
            }
            _ => {
                if now >= self.handshake_deadline {
                    warn!(state = ?self.state, "handshake timeout");
                    self.close(ConnectionError::HandshakeTimeout(
                        self.config.handshake_timeout,
                    ));
                }
            }
        }
    }
}

// Sending modules' batches, plainly or as an OF1.3 bundle (session_batch.rs).
#[path = "session_batch.rs"]
mod session_batch;
use session_batch::first_len;

// Statistics requests: `request_stats` and the reply parts (session_stats.rs).
#[path = "session_stats.rs"]
mod session_stats;

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
