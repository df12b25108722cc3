//! The controller over TCP on 127.0.0.1:0, against a fake switch speaking raw bytes.

mod fake;

use std::time::Duration;

use bytes::Bytes;
use fake::{frame, packet_in10, Controller, FakeSwitch};
use proto::{of10, of13, Header};

fn decode10(b: &Bytes) -> of10::Message {
    of10::Message::decode(b).unwrap().1
}

#[tokio::test]
async fn of10_switch_learns_and_forwards() {
    let c = Controller::start(Controller::scripted_config()).await;
    let mut sw = FakeSwitch::connect(c.addr).await;
    sw.handshake10(1, 3).await;
    c.wait_connected(1).await;
    let info = c.handle.switches.get(proto::DatapathId(1)).unwrap().info;
    assert_eq!(info.ports.len(), 3);

    // h1 (port 1) -> h2: unknown destination, flooded.
    let h1 = [0, 0, 0, 0, 0, 1];
    let h2 = [0, 0, 0, 0, 0, 2];
    sw.send(&packet_in10(1, frame(h2, h1), 0)).await;
    let m = decode10(&sw.recv_skip_topology().await);
    let of10::Message::PacketOut(po) = m else {
        panic!("expected PACKET_OUT, got {m:?}")
    };
    assert_eq!(
        po.actions,
        vec![of10::Action::Output {
            port: of10::PortNo::FLOOD,
            max_len: 0
        }]
    );
    assert_eq!(po.in_port, of10::PortNo(1));
    assert_eq!(po.data, frame(h2, h1));

    // h2 (port 2) -> h1: known, a flow then the packet.
    sw.send(&packet_in10(2, frame(h1, h2), 0)).await;
    let m = decode10(&sw.recv_skip_topology().await);
    let of10::Message::FlowMod(fm) = m else {
        panic!("expected FLOW_MOD, got {m:?}")
    };
    assert_eq!(fm.idle_timeout, 60);
    assert_eq!(fm.priority, 0x1000);
    assert_eq!(fm.match_.in_port, of10::PortNo(2));
    assert_eq!(
        fm.actions,
        vec![of10::Action::Output {
            port: of10::PortNo(1),
            max_len: 0
        }]
    );
    let m = decode10(&sw.recv_skip_topology().await);
    assert!(matches!(m, of10::Message::PacketOut(_)), "{m:?}");
    c.stop().await;
}

#[tokio::test]
async fn of13_switch_gets_confirmed_table_miss() {
    let c = Controller::start(Controller::scripted_config()).await;
    let mut sw = FakeSwitch::connect(c.addr).await;
    sw.handshake13(2, 2).await;
    // delete (cookie-scoped), barrier, table-miss add, barrier (the confirmation).
    let mut types = Vec::new();
    let mut last_xid = 0;
    let mut miss = None;
    for _ in 0..4 {
        let m = sw.recv_skip_topology().await;
        let h = Header::parse(&m).unwrap();
        types.push(h.ty);
        if h.ty == 14 {
            let mut r = proto::reader::Reader::new(&m, "test");
            r.skip(8, "hdr").unwrap();
            miss = Some(of13::flow_mod::FlowMod::decode(&mut r).unwrap());
        }
        last_xid = h.xid;
    }
    assert_eq!(types, vec![14, 20, 14, 20]);
    let miss = miss.unwrap();
    assert_eq!(miss.priority, 0);
    assert_eq!(miss.cookie, 0x4c32);
    let reply = of13::Message::BarrierReply.to_bytes(last_xid).unwrap();
    sw.send(&reply).await;
    sw.ping(99).await;
    c.stop().await;
}

#[tokio::test]
async fn version_6_without_bitmap_negotiates_13() {
    let c = Controller::start(Controller::scripted_config()).await;
    let mut sw = FakeSwitch::connect(c.addr).await;
    sw.send(&[6, 0, 0, 8, 0, 0, 0, 1]).await;
    let hello = sw.recv().await;
    assert_eq!(
        &hello[..],
        &[4, 0, 0, 16, 0, 0, 0, 1, 0, 1, 0, 8, 0, 0, 0, 0x12]
    );
    let freq = sw.recv().await;
    assert_eq!((freq[0], freq[1]), (4, 5));
    c.stop().await;
}

#[tokio::test]
async fn no_common_version_gets_hello_failed_and_is_closed() {
    let c = Controller::start(Controller::scripted_config()).await;
    let mut sw = FakeSwitch::connect(c.addr).await;
    // OF1.1 only, no bitmap... well, with one: {1.1}.
    sw.send(&[4, 0, 0, 16, 0, 0, 0, 7, 0, 1, 0, 8, 0, 0, 0, 0x04])
        .await;
    let got = sw.expect_closed(Duration::from_secs(3)).await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0][1], 0, "our HELLO first");
    let err = &got[1];
    assert_eq!((err[1], Header::parse(err).unwrap().xid), (1, 7));
    assert_eq!(
        &err[8..12],
        &[0, 0, 0, 0],
        "OFPET_HELLO_FAILED / OFPHFC_INCOMPATIBLE"
    );
    c.stop().await;
}

