//! A fleet of simulated OpenFlow 1.0 switches for the scale test (`tests/scale.rs`) and the
//! scale benchmark (`benches/scale/main.rs`), which include this file by path.
//!
//! Each switch is one tokio task and one TCP connection. It answers HELLO,
//! FEATURES_REQUEST (4 ports), GET_CONFIG, BARRIER and ECHO requests, and keeps the
//! connection alive the way OVS does: an ECHO_REQUEST of its own every `keepalive`. A
//! switch counts as **up** once the controller has both sent it a FLOW_MOD (the pipeline's
//! connect flows: the session is registered) and answered its first echo (the session is
//! served). Buffers are small and grow only as messages need, so 10,000 switches fit in a
//! few tens of MiB on the simulating side.
//!
//! Reconnect storm: [`Fleet::storm`] makes every switch with a dpid up to `n` drop its
//! connection and reconnect at once. Switches with an even dpid close the old connection
//! first (a clean restart); odd ones leave it open and silent (a switch that rebooted
//! without the controller noticing), so the controller must replace a **stale session**
//! with the same datapath id; [`Counters::stale_closed`] counts those old connections the
//! controller closed.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, BytesMut};
use proto::{of10, DatapathId, MacAddr};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;

/// What the fleet has seen, shared by every switch task.
#[derive(Debug, Default)]
pub struct Counters {
    /// Switches whose current session is up.
    pub up: AtomicUsize,
    /// Sessions that came up (first connect and every reconnect).
    pub sessions: AtomicU64,
    /// Connections the controller closed on an active session (should stay 0).
    pub dropped: AtomicU64,
    /// Stale connections (left open in a storm) the controller closed.
    pub stale_closed: AtomicU64,
    /// Connect attempts that failed (retried).
    pub connect_errors: AtomicU64,
    /// OFPT_ERROR messages received.
    pub errors: AtomicU64,
    /// Echo replies received.
    pub echo_replies: AtomicU64,
    /// Per storm reconnect: milliseconds from the storm to the new session being up.
    pub back_ms: std::sync::Mutex<Vec<u64>>,
}

impl Counters {
    /// The `q` quantile (0..=1) of [`Self::back_ms`], and their count.
    pub fn back_quantile(&self, q: f64) -> (u64, usize) {
        let mut v = self.back_ms.lock().map(|v| v.clone()).unwrap_or_default();
        v.sort_unstable();
        let i = ((v.len() as f64 - 1.0) * q).round().max(0.0) as usize;
        (v.get(i).copied().unwrap_or(0), v.len())
    }
}

