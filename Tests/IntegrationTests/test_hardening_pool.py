"""Issue 10, upstream pool exhaustion: zero-window HTTP/2 streams (finding 1), HTTP/1.1 clients
that never read (1), slow uploads (2), bodies that never complete (3). Each attack runs while a
well-behaved client calls a tool every 50 ms on its own connection; it must see no failure.

Small limits keep each test to a few seconds: max_upstream_connections_per_server 20-64 and
upstream_connect 1-3 s (a request waiting for a free upstream connection gets 503 "no free
connection" after upstream_connect, which is how the binary before the fixes failed the good
client). Each test notes which assertion the binary before the fixes fails, with the figures
observed (run with MCP_EDGE_OMIT_NEW_KEYS=1 so that it accepts the config)."""

from __future__ import annotations

import json
import time

import h2.settings
import pytest

from conftest import require_edge
from helpers.goodclient import GoodClient
from helpers.h2client import H2Client
from helpers.h2frames import (CANCEL, DATA, END_HEADERS, END_STREAM, HEADERS, RawH2Connection,
                              frame, request_block)
from helpers.hardening import Footprint, h1_post, read_statuses_and_eof, small_rcvbuf_socket
from helpers.procstat import wait_until
from helpers.wire import ACCEPT_BOTH, connect, jsonrpc

BIG = 1 << 20  # a zero-window stream's result: 1 MiB


def _call_body(rid) -> bytes:
    return json.dumps(jsonrpc("tools/call", rid, {"name": "echo", "arguments": {}})).encode()


def _good(edge, http2: bool) -> GoodClient:
    g = GoodClient(edge.plain_port, http2=http2).start()
    assert g.wait_successes(5, 10), g.report()
    return g


