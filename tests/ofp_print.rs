//! `tapdemon ofp-print` as an operator runs it, over Ryu's corpus (`../shared/conformance/ryu`
//! or `$TAPDEMON_CONFORMANCE_DIR/ryu`): every message file, the three captures, and the
//! deliberately broken inputs. The expected values come from Ryu's JSON decodes of the
//! same files.

use std::path::PathBuf;
use std::process::{Command, Output};

fn ryu() -> PathBuf {
    let dir = match std::env::var_os("TAPDEMON_CONFORMANCE_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance"),
    };
    let ryu = dir.join("ryu");
    assert!(
        ryu.join("packet_data/of13").is_dir(),
        "the Ryu conformance corpus is absent: expected {}/packet_data/of13. Point \
         TAPDEMON_CONFORMANCE_DIR at the directory that contains `ryu/` (the shared corpus).",
        ryu.display()
    );
    ryu
}

fn ofp_print(args: &[&str]) -> (Output, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tapdemon"))
        .arg("ofp-print")
        .args(args)
        .output()
        .expect("run tapdemon");
    let text = String::from_utf8(out.stdout.clone()).expect("utf-8 output");
    (out, text)
}

fn packets(ryu: &std::path::Path) -> Vec<String> {
    let mut files = Vec::new();
    for v in ["of10", "of13"] {
        for e in std::fs::read_dir(ryu.join("packet_data").join(v)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "packet") {
                files.push(p.display().to_string());
            }
        }
    }
    files.sort();
    files
}

/// The text block of message number `index` (its header line and body).
fn block_of(text: &str, index: usize) -> &str {
    let start = text
        .find(&format!("#{index} "))
        .unwrap_or_else(|| panic!("no message #{index} in:\n{text}"));
    let rest = &text[start..];
    let end = rest.find("\n\n").map_or(rest.len(), |e| e + 1);
    &rest[..end]
}

