//! Where switch connections are served: all on one thread, the *connection group* (a
//! current-thread runtime of its own, "single"), or each in a task that the multi-threaded
//! runtime spreads over the cores ("shared").
//!
//! One thread serving every connection reads all the sockets that became ready in one
//! wake-up, on one core: the fewest wake-ups, context switches and cold caches per answer.
//! That is the cheapest way to serve switches that wait for each answer (cbench's latency
//! mode: a tenth to a fifth more answers per second than on the shared runtime, which
//! wakes its second worker for every burst and moves connections between cores). The
//! shared runtime pays when messages queue up: one core is then not enough.
//!
//! So connections start in the group, and [`decide`] looks at the last [`WINDOW`]:
//! - single -> shared when the group is busy and messages are queuing (more than
//!   [`QUEUED_FRAMES_PER_READ`] frames per read: switches send faster than one core
//!   answers);
//! - shared -> single when the load fits one core with room ([`SINGLE_BUSY`]) and nothing
//!   queues.
//!
//! A connection moves at a clean point of its loop (everything written, nothing half
//! read) when [`Command::Move`] reaches it: the same socket, session and buffers go on in
//! the other place. TLS connections and connections still in their handshake stay where
//! they are.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use prometheus_client::metrics::counter::Atomic;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::runtime::Handle;
use tokio_util::codec::FramedParts;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn, Instrument};

use super::driver::{Driver, Exit, Io};
use super::handle::{Command, Switches};
use super::ConnectionError;
use crate::metrics::Sharded;

/// A TCP connection's halves, which move with its [`Driver`].
pub type TcpIo = Io<OwnedReadHalf, OwnedWriteHalf>;

/// How often the placement is reconsidered.
pub const WINDOW: Duration = Duration::from_millis(250);
/// Frames per read above which messages are queuing in the sockets.
pub const QUEUED_FRAMES_PER_READ: f64 = 2.0;
/// Share of one core the group must be busy for before it is left.
pub const GROUP_BUSY: f64 = 0.5;
/// Share of one core the connections may use, all together, to go back to the group.
pub const SINGLE_BUSY: f64 = 0.3;

/// The load of the switch connections, counted where they run (per-thread slots: every
/// connection counts every read).
#[derive(Debug, Default)]
pub struct Load {
    reads: Sharded,
    frames: Sharded,
    busy_ns: Sharded,
}

impl Load {
    /// One wake-up that read `frames` frames.
    pub fn read(&self, frames: u64) {
        self.reads.inc();
        self.frames.inc_by(frames);
    }

    /// Time a connection spent handling one wake-up.
    pub fn busy(&self, d: Duration) {
        self.busy_ns
            .inc_by(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    }

    fn snapshot(&self) -> [u64; 3] {
        [self.reads.get(), self.frames.get(), self.busy_ns.get()]
    }
}

/// What one [`WINDOW`] saw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// Cores' worth of time spent handling wake-ups (1.0 = one core all the time).
    pub busy: f64,
    /// Frames per read (0 without reads).
    pub frames_per_read: f64,
}

impl Window {
    fn between(before: [u64; 3], after: [u64; 3], elapsed: Duration) -> Self {
        let [reads, frames, busy] = [0, 1, 2].map(|i| after[i].saturating_sub(before[i]));
        Window {
            busy: busy as f64 / elapsed.as_nanos().max(1) as f64,
            frames_per_read: if reads == 0 {
                0.0
            } else {
                frames as f64 / reads as f64
            },
        }
    }
}

/// Should connections be in the group after `w`, given whether they are now?
pub fn decide(single: bool, w: Window) -> bool {
    if single {
        !(w.busy >= GROUP_BUSY && w.frames_per_read > QUEUED_FRAMES_PER_READ)
    } else {
        w.busy < SINGLE_BUSY && w.frames_per_read <= QUEUED_FRAMES_PER_READ
    }
}

