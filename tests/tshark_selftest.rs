//! Self-test of the tshark oracle helper (needs tshark and text2pcap; fails, never skips).

mod support;

use support::tshark::{decode_openflow, decode_sflow};

/// OF1.3 HELLO, xid 1, with a VERSIONBITMAP element {1.3}.
const HELLO13: [u8; 16] = [
    0x04, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x01, // header
    0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x10, // OFPHET_VERSIONBITMAP, bitmap 1<<4
];

/// OF1.3 FLOW_MOD whose header claims 12 bytes: far shorter than the 56-byte fixed part.
const SHORT_FLOW_MOD13: [u8; 12] = [
    0x04, 0x0e, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x08,
];

/// OF1.0 FLOW_MOD DELETE with no actions (valid; tshark 4.0.17 calls it malformed).
fn of10_delete_all() -> Vec<u8> {
    let mut m = vec![0x01, 14, 0, 72, 0, 0, 0, 3];
    m.extend_from_slice(&0x003f_ffffu32.to_be_bytes()); // wildcards: all
    m.extend_from_slice(&[0; 36]); // rest of ofp_match
    m.extend_from_slice(&[0; 8]); // cookie
    m.extend_from_slice(&[0, 3, 0, 0, 0, 0, 0x80, 0]); // DELETE, idle 0, hard 0, priority
    m.extend_from_slice(&[0xff; 4]); // buffer_id none
    m.extend_from_slice(&[0xff, 0xff, 0, 0]); // out_port NONE, flags
    assert_eq!(m.len(), 72);
    m
}

#[test]
fn valid_hello_decodes_without_marks() {
    let d = decode_openflow(&[&HELLO13]);
    assert!(d.text.contains("OFPT_HELLO"), "{}", d.text);
    assert!(d.text.contains("OFPHET_VERSIONBITMAP"), "{}", d.text);
    assert!(d.marks.is_empty(), "{:?}", d.marks);
}

#[test]
fn malformed_message_gets_a_mark_on_its_frame() {
    let d = decode_openflow(&[&HELLO13, &SHORT_FLOW_MOD13]);
    assert!(d.frame_text(1).contains("OFPT_HELLO"));
    assert!(
        d.frame_text(2).contains("OFPT_FLOW_MOD"),
        "{}",
        d.frame_text(2)
    );
    assert_eq!(d.marks.len(), 1, "{:?}", d.marks);
    assert_eq!(d.marks[0].frame, 2);
    assert!(d.marks[0].message.contains("Malformed"), "{:?}", d.marks);
    assert_eq!(
        d.real_marks().len(),
        1,
        "a real error is not a known false alarm"
    );
}

#[test]
fn of10_delete_false_alarm_is_flagged_known() {
    let msg = of10_delete_all();
    let d = decode_openflow(&[&msg]);
    assert!(d.text.contains("OFPT_FLOW_MOD"), "{}", d.text);
    assert!(d.marks.iter().all(|m| m.known_false_alarm), "{:?}", d.marks);
    assert!(d.real_marks().is_empty());
}

#[test]
fn sflow_datagram_from_the_corpus_decodes_and_truncation_is_marked() {
    let dir = std::env::var("TAPDEMON_CONFORMANCE_DIR").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/conformance").to_string()
    });
    let path = format!("{dir}/sflow/raw/akvorado__data-1140__f01.bin");
    let datagram = std::fs::read(&path).unwrap_or_else(|e| {
        panic!("{path}: {e} (set TAPDEMON_CONFORMANCE_DIR to the shared conformance corpus)")
    });
    let d = decode_sflow(&[&datagram]);
    assert!(
        d.text.contains("InMon sFlow") && d.text.contains("NumSamples: 5"),
        "{}",
        d.text
    );
    assert!(d.real_marks().is_empty(), "{:?}", d.marks);

    let cut = decode_sflow(&[&datagram[..100]]);
    assert!(
        !cut.real_marks().is_empty(),
        "a datagram cut mid-sample must be marked: {}",
        cut.text
    );
}
