//! The session without sockets: bytes in, bytes and outputs out, on a fake clock.

use std::time::{Duration, Instant};

use bytes::Bytes;
use proto::flow::{Action, FlowMod, Match, PacketOut, PortNo};
use proto::{of10, of13, MacAddr};

use super::*;
use crate::outbox::{Batch, Msg};
use crate::switch::stats::StatsRequest;

fn config() -> SessionConfig {
    SessionConfig {
        miss_send_len: 0xffff,
        echo_interval: Duration::from_secs(5),
        echo_misses: 3,
        handshake_timeout: Duration::from_secs(10),
    }
}

fn new(t: Instant) -> Session {
    let mut s = Session::new(t, config(), Arc::new(SwitchDirectory::default()));
    let hello = s.poll_transmit().unwrap();
    assert_eq!(&hello[..], &handshake::hello(1)[..]);
    s
}

fn drain(s: &mut Session) -> Vec<Bytes> {
    std::iter::from_fn(|| s.poll_transmit()).collect()
}

fn outputs(s: &mut Session) -> Vec<Output> {
    std::iter::from_fn(|| s.poll_output()).collect()
}

/// (version, type, xid) of a transmitted message.
fn hdr(b: &Bytes) -> (u8, u8, u32) {
    let h = Header::parse(b).unwrap();
    (h.version, h.ty, h.xid)
}

fn m10(m: of10::Message, xid: u32) -> Bytes {
    m.to_bytes(xid).unwrap()
}

fn m13(m: of13::Message, xid: u32) -> Bytes {
    m.to_bytes(xid).unwrap()
}

fn phy(n: u16) -> of10::PhyPort {
    of10::PhyPort {
        port_no: of10::PortNo(n),
        hw_addr: MacAddr([0, 0, 0, 0, 0xaa, n as u8]),
        name: format!("s1-eth{n}"),
        config: 0,
        state: 0,
        curr: 0,
        advertised: 0,
        supported: 0,
        peer: 0,
    }
}

fn port13(n: u32, link_down: bool) -> of13::Port {
    of13::Port {
        port_no: n,
        hw_addr: MacAddr([0, 0, 0, 0, 0xbb, n as u8]),
        name: of13::FixedStr::new(&format!("s2-eth{n}")),
        config: 0,
        state: u32::from(link_down),
        curr: 0,
        advertised: 0,
        supported: 0,
        peer: 0,
        curr_speed: 0,
        max_speed: 0,
    }
}

/// Bring a 1.0 session to Main: HELLO 1.0, features with ports 1, 2 and LOCAL.
fn up10(t: Instant) -> Session {
    let mut s = new(t);
    s.handle_message(t, Bytes::from_static(&[1, 0, 0, 8, 0, 0, 0, 1]));
    let tx = drain(&mut s);
    assert_eq!(tx.iter().map(hdr).collect::<Vec<_>>(), vec![(1, 5, 2)]);
    let features = of10::FeaturesReply {
        datapath_id: proto::DatapathId(1),
        n_buffers: 256,
        n_tables: 1,
        capabilities: 0,
        actions: 0,
        ports: vec![phy(1), phy(2), phy(0xfffe)],
    };
    s.handle_message(t, m10(of10::Message::FeaturesReply(features), 2));
    s
}

/// Bring a 1.3 session to Main (OVS's HELLO with bitmap {1.0, 1.3}).
fn up13(t: Instant) -> Session {
    let mut s = new(t);
    s.handle_message(
        t,
        Bytes::from_static(&[4, 0, 0, 16, 0, 0, 0, 1, 0, 1, 0, 8, 0, 0, 0, 0x12]),
    );
    assert_eq!(
        drain(&mut s).iter().map(hdr).collect::<Vec<_>>(),
        vec![(4, 5, 2)]
    );
    let features = of13::SwitchFeatures {
        datapath_id: proto::DatapathId(2),
        n_buffers: 0,
        n_tables: 254,
        auxiliary_id: 0,
        capabilities: 0,
        reserved: 0,
    };
    s.handle_message(t, m13(of13::Message::FeaturesReply(features), 2));
    // SET_CONFIG, then the port-desc multipart request.
    let tx = drain(&mut s);
    assert_eq!(
        tx.iter().map(hdr).collect::<Vec<_>>(),
        vec![(4, 9, 3), (4, 18, 4)]
    );
    assert_eq!(s.state(), State::PortDesc);
    let (_, cfg) = of13::Message::decode(&tx[0]).unwrap();
    assert_eq!(
        cfg,
        of13::Message::SetConfig(of13::SwitchConfig {
            flags: 0,
            miss_send_len: 0xffff
        })
    );
    let part = |ports, flags| {
        of13::Message::MultipartReply(of13::MultipartReply {
            flags,
            body: of13::MultipartReplyBody::PortDesc(ports),
        })
    };
    s.handle_message(t, m13(part(vec![port13(1, false)], 1), 4));
    assert_eq!(s.state(), State::PortDesc);
    s.handle_message(
        t,
        m13(
            part(vec![port13(3, true), port13(0xffff_fffe, false)], 0),
            4,
        ),
    );
    s
}

