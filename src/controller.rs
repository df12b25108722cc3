//! Listeners, the accept loop and graceful shutdown (mini-redis `server.rs`, with
//! tokio-util's `CancellationToken` + `TaskTracker` in place of broadcast/mpsc tricks).
//!
//! [`run`] takes already-bound listeners (plain TCP, or TLS: [`Listener`]) and a shutdown token from the caller, so tests
//! bind `127.0.0.1:0` and cancel when done. Cancelling stops the accept loops, closes
//! every switch connection and module task, and `run` returns once all have finished.

use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, info, warn};

use crate::bus::Bus;
use crate::config::Config;
use crate::modules;
use crate::modules::tap::TapTable;
use crate::modules::topology::SharedTopology;
use crate::sources::{self, Sources};
use crate::switch::driver::{self, SwitchContext};
use crate::switch::handle::{Command, Switches};
use crate::switch::placement::Placement;
use crate::switch::session::SessionConfig;
use crate::switch::ConnectionError;

/// Connections the kernel may hold for the accept loop. tokio's default (1024) overflows
/// when a thousand switches reconnect at once (a controller restart, a network flap): the
/// overflow costs each one a SYN retransmit, a second or more. The kernel caps it at
/// `net.core.somaxconn`.
pub const LISTEN_BACKLOG: u32 = 8192;

/// A bound switch listener: plain TCP (the default), or TLS (`[controller] tls_listen`).
pub struct Listener {
    tcp: TcpListener,
    tls: Option<TlsAcceptor>,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("tcp", &self.tcp)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl Listener {
    /// A listener whose connections must complete a TLS handshake with `acceptor` first.
    pub fn tls(tcp: TcpListener, acceptor: TlsAcceptor) -> Self {
        Listener {
            tcp,
            tls: Some(acceptor),
        }
    }

    /// Whether connections must speak TLS first.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}

impl From<TcpListener> for Listener {
    fn from(tcp: TcpListener) -> Self {
        Listener { tcp, tls: None }
    }
}

/// Bind every `[controller] listen` address, then every `tls_listen` one.
pub async fn bind(config: &Config) -> std::io::Result<Vec<Listener>> {
    let mut out = Vec::new();
    let c = &config.controller;
    let acceptor = match c.tls_files() {
        Some(files) if !c.tls_listen.is_empty() => Some(TlsAcceptor::from(
            crate::switch::tls::server_config(&files).map_err(std::io::Error::other)?,
        )),
        _ => None,
    };
    let tls = c
        .tls_listen
        .iter()
        .filter_map(|a| Some((a, acceptor.clone()?)));
    let plain = c.listen.iter().map(|a| (a, None));
    for (addr, acceptor) in plain.chain(tls.map(|(a, t)| (a, Some(t)))) {
        let tcp = listen(*addr)
            .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))?;
        out.push(Listener { tcp, tls: acceptor });
    }
    Ok(out)
}

/// A listener on `addr` with [`LISTEN_BACKLOG`] (SO_REUSEADDR, as `TcpListener::bind` sets).
pub fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// A running controller's shared state, for callers that want to look inside (tests, REST).
#[derive(Debug, Clone)]
pub struct Handle {
    /// Connected switches.
    pub switches: Switches,
    /// Modules.
    pub bus: Arc<Bus>,
    /// The topology engine (links, hosts, paths), read-only.
    pub topology: Option<SharedTopology>,
    /// Trigger sources (the embedded sFlow collector), once [`start_sources`] ran.
    pub sources: Arc<Sources>,
    /// The taps' state, read-only (commands: `bus.control("tap", ..)`).
    pub taps: Option<TapTable>,
    /// Where switch connections are served.
    pub placement: Arc<Placement>,
}

/// Run the controller on `listeners` until `shutdown` is cancelled.
pub async fn run<L: Into<Listener>>(
    listeners: Vec<L>,
    config: Config,
    shutdown: CancellationToken,
) {
    let (handle, tracker) = start(listeners, config.clone(), shutdown.clone());
    let handle = start_sources(handle, &config, &tracker, shutdown.clone()).await;
    drop(handle);
    shutdown.cancelled().await;
    info!("shutting down");
    tracker.close();
    tracker.wait().await;
    info!("stopped");
}

/// Start the controller's tasks and return at once, with a [`Handle`] and the tracker to
/// wait on after cancelling `shutdown`.
pub fn start<L: Into<Listener>>(
    listeners: Vec<L>,
    config: Config,
    shutdown: CancellationToken,
) -> (Handle, TaskTracker) {
    start_with(listeners, config, shutdown, Vec::new())
}

