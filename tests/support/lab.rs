//! A real Open vSwitch lab for integration tests, built without Mininet.
//!
//! A [`Lab`] owns private `ovsdb-server` and `ovs-vswitchd` daemons (run directory, database
//! and logs in a fresh `/tmp/tapdemon-lab-*` directory; the system's OVS is never touched),
//! userspace (`netdev`) bridges, and hosts as network namespaces on veth pairs with fixed
//! OpenFlow port numbers. Dropping it tears everything down, also when the test panics.
//!
//! Only one netdev `ovs-vswitchd` can run per machine (each opens a tap device named
//! `ovs-netdev`), and the seed topology uses fixed names, so every lab holds an exclusive
//! `flock` on [`LOCK_PATH`] for its whole life: lab tests run one at a time, across test
//! binaries and across worktrees. A test holds at most one `Lab` at a time.
//!
//! Naming: [`Lab::new`] prefixes every bridge and namespace with a short unique tag
//! (`t3f2a0s1`), so leftovers never clash with anything; [`Lab::exact`] and
//! [`Lab::seed_topology`] use the names as given (`s1`, `h8`), as the PyTapDEMon topology
//! and Mininet do. Inside a host namespace the interface is always `<host>-eth0`; the
//! switch side of a link is `<bridge device>-eth<port>`, as in Mininet.
//!
//! A crashed run (even SIGKILLed) is cleaned up by the next lab: under the lock, any other
//! `/tmp/tapdemon-lab-*` directory is stale; its daemons are killed by the PIDs in its
//! pidfiles (after checking their command line names that directory) and the namespaces
//! and links listed in its manifest are deleted.

use std::cell::Cell;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::bg::{pid_alive, signal_pid, wait_dead};
use super::flows::{parse_dump_flows, FlowEntry};
use super::kernel::{
    acquire_lock, base36, delete_link, delete_netns, delete_unused_tap, read_pidfile,
    reap_stale_labs, run_quiet, stop_daemon, tempdir, wait_no_foreign_netdev, Footprint,
};
use super::prereq;

pub(super) const OVS_ENV: [&str; 4] = ["OVS_RUNDIR", "OVS_LOGDIR", "OVS_DBDIR", "OVS_SYSCONFDIR"];
/// Linux IFNAMSIZ - 1.
pub(super) const MAX_IFNAME: usize = 15;

/// OpenFlow versions a bridge accepts (its `protocols` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OfVersions {
    Of10,
    Of13,
    Both,
}

impl OfVersions {
    /// The `protocols` value.
    pub fn protocols(self) -> &'static str {
        match self {
            OfVersions::Of10 => "OpenFlow10",
            OfVersions::Of13 => "OpenFlow13",
            OfVersions::Both => "OpenFlow10,OpenFlow13",
        }
    }

    /// The `-O` value for `ovs-ofctl` on such a bridge (plain ovs-ofctl speaks only 1.0).
    pub fn ofctl_protocol(self) -> &'static str {
        match self {
            OfVersions::Of10 => "OpenFlow10",
            OfVersions::Of13 | OfVersions::Both => "OpenFlow13",
        }
    }
}

/// How lab object names are formed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Naming {
    /// `<tag><name>`, with a tag unique to this lab.
    Unique,
    /// The names as given.
    Exact,
}

/// How two bridges are joined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// A veth pair (kernel devices with an ifindex, as in Mininet).
    Veth,
    /// OVS patch ports (no kernel devices, no ifindex).
    Patch,
}

/// A bridge as created.
#[derive(Clone, Debug)]
pub struct Bridge {
    /// Name the test uses.
    pub name: String,
    /// Bridge (and root-namespace device) name.
    pub dev: String,
    pub dpid: u64,
    pub versions: OfVersions,
}

/// Options for [`Lab::add_bridge_spec`].
#[derive(Clone, Debug)]
pub struct BridgeSpec {
    pub name: String,
    pub dpid: u64,
    pub versions: OfVersions,
    /// Controller targets (`tcp:127.0.0.1:6653`, `ptcp:6654:127.0.0.1`).
    pub controllers: Vec<String>,
    /// `secure` (default: no forwarding without flows) or `standalone`.
    pub fail_mode: &'static str,
}

