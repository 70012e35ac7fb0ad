"""Authentication and route admission: API keys and JWTs (keys made in the test, tokens signed
with PyJWT, a JWKS file mcp-edge loads), RFC 9728 metadata, 401/403 answers with the headers an
OAuth client reads, the SDK client in both eras with a bearer token, and credentials never
reaching a backend."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse
import subprocess

import httpx
import pytest

from helpers.edge import free_port, launch_edge
from helpers.gateway import call_text, connect, list_all_tools, render_gateway_config, run
from helpers.idp import ISSUER, Issuer, sha256_hex

RESOURCE = "https://mcp.example.test/mcp"
METADATA = "https://mcp.example.test/.well-known/oauth-protected-resource/mcp"
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


def auth_yaml(jwks: str, *, required_scopes: str = "", api_keys: str = "") -> str:
    return (f"auth:\n  resource: {RESOURCE}\n  authorization_servers: [{ISSUER}]\n"
            + (f"  required_scopes: {required_scopes}\n" if required_scopes else "")
            + (f"  api_key_header: X-API-Key\n  api_keys:\n{api_keys}" if api_keys else "")
            + f"  jwt:\n    issuer: {ISSUER}\n    jwks_file: {jwks}\n")


@pytest.fixture
def issuer(tmp_path) -> Issuer:
    return Issuer(tmp_path, RESOURCE)


@pytest.fixture
def jwt_gateway(issuer, backends, gateway_factory):
    alpha, beta = backends.fast("alpha"), backends.fast("beta")
    return gateway_factory({"alpha": alpha, "beta": beta}, extra=auth_yaml(str(issuer.jwks_path)))


def post(url: str, token: str | None = None, headers: dict[str, str] | None = None, body=INIT) -> httpx.Response:
    h = dict(JSON_HEADERS)
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    h.update(headers or {})
    return httpx.post(url, headers=h, content=json.dumps(body), timeout=10)


def challenge(response: httpx.Response) -> str:
    return response.headers.get("www-authenticate", "")


def test_metadata_documents(jwt_gateway):
    for path in ("/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"):
        r = httpx.get(jwt_gateway.url(path, tls=False), timeout=10)
        assert r.status_code == 200, (path, r.text)
        assert r.headers["content-type"].startswith("application/json")
        doc = r.json()
        assert doc["resource"] == RESOURCE
        assert doc["authorization_servers"] == [ISSUER]
        assert doc["bearer_methods_supported"] == ["header"]


def test_no_token_gets_401_with_resource_metadata(jwt_gateway):
    r = post(jwt_gateway.url("/mcp", tls=False))
    assert r.status_code == 401
    assert challenge(r) == f'Bearer resource_metadata="{METADATA}"'
    assert r.json()["error"] == "invalid_request"


def test_no_token_over_http2_gets_the_same_401(jwt_gateway):
    # A GET (the legacy stream): with a request body still coming, nghttp2 ends the stream with
    # RST_STREAM(NO_ERROR) after the answer, which curl 7.88 reports as an error.
    out = subprocess.run(["curl", "-sS", "--http2-prior-knowledge", "-D", "-", "-o", "/dev/null",
                          "-H", "Accept: text/event-stream", jwt_gateway.url("/mcp", tls=False)],
                         capture_output=True, text=True, timeout=30)
    head = out.stdout.lower()
    assert head.startswith("http/2 401"), out.stdout + out.stderr
    assert f'www-authenticate: bearer resource_metadata="{METADATA.lower()}"' in head


@pytest.mark.parametrize("case", ["expired", "not_yet_valid", "wrong_aud", "wrong_iss", "bad_signature", "alg_none",
                                  "hs256_with_public_key", "unknown_kid", "oversized", "garbage", "basic_scheme"])
def test_bad_tokens_are_refused(jwt_gateway, issuer, case):
    import time
    now = int(time.time())
    headers = {}
    token = {
        "expired": lambda: issuer.token(exp=now - 3600),
        "not_yet_valid": lambda: issuer.token(nbf=now + 3600),
        "wrong_aud": lambda: issuer.token(aud="https://other.example.test/mcp"),
        "wrong_iss": lambda: issuer.token(iss="https://evil.example.test"),
        "bad_signature": issuer.signed_by_stranger,
        "alg_none": issuer.unsigned,
        "hs256_with_public_key": issuer.hs256_with_public_key,
        "unknown_kid": lambda: issuer.token(kid="rsa-9"),
        "oversized": lambda: issuer.token(padding="x" * 9000),
        "garbage": lambda: "not-a-token",
        "basic_scheme": lambda: None,
    }[case]()
    if case == "basic_scheme":
        headers["Authorization"] = "Basic YWxpY2U6c2VjcmV0"
    r = post(jwt_gateway.url("/mcp", tls=False), token, headers)
    assert r.status_code == 401, (case, r.status_code, r.text)
    assert challenge(r).startswith(f'Bearer resource_metadata="{METADATA}", error="invalid_token"'), challenge(r)
    assert r.json()["error"] == "invalid_token"
    if token:
        assert token not in r.text and token not in challenge(r), "the token is never echoed"


@pytest.mark.parametrize("alg", ["RS256", "PS256", "ES256", "EdDSA"])
def test_every_signature_algorithm_is_accepted(jwt_gateway, issuer, alg):
    r = post(jwt_gateway.url("/mcp", tls=False), issuer.token(alg))
    assert r.status_code == 200, r.text
    assert "mcp-session-id" in r.headers


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_sdk_client_with_a_bearer_token(jwt_gateway, issuer, mode):
    async def body():
        async with connect(jwt_gateway.url("/mcp", tls=False), mode=mode,
                           headers={"Authorization": f"Bearer {issuer.token('ES256')}"}) as c:
            return await list_all_tools(c), await call_text(c, "beta__echo", {"text": "hi"})
    names, text = run(body)
    assert {"alpha__echo", "beta__echo"} <= set(names)
    assert text.endswith("hi")


def test_insufficient_scope_is_403_with_the_scope_needed(issuer, backends, gateway_factory):
    gw = gateway_factory({"alpha": backends.fast("alpha")},
                         extra=auth_yaml(str(issuer.jwks_path), required_scopes="[mcp:admin]"))
    r = post(gw.url("/mcp", tls=False), issuer.token(scope="mcp:tools"))
    assert r.status_code == 403
    assert challenge(r) == f'Bearer resource_metadata="{METADATA}", error="insufficient_scope", scope="mcp:admin"'
    assert post(gw.url("/mcp", tls=False), issuer.token(scope="mcp:tools mcp:admin")).status_code == 200
    # Without a token the 401 says which scope to ask for.
    assert challenge(post(gw.url("/mcp", tls=False))) == f'Bearer resource_metadata="{METADATA}", scope="mcp:admin"'


def passthrough_config(port: int, backend_url: str, jwks: str, rules: str = "") -> str:
    keys = (f"    - {{sha256: {sha256_hex('key-alice')}, subject: alice, groups: [dev]}}\n"
            f"    - {{sha256: {sha256_hex('key-mallory')}, subject: mallory, groups: [dev]}}\n")
    return (f"workers: 1\nlisteners: [{{name: plain, address: \"127.0.0.1:{port}\"}}]\n"
            f"servers:\n  raw: {{url: \"{backend_url}\"}}\nroutes:\n  - {{path: /mcp, passthrough: raw}}\n"
            + auth_yaml(jwks, api_keys=keys) + rules)


def test_api_keys_on_a_passthrough_route_never_reach_the_backend(issuer, raw_backend, edge_bin, tmp_path):
    port = free_port()
    edge = launch_edge(edge_bin, tmp_path / "edge", passthrough_config(port, raw_backend.url(), str(issuer.jwks_path)),
                       plain_port=port)
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        assert post(url, "key-bob").status_code == 401
        assert post(url, "key-alice").status_code == 200
        assert post(url, headers={"X-API-Key": "key-alice"}).status_code == 200
        assert post(url, issuer.token()).status_code == 200
        _, requests, _ = raw_backend.snapshot()
        assert len(requests) == 3, "refused requests never reach the backend"
        for request in requests:
            assert request.header("authorization") is None
            assert request.header("x-api-key") is None
    finally:
        assert edge.stop() == []


def test_route_rules_admit_by_identity(issuer, raw_backend, edge_bin, tmp_path):
    port = free_port()
    rules = "rules:\n  - deny: {subjects: [mallory]}\n  - allow: {groups: [dev], servers: [raw]}\n"
    edge = launch_edge(edge_bin, tmp_path / "edge",
                       passthrough_config(port, raw_backend.url(), str(issuer.jwks_path), rules), plain_port=port)
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        assert post(url, "key-alice").status_code == 200
        denied = post(url, "key-mallory")
        assert denied.status_code == 403
        assert denied.json()["error"] == "access_denied"
        assert post(url, issuer.token(groups=["ops"])).status_code == 404, \
            "no rule for group ops: default deny, and an identity with a tenant is not told the route exists"
    finally:
        assert edge.stop() == []


def test_check_refuses_tool_rules_on_a_passthrough_route(issuer, edge_bin, tmp_path):
    cfg = tmp_path / "edge.yaml"
    cfg.write_text(passthrough_config(free_port(), "http://127.0.0.1:9/mcp", str(issuer.jwks_path),
                                      "rules:\n  - allow: {groups: [dev], tools: [\"*\"]}\n"))
    out = subprocess.run([str(edge_bin), "check", "--config", str(cfg)], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "need a gateway route" in out.stdout + out.stderr


def test_check_refuses_an_unusable_jwks(edge_bin, tmp_path):
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}))
    cfg = tmp_path / "edge.yaml"
    cfg.write_text(passthrough_config(free_port(), "http://127.0.0.1:9/mcp", str(jwks)))
    out = subprocess.run([str(edge_bin), "check", "--config", str(cfg)], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "no key mcp-edge can verify with" in out.stdout + out.stderr
    assert "symmetric" in out.stdout + out.stderr


def test_the_auth_example_passes_check(edge_bin, tls_files, tmp_path):
    """deploy/examples/auth.yaml (with its jwks.json), laid out as in the repository."""
    from helpers.edge import REPO_ROOT
    import shutil
    examples = tmp_path / "deploy" / "examples"
    examples.mkdir(parents=True)
    for name in ("auth.yaml", "jwks.json"):
        shutil.copy(REPO_ROOT / "deploy" / "examples" / name, examples / name)
    (tmp_path / "run").mkdir()
    shutil.copy(tls_files["cert"], tmp_path / "run" / "cert.pem")
    shutil.copy(tls_files["key"], tmp_path / "run" / "key.pem")
    out = subprocess.run([str(edge_bin), "check", "--config", str(examples / "auth.yaml")],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_hostile_origin_is_refused(backends, gateway_factory, raw_backend, edge_bin, tmp_path):
    gw = gateway_factory({"alpha": backends.fast("alpha")})
    url = gw.url("/mcp", tls=False)
    r = post(url, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    assert r.json()["error"] == "forbidden_origin"
    assert post(url, headers={"Origin": "http://localhost:6274"}).status_code == 200, "loopback origins by default"
    assert post(url).status_code == 200, "no Origin: not a browser"
    # Configured origins replace the default, on passthrough routes too.
    port = free_port()
    text = (f"workers: 1\nlisteners: [{{name: plain, address: \"127.0.0.1:{port}\"}}]\n"
            f"servers:\n  raw: {{url: \"{raw_backend.url()}\"}}\nroutes:\n  - {{path: /mcp, passthrough: raw}}\n"
            "origins: [https://app.example.com]\n")
    edge = launch_edge(edge_bin, tmp_path / "edge", text, plain_port=port)
    try:
        purl = f"http://127.0.0.1:{port}/mcp"
        assert post(purl, headers={"Origin": "https://app.example.com"}).status_code == 200
        assert post(purl, headers={"Origin": "http://localhost:6274"}).status_code == 403
        assert post(purl, headers={"Origin": "https://evil.example"}).status_code == 403
        _, requests, _ = raw_backend.snapshot()
        assert len(requests) == 1, "refused requests never reach the backend"
    finally:
        assert edge.stop() == []


def test_backends_get_their_own_credentials_never_the_clients(issuer, raw_backend, edge_bin, tmp_path):
    """Static credentials from the environment and a file, on a passthrough route and on a
    gateway route in front of the same recording backend; the client's token stays at the edge."""
    import os
    secret_file = tmp_path / "backend-key"
    secret_file.write_text("file-secret-42\n")
    port = free_port()
    text = (f"workers: 1\nlisteners: [{{name: plain, address: \"127.0.0.1:{port}\"}}]\n"
            f"servers:\n  raw:\n    url: \"{raw_backend.url()}\"\n"
            f"    credentials: {{bearer: {{env: EDGE_TEST_BACKEND_TOKEN}}, headers: {{X-Api-Key: {{file: {secret_file}}}}}}}\n"
            "routes:\n  - {path: /mcp, passthrough: raw}\n  - {path: /gw/mcp, servers: [raw]}\n"
            + auth_yaml(str(issuer.jwks_path),
                        api_keys=f"    - {{sha256: {sha256_hex('key-alice')}, subject: alice}}\n"))
    os.environ["EDGE_TEST_BACKEND_TOKEN"] = "env-secret-7"
    try:
        edge = launch_edge(edge_bin, tmp_path / "edge", text, plain_port=port)
    finally:
        del os.environ["EDGE_TEST_BACKEND_TOKEN"]
    try:
        token = issuer.token()
        assert post(f"http://127.0.0.1:{port}/mcp", token, {"X-Api-Key": "client-value"}).status_code == 200
        post(f"http://127.0.0.1:{port}/gw/mcp", "key-alice")  # the gateway talks to the backend on its own
        _, requests, _ = raw_backend.snapshot()
        assert len(requests) >= 2
        for request in requests:
            assert request.header_all("authorization") == ["Bearer env-secret-7"], request.headers
            assert request.header_all("x-api-key") == ["file-secret-42"], request.headers
            assert token not in str(request.headers) and "key-alice" not in str(request.headers)
    finally:
        assert edge.stop() == []


