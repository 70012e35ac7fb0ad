"""Finding, configuring, starting and stopping the mcp-edge binary under test."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpers import procstat

REPO_ROOT = Path(__file__).resolve().parents[3]
TESTS_DIR = Path(__file__).resolve().parents[1]

# Signals that mean "crashed" rather than "stopped": SIGILL (Swift traps), SIGTRAP, SIGABRT,
# SIGBUS, SIGFPE, SIGSEGV. SIGTERM itself (no handler installed) is a stop, not a crash.
CRASH_SIGNALS = {signal.SIGILL, signal.SIGTRAP, signal.SIGABRT, signal.SIGBUS, signal.SIGFPE,
                 signal.SIGSEGV}


def direct_mode() -> bool:
    """MCP_EDGE_DIRECT=1: harness development only; tests talk to backends directly."""
    return os.environ.get("MCP_EDGE_DIRECT", "") not in ("", "0")


def find_binary() -> Path | None:
    env = os.environ.get("MCP_EDGE_BIN")
    if env:
        p = Path(env)
        if not p.is_absolute():
            p = REPO_ROOT / p
        return p if p.is_file() and os.access(p, os.X_OK) else None
    for rel in (".build/release/mcp-edge", ".build/debug/mcp-edge"):
        p = REPO_ROOT / rel
        if p.is_file() and os.access(p, os.X_OK):
            return p
    return None


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float, proc: subprocess.Popen | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


# Configuration keys added by the hardening work (issue 10). With MCP_EDGE_OMIT_NEW_KEYS=1 they
# are left out of rendered configs, so the hardening tests' attacks can be run against a binary
# that predates them (it refuses unknown keys) to show what they defend against. Harness work
# only: a test whose defence needs one of these keys is expected to fail that way.
NEW_CONFIG_KEYS = {
    ("limits", "max_upstream_connections_per_client"),
    ("limits", "request_buffer_bytes"),
    ("timeouts", "request_body"),
    ("timeouts", "client_write_stall"),
}


def omit_new_keys() -> bool:
    return os.environ.get("MCP_EDGE_OMIT_NEW_KEYS", "") not in ("", "0")


def q(v: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one)."""
    return json.dumps(v)


