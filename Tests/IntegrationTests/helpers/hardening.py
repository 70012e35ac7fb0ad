"""Shared bits of the hardening tests (test_hardening_*.py): what mcp-edge holds before an
attack, its peak during it, and the check that it gives it back afterwards."""

from __future__ import annotations

import socket
import time

from helpers.procstat import wait_until
from helpers.wire import ACCEPT_BOTH

MiB = 1024  # in KiB, the unit of VmRSS


class Footprint:
    """mcp-edge's RSS and descriptor count when taken, and the peak RSS of later samples."""

    def __init__(self, edge) -> None:
        self.edge = edge
        self.rss = edge.rss_kib()
        self.fds = edge.fd_count()
        self.peak_rss = self.rss
        self.peak_fds = self.fds

    def sample(self) -> None:
        self.edge.assert_alive()
        self.peak_rss = max(self.peak_rss, self.edge.rss_kib())
        self.peak_fds = max(self.peak_fds, self.edge.fd_count())

    def sample_for(self, seconds: float, interval: float = 0.1) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.sample()
            time.sleep(interval)

    @property
    def rss_growth_kib(self) -> int:
        return self.peak_rss - self.rss

    def assert_back(self, *, rss_slack_kib: int = 8 * MiB, fd_slack: int = 4, timeout: float = 6.0) -> None:
        """Waits (bounded) for RSS and descriptors to come back near where they were."""
        self.edge.assert_alive()
        ok = wait_until(lambda: self.edge.fd_count() <= self.fds + fd_slack
                        and self.edge.rss_kib() <= self.rss + rss_slack_kib, timeout, 0.2)
        rss, fds = self.edge.rss_kib(), self.edge.fd_count()
        assert ok, (f"mcp-edge did not come back to its baseline within {timeout} s: RSS {self.rss} -> "
                    f"{rss} KiB (peak {self.peak_rss}, slack {rss_slack_kib}), fds {self.fds} -> {fds} "
                    f"(peak {self.peak_fds}, slack {fd_slack})")

    def __str__(self) -> str:
        return (f"RSS {self.rss} KiB (peak {self.peak_rss}, now {self.edge.rss_kib()}), "
                f"fds {self.fds} (peak {self.peak_fds}, now {self.edge.fd_count()})")


def h1_post(body: bytes, headers: dict[str, str] | None = None, path: str = "/mcp",
            content_length: int | None = None, chunked: bool = False) -> bytes:
    """An HTTP/1.1 POST head (and `body`, which may be only the start of the declared one)."""
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
             f"Accept: {ACCEPT_BOTH}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    else:
        lines.append(f"Content-Length: {len(body) if content_length is None else content_length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def small_rcvbuf_socket(port: int, rcvbuf: int = 4096) -> socket.socket:
    """A connected socket whose receive buffer is set small before the connection exists (so
    the advertised window stays small): a client that takes almost nothing."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    return s


def closed_by_peer(s: socket.socket, within: float) -> bool:
    """Whether the server closed `s` (EOF or reset) within `within` seconds; bytes that arrive
    first are read and dropped."""
    deadline = time.monotonic() + within
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        s.settimeout(left)
        try:
            if s.recv(65536) == b"":
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except (socket.timeout, TimeoutError):
            return False
        except OSError:
            return True


def read_statuses_and_eof(socks: list[socket.socket], timeout: float) -> tuple[list[int | None], list[bool]]:
    """Reads all `socks` at once until each has a response head and EOF, or `timeout` passes
    (one deadline for all). Returns each one's status (None: no head) and whether it was closed."""
    import re
    import select

    bufs = [b""] * len(socks)
    eof = [False] * len(socks)
    deadline = time.monotonic() + timeout
    while True:
        pending = [i for i in range(len(socks)) if not eof[i]]
        left = deadline - time.monotonic()
        if not pending or left <= 0:
            break
        r, _, _ = select.select([socks[i] for i in pending], [], [], min(left, 0.2))
        for s in r:
            i = socks.index(s)
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if data:
                bufs[i] += data
            else:
                eof[i] = True
    statuses = []
    for b in bufs:
        m = re.match(rb"HTTP/1\.[01] (\d{3})", b)
        statuses.append(int(m.group(1)) if m else None)
    return statuses, eof
