//! The ceiling of the cbench harness on this machine: an OpenFlow 1.0 "controller" that does
//! no work. It answers HELLO, asks for features, answers echoes, and answers every PACKET_IN
//! with one canned FLOW_MOD carrying the packet-in's buffer id (no parsing beyond the header
//! and that field, no state). Whatever it reaches is what the harness and the loopback path
//! allow; a real controller's figures are read against it (benches/run-cbench.sh target
//! `null`). One thread and one epoll loop for every connection (tokio's current-thread
//! runtime: a thread per connection spent more on context switches than on the work), one
//! write per read.
//!
//! Run: `cargo bench --bench cbench_null -- PORT`

use std::process::ExitCode;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const VERSION: u8 = 0x01;
const HELLO: u8 = 0;
const ECHO_REQUEST: u8 = 2;
const ECHO_REPLY: u8 = 3;
const FEATURES_REQUEST: u8 = 5;
const PACKET_IN: u8 = 10;
const FLOW_MOD: u8 = 14;

fn main() -> ExitCode {
    let port = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .and_then(|a| a.parse::<u16>().ok())
        .unwrap_or(6653);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let listener = match TcpListener::bind(("127.0.0.1", port)).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("cbench_null: cannot listen on 127.0.0.1:{port}: {e}");
                return ExitCode::FAILURE;
            }
        };
        loop {
            if let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream));
            }
        }
    })
}

/// A FLOW_MOD (OF1.0, 72 bytes): exact-match-free, idle timeout 60 s, output to port 1,
/// `buffer_id` patched in per packet-in.
fn canned_flow_mod() -> [u8; 80] {
    let mut m = [0u8; 80];
    m[0] = VERSION;
    m[1] = FLOW_MOD;
    m[2..4].copy_from_slice(&80u16.to_be_bytes());
    // ofp_match (40 bytes at 8): all wildcards but in_port.
    m[8..12].copy_from_slice(&0x003f_fffeu32.to_be_bytes());
    m[12..14].copy_from_slice(&2u16.to_be_bytes());
    // cookie 48..56, command ADD (0) at 56, idle 60 at 58, hard 0, priority at 62.
    m[58..60].copy_from_slice(&60u16.to_be_bytes());
    m[62..64].copy_from_slice(&0x8000u16.to_be_bytes());
    // out_port NONE
    m[68..70].copy_from_slice(&0xffffu16.to_be_bytes());
    // one action: output (type 0, len 8) to port 1
    m[72..74].copy_from_slice(&0u16.to_be_bytes());
    m[74..76].copy_from_slice(&8u16.to_be_bytes());
    m[76..78].copy_from_slice(&1u16.to_be_bytes());
    m
}

fn header(out: &mut Vec<u8>, ty: u8, xid: &[u8], body: &[u8]) {
    out.extend_from_slice(&[VERSION, ty]);
    out.extend_from_slice(&((8 + body.len()) as u16).to_be_bytes());
    out.extend_from_slice(xid);
    out.extend_from_slice(body);
}

async fn serve(mut s: TcpStream) {
    let _ = s.set_nodelay(true);
    let mut out = Vec::with_capacity(256 * 1024);
    header(&mut out, HELLO, &[0; 4], &[]);
    header(&mut out, FEATURES_REQUEST, &[0, 0, 0, 1], &[]);
    if s.write_all(&out).await.is_err() {
        return;
    }
    let fm = canned_flow_mod();
    let mut buf = vec![0u8; 256 * 1024];
    let mut have = 0;
    loop {
        let n = match s.read(&mut buf[have..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        have += n;
        out.clear();
        let mut at = 0;
        while have - at >= 8 {
            let len = u16::from_be_bytes([buf[at + 2], buf[at + 3]]) as usize;
            if len < 8 {
                return; // unframeable: a harness bug, not worth more
            }
            if have - at < len {
                break;
            }
            let msg = &buf[at..at + len];
            match msg[1] {
                PACKET_IN if len >= 12 => {
                    let start = out.len();
                    out.extend_from_slice(&fm);
                    out[start + 4..start + 8].copy_from_slice(&msg[4..8]);
                    out[start + 64..start + 68].copy_from_slice(&msg[8..12]);
                }
                ECHO_REQUEST => header(&mut out, ECHO_REPLY, &msg[4..8], &msg[8..]),
                _ => {}
            }
            at += len;
        }
        buf.copy_within(at..have, 0);
        have -= at;
        if have == buf.len() {
            buf.resize(buf.len() * 2, 0); // one message larger than the buffer
        }
        if !out.is_empty() && s.write_all(&out).await.is_err() {
            return;
        }
    }
}
