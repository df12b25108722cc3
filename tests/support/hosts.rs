//! Acting inside host namespaces: commands, pings, background processes.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use super::bg::BgProcess;
use super::lab::{wait_until, Lab};
use super::prereq;

impl Lab {
    /// Run `args` inside the host's namespace and wait for it.
    pub fn exec(&self, host: &str, args: &[&str]) -> Output {
        let ns = &self.host(host).ns;
        Command::new(prereq::tool("ip"))
            .args(["netns", "exec", ns])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("ip netns exec {ns} {args:?}: {e}"))
    }

    /// [`Self::exec`], panicking on failure; returns stdout.
    pub fn exec_ok(&self, host: &str, args: &[&str]) -> String {
        let out = self.exec(host, args);
        assert!(
            out.status.success(),
            "{args:?} in {host} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// An IP for a host name (or the text itself if it is no host of this lab).
    pub fn ip_of(&self, host_or_ip: &str) -> String {
        self.hosts
            .iter()
            .find(|h| h.name == host_or_ip)
            .map(|h| h.ip.clone())
            .unwrap_or_else(|| host_or_ip.to_string())
    }

    /// Replies to `count` pings from `from` to `to` (host name or IP): see [`Self::ping_counts`].
    pub fn ping_received(&self, from: &str, to: &str, count: u32, timeout: Duration) -> u32 {
        self.ping_counts(from, to, count, timeout).1
    }

    /// Pings from `from` to `to` (host name or IP), 0.2 s apart, until `count` replies
    /// came or `timeout` passed: (requests sent, replies received). More than `count`
    /// requests go out when replies are slow (`ping -w` keeps sending until it has
    /// `count` replies), so a test counting requests in a capture compares with the first.
    ///
    /// The source's neighbour entry for `to` is flushed first: after a failed attempt it
    /// is FAILED, and the kernel then answers "host unreachable" at once, which ends
    /// `ping -c N` after N errors before the (now working) path is even tried.
    pub fn ping_counts(&self, from: &str, to: &str, count: u32, timeout: Duration) -> (u32, u32) {
        let ip = self.ip_of(to);
        let _ = self.exec(from, &["ip", "neigh", "flush", "to", &ip]);
        let deadline = timeout.as_secs().max(1).to_string();
        let out = self.exec(
            from,
            &[
                "ping",
                "-n",
                "-q",
                "-c",
                &count.to_string(),
                "-i",
                "0.2",
                "-W",
                "1",
                "-w",
                &deadline,
                &ip,
            ],
        );
        let text = String::from_utf8_lossy(&out.stdout);
        // "3 packets transmitted, 3 received, 0% packet loss, time 402ms"
        let field = |suffix: &str| {
            text.split(',')
                .find_map(|p| {
                    let n = p.trim().strip_suffix(suffix)?;
                    // The first field starts on the statistics line: take its last word.
                    n.split_whitespace().last()?.parse().ok()
                })
                .unwrap_or(0)
        };
        (field(" packets transmitted"), field(" received"))
    }

    /// Did at least one of `count` pings get a reply?
    pub fn ping(&self, from: &str, to: &str, count: u32, timeout: Duration) -> bool {
        self.ping_received(from, to, count, timeout) > 0
    }

    /// Forget the host's ARP entries (before a reachability check or a capture).
    pub fn flush_arp(&self, host: &str) {
        self.exec_ok(host, &["ip", "neigh", "flush", "all"]);
    }

    /// Start `args` in the background inside the host's namespace
    /// (`tcpdump -i h11-eth0 -U -w FILE`, `python3 -m http.server`). Stop it by PID with
    /// [`BgProcess::stop`]; dropping it kills it.
    pub fn spawn(&mut self, host: &str, args: &[&str]) -> BgProcess {
        let ns = self.host(host).ns.clone();
        let mut c = Command::new(prereq::tool("ip"));
        c.args(["netns", "exec", &ns]).args(args);
        self.spawn_command(c, &format!("{host}: {}", args.join(" ")))
    }

    /// Start `args` in the background in the root namespace (e.g. tcpdump on `lo`).
    pub fn spawn_root(&mut self, args: &[&str]) -> BgProcess {
        let (prog, rest) = args.split_first().expect("spawn_root needs a program");
        let mut c = Command::new(prog);
        c.args(rest);
        self.spawn_command(c, &args.join(" "))
    }

    fn spawn_command(&mut self, mut c: Command, label: &str) -> BgProcess {
        self.bg_count += 1;
        let out = self.path(&format!("bg{}.out", self.bg_count));
        let err = self.path(&format!("bg{}.err", self.bg_count));
        c.stdin(Stdio::null())
            .stdout(File::create(&out).expect("create bg stdout"))
            .stderr(File::create(&err).expect("create bg stderr"));
        let child = c
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {label}: {e}"));
        BgProcess {
            child: Some(child),
            label: label.to_string(),
            stdout_path: out,
            stderr_path: err,
        }
    }

    /// Start `tcpdump --immediate-mode -U -s 0 -w FILE` on `iface` (in `host`'s namespace,
    /// or the root namespace for `None`, e.g. `lo`) with a capture `filter`, and return
    /// once tcpdump is listening, so no early packet is lost. `FILE` is in the lab
    /// directory. Stop it with `stop_with(libc::SIGINT, ..)` so it flushes.
    pub fn capture(
        &mut self,
        host: Option<&str>,
        iface: &str,
        filter: &str,
        file: &str,
    ) -> (BgProcess, PathBuf) {
        prereq::require(&["tcpdump"]);
        let path = self.path(file);
        let p = path.to_string_lossy().into_owned();
        let mut args = vec![
            "tcpdump",
            "--immediate-mode",
            "-U",
            "-n",
            "-s",
            "0",
            "-i",
            iface,
            "-w",
            &p,
        ];
        args.extend(filter.split_whitespace());
        let bg = match host {
            Some(h) => self.spawn(h, &args),
            None => self.spawn_root(&args),
        };
        let listening = wait_until(Duration::from_secs(5), || {
            std::fs::read_to_string(&bg.stderr_path).is_ok_and(|t| t.contains("listening on"))
        });
        assert!(
            listening,
            "tcpdump on {iface} did not start: {}",
            std::fs::read_to_string(&bg.stderr_path).unwrap_or_default()
        );
        (bg, path)
    }
}

/// One line per packet of a capture file (`tcpdump -nn -e -r FILE`), with MACs.
pub fn pcap_lines(path: &Path) -> Vec<String> {
    let (out, lines) = read_pcap(path);
    assert!(
        out.status.success(),
        "tcpdump -r {} failed: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    lines
}

/// [`pcap_lines`] of a capture still being written: a record half written, or a file
/// without its header yet, ends the list instead of failing.
pub fn pcap_lines_so_far(path: &Path) -> Vec<String> {
    read_pcap(path).1
}

fn read_pcap(path: &Path) -> (std::process::Output, Vec<String>) {
    let out = Command::new(prereq::tool("tcpdump"))
        .args(["-nn", "-e", "-r"])
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .expect("run tcpdump -r");
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    (out, lines)
}
