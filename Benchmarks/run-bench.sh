#!/usr/bin/env bash
# Runs mcp-edge beside nginx, HAProxy and the backend alone with ../shared/bench/bench.py.
#   Benchmarks/run-bench.sh [--rounds 3] [--workload small-h2] [--only edge --only haproxy] [--json out.json]
# EDGE_WORKERS=2 runs mcp-edge with two workers (the peers keep one).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bench=${BENCH_DIR:-$root/../shared/bench}
[ -f "$bench/bench.py" ] || { echo "benchmark kit not found at $bench (set BENCH_DIR)" >&2; exit 1; }
for tool in h2load nginx haproxy; do
  command -v $tool >/dev/null || [ -x /usr/sbin/$tool ] || { echo "missing $tool: apt-get install nghttp2-client nginx-light haproxy" >&2; exit 1; }
done
# A clean release build (about 40 s): incremental builds with cross-module optimisation have
# been seen to keep a caller's old inlined copy of a changed function in another module.
(cd "$root" && { [ ! -e .build/release ] || rm -rf "$(readlink -f .build/release)"; } && swift build -c release --static-swift-stdlib >/dev/null)
template="$here/edge.yaml.tmpl"
if [ -n "${EDGE_WORKERS:-}" ]; then
  template=$(mktemp /tmp/edge-bench.XXXX.yaml)
  sed "s/^workers: 1$/workers: $EDGE_WORKERS/" "$here/edge.yaml.tmpl" > "$template"
fi
export EDGE_CONFIG="$template"
export EDGE_CMD="exec $root/.build/release/mcp-edge run --config {dir}/edge.yaml"
exec python3 "$bench/bench.py" "$@"
