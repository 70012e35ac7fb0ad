"""Gateway backends reached over https:// and by host name.

The https backend is a real TLS server: a second mcp-edge terminating TLS (certificate from the
test CA) in front of the project's fast backend, as a TLS load balancer would sit in front of
an MCP server. Certificates and host names are verified by default; each way that verification
can fail is a JSON-RPC error naming the backend, never a silent plaintext fallback.
"""

from __future__ import annotations

import pytest

from helpers.certs import make_ca_and_server_cert
from helpers.gateway import call_text, connect, list_all_tools, mcp_error_in, run


@pytest.fixture
def tls_front(backends, edge_factory):
    """alpha (fast_backend.c) behind a TLS listener of its own."""
    alpha = backends.fast("alpha")
    return edge_factory(servers={"alpha": alpha.url})


def _tools_and_call(url: str, tool: str) -> tuple[list[str], str]:
    async def body():
        async with connect(url, mode="legacy") as c:
            return await list_all_tools(c), await call_text(c, tool, {"text": "hi"})
    return run(body)


def _call_error(url: str, tool: str):
    async def body():
        async with connect(url, mode="legacy") as c:
            try:
                await call_text(c, tool, {"text": "hi"})
            except BaseException as exc:  # noqa: BLE001 - the SDK wraps errors in groups
                return mcp_error_in(exc)
        return None
    return run(body)


def test_https_backend_with_verified_certificate(tls_front, tls_files, gateway_factory):
    gw = gateway_factory({"secure": {"url": f"https://localhost:{tls_front.tls_port}/mcp",
                                     "tls": {"ca": str(tls_files["ca"])}}})
    names, text = _tools_and_call(gw.url("/mcp", tls=False), "secure__echo")
    assert "secure__echo" in names
    assert text == "hi" or text.endswith("hi")


def test_https_backend_with_an_unknown_ca_is_refused(tls_front, tmp_path, gateway_factory):
    other = make_ca_and_server_cert(tmp_path / "other-pki")
    gw = gateway_factory({"secure": {"url": f"https://localhost:{tls_front.tls_port}/mcp",
                                     "tls": {"ca": str(other["ca"])}}})
    error = _call_error(gw.url("/mcp", tls=False), "secure__echo")
    assert error is not None and -32019 <= error.code <= -32000, error
    assert "secure" in error.message, error.message


def test_https_backend_whose_name_does_not_match_is_refused(tls_front, tls_files, gateway_factory):
    gw = gateway_factory({"secure": {"url": f"https://127.0.0.1:{tls_front.tls_port}/mcp",
                                     "tls": {"ca": str(tls_files["ca"]), "server_name": "not-this-host.example"}}})
    error = _call_error(gw.url("/mcp", tls=False), "secure__echo")
    assert error is not None and "secure" in error.message, error


def test_verify_false_accepts_an_unknown_ca(tls_front, tmp_path, gateway_factory):
    other = make_ca_and_server_cert(tmp_path / "other-pki")
    gw = gateway_factory({"secure": {"url": f"https://localhost:{tls_front.tls_port}/mcp",
                                     "tls": {"ca": str(other["ca"]), "verify": False}}})
    names, _ = _tools_and_call(gw.url("/mcp", tls=False), "secure__echo")
    assert "secure__echo" in names


def test_backend_url_with_a_host_name(backends, gateway_factory):
    alpha = backends.fast("alpha")
    gw = gateway_factory({"alpha": {"url": alpha.url.replace("127.0.0.1", "localhost")}})
    names, text = _tools_and_call(gw.url("/mcp", tls=False), "alpha__echo")
    assert "alpha__echo" in names and text.startswith("alpha:echo:")
