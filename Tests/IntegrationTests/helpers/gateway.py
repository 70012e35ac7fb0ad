"""Helpers of the gateway tests: backends (started, stopped, restarted), mcp-edge with a gateway
route, the SDK client, and raw modern-era requests.

Backends (`Backends`, the `backends` fixture in conftest.py; everything is stopped at teardown):

    alpha = backends.fast("alpha")                       # servers/fast_backend.c over HTTP
    beta = backends.fast("beta", tools=120, page_size=50, require_session=True)
    gamma = backends.sdk("gamma", era="legacy")          # servers/sdk_gateway_server.py over HTTP
    time_ = backends.time()                               # mcp-server-time, stdio: a command only
    c = backends.fast_stdio("c"); s = backends.sdk_stdio("s")   # stdio: the gateway spawns them
    alpha.url, alpha.config_entry(), alpha.stop(), alpha.start(), alpha.restart()
    alpha.stats()      # fast_backend counts (SIGUSR1, then the --stats-file), e.g. s["legacy"]["tools/call"]
    gamma.events()     # sdk_gateway_server --events-file lines (slow-start / -done / -cancelled)

mcp-edge with a gateway route (`gateway_factory` fixture, or `start_gateway` directly):

    edge = gateway_factory({"alpha": alpha, "beta": beta, "time": time_})   # route /mcp -> all
    edge = gateway_factory(servers, routes=[("/mcp", ["alpha", "beta"])], tls=True)
    edge.url("/mcp", tls=False)

`render_gateway_config` writes exactly the shape the gateway reads:

    workers: 1
    listeners:
      - {name: plain, address: "127.0.0.1:PORT"}
    servers:
      alpha: {url: "http://127.0.0.1:P1/mcp"}
      time: {command: ["/venv/bin/mcp-server-time", "--local-timezone", "UTC"]}
    routes:
      - path: "/mcp"
        servers: [alpha, beta, time]

The SDK client (mcp 2.3.0, `mcp.Client`):

    async with connect(edge.url("/mcp", tls=False), mode="legacy") as client:   # or mode="auto"
        names = await list_all_tools(client)       # follows nextCursor
        text = await call_text(client, "alpha__echo", {"text": "hi"})

`mode="legacy"` runs initialize (Mcp-Session-Id, then the GET stream); `mode="auto"` probes
server/discover at 2026-07-28 and falls back to initialize on any JSON-RPC error (also on a bare
4xx, which the transport turns into one, and on its 10 s probe timeout); `mode="2026-07-28"`
adopts the modern era with no probe. `connect` passes `cache=None`: the SDK client caches list
results by default (honouring ttlMs/cacheScope), which would hide backend requests from tests
that count them. `run(fn, *args)` runs an async test body under a deadline.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest

from helpers.edge import TESTS_DIR, Edge, free_port, launch_edge, q, wait_port

FAST_BACKEND_C = TESTS_DIR / "servers" / "fast_backend.c"
SDK_SERVER = TESTS_DIR / "servers" / "sdk_gateway_server.py"
MODERN = "2026-07-28"
LEGACY = "2025-11-25"
PV_KEY = "io.modelcontextprotocol/protocolVersion"
CAPS_KEY = "io.modelcontextprotocol/clientCapabilities"
INFO_KEY = "io.modelcontextprotocol/clientInfo"


def compile_fast_backend(dest: Path) -> Path:
    """cc servers/fast_backend.c into dest (a folder); pytest.fail on a compile error."""
    exe = dest / "fast_backend"
    try:
        r = subprocess.run(["cc", "-O2", "-Wall", "-Wextra", "-o", str(exe), str(FAST_BACKEND_C)],
                           capture_output=True, text=True, timeout=180)
    except FileNotFoundError:
        pytest.fail("cc not found: the tests compile servers/fast_backend.c with it", pytrace=False)
    if r.returncode != 0:
        pytest.fail(f"cc {FAST_BACKEND_C.name} failed:\n{r.stderr}", pytrace=False)
    return exe


def mcp_server_time() -> Path:
    """The venv's mcp-server-time (requirements.txt); pytest.fail when it is not installed."""
    exe = Path(sys.executable).parent / "mcp-server-time"
    if not exe.exists():
        pytest.fail(f"{exe} not found: mcp-server-time is in requirements.txt, run `make venv`", pytrace=False)
    return exe


