//! l2_learning against real Open vSwitch (userspace datapath, private daemons; needs root
//! and `openvswitch-switch`: the lab harness fails, never skips, saying what to install).
//!
//! One OF1.0 bridge and one OF1.3 bridge connect to the controller, hosts in namespaces
//! ping through learned flows, `ovs-ofctl dump-flows` shows them, a vswitchd restart
//! reconnects cleanly, and a garbage client does not disturb a real switch.

mod support;

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use proto::DatapathId;
use support::controller::InProcess;
use support::flows::FlowEntry;
use support::lab::{wait_until, Lab, OfVersions};
use tapdemon::switch::Version;

const SECS: fn(u64) -> Duration = Duration::from_secs;

/// The controller on 127.0.0.1:<ephemeral> ([`InProcess`]), with lookups by datapath id.
struct Running(InProcess);

impl std::ops::Deref for Running {
    type Target = InProcess;
    fn deref(&self) -> &InProcess {
        &self.0
    }
}

impl Running {
    fn start() -> Running {
        Running(InProcess::start("[switches]\ns1 = 1\ns2 = 2\n"))
    }

    /// The connection id of `dpid`'s registered session, if connected.
    fn conn(&self, dpid: u64) -> Option<u64> {
        self.handle.switches.get(DatapathId(dpid)).map(|h| h.conn)
    }

    fn version(&self, dpid: u64) -> Option<Version> {
        self.handle
            .switches
            .get(DatapathId(dpid))
            .map(|h| h.info.version)
    }
}

/// s1 (dpid 1, OF1.0): h1 port 1, h2 port 2. s2 (dpid 2, OF1.3 only): h3 port 1, h4 port 2.
fn lab(port: u16) -> Lab {
    let mut lab = Lab::new();
    lab.add_bridge("s1", 1, OfVersions::Of10, Some(port));
    lab.add_bridge("s2", 2, OfVersions::Of13, Some(port));
    lab.add_host("h1", "s1", 1, 1);
    lab.add_host("h2", "s1", 2, 2);
    lab.add_host("h3", "s2", 1, 3);
    lab.add_host("h4", "s2", 2, 4);
    lab
}

fn wait_both_connected(ctl: &Running, lab: &Lab) {
    assert!(
        wait_until(SECS(15), || ctl.conn(1).is_some() && ctl.conn(2).is_some()),
        "bridges did not complete the handshake; vswitchd log:\n{}",
        lab.log_tail("ovs-vswitchd.log", 30)
    );
    assert!(
        lab.wait_connected("s1", SECS(10)),
        "OVSDB: s1 not is_connected"
    );
    assert!(
        lab.wait_connected("s2", SECS(10)),
        "OVSDB: s2 not is_connected"
    );
}

fn mac(n: u8) -> String {
    format!("00:00:00:00:00:{n:02x}")
}

/// The learned flow from host `src` (on `in_port`) to host `dst` (on `out`).
fn learned(flows: &[FlowEntry], in_port: u16, src: u8, dst: u8, out: u32) -> &FlowEntry {
    flows
        .iter()
        .find(|f| {
            f.has_match(&format!("in_port={in_port}"))
                && f.has_match(&format!("dl_src={}", mac(src)))
                && f.has_match(&format!("dl_dst={}", mac(dst)))
        })
        .unwrap_or_else(|| panic!("no learned flow {src} -> {dst} in {flows:#?}"))
        .check(out)
}

trait CheckLearned {
    fn check(&self, out: u32) -> &Self;
}

impl CheckLearned for FlowEntry {
    fn check(&self, out: u32) -> &Self {
        assert_eq!(self.output_ports(), vec![out], "{self:?}");
        assert_eq!(self.idle_timeout, 60, "{self:?}");
        assert_eq!(self.hard_timeout, 0, "{self:?}");
        assert_eq!(self.priority, 0x1000, "{self:?}");
        assert_eq!(self.cookie, 0x4c32, "{self:?}");
        self
    }
}

fn table_miss(flows: &[FlowEntry]) -> Option<&FlowEntry> {
    flows
        .iter()
        .find(|f| f.priority == 0 && f.match_.is_empty() && f.actions == "CONTROLLER:65535")
}

