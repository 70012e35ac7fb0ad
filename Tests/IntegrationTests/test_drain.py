"""SIGTERM drains: listeners close at once, a response in flight is finished, then the process
exits by itself."""

from __future__ import annotations

import signal
import socket
import threading
import time

import httpx

from conftest import require_edge
from helpers.wire import ACCEPT_BOTH, SSEParser, jsonrpc


def test_sigterm_finishes_the_response_in_flight_then_exits(edge_factory, raw_backend):
    edge = edge_factory({"raw": raw_backend.url()}, workers=1)
    require_edge(edge)
    events: list[dict] = []
    first_event = threading.Event()
    errors: list[BaseException] = []

    def client():
        try:
            parser = SSEParser()
            headers = {"Content-Type": "application/json", "Accept": ACCEPT_BOTH,
                       "X-Raw-Mode": "sse", "X-Raw-Events": "5", "X-Raw-Interval": "0.3"}
            with httpx.Client(timeout=15) as c:
                with c.stream("POST", edge.url("/mcp", tls=False), headers=headers,
                              json=jsonrpc("tools/call", 41)) as r:
                    assert r.status_code == 200
                    for chunk in r.iter_raw():
                        for ev in parser.feed(chunk):
                            events.append(ev)
                            first_event.set()
        except BaseException as e:  # reported by the test thread
            errors.append(e)
            first_event.set()

    t = threading.Thread(target=client)
    t.start()
    assert first_event.wait(10), "no first event"
    edge.proc.send_signal(signal.SIGTERM)
    # New connections are refused once the listener is closed (poll: the signal is asynchronous).
    deadline = time.monotonic() + 5
    refused = False
    while time.monotonic() < deadline and not refused:
        try:
            socket.create_connection(("127.0.0.1", edge.plain_port), 0.5).close()
            time.sleep(0.05)
        except OSError:
            refused = True
    t.join(15)
    assert not errors, errors
    assert refused, "the listener still accepted connections after SIGTERM"
    assert len(events) == 5, f"the in-flight response was cut: {len(events)} of 5 events"
    edge.proc.wait(timeout=10)
    assert edge.proc.returncode == 0, edge.logs()
    if edge.stderr_path:
        assert "Fatal error" not in edge.stderr_path.read_text(errors="replace")
    edge.proc = None  # stopped here; the fixture has nothing left to stop


def test_sigterm_does_not_wait_for_a_stalled_tls_handshake(edge_factory, raw_backend):
    # A connection that never finishes its handshake has no request to finish: draining closes
    # it at once instead of waiting for tls_handshake (60 s) or drain (30 s).
    edge = edge_factory({"raw": raw_backend.url()}, workers=1,
                        timeouts={"tls_handshake": "60s", "drain": "30s"})
    require_edge(edge)
    stalled = socket.create_connection(("127.0.0.1", edge.tls_port), 5)
    try:
        time.sleep(0.3)  # accepted: the handshake is in progress
        started = time.monotonic()
        edge.proc.send_signal(signal.SIGTERM)
        edge.proc.wait(timeout=10)
        assert edge.proc.returncode == 0, edge.logs()
        assert time.monotonic() - started < 5, "the drain waited for the stalled handshake"
        edge.proc = None  # stopped here; the fixture has nothing left to stop
    finally:
        stalled.close()