def _zero_window_attack(edge, connections: int, streams: int) -> list[H2Client]:
    """`connections` h2c clients with SETTINGS_INITIAL_WINDOW_SIZE 0, each with `streams`
    tools/call requests whose results are 1 MiB: no response body byte can ever be sent."""
    attackers = []
    for _ in range(connections):
        c = H2Client(edge.plain_port, None, settings={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
        for i in range(streams):
            c.request("POST", "/mcp", {"content-type": "application/json", "accept": ACCEPT_BOTH,
                                       "x-raw-size": str(BIG)}, _call_body(i))
        attackers.append(c)
    return attackers


def _pump_all(attackers: list[H2Client], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for c in attackers:
            if not c.closed:
                c.pump(lambda: False, 0.05)


POOL_LIMITS = {"max_upstream_connections_per_server": 64, "max_idle_upstream_connections_per_server": 8,
               "max_upstream_connections_per_client": 16}


@pytest.mark.parametrize("good_h2", [False, True], ids=["good-h1", "good-h2"])
def test_zero_window_streams_do_not_starve_other_clients(good_h2, edge_factory, raw_backend):
    """3 connections x 100 streams that never open their window. With
    max_upstream_connections_per_client 16 they hold at most 48 of the 64 upstream connections
    and the rest of their streams wait their turn: another client is served throughout.
    Before the fixes (no per-client cap): the attacker held all 64 upstream connections, and
    every request of the good client waited for one and got 503 after upstream_connect:
    0 succeeded / 4 failed during the attack, the no-failure assertion fails. After: 92-95
    succeeded, 0 failed, 48 upstream connections held by the attacker."""
    edge = edge_factory({"raw": raw_backend.url()}, limits=POOL_LIMITS, timeouts={"upstream_connect": "1s"})
    require_edge(edge)
    good = _good(edge, good_h2)
    base = Footprint(edge)
    attackers = _zero_window_attack(edge, 3, 100)
    try:
        assert raw_backend.wait_for(lambda b: len(b.open_conns()) >= 3 * 16, 10), \
            f"the attack did not take hold: {len(raw_backend.open_conns())} backend connections"
        ok0, failed0 = good.counts()
        for _ in range(8):  # 4 s of attack
            _pump_all(attackers, 0.5)
            base.sample()
        held = len(raw_backend.open_conns())
        ok, failed = good.counts()
        print(f"zero-window: backend connections held {held}, good client {ok - ok0} ok / "
              f"{failed - failed0} failed during the attack; {base}")
        assert failed == failed0 == 0, good.report()
        assert ok - ok0 >= 10, good.report()
        assert held <= 3 * 16 + 2, f"{held} upstream connections held by 3 client connections (cap 16 each)"
    finally:
        for c in attackers:
            c.close()
        good.stop()
    assert raw_backend.wait_for(lambda b: len(b.open_conns()) <= 8 + 1, 10), \
        f"{len(raw_backend.open_conns())} backend connections still open after the attacker left"
    base.assert_back(fd_slack=8 + 4)


def test_zero_window_streams_are_reset_after_client_write_stall(edge_factory, raw_backend):
    """With client_write_stall 2s, a stream whose response has waited 2 s without the client
    taking a byte is reset (RST_STREAM CANCEL) and its upstream connection is given up.
    Before the fixes: no stream was ever reset; the 48 upstream connections stayed held as long
    as the attacker's connections stayed open: 0 of 48 reset after 10 s, the reset assertion
    fails. After: 48 of 48 reset with CANCEL, backend connections back to 1."""
    edge = edge_factory({"raw": raw_backend.url()}, limits=POOL_LIMITS,
                        timeouts={"upstream_connect": "1s", "client_write_stall": "2s"})
    require_edge(edge)
    good = _good(edge, False)
    base = Footprint(edge)
    attackers = _zero_window_attack(edge, 3, 16)
    sids = [sid for c in attackers for sid in c.streams]
    try:
        assert raw_backend.wait_for(lambda b: len(b.open_conns()) >= 3 * 16, 10), \
            f"the attack did not take hold: {len(raw_backend.open_conns())} backend connections"

        def resets() -> int:
            return sum(1 for c in attackers for st in c.streams.values() if st.reset_code == CANCEL)

        deadline = time.monotonic() + 10
        while resets() < len(sids) and time.monotonic() < deadline:
            _pump_all(attackers, 0.2)
            base.sample()
        held = len(raw_backend.open_conns())
        print(f"write stall: {resets()} of {len(sids)} streams reset with CANCEL, other codes "
              f"{[st.reset_code for c in attackers for st in c.streams.values() if st.reset_code not in (None, CANCEL)]}, "
              f"backend connections open {held}; good client {good.report()}; {base}")
        assert resets() == len(sids), f"only {resets()} of {len(sids)} stalled streams were reset (CANCEL)"
        # The attacker's connections are still open: the upstream connections went anyway.
        assert not any(c.closed for c in attackers), "the client connection was closed, not its streams reset"
        assert raw_backend.wait_for(lambda b: len(b.open_conns()) <= 8 + 1, 5), \
            f"{len(raw_backend.open_conns())} backend connections still open after the stalled streams were reset"
        assert not good.failures and good.counts()[0] >= 10, good.report()
    finally:
        for c in attackers:
            c.close()
        good.stop()
    base.assert_back(fd_slack=8 + 4)


def test_http1_clients_that_never_read_are_closed_after_client_write_stall(edge_factory, raw_backend):
    """30 HTTP/1.1 connections (4 KiB receive buffers) ask for 4 MiB results and never read;
    max_upstream_connections_per_server is 20. With client_write_stall 1s each is closed once
    it has taken nothing for a second, its upstream connection freed; the good client's
    requests wait at most that long (upstream_connect 3s) and succeed.
    Before the fixes: 20 upstream connections held for good, the good client got 503 after
    upstream_connect (0 succeeded / 3 failed during the attack: the no-failure assertion
    fails) and mcp-edge's descriptors stayed at 58 (from 9). After: 68 succeeded, 0 failed,
    descriptors back to 9."""
    edge = edge_factory({"raw": raw_backend.url()},
                        limits={"max_upstream_connections_per_server": 20,
                                "max_idle_upstream_connections_per_server": 4},
                        timeouts={"upstream_connect": "3s", "client_write_stall": "1s"})
    require_edge(edge)
    good = _good(edge, False)
    base = Footprint(edge)
    attackers = []
    try:
        for i in range(30):
            s = small_rcvbuf_socket(edge.plain_port)
            s.sendall(h1_post(_call_body(i), {"X-Raw-Size": str(4 << 20)}))
            attackers.append(s)
        ok0, _ = good.counts()
        base.sample_for(5.0)
        ok, _ = good.counts()
        # Every attacker socket is gone from mcp-edge while the attackers still hold theirs.
        back = wait_until(lambda: edge.fd_count() <= base.fds + 4 + 2, 5)
        print(f"h1 non-readers: fds {base.fds} -> {edge.fd_count()} (peak {base.peak_fds}), backend "
              f"connections open {len(raw_backend.open_conns())}; good client {ok - ok0} ok during; {good.report()}")
        assert not good.failures, good.report()
        assert ok - ok0 >= 10, good.report()
        assert back, f"mcp-edge still holds {edge.fd_count() - base.fds} more descriptors than before the attack"
    finally:
        for s in attackers:
            s.close()
        good.stop()
    base.assert_back(fd_slack=4 + 2)


def _slow_upload_h1(edge, n: int) -> list:
    socks = []
    for i in range(n):
        s = connect(edge.plain_port)
        s.sendall(h1_post(b"{", content_length=1000))  # 1 of 1000 bytes, then nothing
        socks.append(s)
    return socks


def _slow_upload_h2(edge, n: int) -> list:
    c = RawH2Connection(edge.plain_port).open()
    block = request_block(edge.plain_port, extra=[("content-type", "application/json"),
                                                  ("accept", ACCEPT_BOTH), ("content-length", "1000")])
    c.send(b"".join(frame(HEADERS, END_HEADERS, 2 * i + 1, block) + frame(DATA, 0, 2 * i + 1, b"{")
                    for i in range(n)))
    return [c]


@pytest.mark.parametrize("proto", ["h1", "h2"])
def test_slow_uploads_hold_no_upstream_connection(proto, edge_factory, raw_backend):
    """30 requests (30 HTTP/1.1 connections, or 30 streams on one h2c connection) declare a
    1000-byte body and send 1 byte; max_upstream_connections_per_server is 20. An incomplete
    request below request_buffer_bytes takes no upstream connection: the backend sees none of
    them and the good client is served throughout.
    Before the fixes: each took an upstream connection at its head; the 20 were held and
    the good client got 503 "no free connection" after upstream_connect (1 s): 0 succeeded /
    2 failed during the attack, the no-failure assertion fails. After: 58-59 succeeded,
    0 failed, at most 1 backend connection open (the good client's)."""
    edge = edge_factory({"raw": raw_backend.url()},
                        limits={"max_upstream_connections_per_server": 20,
                                "max_idle_upstream_connections_per_server": 4},
                        timeouts={"upstream_connect": "1s"})
    require_edge(edge)
    good = _good(edge, False)
    base = Footprint(edge)
    attackers = _slow_upload_h1(edge, 30) if proto == "h1" else _slow_upload_h2(edge, 30)
    try:
        ok0, _ = good.counts()
        held = 0
        for _ in range(15):  # 3 s
            base.sample_for(0.2)
            held = max(held, len(raw_backend.open_conns()))
            for a in attackers:
                if isinstance(a, RawH2Connection):
                    a.poll(0)
        ok, _ = good.counts()
        print(f"slow uploads ({proto}): backend connections open at most {held}; good client "
              f"{ok - ok0} ok during; {good.report()}; {base}")
        assert not good.failures, good.report()
        assert ok - ok0 >= 10, good.report()
        assert held <= 2, f"{held} backend connections open while 30 uploads were incomplete"
    finally:
        for a in attackers:
            a.close()
        good.stop()
    base.assert_back(fd_slack=4)


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_http1_bodies_that_never_complete_get_408(framing, edge_factory, raw_backend):
    """49 connections (max_connections_per_worker 50, the good client holds the 50th) send a
    head and part of a body, then nothing. With request_body 1s each gets a 408 and is closed,
    and a brand-new client is served afterwards.
    Before the fixes: no body timeout: 0 of 49 answered 408 within 6 s (the 408 assertion
    fails); mcp-edge held 107 descriptors (from 9), the 50 connection places stayed taken.
    After: 49 x 408, 49 closed, a new client served."""
    edge = edge_factory({"raw": raw_backend.url()}, limits={"max_connections_per_worker": 50},
                        timeouts={"request_body": "1s"})
    require_edge(edge)
    good = _good(edge, False)
    base = Footprint(edge)
    attackers = []
    try:
        for _ in range(49):
            s = connect(edge.plain_port)
            if framing == "chunked":
                s.sendall(h1_post(b"a\r\n{\"jsonr", chunked=True))  # 6 of a 10-byte chunk
            else:
                s.sendall(h1_post(b"{\"jsonr", content_length=1000))
            attackers.append(s)
        statuses, eof = read_statuses_and_eof(attackers, 6)
        closed = sum(eof)
        print(f"never-complete bodies ({framing}): statuses {sorted(set(map(str, statuses)))} "
              f"({statuses.count(408)} x 408), {closed} closed; good client {good.report()}; {base}")
        assert statuses.count(408) == 49, f"408 for {statuses.count(408)} of 49 stalled bodies: {statuses}"
        assert closed == 49, f"only {closed} of 49 connections closed after their 408"
        fresh = GoodClient(edge.plain_port).start()
        try:
            assert fresh.wait_successes(3, 10), f"a new client after the attack: {fresh.report()}"
        finally:
            fresh.stop()
        assert not good.failures, good.report()
    finally:
        for s in attackers:
            s.close()
        good.stop()
    base.assert_back(fd_slack=4)


def test_http2_bodies_that_never_complete_get_408_on_their_stream(edge_factory, raw_backend):
    """3 h2c connections x 20 streams send HEADERS and one DATA byte without END_STREAM, then
    nothing. With request_body 1s each stream is answered 408 (or reset) and each connection
    stays usable: a complete request on it afterwards gets 200.
    Before the fixes: the streams were never answered: (408, reset) = (0, 0) on each
    connection after 5 s, the assertion fails. After: 20 x 408 per connection (each followed
    by RST_STREAM: the request body was never finished) and a new request on each gets 200."""
    edge = edge_factory({"raw": raw_backend.url()}, timeouts={"request_body": "1s"})
    require_edge(edge)
    good = _good(edge, True)
    base = Footprint(edge)
    block = request_block(edge.plain_port, extra=[("content-type", "application/json"), ("accept", ACCEPT_BOTH)])
    conns = []
    try:
        for _ in range(3):
            c = RawH2Connection(edge.plain_port).open()
            c.send(b"".join(frame(HEADERS, END_HEADERS, 2 * i + 1, block) + frame(DATA, 0, 2 * i + 1, b"{")
                            for i in range(20)))
            conns.append(c)
        sids = [2 * i + 1 for i in range(20)]

        def answered(c) -> bool:
            return all(c.statuses.get(sid) == 408 or sid in c.resets for sid in sids)

        for c in conns:
            c.wait(lambda: answered(c), 5)
        got = [(sum(c.statuses.get(s) == 408 for s in sids), sum(s in c.resets for s in sids)) for c in conns]
        print(f"h2 never-complete bodies: (408s, resets) per connection {got}; good client {good.report()}; {base}")
        assert all(answered(c) for c in conns), f"(408, reset) per connection of 20 stalled streams: {got}"
        # Each connection is still usable.
        body = _call_body(5)
        full = request_block(edge.plain_port, extra=[("content-type", "application/json"), ("accept", ACCEPT_BOTH),
                                                     ("content-length", str(len(body)))])
        for c in conns:
            assert not c.closed and c.goaway is None, f"the connection went away: goaway {c.goaway}"
            c.send(frame(HEADERS, END_HEADERS, 101, full) + frame(DATA, END_STREAM, 101, body))
            assert c.wait(lambda: 101 in c.ended or 101 in c.resets, 5) and c.statuses.get(101) == 200, \
                (c.statuses.get(101), c.resets.get(101), c.goaway)
        assert not good.failures, good.report()
    finally:
        for c in conns:
            c.close()
        good.stop()
    base.assert_back(fd_slack=4)


@pytest.mark.parametrize("proto", ["h1", "h2c"])
@pytest.mark.parametrize("buffer_bytes,window", [("1MiB", None), ("512KiB", None), ("1MiB", 65535)],
                         ids=["buffer-1MiB", "buffer-512KiB", "buffer-1MiB-window-64KiB"])
def test_large_body_with_request_buffer_bytes_above_the_pause_mark(proto, buffer_bytes, window, edge_factory,
                                                                   raw_backend):
    """request_buffer_bytes may be up to 1 MiB. A 3 MiB body with it at 512 KiB or 1 MiB must still
    be forwarded: the client may only be asked to wait (HTTP/1.1 reading paused, HTTP/2 window
    not reopened) once the request has its upstream connection or is past the buffering mark,
    otherwise neither side moves. request_body 2s does not rescue it: it is not counted while
    mcp-edge holds the body back.
    Against the fixed binary of 22:24 (and the source of main at 84c002b): h1 hangs at both
    sizes (the client is paused at min(256 KiB, request_buffer_bytes) while dispatch waits for
    request_buffer_bytes); h2c hung at 4 MiB (then allowed; the 1 MiB stream window is less) and
    at 1 MiB with a 64 KiB window; with drain 30s, the stuck request also held SIGTERM past 15 s. The
    binary before the fixes has no request_buffer_bytes (passes with MCP_EDGE_OMIT_NEW_KEYS=1:
    it streamed every body at once)."""
    import httpx

    edge = edge_factory({"raw": raw_backend.url()}, limits={"request_buffer_bytes": buffer_bytes},
                        timeouts={"request_body": "2s", "drain": "1s"},  # a stuck request must not hold the exit
                        http2={"initial_window_size": window} if window else None)
    require_edge(edge)
    body = json.dumps(jsonrpc("tools/call", 9, {"name": "big", "arguments": {"blob": "y" * (3 << 20)}})).encode()
    h2 = proto == "h2c"
    with httpx.Client(http1=not h2, http2=h2, timeout=8) as c:
        try:
            r = c.post(edge.url("/mcp", tls=False), content=body,
                       headers={"Content-Type": "application/json", "Accept": ACCEPT_BOTH})
        except httpx.TimeoutException:
            got = [rq.body for rq in raw_backend.snapshot()[1]]
            pytest.fail(f"no response within 8 s to a {len(body)}-byte body with request_buffer_bytes "
                        f"{buffer_bytes} (backend got {len(got)} request(s), "
                        f"{sum(c.bytes_received for c in raw_backend.snapshot()[0])} bytes)")
    assert r.status_code == 200 and r.json()["id"] == 9, r.text[:300]
    (req,) = raw_backend.snapshot()[1]
    assert req.body == body
    edge.assert_alive()


def _keep_streams_open(attackers: list[H2Client], per_connection: int, seconds: float) -> None:
    """Pumps the attackers, opening a new zero-window stream for each one reset or answered,
    so that each connection always has `per_connection` streams in flight."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for c in attackers:
            if c.closed:
                continue
            c.pump(lambda: False, 0.02)
            for i in range(per_connection - sum(1 for st in c.streams.values() if not c.done(st.stream_id))):
                c.request("POST", "/mcp", {"content-type": "application/json", "accept": ACCEPT_BOTH,
                                           "x-raw-size": str(BIG)}, _call_body(i))


def test_clients_with_many_streams_queued_do_not_go_first(edge_factory, raw_backend):
    """More stalled streams than the pool has connections: 4 connections keep 32 zero-window
    streams each in flight (16 per client may hold an upstream connection or wait for one)
    against 32 upstream connections, opening a new stream for each one reset. Whenever
    client_write_stall (1 s) frees connections, the pool serves the client holding the fewest
    first: the good client's request, queued behind the attacker's, gets one before
    upstream_connect (1.5 s) answers it 503.
    With a first-come queue (fairnessWindow 1), the attacker's streams queued earlier took
    the freed connections: in 3 runs the good client got 2, 3 and 2 answers in 5 s, with a
    503 "no free connection" in two of them; both assertions fail. With it: 13-18 answers,
    0 failed."""
    edge = edge_factory({"raw": raw_backend.url()},
                        limits={"max_upstream_connections_per_server": 32, "max_idle_upstream_connections_per_server": 8,
                                "max_upstream_connections_per_client": 16},
                        timeouts={"upstream_connect": "1500ms", "client_write_stall": "1s"})
    require_edge(edge)
    attackers = _zero_window_attack(edge, 4, 32)
    good = None
    try:
        assert raw_backend.wait_for(lambda b: len(b.open_conns()) >= 32, 10), \
            f"the attack did not take hold: {len(raw_backend.open_conns())} backend connections"
        _keep_streams_open(attackers, 32, 0.3)
        good = GoodClient(edge.plain_port).start()
        _keep_streams_open(attackers, 32, 5)
        ok, failed = good.counts()
        print(f"fair queue: good client {ok} ok / {failed} failed during the attack")
        assert failed == 0, good.report()
        assert ok >= 8, good.report()
    finally:
        for c in attackers:
            c.close()
        if good:
            good.stop()
