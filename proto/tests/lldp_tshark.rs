//! LLDP probes checked by an independent decoder: Wireshark's dissector (tshark).
//!
//! Needs `tshark` on the PATH (`apt-get install -y tshark`); fails, not skips, without it.

use std::path::PathBuf;
use std::process::Command;

use bytes::Bytes;
use tapdemon_proto::pkt::lldp::{self, Repr, Tlv};
use tapdemon_proto::{DatapathId, MacAddr};

/// A classic little-endian pcap with one Ethernet frame.
fn pcap(frame: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    for v in [0u32, 0, 65535, 1] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let len = frame.len() as u32;
    for v in [0u32, 0, len, len] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(frame);
    out
}

fn tshark_fields(frame: &[u8], fields: &[&str]) -> Vec<String> {
    let path: PathBuf =
        std::env::temp_dir().join(format!("tapdemon-lldp-{}.pcap", std::process::id()));
    std::fs::write(&path, pcap(frame)).unwrap();
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(&path)
        .args(["-T", "fields", "-E", "separator=|"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run tshark ({e}): apt-get install -y tshark"));
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "tshark failed: {out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    text.trim_end_matches('\n')
        .split('|')
        .map(str::to_string)
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn tshark_decodes_our_probe() {
    let mut repr = Repr::probe(
        DatapathId(0x2),
        7,
        MacAddr([2, 0, 0, 0, 2, 7]),
        6,
        Some("s2"),
    );
    repr.tlvs.push(Tlv::Unknown {
        ty: 127,
        value: Bytes::from_static(&[0x0e, 0x74, 0x64, 1, 1, 2, 3, 4, 5, 6, 7, 8]),
    });
    let frame = repr.to_bytes().unwrap();
    let got = tshark_fields(
        &frame,
        &[
            "eth.dst",
            "eth.type",
            "lldp.chassis.subtype",
            "lldp.chassis.id",
            "lldp.port.subtype",
            "lldp.time_to_live",
            "lldp.tlv.system.name",
            "lldp.orgtlv.oui",
            "_ws.malformed",
        ],
    );
    assert_eq!(
        got,
        vec![
            "01:80:c2:00:00:0e".to_string(),
            "0x88cc".into(),
            "7".into(),
            hex(b"dpid:0000000000000002"),
            "2".into(),
            "6".into(),
            "s2".into(),
            // tshark prints the OUI as a number.
            u32::from_be_bytes([0, 0x0e, 0x74, 0x64]).to_string(),
            String::new(),
        ]
    );
    assert_eq!(Repr::parse(&frame).unwrap(), repr);
    assert!(lldp::is_lldp(&frame));
}