impl BridgeSpec {
    pub fn new(name: &str, dpid: u64, versions: OfVersions) -> Self {
        BridgeSpec {
            name: name.to_string(),
            dpid,
            versions,
            controllers: Vec::new(),
            fail_mode: "secure",
        }
    }

    /// Add the active controller `tcp:127.0.0.1:PORT`.
    pub fn controller_port(mut self, port: u16) -> Self {
        self.controllers.push(format!("tcp:127.0.0.1:{port}"));
        self
    }

    /// Add any controller target.
    pub fn controller(mut self, target: &str) -> Self {
        self.controllers.push(target.to_string());
        self
    }

    pub fn fail_mode(mut self, mode: &'static str) -> Self {
        self.fail_mode = mode;
        self
    }
}

/// A host: a network namespace with one interface on a bridge port.
#[derive(Clone, Debug)]
pub struct Host {
    /// Name the test uses (`h1`).
    pub name: String,
    /// Namespace name.
    pub ns: String,
    /// `10.0.0.N`.
    pub ip: String,
    /// `00:00:00:00:00:NN` (N in hex, as Mininet's `autoSetMacs`).
    pub mac: String,
    /// Interface inside the namespace: `<name>-eth0`.
    pub iface: String,
    /// Bridge (test name) and OpenFlow port it hangs on.
    pub bridge: String,
    pub port: u16,
    /// Switch-side interface in the root namespace.
    pub switch_iface: String,
}

thread_local! {
    static HOLDS_LAB: Cell<bool> = const { Cell::new(false) };
}

/// A running lab. See the module docs.
pub struct Lab {
    pub(super) dir: PathBuf,
    pub(super) naming: Naming,
    pub(super) tag: String,
    pub(super) bridges: Vec<Bridge>,
    pub(super) hosts: Vec<Host>,
    /// Root-namespace devices we created (switch-side veth ends).
    pub(super) devices: Vec<String>,
    /// (bridge test name, port) -> interface name.
    pub(super) ports: Vec<(String, u16, String)>,
    pub(super) bg_count: u32,
    /// Released last (fields drop after `Drop::drop`, in order).
    pub(super) _lock: File,
}

impl Lab {
    /// A lab whose names get a unique tag.
    pub fn new() -> Lab {
        Lab::with_naming(Naming::Unique)
    }

    /// A lab that uses names exactly as given.
    pub fn exact() -> Lab {
        Lab::with_naming(Naming::Exact)
    }

    pub fn with_naming(naming: Naming) -> Lab {
        prereq::require(prereq::LAB_TOOLS);
        if HOLDS_LAB.with(|h| h.replace(true)) {
            panic!("this thread already holds a Lab: a test may hold one Lab at a time (the lock would deadlock)");
        }
        let lock = acquire_lock();
        reap_stale_labs();
        wait_no_foreign_netdev();
        let dir = tempdir();
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tag = format!(
            "t{}{}",
            base36(std::process::id() % 36u32.pow(4), 4),
            base36(n % 36, 1)
        );
        let lab = Lab {
            dir,
            naming,
            tag,
            bridges: Vec::new(),
            hosts: Vec::new(),
            devices: Vec::new(),
            ports: Vec::new(),
            bg_count: 0,
            _lock: lock,
        };
        lab.start_ovsdb();
        lab.start_vswitchd();
        lab
    }

    // ---- names and paths ------------------------------------------------------------

    /// The lab's private directory (run dir, database, logs; put captures here).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A path inside [`Self::dir`].
    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    pub(super) fn real_name(&self, name: &str) -> String {
        match self.naming {
            Naming::Exact => name.to_string(),
            Naming::Unique => format!("{}{name}", self.tag),
        }
    }

    /// A bridge by its test name (or device name).
    pub fn bridge(&self, name: &str) -> &Bridge {
        self.bridges
            .iter()
            .find(|b| b.name == name || b.dev == name)
            .unwrap_or_else(|| panic!("no bridge {name:?} in this lab"))
    }

    /// A host by its test name (or namespace name).
    pub fn host(&self, name: &str) -> &Host {
        self.hosts
            .iter()
            .find(|h| h.name == name || h.ns == name)
            .unwrap_or_else(|| panic!("no host {name:?} in this lab"))
    }

    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    pub fn bridges(&self) -> &[Bridge] {
        &self.bridges
    }