#[tokio::test]
async fn reconnect_replaces_stale_session() {
    let c = Controller::start(Controller::scripted_config()).await;
    let mut a = FakeSwitch::connect(c.addr).await;
    a.handshake10(5, 1).await;
    c.wait_connected(5).await;
    let first = c.handle.switches.get(proto::DatapathId(5)).unwrap().conn;
    let mut b = FakeSwitch::connect(c.addr).await;
    b.handshake10(5, 1).await;
    // The old connection is closed; the new one is registered and alive.
    a.expect_closed(Duration::from_secs(3)).await;
    let second = c.handle.switches.get(proto::DatapathId(5)).unwrap().conn;
    assert_ne!(first, second);
    b.ping(1).await;
    assert_eq!(c.handle.switches.list().len(), 1);
    c.stop().await;
}

#[tokio::test]
async fn silent_switch_is_closed_after_echo_misses() {
    let c = Controller::start(Controller::fast_config()).await;
    let mut sw = FakeSwitch::connect(c.addr).await;
    sw.handshake10(7, 1).await;
    c.wait_connected(7).await;
    // Never answer: echo interval 1 s, 2 misses.
    let got = sw.expect_closed(Duration::from_secs(5)).await;
    assert!(
        got.iter().any(|m| m[1] == 2),
        "echo requests were sent: {got:?}"
    );
    // Unregistered once closed.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(c.handle.switches.get(proto::DatapathId(7)).is_none());
    c.stop().await;
}

#[tokio::test]
async fn switch_that_answers_echo_stays_connected() {
    let c = Controller::start(Controller::fast_config()).await;
    let mut sw = FakeSwitch::connect(c.addr).await;
    sw.handshake10(8, 1).await;
    // Answer echo requests for 3.5 s (longer than 2 missed intervals).
    let deadline = tokio::time::Instant::now() + Duration::from_millis(3500);
    let mut echoes = 0;
    while tokio::time::Instant::now() < deadline {
        let r = tokio::time::timeout_at(deadline, sw.recv()).await;
        let Ok(m) = r else { break };
        if m[1] == 2 {
            echoes += 1;
            let mut reply = m.to_vec();
            reply[1] = 3;
            sw.send(&reply).await;
        }
    }
    assert!(echoes >= 2, "{echoes} echo requests");
    sw.ping(3).await;
    c.stop().await;
}

#[tokio::test]
async fn shutdown_closes_switches() {
    let c = Controller::start(Controller::scripted_config()).await;
    let mut sw = FakeSwitch::connect(c.addr).await;
    sw.handshake10(9, 1).await;
    c.wait_connected(9).await;
    // Registered connections hear of shutdown as a command; one still in its handshake
    // (no FEATURES_REPLY yet) watches the token: both must close.
    let mut half = FakeSwitch::connect(c.addr).await;
    assert_eq!(half.recv().await[1], 0, "the controller's HELLO");
    let shutdown = c.shutdown.clone();
    let tracker = c.tracker.clone();
    shutdown.cancel();
    tracker.close();
    tokio::time::timeout(Duration::from_secs(3), tracker.wait())
        .await
        .unwrap();
    sw.expect_closed(Duration::from_secs(1)).await;
    half.expect_closed(Duration::from_secs(1)).await;
}

/// Wait (bounded) until the controller's connection group serves `n` connections.
async fn group_serves(c: &Controller, n: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while c.handle.placement.in_group() != n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the group serves {} connections, expected {n}",
            c.handle.placement.in_group()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_connection_keeps_its_session_while_moving_out_of_the_group_and_back() {
    let c = Controller::start(Controller::scripted_config()).await;
    let mut sw = FakeSwitch::connect(c.addr).await;
    sw.handshake10(7, 2).await;
    c.wait_connected(7).await;
    // Light load: new connections are served by the group.
    assert!(c.handle.placement.single());
    group_serves(&c, 1).await;
    let h1 = [0, 0, 0, 0, 0, 1];
    let h2 = [0, 0, 0, 0, 0, 2];
    sw.send(&packet_in10(1, frame(h2, h1), 0)).await;
    let m = decode10(&sw.recv_skip_topology().await);
    assert!(matches!(m, of10::Message::PacketOut(_)), "{m:?}");

    // Out to a task of its own: the same session (h1 stays learned, echo answered).
    assert_eq!(c.handle.placement.place(false), 1);
    group_serves(&c, 0).await;
    sw.ping(70).await;
    sw.send(&packet_in10(2, frame(h1, h2), 0)).await;
    let m = decode10(&sw.recv_skip_topology().await);
    let of10::Message::FlowMod(fm) = m else {
        panic!("expected FLOW_MOD toward the learned h1, got {m:?}")
    };
    assert_eq!(fm.match_.in_port, of10::PortNo(2));

    // And back.
    assert_eq!(c.handle.placement.place(true), 1);
    group_serves(&c, 1).await;
    sw.ping(71).await;
    assert_eq!(
        c.handle.switches.list().len(),
        1,
        "the switch stayed registered"
    );
    // Shutdown closes it in the group too, and the controller's tracker waits for it.
    let placement = c.handle.placement.clone();
    c.stop().await;
    assert_eq!(placement.in_group(), 0);
    sw.expect_closed(Duration::from_secs(2)).await;
}