#[test]
fn prints_every_ryu_message_readably_and_round_trips_it() {
    let ryu = ryu();
    let files = packets(&ryu);
    assert_eq!(files.len(), 117, "13 OF1.0 + 104 OF1.3 messages");
    let mut args = vec!["--roundtrip"];
    args.extend(files.iter().map(String::as_str));
    let (out, text) = ofp_print(&args);
    assert!(
        out.status.success(),
        "exit {:?}: {}\n{text}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let headers = text.lines().filter(|l| l.starts_with('#')).count();
    assert_eq!(headers, 117, "{text}");
    // No Rust debug dumps, no raw match bytes: what an operator reads.
    for artefact in ["b\"", "Some(", "Of13(", "Of10(", "\\x", "Unknown("] {
        assert!(!text.contains(artefact), "{artefact:?} in the output");
    }

    let index_of = |name: &str| 1 + files.iter().position(|f| f.ends_with(name)).unwrap();
    // Ryu: OFPFlowMod, priority 123, table 1, match eth_dst, write-actions ending in
    // group 99 and output 6, apply-actions setting eth_src.
    let b = block_of(&text, index_of("of13/4-2-ofp_flow_mod.packet"));
    assert!(b.starts_with(&format!(
        "#{} OFPT_FLOW_MOD (OF1.3) xid=0x00000000 len=280",
        index_of("of13/4-2-ofp_flow_mod.packet")
    )));
    assert!(
        b.contains("priority=123") && b.contains("table_id=1"),
        "{b}"
    );
    assert!(b.contains("  match: eth_dst=f2:0b:a4:7d:f8:ea\n"), "{b}");
    assert!(b.contains("group:99,output:6)"), "{b}");
    assert!(
        b.contains("apply_actions(set_field:01:02:03:04:05:06->eth_src"),
        "{b}"
    );
    // Ryu: OF1.0 OFPFlowMod, wildcards leaving dl_dst only, action output port 6.
    let b = block_of(&text, index_of("of10/1-2-ofp_flow_mod.packet"));
    assert!(b.contains("  match: dl_dst=f2:0b:a4:7d:f8:ea\n"), "{b}");
    assert!(b.contains("  actions: output:6\n"), "{b}");
    // Ryu: OF1.3 packet-in of an ARP request from f2:0b:a4:7d:f8:ea, in_port 6.
    let b = block_of(&text, index_of("of13/4-4-ofp_packet_in.packet"));
    assert!(b.contains("match: in_port=6,eth_type=0x0806"), "{b}");
    assert!(
        b.contains("data: 42 bytes: f2:0b:a4:7d:f8:ea > ff:ff:ff:ff:ff:ff arp op 1"),
        "{b}"
    );
    // Ryu: OF1.0 switch features, datapath 0xff12345678, ports 7 and 6.
    let b = block_of(&text, index_of("of10/1-6-ofp_switch_features.packet"));
    assert!(b.contains("datapath_id=0xff12345678"), "{b}");
    assert!(b.contains("ports: 2 entries"), "{b}");
    assert!(b.contains("name=Port7") && b.contains("port_no=6"), "{b}");
    // Ryu: error type 4 (bad match) code 6 (bad field), echoing a flow-mod header.
    let b = block_of(&text, index_of("of13/libofproto-OFP13-error_msg.packet"));
    assert!(b.contains("  OFPET_BAD_MATCH OFPBMC_BAD_FIELD\n"), "{b}");
    assert!(b.contains("data: 8 bytes: OFPT_FLOW_MOD (OF1.3)"), "{b}");
    // Ryu: a flow-stats reply of 4 flows; the second matches ARP and outputs NORMAL.
    let b = block_of(&text, index_of("of13/4-12-ofp_flow_stats_reply.packet"));
    assert!(b.contains("body: flow\n"), "{b}");
    assert!(
        b.contains("match: eth_type=0x0806\n      instructions: apply_actions(output:NORMAL)"),
        "{b}"
    );
}

#[test]
fn reads_ryu_captures_and_rejects_the_invalid_version() {
    let ryu = ryu();
    let pcap = |n: &str| ryu.join("pcap").join(n).display().to_string();

    let (out, text) = ofp_print(&[&pcap("openflow_flowmod.pcap")]);
    assert!(out.status.success(), "{text}");
    assert!(
        text.starts_with("#1 OFPT_FLOW_MOD (OF1.3) xid=0x78d072af len=80 frame 1 127.0.0.1:6633 > 127.0.0.1:59108\n"),
        "{text}"
    );
    assert!(
        text.contains("  instructions: apply_actions(CONTROLLER:65535)\n"),
        "{text}"
    );

    let (out, text) = ofp_print(&[&pcap("openflow_flowstats_req.pcap")]);
    assert!(out.status.success(), "{text}");
    assert!(text.starts_with("#1 OFPMP_FLOW request (OF1.3)"), "{text}");
    assert!(text.contains("out_port=ANY"), "{text}");

    let (out, text) = ofp_print(&["--json", &pcap("openflow_invalid_version.pcap")]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(v["frame"], 1);
    assert_eq!(v["src"], "127.0.0.1:6633");
    let err = v["error"].as_str().unwrap();
    assert!(err.contains("unsupported version 0xff"), "{err}");
    assert!(err.contains("`ofp_header.version`, byte 0"), "{err}");
}

#[test]
fn broken_input_fails_naming_the_problem() {
    let ryu = ryu();
    // Ryu's truncated case: the first 64 bytes of a 256-byte flow-mod.
    let full =
        std::fs::read(ryu.join("packet_data/of13/libofproto-OFP13-flow_mod.packet")).unwrap();
    let hex: String = full[..64].iter().map(|b| format!("{b:02x}")).collect();
    let (out, text) = ofp_print(&[&hex]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("#1 at input byte 0: error: ofp_header: truncated: need 256 bytes, have 64"),
        "{text}"
    );

    // A role request with non-zero padding decodes, but does not re-encode to the same
    // bytes: --roundtrip names the byte.
    let (out, text) = ofp_print(&[
        "--roundtrip",
        "041800180000000100000002ffffffff0000000000000005",
    ]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("round trip differs at byte 12: original 0xff, re-encoded 0x00"),
        "{text}"
    );

    // Neither a file nor hex: a usage error (exit 2) on stderr.
    let (out, _) = ofp_print(&["not-hex-and-no-such-file"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("neither a file nor hex"));
}