/// The placement of one controller's connections.
#[derive(Debug)]
pub struct Placement {
    /// Counted by the connections.
    pub load: Load,
    /// Where connections belong now.
    single: AtomicBool,
    /// The group's runtime (a current-thread runtime on a thread of its own), if it
    /// started.
    group: Option<Handle>,
    /// The runtime the controller was started in.
    shared: Handle,
    /// The controller's tracker: moved connections stay tracked.
    tracker: TaskTracker,
    /// The group's connections, which its thread serves until they have closed.
    members: TaskTracker,
    shutdown: CancellationToken,
    /// The registered connections, which [`Placement::place`] tells to move.
    switches: Switches,
}

impl Placement {
    /// Start the group's thread and the balancer, in the current runtime. Without the
    /// thread (it could not start) every connection has a task of its own.
    pub fn start(
        switches: Switches,
        tracker: &TaskTracker,
        shutdown: CancellationToken,
    ) -> Arc<Self> {
        let members = TaskTracker::new();
        let group = match group_thread(members.clone(), shutdown.clone()) {
            Ok(h) => Some(h),
            Err(e) => {
                warn!(error = %e, "no thread for the switch connection group; every connection gets a task of its own");
                None
            }
        };
        let p = Arc::new(Placement {
            load: Load::default(),
            single: AtomicBool::new(group.is_some()),
            group,
            shared: Handle::current(),
            tracker: tracker.clone(),
            members,
            shutdown: shutdown.clone(),
            switches,
        });
        tracker.spawn(balance(p.clone(), shutdown));
        p
    }

    /// Whether connections belong in the group now.
    pub fn single(&self) -> bool {
        self.single.load(Ordering::Relaxed)
    }

    /// Connections the group serves now.
    pub fn in_group(&self) -> usize {
        self.members.len()
    }

    /// Put connections in the group (`single`) or in tasks of their own: new ones at once,
    /// registered ones at their next clean point. Without the group's thread, nothing
    /// changes. Returns how many registered connections were told.
    pub fn place(&self, single: bool) -> usize {
        let single = single && self.group.is_some();
        self.single.store(single, Ordering::Relaxed);
        let handles = self.switches.handles();
        for h in &handles {
            let _ = h.tx.send(Command::Move { to_group: single });
        }
        handles.len()
    }
}

/// The group's thread; it stops once shutdown is cancelled and its connections closed.
fn group_thread(members: TaskTracker, shutdown: CancellationToken) -> std::io::Result<Handle> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let handle = rt.handle().clone();
    std::thread::Builder::new()
        .name("tapdemon-switches".into())
        .spawn(move || {
            rt.block_on(async move {
                shutdown.cancelled().await;
                members.close();
                members.wait().await;
            })
        })?;
    Ok(handle)
}

/// Serve a connection where it belongs until it closes, moving it when told to. `io` is
/// registered with the current runtime's reactor (or could not be).
pub fn serve(
    d: Driver,
    io: std::io::Result<TcpIo>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
    // Boxed with its Send bound spelt out: the future is (recursively) its own.
    Box::pin(serve_here(d, io))
}

async fn serve_here(mut d: Driver, io: std::io::Result<TcpIo>) {
    let span = d.span.clone();
    let mut io = match io {
        Ok(io) => io,
        Err(e) => {
            d.close(ConnectionError::Io(e));
            return d
                .finish::<OwnedReadHalf, OwnedWriteHalf>(None)
                .instrument(span)
                .await;
        }
    };
    let p = d.placement();
    loop {
        let belongs = p.single() && p.group.is_some() && !p.shutdown.is_cancelled();
        if belongs != d.in_group {
            d.in_group = belongs;
            let moved = p.tracker.track_future(async move {
                // The socket leaves the old reactor and joins this runtime's.
                let io = rehome(io);
                serve(d, io).await
            });
            match &p.group {
                Some(g) if belongs => g.spawn(p.members.track_future(moved)),
                _ => p.shared.spawn(moved),
            };
            return;
        }
        match d.run(&mut io).instrument(span.clone()).await {
            Exit::Closed => return d.finish(Some(&mut io)).instrument(span).await,
            Exit::Move => {}
        }
    }
}

