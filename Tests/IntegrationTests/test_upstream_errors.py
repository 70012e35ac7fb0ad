"""Upstream failures become HTTP errors with a JSON-RPC error body that carries the client's
id and names the backend."""

from __future__ import annotations

import json

import httpx
import pytest

from conftest import require_edge
from helpers.wire import ACCEPT_BOTH, client_context

MODES = [
    pytest.param((False, False), id="plain-http1.1"),
    pytest.param((True, False), id="tls-http1.1"),
    pytest.param((True, True), id="tls-http2"),
]


def _post(edge, mode, cafile, raw_body: bytes, headers=None) -> httpx.Response:
    tls, http2 = mode
    kw = {"verify": client_context(cafile), "http2": http2} if tls else {}
    with httpx.Client(timeout=30, **kw) as c:
        return c.post(edge.url("/mcp", tls=tls), content=raw_body,
                      headers={"Content-Type": "application/json", "Accept": ACCEPT_BOTH,
                               **(headers or {})})


def _assert_jsonrpc_error(r: httpx.Response, raw_id: str, backend: str) -> None:
    msg = r.json()
    assert msg.get("jsonrpc") == "2.0", msg
    assert msg["id"] == json.loads(raw_id) and type(msg["id"]) is type(json.loads(raw_id)), msg
    assert -32099 <= msg["error"]["code"] <= -32000, msg
    assert backend in msg["error"]["message"], msg


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("raw_id", ['"abc-7"', "42"], ids=["string-id", "int-id"])
def test_upstream_down_502(mode, raw_id, edge_factory, closed_port_url, cafile):
    edge = edge_factory({"demo": closed_port_url})
    require_edge(edge)
    r = _post(edge, mode, cafile,
              ('{"jsonrpc":"2.0","id":' + raw_id + ',"method":"tools/list"}').encode())
    assert r.status_code == 502, r.text
    _assert_jsonrpc_error(r, raw_id, "demo")


def test_upstream_down_non_jsonrpc_502(edge_factory, closed_port_url, cafile):
    edge = edge_factory({"demo": closed_port_url})
    require_edge(edge)
    with httpx.Client(timeout=30) as c:
        r = c.get(edge.url("/mcp", tls=False), headers={"Accept": "text/event-stream"})
    assert r.status_code == 502


@pytest.mark.parametrize("mode", MODES)
def test_upstream_hangs_504(mode, edge_factory, raw_backend, cafile):
    """The backend accepts and never answers: with upstream_first_byte: 2s the client gets a
    gateway error (504, or 502) with a JSON-RPC error, well before its own timeout."""
    edge = edge_factory({"slowpoke": raw_backend.url()}, timeouts={"upstream_first_byte": "2s"})
    require_edge(edge)
    r = _post(edge, mode, cafile, b'{"jsonrpc":"2.0","id":"h1","method":"tools/call"}',
              headers={"X-Raw-Mode": "hang"})
    assert r.status_code in (504, 502), r.text
    _assert_jsonrpc_error(r, '"h1"', "slowpoke")
    # The hung upstream connection is given up, not left open.
    assert raw_backend.wait_for(lambda b: not b.open_conns() or all(
        c.requests == 0 for c in b.open_conns()), 10), "the hung upstream connection was kept"


def test_backend_recovers_after_being_down(edge_factory, raw_backend, closed_port_url, cafile):
    """Two routes, one backend down: the other route still works on the same connection."""
    edge = edge_factory({"down": closed_port_url, "up": raw_backend.url()},
                        routes=[("/down/mcp", "down"), ("/mcp", "up")])
    require_edge(edge)
    with httpx.Client(timeout=30) as c:
        r = c.post(edge.url("/down/mcp", tls=False), json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert r.status_code == 502
        r = c.post(edge.url("/mcp", tls=False), json={"jsonrpc": "2.0", "id": 2, "method": "ping"})
        assert r.status_code == 200 and r.json()["id"] == 2
