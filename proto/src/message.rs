//! Any OpenFlow message this crate speaks, dispatched on the header's version byte.

use bytes::{Bytes, BytesMut};

use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::header::{Header, OFP10_VERSION, OFP13_VERSION};
use crate::{of10, of13};

/// An OpenFlow 1.0 or 1.3 message.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Message {
    /// Wire version 0x01.
    Of10(of10::Message),
    /// Wire version 0x04.
    Of13(of13::Message),
}

impl Message {
    /// Decode one whole message (`buf` holds exactly `ofp_header.length` bytes).
    /// Versions other than 1.0 and 1.3 are [`DecodeErrorKind::BadVersion`].
    pub fn decode(buf: &Bytes) -> Result<(Header, Message), DecodeError> {
        let header = Header::parse(buf)?;
        match header.version {
            OFP10_VERSION => of10::Message::decode(buf).map(|(h, m)| (h, Message::Of10(m))),
            OFP13_VERSION => of13::Message::decode(buf).map(|(h, m)| (h, Message::Of13(m))),
            version => Err(DecodeError {
                context: "ofp_header",
                field: "ofp_header.version",
                offset: 0,
                kind: DecodeErrorKind::BadVersion { version },
            }),
        }
    }

    /// Append the encoded message with the given xid.
    pub fn encode(&self, xid: u32, out: &mut BytesMut) -> Result<(), EncodeError> {
        match self {
            Message::Of10(m) => m.encode(xid, out),
            Message::Of13(m) => m.encode(xid, out),
        }
    }

    /// The spec name of the message type (`OFPT_FLOW_MOD`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Message::Of10(m) => m.type_name(),
            Message::Of13(m) => m.type_name(),
        }
    }

    /// "1.0" or "1.3".
    pub fn version_name(&self) -> &'static str {
        match self {
            Message::Of10(_) => "1.0",
            Message::Of13(_) => "1.3",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatches_on_version() {
        let hello10 = Bytes::from_static(&[1, 0, 0, 8, 0, 0, 0, 7]);
        let (h, m) = Message::decode(&hello10).unwrap();
        assert_eq!(h.xid, 7);
        assert!(matches!(m, Message::Of10(_)));
        assert_eq!(m.type_name(), "OFPT_HELLO");
        let hello13 = Bytes::from_static(&[4, 0, 0, 8, 0, 0, 0, 7]);
        assert!(matches!(
            Message::decode(&hello13).unwrap().1,
            Message::Of13(_)
        ));
        let bad = Bytes::from_static(&[0xff, 14, 0, 8, 0, 0, 0, 0]);
        let e = Message::decode(&bad).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::BadVersion { version: 0xff });
        let mut out = BytesMut::new();
        m.encode(7, &mut out).unwrap();
        assert_eq!(&out[..], &hello10[..]);
    }
}
