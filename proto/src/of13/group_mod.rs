//! `OFPT_GROUP_MOD` (spec 1.3.5 §7.3.4.2, §A.3.4.2): `ofp_group_mod` and `ofp_bucket`.
//!
//! ```text
//! ofp_group_mod, after ofp_header:
//!  8 +---------------+-------+-------+-------------------------------+
//!    |    command    | type  |  pad  |           group_id            |
//! 16 +---------------+-------+-------+-------------------------------+
//!    | buckets (to the end of the message)
//!    +----------------------------------------------------------- - -
//! ofp_bucket:
//!  0 +---------------+---------------+-------------------------------+
//!    |      len      |    weight     |          watch_port           |
//!  8 +---------------+---------------+-------------------------------+
//!    |          watch_group          |            pad[4]             |
//! 16 +-------------------------------+-------------------------------+
//!    | actions (len - 16 bytes)
//!    +----------------------------------------------------------- - -
//! ```
//! A bucket's `len` must be at least 16, a multiple of 8 and within what remains.

use bytes::{BufMut, BytesMut};

use crate::error::{DecodeError, EncodeError};
use crate::reader::Reader;

use super::action::Action;
use super::consts_flow::*;
use super::tlv::{atomic, patch_len16, put_zeros};

enum_with_unknown! {
    /// `ofp_group_mod_command`.
    pub enum GroupModCommand(u16) {
        /// OFPGC_ADD: new group.
        Add = OFPGC_ADD,
        /// OFPGC_MODIFY: modify all matching groups.
        Modify = OFPGC_MODIFY,
        /// OFPGC_DELETE: delete all matching groups.
        Delete = OFPGC_DELETE,
    }
}

enum_with_unknown! {
    /// `ofp_group_type`.
    pub enum GroupType(u8) {
        /// OFPGT_ALL: every bucket (multicast, flooding, mirroring).
        All = OFPGT_ALL,
        /// OFPGT_SELECT: one bucket (multipath).
        Select = OFPGT_SELECT,
        /// OFPGT_INDIRECT: the single bucket.
        Indirect = OFPGT_INDIRECT,
        /// OFPGT_FF: the first live bucket (fast failover).
        FastFailover = OFPGT_FF,
    }
}

/// `ofp_bucket`: one action list of a group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Bucket {
    /// Relative weight (select groups only).
    pub weight: u16,
    /// Port whose liveness decides this bucket (fast failover; `OFPP_ANY` otherwise).
    pub watch_port: u32,
    /// Group whose liveness decides this bucket (fast failover; `OFPG_ANY` otherwise).
    pub watch_group: u32,
    /// Actions applied to the packet's copy.
    pub actions: Vec<Action>,
}

/// Bytes of `ofp_bucket` before its actions.
pub const BUCKET_HEADER_LEN: usize = 16;

impl Bucket {
    /// Decode one bucket; consumes exactly `len` bytes.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let start = r.offset();
        let len = usize::from(r.u16("ofp_bucket.len")?);
        r.check_tlv_len(len, start, BUCKET_HEADER_LEN, 8, "ofp_bucket.len")?;
        let weight = r.u16("ofp_bucket.weight")?;
        let watch_port = r.u32("ofp_bucket.watch_port")?;
        let watch_group = r.u32("ofp_bucket.watch_group")?;
        r.skip(4, "ofp_bucket.pad")?;
        let actions = Action::decode_list(r, len - BUCKET_HEADER_LEN, "ofp_bucket.actions")?;
        Ok(Bucket {
            weight,
            watch_port,
            watch_group,
            actions,
        })
    }

    /// Decode buckets until `len` bytes are used (the rest of a group-mod or group-desc).
    pub fn decode_list(
        r: &mut Reader<'_>,
        len: usize,
        field: &'static str,
    ) -> Result<Vec<Bucket>, DecodeError> {
        let mut sub = r.sub(len, field)?;
        let mut out = Vec::new();
        while !sub.is_empty() {
            out.push(Bucket::decode(&mut sub)?);
        }
        Ok(out)
    }

    /// Bytes on the wire.
    pub fn encoded_len(&self) -> usize {
        BUCKET_HEADER_LEN + Action::list_len(&self.actions)
    }

    /// Append the bucket. On error nothing is appended.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        atomic(out, |out| {
            let start = out.len();
            out.put_u16(0);
            out.put_u16(self.weight);
            out.put_u32(self.watch_port);
            out.put_u32(self.watch_group);
            put_zeros(out, 4);
            Action::encode_list(&self.actions, out)?;
            patch_len16(out, start, start)
        })
    }

    /// Append every bucket in order. On error nothing is appended.
    pub fn encode_list(buckets: &[Bucket], out: &mut BytesMut) -> Result<(), EncodeError> {
        atomic(out, |out| buckets.iter().try_for_each(|b| b.encode(out)))
    }

    /// Bytes a bucket list takes on the wire.
    pub fn list_len(buckets: &[Bucket]) -> usize {
        buckets.iter().map(Bucket::encoded_len).sum()
    }
}

