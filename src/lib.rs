//! tapdemon: an OpenFlow 1.0 / 1.3 controller for on-demand traffic tapping.
//!
//! The runtime is a sans-IO core (switch sessions and modules are state machines fed
//! bytes or events with `now` passed in) inside a thin tokio shell (listeners, one task
//! per switch, one task per module).
//!
//! # Layout
//! - `main.rs`: the `tapdemon` command line (clap) and logging setup.
//! - [`config`]: the TOML file (`[controller]`, `[switches]`, one section per module),
//!   with errors naming file, line and key.
//! - [`controller`]: listeners, accept loop and graceful shutdown; [`controller::run`] is
//!   the entry point tests call with listeners bound to `127.0.0.1:0`.
//! - [`switch`]: one switch connection. [`switch::handshake`] (HELLO, version
//!   negotiation), [`switch::session`] (the sans-IO state machine: features, port
//!   description, echo keepalive, barriers, errors matched to xids), [`switch::wire`] +
//!   [`switch::of10`] / [`switch::of13`] (the only version-specific code: decoded messages
//!   to neutral inputs, neutral outputs to bytes), [`switch::driver`] (the tokio task that
//!   owns the `TcpStream`), [`switch::handle`] (connected switches by datapath id).
//! - [`event`]: the version-neutral events modules receive.
//! - [`module`]: the `Module` trait; [`outbox`]: what modules send (flow-mods,
//!   packet-outs, confirmed batches, timers) and the delete/barrier/add reorder pass.
//! - [`bus`]: one task and queue per module; fans events out, routes outboxes to switches.
//! - [`modules`]: the modules, one file each (`l2_learning`, `topology`, `patch`, `tap`,
//!   `trigger`), and their registration; [`modules::control`]: commands between modules.
//! - [`pipeline`]: the per-switch flow pipeline the switch driver runs every module's
//!   batch through: OF1.3 tables (tap stage, forwarding stage) or OF1.0 split flows, tap
//!   cookies, tap path planning, and the fake flow table its tests run on.
//! - [`rest`]: the operator surface over HTTP (REST API, web page, sFlow-RT's REST API,
//!   `/metrics`); [`metrics`]: the Prometheus counters the runtime increments.
//! - [`topology`]: the sans-IO topology engine (LLDP discovery, static links, host
//!   locations, shortest paths) behind the `topology` module.
//! - [`trigger`]: the typed trigger event both sFlow sources produce for modules.
//! - [`collector`]: the embedded sFlow collector: the sans-IO analytics engine
//!   ([`collector::Engine`]) and its UDP task ([`collector::spawn`]).
//! - [`sflow_rt`]: sFlow-RT's REST API, client side (JSON shapes, event cursor, HTTP
//!   calls); [`modules::sflow_rt`] is the task that turns its events into trigger events.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod bus;
pub mod cli;
pub mod collector;
pub mod config;
pub mod controller;
pub mod event;
pub mod metrics;
pub mod module;
pub mod modules;
pub mod outbox;
pub mod pipeline;
pub mod rest;
pub mod sflow_rt;
pub mod sources;
pub mod state;
pub mod switch;
pub mod topology;
pub mod trigger;

pub use config::{Config, ConfigError};
