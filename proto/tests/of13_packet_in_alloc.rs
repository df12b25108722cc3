//! Decoding an OF1.3 packet-in must not touch the heap: the match and the frame are
//! slices of the received message (see `of13::match_`). A counting allocator makes that a
//! test instead of a promise.
//!
//! This is the only place the crate's code runs under a custom allocator; the `unsafe`
//! below is the `GlobalAlloc` contract itself (forwarding to the system allocator), in a
//! test binary, not in the library (which forbids unsafe code).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use bytes::{BufMut, BytesMut};
use tapdemon_proto::of13::oxm::Oxm;
use tapdemon_proto::of13::packet_in::PacketIn;
use tapdemon_proto::reader::Reader;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> usize {
    ALLOCS.with(Cell::get)
}

/// A packet-in as OVS sends it for a table-miss: in_port, an NXM tunnel field (kept raw),
/// and a 60-byte frame; framed the way `codec::OfFramer` does (split off a BytesMut).
fn framed_packet_in() -> bytes::Bytes {
    let mut stream = BytesMut::new();
    stream.put_slice(&[0x04, 0x0a, 0x00, 0x00, 0, 0, 0, 1]);
    stream.put_u32(0xffff_ffff); // buffer_id
    stream.put_u16(60); // total_len
    stream.put_u8(0); // OFPR_NO_MATCH
    stream.put_u8(0); // table_id
    stream.put_u64(0); // cookie
    stream.put_slice(&[0x00, 0x01, 0x00, 0x14]); // match, length 20
    stream.put_slice(&[0x80, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02]); // in_port=2
    stream.put_slice(&[0x00, 0x01, 0x3e, 0x04, 10, 0, 0, 1]); // NXM tun_ipv4_src
    stream.put_slice(&[0; 4]); // match padding
    stream.put_slice(&[0; 2]); // pad
    stream.put_slice(&[0xab; 60]); // frame
    let len = stream.len() as u16;
    stream[2..4].copy_from_slice(&len.to_be_bytes());
    stream.put_slice(&[4, 2, 0, 8, 0, 0, 0, 2]); // the next message in the stream
    stream.split_to(len as usize).freeze()
}

#[test]
fn packet_in_decode_does_not_allocate() {
    let msg = framed_packet_in();
    let before = allocs();
    let mut r = Reader::new(&msg, "OFPT_PACKET_IN");
    r.skip(8, "ofp_header").unwrap();
    let pi = PacketIn::decode(&mut r).unwrap();
    let in_port = pi.in_port();
    let raw_fields = pi
        .match_
        .iter()
        .filter(|o| matches!(o, Oxm::Unknown { .. }))
        .count();
    let frame_len = pi.data.len();
    let after = allocs();
    assert_eq!(in_port, Some(2));
    assert_eq!(raw_fields, 1);
    assert_eq!(frame_len, 60);
    assert_eq!(after - before, 0, "PacketIn::decode allocated");

    // The runtime's path: the whole-message decoder.
    let before = allocs();
    let decoded = tapdemon_proto::of13::Message::decode(&msg);
    let after = allocs();
    assert!(matches!(
        decoded,
        Ok((_, tapdemon_proto::of13::Message::PacketIn(_)))
    ));
    assert_eq!(
        after - before,
        0,
        "Message::decode of a packet-in allocated"
    );
}
