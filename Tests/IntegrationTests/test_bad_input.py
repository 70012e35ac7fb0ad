"""HTTP/1.1 request smuggling vectors and limits, on raw sockets, to the plaintext and the TLS
listener. Each must be answered with an error and never reach the backend (it must not see a
single byte), and mcp-edge must keep serving afterwards."""

from __future__ import annotations

import json

import httpx
import pytest

from conftest import require_edge
from helpers.wire import ACCEPT_BOTH, client_context, jsonrpc, raw_exchange

BODY = json.dumps(jsonrpc("ping", 1)).encode()
N = str(len(BODY)).encode()
CHUNKED_BODY = f"{len(BODY):x}\r\n".encode() + BODY + b"\r\n0\r\n\r\n"


def req(*headers: bytes, body: bytes = BODY, line: bytes = b"POST /mcp HTTP/1.1",
        host: bool = True, eol: bytes = b"\r\n") -> bytes:
    hs = ([b"Host: 127.0.0.1"] if host else []) + [b"Content-Type: application/json",
                                                 b"Accept: application/json, text/event-stream"]
    return eol.join([line, *hs, *headers]) + eol + eol + body


BAD = {400}
BAD_TE = {400, 501}  # an unknown or non-final transfer coding may be 501 Not Implemented

VECTORS = [
    ("cl-and-te", req(b"Content-Length: " + str(len(CHUNKED_BODY)).encode(),
                      b"Transfer-Encoding: chunked", body=CHUNKED_BODY), BAD),
    ("te-and-cl", req(b"Transfer-Encoding: chunked",
                      b"Content-Length: " + str(len(CHUNKED_BODY)).encode(), body=CHUNKED_BODY), BAD),
    ("double-cl-differing", req(b"Content-Length: " + N, b"Content-Length: 7"), BAD),
    ("cl-list-differing", req(b"Content-Length: " + N + b", 7"), BAD),
    ("obs-fold", req(b"X-Folded: a", b"  b", b"Content-Length: " + N), BAD),
    ("obs-fold-te", req(b"Transfer-Encoding:", b" chunked", body=CHUNKED_BODY), BAD),
    ("bare-cr-in-value", req(b"X-Bad: a\rb", b"Content-Length: " + N), BAD),
    ("bare-lf-line-endings", req(b"Content-Length: " + N, eol=b"\n"), BAD),
    ("bare-lf-one-header", req(b"X-A: 1\nX-B: 2", b"Content-Length: " + N), BAD),
    ("space-before-colon", req(b"Content-Length : " + N), BAD),
    ("space-before-colon-te", req(b"Transfer-Encoding : chunked", body=CHUNKED_BODY), BAD),
    ("bad-chunk-size", req(b"Transfer-Encoding: chunked", body=b"zz\r\n" + BODY + b"\r\n0\r\n\r\n"), BAD),
    ("chunk-size-overflow", req(b"Transfer-Encoding: chunked",
                                body=b"1" + b"0" * 20 + b"\r\n" + BODY + b"\r\n0\r\n\r\n"), BAD),
    ("chunk-size-0x", req(b"Transfer-Encoding: chunked",
                          body=f"0x{len(BODY):x}\r\n".encode() + BODY + b"\r\n0\r\n\r\n"), BAD),
    ("te-gzip", req(b"Transfer-Encoding: gzip", body=BODY), BAD_TE),
    ("te-unknown", req(b"Transfer-Encoding: foo", body=BODY), BAD_TE),
    ("te-chunked-not-last", req(b"Transfer-Encoding: chunked, gzip", body=CHUNKED_BODY), BAD_TE),
    ("cl-not-a-number", req(b"Content-Length: abc"), BAD),
    ("cl-negative", req(b"Content-Length: -1"), BAD),
    ("cl-plus-sign", req(b"Content-Length: +" + N), BAD),
    ("nul-in-header", req(b"X-Nul: a\x00b", b"Content-Length: " + N), BAD),
    ("invalid-header-name", req(b"X(Bad): 1", b"Content-Length: " + N), BAD),
    ("missing-host", req(b"Content-Length: " + N, host=False), BAD),
    ("bad-request-line", req(b"Content-Length: " + N, line=b"POST /mcp  HTTP/1.1"), BAD),
]


