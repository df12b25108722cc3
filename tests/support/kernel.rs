//! Kernel objects and processes outside any one lab: namespaces, links, persistent taps,
//! the machine-wide lock, and cleanup after crashed labs.

use std::fs::{self, File, OpenOptions};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::bg::{pid_alive, signal_pid, wait_dead};
use super::lab::{wait_until, MAX_IFNAME};
use super::prereq;

/// Machine-wide lock every lab holds for its lifetime.
pub const LOCK_PATH: &str = "/tmp/tapdemon-lab.lock";
pub(super) const DIR_PREFIX: &str = "tapdemon-lab-";
/// One line per kernel object created ("netns NAME", "link NAME", "tap NAME"), for
/// cleanup after a crash.
pub(super) const MANIFEST: &str = "lab-objects";

/// The kernel and process objects of a lab, to check that teardown removed them.
#[derive(Clone, Debug)]
pub struct Footprint {
    pub dir: PathBuf,
    pub namespaces: Vec<String>,
    pub devices: Vec<String>,
    pub pids: Vec<u32>,
}

impl Footprint {
    /// What still exists, described; empty when everything is gone.
    pub fn leftovers(&self) -> Vec<String> {
        let mut out = Vec::new();
        out.extend(
            self.namespaces
                .iter()
                .filter(|n| netns_exists(n))
                .map(|n| format!("netns {n}")),
        );
        out.extend(
            self.namespaces
                .iter()
                .filter(|n| Path::new("/etc/netns").join(n).exists())
                .map(|n| format!("/etc/netns/{n}")),
        );
        out.extend(
            self.devices
                .iter()
                .filter(|d| link_exists(d))
                .map(|d| format!("device {d}")),
        );
        out.extend(
            self.pids
                .iter()
                .filter(|p| pid_alive(**p))
                .map(|p| format!("process {p}")),
        );
        if self.dir.exists() {
            out.push(format!("directory {}", self.dir.display()));
        }
        out
    }
}

pub fn netns_exists(ns: &str) -> bool {
    Path::new("/run/netns").join(ns).exists()
}

pub fn link_exists(dev: &str) -> bool {
    Path::new("/sys/class/net").join(dev).exists()
}

pub(super) fn check_ifname(name: &str) {
    assert!(
        name.len() <= MAX_IFNAME,
        "interface name {name:?} is longer than {MAX_IFNAME} characters; use shorter bridge/host names"
    );
}

/// Run `ip` with whitespace-separated arguments (lab names never contain spaces).
pub(super) fn ip(cmdline: &str) {
    let args: Vec<&str> = cmdline.split_whitespace().collect();
    let out = Command::new(prereq::tool("ip"))
        .args(&args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("ip {args:?}: {e}"));
    assert!(
        out.status.success(),
        "ip {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(super) fn run_quiet(c: &mut Command) {
    let _ = c
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

pub(super) fn delete_netns(ns: &str) {
    if netns_exists(ns) {
        run_quiet(Command::new("ip").args(["netns", "del", ns]));
    }
}

pub(super) fn delete_link(dev: &str) {
    if link_exists(dev) {
        run_quiet(Command::new("ip").args(["link", "del", dev]));
    }
}

pub(super) fn disable_ipv6(dev: &str) {
    let _ = fs::write(format!("/proc/sys/net/ipv6/conf/{dev}/disable_ipv6"), "1");
}

pub(super) fn base36(mut n: u32, width: usize) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut s = Vec::new();
    for _ in 0..width {
        s.push(DIGITS[(n % 36) as usize]);
        n /= 36;
    }
    s.reverse();
    String::from_utf8(s).expect("ascii digits")
}

/// A fresh lab directory; names are never reused within a process, so a footprint
/// check cannot confuse the next lab's directory with the last one's.
pub(super) fn tempdir() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let base = std::env::temp_dir();
    let pid = std::process::id();
    for _ in 0..1000u32 {
        let i = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let d = base.join(format!("{DIR_PREFIX}{pid}-{i}"));
        if fs::create_dir(&d).is_ok() {
            return d;
        }
    }
    panic!("cannot create a lab directory under {}", base.display());
}

