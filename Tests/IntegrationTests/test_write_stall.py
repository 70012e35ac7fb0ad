"""timeouts.client_write_stall cuts a client that takes no byte of a waiting response, and
only such a client: one that reads slowly but steadily gets its whole response, however long
that takes."""

from __future__ import annotations

import json
import time

import h2.settings

from conftest import require_edge
from helpers.h2client import H2Client
from helpers.wire import ACCEPT_BOTH, jsonrpc


def _client_with_window(edge, window: int) -> H2Client:
    """An HTTP/2 client that acknowledges nothing by itself, with this initial stream window."""
    h2c = H2Client(edge.plain_port, None, timeout=30)
    h2c.auto_ack = False
    h2c.conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: window})
    h2c._flush()
    return h2c


def _call(h2c: H2Client, request_id: int, method: str = "tools/call", size: int | None = None) -> int:
    headers = {"content-type": "application/json", "accept": ACCEPT_BOTH}
    if size is not None:
        headers["x-raw-size"] = str(size)
    return h2c.request("POST", "/mcp", headers, json.dumps(jsonrpc(method, request_id, {"name": "big"})).encode())


def test_slow_but_steady_http2_reader_is_not_cut(edge_factory, raw_backend):
    """An 80 KiB result read 4 KiB every 0.3 s (about 6 s in all) through a stream window the
    client opens by hand, with client_write_stall at 1 s. mcp-edge's stream buffer stays above
    its low-water mark for over 2 s at a time, so a timer that measured time paused rather
    than time without progress would reset the stream."""
    edge = edge_factory({"raw": raw_backend.url()}, timeouts={"client_write_stall": "1s"})
    require_edge(edge)
    h2c = _client_with_window(edge, 4096)
    try:
        size = 80 * 1024
        sid = _call(h2c, 9, size=size)
        deadline = time.monotonic() + 25
        while not h2c.done(sid) and time.monotonic() < deadline and not h2c.closed:
            h2c.pump(lambda: False, 0.3)
            if h2c.done(sid):
                break
            h2c.conn.increment_flow_control_window(4096, stream_id=sid)
            h2c._flush()
        st = h2c.streams[sid]
        assert st.reset_code is None, f"reset after {len(st.data)} bytes"
        assert st.ended and st.status == 200
        msg = json.loads(st.data)
        assert msg["id"] == 9 and len(st.data) >= size
        assert st.data_times[-1] - st.data_times[0] > 3, "the read was meant to be slow"
    finally:
        h2c.close()


def test_http2_stream_that_takes_nothing_is_reset_and_the_connection_lives(edge_factory, raw_backend):
    """The same response with a window that never opens: reset (CANCEL) after about
    client_write_stall, and the connection still serves the next request."""
    edge = edge_factory({"raw": raw_backend.url()}, timeouts={"client_write_stall": "1s"})
    require_edge(edge)
    h2c = _client_with_window(edge, 0)
    try:
        sid = _call(h2c, 1, size=256 * 1024)
        assert h2c.pump(lambda: h2c.done(sid), 10)
        assert h2c.streams[sid].reset_code == 8  # CANCEL
        h2c.conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1 << 20})
        h2c.auto_ack = True
        sid2 = _call(h2c, 2, method="ping")
        assert h2c.pump(lambda: h2c.done(sid2), 10)
        st = h2c.streams[sid2]
        assert st.status == 200 and json.loads(st.data)["id"] == 2
    finally:
        h2c.close()
