"""Issue 10, HTTP/1.1 findings: pipelining without reading (4), a backend that sends its head
and dies (8), SIGTERM while a plaintext connection is being sniffed (9), a chunk size above
limits.max_body_bytes (10). Each attack runs while a well-behaved client keeps calling a tool
on its own connection; each test notes what the binary before the fixes did."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import require_edge
from helpers.goodclient import GoodClient
from helpers.hardening import MiB, Footprint, h1_post, small_rcvbuf_socket
from helpers.wire import client_context, connect, jsonrpc, read_body, read_head

PIPELINED = 50_000


def test_pipelining_without_reading_keeps_memory_bounded(edge_factory, backend_c):
    """50 000 pipelined tools/call requests on a socket with a 4 KiB receive buffer that never
    reads: mcp-edge must stop starting new requests (and reading) once ~64 KiB of responses
    wait unsent, so its RSS stays bounded.
    Before the fixes: every request was read and answered into an unbounded output buffer:
    all 50 000 sent, RSS 13.9 -> 44.1 MiB (+29.5 MiB): the growth assertion fails. After:
    ~18 000 requests taken before reading stopped, RSS +0.3 MiB."""
    edge = edge_factory({"c": backend_c.url})
    require_edge(edge)
    good = GoodClient(edge.plain_port).start()
    try:
        assert good.wait_successes(5, 10), good.report()
        base = Footprint(edge)
        ok_before, _ = good.counts()

        body = json.dumps(jsonrpc("tools/call", 7, {"name": "echo", "arguments": {}})).encode()
        data = h1_post(body) * PIPELINED
        attacker = small_rcvbuf_socket(edge.plain_port)
        sent = [0]

        def send_all():
            # Stops when everything is written or mcp-edge has taken nothing for 2 s.
            attacker.settimeout(2.0)
            try:
                while sent[0] < len(data):
                    sent[0] += attacker.send(data[sent[0]:sent[0] + 65536])
            except OSError:
                pass

        t = threading.Thread(target=send_all, daemon=True)
        t.start()
        deadline = time.monotonic() + 20
        while t.is_alive() and time.monotonic() < deadline:
            base.sample()
            time.sleep(0.1)
        base.sample_for(2.0)  # whatever was read keeps being answered into the buffer
        t.join(1)
        ok_during = good.counts()[0] - ok_before
        print(f"pipelining: sent {sent[0]} of {len(data)} bytes ({sent[0] * PIPELINED // len(data)} requests); "
              f"{base}; good client {good.report()}")
        attacker.close()
        assert base.rss_growth_kib < 20 * MiB, (
            f"RSS grew by {base.rss_growth_kib / 1024:.1f} MiB under {PIPELINED} unread pipelined requests; {base}")
        base.assert_back(rss_slack_kib=20 * MiB)
        assert ok_during >= 10 and not good.failures, good.report()
    finally:
        good.stop()


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_backend_head_then_death_is_a_502_with_the_id(tls, edge_factory, raw_backend, cafile):
    """The backend sends a response head and the first bytes of a 1000-byte body, then closes,
    before mcp-edge could flush the head: the client gets a 502 whose body is a JSON-RPC error
    carrying its request id.
    Before the fixes: the connection was closed with nothing sent: status None, the 502
    assertion fails."""
    edge = edge_factory({"raw": raw_backend.url()})
    require_edge(edge)
    ctx = client_context(cafile, ["http/1.1"]) if tls else None
    good = GoodClient(edge.port(tls), tls=client_context(cafile, ["http/1.1"]) if tls else None).start()
    try:
        assert good.wait_successes(3, 10), good.report()
        for n in range(3):
            rid = f"hd-{n}"
            s = connect(edge.port(tls), ctx)
            try:
                body = json.dumps(jsonrpc("tools/call", rid, {"name": "t"})).encode()
                s.sendall(h1_post(body, {"X-Raw-Mode": "headdie"}))
                status, head, rest = read_head(s, 10)
                assert status == 502, f"expected 502, got {status}: {head[:300]!r}"
                msg = json.loads(read_body(s, head, rest, 10))
                assert msg["id"] == rid and "error" in msg, msg
                assert "raw" in msg["error"]["message"], msg
            finally:
                s.close()
        ok, _ = good.counts()
        assert good.wait_successes(ok + 3, 10), good.report()
        assert not good.failures, good.report()
    finally:
        good.stop()
    edge.assert_alive()


def test_sigterm_with_an_unsent_plaintext_connection_exits_promptly(edge_factory, raw_backend):
    """A plaintext connection that has sent nothing (mcp-edge is sniffing it for the h2c
    preface) must not hold the drain until request_head / tls_handshake (10 s).
    Before the fixes: the process stayed until the request head timeout: it exited 9.8 s
    after SIGTERM, the 2.5 s wait fails."""
    edge = edge_factory({"raw": raw_backend.url()}, timeouts={"drain": "30s"})
    require_edge(edge)
    silent = socket.create_connection(("127.0.0.1", edge.plain_port), 5)
    try:
        time.sleep(0.3)  # accepted and being sniffed
        started = time.monotonic()
        edge.proc.send_signal(signal.SIGTERM)
        try:
            edge.proc.wait(timeout=2.5)
        except subprocess.TimeoutExpired:
            try:  # how long it does take, for the report; the fixture kills it after 15 s
                edge.proc.wait(timeout=15)
                took = f"it exited {time.monotonic() - started:.1f} s after SIGTERM"
                edge.proc = None
            except subprocess.TimeoutExpired:
                took = "it was still running 15 s after"
            pytest.fail("mcp-edge was still running 2.5 s after SIGTERM with one silent plaintext "
                        f"connection open ({took})")
        assert edge.proc.returncode == 0, edge.logs()
        edge.proc = None  # stopped here; the fixture has nothing left to stop
    finally:
        silent.close()


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_chunk_size_above_max_body_is_refused_at_the_chunk_header(tls, edge_factory, raw_backend, cafile):
    """Transfer-Encoding: chunked, then only the chunk header `FFFFFFF` (256 MiB) with
    max_body_bytes 1 MiB: 413 arrives without a single data byte sent.
    Before the fixes: mcp-edge waited for the chunk's data: no answer within 5 s (status
    None), the 413 assertion fails."""
    edge = edge_factory({"raw": raw_backend.url()}, limits={"max_body_bytes": "1MiB"})
    require_edge(edge)
    ctx = client_context(cafile, ["http/1.1"]) if tls else None
    good = GoodClient(edge.port(tls), tls=client_context(cafile, ["http/1.1"]) if tls else None).start()
    try:
        assert good.wait_successes(3, 10), good.report()
        s = connect(edge.port(tls), ctx)
        try:
            s.sendall(h1_post(b"FFFFFFF\r\n", chunked=True))
            status, head, _ = read_head(s, 5)
            assert status == 413, f"expected 413 at the chunk header, got {status}: {head[:300]!r}"
        finally:
            s.close()
        reqs = raw_backend.snapshot()[1]
        assert all(r.header("transfer-encoding") is None for r in reqs), "the oversized chunked request was forwarded"
        ok, _ = good.counts()
        assert good.wait_successes(ok + 3, 10) and not good.failures, good.report()
    finally:
        good.stop()
    edge.assert_alive()
