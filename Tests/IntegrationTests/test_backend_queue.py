"""Request queuing in front of a backend: at most max_upstream_connections_per_server requests
in flight per worker, at most max_queued_requests_per_server waiting (FIFO), the rest refused
at once with 503 and a JSON-RPC error naming the backend."""

from __future__ import annotations

import concurrent.futures
import json

import httpx


def test_a_full_queue_is_refused_with_503_naming_the_backend(edge_factory, raw_backend):
    edge = edge_factory(servers={"slow": raw_backend.url()},
                        limits={"max_upstream_connections_per_server": 1, "max_queued_requests_per_server": 1,
                                "max_idle_upstream_connections_per_server": 1})
    url = edge.url("/mcp", tls=False)

    def call(i: int) -> httpx.Response:
        body = {"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {"name": "x"}}
        return httpx.post(url, content=json.dumps(body), timeout=30,
                          headers={"Content-Type": "application/json", "Accept": "application/json",
                                   "X-Raw-Delay": "1.5"})

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(call, range(4)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 503, 503], statuses
    refused = [r for r in responses if r.status_code == 503]
    for r in refused:
        error = r.json()["error"]
        assert "slow" in error["message"] and "queue is full" in error["message"], error
        assert r.json()["id"] in (0, 1, 2, 3)
    _, requests, _ = raw_backend.snapshot()
    assert len(requests) == 2, "refused requests never reach the backend"
