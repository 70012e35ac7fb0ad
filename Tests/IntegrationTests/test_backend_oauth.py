"""OAuth client credentials for a backend: mcp-edge gets its own token from a token endpoint
(HTTPS, a server written here), sends it to the backend on passthrough and gateway routes
instead of anything the client sent, and fetches a new one before the old one expires."""

from __future__ import annotations

import base64
import json
import os
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus

from helpers.edge import free_port, launch_edge
from helpers.gateway import initialize_body, legacy_headers, post
from helpers.idp import sha256_hex


class FormEndpoint:
    """An HTTPS endpoint (certificate from the test CA) that answers form POSTs with `answer`."""

    def __init__(self, tls_files) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
                status, answer = outer.answer(form, self.headers.get("Authorization", ""))
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls_files["cert"], tls_files["key"])
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://localhost:{self.httpd.server_address[1]}/oauth/token"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, form: dict, authorization: str) -> tuple[int, dict]:
        raise NotImplementedError

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class TokenEndpoint(FormEndpoint):
    """Client credentials: checks the Basic credentials, issues tok-1, tok-2, … of `lifetime` s."""

    def __init__(self, tls_files, lifetime: int) -> None:
        self.grants: list[dict] = []
        self.lifetime = lifetime
        super().__init__(tls_files)

    def answer(self, form: dict, authorization: str) -> tuple[int, dict]:
        basic = base64.b64decode(authorization[6:]).decode() if authorization.startswith("Basic ") else ""
        # RFC 6749 §2.3.1: id and secret are form-encoded before they are joined.
        basic = ":".join(unquote_plus(part) for part in basic.split(":", 1))
        self.grants.append({"form": form, "basic": basic})
        if form.get("grant_type") != "client_credentials" or basic != "edge-client:s3cret!":
            return 401, {"error": "invalid_client"}
        return 200, {"access_token": f"tok-{len(self.grants)}", "token_type": "Bearer", "expires_in": self.lifetime}


def test_the_backend_gets_mcp_edges_own_token_and_a_fresh_one_before_it_expires(tls_files, raw_backend, edge_bin, tmp_path):
    endpoint = TokenEndpoint(tls_files, lifetime=1)  # renewed after the 5 s floor
    port = free_port()
    text = (f"workers: 2\nlisteners: [{{name: plain, address: \"127.0.0.1:{port}\"}}]\n"
            f"servers:\n  raw:\n    url: \"{raw_backend.url()}\"\n    credentials:\n      oauth:\n"
            f"        token_url: {endpoint.url}\n        client_id: edge-client\n        client_secret: {{env: EDGE_TEST_OAUTH_SECRET}}\n"
            f"        scope: mcp:tools\n        audience: https://raw.example.test/mcp\n        ca: {tls_files['ca']}\n"
            "routes:\n  - {path: /mcp, passthrough: raw}\n  - {path: /gw/mcp, servers: [raw]}\n"
            f"auth:\n  resource: https://mcp.example.test/mcp\n  api_keys:\n    - {{sha256: {sha256_hex('key-alice')}, subject: alice}}\n")
    os.environ["EDGE_TEST_OAUTH_SECRET"] = "s3cret!"
    try:
        edge = launch_edge(edge_bin, tmp_path / "edge", text, plain_port=port)
    finally:
        del os.environ["EDGE_TEST_OAUTH_SECRET"]
    try:
        headers = {**legacy_headers(version=None), "Authorization": "Bearer key-alice"}
        assert post(f"http://127.0.0.1:{port}/mcp", headers, initialize_body()).status_code == 200
        post(f"http://127.0.0.1:{port}/gw/mcp", headers, initialize_body())
        _, requests, _ = raw_backend.snapshot()
        assert requests and all(r.header_all("authorization") == ["Bearer tok-1"] for r in requests), \
            [r.header_all("authorization") for r in requests]
        first = endpoint.grants[0]
        assert first["form"] == {"grant_type": "client_credentials", "scope": "mcp:tools",
                                 "resource": "https://raw.example.test/mcp", "audience": "https://raw.example.test/mcp"}
        # The token lives one second: a new one is fetched and used (polled, at most 20 s).
        deadline = time.time() + 20
        while True:
            post(f"http://127.0.0.1:{port}/mcp", headers, initialize_body())
            _, requests, _ = raw_backend.snapshot()
            if requests[-1].header("authorization") != "Bearer tok-1":
                break
            assert time.time() < deadline, "the token was not renewed"
            time.sleep(0.2)
        assert requests[-1].header("authorization") == f"Bearer tok-{len(endpoint.grants)}"
        assert len(endpoint.grants) >= 2
        assert not any("key-alice" in str(r.headers) for r in requests), "the client's credential never reaches the backend"
    finally:
        assert edge.stop() == []
        endpoint.close()


