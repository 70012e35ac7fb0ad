"""A token issuer for the auth tests: RSA, EC and Ed25519 keys made at run time, a JWKS file
mcp-edge reads, and JWTs signed with PyJWT (plus the malformed ones PyJWT refuses to make)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

ISSUER = "https://idp.example.test"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Issuer:
    def __init__(self, workdir: Path, resource: str) -> None:
        self.resource = resource
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.ed = ed25519.Ed25519PrivateKey.generate()
        self.stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.jwks_path = workdir / "jwks.json"
        self.jwks_path.write_text(json.dumps(self.jwks()))

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key in (("rsa-1", self.rsa), ("ec-1", self.ec), ("ed-1", self.ed)):
            jwk = json.loads(jwt.algorithms.get_default_algorithms()[
                {"rsa-1": "RS256", "ec-1": "ES256", "ed-1": "EdDSA"}[kid]].to_jwk(key.public_key()))
            jwk["kid"] = kid
            keys.append(jwk)
        return {"keys": keys}

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": self.resource, "sub": "alice", "tenant": "acme", "groups": ["dev"],
                  "scope": "mcp:tools", "iat": now, "exp": now + 600}
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, alg: str = "RS256", kid: str | None = None, **claims: Any) -> str:
        key, default_kid = {"RS256": (self.rsa, "rsa-1"), "PS256": (self.rsa, "rsa-1"),
                            "ES256": (self.ec, "ec-1"), "EdDSA": (self.ed, "ed-1")}[alg]
        return jwt.encode(self.claims(**claims), key, algorithm=alg, headers={"kid": kid or default_kid})

    def signed_by_stranger(self) -> str:
        return jwt.encode(self.claims(), self.stranger, algorithm="RS256", headers={"kid": "rsa-1"})

    def unsigned(self) -> str:
        """alg none (PyJWT makes it with algorithm=None)."""
        return jwt.encode(self.claims(), None, algorithm=None, headers={"kid": "rsa-1"})

    def hs256_with_public_key(self) -> str:
        """Algorithm confusion: HMAC keyed with the RSA public key's PEM, which a naive verifier
        that trusts the header's alg would accept."""
        pem = self.rsa.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
        header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}).encode())
        payload = b64(json.dumps(self.claims()).encode())
        signature = hmac.new(pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{b64(signature)}"


def sha256_hex(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
