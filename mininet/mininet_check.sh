#!/usr/bin/env bash
# CI's Mininet check: mininet/pytapdemon_topo.py --check against a tapdemon started here with
# mininet/pytapdemon.toml, on a private Open vSwitch (userspace datapath).
#
#   bash mininet/mininet_check.sh        # as root; TAPDEMON_BIN=path to use a built binary
#
# It holds the lab lock (/tmp/tapdemon-lab.lock) for its whole run, so it never overlaps
# with the lab tests (same switch and interface names, one ovs-netdev per machine). It
# stops only what it started, by PID: tapdemon, and the private ovsdb-server and
# ovs-vswitchd (their pidfiles); Mininet removes its own switches and links (net.stop()).
# Never `mn -c`: its cleanup kills processes by name and deletes every bridge.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[ "$(id -u)" -eq 0 ] || { echo "run as root (Mininet and Open vSwitch need it)" >&2; exit 1; }
py=/usr/bin/python3 # Debian's mininet package installs into the system Python
"$py" -c 'import mininet.net' 2>/dev/null || { echo "Mininet missing: apt-get install mininet" >&2; exit 1; }
for t in ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ethtool; do
    command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] ||
        { echo "$t missing: apt-get install openvswitch-switch ethtool" >&2; exit 1; }
done

bin="${TAPDEMON_BIN:-}"
if [ -z "$bin" ]; then
    cargo build --quiet --bin tapdemon
    bin="${CARGO_TARGET_DIR:-$root/target}/debug/tapdemon"
fi

exec 9>/tmp/tapdemon-lab.lock
echo "waiting for the lab lock"
flock 9
# The tapdemon-lab- prefix: if this script is SIGKILLed, the next lab test stops the daemons
# named in these pidfiles (it checks their command lines) and deletes the links listed.
dir="$(mktemp -d /tmp/tapdemon-lab-mininet.XXXXXX)"
export OVS_RUNDIR="$dir" OVS_LOGDIR="$dir" OVS_DBDIR="$dir" OVS_SYSCONFDIR="$dir"
for s in 1 2 3; do for p in $(seq 1 11); do echo "link s$s-eth$p"; done; echo "tap s$s"; done >"$dir/lab-objects"
echo "tap ovs-netdev" >>"$dir/lab-objects"

pid=""
cleanup() {
    set +e
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
    for d in ovs-vswitchd ovsdb-server; do
        [ -f "$dir/$d.pid" ] || continue
        p="$(cat "$dir/$d.pid")"
        if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "$dir"; then kill "$p"; fi
    done
    sleep 0.5
    [ "${status:-1}" -eq 0 ] || { echo "--- tapdemon log ---"; tail -n 40 "$dir/tapdemon.log"; }
    rm -rf "$dir"
}
trap cleanup EXIT

# Daemons with fd 9 closed: an inherited descriptor would hold the lock while they run.
ovsdb-tool create "$dir/conf.db" /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server "$dir/conf.db" --remote="punix:$dir/db.sock" --pidfile="$dir/ovsdb-server.pid" \
    --log-file="$dir/ovsdb-server.log" --no-chdir --detach -vconsole:off 9>&-
ovs-vsctl --no-wait init
ovs-vswitchd "unix:$dir/db.sock" --pidfile="$dir/ovs-vswitchd.pid" \
    --log-file="$dir/ovs-vswitchd.log" --no-chdir --detach -vconsole:off 9>&-

TAPDEMON_STATE_FILE="$dir/state.json" "$bin" run --config mininet/pytapdemon.toml >"$dir/tapdemon.log" 2>&1 9>&- &
pid=$!
for _ in $(seq 1 50); do
    (exec 3<>/dev/tcp/127.0.0.1/6653) 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || { echo "tapdemon exited at start" >&2; exit 1; }
    sleep 0.1
done

status=0
"$py" mininet/pytapdemon_topo.py --check --controller-port 6653 --sflow-port 6343 || status=$?
kill -0 "$pid" 2>/dev/null || { echo "tapdemon died during the check" >&2; status=1; }
exit "$status"
