#!/usr/bin/env bash
# Browser test of the web page (issue 6): builds tapdemon, runs it with the PyTapDEMon seed
# topology on a private OVS (mininet/seed_topology.sh), and drives Debian's headless
# Chromium with playwright-core (tests/browser/topology.test.mjs): s1, s2, s3 and the links
# are drawn, a tap is created by clicking a port and its flows are checked on the switch
# with ovs-ofctl, then removed; the ports table shows live rates from polled port-stats.
# Screenshots: $ARTIFACT_DIR/browser/*.png (paths printed).
#
# Needs root, openvswitch-switch, iproute2, ethtool, node + npm, chromium (installed with
# apt-get when missing unless CI_SKIP_INSTALL=1). seed_topology.sh takes the lab lock
# (/tmp/tapdemon-lab.lock); this script holds it for the whole run (the seed topology uses
# the lab tests' fixed names and the one ovs-netdev device), like mininet/demo.sh.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
artifacts="${ARTIFACT_DIR:-$root/artifacts}/browser"
target="${CARGO_TARGET_DIR:-$root/target}"

fail() { echo "browser test: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (network namespaces, OVS)"
for t in node npm ovs-vsctl ovs-ofctl ovsdb-server ovs-vswitchd ip ethtool curl flock python3; do
    command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] ||
        fail "$t missing: apt-get install nodejs npm openvswitch-switch iproute2 ethtool curl util-linux python3"
done
if [ ! -x /usr/bin/chromium ]; then
    [ "${CI_SKIP_INSTALL:-0}" = 1 ] && fail "/usr/bin/chromium missing: apt-get install chromium"
    apt-get install -y chromium >/dev/null || fail "apt-get install chromium failed"
fi

# playwright-core only: it never downloads a browser (it drives /usr/bin/chromium).
(cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
cargo build --quiet --bin tapdemon
bin="$target/debug/tapdemon"

# The lab lock, for the whole run (after the builds, which need no lock). Everything started
# below gets fd 9 closed, so nothing outlives this script holding it.
exec 9>/tmp/tapdemon-lab.lock
echo "waiting for the lab lock (/tmp/tapdemon-lab.lock)"
flock 9
export TAPDEMON_LAB_LOCK_HELD=1

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
of_port="$(free_port)"
rest_port="$(free_port)"
work="$(mktemp -d /tmp/tapdemon-browser.XXXXXX)"
mkdir -p "$artifacts"

pid=""
cleanup() {
    set +e
    SEED_DIR="$work/ovs" bash mininet/seed_topology.sh down >/dev/null 2>&1
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        wait "$pid" 2>/dev/null
    fi
    cp "$work/tapdemon.log" "$artifacts/tapdemon.log" 2>/dev/null && echo "ARTIFACT log: $artifacts/tapdemon.log"
    rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/tapdemon.toml" <<EOF
[switches]
s1 = 1
s2 = 2
s3 = 3

[l2_learning]
enabled = false            # parallel uplinks: no flooding in the seed topology

[rest]
listen = "127.0.0.1:$rest_port"
# The page's live rates show within seconds. Not 1 or 2: LLDP probes cross each uplink every
# 2 s, so 1-s windows alternate between traffic and none, and the page (polling every 2 s)
# can sample only the empty ones for as long as it likes; every 3-s window holds a probe.
port_stats_interval_secs = 3
EOF
"$bin" check-config "$work/tapdemon.toml"
TAPDEMON_STATE_FILE="$work/state.json" "$bin" run --config "$work/tapdemon.toml" --listen "127.0.0.1:$of_port" >"$work/tapdemon.log" 2>&1 9>&- &
pid=$!
for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$rest_port/api/switches" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/tapdemon.log" >&2; fail "tapdemon exited"; }
    sleep 0.1
done
SEED_DIR="$work/ovs" bash mininet/seed_topology.sh up "$of_port" OpenFlow10,OpenFlow13
for _ in $(seq 100); do
    n="$(curl -fsS "http://127.0.0.1:$rest_port/api/switches" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
    [ "$n" = 3 ] && break
    sleep 0.2
done
[ "$n" = 3 ] || fail "only $n of 3 switches connected"

TAPDEMON_URL="http://127.0.0.1:$rest_port" ARTIFACT_DIR="$artifacts" \
    OVS_RUNDIR="$work/ovs" OVS_LOGDIR="$work/ovs" OVS_DBDIR="$work/ovs" OVS_SYSCONFDIR="$work/ovs" \
    node tests/browser/topology.test.mjs 9>&-
