//! Reading packet captures for the offline printers: pcap and pcapng files (told apart by
//! their magic number), each frame sliced down to its IP addresses and transport layer.
//! `sflow-print` takes UDP datagrams from them, `ofp-print` TCP streams.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use etherparse::{
    Ipv4HeaderSlice, Ipv6HeaderSlice, LaxNetSlice, LaxSlicedPacket, NetSlice, SlicedPacket,
    TransportSlice,
};
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::{Block, PcapNgReader};
use pcap_file::{DataLink, PcapError};

/// A capture file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// libpcap (either byte order, micro- or nanosecond timestamps).
    Pcap,
    /// pcapng.
    PcapNg,
}

/// The capture format `data` starts with, if any.
pub fn format_of(data: &[u8]) -> Option<Format> {
    match data.get(..4)? {
        [0xa1, 0xb2, 0xc3, 0xd4]
        | [0xd4, 0xc3, 0xb2, 0xa1]
        | [0xa1, 0xb2, 0x3c, 0x4d]
        | [0x4d, 0x3c, 0xb2, 0xa1] => Some(Format::Pcap),
        [0x0a, 0x0d, 0x0d, 0x0a] => Some(Format::PcapNg),
        _ => None,
    }
}

/// Call `each(number, link type, frame)` for every frame (numbered from 1, as Wireshark
/// does); returns how many frames there were.
pub fn for_each_frame(
    data: &[u8],
    format: Format,
    mut each: impl FnMut(usize, DataLink, &[u8]),
) -> Result<usize, PcapError> {
    let mut frames = 0;
    match format {
        Format::Pcap => {
            let mut reader = PcapReader::new(data)?;
            let link = reader.header().datalink;
            while let Some(pkt) = reader.next_packet() {
                frames += 1;
                each(frames, link, &pkt?.data);
            }
        }
        Format::PcapNg => {
            let mut reader = PcapNgReader::new(data)?;
            // Link types by interface id, as the interface blocks go by (the reader's own
            // table cannot be consulted while a block borrows it).
            let mut links: Vec<DataLink> = vec![];
            while let Some(block) = reader.next_block() {
                let (link, bytes): (DataLink, Cow<'_, [u8]>) = match block? {
                    Block::InterfaceDescription(i) => {
                        links.push(i.linktype);
                        continue;
                    }
                    Block::EnhancedPacket(p) => {
                        let link = links.get(p.interface_id as usize).copied();
                        (link.unwrap_or(DataLink::ETHERNET), p.data)
                    }
                    Block::SimplePacket(p) => {
                        (links.first().copied().unwrap_or(DataLink::ETHERNET), p.data)
                    }
                    Block::Packet(p) => {
                        let link = links.get(usize::from(p.interface_id)).copied();
                        (link.unwrap_or(DataLink::ETHERNET), p.data)
                    }
                    _ => continue,
                };
                frames += 1;
                each(frames, link, &bytes);
            }
        }
    }
    Ok(frames)
}

/// A frame's IP source and destination (when it has IP) and its transport layer.
pub type Sliced<'a> = (Option<(IpAddr, IpAddr)>, Option<TransportSlice<'a>>);

/// Slice a frame of the given link type; `None` when the link type is not one we read or
/// the frame does not parse.
pub fn slice(link: DataLink, frame: &[u8]) -> Option<Sliced<'_>> {
    Some(match link {
        DataLink::ETHERNET => lax(LaxSlicedPacket::from_ethernet(frame).ok()?),
        DataLink::RAW | DataLink::IPV4 | DataLink::IPV6 => {
            lax(LaxSlicedPacket::from_ip(frame).ok()?)
        }
        // BSD loopback: a 4-byte address family, then IP.
        DataLink::NULL | DataLink::LOOP => lax(LaxSlicedPacket::from_ip(frame.get(4..)?).ok()?),
        DataLink::LINUX_SLL => strict(SlicedPacket::from_linux_sll(frame).ok()?),
        _ => return None,
    })
}

