//! Controller modules, one file each.

pub mod sflow_rt;
