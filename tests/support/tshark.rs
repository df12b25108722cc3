//! tshark (Wireshark's dissectors) as an independent oracle for the bytes we emit.
//!
//! Raw OpenFlow messages become TCP segments 6653 -> 6653 and raw sFlow datagrams UDP
//! datagrams 6343 -> 6343 in a pcap made by `text2pcap` from an `od -Ax -tx1 -v`-style
//! dump (the recipe of `conformance/ryu/README.md`), which tshark then decodes:
//! - text: `tshark -r X -d tcp.port==6653,openflow -O openflow_v1,openflow_v4 -V`
//!   (`-O sflow -V` for sFlow);
//! - marks: frames matching `_ws.malformed || _ws.expert.severity==error`.
//!
//! tshark 4.0.17 flags some valid input (see `shared/notes/ovs-lab.md`): OF1.0 FLOW_MODs
//! without actions, and sFlow counter records 1004/1005 and 2001+ (OVS sends all of them).
//! Marks in such frames are kept but flagged [`Mark::known_false_alarm`]; use
//! [`Decoded::real_marks`] to ignore them.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use super::prereq;

/// The tools this module needs.
pub const TSHARK_TOOLS: &[&str] = &["tshark", "text2pcap"];

/// A frame tshark marked malformed or with an error-level expert item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// 1-based frame number = index of the message or datagram + 1.
    pub frame: usize,
    /// tshark's expert messages for the frame (e.g. `Malformed Packet (Exception occurred)`).
    pub message: String,
    /// The frame holds something tshark 4.0.17 is known to flag although it is valid.
    pub known_false_alarm: bool,
}

/// tshark's view of some input.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The `-V` decode of the protocol layers.
    pub text: String,
    pub marks: Vec<Mark>,
}

impl Decoded {
    /// Marks that are not known false alarms.
    pub fn real_marks(&self) -> Vec<&Mark> {
        self.marks.iter().filter(|m| !m.known_false_alarm).collect()
    }

    /// The `-V` text of frame `n` (1-based).
    pub fn frame_text(&self, n: usize) -> &str {
        let start_pat = format!("Frame {n}:");
        let Some(start) = self.text.find(&start_pat) else {
            return "";
        };
        let rest = &self.text[start..];
        let end = rest[1..]
            .find("\nFrame ")
            .map(|i| i + 1)
            .unwrap_or(rest.len());
        &rest[..end]
    }
}

/// Decode OpenFlow messages, one TCP segment each (a message must be complete: a short
/// one makes tshark wait for the rest in the next segment).
pub fn decode_openflow(messages: &[&[u8]]) -> Decoded {
    let dir = tempfile::tempdir().expect("tempdir for tshark");
    let pcap = dir.path().join("of.pcap");
    text2pcap(messages, &["-T", "6653,6653"], &pcap);
    let mut d = decode_openflow_pcap(&pcap, 6653);
    for m in &mut d.marks {
        m.known_false_alarm = messages
            .get(m.frame - 1)
            .is_some_and(|b| of10_flow_mod_without_actions(b));
    }
    d
}

/// Decode an OpenFlow capture (e.g. `tcpdump -i lo -w X 'tcp port 6653'`).
pub fn decode_openflow_pcap(pcap: &Path, port: u16) -> Decoded {
    let decode_as = format!("tcp.port=={port},openflow");
    let text = tshark(&[
        "-r",
        &pcap.to_string_lossy(),
        "-d",
        &decode_as,
        "-O",
        "openflow_v1,openflow_v4",
        "-V",
    ]);
    let marks = marks(&["-r", &pcap.to_string_lossy(), "-d", &decode_as]);
    Decoded { text, marks }
}

/// Decode raw sFlow datagrams (UDP payloads), one UDP datagram each.
pub fn decode_sflow(datagrams: &[&[u8]]) -> Decoded {
    let dir = tempfile::tempdir().expect("tempdir for tshark");
    let pcap = dir.path().join("sflow.pcap");
    text2pcap(datagrams, &["-u", "6343,6343"], &pcap);
    let text = tshark(&["-r", &pcap.to_string_lossy(), "-O", "sflow", "-V"]);
    let mut marks = marks(&["-r", &pcap.to_string_lossy()]);
    for m in &mut marks {
        m.known_false_alarm = datagrams
            .get(m.frame - 1)
            .is_some_and(|b| sflow_has_misread_counters(b));
    }
    Decoded { text, marks }
}

