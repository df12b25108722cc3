#!/usr/bin/env bash
# Short cargo-fuzz run of every fuzz target (for CI): each target for FUZZ_SECONDS (default
# 60) from its seed corpus. Fails on the first crash, leaving the reproducer in
# <crate>/fuzz/artifacts/<target>/ (turn it into a regression test: proto targets in
# proto/tests/fuzz_regressions.rs, the config target in tests/config_fuzz_regressions.rs).
#
#   scripts/fuzz-smoke.sh                 # of10, of13, sflow (proto/fuzz), config (fuzz/), 60 s each
#   FUZZ_SECONDS=600 scripts/fuzz-smoke.sh of13
#
# cargo-fuzz needs nightly compiler flags; RUSTC_BOOTSTRAP=1 allows them on the stable
# toolchain (shared/notes/tooling.md). Installs cargo-fuzz if it is missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(of10 of13 sflow config)
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz..." >&2
    cargo install --locked cargo-fuzz
fi

for t in "${targets[@]}"; do
    # The crate whose fuzz/ directory holds the target: the wire crate's decoders, or the
    # controller's config parser (root fuzz/).
    case "$t" in
        config) crate="$root" ;;
        *) crate="$root/proto" ;;
    esac
    cd "$crate"
    # A scratch corpus, so a CI run does not add files to the seed folder.
    scratch="$(mktemp -d "/tmp/tapdemon-fuzz-$t.XXXXXX")"
    echo "== fuzz $t for ${FUZZ_SECONDS}s" >&2
    status=0
    cargo fuzz run "$t" "$scratch" "fuzz/corpus/$t" -- \
        -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 || status=$?
    rm -rf "$scratch"
    if [ "$status" -ne 0 ]; then
        echo "fuzz target $t FAILED (exit $status); reproducer in ${crate#"$root"/}/fuzz/artifacts/$t/" >&2
        exit "$status"
    fi
done
echo "fuzz smoke: ${targets[*]} ran ${FUZZ_SECONDS}s each without a crash" >&2
