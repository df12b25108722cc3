//! Property tests for the OF1.3 flow-side codecs (OXM, match, actions, instructions,
//! flow-mod, packet-in/out, flow-removed, group-mod, flow and group multipart bodies):
//! - structured values survive encode → decode unchanged;
//! - arbitrary and mutated bytes never panic a decoder, and whatever decodes re-encodes
//!   to bytes that decode to the same value (padding is normalised to zeros).

use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use tapdemon_proto::flow::Masked;
use tapdemon_proto::of13::action::Action;
use tapdemon_proto::of13::flow_mod::{FlowMod, FlowModCommand};
use tapdemon_proto::of13::flow_removed::FlowRemoved;
use tapdemon_proto::of13::group_mod::GroupMod;
use tapdemon_proto::of13::instruction::Instruction;
use tapdemon_proto::of13::match_::Match;
use tapdemon_proto::of13::multipart_flow::{FlowStats, FlowStatsRequest};
use tapdemon_proto::of13::multipart_group::{GroupDesc, GroupStats};
use tapdemon_proto::of13::oxm::Oxm;
use tapdemon_proto::of13::packet_in::PacketIn;
use tapdemon_proto::of13::packet_out::PacketOut;
use tapdemon_proto::reader::Reader;
use tapdemon_proto::types::MacAddr;

fn masked<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + Clone,
) -> impl Strategy<Value = Masked<T>> {
    (s.clone(), proptest::option::of(s)).prop_map(|(value, mask)| Masked { value, mask })
}

fn mac() -> impl Strategy<Value = MacAddr> + Clone {
    any::<[u8; 6]>().prop_map(MacAddr)
}

fn oxm() -> impl Strategy<Value = Oxm> {
    prop_oneof![
        masked(any::<u32>()).prop_map(Oxm::InPort),
        masked(any::<u64>()).prop_map(Oxm::Metadata),
        masked(mac()).prop_map(Oxm::EthDst),
        masked(mac()).prop_map(Oxm::ArpTha),
        masked(any::<u16>()).prop_map(Oxm::VlanVid),
        masked(any::<u8>()).prop_map(Oxm::IpProto),
        masked(any::<[u8; 4]>().prop_map(Ipv4Addr::from)).prop_map(Oxm::Ipv4Src),
        masked(any::<[u8; 16]>().prop_map(Ipv6Addr::from)).prop_map(Oxm::Ipv6NdTarget),
        masked(0u32..=0x00ff_ffff).prop_map(Oxm::PbbIsid),
        masked(any::<u16>()).prop_map(Oxm::Ipv6Exthdr),
        (
            any::<u16>().prop_filter("not basic/experimenter", |c| *c != 0x8000 && *c != 0xffff),
            0u8..128,
            any::<bool>(),
            proptest::collection::vec(any::<u8>(), 0..20),
        )
            .prop_map(|(class, field, hasmask, body)| Oxm::Unknown {
                class,
                field,
                hasmask,
                body: Bytes::from(body),
            }),
        (
            0u8..128,
            any::<bool>(),
            any::<u32>(),
            proptest::collection::vec(any::<u8>(), 0..20)
        )
            .prop_map(|(field, hasmask, experimenter, body)| Oxm::Experimenter {
                field,
                hasmask,
                experimenter,
                body: Bytes::from(body),
            }),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (any::<u32>(), any::<u16>()).prop_map(|(port, max_len)| Action::Output { port, max_len }),
        Just(Action::PopVlan),
        any::<u16>().prop_map(|ethertype| Action::PushVlan { ethertype }),
        any::<u8>().prop_map(|nw_ttl| Action::SetNwTtl { nw_ttl }),
        any::<u32>().prop_map(|group_id| Action::Group { group_id }),
        oxm().prop_map(Action::SetField),
        (
            any::<u32>(),
            proptest::collection::vec(any::<[u8; 8]>(), 0..3)
        )
            .prop_map(|(experimenter, body)| Action::Experimenter {
                experimenter,
                body: Bytes::from(body.concat()),
            }),
    ]
}

fn instruction() -> impl Strategy<Value = Instruction> {
    prop_oneof![
        any::<u8>().prop_map(|table_id| Instruction::GotoTable { table_id }),
        (any::<u64>(), any::<u64>()).prop_map(|(metadata, metadata_mask)| {
            Instruction::WriteMetadata {
                metadata,
                metadata_mask,
            }
        }),
        proptest::collection::vec(action(), 0..4).prop_map(Instruction::ApplyActions),
        proptest::collection::vec(action(), 0..4).prop_map(Instruction::WriteActions),
        Just(Instruction::ClearActions),
        any::<u32>().prop_map(|meter_id| Instruction::Meter { meter_id }),
    ]
}

