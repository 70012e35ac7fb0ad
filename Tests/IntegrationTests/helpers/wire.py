"""Small wire-level helpers: SSE parsing, raw HTTP/1.1 exchanges, TLS client contexts."""

from __future__ import annotations

import json
import re
import socket
import ssl
import time


class SSEParser:
    """Incremental text/event-stream parser: feed bytes, get complete events."""

    _EVENT_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")
    _LINE = re.compile(rb"\r\n|\n|\r")

    def __init__(self) -> None:
        self.buf = b""

    def feed(self, data: bytes) -> list[dict]:
        self.buf += data
        events = []
        while True:
            m = self._EVENT_END.search(self.buf)
            if not m:
                break
            block, self.buf = self.buf[: m.start()], self.buf[m.end():]
            ev: dict = {"data": []}
            for line in self._LINE.split(block):
                if not line or line.startswith(b":"):
                    continue
                name, _, val = line.partition(b":")
                if val.startswith(b" "):
                    val = val[1:]
                if name == b"data":
                    ev["data"].append(val.decode())
                else:
                    ev[name.decode()] = val.decode()
            if ev["data"] or len(ev) > 1:
                ev["data"] = "\n".join(ev["data"])
                events.append(ev)
        return events


def parse_sse(body: bytes) -> list[dict]:
    p = SSEParser()
    return p.feed(body + b"\n\n")


def rpc_messages(body: bytes, content_type: str | None) -> list[dict]:
    """JSON-RPC messages of a response body, whether JSON or SSE."""
    if content_type and "text/event-stream" in content_type:
        return [json.loads(e["data"]) for e in parse_sse(body) if e.get("data")]
    return [json.loads(body)]


def client_context(cafile: str, alpn: list[str] | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=cafile)
    if alpn:
        ctx.set_alpn_protocols(alpn)
    return ctx


def connect(port: int, tls: ssl.SSLContext | None = None, timeout: float = 10.0) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if tls is not None:
        s = tls.wrap_socket(s, server_hostname="localhost")
    return s


def read_head(s: socket.socket, timeout: float = 10.0) -> tuple[int | None, bytes, bytes]:
    """Reads until the end of a response head (or EOF / deadline). Returns (status, head, rest)."""
    deadline = time.monotonic() + timeout
    buf = b""
    while b"\r\n\r\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data = s.recv(65536)
        except (socket.timeout, TimeoutError):
            break
        except (ConnectionResetError, ssl.SSLError, OSError):
            break
        if not data:
            break
        buf += data
    head, _, rest = buf.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    return (int(m.group(1)) if m else None), head, rest


def head_header(head: bytes, name: str) -> str | None:
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == name.lower().encode():
            return v.strip().decode("latin-1")
    return None


def read_body(s: socket.socket, head: bytes, rest: bytes, timeout: float = 10.0) -> bytes:
    """Reads a Content-Length or chunked body following a head already read."""
    deadline = time.monotonic() + timeout
    buf = rest

    def more() -> bool:
        nonlocal buf
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("body not complete before the deadline")
        s.settimeout(left)
        data = s.recv(65536)
        if not data:
            return False
        buf += data
        return True

    cl = head_header(head, "content-length")
    te = (head_header(head, "transfer-encoding") or "").lower()
    if "chunked" in te:
        out = b""
        while True:
            while b"\r\n" not in buf:
                if not more():
                    raise EOFError("connection closed inside a chunked body")
            line, buf = buf.split(b"\r\n", 1)
            size = int(line.split(b";")[0], 16)
            if size == 0:
                while not buf.startswith(b"\r\n") and b"\r\n\r\n" not in buf:
                    if not more():
                        break
                return out
            while len(buf) < size + 2:
                if not more():
                    raise EOFError("connection closed inside a chunk")
            out += buf[:size]
            buf = buf[size + 2:]
    if cl is not None:
        n = int(cl)
        while len(buf) < n:
            if not more():
                raise EOFError("connection closed inside a body")
        return buf[:n]
    while more():
        pass
    return buf


def raw_exchange(port: int, data: bytes, tls: ssl.SSLContext | None = None,
                 timeout: float = 10.0) -> tuple[int | None, bytes]:
    """Sends raw bytes, returns (status, head) of the first response (None if none came)."""
    s = connect(port, tls, timeout)
    try:
        try:
            s.sendall(data)
        except OSError:
            pass
        status, head, _ = read_head(s, timeout)
        return status, head
    finally:
        s.close()


def jsonrpc(method: str, id=1, params: dict | None = None) -> dict:
    msg: dict = {"jsonrpc": "2.0", "method": method}
    if id is not None:
        msg["id"] = id
    if params is not None:
        msg["params"] = params
    return msg


INITIALIZE_PARAMS = {
    "protocolVersion": "2025-06-18",
    "capabilities": {},
    "clientInfo": {"name": "mcp-edge-integration-tests", "version": "1.0"},
}

ACCEPT_BOTH = "application/json, text/event-stream"
