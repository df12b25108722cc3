//! Self-test of the lab harness against real Open vSwitch (needs root; fails, never skips,
//! when OVS, iproute2 or ethtool are missing).

mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::time::Duration;

use support::flows::{parse_dump_flows, DEFAULT_PRIORITY};
use support::kernel::{link_exists, netns_exists};
use support::lab::{Lab, LinkKind, OfVersions};
use support::prereq;

const SECS: fn(u64) -> Duration = Duration::from_secs;

#[test]
fn two_hosts_ping_and_tcp_then_teardown_leaves_nothing() {
    let footprint;
    {
        let mut lab = Lab::new();
        lab.add_bridge("s1", 0x1, OfVersions::Of13, None);
        lab.add_host("h1", "s1", 1, 1);
        lab.add_host("h2", "s1", 2, 2);
        assert_eq!(lab.port_iface("s1", 2), lab.host("h2").switch_iface);
        footprint = lab.footprint();
        assert!(
            footprint.leftovers().len() >= 4,
            "lab objects must exist while it runs"
        );

        // fail_mode=secure and no flows: nothing is forwarded.
        assert!(
            !lab.ping("h1", "h2", 1, SECS(2)),
            "secure bridge without flows forwarded a ping"
        );

        lab.add_flow("s1", "priority=0,actions=NORMAL");
        let flows = lab.dump_flows("s1");
        assert_eq!(flows.len(), 1, "{flows:?}");
        assert_eq!(
            (flows[0].priority, flows[0].actions.as_str()),
            (0, "NORMAL")
        );
        let (cap, pcap) = lab.capture(Some("h2"), "h2-eth0", "icmp", "h2.pcap");
        let (sent, replies) = lab.ping_counts("h1", "h2", 3, SECS(5));
        assert_eq!(replies, 3, "h1 cannot ping h2 through NORMAL ({sent} sent)");
        // Only this ping's requests (its ICMP id, the last one seen): the earlier ping's,
        // held in h1's neighbour queue while the secure bridge answered no ARP, go out
        // when ARP resolves, during this ping.
        let requests_in = |lines: &[String]| {
            let requests: Vec<&String> = lines
                .iter()
                .filter(|l| l.contains("10.0.0.1 > 10.0.0.2: ICMP echo request"))
                .collect();
            let id = |l: &str| {
                l.split(", id ")
                    .nth(1)?
                    .split(',')
                    .next()
                    .map(str::to_owned)
            };
            let last = requests.last().and_then(|l| id(l));
            requests
                .into_iter()
                .filter(|l| id(l) == last)
                .cloned()
                .collect::<Vec<_>>()
        };
        // tcpdump may not have written the last packets yet, and SIGINT drops what it
        // has not read: wait for them in the file first.
        support::lab::wait_until(SECS(5), || {
            requests_in(&support::hosts::pcap_lines_so_far(&pcap)).len() >= sent as usize
        });
        cap.stop_with(libc::SIGINT, SECS(3));
        let seen = support::hosts::pcap_lines(&pcap);
        let requests = requests_in(&seen);
        assert_eq!(requests.len(), sent as usize, "capture on h2: {seen:#?}");
        assert!(
            requests[0].contains("00:00:00:00:00:01 > 00:00:00:00:00:02"),
            "{seen:#?}"
        );
        assert_eq!(lab.ping_received("h2", "h1", 3, SECS(5)), 3);

        // TCP needs tx checksum offload off in the hosts; an HTTP fetch proves it.
        let www = lab.path("www");
        std::fs::create_dir(&www).unwrap();
        std::fs::write(www.join("marker.txt"), "tapdemon-lab-marker\n").unwrap();
        let server = lab.spawn(
            "h2",
            &[
                "python3",
                "-m",
                "http.server",
                "8000",
                "--bind",
                "10.0.0.2",
                "--directory",
                &www.to_string_lossy(),
            ],
        );
        let mut body = String::new();
        let fetched = support::lab::wait_until(SECS(20), || {
            let out = lab.exec(
                "h1",
                &[
                    "curl",
                    "-s",
                    "--max-time",
                    "3",
                    "http://10.0.0.2:8000/marker.txt",
                ],
            );
            body = String::from_utf8_lossy(&out.stdout).into_owned();
            out.status.success()
        });
        let pid = server.pid();
        let out = server.stop();
        assert!(
            fetched,
            "curl h1 -> h2:8000 failed; server stderr: {}",
            out.stderr
        );
        assert_eq!(body, "tapdemon-lab-marker\n");
        assert!(
            !support::bg::pid_alive(pid),
            "http.server {pid} still alive after stop"
        );
    }
    let left = footprint.leftovers();
    assert!(left.is_empty(), "teardown left: {left:?}");
}

