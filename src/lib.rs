//! tapdemon: an OpenFlow controller for on-demand traffic tapping.
//!
//! # Layout (collector part; the runtime adds its modules here)
//! - [`trigger`]: the typed trigger event both sFlow sources produce for modules.
//! - [`collector`]: the embedded sFlow collector (sans-IO analytics engine + UDP task).
//! - [`sflow_rt`]: sFlow-RT's REST API, client side (JSON shapes, event cursor, HTTP calls).
//! - [`modules::sflow_rt`]: the task that turns sFlow-RT events into trigger events.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod collector;
pub mod modules;
pub mod sflow_rt;
pub mod trigger;
