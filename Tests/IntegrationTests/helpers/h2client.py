"""A tiny blocking HTTP/2 client on the `h2` package, for what httpx does not expose:
several streams at once on one connection, and resetting one stream mid-response."""

from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass, field

import h2.config
import h2.connection
import h2.events

from helpers.wire import connect


@dataclass
class H2Stream:
    stream_id: int
    headers: dict[str, str] = field(default_factory=dict)
    data: bytearray = field(default_factory=bytearray)
    data_times: list[float] = field(default_factory=list)
    ended: bool = False
    reset_code: int | None = None

    @property
    def status(self) -> int | None:
        s = self.headers.get(":status")
        return int(s) if s else None


class H2Client:
    def __init__(self, port: int, tls: ssl.SSLContext | None, authority: str | None = None,
                 timeout: float = 10.0, settings: dict[int, int] | None = None) -> None:
        """settings: local SETTINGS sent with the preface (e.g. INITIAL_WINDOW_SIZE 0 for a
        client that never lets a response body through)."""
        if tls is not None:
            tls.set_alpn_protocols(["h2"])
        self.sock = connect(port, tls, timeout)
        if tls is not None:
            assert self.sock.selected_alpn_protocol() == "h2", "ALPN did not select h2"
        self.authority = authority or f"127.0.0.1:{port}"
        self.scheme = "https" if tls is not None else "http"
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True,
                                                                         header_encoding="utf-8"))
        self.conn.initiate_connection()
        if settings:
            self.conn.update_settings(settings)
        self.conn.increment_flow_control_window(16 * 1024 * 1024)
        self.streams: dict[int, H2Stream] = {}
        self.goaway: h2.events.ConnectionTerminated | None = None
        self.closed = False
        # False: received DATA is not acknowledged (tests that pace the windows themselves).
        self.auto_ack = True
        self._flush()

    def _flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def request(self, method: str, path: str,
                headers: dict[str, str] | list[tuple[str, str]] | None = None,
                body: bytes | None = None) -> int:
        """headers: a dict, or a list of pairs when a name repeats (e.g. cookie crumbs)."""
        sid = self.conn.get_next_available_stream_id()
        hdrs = [(":method", method), (":path", path), (":scheme", self.scheme),
                (":authority", self.authority)]
        pairs = headers.items() if isinstance(headers, dict) else (headers or [])
        hdrs += [(k.lower(), v) for k, v in pairs]
        if body is not None:
            hdrs.append(("content-length", str(len(body))))
        self.conn.send_headers(sid, hdrs, end_stream=body is None)
        if body is not None:
            self.conn.send_data(sid, body, end_stream=True)
        self.streams[sid] = H2Stream(sid)
        self._flush()
        return sid

    def reset(self, sid: int, code: int = 8) -> None:  # 8 = CANCEL
        self.conn.reset_stream(sid, error_code=code)
        self._flush()

    def pump(self, until, timeout: float) -> bool:
        """Reads and handles frames until until() is true, the connection closes, or timeout."""
        deadline = time.monotonic() + timeout
        while not until():
            left = deadline - time.monotonic()
            if left <= 0 or self.closed:
                return until()
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except (socket.timeout, TimeoutError):
                return until()
            except (OSError, ssl.SSLError):
                data = b""
            if not data:
                self.closed = True
                return until()
            now = time.monotonic()
            for ev in self.conn.receive_data(data):
                st = self.streams.get(getattr(ev, "stream_id", 0) or 0)
                if isinstance(ev, h2.events.ResponseReceived) and st:
                    st.headers.update({k: v for k, v in ev.headers})
                elif isinstance(ev, h2.events.DataReceived):
                    if self.auto_ack:
                        self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                    if st:
                        st.data += ev.data
                        st.data_times.append(now)
                elif isinstance(ev, h2.events.StreamEnded) and st:
                    st.ended = True
                elif isinstance(ev, h2.events.StreamReset) and st:
                    st.reset_code = ev.error_code
                elif isinstance(ev, h2.events.ConnectionTerminated):
                    self.goaway = ev
            try:
                self._flush()
            except OSError:
                self.closed = True
        return True

    def done(self, sid: int) -> bool:
        st = self.streams[sid]
        return st.ended or st.reset_code is not None

    def close(self) -> None:
        try:
            self.conn.close_connection()
            self._flush()
        except Exception:
            pass
        self.sock.close()
