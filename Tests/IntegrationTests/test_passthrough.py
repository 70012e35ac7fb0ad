"""What a passthrough route does to a request on its way up: target, headers, body."""

from __future__ import annotations

import json

import httpx
import pytest

from conftest import require_edge
from helpers.wire import ACCEPT_BOTH, client_context, connect, jsonrpc, read_body, read_head

MODES = [
    pytest.param((False, False, "HTTP/1.1"), id="plain-http1.1"),
    pytest.param((True, False, "HTTP/1.1"), id="tls-http1.1"),
    pytest.param((True, True, "HTTP/2"), id="tls-http2"),
    pytest.param((False, True, "HTTP/2"), id="plain-h2c"),
]


def _client(mode, cafile) -> httpx.Client:
    tls, http2, _ = mode
    if tls:
        return httpx.Client(verify=client_context(cafile), http2=http2, timeout=15)
    if http2:
        return httpx.Client(http1=False, http2=True, timeout=15)
    return httpx.Client(timeout=15)


@pytest.mark.parametrize("mode", MODES)
def test_request_forwarded_faithfully(mode, edge_factory, raw_backend, cafile):
    edge = edge_factory({"raw": raw_backend.url("/backend/mcp")})
    require_edge(edge)
    body = json.dumps(jsonrpc("tools/call", "q-1", {"name": "echo", "arguments": {"text": "hé"}}))
    with _client(mode, cafile) as c:
        r = c.post(edge.url("/mcp", tls=mode[0], query="a=1&b=two"), content=body.encode(),
                   headers={"Content-Type": "application/json", "Accept": ACCEPT_BOTH,
                            "Mcp-Session-Id": "sess-42", "MCP-Protocol-Version": "2025-06-18",
                            "X-Custom": "kept", "X-Raw-Session": "sess-42"})
    assert r.status_code == 200 and r.http_version == mode[2]
    assert r.json()["id"] == "q-1"
    assert r.headers.get("mcp-session-id") == "sess-42"
    (req,) = raw_backend.snapshot()[1]
    assert req.method == "POST"
    # The upstream target is the server URL's path plus the client's query string.
    assert req.target == "/backend/mcp?a=1&b=two"
    assert req.body == body.encode()
    assert req.header("mcp-session-id") == "sess-42"
    assert req.header("mcp-protocol-version") == "2025-06-18"
    assert req.header("x-custom") == "kept"
    assert req.header("content-type") == "application/json"
    assert "text/event-stream" in (req.header("accept") or "")
    assert req.header("host"), "no Host header upstream"
    xff = req.header_all("x-forwarded-for")
    assert xff and "127.0.0.1" in xff[-1], req.headers
    fwd = req.header_all("forwarded")
    assert fwd and "for=" in fwd[-1].lower() and "127.0.0.1" in fwd[-1], req.headers


def test_hop_by_hop_headers_dropped(edge_factory, raw_backend):
    edge = edge_factory({"raw": raw_backend.url()})
    require_edge(edge)
    body = json.dumps(jsonrpc("ping", 1)).encode()
    s = connect(edge.plain_port)
    try:
        s.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Connection: keep-alive, X-Drop-Me\r\nX-Drop-Me: secret\r\nKeep-Alive: timeout=5\r\n"
                  b"Proxy-Authorization: Basic Zm9vOmJhcg==\r\nProxy-Connection: keep-alive\r\n"
                  b"X-Keep-Me: yes\r\n" + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        status, head, rest = read_head(s)
        assert status == 200, head
        assert json.loads(read_body(s, head, rest))["id"] == 1
    finally:
        s.close()
    (req,) = raw_backend.snapshot()[1]
    names = {k.lower() for k, _ in req.headers}
    assert "x-keep-me" in names
    for hop in ("x-drop-me", "keep-alive", "proxy-authorization", "proxy-connection"):
        assert hop not in names, f"{hop} was forwarded: {req.headers}"
    conn_hdr = (req.header("connection") or "").lower()
    assert "x-drop-me" not in conn_hdr


def test_unknown_path_404(edge_factory, raw_backend):
    edge = edge_factory({"raw": raw_backend.url()})
    require_edge(edge)
    with httpx.Client(timeout=15) as c:
        r = c.post(edge.url("/nope", tls=False), json=jsonrpc("ping", 1))
        assert r.status_code == 404
        r = c.get(edge.url("/", tls=False))
        assert r.status_code == 404
    assert raw_backend.snapshot()[1] == []


@pytest.mark.parametrize("mode", MODES)
def test_delete_and_status_codes_relayed(mode, edge_factory, raw_backend, cafile):
    edge = edge_factory({"raw": raw_backend.url()})
    with _client(mode, cafile) as c:
        if edge.direct and mode[1]:
            pytest.skip("direct mode: HTTP/2 is mcp-edge's job")
        url = edge.url("/mcp", tls=mode[0])
        r = c.delete(url, headers={"Mcp-Session-Id": "s-9", "X-Raw-Mode": "status", "X-Raw-Status": "204"})
        assert r.status_code == 204
        r = c.post(url, json=jsonrpc("tools/list", 1), headers={"X-Raw-Mode": "status", "X-Raw-Status": "404"})
        assert r.status_code == 404
        r = c.post(url, json=jsonrpc("notifications/initialized", None),
                   headers={"Accept": ACCEPT_BOTH})
        assert r.status_code == 202 and r.content == b""
    reqs = raw_backend.snapshot()[1]
    assert [q.method for q in reqs] == ["DELETE", "POST", "POST"]
    assert reqs[0].header("mcp-session-id") == "s-9"