/// `ofp_group_mod`: add, modify or delete a group.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GroupMod {
    /// What to do.
    pub command: GroupModCommand,
    /// The group's type.
    #[serde(rename = "type")]
    pub ty: GroupType,
    /// The group (`OFPG_ALL` to delete every group).
    pub group_id: u32,
    /// Its buckets.
    pub buckets: Vec<Bucket>,
}

impl GroupMod {
    /// Decode the body after `ofp_header`; the buckets run to the end of the reader.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let command = GroupModCommand::from(r.u16("ofp_group_mod.command")?);
        let ty = GroupType::from(r.u8("ofp_group_mod.type")?);
        r.skip(1, "ofp_group_mod.pad")?;
        let group_id = r.u32("ofp_group_mod.group_id")?;
        let n = r.remaining();
        let buckets = Bucket::decode_list(r, n, "ofp_group_mod.buckets")?;
        Ok(GroupMod {
            command,
            ty,
            group_id,
            buckets,
        })
    }

    /// Bytes [`GroupMod::encode`] writes (the body, without `ofp_header`).
    pub fn encoded_len(&self) -> usize {
        8 + Bucket::list_len(&self.buckets)
    }

    /// Append the body. On error nothing is appended.
    pub fn encode(&self, out: &mut BytesMut) -> Result<(), EncodeError> {
        atomic(out, |out| {
            out.put_u16(self.command.into());
            out.put_u8(self.ty.into());
            put_zeros(out, 1);
            out.put_u32(self.group_id);
            Bucket::encode_list(&self.buckets, out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DecodeErrorKind;
    use bytes::Bytes;

    // An ALL group mirroring to ports 3 and 11 (a tap as a group).
    #[rustfmt::skip]
    static GROUP_MOD: [u8; 80] = [
        0x04, 0x0f, 0x00, 0x50, 0x00, 0x00, 0x00, 0x00, // ofp_header
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, // ADD, ALL, pad, group 7
        0x00, 0x20, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, // bucket len 32, weight, watch_port
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, // watch_group, pad
        0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x03, //   output:3
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
        0x00, 0x20, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, // bucket 2
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, //
        0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x0b, //   output:11
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //
    ];

    fn bucket(port: u32) -> Bucket {
        Bucket {
            weight: 0,
            watch_port: 0xffff_ffff,
            watch_group: OFPG_ANY,
            actions: vec![Action::Output { port, max_len: 0 }],
        }
    }

    fn repr() -> GroupMod {
        GroupMod {
            command: GroupModCommand::Add,
            ty: GroupType::All,
            group_id: 7,
            buckets: vec![bucket(3), bucket(11)],
        }
    }

    fn decode(bytes: &[u8]) -> Result<GroupMod, DecodeError> {
        let buf = Bytes::copy_from_slice(bytes);
        let mut r = Reader::new(&buf, "OFPT_GROUP_MOD");
        r.skip(8, "ofp_header").unwrap();
        let g = GroupMod::decode(&mut r)?;
        assert!(r.is_empty());
        Ok(g)
    }

    #[test]
    fn parse() {
        assert_eq!(decode(&GROUP_MOD).unwrap(), repr());
    }

    #[test]
    fn emit() {
        let mut out = BytesMut::from(&[0xa5u8; 8][..]);
        repr().encode(&mut out).unwrap();
        assert_eq!(&out[8..], &GROUP_MOD[8..]);
        assert_eq!(repr().encoded_len(), GROUP_MOD.len() - 8);
    }

    #[test]
    fn bad_lengths() {
        // Zero bucket length.
        let mut b = GROUP_MOD;
        b[17] = 0;
        let e = decode(&b).unwrap_err();
        assert_eq!((e.field, e.offset), ("ofp_bucket.len", 16));
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 0 });
        // Shorter than the bucket header.
        b[17] = 8;
        let e = decode(&b).unwrap_err();
        assert_eq!((e.field, e.offset), ("ofp_bucket.len", 16));
        // Misaligned.
        b[17] = 0x1c;
        let e = decode(&b).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::BadLength { value: 0x1c });
        // Second bucket runs past the end.
        let mut b = GROUP_MOD;
        b[49] = 0x28;
        let e = decode(&b).unwrap_err();
        assert_eq!((e.field, e.offset), ("ofp_bucket.len", 48));
        // Bucket cuts its action in half.
        let mut b = GROUP_MOD;
        b[17] = 0x18;
        let e = decode(&b).unwrap_err();
        assert_eq!((e.field, e.offset), ("ofp_action_header.len", 32));
    }
}
