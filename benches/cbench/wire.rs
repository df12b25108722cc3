//! The OpenFlow 1.0 messages a fake switch sends, built by hand (spec 1.0.0 §5).
//! Only what cbench-style load needs; the controller's replies are parsed by type only.

/// OpenFlow 1.0 message types used here (`ofp_type`).
pub mod ty {
    pub const HELLO: u8 = 0;
    pub const ERROR: u8 = 1;
    pub const ECHO_REQUEST: u8 = 2;
    pub const ECHO_REPLY: u8 = 3;
    pub const VENDOR: u8 = 4;
    pub const FEATURES_REQUEST: u8 = 5;
    pub const FEATURES_REPLY: u8 = 6;
    pub const GET_CONFIG_REQUEST: u8 = 7;
    pub const GET_CONFIG_REPLY: u8 = 8;
    pub const PACKET_IN: u8 = 10;
    pub const PACKET_OUT: u8 = 13;
    pub const FLOW_MOD: u8 = 14;
    pub const STATS_REQUEST: u8 = 16;
    pub const STATS_REPLY: u8 = 17;
    pub const BARRIER_REQUEST: u8 = 18;
    pub const BARRIER_REPLY: u8 = 19;
}

const VERSION: u8 = 0x01;
/// `OFP_NO_BUFFER`.
pub const NO_BUFFER: u32 = 0xffff_ffff;

/// A message with an 8-byte header whose length is patched by [`finish`].
fn start(out: &mut Vec<u8>, ty: u8, xid: u32) -> usize {
    let at = out.len();
    out.extend_from_slice(&[VERSION, ty, 0, 0]);
    out.extend_from_slice(&xid.to_be_bytes());
    at
}

fn finish(out: &mut [u8], at: usize) {
    let len = (out.len() - at) as u16;
    out[at + 2..at + 4].copy_from_slice(&len.to_be_bytes());
}

pub fn hello(out: &mut Vec<u8>, xid: u32) {
    let at = start(out, ty::HELLO, xid);
    finish(out, at);
}

/// A reply that echoes the request's body (ECHO_REPLY).
pub fn echo_reply(out: &mut Vec<u8>, xid: u32, body: &[u8]) {
    let at = start(out, ty::ECHO_REPLY, xid);
    out.extend_from_slice(body);
    finish(out, at);
}

/// A header-only reply (BARRIER_REPLY).
pub fn empty(out: &mut Vec<u8>, ty: u8, xid: u32) {
    let at = start(out, ty, xid);
    finish(out, at);
}

/// `ofp_switch_features` with `n_ports` physical ports 1..=n_ports (`ofp_phy_port`, 48 bytes).
pub fn features_reply(out: &mut Vec<u8>, xid: u32, dpid: u64, n_ports: u16) {
    let at = start(out, ty::FEATURES_REPLY, xid);
    out.extend_from_slice(&dpid.to_be_bytes());
    out.extend_from_slice(&256u32.to_be_bytes()); // n_buffers
    out.extend_from_slice(&[1, 0, 0, 0]); // n_tables, pad
    out.extend_from_slice(&0x0000_0087u32.to_be_bytes()); // flow/table/port stats, arp match
    out.extend_from_slice(&0x0000_0fffu32.to_be_bytes()); // every OF1.0 action
    for p in 1..=n_ports {
        out.extend_from_slice(&p.to_be_bytes());
        let d = dpid.to_be_bytes();
        out.extend_from_slice(&[0x02, d[6], d[7], 0, (p >> 8) as u8, p as u8]);
        let mut name = [0u8; 16];
        let text = format!("s{dpid}-eth{p}");
        let n = text.len().min(15);
        name[..n].copy_from_slice(&text.as_bytes()[..n]);
        out.extend_from_slice(&name);
        out.extend_from_slice(&[0; 4]); // config
        out.extend_from_slice(&[0; 4]); // state: link up
        out.extend_from_slice(&0x0000_0040u32.to_be_bytes()); // curr: 1 Gb full duplex
        out.extend_from_slice(&[0; 12]); // advertised, supported, peer
    }
    finish(out, at);
}

