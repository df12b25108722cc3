//! `tapdemon run` with its REST API, as an operator starts it: SIGHUP reloads the config (a
//! broken file is refused and reported, the controller keeps running), `check-config`
//! covers `[rest]`, and a non-loopback API without a token refuses to start.

use std::io::Write;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tapdemon"));
    // Never the machine's /var/lib/tapdemon/state.json: taps one test makes must not come
    // back in another.
    c.env("TAPDEMON_STATE_FILE", "");
    c
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn signal(child: &Child, sig: i32) {
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: kill(2) on our own child's PID; no memory is shared.
    assert_eq!(unsafe { libc::kill(pid, sig) }, 0);
}

fn get(url: &str) -> Option<serde_json::Value> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let r = reqwest::get(url).await.ok()?;
        r.json().await.ok()
    })
}

fn wait_for(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn sighup_reloads_and_keeps_running_on_a_broken_file() {
    let dir = std::env::temp_dir().join(format!("tapdemon-rest-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("tapdemon.toml");
    let port = free_port();
    let good = format!("[switches]\ns1 = 1\n\n[rest]\nlisten = \"127.0.0.1:{port}\"\n");
    std::fs::write(&path, &good).unwrap();
    let child = bin()
        .args(["run", "--listen", "127.0.0.1:0", "--config"])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let child = Running(child);
    let base = format!("http://127.0.0.1:{port}");
    assert!(
        wait_for(Duration::from_secs(10), || get(&format!(
            "{base}/api/switches"
        ))
        .is_some()),
        "REST API up"
    );

    let reloads = || get(&format!("{base}/api/events?type=reload")).unwrap_or_default();
    std::fs::write(&path, format!("{good}\n[l2_learning]\nidle_timeout = -1\n")).unwrap();
    signal(&child.0, libc::SIGHUP);
    assert!(
        wait_for(Duration::from_secs(5), || reloads()
            .as_array()
            .is_some_and(|a| !a.is_empty())),
        "a reload event"
    );
    let ev = reloads()[0].clone();
    assert_eq!(ev["ok"], false, "{ev}");
    let msg = ev["message"].as_str().unwrap();
    assert!(
        msg.contains("tapdemon.toml:8") && msg.contains("l2_learning.idle_timeout"),
        "{msg}"
    );
    // Still serving.
    assert!(get(&format!("{base}/api/switches")).is_some());

    std::fs::write(&path, good.replace("s1 = 1\n", "s1 = 1\ns2 = 2\n")).unwrap();
    signal(&child.0, libc::SIGHUP);
    assert!(
        wait_for(Duration::from_secs(5), || reloads()
            .as_array()
            .is_some_and(|a| a.len() == 2)),
        "a second reload event"
    );
    let ev = reloads()[0].clone();
    assert_eq!(ev["ok"], true, "{ev}");

    let mut child = child;
    signal(&child.0, libc::SIGTERM);
    assert!(
        wait_for(Duration::from_secs(5), || child
            .0
            .try_wait()
            .unwrap()
            .is_some()),
        "stops on SIGTERM"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn non_loopback_api_needs_a_token() {
    let dir = std::env::temp_dir().join(format!("tapdemon-rest-cli-tok-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("open.toml");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(f, "[rest]\nlisten = \"0.0.0.0:18080\"").unwrap();
    drop(f);
    let out = bin().arg("check-config").arg(&path).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("open.toml:2: key `rest.listen`") && err.contains("rest.token"),
        "{err}"
    );
    // `run` refuses the same file before listening anywhere.
    let out = bin()
        .args(["run", "--listen", "127.0.0.1:0", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    std::fs::write(
        &path,
        "[rest]\nlisten = \"0.0.0.0:18080\"\ntoken = \"s3cret\"\n",
    )
    .unwrap();
    let out = bin().arg("check-config").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
