"""A backend for the gateway tests written with the official SDK (mcp 2.3.0, MCPServer): the
behaviour only a real SDK server has (SSE responses, progress, cancellation, elicitation, log
notifications, sessions, both protocol eras) behind a name that shows in every answer.

    python sdk_gateway_server.py --name beta --port 9001 [--era legacy|dual] [--transport http|stdio]
        [--path /mcp] [--json-response] [--tools N] [--page-size K] [--events-file PATH]

Tools (NAME is --name):
  echo(text)           -> "NAME:echo:TEXT"
  add(a, b)            -> a + b (structured output, like most SDK tools)
  slow(seconds=1)      -> a notifications/progress every 0.1 s when the request has a progressToken,
                          then "NAME:slow:SECONDS"; cancelling it (legacy: notifications/cancelled;
                          modern: closing the response stream) is recorded in --events-file
  ask(question)        -> elicitation (legacy: an elicitation/create request to the client on the
                          call's SSE stream; modern: an input_required result), then
                          "NAME:ask:ANSWER" ("NAME:ask:declined" / "NAME:ask:cancelled")
  log(msg)             -> a notifications/message (level info, logger NAME) carrying msg, then
                          "NAME:log:MSG" (modern clients only get it when they opt in with a log
                          level in _meta, e.g. Client(log_level="info"))
  era()                -> "NAME:era:VERSION", the protocol version this request was served at
  tool1..toolN         -> (--tools N) "NAME:toolI:TEXT"
Prompt greet(who="world") -> "NAME:greet:WHO". Resource sdk://NAME/readme -> "NAME:readme";
template sdk://NAME/items/{id} -> "NAME:item:ID".

--page-size K pages tools/list K tools at a time (MCPServer itself ignores the cursor): the
cursor is opaque ("sdk-page-OFFSET"), a foreign one is -32602 "Invalid cursor".

--era dual (default) is what the SDK does on its own: on HTTP, a request whose
MCP-Protocol-Version header is not a handshake version (2024-11-05 .. 2025-11-25) goes to the
stateless 2026-07-28 entry (server/discover, per-request _meta, Mcp-Method/Mcp-Name checks),
everything else to the stateful handshake sessions (initialize, Mcp-Session-Id, GET stream,
DELETE); on stdio the client's first request decides the era of the whole connection (a request
with the 2026-07-28 _meta envelope opens a modern one, anything else a legacy one).
--era legacy serves the handshake era only, the way an mcp 1.x server answers a 2026-07-28
client: on HTTP such a request is refused before the SDK sees it with 400 and a JSON-RPC
-32600 error (id "server-error"): "Bad Request: Missing session ID" without an Mcp-Session-Id,
else "Bad Request: Unsupported protocol version: V. Supported versions: ..."; on stdio the
handshake-only loop serves the connection, so server/discover is refused and the client falls
back to initialize.

--events-file PATH gets one JSON object per line: {"event": "slow-start"|"slow-done"|
"slow-cancelled", "server": NAME, "request_id": ..., "protocol_version": ..., "t": monotonic}.

Readiness: on HTTP the port accepts connections once the server is ready (uvicorn binds after
the SDK's lifespan started); both transports print "sdk_gateway_server NAME ready ..." on stderr.
"""

# No `from __future__ import annotations`: MCPServer evaluates the tools' annotations, and
# `ask`'s names a resolver local to build().
import argparse
import json
import sys
import time
import warnings
from typing import Annotated, Any

import anyio
import mcp_types as types
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from pydantic import BaseModel

from mcp.server.elicitation import AcceptedElicitation, DeclinedElicitation, ElicitationResult
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.resolve import Elicit, Resolve
from mcp.shared.exceptions import MCPError

warnings.simplefilter("ignore")  # ctx.info & co. are deprecated at 2026-07-28: still what legacy clients get


class Answer(BaseModel):
    answer: str


