//! tapdemon: an OpenFlow controller for on-demand traffic tapping.
//!
//! # Layout (collector part; the runtime adds its modules here)
//! - [`trigger`]: the typed trigger event both sFlow sources produce for modules.
//! - [`collector`]: the embedded sFlow collector (sans-IO analytics engine + UDP task).
//! - [`modules::sflow_rt`]: the sFlow-RT REST client, for sites that already run sFlow-RT.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod collector;
pub mod modules;
pub mod trigger;