/// GET_CONFIG_REPLY: flags 0 (fragments normal), miss_send_len 128.
pub fn get_config_reply(out: &mut Vec<u8>, xid: u32) {
    let at = start(out, ty::GET_CONFIG_REPLY, xid);
    out.extend_from_slice(&[0, 0, 0, 128]);
    finish(out, at);
}

/// STATS_REPLY for `stats_type`: a DESC body (1056 bytes of NUL-padded strings) for
/// type 0, an empty body otherwise (no flows, no ports to report).
pub fn stats_reply(out: &mut Vec<u8>, xid: u32, stats_type: u16) {
    let at = start(out, ty::STATS_REPLY, xid);
    out.extend_from_slice(&stats_type.to_be_bytes());
    out.extend_from_slice(&[0, 0]); // flags
    if stats_type == 0 {
        for (text, len) in [
            ("tapdemon", 256),
            ("cbench fake switch", 256),
            ("0", 256),
            ("0", 32),
            ("-", 256),
        ] {
            let mut field = vec![0u8; len];
            field[..text.len()].copy_from_slice(text.as_bytes());
            out.extend_from_slice(&field);
        }
    }
    finish(out, at);
}

/// ERROR BAD_REQUEST/BAD_VENDOR echoing the first 64 bytes of the request.
pub fn bad_vendor(out: &mut Vec<u8>, xid: u32, request: &[u8]) {
    let at = start(out, ty::ERROR, xid);
    out.extend_from_slice(&[0, 1, 0, 3]);
    out.extend_from_slice(&request[..request.len().min(64)]);
    finish(out, at);
}

/// PACKET_IN (reason NO_MATCH) carrying a 60-byte Ethernet/IPv4/UDP frame.
pub fn packet_in(
    out: &mut Vec<u8>,
    xid: u32,
    buffer_id: u32,
    in_port: u16,
    dst: [u8; 6],
    src: [u8; 6],
) {
    let frame = frame(dst, src);
    let at = start(out, ty::PACKET_IN, xid);
    out.extend_from_slice(&buffer_id.to_be_bytes());
    out.extend_from_slice(&(frame.len() as u16).to_be_bytes());
    out.extend_from_slice(&in_port.to_be_bytes());
    out.extend_from_slice(&[0, 0]); // reason OFPR_NO_MATCH, pad
    out.extend_from_slice(&frame);
    finish(out, at);
}

/// A minimum-size Ethernet frame: IPv4 (valid header checksum) + UDP 9 -> 9, zero payload.
fn frame(dst: [u8; 6], src: [u8; 6]) -> [u8; 60] {
    let mut f = [0u8; 60];
    f[0..6].copy_from_slice(&dst);
    f[6..12].copy_from_slice(&src);
    f[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    let ip = &mut f[14..34];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&46u16.to_be_bytes()); // 20 IP + 8 UDP + 18 payload
    ip[8] = 64; // ttl
    ip[9] = 17; // udp
    ip[12..16].copy_from_slice(&[10, src[3], src[4], src[5]]);
    ip[16..20].copy_from_slice(&[10, dst[3], dst[4], dst[5]]);
    let sum = ip
        .chunks(2)
        .fold(0u32, |s, w| s + u32::from(u16::from_be_bytes([w[0], w[1]])));
    let sum = (sum & 0xffff) + (sum >> 16);
    let sum = !(((sum & 0xffff) + (sum >> 16)) as u16);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    f[34..36].copy_from_slice(&9u16.to_be_bytes());
    f[36..38].copy_from_slice(&9u16.to_be_bytes());
    f[38..40].copy_from_slice(&26u16.to_be_bytes()); // udp length
    f
}