fn up_info(s: &mut Session) -> Arc<SwitchInfo> {
    match outputs(s).into_iter().next() {
        Some(Output::Up(info)) => info,
        other => panic!("expected Up, got {other:?}"),
    }
}

#[test]
fn of10_handshake_ports_from_features() {
    let t = Instant::now();
    let mut s = up10(t);
    let tx = drain(&mut s);
    assert_eq!(tx.iter().map(hdr).collect::<Vec<_>>(), vec![(1, 9, 3)]);
    assert_eq!(s.state(), State::Main);
    let info = up_info(&mut s);
    assert_eq!(info.version, Version::Of10);
    assert_eq!(info.id.dpid, proto::DatapathId(1));
    assert_eq!(info.n_buffers, 256);
    // LOCAL is not a forwarding port.
    assert_eq!(info.ports.keys().copied().collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(info.ports[&2].name, "s1-eth2");
}

#[test]
fn of13_handshake_ports_from_multipart() {
    let t = Instant::now();
    let mut s = up13(t);
    assert_eq!(s.state(), State::Main);
    let info = up_info(&mut s);
    assert_eq!(info.version, Version::Of13);
    assert_eq!(info.id.dpid, proto::DatapathId(2));
    assert_eq!(info.ports.keys().copied().collect::<Vec<_>>(), vec![1, 3]);
    assert!(info.ports[&3].link_down);
    assert_eq!(info.ports[&1].name, "s2-eth1");
}

#[test]
fn version_6_without_bitmap_gets_13() {
    let t = Instant::now();
    let mut s = new(t);
    s.handle_message(t, Bytes::from_static(&[6, 0, 0, 8, 0, 0, 0, 9]));
    assert_eq!(s.version(), Some(Version::Of13));
    assert_eq!(hdr(&drain(&mut s)[0]), (4, 5, 2));
}

#[test]
fn no_common_version_sends_hello_failed_and_closes() {
    let t = Instant::now();
    let mut s = new(t);
    // Bitmap {1.4, 1.5} only.
    s.handle_message(
        t,
        Bytes::from_static(&[6, 0, 0, 16, 0, 0, 0, 9, 0, 1, 0, 8, 0, 0, 0, 0x60]),
    );
    assert!(s.is_closed());
    assert!(matches!(
        s.close_reason(),
        Some(ConnectionError::NoCommonVersion { theirs, .. }) if theirs.0 == 0x60
    ));
    let tx = drain(&mut s);
    assert_eq!(tx.len(), 1);
    assert_eq!(hdr(&tx[0]), (6, 1, 9));
    // OFPET_HELLO_FAILED, OFPHFC_INCOMPATIBLE
    assert_eq!(&tx[0][8..12], &[0, 0, 0, 0]);
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn first_message_not_hello_closes() {
    let t = Instant::now();
    let mut s = new(t);
    s.handle_message(t, Bytes::from_static(&[4, 5, 0, 8, 0, 0, 0, 9]));
    assert!(matches!(
        s.close_reason(),
        Some(ConnectionError::NoHello { msg_type: 5 })
    ));
    assert_eq!(hdr(&drain(&mut s)[0]), (4, 1, 9));
}

#[test]
fn handshake_timeout() {
    let t = Instant::now();
    let mut s = new(t);
    s.handle_message(t, Bytes::from_static(&[1, 0, 0, 8, 0, 0, 0, 1]));
    assert_eq!(s.poll_timeout(), Some(t + Duration::from_secs(10)));
    s.handle_timeout(t + Duration::from_secs(9));
    assert!(!s.is_closed());
    s.handle_timeout(t + Duration::from_secs(10));
    assert!(matches!(
        s.close_reason(),
        Some(ConnectionError::HandshakeTimeout(_))
    ));
}

#[test]
fn switch_error_during_handshake_closes() {
    let t = Instant::now();
    let mut s = new(t);
    s.handle_message(t, Bytes::from_static(&[1, 0, 0, 8, 0, 0, 0, 1]));
    let err = of10::Message::Error(of10::ErrorMsg {
        ty: of10::ErrorType::from(1),
        code: 1,
        data: Bytes::new(),
    });
    s.handle_message(t, m10(err, 2));
    assert!(matches!(s.close_reason(), Some(ConnectionError::Refused(e)) if e.ty == 1));
}

#[test]
fn echo_keepalive_and_timeout() {
    let t = Instant::now();
    let mut s = up10(t);
    drain(&mut s);
    let i = Duration::from_secs(5);
    assert_eq!(s.poll_timeout(), Some(t + i));
    // The switch's echo request is answered with its xid and data.
    let req = of10::Message::EchoRequest {
        data: Bytes::from_static(b"ping"),
    };
    s.handle_message(t, m10(req, 77));
    let tx = drain(&mut s);
    assert_eq!(hdr(&tx[0]), (1, 3, 77));
    assert_eq!(&tx[0][8..], b"ping");
    // Heard from since: the first tick sends an echo request and counts nothing.
    s.handle_timeout(t + i);
    let tx = drain(&mut s);
    assert_eq!(hdr(&tx[0]).1, 2);
    let echo_xid = hdr(&tx[0]).2;
    // Silent for two intervals, then a reply: still connected.
    s.handle_timeout(t + 2 * i);
    s.handle_timeout(t + 3 * i);
    let reply = of10::Message::EchoReply { data: Bytes::new() };
    s.handle_message(t + 3 * i, m10(reply, echo_xid));
    s.handle_timeout(t + 4 * i);
    s.handle_timeout(t + 5 * i);
    s.handle_timeout(t + 6 * i);
    assert!(!s.is_closed());
    // Third silent interval in a row: closed.
    s.handle_timeout(t + 7 * i);
    assert!(matches!(
        s.close_reason(),
        Some(ConnectionError::EchoTimeout { misses: 3 })
    ));
}

fn flow(p: u16) -> Msg {
    Msg::FlowMod(FlowMod::add(
        Match {
            in_port: Some(u32::from(p)),
            ..Match::default()
        },
        vec![Action::Output {
            port: PortNo::Number(2),
            max_len: 0,
        }],
        p,
    ))
}

fn batch_result(out: Vec<Output>) -> (Origin, BatchResult) {
    match out.into_iter().next() {
        Some(Output::ToModule(o, Event::BatchResult(r))) => (o, r),
        other => panic!("expected a batch result, got {other:?}"),
    }
}

#[test]
fn confirmed_batch_errors_matched_by_xid() {
    let t = Instant::now();
    let mut s = up13(t);
    outputs(&mut s);
    drain(&mut s);
    s.send_batch(
        3,
        Batch {
            confirm: Some(42),
            msgs: vec![flow(1), flow(2)],
        },
    );
    let tx = drain(&mut s);
    let h: Vec<_> = tx.iter().map(hdr).collect();
    assert_eq!(h.iter().map(|h| h.1).collect::<Vec<_>>(), vec![14, 14, 20]);
    // The flow-mods decode as OF1.3 flow-mods.
    let mut r = proto::reader::Reader::new(&tx[0], "test");
    r.skip(8, "hdr").unwrap();
    let fm = of13::flow_mod::FlowMod::decode(&mut r).unwrap();
    assert_eq!(fm.priority, 1);
    // The second is rejected; the barrier reply then completes the batch.
    let err = of13::Message::Error(of13::ErrorMsg::Standard {
        ty: 5,
        code: 0,
        data: tx[1].slice(..64.min(tx[1].len())),
    });
    s.handle_message(t, m13(err, h[1].2));
    assert!(outputs(&mut s).is_empty());
    s.handle_message(t, m13(of13::Message::BarrierReply, h[2].2));
    let (origin, r) = batch_result(outputs(&mut s));
    assert_eq!(origin, 3);
    assert_eq!(r.batch, Some(42));
    match r.result {
        Err(BatchError::Rejected(v)) => {
            assert_eq!(v.len(), 1);
            assert_eq!(v[0].index, 1);
            assert_eq!(v[0].msg_type, "OFPT_FLOW_MOD");
            assert_eq!(v[0].error.type_name(), "OFPET_FLOW_MOD_FAILED");
        }
        other => panic!("{other:?}"),
    }
    // A clean batch is Ok.
    s.send_batch(
        3,
        Batch {
            confirm: Some(43),
            msgs: vec![flow(7)],
        },
    );
    let tx = drain(&mut s);
    s.handle_message(t, m13(of13::Message::BarrierReply, hdr(&tx[1]).2));
    let (_, r) = batch_result(outputs(&mut s));
    assert_eq!((r.batch, r.result), (Some(43), Ok(())));
}

#[test]
fn unconfirmed_error_is_broadcast_with_its_cause() {
    let t = Instant::now();
    let mut s = up10(t);
    outputs(&mut s);
    drain(&mut s);
    s.send_batch(
        0,
        Batch {
            confirm: None,
            msgs: vec![flow(1)],
        },
    );
    let tx = drain(&mut s);
    assert_eq!(hdr(&tx[0]).1, 14);
    let err = of10::Message::Error(of10::ErrorMsg {
        ty: of10::ErrorType::from(3),
        code: 0,
        data: Bytes::new(),
    });
    s.handle_message(t, m10(err, hdr(&tx[0]).2));
    match outputs(&mut s).into_iter().next() {
        Some(Output::Broadcast(Event::SwitchError(e))) => {
            assert_eq!(e.caused_by, Some("OFPT_FLOW_MOD"));
            assert_eq!(e.error.type_name(), "OFPET_FLOW_MOD_FAILED");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn encode_error_sends_nothing_and_reports() {
    let t = Instant::now();
    let mut s = up10(t);
    outputs(&mut s);
    drain(&mut s);
    let group = Msg::PacketOut(PacketOut {
        buffer_id: None,
        in_port: None,
        actions: vec![Action::Group(1)],
        data: Bytes::from_static(b"x"),
    });
    // Queued before, still unwritten: the failed batch must leave it as it is.
    s.send_batch(
        1,
        Batch {
            confirm: None,
            msgs: vec![flow(2)],
        },
    );
    s.send_batch(
        1,
        Batch {
            confirm: Some(5),
            msgs: vec![flow(1), group],
        },
    );
    let sent = drain(&mut s);
    assert_eq!(sent.len(), 1);
    assert_eq!(hdr(&sent[0]).1, of10::consts::OFPT_FLOW_MOD);
    let (origin, r) = batch_result(outputs(&mut s));
    assert_eq!(origin, 1);
    assert!(matches!(
        r.result,
        Err(BatchError::Encode {
            index: 1,
            msg_type: "OFPT_PACKET_OUT",
            ..
        })
    ));
}

#[test]
fn close_fails_pending_batches() {
    let t = Instant::now();
    let mut s = up10(t);
    outputs(&mut s);
    s.send_batch(
        2,
        Batch {
            confirm: Some(9),
            msgs: vec![flow(1)],
        },
    );
    s.close(ConnectionError::Closed);
    let (origin, r) = batch_result(outputs(&mut s));
    assert_eq!((origin, r.result), (2, Err(BatchError::Disconnected)));
}

#[test]
fn bad_messages_in_main_get_bad_request_and_keep_the_session() {
    let t = Instant::now();
    let mut s = up10(t);
    outputs(&mut s);
    drain(&mut s);
    // A FEATURES_REPLY truncated to its header: OFPBRC_BAD_LEN (6).
    s.handle_message(t, Bytes::from_static(&[1, 6, 0, 8, 0, 0, 0, 5]));
    let tx = drain(&mut s);
    assert_eq!(hdr(&tx[0]), (1, 1, 5));
    assert_eq!(&tx[0][8..12], &[0, 1, 0, 6]);
    assert_eq!(s.state(), State::Main);
    // An unknown type: OFPBRC_BAD_TYPE (1).
    s.handle_message(t, Bytes::from_static(&[1, 99, 0, 8, 0, 0, 0, 6]));
    let tx = drain(&mut s);
    assert_eq!(&tx[0][8..12], &[0, 1, 0, 1]);
    // A message in another version: OFPBRC_BAD_VERSION (0).
    s.handle_message(t, Bytes::from_static(&[4, 2, 0, 8, 0, 0, 0, 7]));
    let tx = drain(&mut s);
    assert_eq!(&tx[0][8..12], &[0, 1, 0, 0]);
    assert_eq!(s.state(), State::Main);
}

#[test]
fn undecodable_message_in_handshake_closes() {
    let t = Instant::now();
    let mut s = new(t);
    s.handle_message(t, Bytes::from_static(&[1, 0, 0, 8, 0, 0, 0, 1]));
    drain(&mut s);
    s.handle_message(
        t,
        Bytes::from_static(&[1, 6, 0, 12, 0, 0, 0, 2, 0, 0, 0, 1]),
    );
    assert!(matches!(s.close_reason(), Some(ConnectionError::Decode(_))));
    assert_eq!(&drain(&mut s)[0][8..12], &[0, 1, 0, 6]);
}

#[test]
fn bad_framing_answers_and_closes() {
    let t = Instant::now();
    let mut s = up13(t);
    outputs(&mut s);
    drain(&mut s);
    let header = [4u8, 10, 0, 0, 0, 0, 0, 8];
    let e = Header::parse(&header).unwrap_err();
    s.handle_bad_framing(&header, e);
    assert!(matches!(s.close_reason(), Some(ConnectionError::Frame(_))));
    let tx = drain(&mut s);
    assert_eq!(hdr(&tx[0]), (4, 1, 8));
    assert_eq!(&tx[0][8..12], &[0, 1, 0, 6]);
}

#[test]
fn port_status_updates_and_is_broadcast() {
    let t = Instant::now();
    let mut s = up13(t);
    outputs(&mut s);
    let ps = of13::Message::PortStatus(of13::PortStatus {
        reason: 2,
        desc: port13(1, true),
    });
    s.handle_message(t, m13(ps, 0));
    match outputs(&mut s).into_iter().next() {
        Some(Output::Broadcast(Event::PortStatus(p))) => {
            assert_eq!(p.reason, PortReason::Modify);
            assert_eq!(p.port.port_no, 1);
            assert!(!p.port.is_up());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn packet_in_of13_becomes_neutral_event() {
    // of13 packet-in: in_port=3, broadcast ARP from 00:00:00:00:00:01.
    static PACKET_IN: [u8; 56] = [
        0x04, 0x0a, 0x00, 0x38, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x0e, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x0c, 0x80, 0x00,
        0x00, 0x04, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,
    ];
    let t = Instant::now();
    let mut s = up13(t);
    outputs(&mut s);
    s.handle_message(t, Bytes::from_static(&PACKET_IN));
    match outputs(&mut s).into_iter().next() {
        Some(Output::Broadcast(Event::PacketIn(p))) => {
            assert_eq!(p.in_port, 3);
            assert_eq!(p.buffer_id, None);
            assert_eq!(p.switch.dpid, proto::DatapathId(2));
            assert_eq!(p.match_.in_port, Some(3));
            let (dst, src, ty) = p.ethernet().unwrap();
            assert_eq!(
                (dst, src, ty),
                (MacAddr::BROADCAST, MacAddr([0, 0, 0, 0, 0, 1]), 0x0806)
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn atomic_batch_is_one_ordered_bundle_on_of13_and_plain_on_of10() {
    let t = Instant::now();
    let mut s = up13(t);
    outputs(&mut s);
    drain(&mut s);
    s.send_atomic(
        5,
        Batch {
            confirm: Some(9),
            msgs: vec![flow(1), Msg::Barrier, flow(2)],
        },
    );
    let tx = drain(&mut s);
    // OPEN, two ADD_MESSAGEs (the barrier dropped), COMMIT, then our barrier.
    let h: Vec<_> = tx.iter().map(hdr).collect();
    assert_eq!(h.iter().map(|h| h.1).collect::<Vec<_>>(), [4, 4, 4, 4, 20]);
    let exp_type = |b: &Bytes| u32::from_be_bytes([b[12], b[13], b[14], b[15]]);
    let bundle_of = |b: &Bytes| u32::from_be_bytes([b[16], b[17], b[18], b[19]]);
    assert_eq!(
        tx[..4].iter().map(exp_type).collect::<Vec<_>>(),
        [2300, 2301, 2301, 2300]
    );
    assert!(tx[..4].iter().all(|b| bundle_of(b) == bundle_of(&tx[0])));
    assert_eq!((tx[0][21], tx[3][21]), (0, 4), "OPEN then COMMIT");
    // The wrapped flow-mod keeps the ADD_MESSAGE's xid and decodes as a flow-mod.
    let inner = tx[1].slice(24..);
    assert_eq!(hdr(&inner), (4, 14, h[1].2));
    // A refused flow-mod (by its xid) and the failed commit reject the batch.
    let err = |xid: u32, data: Bytes| {
        m13(
            of13::Message::Error(of13::ErrorMsg::Standard {
                ty: 5,
                code: 0,
                data,
            }),
            xid,
        )
    };
    s.handle_message(t, err(h[2].2, tx[2].slice(24..)));
    s.handle_message(t, err(h[3].2, tx[3].clone()));
    assert!(outputs(&mut s).is_empty());
    s.handle_message(t, m13(of13::Message::BarrierReply, h[4].2));
    let (origin, r) = batch_result(outputs(&mut s));
    assert_eq!((origin, r.batch), (5, Some(9)));
    match r.result {
        Err(BatchError::Rejected(v)) => {
            assert_eq!(v.iter().map(|r| r.index).collect::<Vec<_>>(), [1, 2]);
        }
        other => panic!("{other:?}"),
    }
    // Disconnected before the commit's barrier: the batch fails.
    s.send_atomic(
        5,
        Batch {
            confirm: Some(10),
            msgs: vec![flow(3), flow(4)],
        },
    );
    drain(&mut s);
    s.close(ConnectionError::Closed);
    let (_, r) = batch_result(outputs(&mut s));
    assert!(matches!(r.result, Err(BatchError::Disconnected)));

    // OF1.0 has no bundles: the same batch goes out plainly.
    let mut s = up10(t);
    outputs(&mut s);
    drain(&mut s);
    s.send_atomic(
        5,
        Batch {
            confirm: Some(9),
            msgs: vec![flow(1), flow(2)],
        },
    );
    let types: Vec<u8> = drain(&mut s).iter().map(|b| hdr(b).1).collect();
    assert_eq!(types, [14, 14, 18]);
}

// ---- statistics requests ----

fn flow13(cookie: u64, port: u32) -> of13::FlowStats {
    of13::FlowStats {
        table_id: 0,
        duration_sec: 3,
        duration_nsec: 0,
        priority: 100,
        idle_timeout: 0,
        hard_timeout: 0,
        flags: 0,
        cookie,
        packet_count: 1,
        byte_count: 60,
        match_: of13::match_::Match::new(),
        instructions: vec![of13::instruction::Instruction::ApplyActions(vec![
            of13::action::Action::Output { port, max_len: 0 },
        ])],
    }
}

fn stats_reply13(flows: Vec<of13::FlowStats>, more: bool, xid: u32) -> Bytes {
    m13(
        of13::Message::MultipartReply(of13::MultipartReply {
            flags: u16::from(more),
            body: of13::MultipartReplyBody::Flow(flows),
        }),
        xid,
    )
}

/// The request goes out with a fresh xid; returns it.
fn sent_stats_xid(s: &mut Session, want_ty: u8) -> u32 {
    let tx = drain(s);
    let (_, ty, xid) = hdr(tx.last().expect("a statistics request"));
    assert_eq!(ty, want_ty);
    xid
}

#[test]
fn of13_flow_stats_reassembled_by_xid() {
    let t = Instant::now();
    let mut s = up13(t);
    drain(&mut s);
    let (tx, mut rx) = tokio::sync::oneshot::channel();
    s.request_stats(t, StatsRequest::Flows, Duration::from_secs(2), tx);
    let xid = sent_stats_xid(&mut s, 18);
    // Two parts, a stray reply with another xid in between (ignored), then the last part.
    s.handle_message(
        t,
        stats_reply13(vec![flow13(1, 2), flow13(2, 3)], true, xid),
    );
    s.handle_message(t, stats_reply13(vec![flow13(99, 9)], false, xid + 100));
    assert!(rx.try_recv().is_err(), "answered before the last part");
    s.handle_message(t, stats_reply13(vec![flow13(3, 1)], false, xid));
    let Ok(StatsReply::Flows(flows)) = rx.try_recv().unwrap() else {
        panic!("not flows")
    };
    assert_eq!(
        flows.iter().map(|f| f.cookie).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(
        super::super::stats::format_actions(&flows[1].actions),
        "output:3"
    );
    assert!(!s.is_closed());
}

#[test]
fn of10_port_stats() {
    let t = Instant::now();
    let mut s = up10(t);
    drain(&mut s);
    let (tx, mut rx) = tokio::sync::oneshot::channel();
    s.request_stats(t, StatsRequest::Ports, Duration::from_secs(2), tx);
    let xid = sent_stats_xid(&mut s, 16);
    let port = |n: u16, rx_packets| of10::PortStats {
        port_no: of10::PortNo(n),
        rx_packets,
        tx_bytes: 1000,
        ..of10::PortStats::default()
    };
    let reply = of10::Message::StatsReply(of10::StatsReply {
        flags: 0,
        body: of10::StatsReplyBody::Port(vec![port(1, 5), port(2, 7)]),
    });
    s.handle_message(t, m10(reply, xid));
    let Ok(StatsReply::Ports(ports)) = rx.try_recv().unwrap() else {
        panic!("not ports")
    };
    assert_eq!(ports.len(), 2);
    assert_eq!((ports[1].port_no, ports[1].rx_packets), (2, 7));
    assert_eq!(ports[0].tx_bytes, 1000);
}

#[test]
fn stats_error_timeout_and_disconnect_are_typed() {
    let t = Instant::now();
    let mut s = up13(t);
    drain(&mut s);
    outputs(&mut s);
    // The switch refuses: an ERROR with the request's xid.
    let (tx, mut rx) = tokio::sync::oneshot::channel();
    s.request_stats(t, StatsRequest::Ports, Duration::from_secs(2), tx);
    let xid = sent_stats_xid(&mut s, 18);
    let err = of13::Message::Error(of13::ErrorMsg::Standard {
        ty: 1,
        code: 2,
        data: Bytes::new(),
    });
    s.handle_message(t, m13(err, xid));
    match rx.try_recv().unwrap() {
        Err(StatsError::Refused { msg_type, error }) => {
            assert_eq!(msg_type, "OFPMP_PORT_STATS request");
            assert_eq!((error.ty, error.code), (1, 2));
        }
        other => panic!("{other:?}"),
    }
    assert!(outputs(&mut s).is_empty(), "a stats error is not broadcast");
    // No answer: the session's timer ends it after the timeout, one part in.
    let (tx, mut rx) = tokio::sync::oneshot::channel();
    s.request_stats(t, StatsRequest::Flows, Duration::from_secs(2), tx);
    let xid = sent_stats_xid(&mut s, 18);
    s.handle_message(t, stats_reply13(vec![flow13(1, 2)], true, xid));
    assert_eq!(s.poll_timeout(), Some(t + Duration::from_secs(2)));
    s.handle_timeout(t + Duration::from_millis(1999));
    assert!(rx.try_recv().is_err());
    s.handle_timeout(t + Duration::from_secs(2));
    match rx.try_recv().unwrap() {
        Err(StatsError::Timeout { parts, .. }) => assert_eq!(parts, 1),
        other => panic!("{other:?}"),
    }
    // A late last part finds nobody waiting and changes nothing.
    s.handle_message(t, stats_reply13(vec![], false, xid));
    assert!(!s.is_closed());
    // The connection ends while waiting.
    let (tx, mut rx) = tokio::sync::oneshot::channel();
    s.request_stats(t, StatsRequest::Flows, Duration::from_secs(2), tx);
    s.close(ConnectionError::Closed);
    assert!(matches!(
        rx.try_recv().unwrap(),
        Err(StatsError::Disconnected { .. })
    ));
    // And a closed session answers at once.
    let (tx, mut rx) = tokio::sync::oneshot::channel();
    s.request_stats(t, StatsRequest::Flows, Duration::from_secs(2), tx);
    assert!(matches!(
        rx.try_recv().unwrap(),
        Err(StatsError::NotConnected)
    ));
}
