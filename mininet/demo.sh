#!/usr/bin/env bash
# The PyTapDEMon seed scenario, live, with tapdemon on its embedded defaults (embedded sFlow
# collector, no sFlow-RT): builds the seed topology on a private Open vSwitch, runs
# `tapdemon run --config mininet/pytapdemon.toml`, and walks through what the 2013 prototype did:
#
#   1. static patches: h1<->h2, h3<->h4, h6<->h7 reach each other;
#   2. static taps: h11 (s3 port 11) sees h1's and h7's traffic, not h3's or h4's;
#   3. before any web traffic, h8 cannot reach h9;
#   4. h2 fetches a page from a web server on h1; sFlow shows it to the collector, the `web`
#      threshold fires, and the `web` trigger opens h8<->h9 and mirrors h9 to h11;
#   5. h8 pings h9 and h11 captures that ICMP; s2's flows carry the hard timeout.
#
# Usage (as root, on Debian):  bash mininet/demo.sh [--keep | --down]
# It installs the packages it needs, builds the release binary, and removes everything it
# created when it ends (also on Ctrl-C). Exit status 0 = every step behaved as expected.
#   --keep  leave the topology and tapdemon running afterwards, to explore (web page on
#           http://127.0.0.1:8080/, `ip netns exec h8 ping 10.0.0.9`, `ovs-ofctl dump-flows s2`)
#   --down  stop what a --keep run left running (tapdemon by its recorded PID, the topology)
set -euo pipefail

keep=0
case "${1:-}" in
"") ;;
--keep) keep=1 ;;
--down) down=1 ;;
*) echo "usage: bash mininet/demo.sh [--keep | --down]" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export SEED_DIR="${SEED_DIR:-/tmp/tapdemon-seed}"
export OVS_RUNDIR="$SEED_DIR" OVS_LOGDIR="$SEED_DIR" OVS_DBDIR="$SEED_DIR" OVS_SYSCONFDIR="$SEED_DIR"

if [ "${down:-0}" = 1 ]; then
    # Only the PID this script recorded: never anything found by name.
    if [ -f "$SEED_DIR/tapdemon.pid" ]; then
        kill "$(cat "$SEED_DIR/tapdemon.pid")" 2>/dev/null || true
        rm -f "$SEED_DIR/tapdemon.pid"
    fi
    bash "$root/mininet/seed_topology.sh" down
    echo "demo stopped"
    exit 0
fi

work="$(mktemp -d /tmp/tapdemon-demo.XXXXXX)"
failures=0
kept=0

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ok() { printf '   ok: %s\n' "$*"; }
bad() { printf '   UNEXPECTED: %s\n' "$*"; failures=$((failures + 1)); }
in_ns() { local h="$1"; shift; ip netns exec "$h" "$@"; }
pings() { in_ns "$1" ping -c "${3:-2}" -W 1 -i 0.2 "10.0.0.${2#h}" >/dev/null 2>&1; }

if [ "$(id -u)" -ne 0 ]; then
    echo "run as root (network namespaces and Open vSwitch need it)" >&2
    exit 1
fi
need=()
for t in ovs-vswitchd:openvswitch-switch tcpdump:tcpdump ethtool:ethtool curl:curl \
    python3:python3 ping:iputils-ping ip:iproute2; do
    command -v "${t%%:*}" >/dev/null 2>&1 || need+=("${t#*:}")
done
if [ "${#need[@]}" -gt 0 ]; then
    say "installing ${need[*]}"
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi
command -v cargo >/dev/null || { echo "cargo missing: install Rust with rustup" >&2; exit 1; }

# TAPDEMON_BIN: use an already built binary (CI runs the demo on its debug build).
bin="${TAPDEMON_BIN:-}"
if [ -z "$bin" ]; then
    say "building tapdemon (release)"
    cargo build --release --quiet
    bin=./target/release/tapdemon
fi

# The lab lock, for the whole run: the lab tests (tests/support) and the Mininet check use
# the same switch and interface names and the one ovs-netdev device. Everything started
# below gets fd 9 closed, so nothing outlives us holding it.
exec 9>/tmp/tapdemon-lab.lock
echo "waiting for the lab lock (/tmp/tapdemon-lab.lock)"
flock 9
export TAPDEMON_LAB_LOCK_HELD=1

pids=()
cleanup() {
    set +e
    if [ "$kept" = 1 ]; then
        # --keep: everything but tapdemon (pids[0]) was a step of the walk-through.
        for p in "${pids[@]:1}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
        echo "${pids[0]}" >"$SEED_DIR/tapdemon.pid"
        cat <<EOT

left running (--keep): tapdemon (PID ${pids[0]}, log $work/tapdemon.log) and the seed topology.
  web page and REST API   http://127.0.0.1:8080/   (curl -s 127.0.0.1:8080/api/taps)
  a host                  ip netns exec h8 ping 10.0.0.9
  a switch                ovs-ofctl -O OpenFlow13 dump-flows s2   (with OVS_RUNDIR=$SEED_DIR)
  stop it all             bash mininet/demo.sh --down
EOT
        return
    fi
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    bash "$root/mininet/seed_topology.sh" down >/dev/null 2>&1
    echo "tapdemon log: $work/tapdemon.log"
}
trap cleanup EXIT