/// The fleet: start it with [`Fleet::start`] inside a tokio runtime.
pub struct Fleet {
    /// Counters.
    pub counters: Arc<Counters>,
    storm_tx: watch::Sender<(u64, u64)>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// One switch's settings.
#[derive(Clone, Copy)]
struct Spec {
    addr: SocketAddr,
    dpid: u64,
    keepalive: Duration,
    /// Count the session up only once a FLOW_MOD arrived (tapdemon installs its pipeline
    /// at connect; ovs-testcontroller sends none until traffic).
    need_flow_mod: bool,
}

const XID_PROBE: u32 = 0x0ec0_0001;
const XID_KEEPALIVE: u32 = 0x0ec0_0002;

impl Fleet {
    /// Start `n` switches (dpids 1..=n) against `addr`.
    pub async fn start(
        addr: SocketAddr,
        n: u64,
        keepalive: Duration,
        need_flow_mod: bool,
    ) -> Fleet {
        let counters = Arc::new(Counters::default());
        let (storm_tx, storm_rx) = watch::channel((0u64, 0u64));
        let mut tasks = Vec::with_capacity(n as usize);
        for dpid in 1..=n {
            let spec = Spec {
                addr,
                dpid,
                keepalive,
                need_flow_mod,
            };
            tasks.push(tokio::spawn(switch(
                spec,
                counters.clone(),
                storm_rx.clone(),
            )));
            if dpid % 256 == 0 {
                // Let the accept queue drain: a listen backlog overflow costs a 1 s SYN retry.
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
        Fleet {
            counters,
            storm_tx,
            tasks,
        }
    }

    /// Switches up now.
    pub fn up(&self) -> usize {
        self.counters.up.load(Ordering::Acquire)
    }

    /// Wait until `want` switches are up, or `timeout`; returns the number up.
    pub async fn wait_up(&self, want: usize, timeout: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.up() < want && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        self.up()
    }

    /// Every switch with dpid <= `n` drops its connection and reconnects at once.
    pub fn storm(&self, n: u64) {
        self.storm_tx.send_modify(|(gen, upto)| {
            *gen += 1;
            *upto = n;
        });
    }

    /// Stop every switch (connections close).
    pub fn stop(self) {
        for t in self.tasks {
            t.abort();
        }
    }
}

/// How a session ended.
enum End {
    /// The controller closed it (or the connection failed).
    Closed,
    /// A storm: reconnect now; the old connection is handed back to keep or close.
    Storm(TcpStream),
}

async fn switch(spec: Spec, c: Arc<Counters>, mut storm: watch::Receiver<(u64, u64)>) {
    let mut backoff = Duration::from_millis(20);
    let mut stormed: Option<std::time::Instant> = None;
    loop {
        let stream = match connect(spec.addr).await {
            Ok(s) => s,
            Err(_) => {
                c.connect_errors.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
                continue;
            }
        };
        backoff = Duration::from_millis(20);
        match session(stream, spec, &c, &mut storm, stormed.take()).await {
            End::Closed => {
                c.dropped.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            End::Storm(old) if spec.dpid % 2 == 1 => {
                stormed = Some(std::time::Instant::now());
                // Stale: keep it open and silent until the controller closes it.
                let c = c.clone();
                tokio::spawn(async move {
                    let mut old = old;
                    let mut sink = [0u8; 256];
                    while matches!(old.read(&mut sink).await, Ok(n) if n > 0) {}
                    c.stale_closed.fetch_add(1, Ordering::Relaxed);
                });
            }
            End::Storm(old) => {
                stormed = Some(std::time::Instant::now());
                drop(old);
            }
        }
    }
}

async fn connect(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let sock = TcpSocket::new_v4()?;
    // Small kernel buffers: idle switches exchange a few hundred bytes.
    let _ = sock.set_recv_buffer_size(16 * 1024);
    let _ = sock.set_send_buffer_size(16 * 1024);
    let s = sock.connect(addr).await?;
    let _ = s.set_nodelay(true);
    Ok(s)
}

fn header(out: &mut Vec<u8>, ty: u8, len: u16, xid: u32) {
    out.extend_from_slice(&[1, ty]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&xid.to_be_bytes());
}

fn features_reply(dpid: u64, xid: u32) -> Vec<u8> {
    let ports = (1..=4u16)
        .map(|n| of10::PhyPort {
            port_no: of10::PortNo(n),
            hw_addr: MacAddr([
                0x0a,
                (dpid >> 16) as u8,
                (dpid >> 8) as u8,
                dpid as u8,
                0,
                n as u8,
            ]),
            name: format!("s{dpid}-eth{n}"),
            config: 0,
            state: 0,
            curr: 0,
            advertised: 0,
            supported: 0,
            peer: 0,
        })
        .collect();
    of10::Message::FeaturesReply(of10::FeaturesReply {
        datapath_id: DatapathId(dpid),
        n_buffers: 0,
        n_tables: 1,
        capabilities: 0,
        actions: 0,
        ports,
    })
    .to_bytes(xid)
    .expect("features reply encodes")
    .to_vec()
}

async fn session(
    mut stream: TcpStream,
    spec: Spec,
    c: &Counters,
    storm: &mut watch::Receiver<(u64, u64)>,
    stormed: Option<std::time::Instant>,
) -> End {
    let mut out = Vec::with_capacity(64);
    header(&mut out, 0, 8, 1); // HELLO
    if stream.write_all(&out).await.is_err() {
        return End::Closed;
    }
    let mut buf = BytesMut::with_capacity(512);
    let (mut got_flow_mod, mut got_probe_reply, mut up) = (false, false, false);
    let mut keepalive =
        tokio::time::interval_at(tokio::time::Instant::now() + spec.keepalive, spec.keepalive);
    storm.borrow_and_update();
    let end = loop {
        tokio::select! {
            r = stream.read_buf(&mut buf) => match r {
                Ok(0) | Err(_) => break End::Closed,
                Ok(_) => {}
            },
            _ = keepalive.tick() => {
                out.clear();
                header(&mut out, 2, 8, XID_KEEPALIVE);
                if stream.write_all(&out).await.is_err() {
                    break End::Closed;
                }
                continue;
            }
            r = storm.changed() => {
                if r.is_err() {
                    // The fleet is gone: idle until aborted.
                    std::future::pending::<()>().await;
                }
                let (_, upto) = *storm.borrow_and_update();
                if spec.dpid <= upto {
                    if up {
                        c.up.fetch_sub(1, Ordering::AcqRel);
                    }
                    return End::Storm(stream);
                }
                continue;
            }
        }
        out.clear();
        while buf.len() >= 8 {
            let len = usize::from(u16::from_be_bytes([buf[2], buf[3]]));
            if len < 8 {
                break;
            }
            if buf.len() < len {
                break;
            }
            let (ty, xid) = (buf[1], u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]));
            match ty {
                // FEATURES_REQUEST
                5 => {
                    out.extend_from_slice(&features_reply(spec.dpid, xid));
                    // The probe echo: its reply proves the session is served.
                    header(&mut out, 2, 8, XID_PROBE);
                }
                // ECHO_REQUEST: reply with the same body
                2 => {
                    let at = out.len();
                    out.extend_from_slice(&buf[..len]);
                    out[at + 1] = 3;
                }
                // ECHO_REPLY
                3 => {
                    c.echo_replies.fetch_add(1, Ordering::Relaxed);
                    if xid == XID_PROBE {
                        got_probe_reply = true;
                    }
                }
                // GET_CONFIG_REQUEST -> GET_CONFIG_REPLY (flags 0, miss_send_len 128)
                7 => {
                    header(&mut out, 8, 12, xid);
                    out.extend_from_slice(&[0, 0, 0, 128]);
                }
                // BARRIER_REQUEST -> BARRIER_REPLY
                18 => header(&mut out, 19, 8, xid),
                // FLOW_MOD
                14 => got_flow_mod = true,
                // ERROR
                1 => {
                    c.errors.fetch_add(1, Ordering::Relaxed);
                }
                _ => {}
            }
            buf.advance(len);
        }
        if buf.len() >= 4 && u16::from_be_bytes([buf[2], buf[3]]) < 8 {
            break End::Closed;
        }
        if !up && (got_flow_mod || !spec.need_flow_mod) && got_probe_reply {
            up = true;
            c.up.fetch_add(1, Ordering::AcqRel);
            c.sessions.fetch_add(1, Ordering::Relaxed);
            if let (Some(t), Ok(mut v)) = (stormed, c.back_ms.lock()) {
                v.push(t.elapsed().as_millis() as u64);
            }
        }
        if !out.is_empty() && stream.write_all(&out).await.is_err() {
            break End::Closed;
        }
        if buf.capacity() > 4096 && buf.is_empty() {
            buf = BytesMut::with_capacity(512);
        }
    };
    if up {
        c.up.fetch_sub(1, Ordering::AcqRel);
    }
    end
}

/// Resident set size of `pid` in KiB (`VmRSS`).
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// CPU time (user + system) of `pid` in seconds, from `/proc/PID/stat`.
pub fn cpu_secs(pid: u32) -> f64 {
    let ticks = 100.0; // USER_HZ: 100 on every Linux architecture tapdemon builds for
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // Fields after the command name (which may contain spaces) in parentheses.
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            let utime: f64 = f.get(11)?.parse().ok()?;
            let stime: f64 = f.get(12)?.parse().ok()?;
            Some((utime + stime) / ticks)
        })
        .unwrap_or(0.0)
}

