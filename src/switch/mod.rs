//! One switch connection: the sans-IO [`session::Session`] (handshake, keepalive, barriers,
//! event conversion) and the tokio task that drives it ([`driver`]).
//!
//! - [`handshake`]: HELLO, version negotiation, HELLO_FAILED.
//! - [`session`]: the state machine (`handle_message`, `handle_timeout`, `poll_*`).
//!   Its parts: session_batch.rs (modules' batches, barriers, bundles) and
//!   session_stats.rs (statistics requests and replies).
//! - [`wire`]: the neutral messages the session speaks; [`of10`] and [`of13`] convert them
//!   to and from each version's codec types (the only version-specific code here).
//! - [`handle`]: the registry of connected switches, by datapath id.
//! - [`stats`]: flow and port statistics on demand (request, reassembly, timeout).
//! - [`local`]: the per-switch modules' instances, run inline by the switch's task.
//! - [`driver`]: the task owning the connection (TCP, or TLS after [`tls`]'s handshake).
//! - [`tls`]: OpenFlow over TLS (`ssl:` targets): certificates, mutual authentication.

pub mod bundle;
pub mod driver;
pub mod handle;
pub mod handshake;
pub mod local;
pub mod of10;
pub mod of13;
pub mod placement;
pub mod session;
pub mod stats;
pub mod tls;
pub mod wire;

use std::fmt;
use std::time::Duration;

use proto::{DatapathId, DecodeError};

use crate::event::OfError;

pub use handshake::Version;

/// Why a switch connection ended.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// The socket failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// A header's length field is impossible (below 8): the stream cannot be re-synchronised.
    #[error("bad framing: {0}")]
    Frame(DecodeError),
    /// A message needed to finish the handshake could not be decoded.
    #[error("undecodable message during handshake: {0}")]
    Decode(DecodeError),
    /// HELLO, FEATURES_REPLY or the port description did not arrive in time.
    #[error("handshake not finished within {0:?}")]
    HandshakeTimeout(Duration),
    /// The switch speaks neither OpenFlow 1.0 nor 1.3.
    #[error("no common OpenFlow version: ours {ours}, theirs {theirs}")]
    NoCommonVersion {
        /// What we offered.
        ours: Versions,
        /// What the switch offered.
        theirs: Versions,
    },
    /// The switch answered none of `misses` consecutive echo requests.
    #[error("{misses} echo requests unanswered")]
    EchoTimeout {
        /// How many.
        misses: u32,
    },
    /// The first message was not a HELLO.
    #[error("first message was type {msg_type}, not HELLO")]
    NoHello {
        /// Its type byte.
        msg_type: u8,
    },
    /// The switch refused the handshake with an ERROR.
    #[error("switch refused the handshake: {0}")]
    Refused(OfError),
    /// A newer connection from the same datapath id replaced this one.
    #[error("replaced by a new connection from the same datapath id")]
    Replaced,
    /// Another live session of this datapath id keeps flapping with this one: the
    /// established session is kept ([`handle::Switches::admit`]).
    #[error("datapath id {dpid} is already connected (session {established}) and flapping: refused, hold-down")]
    DuplicateDatapathId {
        /// The datapath id.
        dpid: DatapathId,
        /// The connection kept.
        established: u64,
    },
    /// The switch closed the connection.
    #[error("connection closed by the switch")]
    Closed,
    /// The controller is shutting down.
    #[error("controller shutting down")]
    Shutdown,
}

/// A set of OpenFlow wire versions, as a HELLO version bitmap (bit n = wire version n).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versions(pub u32);

impl fmt::Display for Versions {
    /// `{0x01, 0x04}`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        let mut first = true;
        for v in (0..32).filter(|v| self.0 & (1 << v) != 0) {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            write!(f, "0x{v:02x}")?;
        }
        f.write_str("}")
    }
}
