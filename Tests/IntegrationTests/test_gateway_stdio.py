"""stdio backends of a gateway route: one process per worker shared by the sessions, or one per
session with `per_session: true`, shut down when the session ends."""

from __future__ import annotations

import os
import time

import httpx

from helpers.gateway import initialize_body, legacy_headers


def _children(pid: int) -> list[int]:
    """Live (not zombie) child processes of pid."""
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            kids.append(int(entry))
    return kids


def _session(url: str) -> str:
    r = httpx.post(url, json=initialize_body(), headers=legacy_headers(version=None), timeout=10)
    assert r.status_code == 200, r.text
    return r.headers["mcp-session-id"]


def _call(url: str, session: str, text: str) -> dict:
    body = {"jsonrpc": "2.0", "id": 5, "method": "tools/call",
            "params": {"name": "local__echo", "arguments": {"text": text}}}
    r = httpx.post(url, json=body, headers=legacy_headers(session), timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def _wait_children(pid: int, count: int, timeout: float = 10) -> list[int]:
    deadline = time.monotonic() + timeout
    while True:
        kids = _children(pid)
        if len(kids) == count or time.monotonic() > deadline:
            return kids
        time.sleep(0.05)


def test_shared_process_serves_every_session(backends, gateway_factory):
    local = backends.fast_stdio("local")
    gw = gateway_factory({"local": local})
    url = gw.url("/mcp", tls=False)
    a, b = _session(url), _session(url)
    assert _call(url, a, "one")["result"]["content"][0]["text"] == "local:echo:one"
    assert _call(url, b, "two")["result"]["content"][0]["text"] == "local:echo:two"
    assert len(_wait_children(gw.proc.pid, 1)) == 1


def test_per_session_processes_start_and_end_with_their_sessions(backends, gateway_factory):
    local = backends.fast_stdio("local")
    gw = gateway_factory({"local": {**local.config_entry(), "per_session": True}})
    url = gw.url("/mcp", tls=False)
    a = _session(url)
    assert len(_wait_children(gw.proc.pid, 1)) == 1
    b = _session(url)
    assert len(_wait_children(gw.proc.pid, 2)) == 2
    assert _call(url, a, "one")["result"]["content"][0]["text"] == "local:echo:one"
    assert _call(url, b, "two")["result"]["content"][0]["text"] == "local:echo:two"
    r = httpx.delete(url, headers=legacy_headers(a), timeout=10)
    assert r.status_code == 200
    assert len(_wait_children(gw.proc.pid, 1)) == 1, "the deleted session's process ends"
    assert _call(url, b, "still")["result"]["content"][0]["text"] == "local:echo:still"


def test_per_session_process_is_reaped_when_idle(backends, gateway_factory):
    local = backends.fast_stdio("local")
    gw = gateway_factory({"local": {**local.config_entry(), "per_session": True}},
                         extra="timeouts: {stdio_session_idle: 1s}\n")
    url = gw.url("/mcp", tls=False)
    a = _session(url)
    assert _call(url, a, "one")["result"]["content"][0]["text"] == "local:echo:one"
    assert len(_wait_children(gw.proc.pid, 0, timeout=6)) == 0
    # The session goes on: its next request starts a new process.
    assert _call(url, a, "again")["result"]["content"][0]["text"] == "local:echo:again"
