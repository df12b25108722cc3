//! Frames carried inside packet-in and packet-out payloads (not OpenFlow messages).
//!
//! Same contract as the rest of the crate: decoding never panics, every error carries the
//! absolute byte offset from the start of the frame, and unknown content survives a round
//! trip. Naming follows smoltcp (`lldp::Repr`, re-exported as [`LldpRepr`]).

pub mod lldp;

pub use lldp::Repr as LldpRepr;