    /// Interface name of `bridge`'s OpenFlow port `port`.
    pub fn port_iface(&self, bridge: &str, port: u16) -> String {
        let b = &self.bridge(bridge).name;
        self.ports
            .iter()
            .find(|(br, p, _)| br == b && *p == port)
            .map(|(_, _, i)| i.clone())
            .unwrap_or_else(|| panic!("bridge {bridge} has no port {port} in this lab"))
    }

    /// What teardown must remove, for [`Footprint::leftovers`].
    pub fn footprint(&self) -> Footprint {
        let mut devices = self.devices.clone();
        devices.extend(self.bridges.iter().map(|b| b.dev.clone()));
        Footprint {
            dir: self.dir.clone(),
            namespaces: self.hosts.iter().map(|h| h.ns.clone()).collect(),
            devices,
            pids: [self.vswitchd_pid(), self.ovsdb_pid()]
                .into_iter()
                .flatten()
                .collect(),
        }
    }

    // ---- running commands -----------------------------------------------------------

    /// A command for an OVS program with this lab's OVS_* directories.
    pub fn ovs_command(&self, prog: &str) -> Command {
        let mut c = Command::new(prereq::tool(prog));
        for var in OVS_ENV {
            c.env(var, &self.dir);
        }
        c.stdin(Stdio::null());
        c
    }

    /// `ovs-vsctl --timeout=30 ARGS`; panics with stderr on failure; returns trimmed stdout.
    pub fn vsctl(&self, args: &[&str]) -> String {
        let mut c = self.ovs_command("ovs-vsctl");
        c.arg("--timeout=30").args(args);
        self.checked(c, "ovs-vsctl")
    }

    /// `ovs-ofctl --timeout=30 ARGS` (raw: name the bridge device and `-O` yourself).
    pub fn ofctl(&self, args: &[&str]) -> String {
        let mut c = self.ovs_command("ovs-ofctl");
        c.arg("--timeout=30").args(args);
        self.checked(c, "ovs-ofctl")
    }

    /// `ovs-ofctl -O <bridge's version> add-flow BRIDGE FLOW`.
    pub fn add_flow(&self, bridge: &str, flow: &str) {
        let b = self.bridge(bridge);
        self.ofctl(&["-O", b.versions.ofctl_protocol(), "add-flow", &b.dev, flow]);
    }

    /// `ovs-ofctl -O <bridge's version> del-flows BRIDGE`.
    pub fn del_flows(&self, bridge: &str) {
        let b = self.bridge(bridge);
        self.ofctl(&["-O", b.versions.ofctl_protocol(), "del-flows", &b.dev]);
    }

    /// The bridge's flow table (`ovs-ofctl --no-names -O OpenFlow13 dump-flows`, or
    /// OpenFlow10 on a 1.0-only bridge).
    pub fn dump_flows(&self, bridge: &str) -> Vec<FlowEntry> {
        let b = self.bridge(bridge);
        let text = self.ofctl(&[
            "--no-names",
            "-O",
            b.versions.ofctl_protocol(),
            "dump-flows",
            &b.dev,
        ]);
        parse_dump_flows(&text)
    }

