//! Building lab topologies: bridges, hosts, links, the seed topology.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;

use super::kernel::{
    check_ifname, delete_link, delete_netns, disable_ipv6, ip, link_exists, run_quiet, MANIFEST,
};
use super::lab::{Bridge, BridgeSpec, Host, Lab, LinkKind, OfVersions};
use super::prereq;
use std::process::Command;

impl Lab {
    /// The PyTapDEMon seed topology with exact names (see `mininet/seed_topology.md`):
    /// s1 (dpid 1) h1..h5 on ports 1..5, uplinks 6..10 to s3 ports 1..5; s2 (dpid 2) h6..h10
    /// on ports 1..5, uplinks 6..10 to s3 ports 6..10; s3 (dpid 3) h11 on port 11.
    /// Uplinks are veth pairs, as in Mininet. Bridges point at `tcp:127.0.0.1:PORT` when
    /// `controller_port` is given. The uplinks are parallel: flooding loops, so without a
    /// controller install explicit flows.
    pub fn seed_topology(controller_port: Option<u16>, versions: OfVersions) -> Lab {
        let mut lab = Lab::exact();
        for (name, dpid) in [("s1", 1), ("s2", 2), ("s3", 3)] {
            lab.add_bridge(name, dpid, versions, controller_port);
        }
        for n in 1..=5u8 {
            lab.add_host(&format!("h{n}"), "s1", u16::from(n), n);
        }
        for n in 6..=10u8 {
            lab.add_host(&format!("h{n}"), "s2", u16::from(n) - 5, n);
        }
        lab.add_host("h11", "s3", 11, 11);
        for i in 1..=5u16 {
            lab.link("s1", 5 + i, "s3", i, LinkKind::Veth);
        }
        for i in 1..=5u16 {
            lab.link("s2", 5 + i, "s3", 5 + i, LinkKind::Veth);
        }
        lab
    }

    /// A netdev bridge with `fail_mode=secure`, `disable-in-band`, the given datapath id
    /// and versions, pointed at `tcp:127.0.0.1:PORT` when `controller_port` is given
    /// (controller and fail mode are set in the same transaction, before any flow).
    pub fn add_bridge(
        &mut self,
        name: &str,
        dpid: u64,
        versions: OfVersions,
        controller_port: Option<u16>,
    ) {
        let mut spec = BridgeSpec::new(name, dpid, versions);
        if let Some(p) = controller_port {
            spec = spec.controller_port(p);
        }
        self.add_bridge_spec(spec);
    }

    /// A bridge as `spec` says. Fails if OVS reports an error setting it up (e.g. a
    /// foreign netdev vswitchd holds `ovs-netdev`).
    pub fn add_bridge_spec(&mut self, spec: BridgeSpec) {
        let dev = self.real_name(&spec.name);
        check_ifname(&format!("{dev}-eth99"));
        if link_exists(&dev) {
            run_quiet(Command::new(prereq::tool("ip")).args(["link", "del", &dev]));
            assert!(
                !link_exists(&dev),
                "device {dev} exists and cannot be deleted: another switch uses this name"
            );
        }
        let mut line = format!(
            "--timeout=30 add-br {dev} -- set bridge {dev} datapath_type=netdev fail_mode={} protocols={} \
             other-config:datapath-id={:016x} other-config:disable-in-band=true",
            spec.fail_mode,
            spec.versions.protocols(),
            spec.dpid
        );
        if !spec.controllers.is_empty() {
            line += &format!(" -- set-controller {dev} {}", spec.controllers.join(" "));
        }
        let out = self
            .ovs_command("ovs-vsctl")
            .args(line.split_whitespace())
            .output()
            .expect("run ovs-vsctl");
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() || stderr.contains("Error detected") {
            panic!(
                "creating bridge {dev} failed: {stderr}\n--- ovs-vswitchd.log ---\n{}",
                self.log_tail("ovs-vswitchd.log", 20)
            );
        }
        // Netdev bridges are persistent tap devices: they outlive a killed vswitchd.
        self.record(&format!("tap {dev}"));
        self.record("tap ovs-netdev");
        self.bridges.push(Bridge {
            name: spec.name,
            dev,
            dpid: spec.dpid,
            versions: spec.versions,
        });
    }

