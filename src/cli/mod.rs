//! Offline subcommands of the `tapdemon` binary (no controller running).

pub mod ofp_print;
pub mod sflow_print;
