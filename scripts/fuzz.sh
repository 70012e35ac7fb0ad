#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets (Fuzz/, harnesses in Sources/EdgeFuzzing) with
# AddressSanitizer and runs each for FUZZ_SECONDS (default 180). Inputs: the committed seeds
# and crashes of Tests/FuzzCorpus/<target>/ plus a working corpus in .build-fuzz/corpus/<target>
# (kept between runs, never committed). A crashing input is written to
# Tests/FuzzCorpus/<target>/crashes/; commit it with the fix, `make test` replays it.
#
#   FUZZ_SECONDS=600 FUZZ_TARGETS="chunked jsonrpc" make fuzz
#   FUZZ_CONFIG=debug make fuzz        # -Onone: slower, better stack traces
#   FUZZ_ARGS="-jobs=2 -workers=2"     # more libFuzzer options
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SWIFT=${SWIFT:-swift}
FUZZ_SECONDS=${FUZZ_SECONDS:-180}
FUZZ_CONFIG=${FUZZ_CONFIG:-release}
FUZZ_TARGETS=${FUZZ_TARGETS:-"http1-request http1-response chunked jsonrpc yaml-config http2-server session-open sse jwt"}
FUZZ_ARGS=${FUZZ_ARGS:-}
SCRATCH=.build-fuzz

product() {
    case "$1" in
        http1-request) echo FuzzHTTP1Request ;;
        http1-response) echo FuzzHTTP1Response ;;
        chunked) echo FuzzChunked ;;
        jsonrpc) echo FuzzJSONRPC ;;
        yaml-config) echo FuzzYAMLConfig ;;
        http2-server) echo FuzzHTTP2Server ;;
        session-open) echo FuzzSessionOpen ;;
        sse) echo FuzzSSE ;;
        jwt) echo FuzzJWT ;;
        *) echo "unknown fuzz target $1" >&2; exit 2 ;;
    esac
}

# gold cannot link ASan-instrumented Swift (an internal error in its DWARF reader): lld does.
BUILD_FLAGS=(--scratch-path "$SCRATCH" -c "$FUZZ_CONFIG"
             -Xswiftc -sanitize=fuzzer,address -Xswiftc -DEDGE_FUZZING
             -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld)
for target in $FUZZ_TARGETS; do
    "$SWIFT" build "${BUILD_FLAGS[@]}" --product "$(product "$target")"
done
BIN=$("$SWIFT" build "${BUILD_FLAGS[@]}" --show-bin-path)

summary=()
failed=0
for target in $FUZZ_TARGETS; do
    dir=Tests/FuzzCorpus/$target
    work=$SCRATCH/corpus/$target
    mkdir -p "$work" "$dir/crashes"
    dict=()
    [ -f "$dir/fuzz.dict" ] && dict=(-dict="$dir/fuzz.dict")
    log=$SCRATCH/fuzz-$target.log
    before=$(find "$dir/crashes" -type f ! -name '.*' | wc -l)
    echo "== $target: ${FUZZ_SECONDS}s, log in $log"
    # Swift's backtracer would spend seconds symbolicating every crash; libFuzzer reports them.
    status=0
    SWIFT_BACKTRACE=enable=no "$BIN/$(product "$target")" "$work" "$dir/seeds" "$dir/crashes" \
        -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
        -artifact_prefix="$dir/crashes/" -print_final_stats=1 "${dict[@]}" $FUZZ_ARGS \
        >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    after=$(find "$dir/crashes" -type f ! -name '.*' | wc -l)
    found=$((after - before))
    if [ "$status" -ne 0 ] || [ "$found" -gt 0 ]; then
        failed=1
        grep -m1 -E 'ERROR: |Fatal error|fuzz invariant' "$log" || true
    fi
    summary+=("$(printf '%-16s %12s executions %8s exec/s  %s new crash input(s), exit %s' \
        "$target" "${runs:-?}" "${speed:-?}" "$found" "$status")")
done
echo
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
    echo "fuzz: crashes found; inputs are in Tests/FuzzCorpus/*/crashes/ (replay: .build/debug/Fuzz<Name> FILE)" >&2
    exit 1
fi
