//! What drives one switch's connection (TCP, or TLS: [`super::tls`]) and its [`Session`]
//! (quinn's `ConnectionDriver`): read frames, feed the session, write what it transmits,
//! fire its timer, apply commands from modules, publish its outputs on the bus. A TCP
//! connection is driven by the connection group or by a task of its own, and can move
//! between them ([`super::placement`]); a TLS one by a task of its own.
//!
//! Everything runs inside `info_span!("switch", peer, dpid)`; `dpid` (and `name`, when
//! configured) are recorded once FEATURES_REPLY has told us who the switch is.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use proto::codec::{FrameError, OfFramer};
use proto::DatapathId;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant as TokioInstant;
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;
use tracing::{error, field, info, info_span, warn, Instrument, Span};

use super::handle::{Admission, Command, SwitchHandle, Switches};
use super::local::LocalModules;
use super::session::{Output, Session, SessionConfig};
use super::ConnectionError;
use crate::bus::{Budget, Bus};
use crate::config::SwitchDirectory;
use crate::event::{Event, PortReason};
use crate::outbox::Batch;
use crate::pipeline::Pipeline;

/// What every switch task shares.
#[derive(Debug)]
pub struct SwitchContext {
    /// Session settings.
    pub config: SessionConfig,
    /// Switch names.
    pub directory: Arc<SwitchDirectory>,
    /// Connected switches.
    pub switches: Switches,
    /// Modules.
    pub bus: Arc<Bus>,
    /// Controller shutdown.
    pub shutdown: CancellationToken,
    /// Connection id source.
    pub next_conn: AtomicU64,
    /// Where TCP connections are served.
    pub placement: Arc<super::placement::Placement>,
}

/// How long a switch task stops reading after dropping a burst of PACKET_INs (it goes on
/// writing the modules' answers meanwhile).
const FLOOD_PAUSE: Duration = Duration::from_millis(1);
/// The origin of the runtime's own messages (the pipeline's connect flows); no module has
/// this index.
const RUNTIME_ORIGIN: usize = usize::MAX;

/// How long the last messages (an ERROR before closing) may take to write.
const FINAL_FLUSH: Duration = Duration::from_secs(1);

/// Serve one switch TCP connection until it closes, where the
/// [`Placement`](super::placement::Placement) puts it.
pub async fn run(stream: TcpStream, peer: SocketAddr, ctx: Arc<SwitchContext>) {
    // Small control messages: do not let Nagle hold them back.
    let _ = stream.set_nodelay(true);
    let (rd, wr) = stream.into_split();
    let io = Io::new(rd, wr);
    super::placement::serve(Driver::new(peer, ctx), Ok(io)).await
}

/// Serve one switch connection, given as its read and write halves (a TLS stream's after
/// its handshake), until it closes, in this task.
pub async fn serve<R, W>(rd: R, wr: W, peer: SocketAddr, ctx: Arc<SwitchContext>)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut driver = Driver::new(peer, ctx);
    let mut io = Io::new(rd, wr);
    let span = driver.span.clone();
    // Never moved (a TLS stream's halves are not a socket another runtime could take): a
    // move asked of it only ends one call of run.
    while driver.run(&mut io).instrument(span.clone()).await == Exit::Move {}
    driver.finish(Some(&mut io)).instrument(span).await
}

/// Why [`Driver::run`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The session is closed: [`Driver::finish`] next.
    Closed,
    /// [`Command::Move`] asked for the other place; nothing is pending in between.
    Move,
}

/// A connection's two halves. Reads are framed by OfFramer; writes go straight to the
/// socket, one write per burst of transmits.
pub struct Io<R, W> {
    /// The read half, with what was read of it and not yet handled.
    pub framed: FramedRead<R, OfFramer>,
    /// The write half.
    pub wr: W,
}

impl<R: AsyncRead, W> Io<R, W> {
    /// Fresh halves.
    pub fn new(rd: R, wr: W) -> Self {
        Io {
            framed: FramedRead::new(rd, OfFramer),
            wr,
        }
    }
}

