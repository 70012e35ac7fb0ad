"""An idle keep-alive connection holds no buffers: after its request, a TLS connection costs
about OpenSSL's own state (~15 KiB; see Benchmarks/idle_connections.py), a plaintext one
about 1.6 KiB. A connection that kept a 16 KiB read buffer would double the TLS figure. An
HTTP/2 connection adds nghttp2's session (~15 KiB, most of it allocated by nghttp2 itself)."""

from __future__ import annotations

import json
import time

import pytest

from conftest import require_edge
from helpers.h2client import H2Client
from helpers.wire import ACCEPT_BOTH, client_context, connect, jsonrpc, read_head

COUNT = 300


def _open_and_ask(edge, tls: bool, cafile: str, count: int) -> list:
    body = json.dumps(jsonrpc("tools/call", 1)).encode()
    request = (b"POST /mcp HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n"
               b"accept: " + ACCEPT_BOTH.encode() + b"\r\ncontent-length: %d\r\n\r\n" % len(body) + body)
    ctx = client_context(cafile, ["http/1.1"]) if tls else None
    sockets = []
    for _ in range(count):
        s = connect(edge.port(tls), ctx)
        s.sendall(request)
        status, head, _ = read_head(s)
        assert status == 200, head
        sockets.append(s)
    return sockets


def _open_and_ask_h2(edge, cafile: str, count: int) -> list[H2Client]:
    body = json.dumps(jsonrpc("tools/call", 1)).encode()
    clients = []
    for _ in range(count):
        client = H2Client(edge.port(True), client_context(cafile))
        sid = client.request("POST", "/mcp", {"content-type": "application/json", "accept": ACCEPT_BOTH}, body)
        assert client.pump(lambda: client.done(sid), 10), "no complete HTTP/2 response"
        assert client.streams[sid].status == 200, client.streams[sid].headers
        clients.append(client)
    return clients


def test_idle_http2_connections_stay_small(edge_factory, backend_c, cafile):
    # 26.7 KiB measured (nginx: 21.3); 31 before quiet sessions gave back their frame buffer's
    # pages, 36.7 before that buffer was mapped, 45.0 when the session reserved its lists up front.
    edge = edge_factory({"c": backend_c.url})
    require_edge(edge)
    warm = _open_and_ask_h2(edge, cafile, 20)
    time.sleep(1.5)
    before = edge.rss_kib()
    idle = _open_and_ask_h2(edge, cafile, COUNT)
    time.sleep(3.0)  # a whole quiet sweep interval (1 s) passes before the pages go back
    per_connection = (edge.rss_kib() - before) / COUNT
    for client in warm + idle:
        client.close()
    assert per_connection < 29, f"{per_connection:.1f} KiB per idle HTTP/2 connection (limit 29)"


@pytest.mark.parametrize("tls,limit_kib", [(True, 24), (False, 6)], ids=["tls", "plain"])
def test_idle_keepalive_connections_hold_no_buffers(tls, limit_kib, edge_factory, backend_c, cafile):
    edge = edge_factory({"c": backend_c.url})
    require_edge(edge)
    warm = _open_and_ask(edge, tls, cafile, 20)  # pools, caches and code pages settle first
    time.sleep(1.5)
    before = edge.rss_kib()
    idle = _open_and_ask(edge, tls, cafile, COUNT)
    time.sleep(1.5)  # the worker's 1 s sweep frees what busy connections kept
    per_connection = (edge.rss_kib() - before) / COUNT
    for s in warm + idle:
        s.close()
    assert per_connection < limit_kib, f"{per_connection:.1f} KiB per idle connection (limit {limit_kib})"
