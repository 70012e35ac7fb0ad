"""Raw HTTP/2 frames, for what the `h2` package refuses to send (it enforces the protocol on
its own side): DATA beyond a declared content-length, a WINDOW_UPDATE that overflows a stream
window, trailers without END_STREAM, and fast loops of thousands of streams without per-frame
bookkeeping.

Header blocks are encoded with HPACK literals that never touch the dynamic table, so one block
can be sent on any number of streams."""

from __future__ import annotations

import select
import socket
import ssl
import struct
import time
from dataclasses import dataclass, field

from hpack import Decoder, Encoder
from hpack.struct import NeverIndexedHeaderTuple

from helpers.wire import connect

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = range(10)
END_STREAM = 0x1
ACK = 0x1
END_HEADERS = 0x4

# Error codes (RFC 9113 §7).
NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR = 0, 1, 2, 3
REFUSED_STREAM, CANCEL, ENHANCE_YOUR_CALM = 7, 8, 11

SETTINGS_INITIAL_WINDOW_SIZE = 4


def frame(ftype: int, flags: int, stream_id: int, payload: bytes = b"") -> bytes:
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", stream_id) + payload


def settings_frame(values: dict[int, int] | None = None) -> bytes:
    return frame(SETTINGS, 0, 0, b"".join(struct.pack(">HI", k, v) for k, v in (values or {}).items()))


def rst_stream(stream_id: int, code: int = CANCEL) -> bytes:
    return frame(RST_STREAM, 0, stream_id, struct.pack(">I", code))


def window_update(stream_id: int, increment: int) -> bytes:
    return frame(WINDOW_UPDATE, 0, stream_id, struct.pack(">I", increment))


def header_block(headers: list[tuple[str, str]]) -> bytes:
    """A stateless HPACK block (static-table indexes and never-indexed literals only)."""
    return Encoder().encode([NeverIndexedHeaderTuple(k, v) for k, v in headers], huffman=True)


def request_block(port: int, method: str = "POST", path: str = "/mcp",
                  extra: list[tuple[str, str]] | None = None, scheme: str = "http") -> bytes:
    return header_block([(":method", method), (":scheme", scheme), (":path", path),
                         (":authority", f"127.0.0.1:{port}")] + (extra or []))


@dataclass
class RawH2Connection:
    """A client connection that writes frames as given and reads what comes back: SETTINGS
    are acknowledged, GOAWAY and RST_STREAM are recorded, the rest is counted and dropped."""

    port: int
    tls: ssl.SSLContext | None = None
    settings: dict[int, int] = field(default_factory=dict)
    sock: socket.socket | None = None
    goaway: tuple[int, int] | None = None  # (last stream id, error code)
    resets: dict[int, int] = field(default_factory=dict)  # stream id -> error code
    statuses: dict[int, int] = field(default_factory=dict)  # stream id -> response :status
    ended: set[int] = field(default_factory=set)  # streams the server ended (END_STREAM)
    closed: bool = False  # the read side ended (EOF or error): nothing more will arrive
    write_failed: bool = False  # a send failed (the server closed or reset the connection)
    frames_received: int = 0
    _buf: bytearray = field(default_factory=bytearray)
    _decoder: Decoder = field(default_factory=Decoder)

    def open(self) -> "RawH2Connection":
        if self.tls is not None:
            self.tls.set_alpn_protocols(["h2"])
        self.sock = connect(self.port, self.tls, 10)
        self.send(PREFACE + settings_frame(self.settings) + window_update(0, 16 << 20))
        return self

    def send(self, data: bytes) -> bool:
        """Writes everything (blocking, bounded by 10 s); false once the server has closed. What
        the server sent before closing (its GOAWAY) can still be read with poll()/wait()."""
        if self.closed or self.write_failed:
            return False
        try:
            self.sock.settimeout(10)
            self.sock.sendall(data)
            return True
        except (OSError, ssl.SSLError):
            self.write_failed = True
            return False

    def poll(self, timeout: float = 0.0) -> None:
        """Waits up to `timeout` for bytes (0: only what is already there), then reads and handles
        all that is there and returns."""
        deadline = time.monotonic() + timeout
        while not self.closed:
            left = max(0.0, deadline - time.monotonic())
            pending = isinstance(self.sock, ssl.SSLSocket) and self.sock.pending()
            if not pending:
                r, _, _ = select.select([self.sock], [], [], left)
                if not r:
                    return
            deadline = 0  # something arrived: read what is there, then return
            try:
                self.sock.settimeout(5)
                data = self.sock.recv(65536)
            except (socket.timeout, TimeoutError):
                return
            except (OSError, ssl.SSLError):
                data = b""
            if not data:
                self.closed = True
                return
            self._buf += data
            self._handle_frames()

    def wait(self, until, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not until() and not self.closed:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.poll(min(left, 0.2))
        return until()

    def _handle_frames(self) -> None:
        while len(self._buf) >= 9:
            length = int.from_bytes(self._buf[0:3], "big")
            if len(self._buf) < 9 + length:
                return
            ftype, flags = self._buf[3], self._buf[4]
            sid = int.from_bytes(self._buf[5:9], "big") & 0x7FFFFFFF
            payload = bytes(self._buf[9:9 + length])
            del self._buf[:9 + length]
            self.frames_received += 1
            if ftype == SETTINGS and not flags & ACK:
                self.send(frame(SETTINGS, ACK, 0))
            elif ftype == GOAWAY:
                last, code = struct.unpack(">II", payload[:8])
                self.goaway = (last & 0x7FFFFFFF, code)
            elif ftype == RST_STREAM:
                self.resets[sid] = struct.unpack(">I", payload[:4])[0]
            elif ftype == HEADERS:
                # mcp-edge's response heads are small: one frame, no padding or priority.
                status = dict(self._decoder.decode(payload)).get(":status")
                if status is not None:
                    self.statuses.setdefault(sid, int(status))
            if ftype in (HEADERS, DATA) and flags & END_STREAM:
                self.ended.add(sid)
            elif ftype == PING and not flags & ACK:
                self.send(frame(PING, ACK, 0, payload))

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.closed = True