/// The IP source and destination of a leniently sliced packet.
pub fn lax_addrs(net: &Option<LaxNetSlice<'_>>) -> Option<(IpAddr, IpAddr)> {
    match net {
        Some(LaxNetSlice::Ipv4(v4)) => Some(v4_addrs(&v4.header())),
        Some(LaxNetSlice::Ipv6(v6)) => Some(v6_addrs(&v6.header())),
        _ => None,
    }
}

fn v4_addrs(h: &Ipv4HeaderSlice<'_>) -> (IpAddr, IpAddr) {
    (h.source_addr().into(), h.destination_addr().into())
}

fn v6_addrs(h: &Ipv6HeaderSlice<'_>) -> (IpAddr, IpAddr) {
    (h.source_addr().into(), h.destination_addr().into())
}

fn lax(p: LaxSlicedPacket<'_>) -> Sliced<'_> {
    (lax_addrs(&p.net), p.transport)
}

fn strict(p: SlicedPacket<'_>) -> Sliced<'_> {
    let addrs = match &p.net {
        Some(NetSlice::Ipv4(v4)) => Some(v4_addrs(&v4.header())),
        Some(NetSlice::Ipv6(v6)) => Some(v6_addrs(&v6.header())),
        _ => None,
    };
    (addrs, p.transport)
}

/// One direction of a TCP connection, its payload put back in sequence order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpStream {
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// The payload bytes, in order, retransmissions dropped.
    pub bytes: Vec<u8>,
    /// `(stream offset, frame number)` where each segment's new bytes begin, ascending.
    pub segments: Vec<(usize, usize)>,
    /// Where the stream has a hole (a segment missing from the capture): the bytes end there.
    pub gap_at: Option<usize>,
}

impl TcpStream {
    /// The frame that carried the stream's byte at `offset`.
    pub fn frame_at(&self, offset: usize) -> Option<usize> {
        let i = self.segments.partition_point(|&(start, _)| start <= offset);
        i.checked_sub(1).map(|i| self.segments[i].1)
    }
}

/// The TCP streams of a capture whose ports pass `keep(src port, dst port)`, in the order
/// their first segment appears; and the number of frames read.
pub fn tcp_streams(
    data: &[u8],
    format: Format,
    keep: impl Fn(u16, u16) -> bool,
) -> Result<(Vec<TcpStream>, usize), PcapError> {
    let mut order: Vec<Direction> = vec![];
    let mut segs: HashMap<Direction, Vec<Segment>> = HashMap::new();
    let frames = for_each_frame(data, format, |number, link, frame| {
        let Some((Some((s, d)), Some(TransportSlice::Tcp(tcp)))) = slice(link, frame) else {
            return;
        };
        if !keep(tcp.source_port(), tcp.destination_port()) || tcp.payload().is_empty() {
            return;
        }
        let key = (
            SocketAddr::new(s, tcp.source_port()),
            SocketAddr::new(d, tcp.destination_port()),
        );
        let list = segs.entry(key).or_insert_with(|| {
            order.push(key);
            vec![]
        });
        list.push((tcp.sequence_number(), number, tcp.payload().to_vec()));
    })?;
    let streams = order
        .into_iter()
        .map(|key| reassemble(key, segs.remove(&key).unwrap_or_default()))
        .collect();
    Ok((streams, frames))
}

/// A TCP connection's direction: sender, receiver.
type Direction = (SocketAddr, SocketAddr);

/// A captured segment: sequence number, frame number, payload.
type Segment = (u32, usize, Vec<u8>);

/// Put segments in order by sequence number (relative to the first one captured, so the
/// 32-bit wrap does not matter), drop bytes already seen, stop at a hole.
fn reassemble((src, dst): Direction, mut segs: Vec<Segment>) -> TcpStream {
    let base = segs.first().map_or(0, |s| s.0);
    // Stable: of two copies of a segment, the first captured wins.
    segs.sort_by_key(|s| s.0.wrapping_sub(base));
    let mut stream = TcpStream {
        src,
        dst,
        bytes: vec![],
        segments: vec![],
        gap_at: None,
    };
    for (seq, frame, payload) in segs {
        let start = seq.wrapping_sub(base) as usize;
        let end = stream.bytes.len();
        if start > end {
            stream.gap_at = Some(end);
            break;
        }
        let new = payload.get(end - start..).unwrap_or_default();
        if !new.is_empty() {
            stream.segments.push((end, frame));
            stream.bytes.extend_from_slice(new);
        }
    }
    stream
}

#[cfg(test)]
pub(crate) mod tests {
    use std::time::Duration;

    use etherparse::PacketBuilder;
    use pcap_file::pcap::{PcapPacket, PcapWriter};

    use super::*;

    /// Ethernet / IPv4 / TCP frame from `src_port` to `dst_port` with sequence number `seq`.
    pub(crate) fn tcp_frame(src_port: u16, dst_port: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let (a, b) = ([127, 0, 0, 1], [127, 0, 0, 2]);
        let (sip, dip) = if src_port == 6653 { (a, b) } else { (b, a) };
        let builder = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
            .ipv4(sip, dip, 64)
            .tcp(src_port, dst_port, seq, 1000);
        let mut frame = Vec::new();
        builder.write(&mut frame, payload).expect("build frame");
        frame
    }

    pub(crate) fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
        let mut w = PcapWriter::new(Vec::new()).expect("pcap writer");
        for f in frames {
            w.write_packet(&PcapPacket::new(Duration::ZERO, f.len() as u32, f))
                .expect("write packet");
        }
        w.into_writer()
    }

    fn streams(frames: &[Vec<u8>]) -> Vec<TcpStream> {
        let data = pcap(frames);
        let (streams, n) =
            tcp_streams(&data, Format::Pcap, |a, b| a == 6653 || b == 6653).expect("read capture");
        assert_eq!(n, frames.len());
        streams
    }

    #[test]
    fn segments_are_put_in_order_and_retransmissions_dropped() {
        // Sequence numbers near the 32-bit wrap: the order must not depend on it.
        let base = u32::MAX - 2;
        let s = streams(&[
            tcp_frame(40000, 6653, base, b"abc"),
            tcp_frame(40000, 6653, base.wrapping_add(6), b"ghi"), // ahead of "def"
            tcp_frame(6653, 40000, 7, b"xy"),                     // the other direction
            tcp_frame(40000, 6653, base.wrapping_add(3), b"def"),
            tcp_frame(40000, 6653, base.wrapping_add(3), b"defg"), // resent, one byte more
            tcp_frame(40000, 6653, base.wrapping_add(9), b"jk"),
        ]);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].bytes, b"abcdefghijk");
        assert_eq!(s[0].src.port(), 40000);
        assert_eq!(s[0].gap_at, None);
        // Byte 4 ('e') came in frame 4; byte 6 ('g') first in the retransmission (frame
        // 5, same sequence number, one byte longer), byte 7 in frame 2; byte 9 in frame 6.
        assert_eq!(s[0].frame_at(0), Some(1));
        assert_eq!(s[0].frame_at(4), Some(4));
        assert_eq!(s[0].frame_at(6), Some(5));
        assert_eq!(s[0].frame_at(7), Some(2));
        assert_eq!(s[0].frame_at(10), Some(6));
        assert_eq!(s[1].bytes, b"xy");
        assert_eq!(s[1].frame_at(0), Some(3));
    }

    #[test]
    fn a_missing_segment_ends_the_stream_at_the_hole() {
        let s = streams(&[
            tcp_frame(40000, 6653, 100, b"abc"),
            tcp_frame(40000, 6653, 110, b"zzz"),
            tcp_frame(40000, 9999, 100, b"other port"),
        ]);
        assert_eq!(s.len(), 1, "only port 6653 is kept");
        assert_eq!(s[0].bytes, b"abc");
        assert_eq!(s[0].gap_at, Some(3));
    }

    #[test]
    fn format_is_told_by_magic() {
        assert_eq!(format_of(&pcap(&[])), Some(Format::Pcap));
        assert_eq!(
            format_of(&[0x0a, 0x0d, 0x0d, 0x0a, 0]),
            Some(Format::PcapNg)
        );
        assert_eq!(format_of(&[1, 0, 0, 8]), None);
        assert_eq!(format_of(&[0xa1]), None);
    }
}
