//! Sans-IO wire formats for tapdemon: OpenFlow 1.0, OpenFlow 1.3 and sFlow v5.
//!
//! # Contract
//! - No I/O, no clock, no tokio in the core (the optional `codec` feature adds a
//!   `tokio_util` framer). CI checks `cargo tree -p tapdemon-proto -e normal`.
//! - Decoding never panics. Every length is checked against the bytes that remain before
//!   it is used; every loop over TLVs is bounded by those bytes; a zero or short TLV
//!   length is an error, never a loop.
//! - Errors are [`DecodeError`]: the message type, the field and the absolute byte offset.
//! - Unknown content (message types, actions, OXM classes, instructions, properties,
//!   sFlow records) decodes to an `Unknown`/`Experimenter` value that re-encodes byte for byte.
//! - Payloads (packet-in data, unknown bodies) are [`bytes::Bytes`] slices of the input.
//!
//! # Layout
//! - [`header`]: `ofp_header` and framing ([`header::peek_len`]).
//! - [`of10`]: every OpenFlow 1.0 message; [`of13`]: every OpenFlow 1.3 message.
//! - [`flow`]: the version-neutral flow model that modules use; it encodes to either version.
//! - [`sflow`]: sFlow v5 datagrams.
//! - [`reader`]: the bounds-checked cursor every decoder uses.
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub, clippy::print_stdout)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[macro_use]
mod macros;

pub mod error;
pub mod header;
pub mod reader;
pub mod serde_hex;
pub mod types;

pub mod flow;
pub mod message;
pub mod of10;
pub mod of13;
pub mod ofctl;
pub mod pkt;
pub mod sflow;

#[cfg(feature = "codec")]
pub mod codec;

pub use error::{DecodeError, DecodeErrorKind, EncodeError};
pub use header::{Header, HEADER_LEN, OFP10_VERSION, OFP13_VERSION};
pub use message::Message;
pub use types::{DatapathId, MacAddr};
