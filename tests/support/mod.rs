//! Shared helpers for the root package's integration tests.
//!
//! Each test file says `mod support;` and uses what it needs; the rest is compiled
//! but unused in that binary, hence the blanket `dead_code` allowance.
//!
//! - [`lab`]: a real Open vSwitch lab (private daemons, bridges, hosts in network
//!   namespaces), torn down on drop, serialised by a machine-wide lock; its methods are
//!   split by purpose into [`topology`] (building), [`hosts`] (acting in namespaces) and
//!   [`kernel`] (namespaces, links, taps, the lock, crash cleanup).
//! - [`prereq`]: prerequisite checks that fail loudly with what to install.
//! - [`flows`]: `ovs-ofctl dump-flows` output as structured entries.
//! - [`bg`]: background processes that are stopped by PID.
//! - [`tshark`]: tshark as an independent oracle for OpenFlow and sFlow bytes.
//! - [`sflow`]: sFlow datagrams as an OVS agent exports them.
//! - [`controller`]: the controller in-process (own runtime, ephemeral port, optional
//!   trigger sources and extra modules), free ports, `wait_for`.
//! - [`seed`]: the seed topology connected to a controller with its static taps up.
#![allow(dead_code)]

pub mod bg;
pub mod controller;
pub mod flows;
pub mod hosts;
pub mod kernel;
pub mod lab;
pub mod prereq;
pub mod seed;
pub mod sflow;
pub mod topology;
pub mod tshark;
