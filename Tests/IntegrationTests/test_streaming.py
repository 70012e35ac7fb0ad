"""SSE and bodies streamed through mcp-edge, with the raw backend's record of what it sent
and when (one clock: the backend runs in this process)."""

from __future__ import annotations

import json
import time

import h2.settings
import httpx
import pytest

from conftest import require_edge
from helpers.h2client import H2Client
from helpers.wire import (ACCEPT_BOTH, SSEParser, client_context, connect, jsonrpc, read_head)

# (TLS?, HTTP/2?, expected http_version)
HTTP_MODES = [
    pytest.param((True, False, "HTTP/1.1"), id="tls-http1.1"),
    pytest.param((True, True, "HTTP/2"), id="tls-http2"),
    pytest.param((False, False, "HTTP/1.1"), id="plain-http1.1"),
    pytest.param((False, True, "HTTP/2"), id="plain-h2c"),
]


@pytest.fixture(params=HTTP_MODES)
def hmode(request):
    return request.param


def _client(edge, hmode, cafile) -> tuple[httpx.Client, str]:
    tls, http2, _ = hmode
    if edge.direct and http2:
        pytest.skip("direct mode: HTTP/2 is mcp-edge's job")
    timeout = httpx.Timeout(15.0)
    if tls:
        c = httpx.Client(verify=client_context(cafile), http2=http2, timeout=timeout)
    elif http2:
        c = httpx.Client(http1=False, http2=True, timeout=timeout)
    else:
        c = httpx.Client(timeout=timeout)
    return c, edge.url("/mcp", tls=tls)


def _backend_finished(backend) -> None:
    """The backend notes an event as sent, and the stream as finished, only after its send call
    returns: the client can have everything before that. Wait for the record (bounded)."""
    assert backend.wait_for(lambda b: b.streams and b.streams[0].finished, 5), "backend never finished its stream"


def _stream_events(client: httpx.Client, method: str, url: str, headers: dict, body: bytes | None,
                   backend, expect_version: str):
    """Reads an SSE response; for each event notes when it arrived and how many events the
    backend had sent by then."""
    arrivals = []
    parser = SSEParser()
    with client.stream(method, url, headers=headers, content=body) as r:
        assert r.status_code == 200, r.read()
        assert r.http_version == expect_version
        assert "text/event-stream" in r.headers.get("content-type", "")
        for chunk in r.iter_raw():
            now = time.monotonic()
            for ev in parser.feed(chunk):
                streams = backend.snapshot()[2]
                sent_by_then = sum(1 for t in streams[-1].sent_at if t <= now) if streams else 0
                arrivals.append((ev, now, sent_by_then))
    return arrivals


def test_sse_post_events_arrive_as_sent(hmode, edge_factory, raw_backend, cafile):
    """The backend sends an event every 300 ms; event 1 reaches the client while the backend
    still has events to send (no whole-body buffering)."""
    edge = edge_factory({"raw": raw_backend.url()})
    client, url = _client(edge, hmode, cafile)
    body = json.dumps(jsonrpc("tools/call", 7, {"name": "t", "arguments": {}})).encode()
    headers = {"Content-Type": "application/json", "Accept": ACCEPT_BOTH, "X-Raw-Mode": "sse",
               "X-Raw-Events": "5", "X-Raw-Interval": "0.3"}
    with client:
        arrivals = _stream_events(client, "POST", url, headers, body, raw_backend, hmode[2])
    _backend_finished(raw_backend)
    stream = raw_backend.snapshot()[2][0]
    assert [e["id"] for e, _, _ in arrivals] == ["1", "2", "3", "4", "5"]
    assert json.loads(arrivals[-1][0]["data"]) == {"jsonrpc": "2.0", "id": 7, "result": {"events": 5}}
    assert len(stream.sent_at) == 5 and stream.finished
    first_at, sent_by_then = arrivals[0][1], arrivals[0][2]
    assert first_at < stream.sent_at[4] and sent_by_then < 5, (
        f"event 1 arrived at {first_at}, after the backend sent event 5 at {stream.sent_at[4]}: "
        "the response was buffered")
    # Each event arrives in order and never before it was sent.
    for (ev, at, _), sent in zip(arrivals, stream.sent_at):
        assert at >= sent


