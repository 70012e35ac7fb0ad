#!/usr/bin/env bash
# A yardstick for gateway.py's gw-modern figures: the same 2026-07-28 tools/call (wrk 2 threads x
# 16 connections, ../shared/bench/gateway.lua) sent to the backend alone, through HAProxy and
# nginx as plain HTTP/1.1 reverse proxies (one thread each), and through mcp-edge's passthrough
# and gateway routes (one worker); rounds interleaved. Prints req/s, the proxy's and the backend's
# CPU-µs per request (from /proc) and p50/p99 (µs) per target and round.
#   Benchmarks/gateway_yardstick.sh            (SECS=5 ROUNDS=3; ports 19100-19111 must be free)
# Needs: a release build, wrk, haproxy, nginx, cc, python3, ../shared/bench (BENCH_DIR).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bench=${BENCH_DIR:-$root/../shared/bench}
work=$(mktemp -d /tmp/edge-yardstick.XXXX)
cd "$work"
SECS=${SECS:-5}; ROUNDS=${ROUNDS:-3}
for p in 19100 19101 19102 19110 19111; do
  if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "port $p is in use: stop what listens there first" >&2; exit 1; fi
done
cc -O2 -o backend "$bench/backend.c"
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT
./backend --port 19101 --name alpha --tools 1 > alpha.log 2>&1 &
./backend --port 19102 --name beta --tools 1 > beta.log 2>&1 &
cat > haproxy.cfg <<EOY
global
    nbthread 1
    maxconn 8192
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    http-reuse always
frontend edge
    bind 127.0.0.1:19110
    default_backend mcp
backend mcp
    server b1 127.0.0.1:19101
EOY
mkdir -p ng; cat > ng/nginx.conf <<EOY
daemon off; master_process off; worker_processes 1; pid $work/ng/nginx.pid; error_log $work/ng/err warn;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $work/ng/body; proxy_temp_path $work/ng/proxy;
  upstream b { server 127.0.0.1:19101; keepalive 512; }
  server { listen 127.0.0.1:19111; keepalive_requests 1000000;
    location /mcp { proxy_pass http://b; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; proxy_request_buffering off; } } }
EOY
cat > edge.yaml <<EOY
workers: 1
listeners: [{name: plain, address: "127.0.0.1:19100"}]
servers:
  alpha: {url: "http://127.0.0.1:19101/mcp"}
  beta: {url: "http://127.0.0.1:19102/mcp"}
routes:
  - {path: /mcp, servers: [alpha, beta]}
  - {path: /pt/mcp, passthrough: alpha}
EOY
haproxy -f haproxy.cfg > hap.log 2>&1 & HP=$!
nginx -c $work/ng/nginx.conf > ng.log 2>&1 & NP=$!
${EDGE:-$root/.build/release/mcp-edge} run --config $work/edge.yaml > edge.log 2>&1 & EP=$!
sleep 0.7
meta='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"wrk","version":"1"}}'
export GW_BODY_PRE='{"jsonrpc":"2.0","id":' GW_EXPECT='alpha:echo:'
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
run() { # name port path tool pid
  export GW_PATH=$3
  export GW_HEADERS=$'Content-Type: application/json\nAccept: application/json, text/event-stream\nMCP-Protocol-Version: 2026-07-28\nMcp-Method: tools/call\nMcp-Name: '"$4"
  export GW_BODY_POST=',"method":"tools/call","params":{"name":"'"$4"'","arguments":{"text":"hi"},'"$meta"'}}'
  local pid=${5:-}; local c0=0; [ -n "$pid" ] && c0=$(cpu $pid); local b0=$(cpu $(pgrep -f "backend --port 19101"))
  wrk -t2 -c16 -d${SECS}s --latency -s $bench/gateway.lua http://127.0.0.1:$2$3 > wrk-$1.out 2>&1
  local c1=0; [ -n "$pid" ] && c1=$(cpu $pid); local b1=$(cpu $(pgrep -f "backend --port 19101"))
  local j=$(grep GWBENCH wrk-$1.out | sed 's/GWBENCH //')
  python3 - "$1" "$j" $((c1-c0)) $((b1-b0)) <<'PY'
import json,sys
n,j,c,b=sys.argv[1],json.loads(sys.argv[2]),int(sys.argv[3]),int(sys.argv[4])
rps=j["good"]/(j["duration_us"]/1e6); tick=1e6/100
print(f"{n:10s} {rps:8.0f} req/s  proxy {c*tick/j['good']:5.1f} cpu-us  backend {b*tick/j['good']:5.1f} cpu-us  p50 {j['p50_us']}  p99 {j['p99_us']}  bad {j['sent']-j['good']}")
PY
}
for r in $(seq $ROUNDS); do
  run direct 19101 /mcp echo
  run haproxy 19110 /mcp echo $HP
  run nginx 19111 /mcp echo $NP
  run edge-pt 19100 /pt/mcp echo $EP
  run edge-gw 19100 /mcp alpha__echo $EP
done
# (the EXIT trap stops everything)
