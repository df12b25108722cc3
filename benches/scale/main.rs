//! Scale benchmark (issue 7 item 5): 10,000 simulated OpenFlow 1.0 switches connected at
//! once with keepalive, against tapdemon and against ovs-testcontroller, one after the other
//! in the same run.
//!
//! Per controller: time until every switch is up; resident memory (total, and per switch
//! above the empty process) and CPU use over an idle window; then a reconnect storm of
//! `--storm` switches (half closing the old connection, half leaving it open and silent):
//! time until all are back, stale connections the controller closed, and resident memory
//! after. Switches are `fleet.rs` (shared with `tests/scale.rs`).
//!
//! Output: human lines, then one `RESULT controller=.. key=value ...` line per controller
//! that `scripts/bench.sh` (section `scale`) turns into a table.
//!
//! Run: `cargo bench --bench scale -- --tapdemon target/release/tapdemon [--switches 10000]`

mod fleet;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use clap::Parser;
use fleet::{cpu_secs, raise_nofile, rss_kib, ControllerProcess, Fleet};

#[derive(Parser, Debug)]
#[command(about = "10,000 simulated switches: idle RSS/CPU and a reconnect storm")]
struct Args {
    /// The tapdemon binary (release build) to measure.
    #[arg(long)]
    tapdemon: Option<PathBuf>,
    /// Also measure ovs-testcontroller.
    #[arg(long)]
    testcontroller: bool,
    /// Simulated switches.
    #[arg(long, default_value_t = 10_000)]
    switches: u64,
    /// Switches in the reconnect storm.
    #[arg(long, default_value_t = 1_000)]
    storm: u64,
    /// Idle measurement window, seconds.
    #[arg(long, default_value_t = 10)]
    idle: u64,
    /// Switch keepalive (echo request) interval, seconds (OVS's default probe: 5).
    #[arg(long, default_value_t = 5)]
    keepalive: u64,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    // Per process: this one holds the fleet's sockets (+ stale ones), the controller its own.
    let want = args.switches + args.storm + 1024;
    let limit = raise_nofile(want);
    if limit < want {
        eprintln!("scale: open-files limit {limit} < {want}: run as root or raise ulimit -Hn");
        return ExitCode::FAILURE;
    }
    let dir = std::env::temp_dir().join(format!("tapdemon-scale-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let mut ok = true;
    let mut targets: Vec<Box<dyn Fn() -> ControllerProcess>> = Vec::new();
    if let Some(bin) = args.tapdemon.clone() {
        let d = dir.clone();
        targets.push(Box::new(move || ControllerProcess::tapdemon(&bin, &d)));
    }
    if args.testcontroller {
        let d = dir.clone();
        targets.push(Box::new(move || ControllerProcess::testcontroller(&d)));
    }
    for start in targets {
        let ctl = start();
        ok &= measure(&args, ctl);
    }
    let _ = std::fs::remove_dir_all(&dir);
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn measure(args: &Args, mut ctl: ControllerProcess) -> bool {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let pid = ctl.pid();
    std::thread::sleep(Duration::from_millis(300));
    let rss_empty = rss_kib(pid);
    let n = args.switches;
    let need_flow_mod = ctl.name == "tapdemon";
    let result = rt.block_on(async {
        let t0 = Instant::now();
        let fleet = Fleet::start(ctl.addr, n, Duration::from_secs(args.keepalive), need_flow_mod).await;
        // Until all are up, or no progress for 5 s (a controller with a connection cap).
        let (mut last, mut since) = (0, Instant::now());
        while fleet.up() < n as usize && since.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if fleet.up() > last {
                (last, since) = (fleet.up(), Instant::now());
            }
        }
        let up = fleet.up();
        let connect_s = if up == n as usize {
            t0.elapsed().as_secs_f64()
        } else {
            f64::NAN
        };
        println!("{}: {up} of {n} switches up in {:.2} s", ctl.name, t0.elapsed().as_secs_f64());
        if up == 0 {
            return None;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        let echoes0 = fleet.counters.echo_replies.load(Ordering::Relaxed);
        let cpu0 = cpu_secs(pid);
        let t = Instant::now();
        tokio::time::sleep(Duration::from_secs(args.idle)).await;
        let cpu_pct = (cpu_secs(pid) - cpu0) / t.elapsed().as_secs_f64() * 100.0;
        let echoes = fleet.counters.echo_replies.load(Ordering::Relaxed) - echoes0;
        let rss_idle = rss_kib(pid);
        let per_switch = rss_idle.saturating_sub(rss_empty) as f64 * 1024.0 / up as f64;
        println!(
            "{}: idle {} s: RSS {:.1} MiB ({:.1} MiB before any switch, {per_switch:.0} B/switch), CPU {cpu_pct:.2}% of a core, {echoes} keepalive echoes answered",
            ctl.name,
            args.idle,
            rss_idle as f64 / 1024.0,
            rss_empty as f64 / 1024.0
        );
        if up < n as usize {
            // Not every switch is served: no storm to time.
            let dropped = fleet.counters.dropped.load(Ordering::Relaxed);
            fleet.stop();
            return Some(format!(
                "RESULT controller={} switches={n} up={up} connect_s=nan rss_empty_kib={rss_empty} rss_idle_kib={rss_idle} per_switch_b={per_switch:.0} cpu_pct={cpu_pct:.3} idle_s={} echoes={echoes} dropped={dropped}",
                ctl.name.replace(' ', "_"),
                args.idle,
            ));
        }
        let sessions0 = fleet.counters.sessions.load(Ordering::Relaxed);
        let stale0 = fleet.counters.stale_closed.load(Ordering::Relaxed);
        let t = Instant::now();
        fleet.storm(args.storm);
        let deadline = t + Duration::from_secs(60);
        while (fleet.counters.sessions.load(Ordering::Relaxed) < sessions0 + args.storm
            || fleet.up() < n as usize)
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let back_s = t.elapsed().as_secs_f64();
        let back = fleet.counters.sessions.load(Ordering::Relaxed) - sessions0;
        let (p50, _) = fleet.counters.back_quantile(0.5);
        let (p99, _) = fleet.counters.back_quantile(0.99);
        tokio::time::sleep(Duration::from_secs(3)).await;
        let stale = fleet.counters.stale_closed.load(Ordering::Relaxed) - stale0;
        let rss_storm = rss_kib(pid);
        println!(
            "{}: storm of {}: {back} sessions back in {back_s:.2} s (per switch: median {p50} ms, p99 {p99} ms); {stale} of {} stale connections closed by the controller within 3 s; RSS after {:.1} MiB",
            ctl.name,
            args.storm,
            args.storm / 2,
            rss_storm as f64 / 1024.0
        );
        let dropped = fleet.counters.dropped.load(Ordering::Relaxed);
        fleet.stop();
        Some(format!(
            "RESULT controller={} switches={n} up={up} connect_s={connect_s:.3} rss_empty_kib={rss_empty} rss_idle_kib={rss_idle} per_switch_b={per_switch:.0} cpu_pct={cpu_pct:.3} idle_s={} echoes={echoes} storm={} back={back} back_s={back_s:.3} back_p50_ms={p50} back_p99_ms={p99} stale={stale} stale_expected={} rss_storm_kib={rss_storm} dropped={dropped}",
            ctl.name.replace(' ', "_"),
            args.idle,
            args.storm,
            args.storm / 2,
        ))
    });
    let alive = ctl.alive();
    match result {
        Some(line) => {
            println!("{line} alive={alive}");
            true
        }
        None => {
            println!("RESULT controller={} switches={n} failed=1", ctl.name);
            eprintln!("{} log:\n{}", ctl.name, ctl.log());
            false
        }
    }
}