/// One connection's state between wake-ups, apart from its [`Io`], so that the connection
/// can leave the task that serves it and continue in another ([`super::placement`]).
pub struct Driver {
    ctx: Arc<SwitchContext>,
    conn: u64,
    tx: mpsc::UnboundedSender<Command>,
    rx: mpsc::UnboundedReceiver<Command>,
    session: Session,
    registered: Option<DatapathId>,
    /// This switch's share of the module queues.
    budget: Budget,
    /// The switch's flow pipeline (taps composed with forwarding), from the handshake on.
    pipeline: Option<Pipeline>,
    /// The per-switch modules' instances, from the handshake on.
    locals: LocalModules,
    /// Set after dropping PACKET_INs: reading resumes then (see FLOOD_PAUSE).
    read_paused: Option<TokioInstant>,
    /// A token of its own: polling a future of the shared token locks two mutexes that
    /// every switch task shares, on every wake-up.
    shutdown: CancellationToken,
    /// `info_span!("switch", peer, dpid)`, carried along when the connection moves.
    pub span: Span,
    /// Served by the connection group (else by a task of its own on the shared runtime).
    pub in_group: bool,
}

impl Driver {
    fn new(peer: SocketAddr, ctx: Arc<SwitchContext>) -> Self {
        let span = info_span!("switch", %peer, dpid = field::Empty, name = field::Empty);
        let conn = ctx.next_conn.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::unbounded_channel();
        let now = TokioInstant::now().into_std();
        Driver {
            conn,
            tx,
            rx,
            session: Session::new(now, ctx.config.clone(), ctx.directory.clone()),
            registered: None,
            budget: ctx.bus.budget(),
            pipeline: None,
            locals: LocalModules::default(),
            read_paused: None,
            shutdown: ctx.shutdown.child_token(),
            span,
            in_group: false,
            ctx,
        }
    }

    /// The controller's placement of connections.
    pub fn placement(&self) -> Arc<super::placement::Placement> {
        self.ctx.placement.clone()
    }

    /// Close the session (the connection's socket is lost).
    pub fn close(&mut self, reason: ConnectionError) {
        self.session.close(reason);
    }

