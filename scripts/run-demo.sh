#!/usr/bin/env bash
# `make run`: mcp-edge (TLS on 127.0.0.1:8443, plaintext on 127.0.0.1:8080) with
# deploy/examples/gateway.yaml and a self-signed certificate in run/, in front of a demo MCP
# server on 127.0.0.1:9000/mcp (passthrough route /mcp) and, on the gateway route
# /gateway/mcp, that server and mcp-server-time over stdio. Prints curl commands that work
# (and checks them), stays up until Ctrl-C.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BIN=${MCP_EDGE_BIN:-$ROOT/.build/release/mcp-edge}
PY=${DEMO_PYTHON:-$ROOT/Tests/IntegrationTests/.venv/bin/python}
# The checks below expect the routes of deploy/examples/gateway.yaml (/mcp and /gateway/mcp).
CONFIG=${EDGE_CONFIG:-deploy/examples/gateway.yaml}
# The ports deploy/examples/gateway.yaml listens on.
TLS_PORT=${DEMO_TLS_PORT:-8443} PLAIN_PORT=${DEMO_PLAIN_PORT:-8080} DEMO_PORT=${DEMO_BACKEND_PORT:-9000}

[ -x "$BIN" ] || { echo "run-demo: $BIN not built (make build)" >&2; exit 1; }
[ -x "$PY" ] || { echo "run-demo: $PY missing (make venv)" >&2; exit 1; }
# The stdio backend `time` runs `mcp-server-time`, which mcp-edge looks up on its PATH: the
# venv's bin directory goes first on it.
VENV_BIN=$(dirname "$PY")
[ -x "$VENV_BIN/mcp-server-time" ] || { echo "run-demo: $VENV_BIN/mcp-server-time missing (make venv)" >&2; exit 1; }

mkdir -p run
# A self-signed certificate for localhost / 127.0.0.1 (what ../shared/bench/certs.sh makes),
# renewed when it expires within a day.
if [ ! -s run/cert.pem ] || [ ! -s run/key.pem ] || ! openssl x509 -checkend 86400 -noout -in run/cert.pem >/dev/null 2>&1; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout run/key.pem -out run/cert.pem 2>/dev/null
  echo "run-demo: made run/cert.pem and run/key.pem"
fi

"$BIN" check --config "$CONFIG"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # PORT PID SECONDS
  for _ in $(seq 1 $(($3 * 10))); do
    port_open "$1" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
for p in $TLS_PORT $PLAIN_PORT $DEMO_PORT; do
  if port_open "$p"; then echo "run-demo: 127.0.0.1:$p is already in use" >&2; exit 1; fi
done

DEMO_PID="" EDGE_PID=""
cleanup() {
  trap - EXIT INT TERM
  for pid in $EDGE_PID $DEMO_PID; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $EDGE_PID $DEMO_PID; do wait "$pid" 2>/dev/null || true; done
  echo "run-demo: stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$PY" scripts/demo_server.py --port "$DEMO_PORT" >run/demo-server.log 2>&1 &
DEMO_PID=$!
wait_port "$DEMO_PORT" "$DEMO_PID" 30 || { echo "run-demo: demo server did not start:" >&2; tail -20 run/demo-server.log >&2; exit 1; }

PATH="$VENV_BIN:$PATH" "$BIN" run --config "$CONFIG" &
EDGE_PID=$!
wait_port "$TLS_PORT" "$EDGE_PID" 30 || { echo "run-demo: mcp-edge did not start" >&2; exit 1; }

INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'
CURL=(curl -sS -i --cacert run/cert.pem https://127.0.0.1:$TLS_PORT/mcp
      -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream'
      -d "$INIT")
echo
echo "mcp-edge is up: TLS https://127.0.0.1:$TLS_PORT, plaintext http://127.0.0.1:$PLAIN_PORT"
echo "  /mcp          passthrough to the demo server :$DEMO_PORT"
echo "  /gateway/mcp  gateway: demo (:$DEMO_PORT) and time (mcp-server-time over stdio)"
echo
echo "Passthrough (from $ROOT):"
echo
printf '  curl -sS -i --cacert run/cert.pem https://127.0.0.1:%s/mcp \\\n' "$TLS_PORT"
printf "    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \\\\\n"
printf "    -d '%s'\n" "$INIT"
echo
if "${CURL[@]}" --max-time 10 --fail -o /dev/null 2>/dev/null; then
  echo "(checked: that command works)"
else
  echo "run-demo: warning: the curl command above failed just now" >&2
fi

# The gateway route, as a bash/zsh session would do it: initialize (the gateway mints the
# session id), notifications/initialized, tools/list, tools/call. Printed, then run as printed.
GW_STEPS="URL=https://127.0.0.1:$TLS_PORT/gateway/mcp
$(cat <<'EOF'
H=(--cacert run/cert.pem -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream')
SID=$(curl -sS "${H[@]}" -D - -o /dev/null "$URL" \
  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}' \
  | awk 'tolower($1) == "mcp-session-id:" {print $2}' | tr -d '\r')
echo "Mcp-Session-Id: $SID"
H+=(-H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-06-18')
curl -sS "${H[@]}" "$URL" -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'
curl -sS "${H[@]}" "$URL" -d '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' | grep -o '"name":"[^"]*"'
curl -sS "${H[@]}" "$URL" \
  -d '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"time__get_current_time","arguments":{"timezone":"UTC"}}}'
echo
EOF
)"
echo
echo "Gateway (from $ROOT; bash or zsh):"
echo
printf '%s\n' "$GW_STEPS" | sed 's/^/  /'
echo
if GW_OUT=$(timeout 60 bash -c "set -eo pipefail; $GW_STEPS" 2>&1) \
   && grep -q '^Mcp-Session-Id: .' <<<"$GW_OUT" \
   && grep -q '"name":"demo__echo"' <<<"$GW_OUT" \
   && grep -q '"name":"time__get_current_time"' <<<"$GW_OUT" \
   && grep -q '"isError":false' <<<"$GW_OUT"; then
  echo "(checked: those commands work; just now they printed:)"
  printf '%s\n' "$GW_OUT" | sed 's/^/  /'
else
  echo "run-demo: warning: the gateway commands above failed just now; they printed:" >&2
  printf '%s\n' "${GW_OUT:-}" | sed 's/^/  /' >&2
fi
echo
echo "Ctrl-C to stop."
wait "$EDGE_PID"
