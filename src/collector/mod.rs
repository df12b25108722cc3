//! The embedded sFlow collector.
//!
//! # Layout
//! - [`sample`]: the engine's inputs (one flat [`PacketSample`] per flow sample).
//! - [`keys`], [`filter`], [`flow_def`]: sFlow-RT flow definitions (keys, filter, value, n, t).
//! - [`table`]: one definition's live flows, the rate estimator, top-N and `/metric` queries.
//! - [`threshold`]: threshold crossing and re-arm state.
//! - [`agents`]: per-agent datagram/sample/loss/parse-error counters.
//! - [`ifmap`]: data source (agent + ifIndex) → switch port.
//! - [`engine`]: the sans-IO [`Engine`] tying them together (`handle_*` in, `poll_events` out).
//! - [`config`]: [`CollectorConfig`], the `[collector]` config section.
//! - [`adapter`]: `proto::sflow` datagrams → engine inputs.
//! - [`udp`]: the tokio task (socket, batching, event forwarding): [`udp::spawn`].

pub mod adapter;
pub mod agents;
pub mod config;
pub mod engine;
pub mod filter;
pub mod flow_def;
pub mod ifmap;
pub mod keys;
pub mod sample;
pub mod table;
pub mod threshold;
pub mod udp;

pub use config::CollectorConfig;
pub use engine::{AgentFilter, Engine};
pub use sample::{DatagramMeta, IfRef, PacketSample, PortCounters};
pub use udp::{spawn, CollectorHandle, SharedEngine};