pub(super) fn acquire_lock() -> File {
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(LOCK_PATH)
        .unwrap_or_else(|e| panic!("open {LOCK_PATH}: {e}"));
    let fd = f.as_raw_fd();
    // SAFETY: flock on a descriptor we own; it stays open as long as `f`.
    if unsafe { libc::flock(fd, libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        eprintln!("lab: waiting for {LOCK_PATH} (another lab test is running)");
        loop {
            // SAFETY: as above.
            if unsafe { libc::flock(fd, libc::LOCK_EX) } == 0 {
                break;
            }
            let err = std::io::Error::last_os_error();
            assert_eq!(
                err.kind(),
                std::io::ErrorKind::Interrupted,
                "flock {LOCK_PATH}: {err}"
            );
        }
    }
    f
}

pub(super) fn read_pidfile(p: &Path) -> Option<u32> {
    fs::read_to_string(p).ok()?.trim().parse().ok()
}

/// SIGTERM, then SIGKILL after 2 s, a daemon we started (pid from our pidfile, checked
/// against its command line so a recycled PID is never hit).
pub(super) fn stop_daemon(pid: u32, dir: &Path) {
    if !pid_alive(pid) || !cmdline_mentions(pid, dir) {
        return;
    }
    signal_pid(pid, libc::SIGTERM);
    if !wait_dead(pid, Duration::from_secs(2)) {
        signal_pid(pid, libc::SIGKILL);
        wait_dead(pid, Duration::from_secs(2));
    }
}

pub(super) fn cmdline_mentions(pid: u32, dir: &Path) -> bool {
    let Ok(raw) = fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    String::from_utf8_lossy(&raw).contains(&*dir.to_string_lossy())
}

/// Remove what crashed labs left behind. Runs under the lock, so every other lab
/// directory belongs to a lab that is no longer running.
pub(super) fn reap_stale_labs() {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let dir = e.path();
        let is_lab = e.file_name().to_string_lossy().starts_with(DIR_PREFIX) && dir.is_dir();
        if !is_lab {
            continue;
        }
        eprintln!("lab: cleaning up stale {}", dir.display());
        for name in ["ovs-vswitchd", "ovsdb-server"] {
            if let Some(pid) = read_pidfile(&dir.join(format!("{name}.pid"))) {
                stop_daemon(pid, &dir);
            }
        }
        for line in fs::read_to_string(dir.join(MANIFEST))
            .unwrap_or_default()
            .lines()
        {
            match line.split_once(' ') {
                Some(("netns", ns)) => {
                    delete_netns(ns);
                    let _ = fs::remove_dir_all(Path::new("/etc/netns").join(ns));
                }
                Some(("link", dev)) => delete_link(dev),
                Some(("tap", dev)) => delete_unused_tap(dev),
                _ => {}
            }
        }
        let _ = fs::remove_dir_all(&dir);
    }
}

/// Is a tap device attached to some process (a running vswitchd)? The kernel shows
/// `iff:\tNAME` in the fdinfo of every open tun/tap descriptor.
pub fn tap_in_use(dev: &str) -> bool {
    let needle = format!("iff:\t{dev}\n");
    let Ok(procs) = fs::read_dir("/proc") else {
        return false;
    };
    procs.flatten().any(|p| {
        fs::read_dir(p.path().join("fdinfo"))
            .map(|fds| {
                fds.flatten()
                    .any(|fd| fs::read_to_string(fd.path()).is_ok_and(|t| t.contains(&needle)))
            })
            .unwrap_or(false)
    })
}

/// Delete a leftover persistent tap (a netdev bridge or `ovs-netdev`) nobody holds.
pub(super) fn delete_unused_tap(dev: &str) {
    if link_exists(dev) && !tap_in_use(dev) {
        delete_link(dev);
    }
}

/// A netdev vswitchd not started by a lab blocks ours (the `ovs-netdev` tap is busy).
/// An `ovs-netdev` that no process holds is a leftover of a killed vswitchd: delete it.
pub(super) fn wait_no_foreign_netdev() {
    delete_unused_tap("ovs-netdev");
    if link_exists("ovs-netdev")
        && !wait_until(Duration::from_secs(60), || !tap_in_use("ovs-netdev"))
    {
        panic!(
            "another ovs-vswitchd with a userspace (netdev) datapath is running on this machine \
             (device ovs-netdev exists) and it is not a tapdemon lab; only one can run at a time. \
             Stop it (by its PID) and re-run."
        );
    }
    delete_unused_tap("ovs-netdev");
}
