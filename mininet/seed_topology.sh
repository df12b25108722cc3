#!/usr/bin/env bash
# The PyTapDEMon seed topology without Mininet (see seed_topology.md), for manual runs.
#   bash mininet/seed_topology.sh up [CONTROLLER_PORT] [PROTOCOLS]   # e.g. up 6653 OpenFlow10,OpenFlow13
#   bash mininet/seed_topology.sh down
# Private OVS instance in $SEED_DIR (default /tmp/tapdemon-seed); daemons are stopped by
# the PIDs in their pidfiles. Needs root, openvswitch-switch, iproute2, ethtool.
set -euo pipefail

dir="${SEED_DIR:-/tmp/tapdemon-seed}"
export OVS_RUNDIR="$dir" OVS_LOGDIR="$dir" OVS_DBDIR="$dir" OVS_SYSCONFDIR="$dir"
hosts=(h1 h2 h3 h4 h5 h6 h7 h8 h9 h10 h11)

up() {
    local port="${1:-}" protocols="${2:-OpenFlow10,OpenFlow13}"
    for t in ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ip ethtool; do
        command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] ||
            { echo "$t missing: apt-get install openvswitch-switch iproute2 ethtool" >&2; exit 1; }
    done
    [ ! -e "$dir/ovs-vswitchd.pid" ] || { echo "already up ($dir); run: $0 down" >&2; exit 1; }
    mkdir -p "$dir"
    ovsdb-tool create "$dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
    ovsdb-server "$dir/conf.db" --remote="punix:$dir/db.sock" --pidfile="$dir/ovsdb-server.pid" \
        --log-file="$dir/ovsdb-server.log" --no-chdir --detach -vconsole:off 9>&-
    ovs-vsctl --no-wait init
    ovs-vswitchd "unix:$dir/db.sock" --pidfile="$dir/ovs-vswitchd.pid" \
        --log-file="$dir/ovs-vswitchd.log" --no-chdir --detach -vconsole:off 9>&-
    for n in 1 2 3; do
        local ctl=()
        [ -z "$port" ] || ctl=(-- set-controller "s$n" "tcp:127.0.0.1:$port")
        ovs-vsctl add-br "s$n" -- set bridge "s$n" datapath_type=netdev fail_mode=secure \
            "protocols=$protocols" "other-config:datapath-id=000000000000000$n" \
            other-config:disable-in-band=true "${ctl[@]}"
    done
    host() { # host N SWITCH PORT
        local h="h$1" sw="$2-eth$3"
        ip netns add "$h"
        mkdir -p "/etc/netns/$h"
        echo "nameserver 127.0.0.1" >"/etc/netns/$h/resolv.conf"
        printf '127.0.0.1 localhost\n10.0.0.%s %s\n' "$1" "$h" >"/etc/netns/$h/hosts"
        ip netns exec "$h" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
        ip link add "$sw" type veth peer name "$h-eth0" netns "$h"
        ip -n "$h" link set "$h-eth0" address "$(printf '00:00:00:00:00:%02x' "$1")"
        ip -n "$h" addr add "10.0.0.$1/24" dev "$h-eth0"
        ip -n "$h" link set lo up
        ip -n "$h" link set "$h-eth0" up
        ip link set "$sw" up
        ip netns exec "$h" ethtool -K "$h-eth0" tx off >/dev/null
        ovs-vsctl add-port "$2" "$sw" -- set interface "$sw" "ofport_request=$3"
    }
    uplink() { # uplink SWITCH PORT S3PORT
        ip link add "$1-eth$2" type veth peer name "s3-eth$3"
        ip link set "$1-eth$2" up
        ip link set "s3-eth$3" up
        ovs-vsctl add-port "$1" "$1-eth$2" -- set interface "$1-eth$2" "ofport_request=$2" \
            -- add-port s3 "s3-eth$3" -- set interface "s3-eth$3" "ofport_request=$3"
    }
    for i in 1 2 3 4 5; do
        host "$i" s1 "$i"
        host "$((i + 5))" s2 "$i"
        uplink s1 "$((i + 5))" "$i"
        uplink s2 "$((i + 5))" "$((i + 5))"
    done
    host 11 s3 11
    echo "seed topology up in $dir${port:+, controller tcp:127.0.0.1:$port} ($protocols)"
}

down() {
    for n in 1 2 3; do ovs-vsctl --timeout=5 --if-exists del-br "s$n" 2>/dev/null || true; done
    for d in ovs-vswitchd ovsdb-server; do
        if [ -f "$dir/$d.pid" ]; then
            pid="$(cat "$dir/$d.pid")"
            # Only our daemon: its command line names our directory.
            if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$dir"; then kill "$pid"; fi
        fi
    done
    for h in "${hosts[@]}"; do
        ip netns del "$h" 2>/dev/null || true
        rm -rf "/etc/netns/$h"
    done
    for s in s1 s2 s3; do
        for p in $(seq 1 11); do ip link del "$s-eth$p" 2>/dev/null || true; done
    done
    rm -rf "$dir"
    echo "seed topology down"
}

# Serialise with the lab tests while building or removing (they share names and ovs-netdev).
# The daemons are started with fd 9 closed: an inherited descriptor would hold the lock
# for as long as they run. A caller that holds the lock already (mininet/demo.sh) says so.
if [ -z "${TAPDEMON_LAB_LOCK_HELD:-}" ]; then
    exec 9>/tmp/tapdemon-lab.lock
    flock 9
fi
case "${1:-}" in
up) shift; up "$@" ;;
down) down ;;
*) echo "usage: $0 up [CONTROLLER_PORT] [PROTOCOLS] | down" >&2; exit 2 ;;
esac