def build(name: str, *, tools: int = 0, page_size: int = 0, events_file: str | None = None) -> MCPServer:
    mcp = MCPServer(name, version="1.0.0", log_level="WARNING")

    def record(event: str, ctx: Context, **extra: Any) -> None:
        if not events_file:
            return
        line = {"event": event, "server": name, "request_id": ctx.request_id,
                "protocol_version": ctx.protocol_version, "t": time.monotonic(), **extra}
        with open(events_file, "a") as f:
            f.write(json.dumps(line) + "\n")

    @mcp.tool()
    def echo(text: str) -> str:
        """Returns NAME:echo:TEXT."""
        return f"{name}:echo:{text}"

    @mcp.tool()
    def add(a: float, b: float) -> float:
        """Adds two numbers."""
        return a + b

    @mcp.tool()
    async def slow(ctx: Context, seconds: float = 1.0) -> str:
        """Sends progress every 0.1 s for `seconds`, then answers; records a cancellation."""
        steps = max(1, round(seconds / 0.1))
        record("slow-start", ctx, seconds=seconds)
        try:
            for i in range(1, steps + 1):
                await anyio.sleep(0.1)
                await ctx.report_progress(i, steps, f"{name} step {i}/{steps}")
        except anyio.get_cancelled_exc_class():
            record("slow-cancelled", ctx)
            raise
        record("slow-done", ctx)
        return f"{name}:slow:{seconds:g}"

    def ask_user(question: str) -> Elicit[Answer]:
        return Elicit(question, Answer)

    @mcp.tool()
    def ask(question: str, reply: Annotated[ElicitationResult[Answer], Resolve(ask_user)]) -> str:
        """Asks the user the question (elicitation) and returns NAME:ask:ANSWER."""
        if isinstance(reply, AcceptedElicitation):
            return f"{name}:ask:{reply.data.answer}"
        return f"{name}:ask:{'declined' if isinstance(reply, DeclinedElicitation) else 'cancelled'}"

    @mcp.tool()
    async def log(ctx: Context, msg: str) -> str:
        """Sends msg as a log notification (level info), then returns NAME:log:MSG."""
        await ctx.info(msg, logger_name=name)
        return f"{name}:log:{msg}"

    @mcp.tool()
    async def changed(ctx: Context) -> str:
        """Sends notifications/tools/list_changed unrelated to this request (legacy era: on the
        session's GET stream), then returns NAME:changed."""
        await ctx.session.send_tool_list_changed()
        return f"{name}:changed"

    @mcp.tool()
    def era(ctx: Context) -> str:
        """Returns NAME:era:VERSION, the protocol version this request was served at."""
        return f"{name}:era:{ctx.protocol_version}"

    def extra_tool(i: int) -> Any:
        def extra(text: str = "") -> str:
            return f"{name}:tool{i}:{text}"
        return extra

    for i in range(1, tools + 1):
        mcp.tool(name=f"tool{i}", description=f"Tool {i} of {name}")(extra_tool(i))

    @mcp.prompt()
    def greet(who: str = "world") -> str:
        """A greeting from NAME."""
        return f"{name}:greet:{who}"

    @mcp.resource(f"sdk://{name}/readme", name="readme", mime_type="text/plain")
    def readme() -> str:
        return f"{name}:readme"

    @mcp.resource(f"sdk://{name}/items/{{id}}", name="item", mime_type="text/plain")
    def item(id: str) -> str:
        return f"{name}:item:{id}"

    if page_size > 0:
        async def paged_tools(ctx: Any, params: types.PaginatedRequestParams) -> types.ListToolsResult:
            listed = await mcp.list_tools()
            start = 0
            if params.cursor is not None:
                prefix = "sdk-page-"
                offset = params.cursor[len(prefix):] if params.cursor.startswith(prefix) else ""
                if not offset.isdigit() or not 0 < int(offset) < len(listed):
                    raise MCPError(code=types.INVALID_PARAMS, message="Invalid cursor")
                start = int(offset)
            end = start + page_size
            return types.ListToolsResult(tools=listed[start:end],
                                         next_cursor=f"sdk-page-{end}" if end < len(listed) else None)

        # MCPServer's own tools/list ignores the cursor; the low-level server lets a handler replace it.
        mcp._lowlevel_server.add_request_handler("tools/list", types.PaginatedRequestParams, paged_tools)
    return mcp


class LegacyOnly:
    """ASGI wrapper: refuses a 2026-07-28 request the way an mcp 1.x server does (400, -32600)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            version = headers.get("mcp-protocol-version")
            if version is not None and version not in HANDSHAKE_PROTOCOL_VERSIONS:
                if "mcp-session-id" not in headers:
                    message = "Bad Request: Missing session ID"
                else:
                    message = (f"Bad Request: Unsupported protocol version: {version}. "
                               f"Supported versions: {', '.join(HANDSHAKE_PROTOCOL_VERSIONS)}")
                body = json.dumps({"jsonrpc": "2.0", "id": "server-error",
                                   "error": {"code": types.INVALID_REQUEST, "message": message}}).encode()
                await send({"type": "http.response.start", "status": 400,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


async def serve_http(mcp: MCPServer, args: argparse.Namespace) -> None:
    import uvicorn

    app: Any = mcp.streamable_http_app(streamable_http_path=args.path, json_response=args.json_response,
                                       stateless_http=False, host=args.host)
    if args.era == "legacy":
        app = LegacyOnly(app)
    server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level="warning"))

    async def announce() -> None:
        while not server.started:
            await anyio.sleep(0.02)
        print(f"sdk_gateway_server {args.name} ready on http://{args.host}:{args.port}{args.path} "
              f"(era {args.era})", file=sys.stderr, flush=True)

    async with anyio.create_task_group() as tg:
        tg.start_soon(announce)
        await server.serve()
        tg.cancel_scope.cancel()


async def serve_stdio(mcp: MCPServer, args: argparse.Namespace) -> None:
    from mcp.server.runner import serve_loop
    from mcp.server.stdio import stdio_server

    server = mcp._lowlevel_server
    async with stdio_server() as (read_stream, write_stream):
        print(f"sdk_gateway_server {args.name} ready on stdio (era {args.era})", file=sys.stderr, flush=True)
        if args.era == "dual":
            # Server.run: the client's first request picks the era of the whole connection.
            await server.run(read_stream, write_stream, server.create_initialization_options())
        else:
            # The handshake-only loop the streamable-HTTP manager uses for its sessions.
            async with server.lifespan(server) as state:
                await serve_loop(server, read_stream, write_stream, lifespan_state=state,
                                 init_options=server.create_initialization_options())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--name", default="sdk")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=9000)
    ap.add_argument("--path", default="/mcp")
    ap.add_argument("--era", choices=("legacy", "dual"), default="dual")
    ap.add_argument("--transport", choices=("http", "stdio"), default="http")
    ap.add_argument("--json-response", action="store_true", help="JSON instead of SSE responses (HTTP)")
    ap.add_argument("--tools", type=int, default=0, help="extra tools tool1..toolN")
    ap.add_argument("--page-size", type=int, default=0, help="page tools/list by K")
    ap.add_argument("--events-file")
    args = ap.parse_args()
    mcp = build(args.name, tools=args.tools, page_size=args.page_size, events_file=args.events_file)
    try:
        anyio.run(serve_http if args.transport == "http" else serve_stdio, mcp, args)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