    /// Serve the connection until it closes or is asked to move.
    pub async fn run<R, W>(&mut self, io: &mut Io<R, W>) -> Exit
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        let ctx = self.ctx.clone();
        let load = &ctx.placement.load;
        // One registration per call, not one per loop.
        let cancelled = self.shutdown.clone().cancelled_owned();
        tokio::pin!(cancelled);
        // The session's timer, re-armed only when its deadline changes: a fresh sleep per
        // loop would register with (and leave) the runtime's timer wheel for every message.
        let timer = tokio::time::sleep_until(TokioInstant::now());
        tokio::pin!(timer);
        let mut armed: Option<TokioInstant> = None;
        let mut moving = false;
        let mut woke: Option<std::time::Instant> = None;
        loop {
            self.publish();
            // In the group, answers wait until the group's other ready connections have
            // read theirs (yield_now runs them first): the answers then leave back to back,
            // and a switch (or cbench's one thread) that sleeps between them is woken once
            // per burst, not once per answer. Waking a sleeping peer is paid inside our
            // write, and was the largest cost of an answer after the write itself.
            if self.in_group && woke.is_some() && self.session.has_transmit() {
                tokio::task::yield_now().await;
            }
            if let Err(e) = flush(&mut self.session, &mut io.wr).await {
                self.session.close(ConnectionError::Io(e));
            }
            if let Some(t) = woke.take() {
                load.busy(t.elapsed());
            }
            if self.session.is_closed() {
                return Exit::Closed;
            }
            // Frames already read are handled first: a new reader would wait for the
            // socket before decoding them.
            if moving && !frame_buffered(io.framed.read_buffer()) {
                return Exit::Move;
            }
            let timeout = self.session.poll_timeout().map(TokioInstant::from_std);
            if timeout != armed {
                if let Some(t) = timeout {
                    timer.as_mut().reset(t);
                }
                armed = timeout;
            }
            let read_paused = self.read_paused;
            tokio::select! {
                // Registered, it hears of shutdown as a command (controller::close_on_shutdown).
                _ = &mut cancelled, if self.registered.is_none() => self.session.close(ConnectionError::Shutdown),
                frame = io.framed.next(), if read_paused.is_none() => {
                    woke = Some(std::time::Instant::now());
                    let frames = self.read_frames(&mut io.framed, frame);
                    load.read(frames);
                }
                _ = sleep_until_opt(read_paused), if read_paused.is_some() => self.read_paused = None,
                cmd = self.rx.recv() => {
                    woke = Some(std::time::Instant::now());
                    // Under load many batches are waiting: take them all, write once.
                    let mut next = cmd;
                    let mut taken = 0;
                    while let Some(cmd) = next {
                        moving |= self.command(cmd);
                        taken += 1;
                        next = if taken < 256 { self.rx.try_recv().ok() } else { None };
                    }
                },
                _ = &mut timer, if armed.is_some() => {
                    // Re-armed on the next turn, even for the same deadline.
                    armed = None;
                    self.session.handle_timeout(TokioInstant::now().into_std());
                }
            }
        }
    }

    /// Handle `frame` and the frames already buffered after it; returns how many.
    fn read_frames<R: AsyncRead + Unpin>(
        &mut self,
        framed: &mut FramedRead<R, OfFramer>,
        frame: Option<Result<bytes::Bytes, FrameError>>,
    ) -> u64 {
        let (ctx, session) = (&self.ctx, &mut self.session);
        // Messages already buffered are handled before writing or publishing.
        let now = TokioInstant::now().into_std();
        let mut frame = frame;
        let mut dropped = false;
        let mut frames = 0;
        for _ in 0..64 {
            frames += 1;
            match frame {
                // A PACKET_IN no module has room for is dropped before decoding.
                Some(Ok(msg))
                    if !self.locals.wants_packet_ins()
                        && is_unwanted_packet_in(&msg, session, &ctx.bus, &self.budget) =>
                {
                    crate::metrics::record_in(&msg);
                    session.mark_heard();
                    if let Some(s) = session.switch() {
                        ctx.bus.count_dropped(s.dpid);
                    }
                    dropped = true;
                }
                Some(Ok(msg)) => {
                    crate::metrics::record_in(&msg);
                    session.handle_message(now, msg)
                }
                Some(Err(FrameError::Decode(e))) => {
                    let buf = framed.read_buffer();
                    let header = buf.get(..8).unwrap_or(buf);
                    session.handle_bad_framing(header, e);
                }
                Some(Err(FrameError::Io(e))) => session.close(ConnectionError::Io(e)),
                None => session.close(ConnectionError::Closed),
            }
            // Only frames already buffered: one more read here would mostly return
            // EAGAIN (a wasted syscall per burst, one of four per packet-in in
            // cbench's latency mode); the select reads again after the writes.
            if session.is_closed() || !frame_buffered(framed.read_buffer()) {
                break;
            }
            match framed.next().now_or_never() {
                Some(f) => frame = f,
                None => break,
            }
        }
        // A flood this switch's share of the module queues cannot take: pause reading
        // for a bounded moment (never waiting on a module), so the modules get the CPU
        // and TCP slows the sender, instead of spending it reading packets to drop.
        // Answers and timers are still served meanwhile.
        if dropped {
            self.read_paused = Some(TokioInstant::now() + FLOOD_PAUSE);
        }
        frames
    }

    /// Apply one command; true if it asks this connection to move.
    fn command(&mut self, cmd: Command) -> bool {
        let session = &mut self.session;
        match cmd {
            Command::Send { origin, mut batch } => {
                if let Some(p) = self.pipeline.as_mut() {
                    batch.msgs = p.forwarding(batch.msgs);
                }
                session.send_batch(origin, batch)
            }
            Command::Tap {
                origin,
                batch,
                update,
            } => {
                let msgs = self
                    .pipeline
                    .as_mut()
                    .map(|p| p.update(update))
                    .unwrap_or_default();
                session.send_atomic(
                    origin,
                    Batch {
                        confirm: Some(batch),
                        msgs,
                    },
                )
            }
            Command::Close(reason) => session.close(reason),
            Command::Stats {
                request,
                timeout,
                reply,
            } => session.request_stats(TokioInstant::now().into_std(), request, timeout, reply),
            Command::Move { to_group } => {
                return to_group != self.in_group;
            }
        }
        false
    }

    /// After [`Exit::Closed`] (or with `io` lost): fail what is pending, say goodbye,
    /// unregister.
    pub async fn finish<R, W>(mut self, io: Option<&mut Io<R, W>>)
    where
        W: AsyncWrite + Unpin,
    {
        // Pending batches fail now; the last transmits (an ERROR) get a bounded chance to
        // go out.
        self.publish();
        if let Some(io) = io {
            let _ = tokio::time::timeout(FINAL_FLUSH, flush(&mut self.session, &mut io.wr)).await;
        }
        // Commands that raced with the close: confirmed batches must still get an answer.
        self.rx.close();
        while let Ok(cmd) = self.rx.try_recv() {
            let session = &mut self.session;
            match cmd {
                Command::Send { origin, batch } => session.send_batch(origin, batch),
                Command::Tap { origin, batch, .. } => session.send_batch(
                    origin,
                    Batch {
                        confirm: Some(batch),
                        msgs: Vec::new(),
                    },
                ),
                Command::Close(_) | Command::Move { .. } => {}
                Command::Stats { reply, .. } => {
                    let _ = reply.send(Err(super::stats::StatsError::NotConnected));
                }
            }
        }
        self.publish();
        let Driver {
            ctx,
            conn,
            mut session,
            registered,
            mut pipeline,
            mut locals,
            ..
        } = self;
        let reason = session
            .take_close_reason()
            .unwrap_or(ConnectionError::Closed);
        match &reason {
            ConnectionError::Closed | ConnectionError::Shutdown | ConnectionError::Replaced => {
                info!(%reason, "switch disconnected")
            }
            _ => warn!(%reason, "switch disconnected"),
        }
        if let Some(dpid) = registered {
            ctx.switches.unregister(dpid, conn);
            // A replaced session's successor already sent SwitchUp { replaced: true }.
            if !matches!(reason, ConnectionError::Replaced) {
                let switch = session
                    .switch()
                    .cloned()
                    .unwrap_or(crate::event::SwitchId { dpid, name: None });
                let down = Event::SwitchDown {
                    switch,
                    reason: Arc::new(reason),
                };
                // Their output has nowhere to go now; they only learn the switch is gone.
                let now = TokioInstant::now().into_std();
                if !locals.feed(now, &down, None, &mut session, &mut pipeline) {
                    ctx.shutdown.cancel();
                }
                ctx.bus.publish(down);
            }
        }
    }
}