#[test]
fn missing_prerequisite_is_reported_with_install_hint() {
    let bogus = "tapdemon-no-such-tool";
    assert_eq!(prereq::missing_tools(&["ovs-vsctl", bogus]), vec![bogus]);
    let msg = prereq::problems(&["ip", bogus]).expect("a missing tool is a problem");
    assert!(msg.contains(bogus), "{msg}");
    assert!(msg.contains("apt-get install"), "{msg}");
    // A real missing OVS tool names its Debian package.
    assert_eq!(prereq::package_for("ovs-vswitchd"), "openvswitch-switch");
    assert_eq!(prereq::package_for("ip"), "iproute2");
    let panic =
        std::panic::catch_unwind(|| prereq::require(&[bogus])).expect_err("require must panic");
    let text = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        text.contains(bogus) && text.contains("apt-get install"),
        "{text}"
    );
}

#[test]
fn dump_flows_parser_reads_ovs_lines() {
    let text = "OFPST_FLOW reply (OF1.3) (xid=0x2):
 cookie=0x55, duration=0.063s, table=0, n_packets=7, n_bytes=686, idle_timeout=60, hard_timeout=120, priority=0 actions=NORMAL
 cookie=0x0, duration=0.035s, table=1, n_packets=0, n_bytes=0, tcp,in_port=4,nw_src=10.0.0.1 actions=output:3,output:7
 cookie=0x0, duration=1.0s, table=0, n_packets=0, n_bytes=0, send_flow_rem priority=5 actions=goto_table:1
";
    let f = parse_dump_flows(text);
    assert_eq!(f.len(), 3);
    assert_eq!(
        (
            f[0].cookie,
            f[0].idle_timeout,
            f[0].hard_timeout,
            f[0].n_packets
        ),
        (0x55, 60, 120, 7)
    );
    assert_eq!(f[0].match_, "");
    assert_eq!((f[1].table, f[1].priority), (1, DEFAULT_PRIORITY));
    assert!(f[1].has_match("in_port=4") && f[1].has_match("tcp"));
    assert_eq!(f[1].output_ports(), vec![3, 7]);
    assert_eq!(f[2].flags, vec!["send_flow_rem".to_string()]);
    assert_eq!((f[2].priority, f[2].actions.as_str()), (5, "goto_table:1"));
}

#[test]
fn seed_topology_exact_names_ports_and_one_explicit_path() {
    let footprint;
    {
        let lab = Lab::seed_topology(None, OfVersions::Both);
        footprint = lab.footprint();
        for (s, dpid) in [
            ("s1", "0000000000000001"),
            ("s2", "0000000000000002"),
            ("s3", "0000000000000003"),
        ] {
            assert!(link_exists(s), "bridge device {s} missing");
            assert!(lab.ofctl(&["show", s]).contains(&format!("dpid:{dpid}")));
        }
        for n in 1..=11 {
            assert!(netns_exists(&format!("h{n}")));
        }
        // Exact ports (add_port already checked each ofport); spot-check the wiring names.
        assert_eq!(lab.host("h8").switch_iface, "s2-eth3");
        assert_eq!(lab.host("h9").port, 4);
        assert_eq!(lab.host("h11").switch_iface, "s3-eth11");
        assert_eq!(lab.host("h11").mac, "00:00:00:00:00:0b");
        assert_eq!(lab.port_iface("s1", 6), "s1-eth6");
        assert_eq!(lab.port_iface("s3", 1), "s3-eth1");
        assert_eq!(lab.port_iface("s3", 10), "s3-eth10");
        assert!(lab.port_ifindex("s2", 4) > 0);

        // One path h1 (s1:1) - s1:6 - s3:1 - s3:6 - s2:6 - s2:1 (h6), both directions.
        for (br, a, b) in [("s1", 1, 6), ("s3", 1, 6), ("s2", 6, 1)] {
            lab.add_flow(br, &format!("priority=10,in_port={a},actions=output:{b}"));
            lab.add_flow(br, &format!("priority=10,in_port={b},actions=output:{a}"));
        }
        assert!(
            lab.ping("h1", "h6", 3, SECS(6)),
            "h1 cannot reach h6 over the explicit path"
        );
        // h2 (s1:2) has no flows: it must not reach h6.
        assert!(
            !lab.ping("h2", "h6", 1, SECS(2)),
            "h2 reached h6 without flows"
        );
    }
    let left = footprint.leftovers();
    assert!(left.is_empty(), "teardown left: {left:?}");
}

