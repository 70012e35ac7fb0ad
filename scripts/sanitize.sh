#!/usr/bin/env bash
# `make sanitize`: the unit tests under AddressSanitizer, then ThreadSanitizer, each in its
# own scratch path (.build-san-address, .build-san-thread). Prints how long each took.
# SANITIZERS="thread" picks one; extra `swift test` arguments go in SANITIZE_ARGS.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SWIFT=${SWIFT:-swift}
SANITIZERS=${SANITIZERS:-"address thread"}
SANITIZE_ARGS=${SANITIZE_ARGS:-}
# Reports fail the run; the backtracer would only slow a failing test down.
export SWIFT_BACKTRACE=enable=no
# LeakSanitizer is off: its only direct reports (3, with detect_leaks=1) are Swift weak-reference
# side tables made by swift_weakAssign in XCTest's wait(for:) and Foundation's Process.run; an
# object's refcount field points to its side table in an encoded form LSan cannot follow, and
# the 14 000 "indirect" leaks it lists hang off those. Nothing in mcp-edge's code is reported.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$ROOT/scripts/sanitizers/tsan.supp}
times=()
for sanitizer in $SANITIZERS; do
    start=$(date +%s)
    # gold cannot link ASan-instrumented Swift objects (internal error in its DWARF reader).
    "$SWIFT" test --scratch-path ".build-san-$sanitizer" --sanitize="$sanitizer" \
        -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld $SANITIZE_ARGS
    times+=("$sanitizer: $(( $(date +%s) - start ))s (build and tests)")
done
printf 'sanitize: clean under %s\n' "${times[@]}"
