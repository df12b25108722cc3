//! tapdemon: an OpenFlow controller for on-demand traffic tapping.

pub mod topology;
