"""`mcp-edge check --config FILE`: exit 0 on a valid config; otherwise every error as
`FILE:LINE:COL: key.path: message` and a non-zero exit. Also `mcp-edge version`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ERROR_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<key>\S+): (?P<msg>.+)$")

VALID = """\
workers: 1
listeners:
  - name: plain
    address: 127.0.0.1:18080
servers:
  demo:
    url: http://127.0.0.1:19000/mcp
routes:
  - path: /mcp
    passthrough: demo
limits: {max_head_bytes: 65536, max_header_count: 100, max_body_bytes: 4194304, max_concurrent_streams: 100}
timeouts: {tls_handshake: 10s, request_head: 10s, idle_keepalive: 60s, upstream_connect: 5s, upstream_first_byte: 60s}
"""

VALID_TLS = """\
workers: auto
listeners:
  - name: tls
    address: 127.0.0.1:18443
    tls: {certificate: cert.pem, key: key.pem}
  - name: plain
    address: 127.0.0.1:18080
servers:
  demo: {url: http://127.0.0.1:19000/mcp}
routes:
  - path: /mcp
    passthrough: demo
"""


def _with(lines: dict[int, str], base: str = VALID) -> str:
    """base with some 1-based lines replaced."""
    out = base.splitlines()
    for n, text in lines.items():
        out[n - 1] = text
    return "\n".join(out) + "\n"


# (id, config text, [(line, key fragment)] every one of which must be reported)
BROKEN = [
    ("unknown-top-level-key", VALID + "bogus_key: 3\n", [(13, "bogus_key")]),
    ("unknown-nested-key", _with({7: "    urll: http://127.0.0.1:19000/mcp"}), [(7, "urll")]),
    ("route-to-unknown-server", _with({10: "    passthrough: nope"}), [(10, "passthrough")]),
    ("bad-address", _with({4: "    address: not-an-address"}), [(4, "address")]),
    ("bad-port", _with({4: "    address: 127.0.0.1:99999"}), [(4, "address")]),
    ("bad-workers", _with({1: "workers: many"}), [(1, "workers")]),
    ("bad-duration", _with({12: "timeouts: {tls_handshake: soon}"}), [(12, "tls_handshake")]),
    ("two-errors-both-reported",
     _with({4: "    address: not-an-address", 10: "    passthrough: nope"}),
     [(4, "address"), (10, "passthrough")]),
]


def _check(edge_bin: Path | None, cfg: Path) -> subprocess.CompletedProcess:
    if edge_bin is None:
        pytest.skip("direct mode: no binary")
    return subprocess.run([str(edge_bin), "check", "--config", str(cfg)], capture_output=True,
                          text=True, timeout=30)


@pytest.mark.parametrize("name,text,expected", BROKEN, ids=[b[0] for b in BROKEN])
def test_check_reports_errors_with_line_and_key(name, text, expected, edge_bin, tmp_path):
    cfg = tmp_path / "edge.yaml"
    cfg.write_text(text)
    r = _check(edge_bin, cfg)
    out = r.stdout + r.stderr
    assert r.returncode != 0, f"check accepted a broken config ({name}):\n{out}"
    errors = [m for m in (ERROR_LINE.match(l) for l in out.splitlines()) if m]
    assert errors, f"no `FILE:LINE:COL: key: message` line in:\n{out}"
    for m in errors:
        assert m.group("file").endswith("edge.yaml"), m.group(0)
    for line, key in expected:
        assert any(int(m.group("line")) == line and key in m.group("key") for m in errors), (
            f"expected an error at line {line} naming {key!r}, got:\n{out}")
    # Error messages are meant for people: not empty, no Swift type dumps.
    for m in errors:
        assert m.group("msg").strip(), m.group(0)


def test_check_accepts_valid_configs(edge_bin, tmp_path, tls_files):
    cfg = tmp_path / "edge.yaml"
    cfg.write_text(VALID)
    r = _check(edge_bin, cfg)
    assert r.returncode == 0, r.stdout + r.stderr
    d = tmp_path / "tls"
    d.mkdir()
    (d / "cert.pem").write_bytes(tls_files["cert"].read_bytes())
    (d / "key.pem").write_bytes(tls_files["key"].read_bytes())
    (d / "edge.yaml").write_text(VALID_TLS)
    r = _check(edge_bin, d / "edge.yaml")
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_missing_file(edge_bin, tmp_path):
    r = _check(edge_bin, tmp_path / "absent.yaml")
    assert r.returncode != 0
    assert "absent.yaml" in r.stdout + r.stderr


def test_version(edge_bin):
    if edge_bin is None:
        pytest.skip("direct mode: no binary")
    r = subprocess.run([str(edge_bin), "version"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and r.stdout.strip(), r.stdout + r.stderr
