"""A well-behaved client that runs beside an attack: a `tools/call` POST every `interval`
seconds on its own keep-alive connection (HTTP/1.1, or one HTTP/2 connection), each checked
(status 200, JSON-RPC result with its own id). It counts successes and failures (with the
reason of each failure) and reconnects after one. Bounded: it stops on stop() or after
`max_seconds`."""

from __future__ import annotations

import json
import ssl
import threading
import time

from helpers.h2client import H2Client
from helpers.wire import ACCEPT_BOTH, connect, jsonrpc, read_body, read_head


class GoodClient:
    def __init__(self, port: int, *, http2: bool = False, tls: ssl.SSLContext | None = None,
                 interval: float = 0.05, timeout: float = 5.0, path: str = "/mcp",
                 headers: dict[str, str] | None = None, max_seconds: float = 60.0) -> None:
        self.port = port
        self.http2 = http2
        self.tls = tls
        self.interval = interval
        self.timeout = timeout
        self.path = path
        self.headers = headers or {}
        self.max_seconds = max_seconds
        self.successes = 0
        self.failures: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"good-client-{port}", daemon=True)
        self._next_id = 1000
        self._sock = None
        self._h2: H2Client | None = None

    # --- public -------------------------------------------------------------------------
    def start(self) -> "GoodClient":
        self._thread.start()
        return self

    def stop(self) -> "GoodClient":
        self._stop.set()
        self._thread.join(self.timeout + 5)
        self._disconnect()
        return self

    def counts(self) -> tuple[int, int]:
        """(successes, failures) so far."""
        with self._lock:
            return self.successes, len(self.failures)

    def wait_successes(self, n: int, timeout: float) -> bool:
        """Waits (bounded) until at least n requests have succeeded in total."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.counts()[0] >= n:
                return True
            time.sleep(0.02)
        return self.counts()[0] >= n

    def report(self) -> str:
        with self._lock:
            return f"{self.successes} succeeded, {len(self.failures)} failed: {self.failures[:5]}"

    # --- internals ----------------------------------------------------------------------
    def _run(self) -> None:
        started = time.monotonic()
        while not self._stop.is_set() and time.monotonic() - started < self.max_seconds:
            self._next_id += 1
            rid = self._next_id
            try:
                problem = self._call_h2(rid) if self.http2 else self._call_h1(rid)
            except Exception as e:  # any error is a failed request, reported by the test
                problem = f"{type(e).__name__}: {e}"
            with self._lock:
                if problem is None:
                    self.successes += 1
                else:
                    self.failures.append(f"id {rid}: {problem}")
            if problem is not None:
                self._disconnect()
            self._stop.wait(self.interval)

    def _body(self, rid: int) -> bytes:
        return json.dumps(jsonrpc("tools/call", rid, {"name": "echo", "arguments": {"n": rid}})).encode()

    def _check(self, status, body: bytes, rid: int) -> str | None:
        if status != 200:
            return f"status {status}: {body[:200]!r}"
        try:
            msg = json.loads(body)
        except ValueError:
            return f"not JSON: {body[:200]!r}"
        if msg.get("id") != rid or "result" not in msg:
            return f"wrong answer: {body[:200]!r}"
        return None

    def _call_h1(self, rid: int) -> str | None:
        if self._sock is None:
            self._sock = connect(self.port, self.tls, self.timeout)
        body = self._body(rid)
        extra = "".join(f"{k}: {v}\r\n" for k, v in self.headers.items())
        self._sock.sendall((f"POST {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            f"Content-Type: application/json\r\nAccept: {ACCEPT_BOTH}\r\n{extra}"
                            f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
        status, head, rest = read_head(self._sock, self.timeout)
        if status is None:
            return f"no response head ({head[:200]!r})"
        data = read_body(self._sock, head, rest, self.timeout)
        return self._check(status, data, rid)

    def _call_h2(self, rid: int) -> str | None:
        if self._h2 is None:
            self._h2 = H2Client(self.port, self.tls, timeout=self.timeout)
        c = self._h2
        sid = c.request("POST", self.path, {"content-type": "application/json", "accept": ACCEPT_BOTH,
                                            **self.headers}, self._body(rid))
        if not c.pump(lambda: c.done(sid), self.timeout):
            return f"no complete response in {self.timeout} s (closed={c.closed}, goaway={c.goaway})"
        st = c.streams.pop(sid)
        if st.reset_code is not None:
            return f"stream reset with code {st.reset_code}"
        return self._check(st.status, bytes(st.data), rid)

    def _disconnect(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None
        if self._h2 is not None:
            try:
                self._h2.close()
            except Exception:
                pass
            self._h2 = None
