"""Issue 10, HTTP/2 findings: MadeYouReset (CVE-2025-8671, finding 5) — streams the client
makes the server reset (content-length vs DATA mismatch, stream window overflow) count in the
rapid_reset_limit budget and cost no backend connection; Rapid Reset (CVE-2023-44487) with
reconnects costs few backend connections; cookie crumbs are joined (finding 10).

Frames are written raw (helpers/h2frames.py): the `h2` package will not send DATA beyond a
declared content-length or a window. The attacks stop by themselves (a stream count, a time
bound, or the server's GOAWAY). Each test notes what the binary before the fixes did."""

from __future__ import annotations

import json
import time

import pytest

from conftest import require_edge
from helpers.goodclient import GoodClient
from helpers.h2client import H2Client
from helpers.h2frames import (DATA, END_HEADERS, END_STREAM, ENHANCE_YOUR_CALM, HEADERS,
                              RawH2Connection, frame, header_block, request_block, rst_stream,
                              window_update)
from helpers.hardening import Footprint
from helpers.procstat import tcp_connections
from helpers.wire import ACCEPT_BOTH, client_context, jsonrpc

RESET_LIMIT = 50  # http2.rapid_reset_limit in these tests (per second)
ATTACK_STREAMS = 20_000
# Streams per round trip of the MadeYouReset attacker. It reads the server's RST_STREAMs
# before sending more, as a real attacker must: a client that lets over 100 of them queue up
# unread trips nghttp2's outbound-queue guard (max_outbound_ack) instead, which cuts the
# connection with PROTOCOL_ERROR before and after the fixes alike.
PACE = 10


def _good(edge) -> GoodClient:
    g = GoodClient(edge.plain_port, http2=True).start()
    assert g.wait_successes(5, 10), g.report()
    return g


def _time_wait(port: int) -> int:
    """Connections to or from the backend's port waiting out TIME_WAIT (either side closed first)."""
    return tcp_connections(port, "TIME_WAIT", side="remote") + tcp_connections(port, "TIME_WAIT", side="local")


def _stopped(c: RawH2Connection) -> bool:
    return c.goaway is not None or c.closed or c.write_failed


def _made_you_reset_frames(port: int, kind: str):
    """The frames of one stream that makes the server reset it, before its request is complete
    (each declares a 10-byte body it never completes)."""
    block = request_block(port, extra=[("content-type", "application/json"), ("accept", ACCEPT_BOTH),
                                       ("content-length", "10")])
    if kind == "content-length-mismatch":  # 20 bytes of DATA where 10 were declared: PROTOCOL_ERROR
        return lambda sid: frame(HEADERS, END_HEADERS, sid, block) + frame(DATA, END_STREAM, sid, b"x" * 20)
    if kind == "window-update-overflow":  # the server's send window past 2^31-1: FLOW_CONTROL_ERROR
        return lambda sid: frame(HEADERS, END_HEADERS, sid, block) + window_update(sid, 0x7FFFFFFF)
    trailers = header_block([("x-trailer", "1")])  # trailers without END_STREAM: PROTOCOL_ERROR
    return lambda sid: (frame(HEADERS, END_HEADERS, sid, block) + frame(DATA, 0, sid, b"x")
                        + frame(HEADERS, END_HEADERS, sid, trailers))


def _made_you_reset(c: RawH2Connection, kind: str, max_streams: int, seconds: float) -> int:
    """Streams that make the server reset them, PACE at a time, each round waiting for the
    server's resets, until GOAWAY, `max_streams`, or `seconds`. Returns the streams sent."""
    stream_frames = _made_you_reset_frames(c.port, kind)
    sid, sent = 1, 0
    deadline = time.monotonic() + seconds
    while sent < max_streams and not _stopped(c) and time.monotonic() < deadline:
        batch = [sid + 2 * i for i in range(PACE)]
        c.send(b"".join(stream_frames(s) for s in batch))
        sid += 2 * PACE
        sent += PACE
        c.wait(lambda: all(s in c.resets for s in batch) or _stopped(c), 3)
    c.wait(lambda: c.goaway is not None, 3)
    return sent


@pytest.mark.parametrize("kind", ["content-length-mismatch", "window-update-overflow", "malformed-trailers"])
def test_made_you_reset_is_cut_with_goaway(kind, edge_factory, raw_backend):
    """Up to 20 000 streams on one h2c connection, each provoking a reset by the server, sent
    10 at a time, reading the resets in between. The server's own resets count against
    rapid_reset_limit (50/s here): the connection gets GOAWAY(ENHANCE_YOUR_CALM) after about
    that many, and none of those streams (reset before their request was complete) opened a
    backend connection.
    Before the fixes: server-sent resets were not counted: all 20 000 streams were reset and
    no GOAWAY came (the GOAWAY assertion fails); the backend saw 1 700-2 200 new connections,
    as many TIME_WAITs. After: GOAWAY(ENHANCE_YOUR_CALM) after 51 resets, no backend
    connection."""
    edge = edge_factory({"raw": raw_backend.url()}, http2={"rapid_reset_limit": RESET_LIMIT})
    require_edge(edge)
    good = _good(edge)
    base = Footprint(edge)
    accepts0 = raw_backend.accepts
    c = RawH2Connection(edge.plain_port).open()
    try:
        sent = _made_you_reset(c, kind, ATTACK_STREAMS, 10)
        base.sample()
        new_backend_conns = raw_backend.accepts - accepts0
        codes = sorted(set(c.resets.values()))
        print(f"made-you-reset ({kind}): sent {sent} streams, server resets {len(c.resets)} (codes {codes}), "
              f"goaway {c.goaway}, closed {c.closed}, new backend connections {new_backend_conns}, "
              f"TIME_WAIT {_time_wait(raw_backend.port)}; good client {good.report()}; {base}")
        assert c.goaway is not None and c.goaway[1] == ENHANCE_YOUR_CALM, \
            f"no GOAWAY(ENHANCE_YOUR_CALM) after {sent} streams ({len(c.resets)} reset): goaway {c.goaway}"
        assert c.goaway[0] // 2 + 1 <= 10 * RESET_LIMIT, f"the server processed {c.goaway[0] // 2 + 1} streams first"
        assert new_backend_conns <= 1, f"{new_backend_conns} backend connections opened by streams reset before their request was complete"
        assert not good.failures and good.counts()[0] >= 5, good.report()
    finally:
        c.close()
        good.stop()
    base.assert_back(fd_slack=4)


