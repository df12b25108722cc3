//! The `tapdemon` command line.
//!
//! - `tapdemon run [--config FILE] [--listen ADDR]... [--log-format text|json]`: run the
//!   controller (`--listen` replaces `[controller] listen`).
//! - `tapdemon check-config FILE`: validate a config file and exit (0 = valid).
//! - `tapdemon sflow-print [--json] FILE|PCAP`: decode sFlow datagrams.
//! - `tapdemon ofp-print [--json] [--roundtrip] FILE|PCAP|HEX...`: decode OpenFlow messages.
//!
//! Logs go to stderr; `RUST_LOG` filters them (default `info`).

use std::path::PathBuf;

// Every PACKET_IN allocates a few small objects (its flow-mod, the batch carrying it);
// glibc's malloc spent ~8% of the CPU in free and consolidation next to the large MAC and
// flow tables, mimalloc ~15% less CPU per answered PACKET_IN in cbench (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc asks for transparent huge pages on its arenas, so every table that grows (MAC
/// tables, the pipeline's flows) faulted in and zeroed 2 MiB at a time: a tenth of the
/// controller's CPU in cbench's latency mode, and RSS rounded up to huge pages. Like Redis,
/// a latency-bound server is better off with 4 KiB pages. Best effort: an old kernel
/// without the call keeps THP.
fn disable_transparent_huge_pages() {
    // SAFETY: prctl(PR_SET_THP_DISABLE) takes integer arguments only and changes only this
    // process's page policy.
    let _ = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
}
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use tapdemon::config::Config;
use tapdemon::controller;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// OpenFlow 1.0/1.3 controller for on-demand traffic tapping.
#[derive(Debug, Parser)]
#[command(name = "tapdemon", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the controller.
    Run {
        /// TOML configuration file (default: built-in defaults).
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// Listen on this address instead of `[controller] listen` (repeatable).
        #[arg(long, value_name = "ADDR")]
        listen: Vec<std::net::SocketAddr>,
        /// Log line format.
        #[arg(long, value_enum, default_value_t = LogFormat::Text)]
        log_format: LogFormat,
    },
    /// Validate a configuration file without starting anything.
    CheckConfig {
        /// The file.
        file: PathBuf,
    },
    /// Decode OpenFlow messages (files of one or more messages, hex, or the TCP 6653/6633
    /// streams of a pcap/pcapng capture) and print them.
    OfpPrint {
        /// Files (binary, hex text, pcap or pcapng) or hex strings.
        #[arg(required = true)]
        inputs: Vec<String>,
        /// One JSON object per message.
        #[arg(long)]
        json: bool,
        /// Re-encode each message; fail naming the first differing byte.
        #[arg(long)]
        roundtrip: bool,
    },
    /// Decode sFlow v5 datagrams (a raw datagram file, or a pcap/pcapng capture) and print them.
    SflowPrint {
        /// The file.
        file: PathBuf,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

fn init_logging(format: LogFormat) {
    let (targets, env) = log_filter(std::env::var("RUST_LOG").ok());
    let base = tracing_subscriber::registry().with(targets).with(env);
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    match format {
        LogFormat::Text => base.with(fmt).init(),
        LogFormat::Json => base
            .with(fmt.json().with_current_span(true).with_span_list(true))
            .init(),
    }
}

/// `RUST_LOG` (default `info`) as per-target levels ([`Targets`]), or as an [`EnvFilter`]
/// when it filters on spans or fields (`[...]`), which only `EnvFilter` can: it takes a
/// lock on every span enter and exit, and each switch connection enters its span on every
/// wake-up. A `RUST_LOG` neither parses is reported and `info` is used.
fn log_filter(spec: Option<String>) -> (Option<Targets>, Option<EnvFilter>) {
    let spec = spec.filter(|s| !s.trim().is_empty());
    let spec = spec.as_deref().unwrap_or("info");
    if !spec.contains('[') {
        if let Ok(t) = spec.parse::<Targets>() {
            return (Some(t), None);
        }
    }
    match EnvFilter::try_new(spec) {
        Ok(f) => (None, Some(f)),
        Err(e) => {
            eprintln!("RUST_LOG={spec:?} is not a log filter ({e}); logging at info");
            (
                Some(Targets::new().with_default(tracing::Level::INFO)),
                None,
            )
        }
    }
}

fn main() -> ExitCode {
    disable_transparent_huge_pages();
    let cli = Cli::parse();
    match cli.command {
        Command::SflowPrint { file, json } => {
            let stdout = std::io::stdout();
            match tapdemon::cli::sflow_print::run(&file, json, &mut stdout.lock()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::OfpPrint {
            inputs,
            json,
            roundtrip,
        } => {
            let stdout = std::io::stdout();
            match tapdemon::cli::ofp_print::run(&inputs, json, roundtrip, &mut stdout.lock()) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::FAILURE,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::CheckConfig { file } => match Config::load(&file) {
            Ok(_) => {
                eprintln!("{}: ok", file.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Run {
            config,
            listen,
            log_format,
        } => {
            init_logging(log_format);
            let config_path = config;
            let mut config = match &config_path {
                Some(path) => match Config::load(path) {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::error!(error = %e, "invalid configuration");
                        return ExitCode::FAILURE;
                    }
                },
                None => Config::default(),
            };
            if !listen.is_empty() {
                config.controller.listen = listen;
            }
            // The operator's controller keeps its dynamic taps unless told otherwise: the
            // config key, else $TAPDEMON_STATE_FILE (a second instance, or a test, points it
            // elsewhere or at "" for none), else the default path.
            config.controller.state_file.get_or_insert_with(|| {
                std::env::var_os("TAPDEMON_STATE_FILE")
                    .map(Into::into)
                    .unwrap_or_else(|| tapdemon::state::DEFAULT_STATE_FILE.into())
            });
            let rt = match tokio::runtime::Runtime::new() {
                Ok(rt) => rt,
                Err(e) => {
                    tracing::error!(error = %e, "cannot start the runtime");
                    return ExitCode::FAILURE;
                }
            };
            rt.block_on(async move {
                let listeners = match controller::bind(&config).await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot listen");
                        return ExitCode::FAILURE;
                    }
                };
                let shutdown = CancellationToken::new();
                let signal = shutdown.clone();
                tokio::spawn(async move {
                    controller::shutdown_signal().await;
                    signal.cancel();
                });
                match tapdemon::rest::launch::run(listeners, config, config_path, shutdown).await {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot start the REST API");
                        ExitCode::FAILURE
                    }
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;
    use tracing_subscriber::filter::LevelFilter;

    #[test]
    fn plain_levels_and_targets_need_no_env_filter() {
        let (t, e) = log_filter(None);
        assert!(e.is_none());
        assert_eq!(t.unwrap().default_level(), Some(LevelFilter::INFO));
        let (t, e) = log_filter(Some("warn,tapdemon::switch=debug".into()));
        assert!(e.is_none());
        let t = t.unwrap();
        assert!(t.would_enable("tapdemon::switch::driver", &Level::DEBUG));
        assert!(!t.would_enable("tapdemon::bus", &Level::INFO));
    }

    #[test]
    fn span_filters_and_bad_specs() {
        let (t, e) = log_filter(Some("info,[switch{dpid=1}]=debug".into()));
        assert!(t.is_none() && e.is_some());
        // Neither parses it: info, said on stderr.
        let (t, e) = log_filter(Some("tapdemon=loud[".into()));
        assert!(e.is_none());
        assert_eq!(t.unwrap().default_level(), Some(LevelFilter::INFO));
    }
}
