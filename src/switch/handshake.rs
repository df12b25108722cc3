//! HELLO and version negotiation (OpenFlow 1.3.5 §6.3.1, 1.0 §5.5.1).
//!
//! We offer 1.0 and 1.3: a HELLO with header version 0x04 and a VERSIONBITMAP element
//! {0x01, 0x04}. The switch's HELLO decides:
//! - with a version bitmap: the highest version in both sets;
//! - without one (1.0 switches; OVS with default `protocols` says 0x06): the highest of
//!   ours not above its header version (the spec says min(ours, theirs); a switch
//!   announcing 1.1 or 1.2 without a bitmap gets 1.0, as Ryu does, in the hope that it
//!   still speaks it);
//! - nothing in common: OFPT_ERROR OFPET_HELLO_FAILED / OFPHFC_INCOMPATIBLE with an ASCII
//!   explanation, then close.
//!
//! HELLO is the one message read before a version is known, and its element format is the
//! same in every version from 1.3 on, so it is parsed here rather than by a versioned codec.

use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};
use proto::reader::Reader;
use proto::{DecodeError, DecodeErrorKind, Header, HEADER_LEN, OFP10_VERSION, OFP13_VERSION};

use super::Versions;

/// A negotiated OpenFlow version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Version {
    /// OpenFlow 1.0 (wire 0x01).
    Of10,
    /// OpenFlow 1.3 (wire 0x04).
    Of13,
}

impl Version {
    /// The wire version byte.
    pub fn wire(self) -> u8 {
        match self {
            Version::Of10 => OFP10_VERSION,
            Version::Of13 => OFP13_VERSION,
        }
    }

    /// "1.0" / "1.3".
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Of10 => "1.0",
            Version::Of13 => "1.3",
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The versions we speak, highest first.
pub const OURS: [Version; 2] = [Version::Of13, Version::Of10];

/// Our versions as a bitmap.
pub fn our_versions() -> Versions {
    Versions(OURS.iter().fold(0, |m, v| m | (1 << v.wire())))
}

/// OFPT_HELLO, the same type number in every version.
pub const OFPT_HELLO: u8 = 0;
/// OFPT_ERROR, the same type number in every version.
pub const OFPT_ERROR: u8 = 1;
/// OFPHET_VERSIONBITMAP
const OFPHET_VERSIONBITMAP: u16 = 1;
/// OFPET_HELLO_FAILED, the same in every version.
pub const OFPET_HELLO_FAILED: u16 = 0;
/// OFPHFC_INCOMPATIBLE
pub const OFPHFC_INCOMPATIBLE: u16 = 0;

/// Our HELLO: version 0x04 with a version bitmap element for {1.0, 1.3}.
pub fn hello(xid: u32) -> Bytes {
    let mut out = BytesMut::with_capacity(16);
    Header {
        version: OFP13_VERSION,
        ty: OFPT_HELLO,
        length: 16,
        xid,
    }
    .emit(&mut out);
    out.put_u16(OFPHET_VERSIONBITMAP);
    out.put_u16(8);
    out.put_u32(our_versions().0);
    out.freeze()
}

/// What a switch's HELLO says about versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerHello {
    /// The header's version byte: the highest version the switch speaks.
    pub header_version: u8,
    /// The first 32 bits of the VERSIONBITMAP element, if it sent one.
    pub bitmap: Option<u32>,
}

impl PeerHello {
    /// Parse a HELLO (its type already checked). Unknown elements are skipped, as the
    /// spec requires; a malformed element length is an error.
    pub fn parse(buf: &Bytes) -> Result<PeerHello, DecodeError> {
        let mut r = Reader::new(buf, "OFPT_HELLO");
        let header = Header::parse(buf)?;
        r.skip(HEADER_LEN, "ofp_header")?;
        let mut bitmap = None;
        // Elements exist from 1.3 on; a 1.0 HELLO's body (normally empty) is ignored.
        while header.version >= OFP13_VERSION && r.remaining() >= 4 {
            let start = r.offset();
            let ty = r.u16("ofp_hello_elem_header.type")?;
            let len = usize::from(r.u16("ofp_hello_elem_header.length")?);
            if len < 4 || len - 4 > r.remaining() {
                return Err(r.error_at(
                    start + 2,
                    "ofp_hello_elem_header.length",
                    DecodeErrorKind::BadLength { value: len },
                ));
            }
            let mut body = r.bytes(len - 4, "ofp_hello_elem.body")?;
            if ty == OFPHET_VERSIONBITMAP && body.len() >= 4 && bitmap.is_none() {
                let b = body.split_to(4);
                bitmap = Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
            }
            // Elements are padded to 8 bytes; the last one's padding may be absent.
            let pad = (8 - len % 8) % 8;
            r.skip(pad.min(r.remaining()), "ofp_hello_elem.pad")?;
        }
        Ok(PeerHello {
            header_version: header.version,
            bitmap,
        })
    }

    /// The versions the switch offers, as a bitmap.
    pub fn offered(&self) -> Versions {
        match self.bitmap {
            Some(b) => Versions(b),
            None if self.header_version < 32 => Versions(
                1u32.checked_shl(u32::from(self.header_version) + 1)
                    .unwrap_or(0)
                    .wrapping_sub(1)
                    & !1,
            ),
            None => Versions(!1),
        }
    }
}