/// Write `packets` as an `od -Ax -tx1 -v` dump (offset 0 starts a packet) and convert it.
fn text2pcap(packets: &[&[u8]], encap: &[&str], pcap: &Path) {
    prereq::require(TSHARK_TOOLS);
    let mut dump = String::new();
    for p in packets {
        for (i, chunk) in p.chunks(16).enumerate() {
            let _ = write!(dump, "{:06x}", i * 16);
            for b in chunk {
                let _ = write!(dump, " {b:02x}");
            }
            dump.push('\n');
        }
    }
    let txt = pcap.with_extension("txt");
    std::fs::write(&txt, dump).expect("write hex dump");
    let out = Command::new(prereq::tool("text2pcap"))
        .arg("-q")
        .args(encap)
        .arg(&txt)
        .arg(pcap)
        .stdin(Stdio::null())
        .output()
        .expect("run text2pcap");
    assert!(
        out.status.success(),
        "text2pcap failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tshark(args: &[&str]) -> String {
    prereq::require(TSHARK_TOOLS);
    let out = Command::new(prereq::tool("tshark"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run tshark");
    // tshark warns on stderr when run as root; only the status matters.
    assert!(
        out.status.success(),
        "tshark {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn marks(read_args: &[&str]) -> Vec<Mark> {
    let mut args = read_args.to_vec();
    args.extend([
        "-Y",
        "_ws.malformed || _ws.expert.severity==error",
        "-T",
        "fields",
        "-E",
        "separator=/t",
        "-e",
        "frame.number",
        "-e",
        "_ws.expert.message",
        "-e",
        "_ws.malformed",
    ]);
    tshark(&args)
        .lines()
        .filter_map(|l| {
            let mut f = l.split('\t');
            let frame = f.next()?.trim().parse().ok()?;
            let message = f.filter(|s| !s.is_empty()).collect::<Vec<_>>().join("; ");
            Some(Mark {
                frame,
                message,
                known_false_alarm: false,
            })
        })
        .collect()
}

/// OF1.0 FLOW_MOD with no actions (72 bytes: header + match + fixed fields), e.g. a delete.
fn of10_flow_mod_without_actions(msg: &[u8]) -> bool {
    msg.len() == 72 && msg.first() == Some(&0x01) && msg.get(1) == Some(&14)
}

/// Does an sFlow v5 datagram carry counter records tshark 4.0.17 misreads
/// (standard formats 1004, 1005, or 2001 and up)? A minimal XDR walk; false on bad input.
fn sflow_has_misread_counters(d: &[u8]) -> bool {
    let word = |at: usize| -> Option<u32> {
        d.get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let walk = || -> Option<bool> {
        let addr_len = match word(4)? {
            1 => 4,
            2 => 16,
            _ => return None,
        };
        let mut at = 8 + addr_len + 12; // sub-agent, sequence, uptime
        let samples = word(at)?;
        at += 4;
        for _ in 0..samples.min(1024) {
            let (tag, len) = (word(at)?, word(at + 4)? as usize);
            let body = at + 8;
            let (fmt, enterprise) = (tag & 0xfff, tag >> 12);
            if enterprise == 0 && (fmt == 2 || fmt == 4) {
                // counter sample: sequence, source id (1 or 2 words), record count
                let mut r = body + if fmt == 2 { 8 } else { 12 };
                let records = word(r)?;
                r += 4;
                for _ in 0..records.min(1024) {
                    let (rtag, rlen) = (word(r)?, word(r + 4)? as usize);
                    let f = rtag & 0xfff;
                    if rtag >> 12 == 0 && (f == 1004 || f == 1005 || f >= 2001) {
                        return Some(true);
                    }
                    r += 8 + rlen;
                }
            }
            at = body + len;
        }
        Some(false)
    };
    walk().unwrap_or(false)
}