#[test]
fn patch_links_and_vswitchd_restart() {
    let mut lab = Lab::new();
    lab.add_bridge("a", 0xa, OfVersions::Of10, None);
    lab.add_bridge("b", 0xb, OfVersions::Of13, None);
    lab.add_host("h1", "a", 1, 1);
    lab.add_host("h2", "b", 1, 2);
    lab.link("a", 2, "b", 2, LinkKind::Patch);
    let setup = |lab: &Lab| {
        lab.add_flow("a", "actions=NORMAL");
        lab.add_flow("b", "actions=NORMAL");
    };
    setup(&lab);
    assert_eq!(
        lab.dump_flows("a").len(),
        1,
        "OF1.0-only bridge is dumped with -O OpenFlow10"
    );
    assert!(lab.ping("h1", "h2", 3, SECS(5)));

    let old = lab.vswitchd_pid().unwrap();
    lab.restart_vswitchd();
    let new = lab.vswitchd_pid().unwrap();
    assert_ne!(old, new);
    assert!(!support::bg::pid_alive(old));
    // No controller: a restarted vswitchd starts with empty tables.
    assert!(lab.dump_flows("b").is_empty());
    setup(&lab);
    lab.flush_arp("h1");
    assert!(
        lab.ping("h1", "h2", 3, SECS(5)),
        "no connectivity after restart"
    );
}

#[test]
fn controller_connection_and_sflow_export() {
    let ctl = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = ctl.local_addr().unwrap().port();
    let collector = UdpSocket::bind("127.0.0.1:0").unwrap();
    collector.set_read_timeout(Some(SECS(1))).unwrap();
    let sflow_port = collector.local_addr().unwrap().port();

    let mut lab = Lab::new();
    lab.add_bridge("s1", 0x2a, OfVersions::Of13, Some(port));
    lab.add_host("h1", "s1", 1, 1);
    lab.add_host("h2", "s1", 2, 2);

    let (mut conn, _) = ctl.accept().unwrap();
    conn.set_read_timeout(Some(SECS(5))).unwrap();
    let mut hello = [0u8; 16];
    conn.read_exact(&mut hello).unwrap();
    // OF1.3-only bridge: HELLO version 4 with a version bitmap {1.3}.
    assert_eq!(&hello[..4], &[0x04, 0x00, 0x00, 0x10]);
    assert_eq!(
        &hello[8..],
        &[0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00, 0x10]
    );
    conn.write_all(&[0x04, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01])
        .unwrap();
    assert!(
        lab.wait_connected("s1", SECS(10)),
        "OVSDB never showed the controller connected"
    );

    lab.enable_sflow("s1", sflow_port, 1, 1);
    lab.add_flow("s1", "actions=NORMAL");
    assert!(lab.ping("h1", "h2", 3, SECS(5)));
    let mut buf = [0u8; 2048];
    let mut got = None;
    support::lab::wait_until(SECS(10), || match collector.recv(&mut buf) {
        Ok(n) => {
            got = Some(buf[..n].to_vec());
            true
        }
        Err(_) => false,
    });
    let datagram = got.expect("no sFlow datagram from OVS within 10 s");
    assert_eq!(&datagram[..4], &[0, 0, 0, 5], "sFlow version 5");
    let decoded = support::tshark::decode_sflow(&[&datagram]);
    assert!(decoded.text.contains("InMon sFlow"), "{}", decoded.text);
    assert!(decoded.real_marks().is_empty(), "{:?}", decoded.marks);
}

#[test]
fn teardown_after_killed_vswitchd_leaves_nothing() {
    let footprint;
    {
        let mut lab = Lab::new();
        lab.add_bridge("s1", 0x1, OfVersions::Both, None);
        lab.add_host("h1", "s1", 1, 1);
        footprint = lab.footprint();
        lab.kill_vswitchd();
        // The netdev bridge is a persistent tap: it outlives its vswitchd.
        assert!(link_exists(&lab.bridge("s1").dev));
    }
    let left = footprint.leftovers();
    assert!(left.is_empty(), "teardown left: {left:?}");
    assert!(!link_exists("ovs-netdev") || support::kernel::tap_in_use("ovs-netdev"));
}
