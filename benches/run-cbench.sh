#!/usr/bin/env bash
# Measure OpenFlow 1.0 controllers with the cbench-style harness (benches/cbench), in
# latency and throughput mode, one controller after the other on 127.0.0.1, and print
# tapdemon's ratio to each peer measured in the same run.
#
#   bash benches/run-cbench.sh                      # tapdemon, ovs-testcontroller, os-ken
#   bash benches/run-cbench.sh testcontroller       # any subset, in this order
#   ROUNDS=3 bash benches/run-cbench.sh             # 3 rounds, order rotating, medians reported
#
# Targets:
#   tapdemon        $TAPDEMON_CMD with {port} replaced by the port; default: this checkout's
#                   release build (built here) running l2_learning only (benches/cbench.toml).
#   testcontroller  Debian's ovs-testcontroller (package openvswitch-testcontroller), a
#                   MAC-learning controller in C: the baseline of issue 3's targets.
#   null            benches/cbench/null_responder.rs: answers every PACKET_IN with a canned
#                   FLOW_MOD and does nothing else, the ceiling of this harness on this machine
#                   (not run unless named; its memory line is skipped).
#   osken           os-ken (OpenStack's Ryu fork, Python) running its stock OF1.0 learning
#                   app os_ken.app.simple_switch, from a venv this script creates under
#                   $PYVENV (default $CARGO_TARGET_DIR/pyvenv). os-ken 1.4.1 is the last
#                   release that ships the app; it needs eventlet 0.30.2 (later eventlets
#                   dropped wsgi.ALREADY_HANDLED), which needs Python <= 3.9 (3.10 made
#                   socket.timeout immutable). The interpreter: $OSKEN_PYTHON, else the
#                   first python3.9/3.8/3.7 found on PATH or under pyenv. If none can be set
#                   up, the summary says why and the other targets still run.
# Settings (environment): PORT (16653), SWITCHES (16), LOOPS (10), MS (1000), WARMUP (1),
# MACS (100000), ROUNDS (1), MEM_SWITCHES (1000, 0 = skip the memory run),
# CBENCH_ARGS (extra harness arguments).
# Each controller is started here and stopped by its PID, never by name.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
PORT="${PORT:-16653}" SWITCHES="${SWITCHES:-16}" LOOPS="${LOOPS:-10}" MS="${MS:-1000}"
WARMUP="${WARMUP:-1}" MACS="${MACS:-100000}" ROUNDS="${ROUNDS:-1}"
PYVENV="${PYVENV:-$CARGO_TARGET_DIR/pyvenv}"
OSKEN_PINS=(os-ken==1.4.1 eventlet==0.30.2)
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(tapdemon testcontroller osken)

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
if [[ " ${targets[*]} " == *" null "* ]]; then
    echo "building the do-nothing responder (cargo bench profile)..."
    cargo bench --bench cbench_null --no-run >/dev/null 2>"$work/build.log" || { cat "$work/build.log" >&2; exit 1; }
    # cargo puts bench binaries under deps/ with a hash: link the newest one to a fixed name.
    ln -sf "$(ls -t "$CARGO_TARGET_DIR"/release/deps/cbench_null-* | grep -v '\.d$' | head -n 1)" \
        "$CARGO_TARGET_DIR/release/cbench_null"
fi
if [[ " ${targets[*]} " == *" tapdemon "* ]] && [ -z "${TAPDEMON_CMD:-}" ]; then
    echo "building tapdemon (release)..."
    cargo build --release --quiet --bin tapdemon 2>"$work/build.log" || { cat "$work/build.log" >&2; exit 1; }
    TAPDEMON_CMD="$CARGO_TARGET_DIR/release/tapdemon run --config $root/benches/cbench.toml --listen 127.0.0.1:{port}"
fi

# Why a target could not run (target -> reason); such a target is left out of the rounds.
declare -A skipped=()

# A Python for os-ken 1.4.1 + eventlet 0.30.2: 3.9 at most.
find_old_python() {
    local c
    for c in ${OSKEN_PYTHON:-} python3.9 python3.8 python3.7 \
        "$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"/versions/3.{9,8,7}*/bin/python3; do
        [ -n "$c" ] || continue
        if "$c" -c 'import sys, venv; sys.exit(not ((3, 7) <= sys.version_info[:2] <= (3, 9)))' 2>/dev/null; then
            echo "$c"
            return 0
        fi
    done
    return 1
}

