//! Decoding an `OFPT_PACKET_IN` must not touch the heap: `data` is a slice of the framed
//! buffer. A counting global allocator (counting only on the test's own thread) checks it.
//!
//! The buffer is built the way the framer builds it (`BytesMut::split_to(..).freeze()`),
//! whose clones are reference-count increments. (A `Bytes` made from a `Vec` allocates
//! its shared header on first clone; that is `bytes` internals, not the decoder.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::BytesMut;
use tapdemon_proto::of10::{Action, FlowMod, Match, Message, PacketInReason};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn packet_in_decode_does_not_allocate() {
    // Ryu's 1-4-ofp_packet_in.packet: an ARP request, buffered, reason ACTION.
    let wire: [u8; 60] = [
        0x01, 0x0a, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x2a, 0x00,
        0x63, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf2, 0x0b, 0xa4, 0x7d, 0xf8, 0xea,
        0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0xf2, 0x0b, 0xa4, 0x7d, 0xf8,
        0xea, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x03,
    ];
    let mut stream = BytesMut::from(&wire[..]);
    stream.extend_from_slice(&wire); // a second message behind it, as on a socket
    let frame = stream.split_to(wire.len()).freeze();

    COUNTING.with(|c| c.set(true));
    let decoded = Message::decode(&frame);
    COUNTING.with(|c| c.set(false));
    let allocs = ALLOCS.load(Ordering::Relaxed);

    let (_, msg) = decoded.unwrap();
    let Message::PacketIn(p) = msg else {
        panic!("not a packet-in: {msg:?}");
    };
    assert_eq!(p.reason, PacketInReason::Action);
    assert_eq!(p.data.len(), 42);
    assert_eq!(p.data.as_ptr(), frame[18..].as_ptr());
    assert_eq!(allocs, 0, "decoding a packet-in allocated {allocs} times");

    // The counter can fail: a flow-mod's action list does allocate.
    let flow_mod = Message::FlowMod(FlowMod::add(Match::all(), 1, vec![Action::StripVlan]))
        .to_bytes(1)
        .unwrap();
    COUNTING.with(|c| c.set(true));
    let decoded = Message::decode(&flow_mod);
    COUNTING.with(|c| c.set(false));
    assert!(decoded.is_ok());
    assert!(ALLOCS.load(Ordering::Relaxed) > 0);
}