fn flow_mod() -> impl Strategy<Value = FlowMod> {
    (
        any::<(u64, u64, u8, u8, u16, u16, u16)>(),
        any::<(u32, u32, u32, u16)>(),
        proptest::collection::vec(oxm(), 0..6),
        proptest::collection::vec(instruction(), 0..4),
    )
        .prop_map(|(a, b, fields, instructions)| FlowMod {
            cookie: a.0,
            cookie_mask: a.1,
            table_id: a.2,
            command: FlowModCommand::from(a.3),
            idle_timeout: a.4,
            hard_timeout: a.5,
            priority: a.6,
            buffer_id: b.0,
            out_port: b.1,
            out_group: b.2,
            flags: b.3,
            match_: Match::from_fields(&fields).unwrap(),
            instructions,
        })
}

/// Decode a body placed after an 8-byte header, requiring the reader to be used up.
fn decode_body<T>(
    body: &[u8],
    f: impl Fn(&mut Reader<'_>) -> Result<T, tapdemon_proto::DecodeError>,
) -> Result<T, tapdemon_proto::DecodeError> {
    let buf = Bytes::from([&[0u8; 8][..], body].concat());
    let mut r = Reader::new(&buf, "TEST");
    r.skip(8, "header")?;
    let v = f(&mut r)?;
    r.finish("body")?;
    Ok(v)
}

/// Decode items until the reader is empty (multipart reply bodies).
fn list<T>(
    f: impl Fn(&mut Reader<'_>) -> Result<T, tapdemon_proto::DecodeError>,
) -> impl Fn(&mut Reader<'_>) -> Result<Vec<T>, tapdemon_proto::DecodeError> {
    move |r| {
        let mut v = Vec::new();
        while !r.is_empty() {
            v.push(f(r)?);
        }
        Ok(v)
    }
}

/// If `bytes` decode, the value re-encodes and decodes back to itself.
macro_rules! idempotent {
    ($bytes:expr, $decode:expr, |$v:ident, $out:ident| $encode:expr) => {{
        if let Ok($v) = decode_body($bytes, $decode) {
            let mut $out = BytesMut::new();
            $encode.expect("a decoded value re-encodes");
            let again = decode_body(&$out, $decode).expect("re-encoded bytes decode");
            prop_assert_eq!(again, $v);
        }
    }};
}

/// Every decoder, on the same bytes.
fn check_all(bytes: &[u8]) -> Result<(), TestCaseError> {
    idempotent!(bytes, FlowMod::decode, |v, out| v.encode(&mut out));
    idempotent!(bytes, PacketIn::decode, |v, out| v.encode(&mut out));
    idempotent!(bytes, PacketOut::decode, |v, out| v.encode(&mut out));
    idempotent!(bytes, FlowRemoved::decode, |v, out| v.encode(&mut out));
    idempotent!(bytes, GroupMod::decode, |v, out| v.encode(&mut out));
    idempotent!(bytes, FlowStatsRequest::decode, |v, out| v.encode(&mut out));
    idempotent!(bytes, Match::decode, |v, out| v.encode(&mut out));
    idempotent!(bytes, list(FlowStats::decode), |v, out| v
        .iter()
        .try_for_each(|x| x.encode(&mut out)));
    idempotent!(bytes, list(GroupDesc::decode), |v, out| v
        .iter()
        .try_for_each(|x| x.encode(&mut out)));
    idempotent!(bytes, list(GroupStats::decode), |v, out| v
        .iter()
        .try_for_each(|x| x.encode(&mut out)));
    idempotent!(bytes, list(Action::decode), |v, out| Action::encode_list(
        &v, &mut out
    ));
    idempotent!(bytes, list(Instruction::decode), |v, out| {
        Instruction::encode_list(&v, &mut out)
    });
    Ok(())
}

proptest! {
    #[test]
    fn oxm_round_trips(o in oxm()) {
        let mut out = BytesMut::new();
        o.encode(&mut out).unwrap();
        prop_assert_eq!(out.len(), o.encoded_len());
        let back = decode_body(&out, Oxm::decode).unwrap();
        prop_assert_eq!(back, o);
    }

    #[test]
    fn flow_mod_round_trips(fm in flow_mod()) {
        let mut out = BytesMut::new();
        fm.encode(&mut out).unwrap();
        prop_assert_eq!(out.len(), fm.encoded_len());
        let back = decode_body(&out, FlowMod::decode).unwrap();
        prop_assert_eq!(&back, &fm);
        // And as a whole message through the dispatcher.
        let msg = tapdemon_proto::of13::Message::FlowMod(fm);
        let bytes = msg.to_bytes(7).unwrap();
        let (_, again) = tapdemon_proto::of13::Message::decode(&bytes).unwrap();
        prop_assert_eq!(again, msg);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        check_all(&bytes)?;
    }

    #[test]
    fn mutated_flow_mods_never_panic(
        fm in flow_mod(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut out = BytesMut::new();
        fm.encode(&mut out).unwrap();
        let mut bytes = out.to_vec();
        for (i, v) in flips {
            let i = i.index(bytes.len());
            bytes[i] = v;
        }
        check_all(&bytes)?;
    }
}
