"""curl through mcp-edge: HTTP/1.1 and HTTP/2 over TLS (ALPN), h2c with prior knowledge and
HTTP/1.1 on the plaintext listener, against servers/fast_backend.c and the SDK's server."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers.wire import ACCEPT_BOTH, INITIALIZE_PARAMS, jsonrpc, rpc_messages

# (curl flags, TLS?, expected %{http_version})
PROTOCOLS = [
    pytest.param((("--http1.1",), True, "1.1"), id="http1.1-tls"),
    pytest.param((("--http2",), True, "2"), id="http2-tls"),
    pytest.param((("--http2-prior-knowledge",), False, "2"), id="h2c-prior-knowledge"),
    pytest.param((("--http1.1",), False, "1.1"), id="http1.1-plain"),
]


@dataclass
class CurlResult:
    status: int
    http_version: str
    headers: dict[str, str]
    body: bytes

    def messages(self) -> list[dict]:
        return rpc_messages(self.body, self.headers.get("content-type"))

    def response_to(self, id) -> dict:
        for m in self.messages():
            if m.get("id") == id and ("result" in m or "error" in m):
                return m
        raise AssertionError(f"no response with id {id!r} in {self.body[:2000]!r}")


class Curl:
    def __init__(self, tmp_path: Path, flags: tuple[str, ...], cafile: str | None):
        self.tmp = tmp_path
        self.flags = flags
        self.cafile = cafile
        self.n = 0

    def __call__(self, url: str, method: str = "POST", body: dict | None = None,
                 headers: dict[str, str] | None = None) -> CurlResult:
        self.n += 1
        hfile, bfile = self.tmp / f"h{self.n}", self.tmp / f"b{self.n}"
        args = ["curl", "-sS", "--max-time", "30", *self.flags, "-X", method, "-D", str(hfile),
                "-o", str(bfile), "-w", "%{http_code} %{http_version}", "-H", "Expect:"]
        if self.cafile:
            args += ["--cacert", self.cafile]
        for k, v in (headers or {}).items():
            args += ["-H", f"{k}: {v}"]
        if body is not None:
            args += ["-H", "Content-Type: application/json", "-H", f"Accept: {ACCEPT_BOTH}",
                     "--data-binary", json.dumps(body)]
        args.append(url)
        r = subprocess.run(args, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, f"curl failed ({r.returncode}): {r.stderr}\n{' '.join(args)}"
        code, version = r.stdout.split()
        headers_out: dict[str, str] = {}
        # The last header block (curl writes one per response, e.g. after a 100 Continue).
        blocks = [b for b in hfile.read_bytes().decode("latin-1").split("\r\n\r\n") if b.strip()]
        for line in blocks[-1].split("\r\n")[1:] if blocks else []:
            k, _, v = line.partition(":")
            headers_out[k.strip().lower()] = v.strip()
        return CurlResult(int(code), version, headers_out, bfile.read_bytes() if bfile.exists() else b"")


@pytest.fixture(params=PROTOCOLS)
def proto(request):
    return request.param


def _curl_for(edge, proto, tmp_path, cafile):
    flags, tls, version = proto
    if edge.direct and version == "2":
        pytest.skip("direct mode: HTTP/2 is mcp-edge's job")
    url = edge.url("/mcp", tls=tls)
    return Curl(tmp_path, flags, cafile if tls else None), url, version


def test_backend_c_session(proto, edge_factory, backend_c, tmp_path, cafile):
    edge = edge_factory({"bench": backend_c.url})
    curl, url, version = _curl_for(edge, proto, tmp_path, cafile)

    r = curl(url, body=jsonrpc("initialize", 1, INITIALIZE_PARAMS))
    assert (r.status, r.http_version) == (200, version)
    assert r.headers.get("mcp-session-id") == "bench-session-1"
    init = r.response_to(1)
    assert init["result"]["serverInfo"]["name"] == "bench-backend"
    assert init["result"]["protocolVersion"] == "2025-06-18"
    sid = {"Mcp-Session-Id": "bench-session-1", "MCP-Protocol-Version": "2025-06-18"}

    r = curl(url, body=jsonrpc("notifications/initialized", None), headers=sid)
    assert (r.status, r.body) == (202, b"")

    r = curl(url, body=jsonrpc("tools/list", "two"), headers=sid)
    assert (r.status, r.http_version) == (200, version)
    assert {t["name"] for t in r.response_to("two")["result"]["tools"]} == {"echo", "add", "lorem"}

    r = curl(url, body=jsonrpc("tools/call", 3, {"name": "lorem", "arguments": {}}), headers=sid)
    assert r.status == 200
    assert len(r.response_to(3)["result"]["content"][0]["text"]) == 512

    # fast_backend.c answers DELETE with 405 + Allow: POST; mcp-edge relays it as it is.
    r = curl(url, method="DELETE", headers=sid)
    assert r.status == 405
    assert r.headers.get("allow") == "POST"


def test_fastmcp_session(proto, edge_factory, fastmcp_server, tmp_path, cafile):
    edge = edge_factory({"fast": fastmcp_server.url})
    curl, url, version = _curl_for(edge, proto, tmp_path, cafile)

    r = curl(url, body=jsonrpc("initialize", 1, INITIALIZE_PARAMS))
    assert (r.status, r.http_version) == (200, version)
    assert "text/event-stream" in r.headers.get("content-type", "")
    session = r.headers.get("mcp-session-id")
    assert session, r.headers
    init = r.response_to(1)
    assert init["result"]["serverInfo"]["name"] == "integration-fastmcp"
    negotiated = init["result"]["protocolVersion"]
    sid = {"Mcp-Session-Id": session, "MCP-Protocol-Version": negotiated}

    r = curl(url, body=jsonrpc("notifications/initialized", None), headers=sid)
    assert r.status == 202

    r = curl(url, body=jsonrpc("tools/list", 2), headers=sid)
    assert (r.status, r.http_version) == (200, version)
    names = {t["name"] for t in r.response_to(2)["result"]["tools"]}
    assert {"echo", "add", "slow_progress", "ticker"} <= names

    r = curl(url, body=jsonrpc("tools/call", "c3", {"name": "add", "arguments": {"a": 2, "b": 40}}),
             headers=sid)
    assert r.status == 200
    assert r.response_to("c3")["result"]["content"][0]["text"] in ("42", "42.0")

    # DELETE reaches the server: the session is gone afterwards (404 for it).
    r = curl(url, method="DELETE", headers=sid)
    assert r.status == 200
    r = curl(url, body=jsonrpc("tools/list", 4), headers=sid)
    assert r.status == 404


def test_notification_202_relayed(proto, edge_factory, raw_backend, tmp_path, cafile):
    """A POSTed notification: the backend's 202 (empty body) comes back as a 202."""
    edge = edge_factory({"raw": raw_backend.url()})
    curl, url, _ = _curl_for(edge, proto, tmp_path, cafile)
    r = curl(url, body=jsonrpc("notifications/initialized", None), headers={"Mcp-Session-Id": "s-1"})
    assert (r.status, r.body) == (202, b"")
    reqs = raw_backend.snapshot()[1]
    assert len(reqs) == 1
    assert json.loads(reqs[0].body) == jsonrpc("notifications/initialized", None)
    assert reqs[0].header("mcp-session-id") == "s-1"
