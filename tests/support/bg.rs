//! Background processes (captures, servers) that tests stop by PID.

use std::path::PathBuf;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// A process started by the lab. Its stdout and stderr go to files, so it never blocks
/// on a full pipe. Dropping it kills it (SIGKILL) and reaps it.
pub struct BgProcess {
    pub(crate) child: Option<Child>,
    /// What was run, for messages.
    pub label: String,
    pub stdout_path: PathBuf,
    pub stderr_path: PathBuf,
}

/// What a stopped process left behind.
#[derive(Debug)]
pub struct BgOutput {
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
}

impl BgProcess {
    /// The process id (for `ip netns exec` it is the program itself: `ip` execs it).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// Still running (not exited, not a zombie)?
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Send `sig` to this process only.
    pub fn signal(&self, sig: i32) {
        if let Some(c) = &self.child {
            signal_pid(c.id(), sig);
        }
    }

    /// Stop it: `sig` (SIGTERM or SIGINT, so tcpdump flushes), then SIGKILL after `grace`.
    /// Returns its exit status and output.
    pub fn stop_with(mut self, sig: i32, grace: Duration) -> BgOutput {
        let status = self.child.take().map(|mut c| {
            signal_pid(c.id(), sig);
            let deadline = Instant::now() + grace;
            loop {
                if let Ok(Some(st)) = c.try_wait() {
                    break st;
                }
                if Instant::now() > deadline {
                    let _ = c.kill();
                    break c.wait().expect("wait for killed process");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        BgOutput {
            status,
            stdout: std::fs::read_to_string(&self.stdout_path).unwrap_or_default(),
            stderr: std::fs::read_to_string(&self.stderr_path).unwrap_or_default(),
        }
    }

    /// [`Self::stop_with`] SIGTERM and a 3 s grace period.
    pub fn stop(self) -> BgOutput {
        self.stop_with(libc::SIGTERM, Duration::from_secs(3))
    }
}

impl Drop for BgProcess {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// `kill(pid, sig)`, ignoring a process that is already gone.
pub fn signal_pid(pid: u32, sig: i32) {
    if pid == 0 {
        return;
    }
    // SAFETY: kill(2) with a specific positive pid; no memory is involved.
    unsafe {
        libc::kill(pid as libc::pid_t, sig);
    }
}

/// Alive and not a zombie? (Detached daemons are reparented; here nothing may reap
/// them, so an exited daemon can linger in state Z: that counts as dead.)
pub fn pid_alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the parenthesised command name, which may itself hold ')'.
    match stat.rfind(')') {
        Some(i) => !matches!(
            stat[i + 1..].trim_start().chars().next(),
            Some('Z') | Some('X') | None
        ),
        None => false,
    }
}

/// Wait until `pid` is dead or `timeout` passes; true if it died.
pub fn wait_dead(pid: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while pid_alive(pid) {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}