# Create (once) the venv with os-ken; on failure record why in skipped[osken].
setup_osken() {
    local stamp="$PYVENV/.pins" py
    if [ -x "$PYVENV/bin/osken-manager" ] && [ "$(cat "$stamp" 2>/dev/null)" = "${OSKEN_PINS[*]}" ]; then
        return 0
    fi
    if ! py="$(find_old_python)"; then
        skipped[osken]="no Python 3.7-3.9 found (set OSKEN_PYTHON): os-ken ${OSKEN_PINS[0]#*==} (the last release with the stock simple_switch app) needs eventlet ${OSKEN_PINS[1]#*==}, which fails to import on Python >= 3.10"
        return 1
    fi
    echo "creating $PYVENV with $py (${OSKEN_PINS[*]})..."
    rm -rf "$PYVENV"
    if ! "$py" -m venv "$PYVENV" >"$work/pip.log" 2>&1 ||
        ! "$PYVENV/bin/pip" install --quiet --disable-pip-version-check "${OSKEN_PINS[@]}" >>"$work/pip.log" 2>&1; then
        skipped[osken]="venv or pip install of ${OSKEN_PINS[*]} with $py failed: $(tail -n 1 "$work/pip.log")"
        return 1
    fi
    echo "${OSKEN_PINS[*]}" >"$stamp"
}

listening() { ss -ltnH "sport = :$PORT" 2>/dev/null | grep -q .; }

start_target() {
    case "$1" in
    testcontroller)
        # Its control socket and log go to our scratch directory, not /var/run/openvswitch.
        OVS_RUNDIR="$work" OVS_LOGDIR="$work" ovs-testcontroller -vconsole:warn \
            "ptcp:$PORT:127.0.0.1" >"$work/$1.log" 2>&1 &
        ;;
    tapdemon)
        # shellcheck disable=SC2086
        ${TAPDEMON_CMD//\{port\}/$PORT} >"$work/$1.log" 2>&1 &
        ;;
    null)
        "$CARGO_TARGET_DIR/release/cbench_null" "$PORT" >"$work/$1.log" 2>&1 &
        ;;
    osken)
        # Warnings only, like ovs-testcontroller's -vconsole:warn (the app logs every packet-in
        # at info level).
        "$PYVENV/bin/osken-manager" --ofp-listen-host 127.0.0.1 --ofp-tcp-listen-port "$PORT" \
            --wsapi-host 127.0.0.1 --wsapi-port $((PORT + 1)) --default-log-level 30 \
            os_ken.app.simple_switch >"$work/$1.log" 2>&1 &
        ;;
    *)
        echo "unknown target $1 (tapdemon | testcontroller | osken | null)" >&2
        return 1
        ;;
    esac
    pid=$!
    for _ in $(seq 200); do
        listening && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    echo "$1 is not listening on 127.0.0.1:$PORT; its log:" >&2
    tail -n 20 "$work/$1.log" >&2
    stop_target
    return 1
}

stop_target() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
}

runnable=()
for t in "${targets[@]}"; do
    case "$t" in
    testcontroller)
        command -v ovs-testcontroller >/dev/null ||
            skipped[$t]="ovs-testcontroller missing: apt-get install openvswitch-testcontroller"
        ;;
    osken) setup_osken || true ;;
    esac
    [ -n "${skipped[$t]:-}" ] || runnable+=("$t")
done

# results[target.mode] = one average responses/s (and answered/s) per round, space-separated.
declare -A results=() answered=()
for round in $(seq "$ROUNDS"); do
    # The order rotates each round: on these noisy machines whoever runs at a given
    # place in the round can be favoured, so no controller keeps one place.
    order=()
    for i in "${!runnable[@]}"; do
        order+=("${runnable[$(((i + round - 1) % ${#runnable[@]}))]}")
    done
    for t in "${order[@]}"; do
        [ -z "${skipped[$t]:-}" ] || continue
        if listening; then
            echo "port $PORT is already in use: set PORT" >&2
            exit 1
        fi
        if ! start_target "$t"; then
            skipped[$t]="did not start (its log is above)"
            continue
        fi
        for mode in latency throughput; do
            flag=""
            [ "$mode" = throughput ] && flag="-t"
            echo
            echo "==> $t, $mode mode (round $round of $ROUNDS)"
            # shellcheck disable=SC2086
            if ! cargo bench --bench cbench -- -p "$PORT" -s "$SWITCHES" -l "$LOOPS" -m "$MS" -w "$WARMUP" \
                -M "$MACS" $flag ${CBENCH_ARGS:-} 2>>"$work/build.log" | tee "$work/out"; then
                echo "(the harness failed against $t: $(tail -n 1 "$work/build.log"))"
            fi
            avg="$(sed -n 's|^RESULT: .* = [^/]*/[^/]*/\([^/]*\)/.*|\1|p' "$work/out")"
            ans="$(sed -n 's|^ANSWERED: .* = [^/]*/[^/]*/\([^/]*\)/.*|\1|p' "$work/out")"
            results[$t.$mode]+="${avg:-0} "
            answered[$t.$mode]+="${ans:-0} "
        done
        stop_target
    done
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR] = $1} END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo
echo "==> summary: median over $ROUNDS round(s) of the average responses/s ($SWITCHES switches, $LOOPS x $MS ms)"
echo "    answered = packet-ins answered/s (responses that release the packet-in's buffer;"
echo "    os-ken answers each with a FLOW_MOD and a PACKET_OUT, the others with one FLOW_MOD)"
printf '%-15s %-10s %14s %14s   %s\n' target mode responses/s answered/s "per round"
for t in "${targets[@]}"; do
    for mode in latency throughput; do
        if [ -n "${results[$t.$mode]:-}" ]; then
            printf '%-15s %-10s %14.0f %14.0f   %s\n' "$t" "$mode" \
                "$(median <<<"${results[$t.$mode]}")" "$(median <<<"${answered[$t.$mode]}")" "${results[$t.$mode]}"
        fi
    done
    [ -z "${skipped[$t]:-}" ] || printf '%-15s skipped: %s\n' "$t" "${skipped[$t]}"