# ---- backends ----

@dataclass
class BackendProc:
    """One backend. HTTP ones run here (start/stop/restart); stdio ones are a command that the
    gateway spawns (config_entry() gives {"command": [...]}, start/stop do nothing)."""

    kind: str                   # "fast", "sdk", "fast-stdio", "sdk-stdio", "time"
    name: str
    command: list[str]
    workdir: Path
    port: int | None = None     # HTTP only
    path: str = "/mcp"
    stats_file: Path | None = None
    events_file: Path | None = None
    proc: subprocess.Popen | None = None
    starts: int = 0

    @property
    def http(self) -> bool:
        return self.port is not None

    @property
    def url(self) -> str:
        assert self.http, f"{self.name} is a stdio backend"
        return f"http://127.0.0.1:{self.port}{self.path}"

    @property
    def log(self) -> Path:
        return self.workdir / f"{self.name}.log"

    def config_entry(self) -> dict[str, Any]:
        return {"url": self.url} if self.http else {"command": list(self.command)}

    def start(self, timeout: float = 30) -> BackendProc:
        if not self.http:
            return self
        assert self.proc is None or self.proc.poll() is not None, f"{self.name} is running"
        self.starts += 1
        with open(self.log, "ab") as f:
            f.write(f"--- start {self.starts}: {' '.join(self.command)}\n".encode())
            f.flush()
            self.proc = subprocess.Popen(self.command, stdout=f, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=TESTS_DIR)
        if not wait_port(self.port, timeout, self.proc):
            self.kill()
            pytest.fail(f"backend {self.name} did not start:\n{self.log_tail()}", pytrace=False)
        return self

    def stop(self) -> None:
        """SIGTERM (fast_backend writes its stats), wait, SIGKILL after 10 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def restart(self) -> BackendProc:
        """Stop and start again on the same port: a new process (fast_backend forgets sessions)."""
        self.stop()
        return self.start()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else "(no log)"

    def stats(self, timeout: float = 5) -> dict[str, Any]:
        """fast_backend's counts: {"legacy": {method: n}, "modern": {...}, "http": {...}, "total": n}.
        A running HTTP backend is asked with SIGUSR1; otherwise the file it wrote at exit is read."""
        assert self.stats_file is not None, f"{self.name} has no --stats-file"
        if self.alive():
            self.stats_file.unlink(missing_ok=True)
            self.proc.send_signal(signal.SIGUSR1)
            deadline = time.monotonic() + timeout
            while not self.stats_file.exists():
                if time.monotonic() > deadline:
                    pytest.fail(f"{self.name} wrote no stats within {timeout} s")
                time.sleep(0.01)
        if not self.stats_file.exists():
            return {"legacy": {}, "modern": {}, "http": {}, "total": 0}
        return json.loads(self.stats_file.read_text())

    def count(self, method: str, era: str | None = None) -> int:
        """How many `method` messages the backend saw (in `era`, or in both)."""
        s = self.stats()
        eras = [era] if era else ["legacy", "modern"]
        return sum(s.get(e, {}).get(method, 0) for e in eras)

    def events(self) -> list[dict[str, Any]]:
        """sdk_gateway_server's --events-file, one dict per line."""
        assert self.events_file is not None
        if not self.events_file.exists():
            return []
        return [json.loads(line) for line in self.events_file.read_text().splitlines() if line.strip()]

    def wait_event(self, event: str, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in self.events():
                if e["event"] == event:
                    return e
            time.sleep(0.02)
        pytest.fail(f"{self.name} recorded no {event!r} within {timeout} s: {self.events()}")


class Backends:
    """Starts backends in a work folder and stops all of them at close()."""

    def __init__(self, workdir: Path, fast_exe: Path | None) -> None:
        self.workdir = workdir
        self.fast_exe = fast_exe
        self.all: list[BackendProc] = []
        workdir.mkdir(parents=True, exist_ok=True)

    def _add(self, b: BackendProc) -> BackendProc:
        self.all.append(b)
        return b.start()

    @staticmethod
    def _fast_args(name: str, *, tools: int | None, page_size: int | None, require_session: bool,
                   legacy_only: bool, modern_only: bool, result_bytes: int | None, ttl_ms: int | None,
                   stats_file: Path | None, extra: Iterable[str]) -> list[str]:
        args = ["--name", name]
        for flag, value in (("--tools", tools), ("--page-size", page_size), ("--result-bytes", result_bytes),
                            ("--ttl-ms", ttl_ms), ("--stats-file", stats_file)):
            if value is not None:
                args += [flag, str(value)]
        for flag, on in (("--require-session", require_session), ("--legacy-only", legacy_only),
                         ("--modern-only", modern_only)):
            if on:
                args.append(flag)
        return args + list(extra)

    def fast(self, name: str, *, tools: int | None = None, page_size: int | None = None,
             require_session: bool = False, legacy_only: bool = False, modern_only: bool = False,
             result_bytes: int | None = None, ttl_ms: int | None = None, stats: bool = True,
             extra: Iterable[str] = ()) -> BackendProc:
        """servers/fast_backend.c --name NAME over HTTP on a free port (with a --stats-file)."""
        assert self.fast_exe is not None
        port = free_port()
        stats_file = self.workdir / f"{name}.stats.json" if stats else None
        cmd = [str(self.fast_exe), "--port", str(port)] + self._fast_args(
            name, tools=tools, page_size=page_size, require_session=require_session, legacy_only=legacy_only,
            modern_only=modern_only, result_bytes=result_bytes, ttl_ms=ttl_ms, stats_file=stats_file, extra=extra)
        return self._add(BackendProc("fast", name, cmd, self.workdir, port=port, stats_file=stats_file))

    def fast_stdio(self, name: str, *, tools: int | None = None, page_size: int | None = None,
                   legacy_only: bool = False, modern_only: bool = False, stats: bool = True,
                   extra: Iterable[str] = ()) -> BackendProc:
        """fast_backend --stdio: the command for the gateway to spawn (stats written at its exit)."""
        assert self.fast_exe is not None
        stats_file = self.workdir / f"{name}.stats.json" if stats else None
        cmd = [str(self.fast_exe), "--stdio"] + self._fast_args(
            name, tools=tools, page_size=page_size, require_session=False, legacy_only=legacy_only,
            modern_only=modern_only, result_bytes=None, ttl_ms=None, stats_file=stats_file, extra=extra)
        return self._add(BackendProc("fast-stdio", name, cmd, self.workdir, stats_file=stats_file))

    def sdk(self, name: str, *, era: str = "dual", json_response: bool = False, tools: int = 0,
            page_size: int = 0) -> BackendProc:
        """servers/sdk_gateway_server.py --name NAME over HTTP on a free port (with --events-file)."""
        port = free_port()
        events = self.workdir / f"{name}.events.jsonl"
        cmd = [sys.executable, str(SDK_SERVER), "--name", name, "--port", str(port), "--era", era,
               "--events-file", str(events)]
        if json_response:
            cmd.append("--json-response")
        if tools:
            cmd += ["--tools", str(tools)]
        if page_size:
            cmd += ["--page-size", str(page_size)]
        return self._add(BackendProc("sdk", name, cmd, self.workdir, port=port, events_file=events))

    def sdk_stdio(self, name: str, *, era: str = "dual", tools: int = 0, page_size: int = 0) -> BackendProc:
        events = self.workdir / f"{name}.events.jsonl"
        cmd = [sys.executable, str(SDK_SERVER), "--transport", "stdio", "--name", name, "--era", era,
               "--events-file", str(events)]
        if tools:
            cmd += ["--tools", str(tools)]
        if page_size:
            cmd += ["--page-size", str(page_size)]
        return self._add(BackendProc("sdk-stdio", name, cmd, self.workdir, events_file=events))

    def time(self, name: str = "time") -> BackendProc:
        """mcp-server-time over stdio (tools get_current_time, convert_time)."""
        return self._add(BackendProc("time", name, [str(mcp_server_time()), "--local-timezone", "UTC"],
                                     self.workdir))

    def close(self) -> None:
        for b in self.all:
            b.stop()


# ---- mcp-edge with a gateway route ----

def _flow_list(items: Iterable[str], quote: bool = True) -> str:
    return "[" + ", ".join(q(i) if quote else i for i in items) + "]"


def render_gateway_config(*, listeners: list[dict], servers: dict[str, dict[str, Any]],
                          routes: list[tuple], workers: int | str = 1,
                          extra: str = "") -> str:
    """The gateway configuration: servers are {"url": ...} or {"command": [...]} (other keys of
    an entry are written as they are, e.g. {"timeout": "5s"}); routes are (path, [server, ...])
    or (path, [server, ...], {key: value}) for a gateway route's own keys: text is written as it
    is (YAML), e.g. {"tools": "{deny: [beta__add]}"}; other values as JSON, e.g.
    {"max_tool_name_length": 16}. `extra` is appended as it is (more top-level sections)."""
    lines = [f"workers: {workers}", "listeners:"]
    for l in listeners:
        item = f"name: {l['name']}, address: {q(l['address'])}"
        if l.get("tls"):
            cert, key = l["tls"]
            item += f", tls: {{certificate: {q(cert)}, key: {q(key)}}}"
        lines.append(f"  - {{{item}}}")
    lines.append("servers:")
    for name, entry in servers.items():
        parts = []
        for k, v in entry.items():
            if isinstance(v, (list, tuple)):
                parts.append(f"{k}: {_flow_list(str(x) for x in v)}")
            elif isinstance(v, str):
                parts.append(f"{k}: {q(v)}")
            else:
                parts.append(f"{k}: {json.dumps(v)}")
        lines.append(f"  {name}: {{{', '.join(parts)}}}")
    lines.append("routes:")
    for path, names, *options in routes:
        lines.append(f"  - path: {q(path)}")
        lines.append(f"    servers: {_flow_list(names, quote=False)}")
        for key, value in (options[0] if options else {}).items():
            lines.append(f"    {key}: {value if isinstance(value, str) else json.dumps(value)}")
    text = "\n".join(lines) + "\n"
    return text + extra if extra else text


def start_gateway(binary: Path, workdir: Path, servers: dict[str, BackendProc | dict[str, Any]],
                  routes: list[tuple] | None = None, *, tls_files: dict[str, Path] | None = None,
                  workers: int | str = 1, extra: str = "", startup_timeout: float = 20.0) -> Edge:
    """Writes the gateway config (a plaintext listener, plus a TLS one when tls_files is given)
    into workdir/edge.yaml and starts mcp-edge on it (helpers/edge.launch_edge)."""
    workdir.mkdir(parents=True, exist_ok=True)
    entries = {n: (s.config_entry() if isinstance(s, BackendProc) else dict(s)) for n, s in servers.items()}
    routes = routes or [("/mcp", list(entries))]
    plain_port = free_port()
    listeners = [{"name": "plain", "address": f"127.0.0.1:{plain_port}"}]
    tls_port = 0
    if tls_files is not None:
        shutil.copy(tls_files["cert"], workdir / "cert.pem")
        shutil.copy(tls_files["key"], workdir / "key.pem")
        tls_port = free_port()
        while tls_port == plain_port:
            tls_port = free_port()
        listeners.insert(0, {"name": "tls", "address": f"127.0.0.1:{tls_port}", "tls": ("cert.pem", "key.pem")})
    text = render_gateway_config(listeners=listeners, servers=entries, routes=routes, workers=workers, extra=extra)
    edge_servers = {n: e.get("url", " ".join(e.get("command", []))) for n, e in entries.items()}
    return launch_edge(binary, workdir, text, plain_port=plain_port, tls_port=tls_port, servers=edge_servers,
                       routes=[(p, ",".join(ns)) for p, ns, *_ in routes], startup_timeout=startup_timeout)


# ---- the SDK client ----

def run(fn: Callable[..., Awaitable[Any]], *args: Any, timeout: float = 60) -> Any:
    """anyio.run(fn, *args) under a deadline (a hang fails the test instead of the suite)."""

    async def body() -> Any:
        with anyio.fail_after(timeout):
            return await fn(*args)

    return anyio.run(body)


@asynccontextmanager
async def connect(target: str | BackendProc, *, mode: str = "auto", cache: Any = None, cafile: str | None = None,
                  http2: bool = False, read_timeout: float = 30, headers: dict[str, str] | None = None, **kw: Any):
    """`mcp.Client` on a URL (or a backend: its URL, or its command over stdio), list caching off
    unless `cache` is given (e.g. CacheConfig()). mode: "legacy" | "auto" | "2026-07-28". `headers`
    go with every HTTP request (e.g. Authorization). Other
    keywords go to Client (elicitation_callback, logging_callback, log_level, client_info, ...).
    With cafile (https) or http2 the transport gets its own httpx2 client."""
    from mcp import Client, StdioServerParameters

    if isinstance(target, BackendProc) and not target.http:
        params = StdioServerParameters(command=target.command[0], args=target.command[1:], cwd=str(TESTS_DIR))
        async with Client(params, mode=mode, cache=cache, read_timeout_seconds=read_timeout, **kw) as client:
            yield client
        return
    url = target.url if isinstance(target, BackendProc) else target
    if cafile is None and not http2 and headers is None:
        async with Client(url, mode=mode, cache=cache, read_timeout_seconds=read_timeout, **kw) as client:
            yield client
        return
    import httpx2

    from mcp.client.streamable_http import streamable_http_client

    hkw: dict[str, Any] = {"timeout": httpx2.Timeout(30, read=60), "headers": headers or {}}
    if cafile is not None:
        from helpers.wire import client_context
        hkw["verify"] = client_context(cafile)
        hkw["http2"] = http2
    elif http2:
        hkw.update(http1=False, http2=True)
    async with httpx2.AsyncClient(**hkw) as hc:
        async with Client(streamable_http_client(url, http_client=hc), mode=mode, cache=cache,
                          read_timeout_seconds=read_timeout, **kw) as client:
            yield client


async def list_all_tools(client: Any, max_pages: int = 1000) -> list[str]:
    """Every tool name, following nextCursor (names in listing order, duplicates kept)."""
    names: list[str] = []
    cursor = None
    for _ in range(max_pages):
        page = await client.list_tools(cursor=cursor)
        names += [t.name for t in page.tools]
        cursor = page.next_cursor
        if not cursor:
            return names
    raise AssertionError(f"tools/list did not end within {max_pages} pages")


async def call_text(client: Any, tool: str, arguments: dict[str, Any] | None = None, **kw: Any) -> str:
    """The text of a tools/call result's first content item (asserts it is not an error)."""
    result = await client.call_tool(tool, arguments or {}, **kw)
    assert not result.is_error, result
    return result.content[0].text


def mcp_error_in(exc: BaseException) -> Any:
    """The MCPError in exc, looking into exception groups (a failed Client.__aenter__ raises one
    from its task group), or None."""
    from mcp.shared.exceptions import MCPError

    if isinstance(exc, MCPError):
        return exc
    for inner in getattr(exc, "exceptions", ()):
        found = mcp_error_in(inner)
        if found is not None:
            return found
    return None


# ---- raw requests (httpx) ----

def modern_meta(version: str = MODERN, capabilities: dict | None = None, **more: Any) -> dict[str, Any]:
    """params._meta of a modern request."""
    return {PV_KEY: version, CAPS_KEY: capabilities if capabilities is not None else {},
            INFO_KEY: {"name": "raw-test", "version": "0"}, **more}


def modern_request(method: str, params: dict[str, Any] | None = None, *, id: Any = 1, version: str = MODERN,
                   meta: dict[str, Any] | None = None, name: str | None = None,
                   headers: dict[str, str] | None = None) -> tuple[dict[str, str], dict[str, Any]]:
    """(headers, body) of a modern POST: Accept, MCP-Protocol-Version, Mcp-Method, and for
    tools/call, prompts/get and resources/read Mcp-Name = params' name or uri (or `name`; "" leaves
    the header out). meta=None stamps the default envelope (modern_meta(version)), meta={} sends
    no _meta, any other dict is sent as it is. `headers` are applied last (override or add)."""
    params = dict(params or {})
    params["_meta"] = modern_meta(version) if meta is None else meta
    if not params["_meta"]:
        del params["_meta"]
    h = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json",
         "MCP-Protocol-Version": version, "Mcp-Method": method}
    mirrored = name if name is not None else params.get("name", params.get("uri"))
    if mirrored and method in ("tools/call", "prompts/get", "resources/read"):
        h["Mcp-Name"] = mirrored
    h.update(headers or {})
    return h, {"jsonrpc": "2.0", "id": id, "method": method, "params": params}