/// Re-register a connection's socket with the current runtime's reactor, keeping what
/// was read of it and not yet handled.
fn rehome(io: TcpIo) -> std::io::Result<TcpIo> {
    let Io { framed, wr } = io;
    let FramedParts {
        io: rd, read_buf, ..
    } = framed.into_parts();
    let stream = rd.reunite(wr).map_err(std::io::Error::other)?;
    let stream = TcpStream::from_std(stream.into_std()?)?;
    let (rd, wr) = stream.into_split();
    let mut io = Io::new(rd, wr);
    *io.framed.read_buffer_mut() = read_buf;
    Ok(io)
}

/// Every [`WINDOW`], [`decide`] and tell the registered connections where to go.
async fn balance(placement: Arc<Placement>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(WINDOW);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut before = (Instant::now(), placement.load.snapshot());
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let now = (Instant::now(), placement.load.snapshot());
        let w = Window::between(before.1, now.1, now.0 - before.0);
        before = now;
        let single = placement.single();
        let want = decide(single, w);
        if want == single {
            continue;
        }
        let told = placement.place(want);
        info!(
            busy = format!("{:.2}", w.busy),
            frames_per_read = format!("{:.1}", w.frames_per_read),
            switches = told,
            to = if want { "group" } else { "own tasks" },
            "moving switch connections"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(busy: f64, frames_per_read: f64) -> Window {
        Window {
            busy,
            frames_per_read,
        }
    }

    #[test]
    fn a_busy_group_leaves_only_when_messages_queue() {
        // cbench's latency mode: the group is busy, but every read holds one message.
        assert!(decide(true, w(0.95, 1.0)));
        // Throughput mode: messages wait in the sockets.
        assert!(!decide(true, w(0.9, 40.0)));
        // Queuing but idle (a switch's burst at connect): stay.
        assert!(decide(true, w(0.1, 8.0)));
    }

    #[test]
    fn shared_connections_return_when_one_core_has_room() {
        assert!(!decide(false, w(1.4, 30.0)));
        // Still busy, even without queuing: one core would be full.
        assert!(!decide(false, w(0.9, 1.0)));
        assert!(decide(false, w(0.1, 1.0)));
        // No traffic at all.
        assert!(decide(false, w(0.0, 0.0)));
    }

    #[tokio::test]
    async fn a_moved_socket_keeps_the_bytes_read_but_not_yet_framed() {
        use futures_util::StreamExt;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut peer = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let (ours, _) = l.accept().await.unwrap();
        let (rd, wr) = ours.into_split();
        let mut io = Io::new(rd, wr);
        // An OF1.0 ECHO_REQUEST, its first five bytes only.
        let echo = [1u8, 2, 0, 12, 0, 0, 0, 7, b'a', b'b', b'c', b'd'];
        peer.write_all(&echo[..5]).await.unwrap();
        for _ in 0..50 {
            let next = tokio::time::timeout(Duration::from_millis(20), io.framed.next());
            assert!(next.await.is_err(), "no whole frame yet");
            if io.framed.read_buffer().len() == 5 {
                break;
            }
        }
        assert_eq!(io.framed.read_buffer().len(), 5);

        let mut io = rehome(io).unwrap();
        peer.write_all(&echo[5..]).await.unwrap();
        let frame = io.framed.next().await.unwrap().unwrap();
        assert_eq!(&frame[..], &echo[..]);
        io.wr.write_all(b"ok").await.unwrap();
        let mut got = [0; 2];
        peer.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"ok");
    }

    #[test]
    fn a_window_is_measured_from_counter_deltas() {
        let win = Window::between([10, 20, 0], [20, 70, 125_000_000], WINDOW);
        assert_eq!(win.frames_per_read, 5.0);
        assert!((win.busy - 0.5).abs() < 1e-9, "{win:?}");
        assert_eq!(Window::between([5; 3], [5; 3], WINDOW).frames_per_read, 0.0);
    }
}
