#!/usr/bin/env python3
"""The PyTapDEMon seed topology for Mininet, pointed at tapdemon.

    s1 (dpid 1): h1..h5 on ports 1..5, uplinks on ports 6..10 to s3 ports 1..5
    s2 (dpid 2): h6..h10 on ports 1..5, uplinks on ports 6..10 to s3 ports 6..10
    s3 (dpid 3): h11 (the capture host) on port 11

hN = 10.0.0.N/24, MAC 00:00:00:00:00:NN.

Use it either as a custom topology:

    mn --custom mininet/pytapdemon_topo.py --topo pytapdemon \
       --switch ovs,datapath=user,protocols=OpenFlow10,OpenFlow13 \
       --controller remote,ip=127.0.0.1,port=6653 --mac

or run it directly (`/usr/bin/python3 mininet/pytapdemon_topo.py`: Debian's Mininet lives in
the system Python), which also turns on sFlow towards tapdemon's embedded collector and TCP
checksum offload off in every host (TCP hangs on the userspace datapath otherwise), then opens
the Mininet CLI. Start tapdemon first: `tapdemon run --config mininet/pytapdemon.toml`.

`--check` (what CI runs, through `mininet/mininet_check.sh`) builds the same network, checks
the static part of the scenario without a human (every switch connected; h1<->h2, h3<->h4
and h6<->h7 through their patches; h8 cannot reach h9, whose patch only the web trigger
opens), stops the network and exits 0, or 1 naming what failed.

Never run `mn -c` on a shared machine: its cleanup kills processes by name and deletes every
OVS bridge. This script stops only what it started (`net.stop()`).
"""

import sys
import time

from mininet.topo import Topo


class PyTapDEMonTopo(Topo):
    """Exact port numbers, as in PyTapDEMON_topo.py."""

    def build(self):
        s1 = self.addSwitch("s1", dpid="0000000000000001")
        s2 = self.addSwitch("s2", dpid="0000000000000002")
        s3 = self.addSwitch("s3", dpid="0000000000000003")
        for n in range(1, 11):
            host = self.addHost("h%d" % n, ip="10.0.0.%d/24" % n, mac="00:00:00:00:00:%02x" % n)
            switch, port = (s1, n) if n <= 5 else (s2, n - 5)
            self.addLink(host, switch, port2=port)
        h11 = self.addHost("h11", ip="10.0.0.11/24", mac="00:00:00:00:00:0b")
        self.addLink(h11, s3, port2=11)
        for i in range(1, 6):
            self.addLink(s1, s3, port1=5 + i, port2=i)
            self.addLink(s2, s3, port1=5 + i, port2=5 + i)


topos = {"pytapdemon": PyTapDEMonTopo}


def build_net(controller_port):
    from functools import partial

    from mininet.net import Mininet
    from mininet.node import OVSSwitch, RemoteController

    # --switch ovs,datapath=user,protocols=OpenFlow10,OpenFlow13 (no kernel module here).
    switch = partial(OVSSwitch, datapath="user", protocols="OpenFlow10,OpenFlow13")
    controller = RemoteController("c0", ip="127.0.0.1", port=controller_port)
    # build=False: nothing exists until net.build(), which callers run inside their
    # try/finally, so net.stop() removes whatever a failed build left behind.
    return Mininet(
        topo=PyTapDEMonTopo(),
        switch=switch,
        controller=controller,
        autoSetMacs=False,
        build=False,
    )


def prepare(net, sflow_port):
    for host in net.hosts:
        host.cmd("ethtool -K %s-eth0 tx off" % host.name)
    for sw in net.switches:
        sw.cmd(
            "ovs-vsctl -- --id=@s create sFlow agent=lo target='\"127.0.0.1:%d\"' "
            "header=128 sampling=1 polling=10 -- set bridge %s sflow=@s" % (sflow_port, sw.name)
        )


def reaches(net, a, b, tries):
    """Does host a ping host b (one ping, up to `tries` attempts a second apart)?"""
    src, dst = net.get(a), net.get(b)
    for _ in range(tries):
        out = src.cmd("ping -c 1 -W 1 %s" % dst.IP())
        if " 0% packet loss" in out:
            return True
        time.sleep(1)
    return False


def check(controller_port, sflow_port):
    """The scenario's static part on Mininet; returns the list of failures."""
    failures = []
    net = build_net(controller_port)
    try:
        net.build()
        net.start()
        prepare(net, sflow_port)
        if not net.waitConnected(timeout=20):
            failures.append("not every switch connected to tapdemon on port %d" % controller_port)
        for sw in net.switches:
            flows = sw.cmd("ovs-ofctl -O OpenFlow13 dump-flows %s" % sw.name).count("cookie=")
            print("%s: %d flows from tapdemon" % (sw.name, flows))
            if flows == 0:
                failures.append("tapdemon installed no flow on %s" % sw.name)
        for a, b in (("h1", "h2"), ("h3", "h4"), ("h6", "h7")):
            ok = reaches(net, a, b, 15)
            print("%s -> %s through its patch: %s" % (a, b, "ok" if ok else "FAILED"))
            if not ok:
                failures.append("%s cannot reach %s" % (a, b))
        cut = not reaches(net, "h8", "h9", 2)
        print("h8 -> h9 before any web traffic: %s" % ("no path (ok)" if cut else "REACHED"))
        if not cut:
            failures.append("h8 reaches h9 without the web trigger")
    finally:
        net.stop()
    return failures


def main():
    import argparse

    from mininet.log import setLogLevel

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="check the static scenario and exit")
    parser.add_argument("--controller-port", type=int, default=6653)
    parser.add_argument("--sflow-port", type=int, default=6343)
    args = parser.parse_args()
    if args.check:
        setLogLevel("warning")
        failures = check(args.controller_port, args.sflow_port)
        for f in failures:
            print("FAILED: " + f)
        print("mininet check: " + ("ok" if not failures else "%d failure(s)" % len(failures)))
        sys.exit(1 if failures else 0)
    from mininet.cli import CLI

    setLogLevel("info")
    net = build_net(args.controller_port)
    try:
        net.build()
        net.start()
        prepare(net, args.sflow_port)
        CLI(net)
    finally:
        net.stop()


if __name__ == "__main__":
    main()
