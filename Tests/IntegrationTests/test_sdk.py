"""The official MCP Python SDK client (streamable_http_client + ClientSession) through mcp-edge.

Streaming is proven with a clock both processes share (CLOCK_MONOTONIC): the server's tools
return the time they sent each notification, and the client records when each arrived. The
first notification must reach the client before the server has even sent the last one.
"""

from __future__ import annotations

import functools
import json
import time

import anyio
import httpx2
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from helpers.wire import client_context

# (TLS?, HTTP/2?, expected response http_version)
MODES = [
    pytest.param((True, False, "HTTP/1.1"), id="tls-http1.1"),
    pytest.param((True, True, "HTTP/2"), id="tls-http2"),
    pytest.param((False, False, "HTTP/1.1"), id="plain-http1.1"),
    pytest.param((False, True, "HTTP/2"), id="plain-h2c"),
]


@pytest.fixture(params=MODES)
def mode(request):
    return request.param


async def _with_session(url: str, cafile: str, mode, fn, **session_kw):
    tls, http2, _ = mode
    versions: list[str] = []

    async def on_response(response):
        versions.append(response.http_version)

    kw: dict = {"timeout": httpx2.Timeout(30, read=60), "event_hooks": {"response": [on_response]}}
    if tls:
        kw["verify"] = client_context(cafile)
        kw["http2"] = http2
    elif http2:
        kw.update(http1=False, http2=True)  # h2c with prior knowledge
    with anyio.fail_after(90):
        async with httpx2.AsyncClient(**kw) as hc:
            async with streamable_http_client(url, http_client=hc) as (read, write):
                async with ClientSession(read, write, **session_kw) as session:
                    out = await fn(session)
    return out, versions


def _url(edge, mode) -> str:
    tls, http2, _ = mode
    if edge.direct and http2:
        pytest.skip("direct mode: HTTP/2 is mcp-edge's job")
    return edge.url("/mcp", tls=tls)


def test_sdk_progress_streams_before_result(mode, edge_factory, fastmcp_server, cafile):
    edge = edge_factory({"fast": fastmcp_server.url})
    arrivals: list[tuple[str, float, float]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        arrivals.append(("progress", progress, time.monotonic()))

    async def scenario(session: ClientSession):
        init = await session.initialize()
        tools = await session.list_tools()
        result = await session.call_tool("slow_progress", {"steps": 3, "delay": 0.3},
                                         progress_callback=on_progress)
        arrivals.append(("result", 0, time.monotonic()))
        return init, tools, result

    (init, tools, result), versions = anyio.run(_with_session, _url(edge, mode), cafile, mode, scenario)

    assert init.server_info.name == "integration-fastmcp"
    assert {"echo", "add", "slow_progress", "ticker"} <= {t.name for t in tools.tools}
    assert not result.is_error, result
    assert [(k, p) for k, p, _ in arrivals] == [("progress", 1), ("progress", 2), ("progress", 3),
                                                 ("result", 0)]
    sent = json.loads(result.content[0].text)["sent"]
    first_arrival = arrivals[0][2]
    assert first_arrival < sent[-1], (
        "progress 1 reached the client only after the server sent progress 3: the SSE response "
        f"was buffered (arrivals {arrivals}, sent {sent})")
    assert versions and set(versions) == {mode[2]}, versions


def test_sdk_log_notifications_stream(mode, edge_factory, fastmcp_server, cafile):
    edge = edge_factory({"fast": fastmcp_server.url})
    logs: list[tuple[str, float]] = []

    async def on_log(params) -> None:
        logs.append((str(params.data), time.monotonic()))

    async def scenario(session: ClientSession):
        await session.initialize()
        result = await session.call_tool("ticker", {"n": 5, "interval": 0.3})
        return result, time.monotonic()

    (result, result_at), _ = anyio.run(
        functools.partial(_with_session, _url(edge, mode), cafile, mode, scenario, logging_callback=on_log))
    assert not result.is_error, result
    assert [m for m, _ in logs] == [f"tick {i}" for i in range(1, 6)]
    assert all(t <= result_at for _, t in logs)
    sent = json.loads(result.content[0].text)["sent"]
    assert logs[0][1] < sent[-1], f"tick 1 arrived after tick 5 was sent: {logs} {sent}"


def test_sdk_against_backend_c(mode, edge_factory, backend_c, cafile):
    edge = edge_factory({"bench": backend_c.url})

    async def scenario(session: ClientSession):
        init = await session.initialize()
        tools = await session.list_tools()
        result = await session.call_tool("lorem", {})
        await session.send_ping()
        return init, tools, result

    (init, tools, result), versions = anyio.run(_with_session, _url(edge, mode), cafile, mode, scenario)
    assert init.server_info.name == "bench-backend"
    assert [t.name for t in tools.tools] == ["echo", "add", "lorem"]
    assert len(result.content[0].text) == 512
    assert versions and set(versions) == {mode[2]}, versions
