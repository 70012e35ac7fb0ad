"""A throwaway CA and a server certificate for localhost / 127.0.0.1, made with the openssl CLI."""

from __future__ import annotations

import subprocess
from pathlib import Path

_EXT = """subjectAltName=DNS:localhost,IP:127.0.0.1
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
authorityKeyIdentifier=keyid
subjectKeyIdentifier=hash
"""


def _run(args: list[str], cwd: Path) -> None:
    r = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {r.stderr}")


def make_ca_and_server_cert(d: Path) -> dict[str, Path]:
    d.mkdir(parents=True, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _run(["openssl", "req", "-x509", *ec, "-days", "7", "-subj", "/CN=mcp-edge test CA",
          "-keyout", "ca.key", "-out", "ca.pem",
          "-addext", "basicConstraints=critical,CA:TRUE",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign"], d)
    _run(["openssl", "req", "-new", *ec, "-subj", "/CN=localhost", "-keyout", "key.pem",
          "-out", "server.csr"], d)
    (d / "server.ext").write_text(_EXT)
    _run(["openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
          "-CAcreateserial", "-days", "7", "-out", "cert.pem", "-extfile", "server.ext"], d)
    _run(["openssl", "verify", "-CAfile", "ca.pem", "cert.pem"], d)
    return {"ca": d / "ca.pem", "cert": d / "cert.pem", "key": d / "key.pem"}


def make_client_cert(ca_dir: Path, name: str, subject: str, san: str | None = None) -> dict[str, Path]:
    """A client certificate (extendedKeyUsage clientAuth) signed by the CA in `ca_dir`
    (make_ca_and_server_cert's), e.g. subject "/CN=alice/O=acme/OU=dev", san "email:alice@acme.test"."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _run(["openssl", "req", "-new", *ec, "-subj", subject, "-keyout", f"{name}-key.pem", "-out", f"{name}.csr"], ca_dir)
    ext = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"
    if san:
        ext += f"subjectAltName={san}\n"
    (ca_dir / f"{name}.ext").write_text(ext)
    _run(["openssl", "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
          "-days", "7", "-out", f"{name}.pem", "-extfile", f"{name}.ext"], ca_dir)
    return {"cert": ca_dir / f"{name}.pem", "key": ca_dir / f"{name}-key.pem"}