    pub(super) fn checked(&self, mut c: Command, what: &str) -> String {
        let out = c
            .output()
            .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
        if !out.status.success() {
            panic!(
                "{what} failed ({}): {c:?}\nstdout: {}\nstderr: {}\n--- ovs-vswitchd.log tail ---\n{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                self.log_tail("ovs-vswitchd.log", 20)
            );
        }
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The last `n` lines of a log in the lab directory.
    pub fn log_tail(&self, log: &str, n: usize) -> String {
        let text = fs::read_to_string(self.path(log)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    // ---- daemons --------------------------------------------------------------------

    fn start_ovsdb(&self) {
        let d = self.dir.display();
        let mut c = self.ovs_command("ovsdb-tool");
        c.arg("create")
            .arg(self.path("conf.db"))
            .arg(prereq::OVS_SCHEMA);
        self.checked(c, "ovsdb-tool create");
        let mut c = self.ovs_command("ovsdb-server");
        c.arg(self.path("conf.db"))
            .arg(format!("--remote=punix:{d}/db.sock"))
            .arg(format!("--pidfile={d}/ovsdb-server.pid"))
            .arg(format!("--log-file={d}/ovsdb-server.log"))
            .args(["--no-chdir", "--detach", "-vconsole:off"]);
        self.run_daemon(c, "ovsdb-server");
        let mut c = self.ovs_command("ovs-vsctl");
        c.args(["--timeout=30", "--no-wait", "init"]);
        self.checked(c, "ovs-vsctl init");
    }

    /// Start `ovs-vswitchd` (again, after [`Self::kill_vswitchd`]); it re-creates the
    /// bridges and ports recorded in the database.
    pub fn start_vswitchd(&self) {
        let d = self.dir.display();
        let mut c = self.ovs_command("ovs-vswitchd");
        c.arg(format!("unix:{d}/db.sock"))
            .arg(format!("--pidfile={d}/ovs-vswitchd.pid"))
            .arg(format!("--log-file={d}/ovs-vswitchd.log"))
            .args(["--no-chdir", "--detach", "-vconsole:off"]);
        self.run_daemon(c, "ovs-vswitchd");
        // Ready when every bridge answers on its management socket again.
        for b in &self.bridges {
            let ok = wait_until(Duration::from_secs(10), || {
                let mut c = self.ovs_command("ovs-ofctl");
                c.args(["-O", b.versions.ofctl_protocol(), "show", &b.dev]);
                c.stdout(Stdio::null()).stderr(Stdio::null());
                c.status().map(|s| s.success()).unwrap_or(false)
            });
            assert!(
                ok,
                "bridge {} did not come back after starting ovs-vswitchd",
                b.dev
            );
        }
    }

    fn run_daemon(&self, mut c: Command, name: &str) {
        let err = self.path(&format!("{name}.start.err"));
        c.stdout(Stdio::null())
            .stderr(File::create(&err).expect("create daemon stderr file"));
        let st = c
            .status()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        if !st.success() {
            panic!(
                "{name} failed to start ({st}): {}\n{}",
                fs::read_to_string(&err).unwrap_or_default(),
                self.log_tail(&format!("{name}.log"), 20)
            );
        }
    }

    fn pidfile(&self, name: &str) -> Option<u32> {
        read_pidfile(&self.path(&format!("{name}.pid")))
    }

    pub fn vswitchd_pid(&self) -> Option<u32> {
        self.pidfile("ovs-vswitchd")
    }

    pub fn ovsdb_pid(&self) -> Option<u32> {
        self.pidfile("ovsdb-server")
    }

    /// `kill -9` ovs-vswitchd (by its pidfile) and wait until it is dead. The database
    /// keeps the configuration; flows are lost.
    pub fn kill_vswitchd(&self) {
        let pid = self.vswitchd_pid().expect("ovs-vswitchd pidfile");
        signal_pid(pid, libc::SIGKILL);
        assert!(
            wait_dead(pid, Duration::from_secs(5)),
            "ovs-vswitchd {pid} survived SIGKILL"
        );
        let _ = fs::remove_file(self.path("ovs-vswitchd.pid"));
    }

    /// [`Self::kill_vswitchd`] then [`Self::start_vswitchd`] (for reconnect tests).
    pub fn restart_vswitchd(&self) {
        self.kill_vswitchd();
        self.start_vswitchd();
    }

    // ---- controller, sFlow ----------------------------------------------------------

    /// Wait until OVSDB says the bridge's controller is connected (it lags by a second or
    /// so). Uses `ovs-vsctl --timeout=N wait-until controller BR is_connected=true`.
    pub fn wait_connected(&self, bridge: &str, timeout: Duration) -> bool {
        let dev = &self.bridge(bridge).dev;
        let secs = timeout.as_secs().max(1).to_string();
        let mut c = self.ovs_command("ovs-vsctl");
        c.arg(format!("--timeout={secs}")).args([
            "wait-until",
            "controller",
            dev,
            "is_connected=true",
        ]);
        c.stdout(Stdio::null()).stderr(Stdio::null());
        c.status().map(|s| s.success()).unwrap_or(false)
    }

    /// Replace the bridge's controller list (changing between empty and non-empty wipes flows).
    pub fn set_controllers(&self, bridge: &str, targets: &[&str]) {
        let dev = self.bridge(bridge).dev.clone();
        let mut args = vec!["set-controller", dev.as_str()];
        args.extend_from_slice(targets);
        self.vsctl(&args);
    }

    /// Re-set `protocols`: OVS reconnects to the controller at once, keeping its flows.
    pub fn set_protocols(&mut self, bridge: &str, versions: OfVersions) {
        let dev = self.bridge(bridge).dev.clone();
        self.vsctl(&[
            "set",
            "bridge",
            &dev,
            &format!("protocols={}", versions.protocols()),
        ]);
        if let Some(b) = self.bridges.iter_mut().find(|b| b.dev == dev) {
            b.versions = versions;
        }
    }

    /// Kernel ifindex of an interface (what sFlow flow samples carry).
    pub fn ifindex(&self, iface: &str) -> u32 {
        let s = self.vsctl(&["get", "interface", iface, "ifindex"]);
        s.parse()
            .unwrap_or_else(|_| panic!("ifindex of {iface}: {s:?}"))
    }

    /// Ifindex of `bridge`'s port `port`.
    pub fn port_ifindex(&self, bridge: &str, port: u16) -> u32 {
        self.ifindex(&self.port_iface(bridge, port))
    }

    /// Export sFlow from `bridge` to `127.0.0.1:collector_port` (agent `lo`, 128-byte headers).
    pub fn enable_sflow(&self, bridge: &str, collector_port: u16, sampling: u32, polling: u32) {
        let dev = &self.bridge(bridge).dev;
        let target = format!("target=\"127.0.0.1:{collector_port}\"");
        let sampling = format!("sampling={sampling}");
        let polling = format!("polling={polling}");
        self.vsctl(&[
            "--",
            "--id=@s",
            "create",
            "sFlow",
            "agent=lo",
            &target,
            "header=128",
            &sampling,
            &polling,
            "--",
            "set",
            "bridge",
            dev,
            "sflow=@s",
        ]);
    }

    // ---- teardown -------------------------------------------------------------------

    fn teardown(&mut self) {
        // Processes still running in our namespaces (started by this test) keep them alive.
        for h in &self.hosts {
            if let Ok(out) = Command::new("ip").args(["netns", "pids", &h.ns]).output() {
                for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                    if let Ok(pid) = pid.parse() {
                        signal_pid(pid, libc::SIGKILL);
                    }
                }
            }
        }
        // Bridges first, while vswitchd still runs, so it removes their devices itself
        // (if a test killed it, don't wait for it: the taps are deleted below).
        let wait = if self.vswitchd_pid().is_some_and(pid_alive) {
            "--timeout=5"
        } else {
            "--no-wait"
        };
        for b in &self.bridges {
            let mut c = self.ovs_command("ovs-vsctl");
            c.args([wait, "--if-exists", "del-br", &b.dev]);
            run_quiet(&mut c);
        }
        for name in ["ovs-vswitchd", "ovsdb-server"] {
            if let Some(pid) = self.pidfile(name) {
                stop_daemon(pid, &self.dir);
            }
        }
        for h in &self.hosts {
            delete_netns(&h.ns);
            let _ = fs::remove_dir_all(Path::new("/etc/netns").join(&h.ns));
        }
        for d in &self.devices {
            delete_link(d);
        }
        // Left over if vswitchd died before del-br (a test killed it).
        for b in &self.bridges {
            delete_unused_tap(&b.dev);
        }
        if !self.bridges.is_empty() {
            delete_unused_tap("ovs-netdev");
        }
        if let Err(e) = fs::remove_dir_all(&self.dir) {
            eprintln!("lab: cannot remove {}: {e}", self.dir.display());
        }
    }
}

impl Default for Lab {
    fn default() -> Self {
        Lab::new()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- lab {} failed; ovs-vswitchd.log tail ---\n{}",
                self.dir.display(),
                self.log_tail("ovs-vswitchd.log", 40)
            );
        }
        self.teardown();
        HOLDS_LAB.with(|h| h.set(false));
    }
}

// ---- helpers without a lab ---------------------------------------------------------

/// Poll `f` every 50 ms until it is true or `timeout` passes.
pub fn wait_until(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
