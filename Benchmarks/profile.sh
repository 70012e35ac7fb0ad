#!/usr/bin/env bash
# Counts instructions per request with callgrind (repeatable on a noisy machine).
#   Benchmarks/profile.sh [h2|h1] [requests]   -> prints the top functions, self and inclusive
# Valgrind 3.19 cannot read Swift 6.3's debug info, so it profiles a copy without it.
set -euo pipefail
mode=${1:-h2}; n=${2:-20000}
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH_DIR:-$root/../shared/bench}
work=$(mktemp -d /tmp/mcp-edge-profile.XXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true' EXIT
# Clean release build: see run-bench.sh (stale cross-module inlining in incremental builds).
(cd "$root" && { [ ! -e .build/release ] || rm -rf "$(readlink -f .build/release)"; } && swift build -c release --static-swift-stdlib >/dev/null)
cp "$root/.build/release/mcp-edge" "$work/mcp-edge" && strip --strip-debug "$work/mcp-edge"
cc -O2 -o "$work/backend" "$bench/backend.c"
sh "$bench/certs.sh" "$work"
bport=$((20000 + RANDOM % 10000)); port=$((bport + 1))
sed -e "s/{port}/$port/; s/{backend_port}/$bport/; s|{cert}|$work/cert.pem|; s|{key}|$work/key.pem|" \
  "$root/Benchmarks/edge.yaml.tmpl" > "$work/edge.yaml"
echo '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello from the benchmark"}}}' > "$work/body.json"
"$work/backend" --port "$bport" --result-bytes 512 >/dev/null 2>&1 &
valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$work/mcp-edge" run --config "$work/edge.yaml" > "$work/edge.log" 2>&1 &
edge=$!
for _ in $(seq 1 60); do grep -q running "$work/edge.log" && break; sleep 1; done
args=(-c 32 -m 8); [ "$mode" = h1 ] && args=(--h1 -c 32 -m 1)
h2load "${args[@]}" -n "$n" -d "$work/body.json" -H 'content-type: application/json' "https://127.0.0.1:$port/mcp" | grep -E "requests:"
kill -TERM "$edge"; wait "$edge" || true
out="$work/cg.out"
total=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1}' | head -1)
echo "instructions per request (with startup and 32 TLS handshakes): $((total / n))"
top() { { grep -E "^ *[0-9,]+ \(" | sed 's/ \[\/.*//' | head -"$1" | cut -c1-170; } || true; }
echo "--- self"; callgrind_annotate "$out" 2>/dev/null | top 30
echo "--- inclusive"; callgrind_annotate --inclusive=yes "$out" 2>/dev/null | top 40