def legacy_headers(session: str | None = None, version: str | None = LEGACY) -> dict[str, str]:
    h = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    if session:
        h["Mcp-Session-Id"] = session
    if version:
        h["MCP-Protocol-Version"] = version
    return h


def initialize_body(id: Any = 1, version: str = LEGACY) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": id, "method": "initialize",
            "params": {"protocolVersion": version, "capabilities": {},
                       "clientInfo": {"name": "raw-test", "version": "0"}}}


def jsonrpc_from_response(response: Any) -> dict[str, Any]:
    """The JSON-RPC message of an httpx response: the JSON body, or the last `data:` of an SSE body
    that carries a result or an error."""
    ctype = response.headers.get("content-type", "")
    if ctype.startswith("text/event-stream"):
        found = None
        for line in response.text.splitlines():
            if line.startswith("data:"):
                msg = json.loads(line[5:])
                if "result" in msg or "error" in msg:
                    found = msg
        assert found is not None, f"no response in the SSE body: {response.text[:2000]}"
        return found
    return response.json()


def post(url: str, headers: Any, body: Any, client: Any = None, timeout: float = 30) -> Any:
    """One POST (httpx): `body` is sent as it is when str/bytes, else as JSON; `headers` a dict,
    or a list of pairs when a name repeats. With `client` (an httpx.Client) on its connection,
    else on a new one."""
    import httpx

    content = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return (client or httpx).post(url, headers=headers, content=content, timeout=timeout)


def legacy_session(url: str, client: Any = None) -> str:
    """initialize + notifications/initialized on raw HTTP; returns the Mcp-Session-Id."""
    r = post(url, legacy_headers(version=None), initialize_body(), client)
    assert r.status_code == 200, r.text
    sid = r.headers["mcp-session-id"]
    r = post(url, legacy_headers(sid), {"jsonrpc": "2.0", "method": "notifications/initialized"}, client)
    assert r.status_code == 202, r.text
    return sid


@dataclass
class StatsDelta:
    """Counts of fast_backend requests between two points: `with StatsDelta([alpha, beta]) as d: ...;
    d.count("alpha", "tools/call")`."""

    backends: list[BackendProc]
    before: dict[str, dict[str, Any]] = field(default_factory=dict)
    after: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __enter__(self) -> StatsDelta:
        self.before = {b.name: b.stats() for b in self.backends}
        return self

    def __exit__(self, *exc: Any) -> None:
        self.after = {b.name: b.stats() for b in self.backends}

    def count(self, backend: str, method: str, era: str | None = None) -> int:
        eras = [era] if era else ["legacy", "modern"]
        return sum(self.after[backend].get(e, {}).get(method, 0) - self.before[backend].get(e, {}).get(method, 0)
                   for e in eras)