def test_rapid_reset_with_reconnects_costs_few_backend_connections(edge_factory, raw_backend):
    """5 h2c connections in turn each send complete tools/call requests and reset each one
    (RST_STREAM CANCEL) once the backend has it and before it answers (its answer is small
    and comes 20 ms later), one at a time, until GOAWAY. Each connection is cut with ENHANCE_YOUR_CALM after
    about rapid_reset_limit resets, and the resets do not cost a backend connection each: the
    small response is read and dropped and the connection goes back to the pool.
    Before the fixes: every reset closed its upstream connection: 254 new backend connections
    for 255 resets (the connection-count assertion fails; TIME_WAIT stayed ~1 as those
    closes were resets). After: 4-6 new backend connections, 0 TIME_WAIT."""
    edge = edge_factory({"raw": raw_backend.url()}, http2={"rapid_reset_limit": RESET_LIMIT})
    require_edge(edge)
    good = _good(edge)
    base = Footprint(edge)
    accepts0 = raw_backend.accepts
    body = json.dumps(jsonrpc("tools/call", 1, {"name": "echo", "arguments": {}})).encode()
    block = request_block(edge.plain_port, extra=[("content-type", "application/json"), ("accept", ACCEPT_BOTH),
                                                  ("content-length", str(len(body))), ("x-raw-delay", "0.02")])
    results = []
    try:
        for _ in range(5):
            c = RawH2Connection(edge.plain_port).open()
            sid, sent = 1, 0
            deadline = time.monotonic() + 8
            try:
                while sent < 1_000 and not _stopped(c) and time.monotonic() < deadline:
                    seen, answered = len(raw_backend.snapshot()[1]), raw_backend.answered
                    c.send(frame(HEADERS, END_HEADERS, sid, block) + frame(DATA, END_STREAM, sid, body))
                    raw_backend.wait_for(lambda b: len(b.requests) > seen, 2)
                    c.send(rst_stream(sid))
                    # One reset stream in flight at a time: its answer has left the backend.
                    raw_backend.wait_for(lambda b: b.answered > answered, 2)
                    c.poll(0)
                    sid += 2
                    sent += 1
                c.wait(lambda: c.goaway is not None, 3)
                results.append((sent, c.goaway))
            finally:
                c.close()
            base.sample()
        new_backend_conns = raw_backend.accepts - accepts0
        time_wait = _time_wait(raw_backend.port)
        print(f"rapid reset x5: (streams reset, goaway) {results}; new backend connections {new_backend_conns} "
              f"({len(raw_backend.open_conns())} still open), "
              f"TIME_WAIT {time_wait}; good client {good.report()}; {base}")
        assert all(g is not None and g[1] == ENHANCE_YOUR_CALM for _, g in results), results
        resets = sum(r[0] for r in results)
        assert new_backend_conns <= 10, f"{new_backend_conns} new backend connections for {resets} reset streams"
        assert time_wait <= 10, f"{time_wait} TIME_WAIT connections on the backend port after {resets} reset streams"
        assert not good.failures and good.counts()[0] >= 5, good.report()
    finally:
        good.stop()
    base.assert_back(fd_slack=4 + 10)


@pytest.mark.parametrize("tls", [False, True], ids=["h2c", "tls-h2"])
def test_cookie_crumbs_are_joined_upstream(tls, edge_factory, raw_backend, cafile):
    """RFC 9113 §8.2.3: several `cookie` fields of an HTTP/2 request are one `cookie` field
    joined with "; " when forwarded to HTTP/1.1.
    Before the fixes: the backend received three `cookie` lines ['a=1', 'b=2', 'c=3']."""
    edge = edge_factory({"raw": raw_backend.url()})
    require_edge(edge)
    c = H2Client(edge.port(tls), client_context(cafile) if tls else None)
    try:
        body = json.dumps(jsonrpc("tools/call", 3, {"name": "echo"})).encode()
        sid = c.request("POST", "/mcp", [("content-type", "application/json"), ("accept", ACCEPT_BOTH),
                                         ("cookie", "a=1"), ("cookie", "b=2"), ("x-other", "y"),
                                         ("cookie", "c=3")], body)
        assert c.pump(lambda: c.done(sid), 10) and c.streams[sid].status == 200, c.streams[sid]
    finally:
        c.close()
    (req,) = raw_backend.snapshot()[1]
    print(f"cookie crumbs: backend got cookie fields {req.header_all('cookie')}")
    assert req.header_all("cookie") == ["a=1; b=2; c=3"], req.headers
    edge.assert_alive()