    /// Host `name` = namespace with `<name>-eth0` (10.0.0.N/24, MAC 00:00:00:00:00:NN hex,
    /// IPv6 off, TX checksum offload off, own resolv.conf and hosts) joined to `bridge` at
    /// OpenFlow port `port` through the veth end `<bridge dev>-eth<port>`.
    pub fn add_host(&mut self, name: &str, bridge: &str, port: u16, n: u8) {
        let b = self.bridge(bridge).clone();
        let ns = self.real_name(name);
        let iface = format!("{name}-eth0");
        let sw = format!("{}-eth{port}", b.dev);
        check_ifname(&iface);
        check_ifname(&sw);
        let addr = format!("10.0.0.{n}");
        let mac = format!("00:00:00:00:00:{n:02x}");
        delete_netns(&ns);
        delete_link(&sw);
        self.record(&format!("netns {ns}"));
        self.record(&format!("link {sw}"));
        ip(&format!("netns add {ns}"));
        // `ip netns exec` bind-mounts these over /etc: the machine's resolver sits in
        // 10.0.0.0/8, and a lookup from a host (http.server does one) would stall.
        let etc = Path::new("/etc/netns").join(&ns);
        fs::create_dir_all(&etc).expect("create /etc/netns/NAME");
        fs::write(etc.join("resolv.conf"), "nameserver 127.0.0.1\n").expect("write resolv.conf");
        fs::write(
            etc.join("hosts"),
            format!("127.0.0.1 localhost\n{addr} {name}\n"),
        )
        .expect("write hosts");
        // IPv6 off before the interface arrives, so it never sends ND/MLD noise.
        ip(&format!(
            "netns exec {ns} sysctl -q -w net.ipv6.conf.all.disable_ipv6=1"
        ));
        ip(&format!(
            "netns exec {ns} sysctl -q -w net.ipv6.conf.default.disable_ipv6=1"
        ));
        ip(&format!(
            "link add {sw} type veth peer name {iface} netns {ns}"
        ));
        self.devices.push(sw.clone());
        ip(&format!("-n {ns} link set {iface} address {mac}"));
        ip(&format!("-n {ns} addr add {addr}/24 dev {iface}"));
        ip(&format!("-n {ns} link set lo up"));
        ip(&format!("-n {ns} link set {iface} up"));
        disable_ipv6(&sw);
        ip(&format!("link set {sw} up"));
        // Without this the veth leaves TCP checksums to an offload that the userspace
        // datapath never performs, and TCP hangs.
        ip(&format!("netns exec {ns} ethtool -K {iface} tx off"));
        self.add_port(&b.name, &sw, port, &[]);
        self.hosts.push(Host {
            name: name.to_string(),
            ns,
            ip: addr,
            mac,
            iface,
            bridge: b.name,
            port,
            switch_iface: sw,
        });
    }

    /// Join `a` port `pa` to `b` port `pb`: interfaces `<a dev>-eth<pa>` and `<b dev>-eth<pb>`.
    pub fn link(&mut self, a: &str, pa: u16, b: &str, pb: u16, kind: LinkKind) {
        let (ba, bb) = (self.bridge(a).clone(), self.bridge(b).clone());
        let ia = format!("{}-eth{pa}", ba.dev);
        let ib = format!("{}-eth{pb}", bb.dev);
        check_ifname(&ia);
        check_ifname(&ib);
        match kind {
            LinkKind::Veth => {
                delete_link(&ia);
                delete_link(&ib);
                self.record(&format!("link {ia}"));
                self.record(&format!("link {ib}"));
                ip(&format!("link add {ia} type veth peer name {ib}"));
                self.devices.push(ia.clone());
                self.devices.push(ib.clone());
                for i in [&ia, &ib] {
                    disable_ipv6(i);
                    ip(&format!("link set {i} up"));
                }
                self.add_port(&ba.name, &ia, pa, &[]);
                self.add_port(&bb.name, &ib, pb, &[]);
            }
            LinkKind::Patch => {
                let (peer_b, peer_a) = (format!("options:peer={ib}"), format!("options:peer={ia}"));
                self.add_port(&ba.name, &ia, pa, &["type=patch", &peer_b]);
                self.add_port(&bb.name, &ib, pb, &["type=patch", &peer_a]);
            }
        }
    }

    /// Add `iface` to `bridge` as OpenFlow port `port` and check OVS honoured the number.
    fn add_port(&mut self, bridge: &str, iface: &str, port: u16, extra: &[&str]) {
        let dev = self.bridge(bridge).dev.clone();
        let req = format!("ofport_request={port}");
        let mut args = vec![
            "add-port",
            &dev,
            iface,
            "--",
            "set",
            "interface",
            iface,
            &req,
        ];
        args.extend_from_slice(extra);
        self.vsctl(&args);
        let got = self.vsctl(&["get", "interface", iface, "ofport"]);
        assert_eq!(
            got,
            port.to_string(),
            "{iface} got OpenFlow port {got}, wanted {port}"
        );
        self.ports
            .push((bridge.to_string(), port, iface.to_string()));
    }

    pub(super) fn record(&self, line: &str) {
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path(MANIFEST))
            .expect("open lab manifest");
        writeln!(f, "{line}").expect("write lab manifest");
    }
}
