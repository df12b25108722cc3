//! `tapdemon sflow-print FILE [--json]`: decode sFlow v5 datagrams from a capture
//! (pcap or pcapng, detected by magic number) or from a raw datagram file (a bare UDP
//! payload) and print them, one block of text or one JSON object per line each.
//!
//! In a capture, every UDP packet to or from port 6343, or whose payload starts with the
//! sFlow version word (00 00 00 05), is taken as a datagram. A datagram that fails to decode
//! is reported in place (with the frame number and the decoder's byte offset) and the rest
//! are still printed; the run then ends with [`SflowPrintError::InvalidDatagrams`] so the
//! exit status says something was wrong.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use etherparse::TransportSlice;
use pcap_file::DataLink;
use proto::sflow::Datagram;

use super::capture;

/// Why `sflow-print` failed.
#[derive(Debug, thiserror::Error)]
pub enum SflowPrintError {
    /// The input file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The input file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file has a pcap or pcapng magic number but is not a valid capture.
    #[error("{path}: bad capture file: {source}")]
    Capture {
        /// The input file.
        path: PathBuf,
        /// What the capture reader said.
        source: pcap_file::PcapError,
    },
    /// Writing the output failed (closed pipe, full disk).
    #[error("cannot write output: {0}")]
    Write(#[from] std::io::Error),
    /// A datagram could not be turned into JSON.
    #[error("cannot format JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The capture holds no sFlow (UDP) packets at all.
    #[error("{path}: no sFlow datagrams found ({frames} frames)")]
    NoDatagrams {
        /// The input file.
        path: PathBuf,
        /// Frames in the capture.
        frames: usize,
    },
    /// Some datagrams did not decode; they were reported in the output.
    #[error("{path}: {invalid} of {total} datagrams could not be decoded")]
    InvalidDatagrams {
        /// The input file.
        path: PathBuf,
        /// How many failed.
        invalid: usize,
        /// How many were seen.
        total: usize,
    },
}

/// A datagram cut out of the input, with where it came from.
struct Input {
    /// 1-based frame number in a capture; `None` for a raw datagram file.
    frame: Option<usize>,
    src: Option<SocketAddr>,
    dst: Option<SocketAddr>,
    payload: Bytes,
}

/// One JSON output line.
#[derive(serde::Serialize)]
struct JsonLine<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    frame: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    src: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dst: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    datagram: Option<&'a Datagram>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Decode and print every sFlow datagram in `path` to `out`.
pub fn run(path: &Path, json: bool, out: &mut impl Write) -> Result<(), SflowPrintError> {
    let data = std::fs::read(path).map_err(|source| SflowPrintError::Read {
        path: path.to_owned(),
        source,
    })?;
    let inputs = match capture::format_of(&data) {
        Some(format) => {
            from_capture(&data, format).map_err(|source| capture_error(path, source))?
        }
        None => Frames {
            frames: 1,
            inputs: vec![Input {
                frame: None,
                src: None,
                dst: None,
                payload: Bytes::from(data),
            }],
        },
    };
    if inputs.inputs.is_empty() {
        return Err(SflowPrintError::NoDatagrams {
            path: path.to_owned(),
            frames: inputs.frames,
        });
    }
    let total = inputs.inputs.len();
    let mut invalid = 0;
    for input in &inputs.inputs {
        let decoded = Datagram::decode(&input.payload);
        if decoded.is_err() {
            invalid += 1;
        }
        if json {
            let (datagram, error) = match &decoded {
                Ok(d) => (Some(d), None),
                Err(e) => (None, Some(e.to_string())),
            };
            let line = JsonLine {
                frame: input.frame,
                src: input.src,
                dst: input.dst,
                datagram,
                error,
            };
            serde_json::to_writer(&mut *out, &line)?;
            writeln!(out)?;
        } else {
            write_text(out, input, &decoded)?;
        }
    }
    if invalid > 0 {
        return Err(SflowPrintError::InvalidDatagrams {
            path: path.to_owned(),
            invalid,
            total,
        });
    }
    Ok(())
}

fn capture_error(path: &Path, source: pcap_file::PcapError) -> SflowPrintError {
    SflowPrintError::Capture {
        path: path.to_owned(),
        source,
    }
}

fn write_text(
    out: &mut impl Write,
    input: &Input,
    decoded: &Result<Datagram, proto::DecodeError>,
) -> std::io::Result<()> {
    if let Some(frame) = input.frame {
        write!(out, "frame {frame}")?;
        if let (Some(src), Some(dst)) = (input.src, input.dst) {
            write!(out, " {src} > {dst}")?;
        }
        writeln!(out, " ({} bytes)", input.payload.len())?;
    }
    match decoded {
        Ok(d) => writeln!(out, "{d}")?,
        Err(e) => writeln!(out, "error: {e}")?,
    }
    writeln!(out)
}

struct Frames {
    frames: usize,
    inputs: Vec<Input>,
}

fn from_capture(data: &[u8], format: capture::Format) -> Result<Frames, pcap_file::PcapError> {
    let mut inputs = vec![];
    let frames = capture::for_each_frame(data, format, |number, link, frame| {
        if let Some(input) = udp_datagram(link, frame, number) {
            inputs.push(input);
        }
    })?;
    Ok(Frames { frames, inputs })
}

/// The UDP payload of a frame if it looks like sFlow (port 6343 either way, or the sFlow
/// version word; anything else on 6343, like NetFlow, is kept so it gets reported).
fn udp_datagram(link: DataLink, frame: &[u8], number: usize) -> Option<Input> {
    let (addrs, transport) = capture::slice(link, frame)?;
    let TransportSlice::Udp(udp) = transport? else {
        return None;
    };
    let payload = udp.payload();
    let sflow_port = proto::sflow::DEFAULT_PORT;
    let on_port = udp.source_port() == sflow_port || udp.destination_port() == sflow_port;
    if !on_port && payload.get(..4) != Some(&[0, 0, 0, 5]) {
        return None;
    }
    let (src, dst) = match addrs {
        Some((s, d)) => (
            Some(SocketAddr::new(s, udp.source_port())),
            Some(SocketAddr::new(d, udp.destination_port())),
        ),
        None => (None, None),
    };
    Some(Input {
        frame: Some(number),
        src,
        dst,
        payload: Bytes::copy_from_slice(payload),
    })
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::net::{IpAddr, Ipv4Addr};
    use std::time::Duration;

    use bytes::BytesMut;
    use etherparse::PacketBuilder;
    use pcap_file::pcap::{PcapPacket, PcapWriter};
    use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
    use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionBlock;
    use pcap_file::pcapng::PcapNgWriter;
    use proto::sflow::{DataSource, FlowRecord, FlowSample, Interface, Sample, UnknownCounts};

    use super::*;

    /// A datagram with one flow sample (agent 192.0.2.1, input 3, output 4, extended switch).
    fn sflow_bytes() -> Vec<u8> {
        let d = Datagram {
            agent: Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))),
            sub_agent_id: 2,
            sequence_number: 77,
            uptime_ms: 5000,
            samples: vec![Sample::Flow(FlowSample {
                expanded: false,
                sequence_number: 1,
                source_id: DataSource {
                    source_type: 0,
                    index: 3,
                },
                sampling_rate: 64,
                sample_pool: 640,
                drops: 0,
                input: Interface::Index(3),
                output: Interface::Index(4),
                records: vec![FlowRecord::ExtendedSwitch(proto::sflow::ExtendedSwitch {
                    src_vlan: 1,
                    src_priority: 0,
                    dst_vlan: 1,
                    dst_priority: 0,
                })],
            })],
            unknown: UnknownCounts::default(),
        };
        let mut out = BytesMut::new();
        d.encode(&mut out);
        out.to_vec()
    }

    /// Ethernet / IPv4 10.0.0.1 > 10.0.0.2 / UDP `sport` > `dport` carrying `payload`.
    fn udp_frame(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
        let builder = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
            .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .udp(sport, dport);
        let mut frame = Vec::with_capacity(builder.size(payload.len()));
        builder.write(&mut frame, payload).expect("build frame");
        frame
    }

    /// sFlow, then NetFlow v5 sent to 6343 (must be reported), then DNS (must be ignored).
    fn frames() -> Vec<Vec<u8>> {
        vec![
            udp_frame(50000, 6343, &sflow_bytes()),
            udp_frame(50001, 6343, &[0, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
            udp_frame(50002, 53, &[0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
        ]
    }

    fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
        let path = std::env::temp_dir().join(format!(
            "tapdemon-sflow-print-{}-{name}",
            std::process::id()
        ));
        std::fs::write(&path, bytes).expect("write temp file");
        path
    }

    fn pcap_bytes() -> Vec<u8> {
        let mut w = PcapWriter::new(Vec::new()).expect("pcap writer");
        for f in frames() {
            w.write_packet(&PcapPacket::new(Duration::from_secs(1), f.len() as u32, &f))
                .expect("write packet");
        }
        w.into_writer()
    }

    fn run_to_string(path: &Path, json: bool) -> (String, Result<(), SflowPrintError>) {
        let mut out = Vec::new();
        let res = run(path, json, &mut out);
        (String::from_utf8(out).expect("utf-8"), res)
    }

    #[test]
    fn raw_datagram_file_prints_text() {
        let path = temp_file("raw.bin", &sflow_bytes());
        let (text, res) = run_to_string(&path, false);
        std::fs::remove_file(&path).ok();
        res.expect("decodes");
        assert!(
            text.starts_with("sflow agent 192.0.2.1 sub 2 seq 77 uptime 5000ms samples 1"),
            "{text}"
        );
        assert!(
            text.contains("flow_sample seq 1 source 0:3 rate 64 pool 640 drops 0 in 3 out 4"),
            "{text}"
        );
    }

    #[test]
    fn pcap_prints_each_datagram_and_reports_the_bad_one() {
        let path = temp_file("cap.pcap", &pcap_bytes());
        let (text, res) = run_to_string(&path, false);
        assert!(
            text.contains("frame 1 10.0.0.1:50000 > 10.0.0.2:6343"),
            "{text}"
        );
        assert!(text.contains("sflow agent 192.0.2.1"), "{text}");
        assert!(
            text.contains(
                "frame 2 10.0.0.1:50001 > 10.0.0.2:6343 (12 bytes)\nerror: sflow datagram"
            ),
            "{text}"
        );
        assert!(!text.contains("frame 3"), "DNS must be skipped: {text}");
        assert!(matches!(
            res,
            Err(SflowPrintError::InvalidDatagrams {
                invalid: 1,
                total: 2,
                ..
            })
        ));

        let (json, res) = run_to_string(&path, true);
        std::fs::remove_file(&path).ok();
        assert!(res.is_err());
        let lines: Vec<serde_json::Value> = json
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["frame"], 1);
        assert_eq!(lines[0]["src"], "10.0.0.1:50000");
        assert_eq!(lines[0]["datagram"]["agent"], "192.0.2.1");
        assert_eq!(
            lines[0]["datagram"]["samples"][0]["flow"]["sampling_rate"],
            64
        );
        assert!(lines[1]["error"]
            .as_str()
            .expect("error text")
            .contains("version"));
    }

    #[test]
    fn pcapng_is_detected_by_magic() {
        let mut w = PcapNgWriter::new(Vec::new()).expect("pcapng writer");
        w.write_pcapng_block(InterfaceDescriptionBlock::new(DataLink::ETHERNET, 0xffff))
            .expect("idb");
        let frame = udp_frame(50000, 6343, &sflow_bytes());
        w.write_pcapng_block(EnhancedPacketBlock {
            interface_id: 0,
            timestamp: Duration::from_secs(1),
            original_len: frame.len() as u32,
            data: Cow::Borrowed(&frame),
            options: vec![],
        })
        .expect("epb");
        let path = temp_file("cap.pcapng", &w.into_inner());
        let (text, res) = run_to_string(&path, false);
        std::fs::remove_file(&path).ok();
        res.expect("decodes");
        assert!(
            text.contains("frame 1 10.0.0.1:50000 > 10.0.0.2:6343"),
            "{text}"
        );
    }

    #[test]
    fn missing_file_and_empty_capture_are_typed_errors() {
        let missing = std::env::temp_dir().join("tapdemon-sflow-print-does-not-exist");
        let (_, res) = run_to_string(&missing, false);
        assert!(matches!(res, Err(SflowPrintError::Read { .. })));

        let mut w = PcapWriter::new(Vec::new()).expect("pcap writer");
        let dns = udp_frame(50002, 53, &[0; 12]);
        w.write_packet(&PcapPacket::new(
            Duration::from_secs(1),
            dns.len() as u32,
            &dns,
        ))
        .expect("write packet");
        let path = temp_file("dns.pcap", &w.into_writer());
        let (_, res) = run_to_string(&path, false);
        std::fs::remove_file(&path).ok();
        assert!(matches!(
            res,
            Err(SflowPrintError::NoDatagrams { frames: 1, .. })
        ));
    }
}
