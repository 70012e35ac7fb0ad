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


# Hostile or broken files: each is a located error (FILE:LINE:COL), never a crash or a flood.
LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<rest>.+)$")


def _located(out: str) -> list[re.Match]:
    return [m for m in (LOCATED.match(l) for l in out.splitlines()) if m]


def test_check_deep_nesting_is_a_located_error(edge_bin, tmp_path):
    # 10 000 nested flow lists (20 KB) overflowed the stack: SIGSEGV instead of an error.
    cfg = tmp_path / "edge.yaml"
    cfg.write_text(VALID + "bogus: " + "[" * 10_000 + "]" * 10_000 + "\n")
    r = _check(edge_bin, cfg)
    out = r.stdout + r.stderr
    assert r.returncode == 2, f"exit {r.returncode}:\n{out[:2000]}"
    errors = _located(out)
    assert [(int(m["line"]), int(m["col"])) for m in errors] == [(13, 263)], out[:2000]
    assert "nesting deeper than 256 levels" in errors[0]["rest"], out


def test_check_alias_bomb_is_a_located_error(edge_bin, tmp_path):
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 10)]
    cfg = tmp_path / "edge.yaml"
    cfg.write_text(VALID + "\n".join(lines) + "\n")
    r = _check(edge_bin, cfg)
    out = r.stdout + r.stderr
    assert r.returncode == 2, out
    errors = _located(out)
    assert len(errors) == 1 and int(errors[0]["line"]) == 17, out
    assert "aliases expand to more than 100000 nodes" in out, out


def test_check_key_that_does_not_match_its_certificate(edge_bin, tmp_path, tls_files):
    (tmp_path / "cert.pem").write_bytes(tls_files["cert"].read_bytes())
    (tmp_path / "key.pem").write_bytes((tls_files["ca"].parent / "ca.key").read_bytes())  # another key
    cfg = tmp_path / "edge.yaml"
    cfg.write_text(VALID_TLS)
    r = _check(edge_bin, cfg)
    out = r.stdout + r.stderr
    assert r.returncode == 2, out
    errors = _located(out)
    assert len(errors) == 1, out
    m = errors[0]
    assert m["file"].endswith("edge.yaml") and (int(m["line"]), int(m["col"])) == (5, 39), out
    assert m["rest"].startswith("listeners[0].tls.key: private key ") and "does not match certificate" in out, out


def test_check_non_utf8_byte_is_located(edge_bin, tmp_path):
    cfg = tmp_path / "edge.yaml"
    text = VALID.encode().replace(b"  - name: plain", b"  - name: pl\xc3\xa9\xffn")
    cfg.write_bytes(text)
    r = _check(edge_bin, cfg)
    out = r.stdout + r.stderr
    assert r.returncode == 2, out
    errors = _located(out)
    assert [(int(m["line"]), int(m["col"])) for m in errors] == [(3, 14)], out
    assert "byte 0xFF is not valid UTF-8" in out, out


def test_check_duplicate_key_is_reported_at_the_duplicate(edge_bin, tmp_path):
    cfg = tmp_path / "edge.yaml"
    cfg.write_text(VALID + "workers: 2\n")
    r = _check(edge_bin, cfg)
    out = r.stdout + r.stderr
    assert r.returncode == 2, out
    errors = _located(out)
    assert [(int(m["line"]), int(m["col"])) for m in errors] == [(13, 1)], out
    assert 'duplicate key "workers"' in out, out


def test_check_unknown_server_message_is_bounded(edge_bin, tmp_path):
    # 500 000 servers: the message listed every one of them (4.4 MB on one line).
    n = 500_000
    servers = "".join(f"  s{i}: {{url: http://127.0.0.1:19000/mcp}}\n" for i in range(n))
    cfg = tmp_path / "edge.yaml"
    cfg.write_text("listeners:\n  - address: 127.0.0.1:18080\nservers:\n" + servers
                   + "routes:\n  - path: /mcp\n    passthrough: s4999x\n")
    r = _check(edge_bin, cfg)
    out = r.stdout + r.stderr
    assert r.returncode == 2, out[:2000]
    assert len(out) < 1000, f"{len(out)} bytes of output"
    errors = _located(out)
    assert len(errors) == 1 and int(errors[0]["line"]) == n + 6, out
    assert 'unknown server "s4999x"; did you mean "s4999"?' in out, out
    assert f"defined servers: s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, … and {n - 10} more" in out, out
