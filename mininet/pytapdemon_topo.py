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

or run it directly (`python3 mininet/pytapdemon_topo.py`), which also turns on sFlow towards
tapdemon's embedded collector and TCP checksum offload off in every host (TCP hangs on the
userspace datapath otherwise), then opens the Mininet CLI.

Never run `mn -c` on a shared machine: its cleanup kills processes by name and deletes every
OVS bridge. This script stops only what it started (`net.stop()`).
"""

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


def main():
    from functools import partial

    from mininet.cli import CLI
    from mininet.log import setLogLevel
    from mininet.net import Mininet
    from mininet.node import OVSSwitch, RemoteController

    setLogLevel("info")
    switch = partial(OVSSwitch, datapath="user", protocols="OpenFlow10,OpenFlow13")
    controller = RemoteController("c0", ip="127.0.0.1", port=6653)
    net = Mininet(topo=PyTapDEMonTopo(), switch=switch, controller=controller, autoSetMacs=False)
    net.start()
    try:
        for host in net.hosts:
            host.cmd("ethtool -K %s-eth0 tx off" % host.name)
        for sw in net.switches:
            sw.cmd(
                "ovs-vsctl -- --id=@s create sFlow agent=lo target='\"127.0.0.1:6343\"' "
                "header=128 sampling=1 polling=10 -- set bridge %s sflow=@s" % sw.name
            )
        CLI(net)
    finally:
        net.stop()


if __name__ == "__main__":
    main()