/// [`start`], with `extra` modules run after the configured ones (the REST API's event
/// forwarder).
pub fn start_with<L: Into<Listener>>(
    listeners: Vec<L>,
    config: Config,
    shutdown: CancellationToken,
    extra: Vec<crate::module::ModuleSpec>,
) -> (Handle, TaskTracker) {
    let tracker = TaskTracker::new();
    let switches = Switches::default();
    // Dynamic taps kept across restarts (`[controller] state_file`), re-created below.
    let state = crate::state::restore::open(&config, &tracker, shutdown.clone());
    let modules::Built {
        specs,
        topology,
        taps,
    } = modules::build_all_with(&config, state.sink, state.patch_sink);
    let mut specs = specs;
    specs.extend(extra);
    let names: Vec<_> = specs.iter().map(|s| s.module.name()).collect();
    info!(modules = ?names, "starting modules");
    let bus = Bus::start(
        specs,
        switches.clone(),
        config.controller.module_queue_len,
        &tracker,
        shutdown.clone(),
    );
    for (module, c) in state.controls {
        if !bus.control(module, c) {
            error!(
                module,
                "module not running: its stored state is not restored"
            );
        }
    }
    let placement = Placement::start(switches.clone(), &tracker, shutdown.clone());
    tracker.spawn(close_on_shutdown(switches.clone(), shutdown.clone()));
    let ctx = Arc::new(SwitchContext {
        config: SessionConfig::from_config(&config.controller),
        directory: Arc::new(config.directory()),
        switches: switches.clone(),
        bus: bus.clone(),
        shutdown: shutdown.clone(),
        next_conn: AtomicU64::new(1),
        placement: placement.clone(),
    });
    for listener in listeners {
        let listener = listener.into();
        let tls = listener.tls.is_some();
        match listener.local_addr() {
            Ok(addr) => info!(%addr, tls, "listening for switches"),
            Err(e) => warn!(error = %e, "listener has no local address"),
        }
        tracker.spawn(accept_loop(listener, ctx.clone(), tracker.clone()));
    }
    (
        Handle {
            switches,
            bus,
            topology,
            sources: Arc::new(Sources::default()),
            taps,
            placement,
        },
        tracker,
    )
}

/// Tell every registered switch connection to close once `shutdown` is cancelled: they
/// hear of it through their command queue, so their loops poll no cancellation future per
/// message (a connection still in its handshake watches the token itself).
async fn close_on_shutdown(switches: Switches, shutdown: CancellationToken) {
    shutdown.cancelled().await;
    for h in switches.handles() {
        let _ = h.tx.send(Command::Close(ConnectionError::Shutdown));
    }
}

/// Start the trigger sources (embedded sFlow collector, sFlow-RT client) for a started
/// controller. A source that cannot start (its UDP port is taken, sFlow-RT's URL is bad) is
/// logged as an error and the controller runs on without it: switches keep being served.
pub async fn start_sources(
    mut handle: Handle,
    config: &Config,
    tracker: &TaskTracker,
    shutdown: CancellationToken,
) -> Handle {
    match sources::start(config, handle.bus.clone(), tracker, shutdown).await {
        Ok(s) => handle.sources = Arc::new(s),
        Err(e) => error!(error = %e, "trigger source not started; running without it"),
    }
    handle
}

async fn accept_loop(listener: Listener, ctx: Arc<SwitchContext>, tracker: TaskTracker) {
    // A TLS handshake runs in the connection's own task: a slow peer never holds this loop.
    let Listener { tcp: listener, tls } = listener;
    let mut backoff = Duration::from_millis(10);
    loop {
        let accepted = tokio::select! {
            _ = ctx.shutdown.cancelled() => return,
            r = listener.accept() => r,
        };
        match accepted {
            Ok((stream, peer)) => {
                backoff = Duration::from_millis(10);
                match &tls {
                    None => tracker.spawn(driver::run(stream, peer, ctx.clone())),
                    Some(a) => tracker.spawn(crate::switch::tls::run(
                        a.clone(),
                        stream,
                        peer,
                        ctx.clone(),
                    )),
                };
            }
            Err(e) => {
                // Out of file descriptors and the like: wait instead of spinning.
                error!(error = %e, ?backoff, "accept failed");
                tokio::select! {
                    _ = ctx.shutdown.cancelled() => return,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
}

/// Resolve once SIGINT or SIGTERM arrives (the `run` subcommand cancels on it).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The local addresses of `listeners` (for logs and tests).
pub fn local_addrs(listeners: &[TcpListener]) -> Vec<SocketAddr> {
    listeners
        .iter()
        .filter_map(|l| l.local_addr().ok())
        .collect()
}
