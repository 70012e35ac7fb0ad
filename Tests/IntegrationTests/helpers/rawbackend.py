"""A raw-socket HTTP/1.1 backend that records everything it sees.

One thread per connection, keep-alive, Content-Length and chunked request bodies. What it
answers is chosen per request by headers the client sends (they pass through mcp-edge
untouched), or by the backend's `default_mode`:

  X-Raw-Mode: json     (default) JSON-RPC result echoing the request id; a notification or
                       a client response gets 202. X-Raw-Size: N pads the result to N bytes;
                       X-Raw-Delay: S waits S seconds before answering.
  X-Raw-Mode: sse      text/event-stream, one event every X-Raw-Interval seconds (default
                       0.3), X-Raw-Events events (default 5); for a POST with an id the last
                       event is the JSON-RPC response. Every send time is recorded.
  X-Raw-Mode: status   answers X-Raw-Status (e.g. 202, 404) with an empty body.
  X-Raw-Mode: hang     reads the request and never answers (until the peer closes).
  X-Raw-Mode: close    starts an SSE response, sends one event, then closes the socket.
  X-Raw-Mode: headdie  sends a JSON response head (Content-Length 1000) and its first bytes,
                       then closes: head, bytes and FIN leave in one segment (TCP_CORK), so
                       the proxy reads the end before it can have flushed the head.

Times are `time.monotonic()` (CLOCK_MONOTONIC: comparable with the test thread's clock).
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from dataclasses import dataclass, field


@dataclass
class RecordedRequest:
    conn_id: int
    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes
    at: float

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]


@dataclass
class ConnRecord:
    conn_id: int
    peer: tuple[str, int]
    accepted_at: float
    closed_at: float | None = None
    bytes_received: int = 0
    requests: int = 0


@dataclass
class SseStreamRecord:
    conn_id: int
    planned: int
    sent_at: list[float] = field(default_factory=list)
    finished: bool = False  # all planned events sent
    peer_gone_at: float | None = None  # the backend saw the peer close while streaming


class _PeerClosed(Exception):
    pass


class RawBackend:
    def __init__(self, default_mode: str = "json", stale_after: int = 0) -> None:
        self.default_mode = default_mode
        # With stale_after N, a connection that has answered N requests closes when the next
        # one arrives, unanswered: a keep-alive timeout racing a reused connection.
        self.stale_after = stale_after
        self.dropped = 0
        self.answered = 0  # JSON responses sent completely (json mode)
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._socks: list[socket.socket] = []
        self.conns: list[ConnRecord] = []
        self.requests: list[RecordedRequest] = []
        self.streams: list[SseStreamRecord] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]

    # --- public -------------------------------------------------------------------------
    def url(self, path: str = "/mcp") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def accepts(self) -> int:
        with self._lock:
            return len(self.conns)

    def snapshot(self) -> tuple[list[ConnRecord], list[RecordedRequest], list[SseStreamRecord]]:
        with self._lock:
            return list(self.conns), list(self.requests), list(self.streams)

    def open_conns(self) -> list[ConnRecord]:
        with self._lock:
            return [c for c in self.conns if c.closed_at is None]

    def wait_for(self, predicate, timeout: float) -> bool:
        """Waits (bounded) until predicate(self) holds; returns whether it did."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.1))
            return True

    def start(self) -> "RawBackend":
        t = threading.Thread(target=self._accept_loop, name=f"raw-accept-{self.port}", daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stopping.set()
        try:
            self._listener.close()
        except OSError:
            pass
        with self._lock:
            socks = list(self._socks)
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for t in list(self._threads):
            t.join(timeout=5)

    # --- internals ----------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                s, peer = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._cond:
                rec = ConnRecord(conn_id=len(self.conns) + 1, peer=peer, accepted_at=time.monotonic())
                self.conns.append(rec)
                self._socks.append(s)
                self._cond.notify_all()
            t = threading.Thread(target=self._serve_conn, args=(s, rec), daemon=True)
            t.start()
            self._threads.append(t)

    def _mark_closed(self, rec: ConnRecord) -> None:
        with self._cond:
            if rec.closed_at is None:
                rec.closed_at = time.monotonic()
            self._cond.notify_all()

    def _serve_conn(self, s: socket.socket, rec: ConnRecord) -> None:
        buf = bytearray()
        try:
            while not self._stopping.is_set():
                req = self._read_request(s, rec, buf)
                if req is None:
                    break
                if self.stale_after and rec.requests >= self.stale_after:
                    with self._cond:
                        self.dropped += 1
                    break
                with self._cond:
                    self.requests.append(req)
                    rec.requests += 1
                    self._cond.notify_all()
                keep = self._respond(s, rec, req)
                if not keep:
                    break
        except (_PeerClosed, OSError):
            pass
        finally:
            try:
                s.close()
            except OSError:
                pass
            self._mark_closed(rec)

    def _recv_more(self, s: socket.socket, rec: ConnRecord, buf: bytearray) -> None:
        while True:
            if self._stopping.is_set():
                raise _PeerClosed()
            r, _, _ = select.select([s], [], [], 0.2)
            if not r:
                continue
            data = s.recv(65536)
            if not data:
                raise _PeerClosed()
            with self._lock:
                rec.bytes_received += len(data)
            buf += data
            return

    def _read_line(self, s, rec, buf: bytearray) -> bytes:
        while True:
            i = buf.find(b"\r\n")
            if i >= 0:
                line = bytes(buf[:i])
                del buf[: i + 2]
                return line
            if len(buf) > 1 << 20:
                raise _PeerClosed()
            self._recv_more(s, rec, buf)

    def _read_exact(self, s, rec, buf: bytearray, n: int) -> bytes:
        while len(buf) < n:
            self._recv_more(s, rec, buf)
        out = bytes(buf[:n])
        del buf[:n]
        return out

    def _read_request(self, s, rec, buf: bytearray) -> RecordedRequest | None:
        try:
            while b"\r\n\r\n" not in buf:
                if len(buf) > 1 << 20:
                    return None
                self._recv_more(s, rec, buf)
        except _PeerClosed:
            return None
        end = buf.index(b"\r\n\r\n")
        head = bytes(buf[:end]).decode("latin-1")
        del buf[: end + 4]
        lines = head.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            return None
        method, target, version = parts
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers.append((k.strip(), v.strip()))
        hmap = {k.lower(): v for k, v in headers}
        body = b""
        if "chunked" in hmap.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size_line = self._read_line(s, rec, buf)
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self._read_line(s, rec, buf):  # trailers until the empty line
                        pass
                    break
                chunks.append(self._read_exact(s, rec, buf, size))
                self._read_line(s, rec, buf)
            body = b"".join(chunks)
        elif "content-length" in hmap:
            body = self._read_exact(s, rec, buf, int(hmap["content-length"]))
        return RecordedRequest(rec.conn_id, method, target, version, headers, body, time.monotonic())

    @staticmethod
    def _send(s: socket.socket, data: bytes) -> None:
        try:
            s.sendall(data)
        except OSError as e:
            raise _PeerClosed() from e

    def _head(self, status: int, reason: str, headers: list[tuple[str, str]]) -> bytes:
        lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _respond(self, s: socket.socket, rec: ConnRecord, req: RecordedRequest) -> bool:
        mode = (req.header("x-raw-mode") or self.default_mode).strip().lower()
        close_after = (req.header("connection") or "").lower() == "close"
        rpc = None
        if req.body:
            try:
                rpc = json.loads(req.body)
            except ValueError:
                rpc = None
        rpc_id = rpc.get("id") if isinstance(rpc, dict) else None
        has_id = isinstance(rpc, dict) and "id" in rpc
        conn_hdr = [("Connection", "close")] if close_after else []

        if mode == "status":
            status = int(req.header("x-raw-status") or "204")
            extra = [("Content-Length", "0")] if status not in (204, 304) else []
            self._send(s, self._head(status, "Status", extra + conn_hdr))
            return not close_after
        if mode == "hang":
            while not self._stopping.is_set():
                r, _, _ = select.select([s], [], [], 0.2)
                if r and not s.recv(65536):
                    raise _PeerClosed()
            return False
        if mode == "headdie":
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
            self._send(s, self._head(200, "OK", [("Content-Type", "application/json"),
                                                  ("Content-Length", "1000")]) + b'{"jsonrpc":"2.0",')
            s.shutdown(socket.SHUT_WR)  # uncorks: data and FIN together
            raise _PeerClosed()
        if mode in ("sse", "close"):
            return self._respond_sse(s, rec, req, mode, rpc, rpc_id, has_id, close_after)

        # json
        delay = float(req.header("x-raw-delay") or "0")
        if delay > 0:
            time.sleep(delay)
        if req.method == "POST" and isinstance(rpc, dict) and ("method" not in rpc or not has_id):
            self._send(s, self._head(202, "Accepted", [("Content-Length", "0")] + conn_hdr))
            return not close_after
        result = {"ok": True, "method": req.method, "target": req.target, "bytes": len(req.body)}
        size = int(req.header("x-raw-size") or "0")
        body = json.dumps({"jsonrpc": "2.0", "id": rpc_id, "result": result}).encode()
        if size > len(body):
            result["pad"] = ""
            base = len(json.dumps({"jsonrpc": "2.0", "id": rpc_id, "result": result}).encode())
            result["pad"] = "x" * max(0, size - base)
            body = json.dumps({"jsonrpc": "2.0", "id": rpc_id, "result": result}).encode()
        extra = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        if req.header("x-raw-session"):
            extra.append(("Mcp-Session-Id", req.header("x-raw-session")))
        self._send(s, self._head(200, "OK", extra + conn_hdr) + body)
        with self._cond:
            self.answered += 1
            self._cond.notify_all()
        return not close_after

    def _respond_sse(self, s, rec, req, mode, rpc, rpc_id, has_id, close_after) -> bool:
        n = int(req.header("x-raw-events") or "5")
        interval = float(req.header("x-raw-interval") or "0.3")
        stream = SseStreamRecord(conn_id=rec.conn_id, planned=1 if mode == "close" else n)
        with self._cond:
            self.streams.append(stream)
            self._cond.notify_all()
        head = self._head(
            200,
            "OK",
            [
                ("Content-Type", "text/event-stream"),
                ("Cache-Control", "no-cache"),
                ("Transfer-Encoding", "chunked"),
            ]
            + ([("Connection", "close")] if close_after else []),
        )
        self._send(s, head)
        for i in range(1, stream.planned + 1):
            if i > 1:
                # Wait for the interval while watching for the peer going away.
                deadline = time.monotonic() + interval
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    r, _, _ = select.select([s], [], [], left)
                    if r:
                        try:
                            data = s.recv(65536)
                        except OSError:
                            data = b""
                        if not data:
                            with self._cond:
                                stream.peer_gone_at = time.monotonic()
                                self._cond.notify_all()
                            raise _PeerClosed()
            last = i == n and has_id and req.method == "POST" and mode == "sse"
            if last:
                msg = {"jsonrpc": "2.0", "id": rpc_id, "result": {"events": n}}
            else:
                msg = {"jsonrpc": "2.0", "method": "notifications/message",
                       "params": {"level": "info", "data": {"seq": i}}}
            event = f"id: {i}\nevent: message\ndata: {json.dumps(msg)}\n\n".encode()
            chunk = f"{len(event):x}\r\n".encode() + event + b"\r\n"
            # The send time is taken just before the bytes go out: the client may read them
            # before sendall() returns here.
            at = time.monotonic()
            try:
                self._send(s, chunk)
            except _PeerClosed:
                with self._cond:
                    stream.peer_gone_at = time.monotonic()
                    self._cond.notify_all()
                raise
            with self._cond:
                stream.sent_at.append(at)
                self._cond.notify_all()
        if mode == "close":
            # Die mid-stream, a moment after the event (so a streaming proxy has relayed it):
            # no terminating chunk.
            time.sleep(interval)
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            raise _PeerClosed()
        self._send(s, b"0\r\n\r\n")
        with self._cond:
            stream.finished = True
            self._cond.notify_all()
        return not close_after
