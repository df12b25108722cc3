//! Wireshark as an independent oracle for what tapdemon emits (issue 2, "Must show").
//!
//! Builds at least one message of every type the proto crate can emit, in OpenFlow 1.0 and
//! 1.3 (and every stats / multipart body), with the proto API; writes them into one pcap
//! (one TCP segment each, 6653 -> 6653, via `text2pcap`); and asks tshark's openflow
//! dissector for each frame's message type and for any malformed or error-level expert mark.
//! Every frame must decode as the type we built, with no mark, except for the documented
//! gaps of tshark 4.0.17 listed in [`known_false_alarm`].
//!
//! Needs `tshark` and `text2pcap` (Debian `tshark`); fails, not skips, without them.
//! `TAPDEMON_ORACLE_DUMP=DIR` also writes each message to `DIR/<n>-<label>.bin` (the fuzz
//! seed corpora in `proto/fuzz/corpus/` were made this way).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use bytes::Bytes;

#[path = "tshark_oracle/of10.rs"]
mod of10;
#[path = "tshark_oracle/of13.rs"]
mod of13;

/// One message to check.
pub(crate) struct Case {
    label: &'static str,
    msg: proto::Message,
    bytes: Bytes,
}

impl Case {
    fn new(label: &'static str, msg: proto::Message) -> Case {
        let bytes = match &msg {
            proto::Message::Of10(m) => m.to_bytes(0x1000),
            proto::Message::Of13(m) => m.to_bytes(0x1000),
        }
        .unwrap_or_else(|e| panic!("{label}: encode failed: {e}"));
        // Our own decoder must agree before we ask anyone else.
        let (_, back) = proto::Message::decode(&bytes).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(back, msg, "{label}: round trip");
        Case { label, msg, bytes }
    }

    /// The stats / multipart type of the body, if the message has one.
    fn sub_type(&self) -> Option<u16> {
        use proto::{of10, of13};
        match &self.msg {
            proto::Message::Of10(of10::Message::StatsRequest(m)) => Some(m.stats_type()),
            proto::Message::Of10(of10::Message::StatsReply(m)) => Some(m.stats_type()),
            proto::Message::Of13(of13::Message::MultipartRequest(m)) => Some(m.mp_type()),
            proto::Message::Of13(of13::Message::MultipartReply(m)) => Some(m.mp_type()),
            _ => None,
        }
    }
}

/// Frames tshark 4.0.17 flags although the bytes are valid. Each entry says why.
fn known_false_alarm(msg: &proto::Message) -> Option<&'static str> {
    use proto::{of10, of13};
    match msg {
        // shared/notes/ovs-lab.md: tshark 4.0.17 reports OF1.0 FLOW_MODs without actions
        // (deletes) as malformed; the spec allows an empty action list.
        proto::Message::Of10(of10::Message::FlowMod(f)) if f.actions.is_empty() => {
            Some("tshark 4.0.17: OF1.0 FLOW_MOD without actions (ovs-lab.md)")
        }
        // conformance/ryu/README.md: experimenter meter bands and experimenter multipart
        // replies are gaps in Wireshark 4.0's dissector (Ryu's 4-45 and 4-62 are flagged too).
        proto::Message::Of13(of13::Message::MeterMod(m))
            if m.bands
                .iter()
                .any(|b| matches!(b, of13::MeterBand::Experimenter { .. })) =>
        {
            Some("tshark 4.0.17: experimenter meter band (ryu README, 4-45-ofp_meter_mod)")
        }
        proto::Message::Of13(of13::Message::MultipartReply(of13::MultipartReply {
            body: of13::MultipartReplyBody::Experimenter(_),
            ..
        })) => Some("tshark 4.0.17: experimenter multipart reply (ryu README, 4-62)"),
        _ => None,
    }
}

