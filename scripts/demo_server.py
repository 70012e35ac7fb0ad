"""The demo MCP backend of `make run`: the official Python SDK's server (MCPServer, formerly
FastMCP) over Streamable HTTP on 127.0.0.1:9000/mcp, stateful sessions, SSE responses.

    Tests/IntegrationTests/.venv/bin/python scripts/demo_server.py [--port 9000]
"""

from __future__ import annotations

import argparse
import datetime

import anyio
from mcp.server.mcpserver import Context, MCPServer

mcp = MCPServer("mcp-edge-demo", version="1.0.0", log_level="WARNING",
                instructions="A demo server behind mcp-edge: echo, add, time, countdown.")


@mcp.tool()
def echo(text: str) -> str:
    """Returns its text."""
    return text


@mcp.tool()
def add(a: float, b: float) -> float:
    """Adds two numbers."""
    return a + b


@mcp.tool()
def utc_now() -> str:
    """The current UTC time, ISO 8601."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


@mcp.tool()
async def countdown(ctx: Context, n: int = 3) -> str:
    """Counts down from n, one progress notification per second (watch them stream)."""
    for i in range(n, 0, -1):
        await ctx.report_progress(n - i + 1, n, f"{i}...")
        await anyio.sleep(1)
    return "liftoff"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=9000)
    args = ap.parse_args()
    mcp.run("streamable-http", host=args.host, port=args.port, streamable_http_path="/mcp",
            json_response=False, stateless_http=False)


if __name__ == "__main__":
    main()