class ExchangeEndpoint(FormEndpoint):
    """RFC 8693: trades a subject token for one meant for the backend, and counts the trades."""

    def __init__(self, tls_files) -> None:
        self.exchanges: list[dict] = []
        super().__init__(tls_files)

    def answer(self, form: dict, authorization: str) -> tuple[int, dict]:
        self.exchanges.append(form)
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:token-exchange" or not form.get("subject_token"):
            return 400, {"error": "invalid_request"}
        return 200, {"access_token": f"exch-{len(self.exchanges)}", "token_type": "Bearer",
                     "issued_token_type": "urn:ietf:params:oauth:token-type:access_token", "expires_in": 600}


def test_token_exchange_gives_the_backend_a_token_of_its_own_per_client(tls_files, raw_backend, edge_bin, tmp_path):
    from helpers.idp import Issuer
    issuer = Issuer(tmp_path, "https://mcp.example.test/mcp")
    endpoint = ExchangeEndpoint(tls_files)
    port = free_port()
    text = (f"workers: 1\nlisteners: [{{name: plain, address: \"127.0.0.1:{port}\"}}]\n"
            f"servers:\n  raw:\n    url: \"{raw_backend.url()}\"\n    credentials:\n      token_exchange:\n"
            f"        token_url: {endpoint.url}\n        client_id: edge\n        client_secret: s3cret\n"
            f"        audience: https://raw.example.test/mcp\n        ca: {tls_files['ca']}\n"
            "routes:\n  - {path: /mcp, servers: [raw]}\n"
            f"auth:\n  resource: https://mcp.example.test/mcp\n  jwt: {{issuer: https://idp.example.test, jwks_file: {issuer.jwks_path}}}\n")
    edge = launch_edge(edge_bin, tmp_path / "edge", text, plain_port=port)
    try:
        alice, bob = issuer.token(sub="alice"), issuer.token("ES256", sub="bob")
        url = f"http://127.0.0.1:{port}/mcp"
        for token in (alice, alice, bob):
            r = post(url, {**legacy_headers(version=None), "Authorization": f"Bearer {token}"}, initialize_body())
            assert r.status_code == 200, r.text
        subjects = [x["subject_token"] for x in endpoint.exchanges]
        assert subjects == [alice, bob], "one exchange per client token, then the worker's cache"
        assert all(x["audience"] == "https://raw.example.test/mcp" for x in endpoint.exchanges)
        _, requests, _ = raw_backend.snapshot()
        seen = {r.header("authorization") for r in requests}
        assert seen <= {"Bearer exch-1", "Bearer exch-2"} and len(seen) == 2, seen
        assert not any(alice in str(r.headers) or bob in str(r.headers) for r in requests)
    finally:
        assert edge.stop() == []
        endpoint.close()


def test_check_refuses_token_exchange_on_a_passthrough_route(tls_files, edge_bin, tmp_path):
    import subprocess
    cfg = tmp_path / "edge.yaml"
    cfg.write_text(f"listeners: [{{address: \"127.0.0.1:{free_port()}\"}}]\n"
                   "servers:\n  raw:\n    url: http://127.0.0.1:9/mcp\n    credentials:\n      token_exchange: "
                   "{token_url: https://idp.example.test/token, client_id: a, client_secret: b}\n"
                   "routes:\n  - {path: /mcp, passthrough: raw}\n")
    out = subprocess.run([str(edge_bin), "check", "--config", str(cfg)], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and "needs a gateway route" in out.stdout + out.stderr
