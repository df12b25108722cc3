//! OpenFlow 1.3 bundles (ONF extension 230, as Open vSwitch implements it; OpenFlow 1.4
//! made them standard): a batch of flow-mods the switch applies all at once or not at
//! all. A tap's flows go out as one bundle, so a connection lost halfway through the
//! install leaves nothing of the tap on the switch (the switch discards an uncommitted
//! bundle when the connection closes), instead of half a tap.
//!
//! ```text
//! ofp_header (type 4 EXPERIMENTER) | experimenter 0x4F4E4600 (ONF) | exp_type (u32)
//!   2300 BUNDLE_CONTROL:     bundle_id (u32) | type (u16) | flags (u16)
//!   2301 BUNDLE_ADD_MESSAGE: bundle_id (u32) | pad (2) | flags (u16) | message (same xid)
//! ```
//! Replies (OPEN_REPLY, COMMIT_REPLY) are experimenter messages the session ignores; a
//! refused message or commit comes back as an ERROR with its xid, which the session
//! charges to the batch like any other.

use bytes::{BufMut, Bytes, BytesMut};

/// ONF's experimenter id.
pub const ONF_EXPERIMENTER: u32 = 0x4F4E_4600;
/// `ONFT_BUNDLE_CONTROL`.
pub const ONFT_BUNDLE_CONTROL: u32 = 2300;
/// `ONFT_BUNDLE_ADD_MESSAGE`.
pub const ONFT_BUNDLE_ADD_MESSAGE: u32 = 2301;
/// `OFPBCT_OPEN_REQUEST`.
pub const OPEN_REQUEST: u16 = 0;
/// `OFPBCT_COMMIT_REQUEST`.
pub const COMMIT_REQUEST: u16 = 4;
/// `OFPBF_ATOMIC | OFPBF_ORDERED`, on every message of the bundle (OVS checks they agree).
pub const FLAGS: u16 = 0x0003;

const OFP13_VERSION: u8 = 0x04;
const OFPT_EXPERIMENTER: u8 = 4;

fn header(out: &mut BytesMut, len: usize, xid: u32, exp_type: u32) {
    out.put_u8(OFP13_VERSION);
    out.put_u8(OFPT_EXPERIMENTER);
    out.put_u16(len as u16);
    out.put_u32(xid);
    out.put_u32(ONF_EXPERIMENTER);
    out.put_u32(exp_type);
}

/// A BUNDLE_CONTROL request (`OPEN_REQUEST`, `COMMIT_REQUEST`).
pub fn control(xid: u32, bundle_id: u32, ctrl: u16) -> Bytes {
    let mut out = BytesMut::with_capacity(24);
    header(&mut out, 24, xid, ONFT_BUNDLE_CONTROL);
    out.put_u32(bundle_id);
    out.put_u16(ctrl);
    out.put_u16(FLAGS);
    out.freeze()
}

/// A BUNDLE_ADD_MESSAGE carrying `inner`, an encoded message whose xid is `xid` (the
/// spec wants both xids equal). `None` if the result would not fit a 16-bit length.
pub fn add(xid: u32, bundle_id: u32, inner: &[u8]) -> Option<Bytes> {
    let len = 24 + inner.len();
    if len > usize::from(u16::MAX) {
        return None;
    }
    let mut out = BytesMut::with_capacity(len);
    header(&mut out, len, xid, ONFT_BUNDLE_ADD_MESSAGE);
    out.put_u32(bundle_id);
    out.put_u16(0);
    out.put_u16(FLAGS);
    out.put_slice(inner);
    Some(out.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_add_layout() {
        let c = control(7, 9, COMMIT_REQUEST);
        assert_eq!(
            &c[..],
            &[
                4, 4, 0, 24, 0, 0, 0, 7, 0x4f, 0x4e, 0x46, 0, 0, 0, 0x08, 0xfc, 0, 0, 0, 9, 0, 4,
                0, 3
            ]
        );
        let inner = [4u8, 20, 0, 8, 0, 0, 0, 8];
        let a = add(8, 9, &inner).unwrap();
        assert_eq!(
            &a[..],
            &[
                4, 4, 0, 32, 0, 0, 0, 8, 0x4f, 0x4e, 0x46, 0, 0, 0, 0x08, 0xfd, 0, 0, 0, 9, 0, 0,
                0, 3, 4, 20, 0, 8, 0, 0, 0, 8
            ]
        );
        assert!(add(1, 1, &vec![0; 65_512]).is_none());
    }
}