say "starting tapdemon with mininet/pytapdemon.toml"
# A private state file: every demo starts from the config alone (no taps from earlier runs).
TAPDEMON_STATE_FILE="$work/state.json" "$bin" run --config mininet/pytapdemon.toml >"$work/tapdemon.log" 2>&1 9>&- &
pids+=($!)
sleep 0.5

say "building the seed topology (s1, s2, s3, h1-h11) on a private Open vSwitch"
bash mininet/seed_topology.sh up 6653 OpenFlow10,OpenFlow13
for s in s1 s2 s3; do
    ovs-vsctl -- --id=@s create sFlow agent=lo target='"127.0.0.1:6343"' header=128 \
        sampling=1 polling=10 -- set bridge "$s" sflow=@s >/dev/null
    ovs-vsctl --timeout=20 wait-until controller "$s" is_connected=true
done
sleep 1
ok "s1, s2 and s3 connected to tapdemon"

say "1. static patches"
for pair in "h1 h2" "h3 h4" "h6 h7"; do
    set -- $pair
    if pings "$1" "$2"; then ok "$1 reaches $2"; else bad "$1 cannot reach $2"; fi
done

say "2. static taps to h11 (s3 port 11)"
ip netns exec h11 tcpdump -l -n -i h11-eth0 icmp >"$work/h11-static.txt" 2>/dev/null 9>&- &
pids+=($!)
sleep 1
pings h1 h2 3 || true
pings h3 h4 3 || true
pings h6 h7 3 || true
sleep 1
kill "${pids[-1]}" 2>/dev/null || true
for who in 10.0.0.1 10.0.0.7; do
    if grep -q "$who" "$work/h11-static.txt"; then ok "h11 sees $who"; else bad "h11 does not see $who"; fi
done
for who in 10.0.0.3 10.0.0.4; do
    if grep -q "$who" "$work/h11-static.txt"; then bad "h11 sees $who"; else ok "h11 does not see $who"; fi
done

say "3. before web traffic: h8 -> h9"
if pings h8 h9 2; then bad "h8 reaches h9 before any trigger"; else ok "h8 cannot reach h9"; fi

say "4. h2 fetches a page from h1 over HTTP"
echo "<h1>PyTapDEMon</h1>" >"$work/index.html"
# ip netns exec (not in_ns) in the background: $! is then the server itself, which cleanup kills.
ip netns exec h1 python3 -m http.server 80 --bind 10.0.0.1 --directory "$work" >/dev/null 2>&1 9>&- &
pids+=($!)
# Ready when it accepts a connection from inside h1 (that crosses no switch, so sFlow sees
# no web traffic before h2's fetch). Python can take seconds to start on a busy machine.
for _ in $(seq 1 50); do
    in_ns h1 python3 -c "import socket; socket.create_connection(('10.0.0.1', 80), 1).close()" \
        2>/dev/null && break
    sleep 0.2
done
ip netns exec h11 tcpdump -l -n -i h11-eth0 icmp >"$work/h11-triggered.txt" 2>/dev/null 9>&- &
pids+=($!)
start=$(date +%s.%N)
# The original cron script's sFlow-RT calls, answered by tapdemon's embedded collector.
curl -s -X PUT -H 'Content-Type: application/json' \
    -d '{"keys":"ipsource,ipdestination,tcpsourceport,tcpdestinationport","value":"bytes"}' \
    http://127.0.0.1:8008/flow/tcp/json >/dev/null || bad "PUT /flow/tcp/json failed"
if in_ns h2 curl -s -o /dev/null --max-time 5 "http://10.0.0.1/index.html"; then
    ok "h2 fetched the page"
else
    bad "h2 could not fetch the page from h1"
fi
reached=""
for _ in $(seq 1 20); do
    if pings h8 h9 1; then reached=$(date +%s.%N); break; fi
done
if [ -n "$reached" ]; then
    ok "h8 reaches h9 $(python3 -c "print(round($reached - $start, 2))") s after the HTTP request"
else
    bad "h8 still cannot reach h9"
fi

metric="$(curl -s http://127.0.0.1:8008/metric/ALL/tcp/json)"
key="$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d[0]["topKeys"][0]["key"] if d and "topKeys" in d[0] else "")' "$metric" 2>/dev/null || true)"
case "$key" in
10.0.0.2,10.0.0.1,*,80 | 10.0.0.1,10.0.0.2,80,*) ok "GET /metric/ALL/tcp/json: topKeys[0].key = $key (as the 2013 script read it)" ;;
*) bad "GET /metric/ALL/tcp/json gave no h2->h1 web flow: $metric" ;;
esac

say "5. h11 sees h9's traffic; s2's flows carry the hard timeout"
pings h8 h9 3 || true
sleep 1
kill "${pids[-1]}" 2>/dev/null || true
if grep -q "10.0.0.9" "$work/h11-triggered.txt"; then ok "h11 captured h9's ICMP"; else bad "h11 saw nothing from h9"; fi
ovs-ofctl -O OpenFlow13 dump-flows s2 | grep -E "hard_timeout" | sed 's/^/   /' || bad "no flow with a hard timeout on s2"
grep -m3 "trigger" "$work/tapdemon.log" | sed 's/^/   log: /' || true

echo
kept="$keep"
if [ "$failures" -eq 0 ]; then
    echo "demo: every step behaved as expected"
else
    echo "demo: $failures unexpected result(s)"
    exit 1
fi
