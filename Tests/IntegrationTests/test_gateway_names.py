"""Exposed names that cannot be split back, server names that end like the separator, and
failures that reach a client whose answer is already streaming."""

from __future__ import annotations

import time

import anyio
import httpx

from helpers.gateway import call_text, connect, initialize_body, legacy_headers, list_all_tools, mcp_error_in, run


def _session(url: str) -> str:
    r = httpx.post(url, json=initialize_body(), headers=legacy_headers(version=None), timeout=10)
    return r.headers["mcp-session-id"]


def _call(url: str, session: str, name: str, text: str = "x") -> dict:
    body = {"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": name, "arguments": {"text": text}}}
    with httpx.Client(timeout=10) as c:  # a new connection per call: any worker may get it
        return c.post(url, json=body, headers=legacy_headers(session)).json()


def test_shortened_names_resolve_on_every_worker(backends, gateway_factory):
    alpha = backends.fast("alpha")
    gw = gateway_factory({"longservername": alpha}, routes=[("/mcp", ["longservername"], {"max_tool_name_length": 16})],
                         workers=2)
    url = gw.url("/mcp", tls=False)

    async def names():
        async with connect(url, mode="legacy") as c:
            return await list_all_tools(c)
    exposed = run(names)
    assert exposed and all(len(n) == 16 for n in exposed), exposed  # longservername__echo is 20
    short = exposed[0]
    session = _session(url)
    answers = [_call(url, session, short) for _ in range(10)]
    assert all("result" in a for a in answers), answers


def test_server_name_ending_like_the_separator(backends, gateway_factory):
    alpha = backends.fast("alpha")
    gw = gateway_factory({"demo_": alpha})
    url = gw.url("/mcp", tls=False)
    session = _session(url)
    answer = _call(url, session, "demo___echo", "hi")
    assert answer["result"]["content"][0]["text"] == "alpha:echo:hi", answer


def test_backend_failure_after_progress_is_the_streams_last_event(backends, gateway_factory):
    gamma = backends.sdk("gamma", era="legacy")
    gw = gateway_factory({"gamma": gamma})
    progress: list[float] = []

    async def on_progress(p, total, message):
        progress.append(p)
        if len(progress) == 2:
            gamma.stop()

    async def body():
        async with connect(gw.url("/mcp", tls=False), mode="legacy") as c:
            try:
                await call_text(c, "gamma__slow", {"seconds": 3}, progress_callback=on_progress)
            except BaseException as exc:  # noqa: BLE001
                return mcp_error_in(exc)
    error = run(body)
    assert error is not None and -32019 <= error.code <= -32000 and "gamma" in error.message, error


def test_stdio_backend_that_never_initialises_fails_calls_in_time(gateway_factory):
    gw = gateway_factory({"mute": {"command": ["sleep", "1000"]}},
                         extra="timeouts: {upstream_first_byte: 1s}\n")
    url = gw.url("/mcp", tls=False)
    session = _session(url)
    started = time.monotonic()
    answer = _call(url, session, "mute__echo")
    assert "error" in answer and "mute" in answer["error"]["message"], answer
    assert time.monotonic() - started < 8
