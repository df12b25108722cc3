//! Framing OpenFlow over a byte stream with `tokio_util::codec` (feature `codec`).
//!
//! The framer is version-agnostic: it splits the stream by `ofp_header.length` and yields
//! each whole message as [`Bytes`]. Decoding into typed messages happens above it, once the
//! version is negotiated, so a message that fails to decode costs that message, not the stream.

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::error::DecodeError;
use crate::header::peek_len;

/// Splits a byte stream into whole OpenFlow messages.
#[derive(Debug, Default, Clone, Copy)]
pub struct OfFramer;

/// A framing failure: the stream is unrecoverable (bad length field) or the socket failed.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The header's length field is impossible; there is no way to find the next message.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The transport failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Decoder for OfFramer {
    type Item = Bytes;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
        match peek_len(src)? {
            Some(len) if src.len() >= len => Ok(Some(src.split_to(len).freeze())),
            Some(len) => {
                src.reserve(len - src.len());
                Ok(None)
            }
            None => Ok(None),
        }
    }
}

impl Encoder<Bytes> for OfFramer {
    type Error = FrameError;

    fn encode(&mut self, item: Bytes, dst: &mut BytesMut) -> Result<(), FrameError> {
        dst.extend_from_slice(&item);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_waits() {
        let mut f = OfFramer;
        let mut buf = BytesMut::from(&[4u8, 2, 0, 10, 0, 0, 0, 1, 0xaa, 0xbb, 4, 3][..]);
        let m = f.decode(&mut buf).unwrap().unwrap();
        assert_eq!(m.len(), 10);
        assert_eq!(f.decode(&mut buf).unwrap(), None);
        assert_eq!(buf.len(), 2);
    }

    #[test]
    fn zero_length_is_fatal() {
        let mut f = OfFramer;
        let mut buf = BytesMut::from(&[4u8, 0, 0, 0, 0, 0, 0, 0][..]);
        assert!(f.decode(&mut buf).is_err());
    }
}