def test_a_missing_credential_source_is_named_without_its_value(raw_backend, edge_bin, tmp_path):
    cfg = tmp_path / "edge.yaml"
    cfg.write_text(f"listeners: [{{address: \"127.0.0.1:{free_port()}\"}}]\n"
                   f"servers:\n  raw: {{url: \"{raw_backend.url()}\", credentials: {{bearer: {{env: EDGE_TEST_NOT_SET}}}}}}\n"
                   "routes:\n  - {path: /mcp, passthrough: raw}\n")
    out = subprocess.run([str(edge_bin), "check", "--config", str(cfg)], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "EDGE_TEST_NOT_SET" in out.stdout + out.stderr and "not set" in out.stdout + out.stderr


def test_the_sdk_oauth_client_finds_the_issuer_gets_a_token_and_connects(issuer, backends, edge_bin, tmp_path):
    """The flow an MCP client runs on its own: 401 → WWW-Authenticate resource_metadata → RFC 9728
    document → the authorization server's metadata → registration → authorization code with
    PKCE → token for this resource → the MCP session, all through mcp-edge."""
    import httpx as plain_httpx

    from helpers.authserver import AuthServer
    from helpers.gateway import render_gateway_config
    from mcp.client.auth import OAuthClientProvider
    from mcp.shared.auth import AuthorizationCodeResult, OAuthClientMetadata

    alpha = backends.fast("alpha")
    port = free_port()
    resource = f"http://127.0.0.1:{port}/mcp"
    with AuthServer(issuer) as auth_server:
        extra = (f"auth:\n  resource: {resource}\n  authorization_servers: [{auth_server.url}]\n"
                 f"  scopes_supported: [mcp:tools]\n  jwt:\n    issuer: {auth_server.url}\n    jwks_file: {issuer.jwks_path}\n")
        text = render_gateway_config(listeners=[{"name": "plain", "address": f"127.0.0.1:{port}"}],
                                     servers={"alpha": alpha.config_entry()}, routes=[("/mcp", ["alpha"])], extra=extra)
        edge = launch_edge(edge_bin, tmp_path / "edge", text, plain_port=port)
        try:
            redirect: dict[str, str] = {}

            class Memory:
                tokens = None
                client = None

                async def get_tokens(self):
                    return self.tokens

                async def set_tokens(self, tokens):
                    self.tokens = tokens

                async def get_client_info(self):
                    return self.client

                async def set_client_info(self, info):
                    self.client = info

            async def redirect_handler(url: str) -> None:
                # The "browser": the authorization server approves at once and redirects.
                r = plain_httpx.get(url, follow_redirects=False, timeout=10)
                assert r.status_code == 302, r.text
                query = parse_qs(urlparse(r.headers["location"]).query)
                redirect.update(code=query["code"][0], state=query["state"][0])

            async def callback_handler() -> AuthorizationCodeResult:
                return AuthorizationCodeResult(code=redirect["code"], state=redirect["state"])

            provider = OAuthClientProvider(
                server_url=resource,
                client_metadata=OAuthClientMetadata(client_name="edge-test", redirect_uris=["http://127.0.0.1:1/callback"],
                                                    grant_types=["authorization_code"], response_types=["code"],
                                                    scope="mcp:tools", token_endpoint_auth_method="none"),
                storage=Memory(), redirect_handler=redirect_handler, callback_handler=callback_handler)

            async def body():
                import httpx2
                from mcp import Client
                from mcp.client.streamable_http import streamable_http_client
                async with httpx2.AsyncClient(auth=provider, timeout=httpx2.Timeout(30)) as hc:
                    async with Client(streamable_http_client(resource, http_client=hc), mode="legacy") as client:
                        return await list_all_tools(client), await call_text(client, "alpha__echo", {"text": "hi"})

            names, text = run(body)
            assert "alpha__echo" in names and text.endswith("hi")
            assert auth_server.tokens_issued == [{"aud": resource, "scope": "mcp:tools"}]
            assert "POST /register" in auth_server.requests and "POST /token" in auth_server.requests
        finally:
            assert edge.stop() == []
