//! `tapdemon ofp-print`: decode OpenFlow messages from files or hex and print them, like
//! `ovs-ofctl ofp-print`. `--json` prints a stable JSON form; `--roundtrip` re-encodes each
//! message and fails naming the first byte that differs.

use std::io::Write;
use std::path::Path;

use bytes::{Bytes, BytesMut};
use proto::header::peek_len;
use proto::{DecodeError, EncodeError, Header, Message};

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

/// Turn one command-line argument into bytes: a file (binary, or hex text), else hex.
pub fn load_input(arg: &str) -> Result<Vec<u8>, OfpPrintError> {
    let path = Path::new(arg);
    if path.exists() {
        let data = std::fs::read(path).map_err(|source| OfpPrintError::Read {
            path: arg.into(),
            source,
        })?;
        let looks_hex = !data.is_empty()
            && data
                .iter()
                .all(|b| b.is_ascii_hexdigit() || b.is_ascii_whitespace());
        if looks_hex {
            if let Some(bytes) = proto::serde_hex::from_hex(&String::from_utf8_lossy(&data)) {
                return Ok(bytes);
            }
        }
        return Ok(data);
    }
    let cleaned: String = arg
        .trim_start_matches("0x")
        .chars()
        .filter(|c| *c != ':' && *c != '-')
        .collect();
    proto::serde_hex::from_hex(&cleaned).ok_or_else(|| OfpPrintError::NotHex { arg: arg.into() })
}

/// Split a buffer into messages by their header lengths. A trailing partial message or an
/// impossible length ends the split with that problem.
pub fn split_messages(data: &[u8]) -> Vec<(usize, Result<Bytes, DecodeError>)> {
    let mut out = Vec::new();
    let mut pos = 0;
    let all = Bytes::copy_from_slice(data);
    while pos < data.len() {
        match peek_len(&data[pos..]) {
            Ok(Some(len)) if pos + len <= data.len() => {
                out.push((pos, Ok(all.slice(pos..pos + len))));
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
        let data = load_input(arg)?;
        for (offset, framed) in split_messages(&data) {
            index += 1;
            let result = framed
                .map_err(MessageProblem::from)
                .and_then(|b| check_message(&b, roundtrip));
            match result {
                Ok((header, msg)) => {
                    if json {
                        let v = serde_json::json!({
                            "index": index, "offset": offset, "version": msg.version_name(),
                            "type": msg.type_name(), "xid": header.xid, "length": header.length,
                            "message": msg,
                        });
                        writeln!(out, "{}", serde_json::to_string(&v)?)?;
                    } else {
                        writeln!(
                            out,
                            "#{index} {} (OF{}) xid=0x{:08x} len={}:\n{:#?}",
                            msg.type_name(),
                            msg.version_name(),
                            header.xid,
                            header.length,
                            msg
                        )?;
                    }
                }
                Err(problem) => {
                    ok = false;
                    if json {
                        let v = serde_json::json!({"index": index, "offset": offset, "error": problem.to_string()});
                        writeln!(out, "{}", serde_json::to_string(&v)?)?;
                    } else {
                        writeln!(out, "#{index} at input byte {offset}: error: {problem}")?;
                    }
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

    #[test]
    fn first_difference_finds_offsets() {
        assert_eq!(first_difference(&[1, 2, 3], &[1, 2, 3]), None);
        assert_eq!(first_difference(&[1, 2, 3], &[1, 9, 3]), Some(1));
        assert_eq!(first_difference(&[1, 2], &[1, 2, 3]), Some(2));
    }
}