def test_get_sse_stream_held_open(hmode, edge_factory, raw_backend, cafile):
    """The client's standalone GET stream: the GET reaches the backend as sent and its events
    come through one by one."""
    edge = edge_factory({"raw": raw_backend.url()})
    client, url = _client(edge, hmode, cafile)
    headers = {"Accept": "text/event-stream", "Mcp-Session-Id": "sess-get-1",
               "MCP-Protocol-Version": "2025-06-18", "X-Raw-Mode": "sse", "X-Raw-Events": "5",
               "X-Raw-Interval": "0.3"}
    with client:
        arrivals = _stream_events(client, "GET", url, headers, None, raw_backend, hmode[2])
    _backend_finished(raw_backend)
    req = raw_backend.snapshot()[1][0]
    assert req.method == "GET" and req.body == b""
    assert "text/event-stream" in req.header("accept")
    assert req.header("mcp-session-id") == "sess-get-1"
    assert req.header("mcp-protocol-version") == "2025-06-18"
    stream = raw_backend.snapshot()[2][0]
    assert [json.loads(e["data"])["params"]["data"]["seq"] for e, _, _ in arrivals] == [1, 2, 3, 4, 5]
    assert arrivals[0][1] < stream.sent_at[4] and arrivals[0][2] < 5, "GET stream was buffered"


def test_large_bodies_both_ways(hmode, edge_factory, raw_backend, cafile):
    edge = edge_factory({"raw": raw_backend.url()})
    client, url = _client(edge, hmode, cafile)
    params = {"name": "big", "arguments": {"blob": "y" * (1 << 20)}}
    body = json.dumps(jsonrpc("tools/call", 11, params)).encode()
    with client:
        r = client.post(url, content=body, headers={"Content-Type": "application/json",
                                                    "Accept": ACCEPT_BOTH, "X-Raw-Size": str(3 << 20)})
    assert r.status_code == 200 and r.http_version == hmode[2]
    msg = r.json()
    assert msg["id"] == 11 and len(r.content) >= 3 << 20
    assert set(msg["result"]["pad"]) == {"x"}
    reqs = raw_backend.snapshot()[1]
    assert len(reqs) == 1 and reqs[0].body == body


def test_backend_closes_mid_stream(hmode, edge_factory, raw_backend, cafile):
    """The backend dies after one event: the client sees the stream end in error (a truncated
    response must not look complete), nothing hangs, and mcp-edge keeps serving."""
    edge = edge_factory({"raw": raw_backend.url()})
    client, url = _client(edge, hmode, cafile)
    headers = {"Content-Type": "application/json", "Accept": ACCEPT_BOTH, "X-Raw-Mode": "close"}
    body = json.dumps(jsonrpc("tools/call", 5, {"name": "t"})).encode()
    events, error = [], None
    with client:
        try:
            with client.stream("POST", url, headers=headers, content=body) as r:
                assert r.status_code == 200
                parser = SSEParser()
                for chunk in r.iter_raw():
                    events += parser.feed(chunk)
        except httpx.TimeoutException as e:
            pytest.fail(f"the client hung after the backend closed mid-stream: {e!r}")
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.StreamError) as e:
            error = e
        assert [e["id"] for e in events] == ["1"]
        assert error is not None, "the truncated stream ended as if it were complete"
        r = client.post(url, json=jsonrpc("ping", 6), headers={"Accept": ACCEPT_BOTH})
        assert r.status_code == 200 and r.json()["id"] == 6


def _wait_stream_conn_closed(raw_backend, timeout=10.0):
    assert raw_backend.wait_for(lambda b: b.streams, 10), "the backend never saw the stream"
    stream = raw_backend.snapshot()[2][0]
    conn = next(c for c in raw_backend.snapshot()[0] if c.conn_id == stream.conn_id)
    closed = raw_backend.wait_for(lambda b: conn.closed_at is not None, timeout)
    return stream, conn, closed


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_client_disconnect_h1_releases_upstream(tls, edge_factory, raw_backend, cafile):
    """The client closes its HTTP/1.1 connection after the first event: mcp-edge closes the
    upstream connection (the backend sees it go within seconds) and stays up."""
    edge = edge_factory({"raw": raw_backend.url()})
    ctx = client_context(cafile, ["http/1.1"]) if tls else None
    s = connect(edge.port(tls), ctx)
    body = json.dumps(jsonrpc("tools/call", 1, {"name": "t"})).encode()
    s.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              b"Accept: application/json, text/event-stream\r\nX-Raw-Mode: sse\r\n"
              b"X-Raw-Events: 100\r\nX-Raw-Interval: 0.3\r\n"
              + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    status, head, rest = read_head(s)
    assert status == 200, head
    deadline = time.monotonic() + 10
    while b"data:" not in rest and time.monotonic() < deadline:
        s.settimeout(max(0.1, deadline - time.monotonic()))
        rest += s.recv(65536)
    assert b"data:" in rest
    s.close()
    stream, conn, closed = _wait_stream_conn_closed(raw_backend)
    assert closed, "the upstream connection is still open 10 s after the client went away"
    assert not stream.finished and len(stream.sent_at) < 100
    with httpx.Client(verify=client_context(cafile), timeout=15) as c:
        r = c.post(edge.url("/mcp", tls=tls), json=jsonrpc("ping", 2))
        assert r.status_code == 200