impl Driver {
    /// Act on everything the session has produced: the switch coming up (registration,
    /// pipeline, per-switch modules), events for the modules.
    fn publish(&mut self) {
        let Driver {
            ctx,
            conn,
            tx,
            session,
            registered,
            budget,
            pipeline,
            locals,
            ..
        } = self;
        let (ctx, conn, tx, budget) = (&**ctx, *conn, &*tx, &*budget);
        // Per-switch modules run here, inline; a panic in one stops the controller.
        let feed = |locals: &mut LocalModules,
                    ev: &Event,
                    only: Option<usize>,
                    session: &mut Session,
                    pipeline: &mut Option<Pipeline>| {
            let now = TokioInstant::now().into_std();
            if !locals.feed(now, ev, only, session, pipeline) {
                *locals = LocalModules::default();
                ctx.shutdown.cancel();
            }
        };
        while let Some(out) = session.poll_output() {
            match out {
                Output::Up(info) => {
                    let span = Span::current();
                    span.record("dpid", field::display(info.id.dpid));
                    if let Some(name) = &info.id.name {
                        span.record("name", field::display(name));
                    }
                    let handle = SwitchHandle {
                        conn,
                        info: info.clone(),
                        tx: tx.clone(),
                    };
                    let now = TokioInstant::now().into_std();
                    let old = match ctx.switches.admit(handle, now) {
                        Admission::New => None,
                        Admission::Replaced(old) => Some(old),
                        Admission::Refused {
                            established,
                            refused,
                        } => {
                            // Loud: two live switches share this datapath id (see handle.rs).
                            error!(
                                established,
                                refused,
                                "duplicate datapath id: another live switch keeps replacing this one; keeping the established session, refusing this one"
                            );
                            session.close(ConnectionError::DuplicateDatapathId {
                                dpid: info.id.dpid,
                                established,
                            });
                            continue;
                        }
                    };
                    // The pipeline's own flows (OF1.3 table-0 default, stale tap flows gone)
                    // go out before any module hears of the switch.
                    let p = Pipeline::new(info.version, info.ports.keys().copied());
                    let connect = Batch {
                        confirm: None,
                        msgs: p.connect(),
                    };
                    session.send_batch(RUNTIME_ORIGIN, connect);
                    *pipeline = Some(p);
                    if let Some(old) = &old {
                        info!(
                            old_conn = old.conn,
                            "replacing the stale session of this datapath id"
                        );
                        let _ = old.tx.send(Command::Close(ConnectionError::Replaced));
                    }
                    *registered = Some(info.id.dpid);
                    // Registered after shutdown's round of closes (its select no longer
                    // watches the token): close now.
                    if ctx.shutdown.is_cancelled() {
                        session.close(ConnectionError::Shutdown);
                    }
                    *locals = LocalModules::start(&ctx.bus, info.id.dpid);
                    let up = Event::SwitchUp {
                        info,
                        replaced: old.is_some(),
                    };
                    feed(locals, &up, None, session, pipeline);
                    ctx.bus.publish(up);
                }
                Output::Broadcast(ev) => {
                    if let Event::PortStatus(ps) = &ev {
                        if let Some(p) = pipeline.as_mut() {
                            p.port_changed(ps.port.port_no, ps.reason != PortReason::Delete);
                        }
                        // Only here: the info is a copy of every port.
                        if let (Some(dpid), Some(info)) = (*registered, session.info()) {
                            ctx.switches.update_info(dpid, conn, Arc::new(info));
                        }
                    }
                    feed(locals, &ev, None, session, pipeline);
                    ctx.bus.publish_from(ev, budget)
                }
                Output::ToModule(RUNTIME_ORIGIN, ev) => {
                    warn!(event = ?ev, "the switch refused the pipeline's own flows");
                }
                Output::ToModule(index, ev) if locals.has(index) => {
                    feed(locals, &ev, Some(index), session, pipeline)
                }
                Output::ToModule(index, ev) => ctx.bus.deliver(index, ev),
            }
        }
    }
}

