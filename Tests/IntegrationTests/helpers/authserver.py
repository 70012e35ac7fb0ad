"""A small OAuth 2.1 authorization server for the auth tests: RFC 8414 metadata, dynamic
client registration (RFC 7591), the authorization code grant with PKCE (S256) that approves
at once, and a token endpoint that issues JWTs signed by helpers.idp.Issuer for the `resource`
the client asked for (RFC 8707). Loopback only; one thread per request."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from helpers.idp import Issuer


class AuthServer:
    def __init__(self, issuer: Issuer) -> None:
        self.issuer = issuer
        self.codes: dict[str, dict] = {}
        self.clients: dict[str, dict] = {}
        self.tokens_issued: list[dict] = []
        self.requests: list[str] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> AuthServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def metadata(self) -> dict:
        return {"issuer": self.url, "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token", "registration_endpoint": f"{self.url}/register",
                "response_types_supported": ["code"], "grant_types_supported": ["authorization_code"],
                "code_challenge_methods_supported": ["S256"], "token_endpoint_auth_methods_supported": ["none"]}

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                server.requests.append(f"GET {url.path}")
                if url.path.startswith("/.well-known/oauth-authorization-server"):
                    return self._json(200, server.metadata())
                if url.path == "/authorize":
                    q = {k: v[0] for k, v in parse_qs(url.query).items()}
                    if q.get("code_challenge_method") != "S256" or q.get("client_id") not in server.clients:
                        return self._json(400, {"error": "invalid_request"})
                    code = secrets.token_urlsafe(16)
                    server.codes[code] = q
                    location = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q.get("state", "")})
                    self.send_response(302)
                    self.send_header("Location", location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                return self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                url = urlparse(self.path)
                server.requests.append(f"POST {url.path}")
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if url.path == "/register":
                    meta = json.loads(raw)
                    client_id = f"client-{len(server.clients) + 1}"
                    server.clients[client_id] = meta
                    return self._json(201, {**meta, "client_id": client_id, "token_endpoint_auth_method": "none"})
                if url.path == "/token":
                    form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                    grant = server.codes.pop(form.get("code", ""), None)
                    if grant is None or form.get("grant_type") != "authorization_code":
                        return self._json(400, {"error": "invalid_grant"})
                    digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                    if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["code_challenge"]:
                        return self._json(400, {"error": "invalid_grant", "error_description": "PKCE"})
                    audience = form.get("resource") or grant.get("resource")
                    scope = grant.get("scope", "mcp:tools")
                    token = server.issuer.token("ES256", aud=audience, scope=scope, sub="oauth-user", iss=server.url)
                    server.tokens_issued.append({"aud": audience, "scope": scope})
                    return self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 600, "scope": scope})
                return self._json(404, {"error": "not_found"})

        return Handler
