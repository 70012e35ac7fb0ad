"""What a process holds, read from /proc: resident memory, open descriptors, and loopback TCP
connections by state (the `ss -tan` view without ss)."""

from __future__ import annotations

import os
import time

# /proc/net/tcp state codes (include/net/tcp_states.h).
TCP_STATES = {
    "01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1", "05": "FIN_WAIT2",
    "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK", "0A": "LISTEN",
    "0B": "CLOSING",
}


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for pid {pid}")


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def tcp_connections(port: int, state: str | None = None, side: str = "remote") -> int:
    """IPv4 TCP sockets whose local or remote (`side`) port is `port`, in `state` (a name from
    TCP_STATES) or any state. E.g. tcp_connections(backend_port, "TIME_WAIT") counts the
    connections to the backend that mcp-edge closed first and are waiting out 2*MSL."""
    count = 0
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            parts = line.split()
            local, remote, st = parts[1], parts[2], parts[3]
            addr = remote if side == "remote" else local
            if int(addr.rsplit(":", 1)[1], 16) != port:
                continue
            if state is None or TCP_STATES.get(st) == state:
                count += 1
    return count


def wait_until(predicate, timeout: float, interval: float = 0.1) -> bool:
    """Polls predicate() until it holds or `timeout` seconds pass (bounded); returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return bool(predicate())
        time.sleep(interval)
