"""Fixtures of the mcp-edge integration tests.

Everything listens on 127.0.0.1 only, on ports picked at run time. The binary is found through
MCP_EDGE_BIN, else .build/release/mcp-edge, else .build/debug/mcp-edge (from the repo root);
without one, every test that needs it errors (it is not skipped).

MCP_EDGE_DIRECT=1 is for developing this harness only: no mcp-edge is started and the tests
talk to the backends directly (tests that only make sense through mcp-edge skip).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers.certs import make_ca_and_server_cert
from helpers.edge import (REPO_ROOT, TESTS_DIR, Edge, direct_mode, find_binary, free_port,
                          start_edge, wait_port)
from helpers.gateway import Backends, BackendProc, compile_fast_backend, start_gateway
from helpers.rawbackend import RawBackend


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "edge_factory" in getattr(item, "fixturenames", ()) or "edge_bin" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.edge)


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory) -> dict[str, Path]:
    """ca.pem (trusted by the clients), cert.pem + key.pem (served by mcp-edge)."""
    return make_ca_and_server_cert(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def cafile(tls_files) -> str:
    return str(tls_files["ca"])


@pytest.fixture(scope="session")
def edge_bin() -> Path | None:
    if direct_mode():
        return None
    b = find_binary()
    if b is None:
        pytest.fail("mcp-edge binary not found: run `make build` (or build-debug), or set "
                    f"MCP_EDGE_BIN (looked in {REPO_ROOT}/.build/{{release,debug}}/mcp-edge)",
                    pytrace=False)
    return b


@pytest.fixture
def edge_factory(edge_bin, tls_files, tmp_path):
    """start(servers={name: url}, routes=[(path, name)], workers=1, limits=..., timeouts=...)
    writes a config (TLS + plaintext listeners), starts mcp-edge and waits for its ports. On
    teardown it SIGTERMs each one and fails the test if it crashed, hung or died early."""
    started: list[Edge] = []

    def start(servers: dict[str, str], routes: list[tuple[str, str]] | None = None, **kw) -> Edge:
        routes = routes or [("/mcp", next(iter(servers)))]
        if direct_mode():
            # Raw sockets to the "plaintext listener" reach the first backend.
            port = int(servers[routes[0][1]].split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
            return Edge(workdir=tmp_path, plain_port=port, tls_port=0, servers=servers,
                        routes=routes, direct=True)
        edge = start_edge(edge_bin, tmp_path / f"edge{len(started)}", tls_files, servers=servers,
                          routes=routes, **kw)
        started.append(edge)
        return edge

    yield start
    problems: list[str] = []
    for e in started:
        problems += e.stop()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def require_edge(edge: Edge) -> None:
    if edge.direct:
        pytest.skip("direct mode: this test is about mcp-edge itself")


@dataclass
class Backend:
    url: str
    port: int
    proc: subprocess.Popen
    log: Path

    def assert_alive(self) -> None:
        assert self.proc.poll() is None, f"backend died: {self.log.read_text(errors='replace')[-2000:]}"


def _start_process_backend(args: list[str], port: int, log: Path, path: str = "/mcp"):
    with open(log, "wb") as f:
        proc = subprocess.Popen(args, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if not wait_port(port, 30, proc):
        proc.kill()
        proc.wait(timeout=10)
        pytest.fail(f"backend {args[0]} did not start: {log.read_text(errors='replace')[-2000:]}")
    return Backend(url=f"http://127.0.0.1:{port}{path}", port=port, proc=proc, log=log)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def fast_backend_exe(tmp_path_factory) -> Path:
    """servers/fast_backend.c compiled with cc once per session (a compile error fails the tests
    that use it)."""
    return compile_fast_backend(tmp_path_factory.mktemp("fast_backend"))


@pytest.fixture(scope="session")
def backend_c(tmp_path_factory, fast_backend_exe) -> Backend:
    """servers/fast_backend.c, compiled with cc: a fast epoll MCP backend, JSON responses only,
    session id 'bench-session-1', 405 for anything but POST, tools/call text of 512 bytes."""
    d = tmp_path_factory.mktemp("backend_c")
    port = free_port()
    b = _start_process_backend([str(fast_backend_exe), "--port", str(port), "--result-bytes", "512"], port,
                               d / "backend.log")
    yield b
    _stop(b.proc)


@pytest.fixture(scope="session")
def fastmcp_server(tmp_path_factory) -> Backend:
    """servers/fastmcp_server.py: the official SDK's server, stateful, SSE responses."""
    d = tmp_path_factory.mktemp("fastmcp")
    port = free_port()
    b = _start_process_backend([sys.executable, str(TESTS_DIR / "servers" / "fastmcp_server.py"),
                                "--port", str(port)], port, d / "fastmcp.log")
    yield b
    _stop(b.proc)


@pytest.fixture
def raw_backend():
    b = RawBackend().start()
    yield b
    b.stop()


@pytest.fixture
def closed_port_url() -> str:
    """A URL on a loopback port nothing listens on."""
    return f"http://127.0.0.1:{free_port()}/mcp"


@pytest.fixture
def backends(tmp_path, fast_backend_exe):
    """helpers/gateway.Backends: fast(name, ...), sdk(name, ...), fast_stdio, sdk_stdio, time();
    every backend is stopped at teardown."""
    b = Backends(tmp_path / "backends", fast_backend_exe)
    yield b
    b.close()


@pytest.fixture
def gateway_factory(edge_bin, tls_files, tmp_path):
    """start(servers={name: BackendProc or {"url"|"command": ...}}, routes=[(path, [names])] (default:
    /mcp over all of them), tls=False, workers=1, extra="") -> Edge, mcp-edge with a gateway route
    (helpers/gateway.start_gateway). Teardown SIGTERMs it and fails the test on a crash or a hang."""
    started: list[Edge] = []

    def start(servers: dict[str, BackendProc | dict], routes: list[tuple[str, list[str]]] | None = None, *,
              tls: bool = False, **kw) -> Edge:
        if direct_mode():
            pytest.skip("direct mode: a gateway route is mcp-edge's own")
        edge = start_gateway(edge_bin, tmp_path / f"gateway{len(started)}", servers, routes,
                             tls_files=tls_files if tls else None, **kw)
        started.append(edge)
        return edge

    yield start
    problems: list[str] = []
    for e in started:
        problems += e.stop()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
