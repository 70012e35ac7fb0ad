"""Keys from the issuer's jwks_url over HTTPS (a server written here, its certificate from the
test CA): fetched before serving, fetched again when a token names a key id the set lacks
(key rotation mid-test), at most once per jwks_refresh_min however many unknown ids arrive,
and only from the configured URL."""

from __future__ import annotations

import json
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from helpers.edge import free_port, launch_edge
from helpers.gateway import initialize_body, legacy_headers, post, render_gateway_config
from helpers.idp import ISSUER, Issuer

RESOURCE = "https://mcp.example.test/mcp"


class JWKSServer:
    def __init__(self, tls_files, document: dict) -> None:
        self.document = document
        self.fetches = 0
        self.max_age: int | None = None
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                outer.fetches += 1
                data = json.dumps(outer.document).encode() if self.path == "/jwks.json" else b"{}"
                self.send_response(200 if self.path == "/jwks.json" else 404)
                self.send_header("Content-Type", "application/json")
                if outer.max_age is not None:
                    self.send_header("Cache-Control", f"public, max-age={outer.max_age}")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls_files["cert"], tls_files["key"])
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://localhost:{self.httpd.server_address[1]}/jwks.json"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def issuer(tmp_path) -> Issuer:
    return Issuer(tmp_path, RESOURCE)


@pytest.fixture
def jwks_server(issuer, tls_files):
    server = JWKSServer(tls_files, issuer.jwks())
    yield server
    server.close()


def start(edge_bin, tmp_path, backends, jwks_server, tls_files, refresh_min="300ms"):
    port = free_port()
    extra = (f"auth:\n  resource: {RESOURCE}\n  jwt:\n    issuer: {ISSUER}\n    jwks_url: {jwks_server.url}\n"
             f"    jwks_ca: {tls_files['ca']}\n    jwks_refresh_min: {refresh_min}\n")
    text = render_gateway_config(listeners=[{"name": "plain", "address": f"127.0.0.1:{port}"}],
                                 servers={"alpha": backends.fast("alpha").config_entry()}, routes=[("/mcp", ["alpha"])],
                                 extra=extra)
    return launch_edge(edge_bin, tmp_path / "edge", text, plain_port=port), f"http://127.0.0.1:{port}/mcp"


def status(url: str, token: str) -> int:
    return post(url, {**legacy_headers(version=None), "Authorization": f"Bearer {token}"}, initialize_body()).status_code


def test_keys_come_from_the_url_and_follow_a_rotation(edge_bin, tmp_path, backends, jwks_server, issuer, tls_files):
    edge, url = start(edge_bin, tmp_path, backends, jwks_server, tls_files)
    try:
        assert jwks_server.fetches == 1, "fetched once before serving"
        assert status(url, issuer.token("ES256")) == 200
        # The issuer rotates: a new key appears in its set, and tokens name it.
        new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(new_key.public_key()))
        jwk["kid"] = "rsa-2"
        jwks_server.document = {"keys": jwks_server.document["keys"] + [jwk]}
        token = jwt.encode(issuer.claims(), new_key, algorithm="RS256", headers={"kid": "rsa-2"})
        first = post(url, {**legacy_headers(version=None), "Authorization": f"Bearer {token}"}, initialize_body())
        assert first.status_code == 401 and "unknown key id" in first.headers["www-authenticate"]
        deadline = time.time() + 10
        while status(url, token) != 200:
            assert time.time() < deadline, "the new key was not fetched within 10 s"
            time.sleep(0.1)
        assert jwks_server.fetches >= 2
    finally:
        assert edge.stop() == []


def test_unknown_key_ids_do_not_make_a_fetch_each(edge_bin, tmp_path, backends, jwks_server, issuer, tls_files):
    edge, url = start(edge_bin, tmp_path, backends, jwks_server, tls_files, refresh_min="60s")
    try:
        before = jwks_server.fetches
        for i in range(30):
            assert status(url, issuer.token(kid=f"unknown-{i}")) == 401
        time.sleep(0.5)
        assert jwks_server.fetches == before, "the minimum interval has not passed since the first fetch"
        assert status(url, issuer.token()) == 200, "the keys held are still used"
    finally:
        assert edge.stop() == []


def test_an_unreachable_key_server_is_logged_and_tokens_refused(edge_bin, tmp_path, backends, issuer, tls_files):
    class Gone:
        url = f"https://localhost:{free_port()}/jwks.json"
        fetches = 0
    edge, url = start(edge_bin, tmp_path, backends, Gone, tls_files)
    try:
        r = post(url, {**legacy_headers(version=None), "Authorization": f"Bearer {issuer.token()}"}, initialize_body())
        assert r.status_code == 401
        assert "jwks_url" in edge.stderr_path.read_text()
    finally:
        assert edge.stop() == []


def test_the_key_sets_max_age_schedules_the_next_fetch(edge_bin, tmp_path, backends, jwks_server, issuer, tls_files):
    jwks_server.max_age = 1  # seconds; jwks_refresh stays at its 10 min default
    edge, url = start(edge_bin, tmp_path, backends, jwks_server, tls_files)
    try:
        deadline = time.time() + 15
        while jwks_server.fetches < 3:
            assert time.time() < deadline, f"only {jwks_server.fetches} fetch(es): max-age was not followed"
            time.sleep(0.2)
        assert status(url, issuer.token()) == 200
    finally:
        assert edge.stop() == []