/// An Ethernet/IPv4/TCP frame of `len` bytes, h8 (10.0.0.8) -> h9 (10.0.0.9) port 80, with
/// valid IPv4 and TCP checksums and an HTTP request as payload.
pub(crate) fn tcp_frame(len: usize) -> Bytes {
    fn csum(chunks: &[&[u8]]) -> u16 {
        let mut sum = 0u32;
        for c in chunks {
            for pair in c.chunks(2) {
                let hi = u32::from(pair[0]) << 8;
                let lo = pair.get(1).map_or(0, |&b| u32::from(b));
                sum += hi | lo;
            }
        }
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        !(sum as u16)
    }
    assert!(len >= 54);
    let mut payload =
        b"GET / HTTP/1.1\r\nHost: 10.0.0.9\r\nUser-Agent: tapdemon-oracle\r\n".to_vec();
    payload.resize(len - 54, b'x');
    let (src, dst) = ([10, 0, 0, 8], [10, 0, 0, 9]);
    let ip_len = (20 + 20 + payload.len()) as u16;
    let mut ip = vec![0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0];
    ip[2..4].copy_from_slice(&ip_len.to_be_bytes());
    ip.extend_from_slice(&src);
    ip.extend_from_slice(&dst);
    let c = csum(&[&ip]);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    let mut tcp = vec![
        0xc3, 0x50, 0, 80, 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x18, 0xfa, 0xf0,
    ];
    tcp.extend_from_slice(&[0, 0, 0, 0]);
    let tcp_len = ((tcp.len() + payload.len()) as u16).to_be_bytes();
    let pseudo = [&src[..], &dst[..], &[0, 6], &tcp_len[..]].concat();
    let c = csum(&[&pseudo, &tcp, &payload]);
    tcp[16..18].copy_from_slice(&c.to_be_bytes());
    let mut f = vec![0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 8, 0x08, 0x00];
    f.extend_from_slice(&ip);
    f.extend_from_slice(&tcp);
    f.extend_from_slice(&payload);
    assert_eq!(f.len(), len);
    Bytes::from(f)
}

fn require_tools() {
    for tool in ["tshark", "text2pcap"] {
        let ok = Command::new(tool)
            .arg("-v")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            ok,
            "`{tool}` is missing: apt-get install -y tshark (Wireshark's dissectors are this test's oracle)"
        );
    }
}

/// `od -Ax -tx1 -v` style dump: each message starts again at offset 0, which text2pcap
/// takes as the start of a new packet.
fn hexdump(messages: &[&[u8]]) -> String {
    let mut s = String::new();
    for m in messages {
        for (i, line) in m.chunks(16).enumerate() {
            let _ = write!(s, "{:06x}", i * 16);
            for b in line {
                let _ = write!(s, " {b:02x}");
            }
            s.push('\n');
        }
        let _ = writeln!(s, "{:06x}", m.len());
    }
    s
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}: apt-get install -y tshark"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn tshark(pcap: &Path) -> Command {
    let mut c = Command::new("tshark");
    c.arg("-r")
        .arg(pcap)
        .args(["-d", "tcp.port==6653,openflow"]);
    c
}

/// tshark's view of one frame.
#[derive(Debug, Default)]
struct Seen {
    ty: Option<u8>,
    sub_type: Option<u16>,
    marks: Vec<String>,
}

fn first<T: std::str::FromStr>(field: &str) -> Option<T> {
    field.split(',').next().and_then(|v| v.trim().parse().ok())
}

fn tshark_view(pcap: &Path) -> (BTreeMap<usize, Seen>, String) {
    let fields = run(tshark(pcap).args([
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-e",
        "frame.number",
        "-e",
        "openflow_1_0.type",
        "-e",
        "openflow_v4.type",
        "-e",
        "openflow.stats.type",
        "-e",
        "openflow_v4.multipart_request.type",
        "-e",
        "openflow_v4.multipart_reply.type",
    ]));
    let mut seen: BTreeMap<usize, Seen> = BTreeMap::new();
    for line in fields.lines() {
        let f: Vec<&str> = line.split('|').collect();
        let Some(n) = first::<usize>(f[0]) else {
            continue;
        };
        let s = seen.entry(n).or_default();
        s.ty = first(f[1]).or_else(|| first(f[2]));
        s.sub_type = first(f[3]).or_else(|| first(f[4])).or_else(|| first(f[5]));
    }
    let marks = run(tshark(pcap).args([
        "-Y",
        "_ws.malformed || _ws.expert.severity==error",
        "-T",
        "fields",
        "-E",
        "separator=|",
        "-e",
        "frame.number",
        "-e",
        "_ws.expert.message",
        "-e",
        "_ws.malformed",
    ]));
    for line in marks.lines() {
        let mut f = line.split('|');
        let Some(n) = f.next().and_then(|v| v.parse::<usize>().ok()) else {
            continue;
        };
        let msg: Vec<&str> = f.filter(|v| !v.is_empty()).collect();
        seen.entry(n).or_default().marks.push(if msg.is_empty() {
            "malformed".into()
        } else {
            msg.join(" / ")
        });
    }
    let text = run(tshark(pcap).args(["-O", "openflow_v1,openflow_v4", "-V"]));
    (seen, text)
}

