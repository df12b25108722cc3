//! The `tapdemon` binary's config checking and shutdown on SIGTERM.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tapdemon"));
    // Never the machine's /var/lib/tapdemon/state.json: taps one test makes must not come
    // back in another.
    c.env("TAPDEMON_STATE_FILE", "");
    c
}

fn write(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tapdemon-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::File::create(&p)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    p
}

#[test]
fn check_config_accepts_a_good_file() {
    let p = write(
        "good.toml",
        "[controller]\nlisten = [\"127.0.0.1:16653\"]\n[switches]\ns1 = 1\n[l2_learning]\nswitches = [\"s1\"]\n",
    );
    let out = bin().arg("check-config").arg(&p).output().unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn check_config_names_file_line_and_key() {
    let p = write(
        "bad.toml",
        "[controller]\necho_misses = 3\n\n[l2_learning]\nidel_timeout = 5\n",
    );
    let out = bin().arg("check-config").arg(&p).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let want = format!("{}:5: key `l2_learning.idel_timeout`", p.display());
    assert!(err.contains(&want), "{err}");
    let out = bin()
        .args(["check-config", "/nonexistent/tapdemon.toml"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/tapdemon.toml"));
}

#[test]
fn run_logs_json_and_stops_on_sigterm() {
    // Port 0: the OS picks; --listen replaces the file's addresses.
    let p = write("run.toml", "[controller]\nlisten = [\"0.0.0.0:6653\"]\n");
    let mut child = bin()
        .args([
            "run",
            "--log-format",
            "json",
            "--listen",
            "127.0.0.1:0",
            "--config",
        ])
        .arg(&p)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    // SIGTERM by PID (kill(1) is in procps on every test machine).
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    let code = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(code.success(), "{code:?}");
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    let listening: Vec<_> = lines
        .iter()
        .filter(|v| v["fields"]["message"] == "listening for switches")
        .collect();
    assert_eq!(listening.len(), 1, "{log}");
    let addr = listening[0]["fields"]["addr"].as_str().unwrap();
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    assert!(lines.iter().any(|v| v["fields"]["message"] == "stopped"));
}