@pytest.mark.parametrize("tls", [False, True], ids=["h2c", "tls-h2"])
def test_client_reset_h2_stream_releases_upstream(tls, edge_factory, raw_backend, cafile):
    """RST_STREAM after the first event: the upstream connection is closed, and the client's
    HTTP/2 connection keeps working for the next request."""
    edge = edge_factory({"raw": raw_backend.url()})
    require_edge(edge)
    h2c = H2Client(edge.port(tls), client_context(cafile) if tls else None)
    try:
        body = json.dumps(jsonrpc("tools/call", 1, {"name": "t"})).encode()
        sid = h2c.request("POST", "/mcp", {"content-type": "application/json", "accept": ACCEPT_BOTH,
                                           "x-raw-mode": "sse", "x-raw-events": "100",
                                           "x-raw-interval": "0.3"}, body)
        assert h2c.pump(lambda: b"data:" in h2c.streams[sid].data, 10), h2c.streams[sid]
        assert h2c.streams[sid].status == 200
        h2c.reset(sid)
        stream, conn, closed = _wait_stream_conn_closed(raw_backend)
        assert closed, "the upstream connection is still open 10 s after RST_STREAM"
        assert not stream.finished
        sid2 = h2c.request("POST", "/mcp", {"content-type": "application/json", "accept": ACCEPT_BOTH},
                           json.dumps(jsonrpc("ping", 2)).encode())
        assert h2c.pump(lambda: h2c.done(sid2), 10)
        st = h2c.streams[sid2]
        assert st.status == 200 and json.loads(st.data)["id"] == 2
    finally:
        h2c.close()


@pytest.mark.parametrize("tls", [True, False], ids=["tls", "h2c"])
def test_h2_streams_to_a_slow_reader_arrive_whole(tls, edge_factory, raw_backend, cafile):
    """Three 4 MiB responses on one HTTP/2 connection whose client does not read at first:
    mcp-edge fills the socket, keeps the frames it could not write, and resumes on
    writability. Each stream must arrive complete and parse as its own JSON-RPC result."""
    edge = edge_factory({"raw": raw_backend.url()})
    require_edge(edge)
    h2c = H2Client(edge.port(tls), client_context(cafile) if tls else None, timeout=30)
    try:
        # Windows big enough that only the socket, not flow control, holds mcp-edge back.
        h2c.conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 16 << 20})
        h2c._flush()
        sizes = {}
        for request_id, size in ((1, 4 << 20), (2, (4 << 20) + 12345), (3, (4 << 20) + 777)):
            body = json.dumps(jsonrpc("tools/call", request_id, {"name": "big"})).encode()
            sid = h2c.request("POST", "/mcp", {"content-type": "application/json", "accept": ACCEPT_BOTH,
                                               "x-raw-size": str(size)}, body)
            sizes[sid] = (request_id, size)
        time.sleep(1.0)  # let the socket fill while nobody reads
        assert h2c.pump(lambda: all(h2c.done(sid) for sid in sizes), 60), \
            {sid: len(h2c.streams[sid].data) for sid in sizes}
        for sid, (request_id, size) in sizes.items():
            st = h2c.streams[sid]
            assert st.status == 200 and st.reset_code is None
            msg = json.loads(st.data)
            assert msg["id"] == request_id
            assert len(st.data) >= size and set(msg["result"]["pad"]) == {"x"}
    finally:
        h2c.close()