#[test]
fn of10_and_of13_bridges_learn_forward_and_survive_a_vswitchd_restart() {
    let ctl = Running::start();
    let lab = lab(ctl.port);
    wait_both_connected(&ctl, &lab);
    assert_eq!(ctl.version(1), Some(Version::Of10));
    assert_eq!(ctl.version(2), Some(Version::Of13));
    // Hosts were added after the bridges connected: the ports came by PORT_STATUS.
    let ports = |d: u64| {
        let info = ctl.handle.switches.get(DatapathId(d)).unwrap().info;
        info.ports.keys().copied().collect::<Vec<_>>()
    };
    assert!(wait_until(SECS(5), || ports(1) == [1, 2] && ports(2) == [1, 2]));
    let s2 = ctl.handle.switches.get(DatapathId(2)).unwrap().info;
    assert_eq!(s2.id.name.as_deref(), Some("s2"));

    // OF1.3 gets its table-miss flow at connect; OF1.0 needs none.
    assert!(
        wait_until(SECS(5), || table_miss(&lab.dump_flows("s2")).is_some()),
        "{:#?}",
        lab.dump_flows("s2")
    );
    assert!(table_miss(&lab.dump_flows("s1")).is_none());

    assert!(lab.ping("h1", "h2", 3, SECS(10)), "h1 -> h2 through OF1.0");
    assert!(lab.ping("h3", "h4", 3, SECS(10)), "h3 -> h4 through OF1.3");
    let f1 = lab.dump_flows("s1");
    learned(&f1, 1, 1, 2, 2);
    learned(&f1, 2, 2, 1, 1);
    let f2 = lab.dump_flows("s2");
    learned(&f2, 1, 3, 4, 2);
    learned(&f2, 2, 4, 3, 1);

    // Kill -9 and restart ovs-vswitchd: flows are lost, the bridges reconnect with new
    // sessions, and forwarding works again.
    let (old1, old2) = (ctl.conn(1), ctl.conn(2));
    lab.restart_vswitchd();
    assert!(
        wait_until(SECS(20), || {
            let (n1, n2) = (ctl.conn(1), ctl.conn(2));
            n1.is_some() && n2.is_some() && n1 != old1 && n2 != old2
        }),
        "no reconnect after restart; vswitchd log:\n{}",
        lab.log_tail("ovs-vswitchd.log", 30)
    );
    assert!(
        wait_until(SECS(5), || table_miss(&lab.dump_flows("s2")).is_some()),
        "table-miss not reinstalled"
    );
    lab.flush_arp("h1");
    lab.flush_arp("h3");
    assert!(lab.ping("h1", "h2", 3, SECS(10)), "h1 -> h2 after restart");
    assert!(lab.ping("h3", "h4", 3, SECS(10)), "h3 -> h4 after restart");
    learned(&lab.dump_flows("s1"), 1, 1, 2, 2);
    learned(&lab.dump_flows("s2"), 1, 3, 4, 2);
}

#[test]
fn real_switch_keeps_forwarding_while_a_garbage_client_connects() {
    let ctl = Running::start();
    let lab = lab(ctl.port);
    wait_both_connected(&ctl, &lab);
    assert!(lab.ping("h1", "h2", 2, SECS(10)));
    let conn = ctl.conn(1);
    // Force traffic through the controller again: OF1.0 OVS sends table misses to it.
    lab.del_flows("s1");
    let port = ctl.port;
    let garbage = std::thread::spawn(move || {
        for i in 0..20u8 {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: tapdemon\r\n\r\n");
                let _ = s.write_all(&[4, 0, 0, 0, i, i, i, i]);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    lab.flush_arp("h1");
    let got = lab.ping_received("h1", "h2", 5, SECS(15));
    garbage.join().unwrap();
    assert_eq!(got, 5, "pings lost while garbage clients connected");
    // Same session throughout, and the flows were learned again.
    assert_eq!(ctl.conn(1), conn);
    learned(&lab.dump_flows("s1"), 1, 1, 2, 2);
    assert!(!ctl.shutdown.is_cancelled());
}

#[test]
fn port_down_removes_flows_toward_it_and_port_up_relearns() {
    let ctl = Running::start();
    let lab = lab(ctl.port);
    wait_both_connected(&ctl, &lab);
    for (bridge, a, b, na, nb) in [("s1", "h1", "h2", 1, 2), ("s2", "h3", "h4", 3, 4)] {
        assert!(lab.ping(a, b, 2, SECS(10)), "{a} -> {b}");
        learned(&lab.dump_flows(bridge), 1, na, nb, 2);
        let dev = lab.bridge(bridge).dev.clone();
        let proto = lab.bridge(bridge).versions.ofctl_protocol();
        // OFPPC_PORT_DOWN on port 2: a PORT_STATUS to the controller, which deletes the
        // flows toward and from port 2.
        lab.ofctl(&["-O", proto, "mod-port", &dev, "2", "down"]);
        let touches_2 = |f: &FlowEntry| f.output_ports() == [2] || f.has_match("in_port=2");
        assert!(
            wait_until(SECS(5), || !lab.dump_flows(bridge).iter().any(touches_2)),
            "{bridge}: flows via port 2 left: {:#?}",
            lab.dump_flows(bridge)
        );
        let info = ctl
            .handle
            .switches
            .get(DatapathId(lab.bridge(bridge).dpid))
            .unwrap()
            .info;
        assert!(info.ports[&2].admin_down, "{info:?}");
        // Back up: flooding finds the host again and the flows are learned anew.
        lab.ofctl(&["-O", proto, "mod-port", &dev, "2", "up"]);
        lab.flush_arp(a);
        assert!(lab.ping(a, b, 3, SECS(10)), "{a} -> {b} after port up");
        learned(&lab.dump_flows(bridge), 1, na, nb, 2);
    }
}