fn frame_text(text: &str, n: usize) -> &str {
    let pat = format!("Frame {n}:");
    let Some(start) = text.find(&pat) else {
        return "";
    };
    let rest = &text[start..];
    let end = rest[1..].find("\nFrame ").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

fn dump(cases: &[Case], dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for (i, c) in cases.iter().enumerate() {
        let slug: String = c
            .label
            .chars()
            .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '-' })
            .collect();
        let v = c.msg.version_name().replace('.', "");
        std::fs::write(dir.join(format!("of{v}-{i:02}-{slug}.bin")), &c.bytes).unwrap();
    }
}

#[test]
fn tshark_decodes_every_message_we_emit() {
    require_tools();
    let mut cases = of10::cases();
    cases.extend(of13::cases());
    if let Some(dir) = std::env::var_os("TAPDEMON_ORACLE_DUMP") {
        dump(&cases, &PathBuf::from(dir));
    }

    let tmp = std::env::temp_dir().join(format!("tapdemon-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let txt = tmp.join("of.txt");
    let pcap = tmp.join("of.pcap");
    let raw: Vec<&[u8]> = cases.iter().map(|c| &c.bytes[..]).collect();
    std::fs::write(&txt, hexdump(&raw)).unwrap();
    run(Command::new("text2pcap")
        .args(["-q", "-T", "6653,6653"])
        .arg(&txt)
        .arg(&pcap));
    let (seen, text) = tshark_view(&pcap);
    let _ = std::fs::remove_dir_all(&tmp);

    let mut clean = 0;
    let mut allowed = Vec::new();
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let n = i + 1;
        let s = seen.get(&n);
        let name = case.msg.type_name();
        let want_ty = case.bytes[1];
        let mut problems = Vec::new();
        match s.and_then(|s| s.ty) {
            Some(t) if t == want_ty => {}
            other => problems.push(format!("type {other:?}, want {want_ty} ({name})")),
        }
        if let Some(want) = case.sub_type() {
            let got = s.and_then(|s| s.sub_type);
            if got != Some(want) {
                problems.push(format!("stats/multipart type {got:?}, want {want}"));
            }
        }
        let marks = s.map(|s| s.marks.clone()).unwrap_or_default();
        let mark_problem = !marks.is_empty();
        match (mark_problem, known_false_alarm(&case.msg)) {
            (false, _) if problems.is_empty() => clean += 1,
            (true, Some(why)) if problems.is_empty() => allowed.push(format!(
                "  #{n} {}: {why} [{}]",
                case.label,
                marks.join("; ")
            )),
            _ => {
                if mark_problem {
                    problems.push(format!("marked: {}", marks.join("; ")));
                }
                failures.push(format!(
                    "#{n} OF{} {} ({name}): {}\n{}",
                    case.msg.version_name(),
                    case.label,
                    problems.join(", "),
                    frame_text(&text, n)
                ));
            }
        }
    }
    println!("tshark oracle: {clean}/{} clean", cases.len());
    if !allowed.is_empty() {
        println!(
            "known tshark 4.0.17 false alarms ({}):\n{}",
            allowed.len(),
            allowed.join("\n")
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} messages not decoded cleanly by tshark:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    // Every OF1.0 type 0-21 and OF1.3 type 0-29 the codec emits was covered.
    for (version, types) in [("1.0", 0u8..=21), ("1.3", 0u8..=29)] {
        for ty in types {
            assert!(
                cases
                    .iter()
                    .any(|c| c.msg.version_name() == version && c.bytes[1] == ty),
                "no OF{version} message of type {ty} in the oracle set"
            );
        }
    }
    // ... and every stats (1.0) / multipart (1.3) body, request and reply.
    let of10_stats = [0u16, 1, 2, 3, 4, 5, 0xffff];
    let of13_mp: Vec<u16> = (0..=13).chain([0xffff]).collect();
    for (version, request, reply, subs) in [
        ("1.0", 16u8, 17u8, &of10_stats[..]),
        ("1.3", 18, 19, &of13_mp[..]),
    ] {
        for ty in [request, reply] {
            for &sub in subs {
                assert!(
                    cases.iter().any(|c| c.msg.version_name() == version
                        && c.bytes[1] == ty
                        && c.sub_type() == Some(sub)),
                    "no OF{version} type {ty} body {sub} in the oracle set"
                );
            }
        }
    }
}
