//! Offline subcommands of the `tapdemon` binary (no controller running).

pub mod capture;
pub mod ofp_print;
mod ofp_text;
pub mod sflow_print;
