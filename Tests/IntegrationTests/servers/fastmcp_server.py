"""The MCP backend of the integration tests: the official SDK's server (MCPServer, formerly
FastMCP) over Streamable HTTP, stateful sessions, SSE responses (json_response=False).

    python fastmcp_server.py --port 9000 [--path /mcp]

Tools that stream report the CLOCK_MONOTONIC time of each notification they send (the
tests compare it with their own arrival times: same clock on one Linux host).
"""

from __future__ import annotations

import argparse
import json
import time

import anyio
from mcp.server.mcpserver import Context, MCPServer

mcp = MCPServer("integration-fastmcp", version="1.0.0", log_level="WARNING")


@mcp.tool()
def echo(text: str) -> str:
    """Returns its text."""
    return text


@mcp.tool()
def add(a: float, b: float) -> float:
    """Adds two numbers."""
    return a + b


@mcp.tool()
async def slow_progress(ctx: Context, steps: int = 3, delay: float = 0.3) -> str:
    """Reports progress `steps` times, `delay` seconds apart, then returns the send times."""
    sent = []
    for i in range(1, steps + 1):
        await anyio.sleep(delay)
        await ctx.report_progress(i, steps, f"step {i}/{steps}")
        sent.append(time.monotonic())
    return json.dumps({"sent": sent})


@mcp.tool()
async def ticker(ctx: Context, n: int = 5, interval: float = 0.3) -> str:
    """Sends a log message and a progress notification every `interval` seconds, n times."""
    sent = []
    for i in range(1, n + 1):
        if i > 1:
            await anyio.sleep(interval)
        await ctx.info(f"tick {i}")
        await ctx.report_progress(i, n, f"tick {i}")
        sent.append(time.monotonic())
    return json.dumps({"sent": sent})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=9000)
    ap.add_argument("--path", default="/mcp")
    args = ap.parse_args()
    mcp.run("streamable-http", host=args.host, port=args.port, streamable_http_path=args.path,
            json_response=False, stateless_http=False)


if __name__ == "__main__":
    main()