/// Raise this process's open-files limit (inherited by the controller it spawns) to at
/// least `want`, raising the hard limit too when allowed (root). Returns the soft limit.
pub fn raise_nofile(want: u64) -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid, writable rlimit struct.
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        if lim.rlim_cur < want {
            let hard = lim.rlim_max.max(want);
            let new = libc::rlimit {
                rlim_cur: want,
                rlim_max: hard,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &new) != 0 {
                // Not root: as far as the hard limit goes.
                let new = libc::rlimit {
                    rlim_cur: lim.rlim_max,
                    rlim_max: lim.rlim_max,
                };
                libc::setrlimit(libc::RLIMIT_NOFILE, &new);
            }
        }
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
    }
    lim.rlim_cur
}

/// A controller process under test, stopped (by its PID) on drop.
pub struct ControllerProcess {
    /// What it is (`tapdemon`, `ovs-testcontroller`).
    pub name: &'static str,
    /// Its OpenFlow address.
    pub addr: SocketAddr,
    /// Its REST address (tapdemon only).
    pub rest: Option<SocketAddr>,
    child: std::process::Child,
    dir: std::path::PathBuf,
}

/// A free TCP port on 127.0.0.1 (bound and released: fine on a test machine).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl ControllerProcess {
    /// `bin run` with keepalive defaults (echo every 5 s), l2_learning, REST on a free
    /// port for `/metrics`; no LLDP probes (a fleet of fake switches has no links) and no
    /// sFlow collector.
    pub fn tapdemon(bin: &std::path::Path, dir: &std::path::Path) -> ControllerProcess {
        let port = free_port();
        let rest_port = free_port();
        let cfg = dir.join("scale.toml");
        std::fs::write(
            &cfg,
            format!(
                "[controller]\nlisten = [\"127.0.0.1:{port}\"]\n\n[rest]\nlisten = \"127.0.0.1:{rest_port}\"\n\n[collector]\nenabled = false\n\n[topology]\nenabled = false\n"
            ),
        )
        .expect("write scale.toml");
        let log = std::fs::File::create(dir.join("tapdemon.log")).expect("log file");
        let child = std::process::Command::new(bin)
            .args(["run", "--config"])
            .arg(&cfg)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut p = ControllerProcess {
            name: "tapdemon",
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            rest: Some(SocketAddr::from(([127, 0, 0, 1], rest_port))),
            child,
            dir: dir.to_path_buf(),
        };
        p.wait_listening();
        p
    }

    /// Debian's `ovs-testcontroller` (a MAC-learning controller in C), the peer.
    pub fn testcontroller(dir: &std::path::Path) -> ControllerProcess {
        let port = free_port();
        let log = std::fs::File::create(dir.join("testcontroller.log")).expect("log file");
        let child = std::process::Command::new("ovs-testcontroller")
            .arg("-vconsole:warn")
            .arg(format!("ptcp:{port}:127.0.0.1"))
            .env("OVS_RUNDIR", dir)
            .env("OVS_LOGDIR", dir)
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start ovs-testcontroller ({e}): apt-get install openvswitch-testcontroller")
            });
        let mut p = ControllerProcess {
            name: "ovs-testcontroller",
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            rest: None,
            child,
            dir: dir.to_path_buf(),
        };
        p.wait_listening();
        p
    }

    fn wait_listening(&mut self) {
        for _ in 0..200 {
            if std::net::TcpStream::connect(self.addr).is_ok() {
                return;
            }
            if let Ok(Some(st)) = self.child.try_wait() {
                panic!("{} exited ({st}): {}", self.name, self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "{} is not listening on {}: {}",
            self.name,
            self.addr,
            self.log()
        );
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        let f = if self.name == "tapdemon" {
            "tapdemon.log"
        } else {
            "testcontroller.log"
        };
        std::fs::read_to_string(self.dir.join(f)).unwrap_or_default()
    }

    /// Its PID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Still running?
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// `GET /metrics` (tapdemon), as text.
    pub fn metrics(&self) -> String {
        use std::io::{Read, Write};
        let Some(rest) = self.rest else {
            return String::new();
        };
        let Ok(mut s) = std::net::TcpStream::connect(rest) else {
            return String::new();
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
        let _ = write!(
            s,
            "GET /metrics HTTP/1.1\r\nHost: {rest}\r\nConnection: close\r\n\r\n"
        );
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    }

    /// One sample's value from `/metrics` (the first line starting with `name`).
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metrics()
            .lines()
            .find(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{']))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.trim().parse().ok())
    }
}

impl Drop for ControllerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