def render_config(*, listeners: list[dict], servers: dict[str, str], routes: list[tuple[str, str]],
                  workers: int | str = 1, limits: dict | None = None,
                  timeouts: dict | None = None, http2: dict | None = None) -> str:
    lines = [f"workers: {workers}", "listeners:"]
    for l in listeners:
        lines.append(f"  - name: {q(l['name'])}")
        lines.append(f"    address: {q(l['address'])}")
        if l.get("tls"):
            cert, key = l["tls"]
            lines.append(f"    tls: {{certificate: {q(cert)}, key: {q(key)}}}")
    lines.append("servers:")
    for name, url in servers.items():
        lines.append(f"  {name}:")
        lines.append(f"    url: {q(url)}")
    lines.append("routes:")
    for path, server in routes:
        lines.append(f"  - path: {q(path)}")
        lines.append(f"    passthrough: {server}")
    for section, values in (("limits", limits), ("timeouts", timeouts), ("http2", http2)):
        if omit_new_keys() and values:
            values = {k: v for k, v in values.items() if (section, k) not in NEW_CONFIG_KEYS}
        if values:
            lines.append(f"{section}:")
            lines += [f"  {k}: {v}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


@dataclass
class Edge:
    """A running mcp-edge (or, in direct mode, a stand-in that points at the backends)."""

    workdir: Path
    plain_port: int
    tls_port: int
    servers: dict[str, str]
    routes: list[tuple[str, str]]
    config_path: Path | None = None
    proc: subprocess.Popen | None = None
    stdout_path: Path | None = None
    stderr_path: Path | None = None
    direct: bool = False
    problems: list[str] = field(default_factory=list)

    def url(self, path: str = "/mcp", tls: bool = True, query: str = "") -> str:
        if self.direct:
            if tls:
                pytest.skip("direct mode: TLS and HTTP/2 are mcp-edge's job")
            for rpath, server in self.routes:
                if rpath == path:
                    return self.servers[server] + (f"?{query}" if query else "")
            return f"http://127.0.0.1:{self.plain_port}{path}"
        scheme, port = ("https", self.tls_port) if tls else ("http", self.plain_port)
        return f"{scheme}://127.0.0.1:{port}{path}" + (f"?{query}" if query else "")

    def port(self, tls: bool) -> int:
        if self.direct and tls:
            pytest.skip("direct mode: TLS is mcp-edge's job")
        return self.tls_port if tls else self.plain_port

    def logs(self) -> str:
        out = []
        for name, p in (("stdout", self.stdout_path), ("stderr", self.stderr_path)):
            if p and p.exists():
                text = p.read_text(errors="replace")
                out.append(f"--- mcp-edge {name} ({len(text)} chars, last 4000) ---\n{text[-4000:]}")
        return "\n".join(out)

    def assert_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            pytest.fail(f"mcp-edge exited with status {self.proc.returncode}\n{self.logs()}")

    def rss_kib(self) -> int:
        """Resident memory of the (single-process) mcp-edge, from /proc/PID/status."""
        return procstat.rss_kib(self.proc.pid)

    def fd_count(self) -> int:
        """Open descriptors of mcp-edge (listeners, clients, upstreams, the loop's own)."""
        return procstat.fd_count(self.proc.pid)

    def stop(self) -> list[str]:
        """SIGTERM, wait, and report anything that looks like a crash or a hang."""
        problems = []
        if self.proc is None:
            return problems
        rc = self.proc.poll()
        if rc is not None:
            problems.append(f"mcp-edge had already exited (status {rc}) before teardown")
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait(timeout=10)
                problems.append("mcp-edge did not exit within 15 s of SIGTERM (killed)")
        if rc not in (0, -signal.SIGTERM):
            if rc < 0 and -rc in CRASH_SIGNALS:
                problems.append(f"mcp-edge crashed with signal {signal.Signals(-rc).name}")
            else:
                problems.append(f"mcp-edge exited with status {rc}")
        stderr = self.stderr_path.read_text(errors="replace") if self.stderr_path else ""
        if "Fatal error" in stderr:
            problems.append("mcp-edge printed 'Fatal error' on stderr")
        if problems:
            problems.append(self.logs())
        return problems


def start_edge(binary: Path, workdir: Path, tls_files: dict[str, Path], *, servers: dict[str, str],
               routes: list[tuple[str, str]], workers: int | str = 1, limits: dict | None = None,
               timeouts: dict | None = None, http2: dict | None = None,
               startup_timeout: float = 20.0) -> Edge:
    workdir.mkdir(parents=True, exist_ok=True)
    # The certificate and key sit next to the config and are named relatively: the contract
    # says TLS paths are relative to the config file's folder.
    shutil.copy(tls_files["cert"], workdir / "cert.pem")
    shutil.copy(tls_files["key"], workdir / "key.pem")
    plain_port, tls_port = free_port(), free_port()
    while tls_port == plain_port:
        tls_port = free_port()
    text = render_config(
        listeners=[
            {"name": "tls", "address": f"127.0.0.1:{tls_port}", "tls": ("cert.pem", "key.pem")},
            {"name": "plain", "address": f"127.0.0.1:{plain_port}"},
        ],
        servers=servers, routes=routes, workers=workers, limits=limits, timeouts=timeouts,
        http2=http2)
    return launch_edge(binary, workdir, text, plain_port=plain_port, tls_port=tls_port, servers=servers,
                       routes=routes, startup_timeout=startup_timeout)


def launch_edge(binary: Path, workdir: Path, config_text: str, *, plain_port: int, tls_port: int = 0,
                servers: dict[str, str] | None = None, routes: list[tuple[str, str]] | None = None,
                startup_timeout: float = 20.0) -> Edge:
    """Writes config_text to workdir/edge.yaml, runs `mcp-edge run --config` on it (cwd workdir,
    so relative TLS paths resolve there) and waits for its listeners: plain_port, and tls_port
    unless it is 0. Any configuration works, e.g. helpers/gateway.render_gateway_config's."""
    workdir.mkdir(parents=True, exist_ok=True)
    cfg = workdir / "edge.yaml"
    cfg.write_text(config_text)
    edge = Edge(workdir=workdir, plain_port=plain_port, tls_port=tls_port, servers=servers or {},
                routes=routes or [], config_path=cfg, stdout_path=workdir / "edge.stdout",
                stderr_path=workdir / "edge.stderr")
    with open(edge.stdout_path, "wb") as out, open(edge.stderr_path, "wb") as err:
        edge.proc = subprocess.Popen([str(binary), "run", "--config", str(cfg)], stdout=out,
                                     stderr=err, stdin=subprocess.DEVNULL, cwd=workdir)
    ok = wait_port(plain_port, startup_timeout, edge.proc) and (
        tls_port == 0 or wait_port(tls_port, startup_timeout, edge.proc))
    if not ok:
        problems = edge.stop()
        pytest.fail(f"mcp-edge did not start listening on {plain_port}/{tls_port} within "
                    f"{startup_timeout} s\nconfig:\n{config_text}\n" + "\n".join(problems))
    return edge