done

if [ -n "${results[tapdemon.latency]:-}" ]; then
    echo
    echo "==> tapdemon / peer (medians; issue 3 targets vs ovs-testcontroller: throughput >= 10x, latency >= 1.2x)"
    for peer in testcontroller osken null; do
        [ -n "${results[$peer.latency]:-}" ] || continue
        line="$(printf '%-15s' "$peer")"
        for mode in latency throughput; do
            ours="$(median <<<"${results[tapdemon.$mode]}")" theirs="$(median <<<"${results[$peer.$mode]}")"
            ours_a="$(median <<<"${answered[tapdemon.$mode]}")" theirs_a="$(median <<<"${answered[$peer.$mode]}")"
            line+="$(awk -v m="$mode" -v a="$ours" -v b="$theirs" -v c="$ours_a" -v d="$theirs_a" 'BEGIN {
                r = b > 0 ? sprintf("%.2fx", a / b) : "n/a"; s = d > 0 ? sprintf("%.2fx", c / d) : "n/a"
                printf "  %s %s responses/s, %s answered/s", m, r, s }')"
        done
        echo "$line"
    done
fi

# The room there is: the do-nothing responder against ovs-testcontroller, same run.
if [ -n "${results[null.latency]:-}" ] && [ -n "${results[testcontroller.latency]:-}" ]; then
    echo
    echo "==> null (do-nothing responder: the harness's ceiling) / testcontroller"
    line="$(printf '%-15s' null)"
    for mode in latency throughput; do
        line+="$(awk -v m="$mode" -v a="$(median <<<"${results[null.$mode]}")" -v b="$(median <<<"${results[testcontroller.$mode]}")" \
            'BEGIN { printf "  %s %s responses/s", m, (b > 0 ? sprintf("%.2fx", a / b) : "n/a") }')"
    done
    echo "$line"
fi

# Memory under load: MEM_SWITCHES simulated switches connected at once, in latency mode
# (each sending PACKET_INs from 1000 source MACs, which the controller learns), the
# controller's resident set size sampled while they run. Issue 3's idle figure (1,000
# switches with keepalive, <= 64 MiB) is the `scale` section of scripts/bench.sh.
MEM_SWITCHES="${MEM_SWITCHES:-1000}"
[ "$MEM_SWITCHES" -gt 0 ] || exit 0
ulimit -n 65536 2>/dev/null || true
mem_summary=()
for t in "${runnable[@]}"; do
    [ -z "${skipped[$t]:-}" ] || continue
    [ "$t" != null ] || continue
    start_target "$t" || continue
    cargo bench --bench cbench -- -p "$PORT" -s "$MEM_SWITCHES" -l 3 -m 1000 -w 1 -M 1000 \
        2>>"$work/build.log" >"$work/mem-out" &
    bench=$!
    sleep 4
    rss_kb="$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)"
    wait "$bench" || true
    connected="$(grep '^RESULT' "$work/mem-out" | sed 's/^RESULT: //' || true)"
    mem_summary+=("$(printf '%-15s RSS %s MiB with %s switches sending PACKET_INs (%s)' "$t" \
        "$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')" "$MEM_SWITCHES" "${connected:-no result}")")
    stop_target
done

echo
echo "==> memory (resident set size of the controller process)"
printf '%s\n' "${mem_summary[@]}"