/// Pick the version for a switch's HELLO; `Err` carries both sides' sets.
pub fn negotiate(peer: &PeerHello) -> Result<Version, (Versions, Versions)> {
    let offered = peer.offered();
    OURS.iter()
        .copied()
        .find(|v| offered.0 & (1 << v.wire()) != 0)
        .ok_or((our_versions(), offered))
}

/// An OFPT_ERROR with the layout shared by 1.0 and 1.3: type, code, then `data`.
/// `version` is the header version to use.
pub fn error_msg(version: u8, xid: u32, ty: u16, code: u16, data: &[u8]) -> Bytes {
    let data = data.get(..data.len().min(0xffff - 12)).unwrap_or(&[]);
    let mut out = BytesMut::with_capacity(12 + data.len());
    Header {
        version,
        ty: OFPT_ERROR,
        length: (12 + data.len()) as u16,
        xid,
    }
    .emit(&mut out);
    out.put_u16(ty);
    out.put_u16(code);
    out.put_slice(data);
    out.freeze()
}

/// OFPET_HELLO_FAILED / OFPHFC_INCOMPATIBLE with an explanation, in the switch's own
/// header version (or 1.0 for nonsense versions) so that it can read it.
pub fn hello_failed(peer: &PeerHello, xid: u32) -> Bytes {
    let version = if peer.header_version == 0 {
        OFP10_VERSION
    } else {
        peer.header_version
    };
    let text = format!(
        "tapdemon speaks OpenFlow 1.0 and 1.3 ({}); switch offered {}",
        our_versions(),
        peer.offered()
    );
    error_msg(
        version,
        xid,
        OFPET_HELLO_FAILED,
        OFPHFC_INCOMPATIBLE,
        text.as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(bytes: &'static [u8]) -> PeerHello {
        PeerHello::parse(&Bytes::from_static(bytes)).unwrap()
    }

    /// OVS with protocols=OpenFlow10,OpenFlow13 (ovs-lab.md).
    static OVS_10_13: [u8; 16] = [
        0x04, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00,
        0x12,
    ];

    #[test]
    fn our_hello_bytes() {
        let mut buf = vec![0xa5u8; 16];
        buf.copy_from_slice(&hello(7));
        assert_eq!(buf, [4, 0, 0, 16, 0, 0, 0, 7, 0, 1, 0, 8, 0, 0, 0, 0x12]);
        let me = PeerHello::parse(&hello(7)).unwrap();
        assert_eq!(negotiate(&me), Ok(Version::Of13));
    }

    #[test]
    fn bitmap_decides() {
        let p = peer(&OVS_10_13);
        assert_eq!(p.bitmap, Some(0x12));
        assert_eq!(negotiate(&p), Ok(Version::Of13));
        // 1.0 only in the bitmap, though the header says 1.3.
        let p = peer(&[4, 0, 0, 16, 0, 0, 0, 1, 0, 1, 0, 8, 0, 0, 0, 0x02]);
        assert_eq!(negotiate(&p), Ok(Version::Of10));
    }

    #[test]
    fn header_version_without_bitmap() {
        // OVS with default protocols: version 6 (OF1.5), no elements.
        assert_eq!(
            negotiate(&peer(&[6, 0, 0, 8, 0, 0, 0, 1])),
            Ok(Version::Of13)
        );
        assert_eq!(
            negotiate(&peer(&[1, 0, 0, 8, 0, 0, 0, 1])),
            Ok(Version::Of10)
        );
        // 1.2 without a bitmap: 1.0 is the best we can hope for.
        assert_eq!(
            negotiate(&peer(&[3, 0, 0, 8, 0, 0, 0, 1])),
            Ok(Version::Of10)
        );
    }

    #[test]
    fn no_common_version() {
        // Bitmap {1.1, 1.2} only.
        let p = peer(&[4, 0, 0, 16, 0, 0, 0, 1, 0, 1, 0, 8, 0, 0, 0, 0x0c]);
        let (ours, theirs) = negotiate(&p).unwrap_err();
        assert_eq!(ours, Versions(0x12));
        assert_eq!(theirs, Versions(0x0c));
        let e = hello_failed(&p, 9);
        assert_eq!(&e[..12], &[4, 1, 0, e.len() as u8, 0, 0, 0, 9, 0, 0, 0, 0]);
        assert!(std::str::from_utf8(&e[12..])
            .unwrap()
            .contains("{0x02, 0x03}"));
        // Version 0 is nothing at all.
        let p = peer(&[0, 0, 0, 8, 0, 0, 0, 1]);
        assert!(negotiate(&p).is_err());
        assert_eq!(hello_failed(&p, 1)[0], 1);
    }

    #[test]
    fn unknown_elements_skipped_and_bad_lengths_rejected() {
        // Unknown element type 9 (len 5, padded to 8), then the bitmap.
        let p = peer(&[
            4, 0, 0, 24, 0, 0, 0, 1, 0, 9, 0, 5, 0xee, 0, 0, 0, 0, 1, 0, 8, 0, 0, 0, 0x10,
        ]);
        assert_eq!(p.bitmap, Some(0x10));
        let bad = Bytes::from_static(&[4, 0, 0, 12, 0, 0, 0, 1, 0, 1, 0, 0]);
        let e = PeerHello::parse(&bad).unwrap_err();
        assert_eq!(e.offset, 10);
        let bad = Bytes::from_static(&[4, 0, 0, 12, 0, 0, 0, 1, 0, 1, 0, 64]);
        assert!(PeerHello::parse(&bad).is_err());
    }
}
