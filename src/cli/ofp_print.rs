//! `tapdemon ofp-print`: decode OpenFlow messages from files, hex or packet captures and
//! print them, like `ovs-ofctl ofp-print`. `--json` prints a stable JSON form; `--roundtrip`
//! re-encodes each message and fails naming the first byte that differs.
//!
//! A pcap or pcapng file is read as TCP: every stream to or from port 6653 or 6633 is put
//! back in order and cut into messages, printed in the order of the frames that start them.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;

use bytes::{Bytes, BytesMut};
use proto::header::peek_len;
use proto::{DecodeError, EncodeError, Header, Message};

use super::capture::{self, TcpStream};
use super::ofp_text;

/// TCP ports whose streams a capture is searched for (IANA's, and the older one OVS and
/// Ryu still use).
pub const OPENFLOW_PORTS: [u16; 2] = [6653, 6633];

/// Why ofp-print could not do its job (decode failures of individual messages are reported
/// in the output and in the exit status, not here).
#[derive(Debug, thiserror::Error)]
pub enum OfpPrintError {
    /// An input file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// An argument is neither a readable file nor hex.
    #[error("{arg:?} is neither a file nor hex bytes")]
    NotHex {
        /// The argument.
        arg: String,
    },
    /// A capture file could not be read as pcap or pcapng.
    #[error("{path}: bad capture file: {source}")]
    Capture {
        /// The file.
        path: String,
        /// What the capture reader said.
        source: pcap_file::PcapError,
    },
    /// A capture holds no TCP payload on the OpenFlow ports.
    #[error("{path}: no OpenFlow (TCP port 6653 or 6633) payload in {frames} frames")]
    NoOpenFlow {
        /// The file.
        path: String,
        /// Frames in the capture.
        frames: usize,
    },
    /// Writing the output failed.
    #[error("writing output: {0}")]
    Write(#[from] std::io::Error),
    /// JSON serialisation failed.
    #[error("JSON output: {0}")]
    Json(#[from] serde_json::Error),
}

/// What went wrong with one message.
#[derive(Debug, thiserror::Error)]
pub enum MessageProblem {
    /// The bytes do not decode.
    #[error("{0}")]
    Decode(#[from] DecodeError),
    /// The decoded message cannot be encoded again.
    #[error("re-encoding failed: {0}")]
    Encode(#[from] EncodeError),
    /// The capture misses TCP segments: the stream's bytes stop at a hole.
    #[error("capture misses TCP segments: the stream stops at byte {offset}")]
    Gap {
        /// Stream offset of the hole.
        offset: usize,
    },
    /// Re-encoding gave different bytes.
    #[error(
        "round trip differs at byte {offset}: original 0x{original}, re-encoded 0x{reencoded}"
    )]
    Differs {
        /// First differing offset within the message.
        offset: usize,
        /// Original byte there, hex ("--" past the end).
        original: String,
        /// Re-encoded byte there, hex ("--" past the end).
        reencoded: String,
    },
}

/// What one command-line argument holds.
pub enum Input {
    /// Messages back to back (a binary or hex file, or hex on the command line).
    Bytes(Vec<u8>),
    /// A packet capture's OpenFlow streams.
    Capture(Vec<TcpStream>),
}

/// Turn one command-line argument into input: a capture file, a file of binary messages or
/// hex text, else hex on the command line (`0x`, spaces, `:` and `-` allowed).
pub fn load_input(arg: &str) -> Result<Input, OfpPrintError> {
    let path = Path::new(arg);
    if path.exists() {
        let data = std::fs::read(path).map_err(|source| OfpPrintError::Read {
            path: arg.into(),
            source,
        })?;
        if let Some(format) = capture::format_of(&data) {
            let keep = |a, b| OPENFLOW_PORTS.contains(&a) || OPENFLOW_PORTS.contains(&b);
            let (streams, frames) =
                capture::tcp_streams(&data, format, keep).map_err(|source| {
                    OfpPrintError::Capture {
                        path: arg.into(),
                        source,
                    }
                })?;
            if streams.is_empty() {
                return Err(OfpPrintError::NoOpenFlow {
                    path: arg.into(),
                    frames,
                });
            }
            return Ok(Input::Capture(streams));
        }
        let looks_hex = !data.is_empty()
            && data
                .iter()
                .all(|b| b.is_ascii_hexdigit() || b.is_ascii_whitespace());
        if looks_hex {
            if let Some(bytes) = proto::serde_hex::from_hex(&String::from_utf8_lossy(&data)) {
                return Ok(Input::Bytes(bytes));
            }
        }
        return Ok(Input::Bytes(data));
    }
    let cleaned: String = arg
        .trim_start_matches("0x")
        .chars()
        .filter(|c| *c != ':' && *c != '-')
        .collect();
    proto::serde_hex::from_hex(&cleaned)
        .map(Input::Bytes)
        .ok_or_else(|| OfpPrintError::NotHex { arg: arg.into() })
}

/// Where a message was found.
struct Origin {
    /// Byte offset in the input, or in the TCP stream.
    offset: usize,
    /// For captures: the frame that starts the message, and the stream's direction.
    frame: Option<usize>,
    conn: Option<(SocketAddr, SocketAddr)>,
}

/// The messages of one input, each with where it was found; a capture's in frame order.
fn framed_messages(input: Input) -> Vec<(Origin, Result<Bytes, MessageProblem>)> {
    let streams = match input {
        Input::Bytes(data) => {
            return split_messages(Bytes::from(data))
                .into_iter()
                .map(|(offset, r)| {
                    let origin = Origin {
                        offset,
                        frame: None,
                        conn: None,
                    };
                    (origin, r.map_err(MessageProblem::from))
                })
                .collect();
        }
        Input::Capture(streams) => streams,
    };
    let mut out = Vec::new();
    for mut stream in streams {
        let bytes = Bytes::from(std::mem::take(&mut stream.bytes));
        let origin = |offset| Origin {
            offset,
            frame: stream.frame_at(offset),
            conn: Some((stream.src, stream.dst)),
        };
        for (offset, r) in split_messages(bytes) {
            out.push((origin(offset), r.map_err(MessageProblem::from)));
        }
        if let Some(offset) = stream.gap_at {
            // Reported at the hole, under the frame of the last byte before it.
            out.push((origin(offset), Err(MessageProblem::Gap { offset })));
        }
    }
    // Stable: a stream's own messages keep their order.
    out.sort_by_key(|(o, _)| o.frame);
    out
}

/// Split a buffer into messages by their header lengths (each a slice of `data`, not a
/// copy). A trailing partial message or an impossible length ends the split with that problem.
pub fn split_messages(data: Bytes) -> Vec<(usize, Result<Bytes, DecodeError>)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        match peek_len(&data[pos..]) {
            Ok(Some(len)) if pos + len <= data.len() => {
                out.push((pos, Ok(data.slice(pos..pos + len))));
                pos += len;
            }
            Ok(Some(len)) => {
                out.push((pos, Err(truncated(len, data.len() - pos))));
                break;
            }
            Ok(None) => {
                out.push((pos, Err(truncated(proto::HEADER_LEN, data.len() - pos))));
                break;
            }
            Err(e) => {
                out.push((pos, Err(e)));
                break;
            }
        }
    }
    out
}

