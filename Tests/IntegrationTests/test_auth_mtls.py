"""Mutual TLS: a listener that asks for client certificates signed by the test CA, identities
named from the certificate (subject from CN or a SAN, tenant from O, groups from OU), rules on
them, a required certificate refused at the handshake, and a certificate from another CA never
accepted."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess

import httpx
import pytest

from helpers.certs import make_ca_and_server_cert, make_client_cert
from helpers.edge import free_port, launch_edge
from helpers.gateway import initialize_body, render_gateway_config

INIT = json.dumps(initialize_body())
HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


@pytest.fixture
def pki(tmp_path):
    d = tmp_path / "pki"
    files = make_ca_and_server_cert(d)
    files["alice"] = make_client_cert(d, "alice", "/CN=alice/O=acme/OU=dev", "email:alice@acme.test")
    files["bob"] = make_client_cert(d, "bob", "/CN=bob/O=globex/OU=ops")
    other = make_ca_and_server_cert(tmp_path / "other")
    files["stranger"] = make_client_cert(tmp_path / "other", "stranger", "/CN=alice/O=acme/OU=dev")
    files["other_ca"] = other["ca"]
    return files


def start(edge_bin, tmp_path, backends, pki, *, required: bool, auth_extra: str = "", rules: str = ""):
    work = tmp_path / "edge"
    work.mkdir()
    for name in ("cert", "key", "ca"):
        shutil.copy(pki[name], work / f"{name}.pem")
    tls_port, plain_port = free_port(), free_port()
    text = render_gateway_config(listeners=[{"name": "plain", "address": f"127.0.0.1:{plain_port}"}],
                                 servers={"alpha": backends.fast("alpha").config_entry()}, routes=[("/mcp", ["alpha"])])
    # The TLS listener asks for client certificates (render_gateway_config writes plain ones only).
    text = text.replace("listeners:\n", "listeners:\n  - {name: mtls, address: \"127.0.0.1:%d\", tls: {certificate: cert.pem, "
                        "key: key.pem, client_ca: ca.pem, client_certificates: %s}}\n"
                        % (tls_port, "required" if required else "optional"), 1)
    text += ("auth:\n  resource: https://mcp.example.test/mcp\n"
             "  client_certificates: {subject: common_name, tenant: organization, groups: organizational_units}\n"
             + auth_extra + rules)
    edge = launch_edge(edge_bin, work, text, plain_port=plain_port, tls_port=tls_port)
    return edge, f"https://localhost:{tls_port}/mcp"


def client(pki, who: str | None) -> httpx.Client:
    context = ssl.create_default_context(cafile=str(pki["ca"]))
    if who:
        context.load_cert_chain(pki[who]["cert"], pki[who]["key"])
    return httpx.Client(verify=context, timeout=10)


def test_certificates_name_identities_and_rules_apply(edge_bin, tmp_path, backends, pki):
    rules = "rules:\n  - allow: {tenants: [acme], groups: [dev]}\n"
    edge, url = start(edge_bin, tmp_path, backends, pki, required=False, rules=rules)
    try:
        with client(pki, "alice") as c:
            r = c.post(url, content=INIT, headers=HEADERS)
            assert r.status_code == 200, r.text
        with client(pki, "bob") as c:
            r = c.post(url, content=INIT, headers=HEADERS)
            assert r.status_code == 404, r.text  # tenant globex: acme's route stays hidden
        with client(pki, None) as c:  # optional: no certificate, no other credential
            assert c.post(url, content=INIT, headers=HEADERS).status_code == 401
    finally:
        assert edge.stop() == []


def test_a_required_certificate_is_checked_at_the_handshake(edge_bin, tmp_path, backends, pki):
    edge, url = start(edge_bin, tmp_path, backends, pki, required=True)
    try:
        with client(pki, "alice") as c:
            assert c.post(url, content=INIT, headers=HEADERS).status_code == 200
        for who in (None, "stranger"):  # no certificate; a certificate from another CA (same names)
            with client(pki, who) as c, pytest.raises((httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError)):
                c.post(url, content=INIT, headers=HEADERS)
    finally:
        assert edge.stop() == []


def test_a_session_is_bound_to_the_certificate_holder(edge_bin, tmp_path, backends, pki):
    edge, url = start(edge_bin, tmp_path, backends, pki, required=True)
    try:
        with client(pki, "alice") as c:
            sid = c.post(url, content=INIT, headers=HEADERS).headers["mcp-session-id"]
        listing = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        with client(pki, "bob") as c:
            r = c.post(url, content=listing, headers={**HEADERS, "Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-06-18"})
            assert r.status_code == 404
        with client(pki, "alice") as c:
            r = c.post(url, content=listing, headers={**HEADERS, "Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-06-18"})
            assert r.status_code == 200, r.text
    finally:
        assert edge.stop() == []


def test_mcp_edge_presents_its_client_certificate_to_an_https_backend(edge_bin, tmp_path, backends, pki, gateway_factory):
    """A backend behind a TLS front that requires client certificates (a second mcp-edge): the
    gateway reaches it with `tls: {certificate, key}`, and without them the call fails with a
    JSON-RPC error naming the backend."""
    from helpers.gateway import call_text, connect, mcp_error_in, run

    front_dir = tmp_path / "front"
    front_dir.mkdir()
    for name in ("cert", "key", "ca"):
        shutil.copy(pki[name], front_dir / f"{name}.pem")
    port, plain = free_port(), free_port()
    alpha = backends.fast("alpha")
    text = (f"workers: 1\nlisteners:\n  - {{name: mtls, address: \"127.0.0.1:{port}\", tls: {{certificate: cert.pem, key: key.pem, "
            f"client_ca: ca.pem, client_certificates: required}}}}\n  - {{name: plain, address: \"127.0.0.1:{plain}\"}}\n"
            f"servers:\n  alpha: {{url: \"{alpha.url}\"}}\nroutes:\n  - {{path: /mcp, passthrough: alpha}}\n")
    front = launch_edge(edge_bin, front_dir, text, plain_port=plain, tls_port=port)
    try:
        url = f"https://localhost:{port}/mcp"
        with_cert = gateway_factory({"secure": {"url": url, "tls": {"ca": str(pki["ca"]), "certificate": str(pki["alice"]["cert"]),
                                                                  "key": str(pki["alice"]["key"])}}})
        without = gateway_factory({"secure": {"url": url, "tls": {"ca": str(pki["ca"])}}})

        async def call(gw):
            async with connect(gw.url("/mcp", tls=False), mode="legacy") as c:
                try:
                    return await call_text(c, "secure__echo", {"text": "hi"})
                except BaseException as exc:  # noqa: BLE001 - the SDK may wrap errors in groups
                    error = mcp_error_in(exc)
                    if error is None:
                        raise
                    return error
        assert run(call, with_cert).endswith("hi")
        error = run(call, without)
        assert not isinstance(error, str) and -32019 <= error.code <= -32000 and "secure" in error.message, error
    finally:
        assert front.stop() == []
