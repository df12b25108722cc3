#!/usr/bin/env bash
# Measure OpenFlow 1.0 controllers with the cbench-style harness (benches/cbench), in
# latency and throughput mode, one controller after the other on 127.0.0.1.
#
#   bash benches/run-cbench.sh                    # ovs-testcontroller only
#   bash benches/run-cbench.sh testcontroller tapdemon
#
# Targets:
#   testcontroller  Debian's ovs-testcontroller (package openvswitch-testcontroller), a
#                   MAC-learning controller in C: the baseline.
#   tapdemon        $TAPDEMON_CMD with {port} replaced by the port, e.g.
#                   TAPDEMON_CMD='target/release/tapdemon --listen 127.0.0.1:{port}'
# Settings (environment): PORT (16653), SWITCHES (16), LOOPS (10), MS (1000), WARMUP (1),
# MACS (100000), CBENCH_ARGS (extra harness arguments).
# Each controller is started here and stopped by its PID, never by name.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
PORT="${PORT:-16653}" SWITCHES="${SWITCHES:-16}" LOOPS="${LOOPS:-10}" MS="${MS:-1000}"
WARMUP="${WARMUP:-1}" MACS="${MACS:-100000}"
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(testcontroller)

work="$(mktemp -d /tmp/tapdemon-cbench.XXXXXX)"
pid=""
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "building the harness (cargo bench profile)..."
cargo bench --bench cbench --no-run >/dev/null 2>"$work/build.log" || { cat "$work/build.log" >&2; exit 1; }

listening() { ss -ltnH "sport = :$PORT" 2>/dev/null | grep -q .; }

start_target() {
    case "$1" in
    testcontroller)
        command -v ovs-testcontroller >/dev/null ||
            { echo "ovs-testcontroller missing: apt-get install openvswitch-testcontroller" >&2; return 1; }
        # Its control socket and log go to our scratch directory, not /var/run/openvswitch.
        OVS_RUNDIR="$work" OVS_LOGDIR="$work" ovs-testcontroller -vconsole:warn \
            "ptcp:$PORT:127.0.0.1" >"$work/$1.log" 2>&1 &
        ;;
    tapdemon)
        [ -n "${TAPDEMON_CMD:-}" ] || { echo "set TAPDEMON_CMD (with {port}) to measure tapdemon" >&2; return 1; }
        # shellcheck disable=SC2086
        ${TAPDEMON_CMD//\{port\}/$PORT} >"$work/$1.log" 2>&1 &
        ;;
    *)
        echo "unknown target $1 (testcontroller | tapdemon)" >&2
        return 1
        ;;
    esac
    pid=$!
    for _ in $(seq 100); do
        listening && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    echo "$1 is not listening on 127.0.0.1:$PORT; its log:" >&2
    cat "$work/$1.log" >&2
    return 1
}

stop_target() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
}

summary=()
for t in "${targets[@]}"; do
    if listening; then
        echo "port $PORT is already in use: set PORT" >&2
        exit 1
    fi
    start_target "$t"
    for mode in latency throughput; do
        flag=""
        [ "$mode" = throughput ] && flag="-t"
        echo
        echo "==> $t, $mode mode"
        # shellcheck disable=SC2086
        cargo bench --bench cbench -- -p "$PORT" -s "$SWITCHES" -l "$LOOPS" -m "$MS" -w "$WARMUP" \
            -M "$MACS" $flag ${CBENCH_ARGS:-} 2>>"$work/build.log" | tee "$work/out"
        summary+=("$(printf '%-15s %-10s %s' "$t" "$mode" "$(grep '^RESULT' "$work/out" | sed 's/^RESULT: //')")")
    done
    stop_target
done

# Memory: MEM_SWITCHES simulated switches connected at once (with keepalive), latency
# mode, the controller's resident set size sampled while they run (issue 3: <= 64 MiB).
MEM_SWITCHES="${MEM_SWITCHES:-1000}"
ulimit -n 65536 2>/dev/null || true
mem_summary=()
for t in "${targets[@]}"; do
    start_target "$t"
    cargo bench --bench cbench -- -p "$PORT" -s "$MEM_SWITCHES" -l 3 -m 1000 -w 1 -M 1000 \
        2>>"$work/build.log" >"$work/mem-out" &
    bench=$!
    sleep 4
    rss_kb="$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)"
    wait "$bench" || true
    connected="$(grep '^RESULT' "$work/mem-out" | sed 's/^RESULT: //' || true)"
    mem_summary+=("$(printf '%-15s RSS %s MiB with %s switches connected (%s)' "$t" \
        "$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')" "$MEM_SWITCHES" "${connected:-no result}")")
    stop_target
done

echo
echo "==> summary (responses/s; $SWITCHES switches, $LOOPS x $MS ms)"
printf '%s\n' "${summary[@]}"
echo
echo "==> memory (resident set size of the controller process)"
printf '%s\n' "${mem_summary[@]}"
