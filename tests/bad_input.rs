//! Bad clients are answered (with an OpenFlow ERROR where the spec has one) and
//! disconnected within a timeout, while a good switch connected at the same time keeps
//! working. Nothing panics (a panicking module or task would fail the final checks).

mod fake;

use std::time::Duration;

use fake::{frame, packet_in10, Controller, FakeSwitch};
use proto::of10;

/// Handshake timeout is 1 s in `fast_config`; allow generous slack.
const CLOSE_WITHIN: Duration = Duration::from_secs(4);

/// A good switch, connected first, that must keep working throughout.
async fn good_switch(c: &Controller) -> FakeSwitch {
    let mut sw = FakeSwitch::connect(c.addr).await;
    sw.handshake10(1, 2).await;
    c.wait_connected(1).await;
    // The test spends seconds on bad clients; echo misses would close us meanwhile.
    sw.keepalive();
    sw
}

/// The good switch still gets answers: an echo, and a packet-in forwarded.
async fn still_works(sw: &mut FakeSwitch, xid: u32) {
    sw.ping(xid).await;
    sw.send(&packet_in10(1, frame([0xff; 6], [0, 0, 0, 0, 0, 1]), xid))
        .await;
    let m = sw.recv_skip_echo().await;
    assert!(
        matches!(
            of10::Message::decode(&m).unwrap().1,
            of10::Message::PacketOut(_)
        ),
        "expected a flood PACKET_OUT"
    );
}

fn is_error(m: &[u8], ty: u16, code: u16) -> bool {
    m.len() >= 12
        && m[1] == 1
        && m[8..12] == [(ty >> 8) as u8, ty as u8, (code >> 8) as u8, code as u8]
}

#[tokio::test]
async fn garbage_is_disconnected() {
    let c = Controller::start(Controller::fast_config()).await;
    let mut good = good_switch(&c).await;
    let mut bad = FakeSwitch::connect(c.addr).await;
    bad.send(b"GET / HTTP/1.1\r\nHost: tapdemon\r\n\r\n").await;
    // The "length" is 0x5420: never completed, so the handshake timeout closes it.
    bad.expect_closed(CLOSE_WITHIN).await;
    still_works(&mut good, 10).await;
    c.stop().await;
}

#[tokio::test]
async fn length_zero_gets_bad_len_error_and_close() {
    let c = Controller::start(Controller::fast_config()).await;
    let mut good = good_switch(&c).await;
    let mut bad = FakeSwitch::connect(c.addr).await;
    bad.send(&[4, 0, 0, 0, 0, 0, 0, 3]).await;
    let got = bad.expect_closed(CLOSE_WITHIN).await;
    assert!(
        got.iter().any(|m| is_error(m, 1, 6)),
        "expected OFPET_BAD_REQUEST/OFPBRC_BAD_LEN, got {got:?}"
    );
    still_works(&mut good, 11).await;
    c.stop().await;
}

#[tokio::test]
async fn length_zero_after_handshake_closes_only_that_switch() {
    let c = Controller::start(Controller::fast_config()).await;
    let mut good = good_switch(&c).await;
    let mut bad = FakeSwitch::connect(c.addr).await;
    bad.handshake10(2, 1).await;
    // A good echo request and a length-0 header in one write: the echo is answered, then
    // the bad header gets OFPBRC_BAD_LEN and the connection is closed.
    bad.send(&[1, 2, 0, 8, 0, 0, 0, 9, 1, 10, 0, 4, 0, 0, 0, 3])
        .await;
    let got = bad.expect_closed(CLOSE_WITHIN).await;
    assert!(
        got.iter().any(|m| m[1] == 3 && m[4..8] == [0, 0, 0, 9]),
        "echo reply: {got:?}"
    );
    assert!(got.iter().any(|m| is_error(m, 1, 6)), "{got:?}");
    still_works(&mut good, 12).await;
    c.stop().await;
}

#[tokio::test]
async fn length_65535_never_completed_is_disconnected() {
    let c = Controller::start(Controller::fast_config()).await;
    let mut good = good_switch(&c).await;
    // In the handshake: the handshake timeout.
    let mut bad = FakeSwitch::connect(c.addr).await;
    bad.send(&[4, 0, 0xff, 0xff, 0, 0, 0, 1, 0, 1, 0, 8]).await;
    bad.expect_closed(CLOSE_WITHIN).await;
    // After the handshake: the echo timeout (1 s interval, 2 misses).
    let mut bad = FakeSwitch::connect(c.addr).await;
    bad.handshake10(3, 1).await;
    bad.send(&[1, 10, 0xff, 0xff, 0, 0, 0, 1]).await;
    bad.expect_closed(CLOSE_WITHIN).await;
    still_works(&mut good, 13).await;
    c.stop().await;
}