def _good_request(edge, cafile, tls: bool) -> None:
    kw = {"verify": client_context(cafile)} if tls else {}
    with httpx.Client(timeout=15, **kw) as c:
        r = c.post(edge.url("/mcp", tls=tls), json=jsonrpc("ping", 99),
                   headers={"Accept": ACCEPT_BOTH})
    assert r.status_code == 200 and r.json()["id"] == 99


def _assert_backend_untouched(raw_backend, what: str) -> None:
    conns, reqs, _ = raw_backend.snapshot()
    seen = sum(c.bytes_received for c in conns)
    assert not reqs and seen == 0, (
        f"{what} was forwarded: the backend saw {len(reqs)} request(s), {seen} bytes: "
        f"{[(r.method, r.target, r.headers) for r in reqs]}")


@pytest.mark.parametrize("name,data,statuses", VECTORS, ids=[v[0] for v in VECTORS])
def test_smuggling_vector_rejected(name, data, statuses, edge_factory, raw_backend, cafile):
    edge = edge_factory({"raw": raw_backend.url()})
    require_edge(edge)
    for tls in (False, True):
        ctx = client_context(cafile, ["http/1.1"]) if tls else None
        status, head = raw_exchange(edge.port(tls), data, ctx)
        where = "TLS" if tls else "plaintext"
        assert status in statuses, f"{name} on the {where} listener: got {status}: {head[:300]!r}"
        _assert_backend_untouched(raw_backend, f"{name} on the {where} listener")
    for tls in (False, True):
        _good_request(edge, cafile, tls)


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_oversized_head_431(tls, edge_factory, raw_backend, cafile):
    edge = edge_factory({"raw": raw_backend.url()})
    require_edge(edge)
    ctx = client_context(cafile, ["http/1.1"]) if tls else None
    big = req(b"X-Big: " + b"a" * (70 * 1024), b"Content-Length: " + N)
    status, head = raw_exchange(edge.port(tls), big, ctx)
    assert status == 431, head[:300]
    many = req(*[f"X-H{i}: v".encode() for i in range(150)], b"Content-Length: " + N)
    status, head = raw_exchange(edge.port(tls), many, ctx)
    assert status == 431, head[:300]
    _assert_backend_untouched(raw_backend, "an oversized head")
    _good_request(edge, cafile, tls)


def test_body_over_limit_413(edge_factory, raw_backend, cafile):
    edge = edge_factory({"raw": raw_backend.url()}, limits={"max_body_bytes": 1024})
    require_edge(edge)
    body = json.dumps(jsonrpc("tools/call", 3, {"name": "x", "arguments": {"s": "z" * 4096}})).encode()
    status, head = raw_exchange(edge.plain_port, req(f"Content-Length: {len(body)}".encode(), body=body))
    assert status == 413, head[:300]
    _assert_backend_untouched(raw_backend, "an over-limit body")
    _good_request(edge, cafile, False)


def test_all_vectors_then_still_serving(edge_factory, raw_backend, cafile):
    """Every vector and an oversized head, one after the other on one mcp-edge, then good
    requests on both listeners."""
    edge = edge_factory({"raw": raw_backend.url()})
    require_edge(edge)
    for tls in (False, True):
        ctx = client_context(cafile, ["http/1.1"]) if tls else None
        for name, data, statuses in VECTORS:
            status, _ = raw_exchange(edge.port(tls), data, ctx)
            assert status in statuses, name
        status, _ = raw_exchange(edge.port(tls), req(b"X-Big: " + b"a" * (70 * 1024)), ctx)
        assert status == 431
    _assert_backend_untouched(raw_backend, "one of the vectors")
    edge.assert_alive()
    _good_request(edge, cafile, False)
    _good_request(edge, cafile, True)
