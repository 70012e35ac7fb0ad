"""limits.max_pending_handshakes: a burst of new TLS connections is admitted a few handshakes
at a time, and clients that stall their handshake cannot lock new ones out."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time

import pytest

from conftest import require_edge
from helpers.wire import ACCEPT_BOTH, jsonrpc


def _tools_call(edge, cafile) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["curl", "-sS", "--max-time", "10", "--http1.1", "--cacert", cafile, "-o", "/dev/null",
         "-w", "%{http_code}", "-H", "Content-Type: application/json", "-H", f"Accept: {ACCEPT_BOTH}",
         "--data-binary", json.dumps(jsonrpc("tools/call", 1)), edge.url("/mcp", tls=True)],
        capture_output=True, text=True, timeout=30)


def _closed_by_server(sock: socket.socket, within: float) -> bool:
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


@pytest.mark.parametrize("places,stalled_count,evicted", [(2, 2, 1), (20, 60, 20)],
                         ids=["as-many-as-places", "three-times-the-places"])
def test_stalled_handshakes_give_way_to_new_clients(places, stalled_count, evicted, edge_factory,
                                                    backend_c, cafile):
    # Every place is taken by connections that never send a ClientHello; with more of them than
    # places, the rest wait in the accept queue ahead of curl. The handshake timeout is long, so
    # only eviction (of a handshake older than a second) can let curl in.
    edge = edge_factory({"c": backend_c.url}, limits={"max_pending_handshakes": places},
                        timeouts={"tls_handshake": "60s"})
    require_edge(edge)
    stalled = [socket.create_connection(("127.0.0.1", edge.tls_port), 5) for _ in range(stalled_count)]
    try:
        time.sleep(0.3)  # the first ones accepted and holding their places
        r = _tools_call(edge, cafile)
        assert r.returncode == 0 and r.stdout == "200", f"curl: {r.returncode} {r.stdout} {r.stderr}"
        # Places went to newer connections by closing the oldest stalled ones, long before 60 s.
        closed = sum(_closed_by_server(s, 5 if i == 0 else 0.2) for i, s in enumerate(stalled[:evicted]))
        assert closed == evicted, f"only {closed} of the oldest {evicted} stalled handshakes were evicted"
        edge.assert_alive()
    finally:
        for s in stalled:
            s.close()


def test_burst_larger_than_the_limit_is_served_completely(edge_factory, backend_c, tmp_path):
    edge = edge_factory({"c": backend_c.url}, limits={"max_pending_handshakes": 4})
    require_edge(edge)
    body = tmp_path / "body.json"
    body.write_text(json.dumps(jsonrpc("tools/call", 1)))
    r = subprocess.run(
        ["h2load", "--h1", "-n", "300", "-c", "300", "-m", "1", "-H", "Content-Type: application/json",
         "-H", f"Accept: {ACCEPT_BOTH}", "-d", str(body), edge.url("/mcp", tls=True)],
        capture_output=True, text=True, timeout=120)
    m = re.search(r"requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed", r.stdout)
    assert m, r.stdout + r.stderr
    total, succeeded, failed = map(int, m.groups())
    assert (total, succeeded, failed) == (300, 300, 0), r.stdout
    edge.assert_alive()
