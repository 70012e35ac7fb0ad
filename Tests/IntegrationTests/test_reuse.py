"""Upstream keep-alive: a pool per worker, so 100 sequential requests (each on a new client
connection) open at most `workers` connections to the backend."""

from __future__ import annotations

import http.client
import json

import pytest

from conftest import require_edge
from helpers.wire import ACCEPT_BOTH, jsonrpc


def _ping(conn: http.client.HTTPConnection, i: int) -> tuple[int, bytes]:
    """One JSON-RPC ping with id `i` on `conn`: the status and the body."""
    conn.request("POST", "/mcp", body=json.dumps(jsonrpc("ping", i)),
                 headers={"Content-Type": "application/json", "Accept": ACCEPT_BOTH})
    r = conn.getresponse()
    return r.status, r.read()


@pytest.mark.parametrize("workers", [1, 2])
def test_sequential_requests_reuse_upstream_connections(workers, edge_factory, raw_backend):
    edge = edge_factory({"raw": raw_backend.url()}, workers=workers)
    require_edge(edge)
    for i in range(100):
        conn = http.client.HTTPConnection("127.0.0.1", edge.plain_port, timeout=15)
        try:
            status, body = _ping(conn, i)
            assert status == 200, (i, status, body)
            assert json.loads(body)["id"] == i
        finally:
            conn.close()
    conns, reqs, _ = raw_backend.snapshot()
    assert len(reqs) == 100
    assert len(conns) <= workers, (
        f"{len(conns)} upstream connections for 100 sequential requests with {workers} worker(s)")


def test_keepalive_client_connection_many_requests(edge_factory, raw_backend):
    """One client keep-alive connection, 100 requests: one upstream connection."""
    edge = edge_factory({"raw": raw_backend.url()}, workers=1)
    require_edge(edge)
    conn = http.client.HTTPConnection("127.0.0.1", edge.plain_port, timeout=15)
    try:
        for i in range(100):
            status, body = _ping(conn, i)
            assert status == 200 and json.loads(body)["id"] == i
    finally:
        conn.close()
    assert raw_backend.accepts == 1


def test_requests_over_the_connection_cap_wait_for_a_free_connection(edge_factory, raw_backend):
    """max_upstream_connections_per_server: 1 and 20 concurrent clients: every request is
    answered (queued, not refused) over that single upstream connection."""
    import concurrent.futures

    edge = edge_factory({"raw": raw_backend.url()}, workers=1,
                        limits={"max_upstream_connections_per_server": 1,
                                "max_idle_upstream_connections_per_server": 1})
    require_edge(edge)

    def one(i):
        conn = http.client.HTTPConnection("127.0.0.1", edge.plain_port, timeout=15)
        try:
            status, body = _ping(conn, i)
            return status, json.loads(body)["id"]
        finally:
            conn.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(one, range(20)))
    assert results == [(200, i) for i in range(20)]
    assert raw_backend.accepts == 1


def test_request_on_a_stale_pooled_connection_is_replayed(edge_factory):
    """The backend closes each kept-alive connection when its second request arrives (the
    keep-alive timeout race). mcp-edge sends that request again on a fresh connection: the
    client sees only successes."""
    from helpers.rawbackend import RawBackend

    backend = RawBackend(stale_after=1).start()
    try:
        edge = edge_factory({"raw": backend.url()}, workers=1)
        require_edge(edge)
        conn = http.client.HTTPConnection("127.0.0.1", edge.plain_port, timeout=15)
        try:
            for i in range(5):
                status, body = _ping(conn, i)
                assert status == 200, (i, status, body)
                assert json.loads(body)["id"] == i
        finally:
            conn.close()
        assert backend.dropped >= 1, "the stale-connection path was not exercised"
        assert len(backend.requests) == 5
    finally:
        backend.stop()


def test_tls_keepalive_connection_survives_buffer_release(edge_factory, raw_backend, cafile):
    """A busy TLS keep-alive connection keeps OpenSSL's record buffers; when it goes quiet the
    worker's once-a-second sweep frees them. Requests before, between and after must all work,
    over HTTP/1.1 and HTTP/2."""
    import time

    import httpx

    from helpers.wire import client_context

    edge = edge_factory({"raw": raw_backend.url()}, workers=1)
    require_edge(edge)
    for http2 in (False, True):
        with httpx.Client(verify=client_context(cafile), http2=http2, timeout=15) as client:
            url = edge.url("/mcp", tls=True)

            def call(i: int) -> None:
                r = client.post(url, content=json.dumps(jsonrpc("ping", i)),
                                headers={"Content-Type": "application/json", "Accept": ACCEPT_BOTH})
                assert r.status_code == 200 and r.json()["id"] == i, (http2, i, r.status_code)
                assert r.http_version == ("HTTP/2" if http2 else "HTTP/1.1")

            for i in range(5):      # busy: requests under a second apart
                call(i)
            time.sleep(2.5)         # quiet through at least two sweeps
            for i in range(5, 10):  # the same connection, buffers allocated again
                call(i)
    conns, reqs, _ = raw_backend.snapshot()
    assert len(reqs) == 20