/// Write everything the session has to transmit, in one write.
async fn flush<W: AsyncWrite + Unpin>(session: &mut Session, wr: &mut W) -> std::io::Result<()> {
    let buf = session.transmit_buf();
    if !buf.is_empty() {
        crate::metrics::record_out(buf);
        wr.write_all(buf).await?;
        // A no-op on TCP; TLS may hold the last record until flushed.
        wr.flush().await?;
        session.clear_transmit();
    }
    Ok(())
}

/// Does `buf` hold a whole message (or a header the framer will reject)?
fn frame_buffered(buf: &[u8]) -> bool {
    match proto::header::peek_len(buf) {
        Ok(Some(len)) => buf.len() >= len,
        Ok(None) => false,
        Err(_) => true,
    }
}

/// OFPT_PACKET_IN has type 10 in both 1.0 and 1.3.
const OFPT_PACKET_IN: u8 = 10;

fn is_unwanted_packet_in(msg: &[u8], session: &Session, bus: &Bus, budget: &Budget) -> bool {
    let (Some(v), Some(s)) = (session.version(), session.switch()) else {
        return false;
    };
    session.state() == super::session::State::Main
        && msg.first() == Some(&v.wire())
        && msg.get(1) == Some(&OFPT_PACKET_IN)
        && !bus.wants_packet_in(s.dpid, budget)
}

async fn sleep_until_opt(t: Option<TokioInstant>) {
    if let Some(t) = t {
        tokio::time::sleep_until(t).await;
    }
}