#[tokio::test]
async fn truncated_message_is_answered_and_handshake_ends() {
    let c = Controller::start(Controller::fast_config()).await;
    let mut good = good_switch(&c).await;
    // A FEATURES_REPLY framed with only 4 body bytes: OFPBRC_BAD_LEN, then closed (the
    // handshake cannot go on without it).
    let mut bad = FakeSwitch::connect(c.addr).await;
    bad.send(&[1, 0, 0, 8, 0, 0, 0, 1]).await;
    let _hello = bad.recv().await;
    let _freq = bad.recv().await;
    bad.send(&[1, 6, 0, 12, 0, 0, 0, 2, 0, 0, 0, 0]).await;
    let got = bad.expect_closed(CLOSE_WITHIN).await;
    assert!(got.iter().any(|m| is_error(m, 1, 6)), "{got:?}");
    // A message cut short on the wire: the handshake timeout.
    let mut bad = FakeSwitch::connect(c.addr).await;
    bad.send(&[4, 0, 0, 16, 0, 0, 0, 1, 0, 1]).await;
    bad.expect_closed(CLOSE_WITHIN).await;
    still_works(&mut good, 14).await;
    c.stop().await;
}

#[tokio::test]
async fn truncated_message_after_handshake_is_answered_and_session_survives() {
    let c = Controller::start(Controller::fast_config()).await;
    let mut sw = good_switch(&c).await;
    // A PACKET_IN framed as 12 bytes (its fixed part alone is 18).
    sw.send(&[1, 10, 0, 12, 0, 0, 0, 42, 0, 0, 0, 0]).await;
    // Modules' flows at switch-up (the topology module's LLDP flow and its barrier) may
    // come first.
    let m = loop {
        let m = sw.recv_skip_echo().await;
        if m[1] != 14 && m[1] != 18 {
            break m;
        }
    };
    assert!(is_error(&m, 1, 6), "{m:?}");
    assert_eq!(
        &m[4..8],
        &[0, 0, 0, 42],
        "the error carries the offending xid"
    );
    still_works(&mut sw, 15).await;
    c.stop().await;
}

#[tokio::test]
async fn never_finished_handshake_is_disconnected() {
    let c = Controller::start(Controller::fast_config()).await;
    let mut good = good_switch(&c).await;
    // Silent client.
    let mut silent = FakeSwitch::connect(c.addr).await;
    // HELLO, then nothing.
    let mut hello_only = FakeSwitch::connect(c.addr).await;
    hello_only.send(&[1, 0, 0, 8, 0, 0, 0, 1]).await;
    silent.expect_closed(CLOSE_WITHIN).await;
    hello_only.expect_closed(CLOSE_WITHIN).await;
    still_works(&mut good, 16).await;
    c.stop().await;
}

#[tokio::test]
async fn first_message_not_hello_is_refused() {
    let c = Controller::start(Controller::fast_config()).await;
    let mut bad = FakeSwitch::connect(c.addr).await;
    bad.send(&[4, 5, 0, 8, 0, 0, 0, 1]).await;
    let got = bad.expect_closed(CLOSE_WITHIN).await;
    assert!(got.iter().any(|m| is_error(m, 0, 0)), "{got:?}");
    c.stop().await;
}

#[tokio::test]
async fn random_bytes_never_hurt_the_controller() {
    let c = Controller::start(Controller::fast_config()).await;
    let mut good = good_switch(&c).await;
    // A fixed xorshift stream: reproducible, no dependency.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut clients = Vec::new();
    for i in 0..20u32 {
        let mut bad = FakeSwitch::connect(c.addr).await;
        // Half start with a valid HELLO, so the garbage reaches the decoders.
        if i % 2 == 0 {
            bad.send(&[1, 0, 0, 8, 0, 0, 0, 1]).await;
        }
        let mut buf = Vec::new();
        for _ in 0..(64 + i * 16) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf.push(x as u8);
        }
        // Keep lengths plausible for some messages so they are framed and decoded.
        if i % 4 == 0 && buf.len() > 8 {
            buf[0] = 1;
            buf[2] = 0;
            buf[3] = 24;
        }
        bad.try_send(&buf).await;
        clients.push(bad);
    }
    for mut bad in clients {
        bad.expect_closed(Duration::from_secs(6)).await;
    }
    still_works(&mut good, 17).await;
    assert!(!c.shutdown.is_cancelled(), "a module panicked");
    c.stop().await;
}