fn truncated(need: usize, have: usize) -> DecodeError {
    DecodeError {
        context: "ofp_header",
        field: "ofp_header.length",
        offset: 0,
        kind: proto::DecodeErrorKind::Truncated { need, have },
    }
}

/// Decode, and with `roundtrip` re-encode and compare.
pub fn check_message(bytes: &Bytes, roundtrip: bool) -> Result<(Header, Message), MessageProblem> {
    let (header, msg) = Message::decode(bytes)?;
    if roundtrip {
        let mut out = BytesMut::new();
        msg.encode(header.xid, &mut out)?;
        if let Some(offset) = first_difference(bytes, &out) {
            let hex = |b: Option<&u8>| b.map_or("--".to_string(), |b| format!("{b:02x}"));
            return Err(MessageProblem::Differs {
                offset,
                original: hex(bytes.get(offset)),
                reencoded: hex(out.get(offset)),
            });
        }
    }
    Ok((header, msg))
}

/// Index of the first byte where `a` and `b` differ (including a length difference).
pub fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .or_else(|| (a.len() != b.len()).then(|| a.len().min(b.len())))
}

/// Run ofp-print over the arguments. Returns whether every message decoded (and round-tripped).
pub fn run(
    args: &[String],
    json: bool,
    roundtrip: bool,
    out: &mut impl Write,
) -> Result<bool, OfpPrintError> {
    let mut ok = true;
    let mut index = 0;
    for arg in args {
        for (origin, framed) in framed_messages(load_input(arg)?) {
            index += 1;
            let result = framed.and_then(|b| check_message(&b, roundtrip));
            ok &= result.is_ok();
            if json {
                let mut v = serde_json::json!({"index": index, "offset": origin.offset});
                if let Some(frame) = origin.frame {
                    v["frame"] = frame.into();
                }
                if let Some((src, dst)) = origin.conn {
                    v["src"] = src.to_string().into();
                    v["dst"] = dst.to_string().into();
                }
                match result {
                    Ok((header, msg)) => {
                        v["version"] = msg.version_name().into();
                        v["type"] = msg.type_name().into();
                        v["xid"] = header.xid.into();
                        v["length"] = header.length.into();
                        v["message"] = serde_json::to_value(&msg)?;
                    }
                    Err(problem) => v["error"] = problem.to_string().into(),
                }
                writeln!(out, "{}", serde_json::to_string(&v)?)?;
                continue;
            }
            let place = match (origin.frame, origin.conn) {
                (Some(frame), Some((src, dst))) => format!(" frame {frame} {src} > {dst}"),
                _ => String::new(),
            };
            match result {
                Ok((header, msg)) => writeln!(
                    out,
                    "#{index} {} (OF{}) xid=0x{:08x} len={}{place}\n{}",
                    msg.type_name(),
                    msg.version_name(),
                    header.xid,
                    header.length,
                    ofp_text::render(&msg)?
                )?,
                Err(problem) => {
                    let unit = if origin.conn.is_some() {
                        "stream"
                    } else {
                        "input"
                    };
                    writeln!(
                        out,
                        "#{index}{place} at {unit} byte {}: error: {problem}",
                        origin.offset
                    )?
                }
            }
        }
    }
    Ok(ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_hex_and_roundtrips() {
        // Two messages back to back: OF1.3 HELLO with a version bitmap {1.0, 1.3}, OF1.0 ECHO_REQUEST.
        let hex = "04000010000000010001000800000012".to_string() + "0102000c0000000261626364";
        let mut out = Vec::new();
        assert!(run(&[hex], false, true, &mut out).unwrap());
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("#1 OFPT_HELLO (OF1.3) xid=0x00000001 len=16"),
            "{text}"
        );
        assert!(text.contains("#2 OFPT_ECHO_REQUEST (OF1.0)"), "{text}");
    }

    #[test]
    fn json_is_one_object_per_message() {
        let mut out = Vec::new();
        assert!(run(&["0100000800000005".into()], true, false, &mut out).unwrap());
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["type"], "OFPT_HELLO");
        assert_eq!(v["xid"], 5);
        assert_eq!(v["version"], "1.0");
    }

    #[test]
    fn errors_name_the_problem() {
        let mut out = Vec::new();
        // Version 0xff, then a truncated tail.
        assert!(!run(&["ff0e000800000000".into()], false, false, &mut out).unwrap());
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("unsupported version 0xff"), "{text}");
        let mut out = Vec::new();
        assert!(!run(&["0400001000000001".into()], false, false, &mut out).unwrap());
        assert!(String::from_utf8(out)
            .unwrap()
            .contains("truncated: need 16 bytes, have 8"));
        assert!(matches!(
            run(&["zz".into()], false, false, &mut Vec::new()),
            Err(OfpPrintError::NotHex { .. })
        ));
    }

    fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path =
            std::env::temp_dir().join(format!("tapdemon-ofp-print-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn capture_streams_are_reassembled_and_printed_in_frame_order() {
        use crate::cli::capture::tests::{pcap, tcp_frame};
        let hello = |xid: u8| vec![4, 0, 0, 8, 0, 0, 0, xid];
        let features_request = [4, 5, 0, 8, 0, 0, 0, 3];
        let echo = [4, 2, 0, 12, 0, 0, 0, 4, b'p', b'i', b'n', b'g'];
        let sw_hello = hello(1);
        let mut ctl = hello(2);
        ctl.extend_from_slice(&features_request);
        let mut sw_rest = sw_hello[5..].to_vec();
        sw_rest.extend_from_slice(&echo);
        let path = temp_file(
            "conv.pcap",
            &pcap(&[
                tcp_frame(40000, 6653, 1, &sw_hello[..5]), // half a HELLO
                tcp_frame(6653, 40000, 1, &ctl),
                tcp_frame(40000, 6653, 6, &sw_rest), // the rest, and an echo
            ]),
        );
        let mut out = Vec::new();
        let ok = run(&[path.display().to_string()], false, true, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(ok, "{text}");
        let headers: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
        assert_eq!(
            headers,
            [
                "#1 OFPT_HELLO (OF1.3) xid=0x00000001 len=8 frame 1 127.0.0.2:40000 > 127.0.0.1:6653",
                "#2 OFPT_HELLO (OF1.3) xid=0x00000002 len=8 frame 2 127.0.0.1:6653 > 127.0.0.2:40000",
                "#3 OFPT_FEATURES_REQUEST (OF1.3) xid=0x00000003 len=8 frame 2 127.0.0.1:6653 > 127.0.0.2:40000",
                "#4 OFPT_ECHO_REQUEST (OF1.3) xid=0x00000004 len=12 frame 3 127.0.0.2:40000 > 127.0.0.1:6653",
            ],
            "{text}"
        );

        // --json carries the frame and the addresses.
        let mut out = Vec::new();
        run(&[path.display().to_string()], true, false, &mut out).unwrap();
        let first: serde_json::Value =
            serde_json::from_str(String::from_utf8(out).unwrap().lines().next().unwrap()).unwrap();
        assert_eq!(first["frame"], 1);
        assert_eq!(first["src"], "127.0.0.2:40000");
        assert_eq!(first["type"], "OFPT_HELLO");

        // A lost segment is reported where the stream stops, and fails the run.
        let holed = temp_file(
            "hole.pcap",
            &pcap(&[
                tcp_frame(40000, 6653, 1, &sw_hello),
                tcp_frame(40000, 6653, 20, &echo),
            ]),
        );
        let mut out = Vec::new();
        let ok = run(&[holed.display().to_string()], false, false, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!ok, "{text}");
        assert!(
            text.contains(
                "#2 frame 1 127.0.0.2:40000 > 127.0.0.1:6653 at stream byte 8: \
                 error: capture misses TCP segments: the stream stops at byte 8"
            ),
            "{text}"
        );

        // A capture without OpenFlow says so.
        let other = temp_file("other.pcap", &pcap(&[tcp_frame(40000, 80, 1, b"GET /")]));
        let err = run(
            &[other.display().to_string()],
            false,
            false,
            &mut Vec::new(),
        )
        .unwrap_err();
        assert!(
            matches!(err, OfpPrintError::NoOpenFlow { frames: 1, .. }),
            "{err}"
        );
        for p in [path, holed, other] {
            let _ = std::fs::remove_file(p);
        }
    }

    #[test]
    fn first_difference_finds_offsets() {
        assert_eq!(first_difference(&[1, 2, 3], &[1, 2, 3]), None);
        assert_eq!(first_difference(&[1, 2, 3], &[1, 9, 3]), Some(1));
        assert_eq!(first_difference(&[1, 2], &[1, 2, 3]), Some(2));
    }
}
