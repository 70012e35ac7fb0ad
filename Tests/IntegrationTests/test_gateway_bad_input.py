"""Gateway routes under attack: malformed and mistyped JSON-RPC, names the route does not
expose, routing headers that lie, forged/expired/deleted session ids and cursors (also across
two mcp-edge instances sharing a secret), huge ids and deep nesting, misbehaving backends
(garbage, wrong ids, oversized answers, silence), stdio servers that crash or do not exist, and
`mcp-edge check` refusing gateway settings that cannot work.

Every attack asserts the exact HTTP status and JSON-RPC error code, then that mcp-edge is alive
and a new session on the same gateway still gets answers (`assert_still_serves`).

Backends: servers/fast_backend.c (answers "NAME:TOOL:TEXT"), and `MisbehavingBackend` below: a
raw asyncio HTTP/1.1 backend that does the handshake properly and misbehaves on `tools/call` in
the way the tool's name says.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from helpers.edge import Edge
from helpers.h2client import H2Client
from helpers.gateway import (LEGACY, Backends, initialize_body, jsonrpc_from_response, legacy_headers,
                             legacy_session, modern_request, post, start_gateway)

SECRET = "s3cret-" + "a" * 40
OTHER_SECRET = "s3cret-" + "b" * 40
ERAS = ["legacy", "modern"]


# ---- requests and answers ----

def call_params(tool: str, text: str = "x") -> dict:
    return {"name": tool, "arguments": {"text": text}}


def request(url: str, era: str, method: str, params: dict | None = None, *, id=1, sid: str | None = None,
            headers: dict | None = None, client: httpx.Client | None = None) -> httpx.Response:
    """One raw POST of `method` in `era`: "legacy" on session `sid` (a new one when None),
    "modern" with the routing headers and `_meta` (`headers` override or add)."""
    if era == "modern":
        h, body = modern_request(method, params, id=id, headers=headers)
    else:
        h = legacy_headers(sid or legacy_session(url, client))
        h.update(headers or {})
        body = {"jsonrpc": "2.0", "id": id, "method": method, **({"params": params} if params is not None else {})}
    return post(url, h, body, client)


def error_of(r: httpx.Response) -> dict:
    msg = jsonrpc_from_response(r)
    assert "error" in msg, f"expected a JSON-RPC error, got HTTP {r.status_code}: {r.text[:500]}"
    return msg["error"]


def text_of(r: httpx.Response) -> str:
    assert r.status_code == 200, r.text[:500]
    msg = jsonrpc_from_response(r)
    assert "result" in msg, r.text[:500]
    return msg["result"]["content"][0]["text"]


def assert_error(r: httpx.Response, status: int, code: int, *names: str) -> dict:
    """HTTP `status`, JSON-RPC error `code`, and each of `names` in its message (or data)."""
    assert r.status_code == status, f"HTTP {r.status_code}, expected {status}: {r.text[:500]}"
    err = error_of(r)
    assert err["code"] == code, err
    said = f"{err.get('message', '')} {json.dumps(err.get('data'))}"
    for name in names:
        assert name in said, f"{name!r} not named in {said!r}"
    return err


def assert_still_serves(edge: Edge, path: str = "/mcp", tool: str = "alpha__echo") -> None:
    """mcp-edge is running, and a new legacy session and a modern request both get answers."""
    edge.assert_alive()
    url = edge.url(path, tls=False)
    expected = tool.replace("__", ":", 1) + ":still"
    assert text_of(request(url, "legacy", "tools/call", call_params(tool, "still"))) == expected
    assert text_of(request(url, "modern", "tools/call", call_params(tool, "still"))) == expected


def tool_names(url: str) -> list[str]:
    """Every tool of a route (modern requests), following nextCursor."""
    names, cursor = [], None
    for _ in range(50):
        r = request(url, "modern", "tools/list", {"cursor": cursor} if cursor else {})
        result = jsonrpc_from_response(r)["result"]
        names += [t["name"] for t in result["tools"]]
        cursor = result.get("nextCursor")
        if not cursor:
            return names
    raise AssertionError("tools/list did not end")


def session_config(secret: str | None = SECRET, previous: list[str] | None = None, more: str = "") -> str:
    text = f"session_secret: {json.dumps(secret)}\n" if secret else ""
    if previous:
        text += f"previous_session_secrets: {json.dumps(previous)}\n"
    return text + more


class Gateways:
    """mcp-edge instances started by one module's fixtures (or a test), stopped at close();
    a crash, a hang on SIGTERM or `Fatal error` fails the test that closes them."""

    def __init__(self, edge_bin: Path, workdir: Path) -> None:
        self.edge_bin, self.workdir, self.all = edge_bin, workdir, []

    def start(self, servers: dict, routes: list | None = None, **kw) -> Edge:
        edge = start_gateway(self.edge_bin, self.workdir / f"gateway{len(self.all)}", servers, routes, **kw)
        self.all.append(edge)
        return edge

    def close(self) -> None:
        problems = [p for e in self.all for p in e.stop()]
        if problems:
            pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(scope="module")
def gateways(edge_bin, tmp_path_factory):
    g = Gateways(edge_bin, tmp_path_factory.mktemp("gateways"))
    yield g
    g.close()


@pytest.fixture(scope="module")
def fast(tmp_path_factory, fast_backend_exe):
    b = Backends(tmp_path_factory.mktemp("backends"), fast_backend_exe)
    yield b
    b.close()


@pytest.fixture(scope="module")
def gw(fast, gateways):
    """alpha (120 tools, paged by 50) and beta (real backend sessions) behind /mcp, /other (the
    same servers: another route) and /view (tools: deny beta__add and alpha__tool1*, rename
    alpha__echo to shout); two workers; session_secret SECRET. `twin` is a second instance with
    the same configuration."""
    alpha = fast.fast("alpha", tools=120, page_size=50, stats=False)
    beta = fast.fast("beta", require_session=True, stats=False)
    servers = {"alpha": alpha, "beta": beta}
    routes = [("/mcp", ["alpha", "beta"]), ("/other", ["alpha", "beta"]),
              ("/view", ["alpha", "beta"], {"tools": '{deny: [beta__add, "alpha__tool1*"]}',
                                            "rename": "{alpha__echo: shout}"})]
    edge = gateways.start(servers, routes, workers=2, extra=session_config())
    twin = gateways.start(servers, routes, workers=2, extra=session_config())
    return SimpleNamespace(edge=edge, twin=twin, servers=servers, routes=routes, url=edge.url("/mcp", tls=False),
                           twin_url=twin.url("/mcp", tls=False))


# ---- malformed JSON-RPC ----

def modern_headers(method: str = "tools/list") -> dict:
    return modern_request(method)[0]


MALFORMED = {
    "truncated": b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list", ',
    "empty": b"",
    "trailing-garbage": b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"} x',
    "two-messages": b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}{"jsonrpc": "2.0", "id": 2, "method": "ping"}',
    "byte-order-mark": b'\xef\xbb\xbf{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}',
    "single-quotes": b"{'jsonrpc': '2.0', 'id': 1, 'method': 'tools/list'}",
}


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_json_is_400_parse_error(gw, era, body):
    h = modern_headers() if era == "modern" else legacy_headers(legacy_session(gw.url))
    assert_error(post(gw.url, h, body), 400, -32700)
    gw.edge.assert_alive()


WRONG_TYPES = {
    "array-body": '[{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}]',
    "jsonrpc-1.0": '{"jsonrpc": "1.0", "id": 1, "method": "tools/list"}',
    "no-jsonrpc": '{"id": 1, "method": "tools/list"}',
    "id-object": '{"jsonrpc": "2.0", "id": {"a": 1}, "method": "tools/list"}',
    "id-array": '{"jsonrpc": "2.0", "id": [1], "method": "tools/list"}',
    "id-null": '{"jsonrpc": "2.0", "id": null, "method": "tools/list"}',
    "method-number": '{"jsonrpc": "2.0", "id": 1, "method": 7}',
    "params-string": '{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": "x"}',
    "duplicate-method": '{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "method": "ping"}',
    "result-and-error": '{"jsonrpc": "2.0", "id": 1, "result": {}, "error": {"code": 1, "message": "x"}}',
}


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("body", WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_wrong_types_are_400_invalid_request(gw, era, body):
    h = modern_headers() if era == "modern" else legacy_headers(legacy_session(gw.url))
    assert_error(post(gw.url, h, body), 400, -32600)
    gw.edge.assert_alive()


def test_connection_keeps_serving_after_bad_bodies(gw):
    """Every bad body above on one keep-alive connection, then a good request on it."""
    with httpx.Client() as client:
        for body in [*MALFORMED.values(), *WRONG_TYPES.values()]:
            assert post(gw.url, modern_headers(), body, client).status_code == 400
        r = request(gw.url, "modern", "tools/call", call_params("alpha__echo", "same"), client=client)
        assert text_of(r) == "alpha:echo:same"
    assert_still_serves(gw.edge)


def test_unknown_method_legacy_200_modern_404(gw):
    assert_error(request(gw.url, "legacy", "tools/frobnicate"), 200, -32601)
    assert_error(request(gw.url, "modern", "tools/frobnicate"), 404, -32601)
    assert_still_serves(gw.edge)


def test_body_over_max_body_bytes_is_413(gw):
    text = json.dumps({"text": "x" * (4 * 1024 * 1024)})
    r = post(gw.url, modern_headers("tools/call"), '{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": '
             '{"name": "alpha__echo", "arguments": ' + text + "}}")
    assert_error(r, 413, -32600, "max_body_bytes")
    assert_still_serves(gw.edge)


@pytest.mark.parametrize("method,session,status", [("PUT", True, 405), ("PATCH", False, 405), ("GET", False, 400),
                                                   ("GET", True, 405), ("DELETE", False, 400)])
def test_other_http_methods(gw, method, session, status):
    """GET and DELETE need a session (and a GET stream is not offered yet); other methods are 405."""
    h = legacy_headers(legacy_session(gw.url) if session else None)
    r = httpx.request(method, gw.url, headers=h, timeout=30)
    assert_error(r, status, -32600)


@pytest.mark.parametrize("method", ["initialize", "logging/setLevel",
"ping"])
def test_methods_removed_in_the_modern_era_are_404(gw, method):
    assert_error(request(gw.url, "modern", method, {}), 404, -32601)


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("params", [None, {"arguments": {}}, {"name": 5}, {"name": ["alpha__echo"]}],
                         ids=["no-params", "no-name", "name-number", "name-array"])
def test_tools_call_without_a_string_name_is_invalid_params(gw, era, params):
    # (Mcp-Name is for a string name; the modern check leaves other types to the handler.)
    r = request(gw.url, era, "tools/call", params, headers={"Mcp-Name": "alpha__echo"})
    assert_error(r, 200, -32602, "params.name")


# ---- names: unknown, hidden, renamed ----

@pytest.mark.parametrize("era", ERAS)
def test_unknown_tool_of_a_known_server_is_invalid_params_naming_it(gw, era):
    assert_error(request(gw.url, era, "tools/call", call_params("beta__nosuch")), 200, -32602, "nosuch")
    assert_still_serves(gw.edge)


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("tool,named", [("gamma__echo", "gamma"), ("echo", "echo"), ("alpha__bad name", "alpha__bad name"),
                                       ('no"such\\\n__x', 'no"such\\\n'), ("alpha__" + "x" * 5000, "x" * 5000)],
                         ids=["unknown-server", "no-separator", "space", "json-specials", "5000-chars"])
def test_unknown_prefix_is_invalid_params_naming_it(gw, era, tool, named):
    h = {"Mcp-Name": b64(tool)} if not tool.isascii() or not tool.isprintable() or " " in tool else None
    assert_error(request(gw.url, era, "tools/call", call_params(tool), headers=h), 200, -32602, named)
    gw.edge.assert_alive()


@pytest.mark.parametrize("era,code", [("legacy", -32002), ("modern", -32602)])
def test_unknown_resource_is_not_found_naming_it(gw, era, code):
    assert_error(request(gw.url, era, "resources/read", {"uri": "fast://nosuch/readme"}), 200, code, "fast://nosuch/readme")


@pytest.mark.parametrize("era", ERAS)
def test_unknown_prompt_prefix_is_invalid_params_naming_it(gw, era):
    assert_error(request(gw.url, era, "prompts/get", {"name": "gamma__greet", "arguments": {}}), 200, -32602, "gamma")


def test_denied_tools_are_not_listed(gw):
    view = tool_names(gw.edge.url("/view", tls=False))
    everything = tool_names(gw.url)
    assert "beta__add" in everything and "alpha__tool15" in everything
    assert "beta__add" not in view and not any(n.startswith("alpha__tool1") for n in view), view
    assert "alpha__tool2" in view and "beta__echo" in view


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("tool", ["beta__add", "alpha__tool15"])
def test_denied_tool_call_is_invalid_params_naming_it(gw, era, tool):
    view = gw.edge.url("/view", tls=False)
    assert text_of(request(gw.url, era, "tools/call", call_params(tool))) == tool.replace("__", ":") + ":x"
    assert_error(request(view, era, "tools/call", call_params(tool)), 200, -32602, tool)
    assert_still_serves(gw.edge, "/view", "beta__echo")


def test_renamed_tool_is_listed_under_its_new_name(gw):
    view = tool_names(gw.edge.url("/view", tls=False))
    assert "shout" in view and "alpha__echo" not in view


@pytest.mark.parametrize("era", ERAS)
def test_renamed_tool_reaches_the_backends_original_name(gw, era):
    view = gw.edge.url("/view", tls=False)
    assert text_of(request(view, era, "tools/call", call_params("shout", "hey"))) == "alpha:echo:hey"
    assert_error(request(view, era, "tools/call", call_params("alpha__echo")), 200, -32602, "alpha__echo")


# ---- modern routing headers ----

def b64(text: str) -> str:
    return "=?base64?" + base64.b64encode(text.encode()).decode() + "?="


HEADER_LIES = {
    "method-missing": {"Mcp-Method": None},
    "name-missing": {"Mcp-Name": None},
    "method-other-case": {"Mcp-Method": "Tools/call"},
    "name-other-server": {"Mcp-Name": "beta__echo"},
    "name-base64-of-other": {"Mcp-Name": b64("beta__echo")},
    "name-bad-base64": {"Mcp-Name": "=?base64?!!not base64!!?="},
    "name-base64-bad-length": {"Mcp-Name": "=?base64?YWxwaGFfX2VjaG?="},
    "method-bad-base64": {"Mcp-Method": "=?base64?***?="},
}


@pytest.mark.parametrize("lie", HEADER_LIES.values(), ids=HEADER_LIES.keys())
def test_modern_routing_header_mismatch_is_400_header_mismatch(gw, lie):
    h, body = modern_request("tools/call", call_params("alpha__echo"), id=5)
    for k, v in lie.items():
        h.pop(k) if v is None else h.__setitem__(k, v)
    assert_error(post(gw.url, h, body), 400, -32020)
    assert_still_serves(gw.edge)


def test_modern_resources_read_uri_mismatch_is_400_header_mismatch(gw):
    h, body = modern_request("resources/read", {"uri": "fast://alpha/readme"}, id=5)
    h["Mcp-Name"] = "fast://beta/readme"
    assert_error(post(gw.url, h, body), 400, -32020)


@pytest.mark.parametrize("header,second", [("Mcp-Name", "beta__echo"), ("Mcp-Method", "tools/list"),
                                           ("MCP-Protocol-Version", LEGACY)])
def test_modern_routing_header_given_twice_is_400_header_mismatch(gw, header, second):
    h, body = modern_request("tools/call", call_params("alpha__echo"), id=5)
    assert_error(post(gw.url, list(h.items()) + [(header, second)], body), 400, -32020)


@pytest.mark.parametrize("header", ["Mcp-Name", "Mcp-Method"])
def test_modern_base64_header_of_the_right_value_is_accepted(gw, header):
    h, body = modern_request("tools/call", call_params("alpha__echo", "b64"), id=6)
    h[header] = b64(h[header])
    assert text_of(post(gw.url, h, body)) == "alpha:echo:b64"


# ---- session ids ----

def tampered(token: str) -> str:
    i = len(token) // 2
    return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1:]


def forged(token: str) -> str:
    return base64.urlsafe_b64encode(os.urandom(len(token) * 3 // 4)).decode().rstrip("=")[:len(token)]


@pytest.mark.parametrize("mangle", [forged, tampered, lambda t: t[:-6], lambda t: t + "AAAA", lambda t: t[:10],
                                    lambda t: (t * 100)[:9000], lambda t: t.replace(t[5], "%", 1)],
                         ids=["forged", "tampered", "truncated", "extended", "prefix", "9000-chars", "not-base64url"])
def test_bad_session_id_is_404(gw, mangle):
    sid = legacy_session(gw.url)
    r = request(gw.url, "legacy", "tools/call", call_params("alpha__echo"), sid=mangle(sid))
    assert_error(r, 404, -32001)
    assert text_of(request(gw.url, "legacy", "tools/call", call_params("alpha__echo", "ok"), sid=sid)) == "alpha:echo:ok"


def test_session_of_another_route_is_404(gw):
    sid = legacy_session(gw.url)
    other = gw.edge.url("/other", tls=False)
    assert_error(request(other, "legacy", "tools/call", call_params("alpha__echo"), sid=sid), 404, -32001)


def test_missing_session_id_is_400(gw):
    r = post(gw.url, legacy_headers(None), {"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert_error(r, 400, -32600)


def test_expired_session_is_404(fast, gateways):
    edge = gateways.start({"alpha1": fast.fast("alpha1", stats=False)},
                          extra=session_config(more="timeouts: {gateway_session: 1s}\n"))
    url = edge.url("/mcp", tls=False)
    # Expiry is in whole seconds: a session opened just after a second begins lives for nearly
    # all of its 1 s (one opened late in a second, for only the rest of that second).
    time.sleep(1.02 - time.time() % 1)
    sid = legacy_session(url)
    time.sleep(2)
    assert_error(request(url, "legacy", "tools/list", {}, sid=sid), 404, -32001)
    time.sleep(1.02 - time.time() % 1)
    assert text_of(request(url, "legacy", "tools/call", call_params("alpha1__echo", "new"))) == "alpha1:echo:new"
    assert text_of(request(url, "modern", "tools/call", call_params("alpha1__echo", "new"))) == "alpha1:echo:new"


def test_session_from_one_instance_works_on_another_with_the_same_secret(gw):
    sid = legacy_session(gw.url)
    assert text_of(request(gw.twin_url, "legacy", "tools/call", call_params("beta__echo", "twin"), sid=sid)) == "beta:echo:twin"
    assert text_of(request(gw.url, "legacy", "tools/call", call_params("beta__echo", "home"), sid=sid)) == "beta:echo:home"


def test_session_is_refused_by_an_instance_with_another_secret(gw, gateways):
    other = gateways.start(gw.servers, gw.routes, extra=session_config(OTHER_SECRET))
    url = other.url("/mcp", tls=False)
    sid = legacy_session(gw.url)
    assert_error(request(url, "legacy", "tools/list", {}, sid=sid), 404, -32001)
    assert_still_serves(other)


def test_session_survives_a_rotation_with_previous_session_secrets(gw, gateways):
    rotated = gateways.start(gw.servers, gw.routes, extra=session_config(OTHER_SECRET, previous=[SECRET]))
    url = rotated.url("/mcp", tls=False)
    old = legacy_session(gw.url)
    assert text_of(request(url, "legacy", "tools/call", call_params("beta__echo", "rot"), sid=old)) == "beta:echo:rot"
    # New ids are sealed with the new secret: the instance that only knows the old one refuses them.
    new = legacy_session(url)
    assert text_of(request(url, "legacy", "tools/call", call_params("beta__echo", "new"), sid=new)) == "beta:echo:new"
    assert_error(request(gw.url, "legacy", "tools/list", {}, sid=new), 404, -32001)


def test_deleted_session_is_404_on_every_connection(gw):
    with httpx.Client() as first:
        sid = legacy_session(gw.url, first)
        assert first.delete(gw.url, headers=legacy_headers(sid), timeout=30).status_code == 200
        assert_error(request(gw.url, "legacy", "tools/list", {}, sid=sid, client=first), 404, -32001)
    # New connections land on either worker (SO_REUSEPORT): every one must know.
    for _ in range(6):
        with httpx.Client() as other:
            assert_error(request(gw.url, "legacy", "tools/list", {}, sid=sid, client=other), 404, -32001)
    assert_still_serves(gw.edge)


def test_second_delete_is_404(gw):
    sid = legacy_session(gw.url)
    assert httpx.delete(gw.url, headers=legacy_headers(sid), timeout=30).status_code == 200
    r = httpx.delete(gw.url, headers=legacy_headers(sid), timeout=30)
    assert_error(r, 404, -32001)


# ---- cursors ----

def first_page_cursor(url: str) -> str:
    result = jsonrpc_from_response(request(url, "modern", "tools/list", {}))["result"]
    assert result.get("nextCursor"), result
    return result["nextCursor"]


def page(url: str, cursor, method: str = "tools/list", era: str = "modern") -> httpx.Response:
    return request(url, era, method, {"cursor": cursor})


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("mangle", [forged, tampered, lambda c: c[:-3], lambda c: c + "A", lambda c: 17],
                         ids=["forged", "tampered", "truncated", "extended", "number"])
def test_bad_cursor_is_invalid_params(gw, era, mangle):
    cursor = first_page_cursor(gw.url)
    assert_error(page(gw.url, mangle(cursor), era=era), 200, -32602)
    assert jsonrpc_from_response(page(gw.url, cursor, era=era))["result"]["tools"]


def test_cursor_of_another_route_is_invalid_params(gw):
    cursor = first_page_cursor(gw.edge.url("/other", tls=False))
    assert_error(page(gw.url, cursor), 200, -32602)


def test_cursor_of_another_list_is_invalid_params(gw):
    cursor = first_page_cursor(gw.url)
    assert_error(page(gw.url, cursor, "prompts/list"), 200, -32602)


def test_cursor_works_on_another_instance_with_the_same_secret(gw):
    cursor = first_page_cursor(gw.url)
    here = jsonrpc_from_response(page(gw.url, cursor))["result"]
    there = jsonrpc_from_response(page(gw.twin_url, cursor))["result"]
    assert [t["name"] for t in there["tools"]] == [t["name"] for t in here["tools"]]
    assert len(here["tools"]) == 50 and here["tools"][0]["name"] == "alpha__tool50"


def test_cursor_survives_a_rotation_with_previous_session_secrets(gw, gateways):
    rotated = gateways.start(gw.servers, gw.routes, extra=session_config(OTHER_SECRET, previous=[SECRET]))
    cursor = first_page_cursor(gw.url)
    result = jsonrpc_from_response(page(rotated.url("/mcp", tls=False), cursor))
    assert "result" in result, result


# ---- huge ids, deep nesting ----

@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("method", ["tools/call", "tools/frobnicate"])
def test_100kb_string_id_comes_back_whole(gw, era, method):
    big = "i" * 100_000
    r = request(gw.url, era, method, call_params("alpha__echo"), id=big)
    if method == "tools/call":
        assert text_of(r) == "alpha:echo:x"
    else:
        assert_error(r, 404 if era == "modern" else 200, -32601)
    assert jsonrpc_from_response(r)["id"] == big
    assert_still_serves(gw.edge)


@pytest.mark.parametrize("era", ERAS)
def test_10000_nested_arrays_in_params_is_invalid_request(gw, era):
    deep = "[" * 10_000 + "]" * 10_000
    h, body = modern_request("tools/call", call_params("alpha__echo"), id=8)
    if era == "legacy":
        h = legacy_headers(legacy_session(gw.url))
    text = json.dumps(body).replace('"arguments": {', f'"arguments": {{"deep": {deep}, ', 1)
    assert_error(post(gw.url, h, text), 400, -32600)
    assert_still_serves(gw.edge)


# ---- misbehaving backends ----

class MisbehavingBackend:
    """An HTTP/1.1 MCP backend on raw asyncio sockets (its own thread): server/discover is
    -32601 (a legacy server; after `discover_delay` seconds), initialize, notifications and
    tools/list are proper (`list_mode="deep"`: tools/list nests 10 000 arrays), and tools/call
    answers as the tool's name says:

      echo          "raw:echo:TEXT", properly
      not_http      bytes that are not HTTP, then silence      not_json, html_500   non-JSON bodies
      sse_garbage_end / _silent   SSE events that are not JSON-RPC, then the end / silence
      wrong_id, wrong_id_sse      an answer with an id the gateway never sent
      huge, huge_sse              an 8 KiB answer          deep    an answer nesting 10 000 arrays
      close         a head and a partial body, then FIN    drop    FIN without an answer
      hang          silence                                accepted    202 to a request
      lost_session  404 every time (the session is gone)   linger  the answer, the SSE end 0.5 s later
    """

    TOOLS = ["echo", "not_http", "not_json", "html_500", "sse_garbage_end", "sse_garbage_silent", "wrong_id",
             "wrong_id_sse", "huge", "huge_sse", "hang", "deep", "close", "drop", "accepted", "lost_session", "linger"]

    def __init__(self, list_mode: str = "ok", discover_delay: float = 0) -> None:
        self.list_mode, self.discover_delay = list_mode, discover_delay
        self.loop = asyncio.new_event_loop()
        self.tasks: set[asyncio.Task] = set()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = self._run(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/mcp"

    def _run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def close(self) -> None:
        async def stop():
            self.server.close()
            for t in list(self.tasks):
                t.cancel()
        self._run(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.tasks.add(asyncio.current_task())
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                body = await reader.readexactly(int(m.group(1)) if m else 0)
                msg = json.loads(body) if body else {}
                if not await self._answer(msg, reader, writer):
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            self.tasks.discard(asyncio.current_task())

    @staticmethod
    def _http(status: str, body: bytes, ctype: str = "application/json", extra: str = "") -> bytes:
        return (f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
                ).encode() + body

    @staticmethod
    def _json(id, result=None, error=None) -> bytes:
        return json.dumps({"jsonrpc": "2.0", "id": id, **({"error": error} if error else {"result": result})}).encode()

    @staticmethod
    def _chunk(data: bytes) -> bytes:
        return f"{len(data):x}\r\n".encode() + data + b"\r\n"

    async def _answer(self, msg: dict, reader, writer) -> bool:
        """Writes the answer; False closes the connection."""
        method, id = msg.get("method"), msg.get("id")
        if method == "server/discover":
            await asyncio.sleep(self.discover_delay)
        if "id" not in msg:
            writer.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
        elif method == "initialize":
            result = {"protocolVersion": msg["params"]["protocolVersion"], "capabilities": {"tools": {}},
                      "serverInfo": {"name": "raw", "version": "0"}}
            writer.write(self._http("200 OK", self._json(id, result), extra="Mcp-Session-Id: raw-session\r\n"))
        elif method == "tools/list" and self.list_mode == "deep":
            body = b'{"jsonrpc":"2.0","id":%d,"result":{"tools":%s}}' % (id, b"[" * 10_000 + b"]" * 10_000)
            writer.write(self._http("200 OK", body))
        elif method == "tools/list":
            tools = [{"name": n, "inputSchema": {"type": "object"}} for n in self.TOOLS]
            writer.write(self._http("200 OK", self._json(id, {"tools": tools})))
        elif method == "tools/call":
            return await self._call(msg["params"]["name"], id, msg, reader, writer)
        else:
            writer.write(self._http("200 OK", self._json(id, error={"code": -32601, "message": "Method not found"})))
        await writer.drain()
        return True

    GARBAGE_EVENTS = [b"data: not json at all\n\n", b": a comment\n\n", b'data: {"jsonrpc": "2.0", "id":\n\n',
                      b"event: message\ndata: [1, 2, 3]\n\n", b"\xff\xfe\x00 binary\n\n"]

    def _sse(self, *events: bytes, end: bool = True) -> bytes:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        return head + b"".join(self._chunk(e) for e in events) + (b"0\r\n\r\n" if end else b"")

    def _canned(self, tool: str, id) -> bytes | None:
        """The whole answer of a tool whose misbehaviour is only bytes (then the next request)."""
        def event(message: bytes) -> bytes:
            return b"data: " + message + b"\n\n"
        big = self._json(id, {"content": [{"type": "text", "text": "h" * 8192}]})
        deep = b'{"jsonrpc":"2.0","id":%d,"result":{"content":[],"x":%s}}' % (id, b"[" * 10_000 + b"]" * 10_000)
        return {
            "not_json": self._http("200 OK", b"<html>not json</html>"),
            "html_500": self._http("500 Internal Server Error", b"<html>oops</html>", "text/html"),
            "sse_garbage_end": self._sse(*self.GARBAGE_EVENTS),
            "wrong_id": self._http("200 OK", self._json(424242, {"content": []})),
            "wrong_id_sse": self._sse(event(self._json(424242, {"content": []}))),
            "huge": self._http("200 OK", big),
            "huge_sse": self._sse(event(big)),
            "deep": self._http("200 OK", deep),
            "accepted": b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n",
            "lost_session": self._http("404 Not Found", self._json(None, error={"code": -32600, "message": "Session not found"})),
        }.get(tool)

    async def _call(self, tool: str, id, msg: dict, reader, writer) -> bool:
        canned = self._canned(tool, id)
        if canned is not None:
            writer.write(canned)
        elif tool == "echo":
            text = msg["params"]["arguments"].get("text", "")
            writer.write(self._http("200 OK", self._json(id, {"content": [{"type": "text", "text": f"raw:echo:{text}"}]})))
        elif tool == "linger":  # the answer, then the stream ends 0.5 s later
            writer.write(self._sse(b"data: " + self._json(id, {"content": [{"type": "text", "text": "raw:linger:"}]})
                                   + b"\n\n", end=False))
            await writer.drain()
            await asyncio.sleep(0.5)
            writer.write(b"0\r\n\r\n")
        else:  # bytes, if any, then silence until the gateway closes the connection
            writer.write({"not_http": b"SSH-2.0-OpenSSH_9.6 this is not HTTP\r\n\r\n\x00\x01\x02",
                          "sse_garbage_silent": self._sse(*self.GARBAGE_EVENTS, end=False),
                          "close": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{",
                          }.get(tool, b""))
            await writer.drain()
            if tool in ("not_http", "sse_garbage_silent", "hang"):
                await reader.read()
            return False  # close, drop: closed at once
        await writer.drain()
        return True


@pytest.fixture(scope="module")
def bad(fast, gateways):
    """`raw` (MisbehavingBackend) beside alpha; limits.max_backend_response 4KiB,
    timeouts.upstream_first_byte 2s and sse_idle 3s."""
    raw = MisbehavingBackend()
    alpha = fast.fast("alpha2", stats=False)
    edge = gateways.start({"raw": {"url": raw.url}, "alpha2": alpha},
                          extra="limits: {max_backend_response: 4KiB}\n"
                                "timeouts: {upstream_first_byte: 2s, sse_idle: 3s}\n")
    yield SimpleNamespace(edge=edge, url=edge.url("/mcp", tls=False), raw=raw)
    raw.close()


def test_misbehaving_backend_answers_its_echo(bad):
    """The misbehaving backend is a working MCP server for everything but its odd tools."""
    for era in ERAS:
        assert text_of(request(bad.url, era, "tools/call", call_params("raw__echo", era))) == f"raw:echo:{era}"


# What each misbehaviour is answered: -32010 backend unavailable, -32012 protocol error.
GARBAGE = {"not_http": -32012, "not_json": -32012, "html_500": -32012, "sse_garbage_end": -32012,
           "wrong_id": -32012, "wrong_id_sse": -32012, "accepted": -32012, "close": -32010, "drop": -32010}


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("tool,code", GARBAGE.items(), ids=GARBAGE.keys())
def test_backend_garbage_is_a_gateway_error_naming_it(bad, era, tool, code):
    started = time.monotonic()
    r = request(bad.url, era, "tools/call", call_params(f"raw__{tool}"), id=f"g-{tool}")
    took = time.monotonic() - started
    assert_error(r, 200, code, '"raw"')
    assert jsonrpc_from_response(r)["id"] == f"g-{tool}"
    assert took < 1.5, f"{tool}: the error took {took:.1f} s"
    assert_still_serves(bad.edge, tool="alpha2__echo")
    assert text_of(request(bad.url, era, "tools/call", call_params("raw__echo", "after"))) == "raw:echo:after"


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("tool", ["huge", "huge_sse"])
def test_backend_response_over_max_backend_response_is_32013(bad, era, tool):
    r = request(bad.url, era, "tools/call", call_params(f"raw__{tool}"))
    assert_error(r, 200, -32013, '"raw"', "max_backend_response")
    assert_still_serves(bad.edge, tool="alpha2__echo")


@pytest.mark.parametrize("era", ERAS)
def test_backend_that_keeps_losing_the_session_is_32014(bad, era):
    r = request(bad.url, era, "tools/call", call_params("raw__lost_session"))
    assert_error(r, 200, -32014, '"raw"')
    assert_still_serves(bad.edge, tool="alpha2__echo")


@pytest.mark.parametrize("tool,limit", [("hang", 2), ("sse_garbage_silent", 3)])
def test_silent_backend_is_an_error_within_its_timeout(bad, tool, limit):
    started = time.monotonic()
    r = request(bad.url, "modern", "tools/call", call_params(f"raw__{tool}"))
    took = time.monotonic() - started
    assert_error(r, 200, -32011, '"raw"')
    assert limit - 0.2 <= took < limit + 1.5, f"answered after {took:.1f} s (limit {limit} s)"
    assert_still_serves(bad.edge, tool="alpha2__echo")


def test_backend_answers_nested_10000_deep_are_errors_not_crashes(fast, gateways):
    """No max_backend_response here: the 20 KB answers reach the JSON scanner. A listing that
    nests too deep leaves its backend out of the merged list; a call answered so is an error."""
    raw = MisbehavingBackend(list_mode="deep")
    try:
        alpha = fast.fast("alpha3", stats=False)
        edge = gateways.start({"raw": {"url": raw.url}, "alpha3": alpha})
        url = edge.url("/mcp", tls=False)
        for era in ERAS:
            result = jsonrpc_from_response(request(url, era, "tools/list", {}))["result"]
            assert {t["name"] for t in result["tools"]} == {"alpha3__echo", "alpha3__add", "alpha3__lorem"}
            assert result["_meta"]["io.github.mcp-edge/unavailable"] == ["raw"]
            assert_error(request(url, era, "tools/call", call_params("raw__deep")), 200, -32012, '"raw"')
        assert_still_serves(edge, tool="alpha3__echo")
    finally:
        raw.close()


@contextmanager
def own_gateway(edge_bin: Path, workdir: Path, servers: dict, **kw):
    """A gateway stopped at the end of the block, so that a crash fails the test itself (and
    an xfail covers it) rather than a shared fixture's teardown."""
    g = Gateways(edge_bin, workdir)
    try:
        yield g.start(servers, **kw)
    finally:
        g.close()


@pytest.mark.parametrize("scenario", ["initialize", "server/discover", "call-client-gave-up", "sse-after-answer"])
def test_backend_answering_after_its_client_left(edge_bin, tmp_path, fast, scenario):
    """raw answers server/discover after 1.5 s (gateway_fanout is 500 ms), or its SSE stream
    ends 0.5 s after the answer; meanwhile the client has its answer (or gave up) and closed."""
    raw = MisbehavingBackend(discover_delay=0 if scenario == "sse-after-answer" else 1.5)
    try:
        with own_gateway(edge_bin, tmp_path, {"raw": {"url": raw.url}, "alpha5": fast.fast("alpha5", stats=False)},
                         extra="timeouts: {gateway_fanout: 500ms}\n") as edge:
            url = edge.url("/mcp", tls=False)
            if scenario == "initialize":
                assert post(url, legacy_headers(version=None), initialize_body()).status_code == 200
            elif scenario == "server/discover":
                assert request(url, "modern", "server/discover", {}).status_code == 200
            elif scenario == "call-client-gave-up":
                with pytest.raises(httpx.ReadTimeout):
                    post(url, *modern_request("tools/call", call_params("raw__echo")), timeout=0.5)
            else:
                assert text_of(request(url, "modern", "tools/call", call_params("raw__linger"))) == "raw:linger:"
            time.sleep(1.5)
            assert_still_serves(edge, tool="alpha5__echo")
    finally:
        raw.close()


def test_h2_streams_with_bad_input_beside_a_hung_call(bad):
    """One h2c connection: a call to a hung backend, then malformed, mistyped and good requests
    on other streams; the others are answered while the hung one waits for its 2 s timeout."""
    h, call = modern_request("tools/call", call_params("raw__hang"), id="hung")
    client = H2Client(bad.edge.plain_port, None)
    try:
        hung = client.request("POST", "/mcp", h, json.dumps(call).encode())
        others = {
            "parse": (client.request("POST", "/mcp", h, b'{"jsonrpc": "2.0", "id": '), 400, -32700),
            "types": (client.request("POST", "/mcp", modern_headers(), b'{"jsonrpc": "1.0", "id": 1, "method": "tools/list"}'), 400, -32600),
            "header": (client.request("POST", "/mcp", {**h, "Mcp-Name": "alpha2__echo"}, json.dumps(call).encode()), 400, -32020),
        }
        gh, good = modern_request("tools/call", call_params("alpha2__echo", "h2"), id="good")
        good_sid = client.request("POST", "/mcp", gh, json.dumps(good).encode())
        assert client.pump(lambda: all(client.done(s) for s, _, _ in others.values()) and client.done(good_sid), 1.5)
        assert not client.done(hung)
        for name, (sid, status, code) in others.items():
            st = client.streams[sid]
            assert (st.status, json.loads(st.data)["error"]["code"]) == (status, code), (name, st.headers, st.data)
        assert json.loads(client.streams[good_sid].data)["result"]["content"][0]["text"] == "alpha2:echo:h2"
        assert client.pump(lambda: client.done(hung), 4)
        err = json.loads(client.streams[hung].data)
        assert err["id"] == "hung" and err["error"]["code"] == -32011 and '"raw"' in err["error"]["message"], err
    finally:
        client.close()
    assert_still_serves(bad.edge, tool="alpha2__echo")


# ---- stdio backends ----

# A stdio server that answers initialize (after a line that is not JSON-RPC) and then nothing.
STUCK = """import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("method") == "initialize":
        print("not json-rpc", flush=True)
        print(json.dumps({"jsonrpc": "2.0", "id": m["id"], "result": {"protocolVersion": "2025-11-25",
              "capabilities": {"tools": {}}, "serverInfo": {"name": "stuck", "version": "0"}}}), flush=True)
"""


@pytest.fixture(scope="module")
def stdio_gw(fast, gateways):
    """/mcp: c (fast_backend --stdio), ghost (a command that does not exist) and alpha4.
    /stuck: mute (never answers initialize), stuck (answers only initialize) and alpha4.
    One worker, timeouts.upstream_first_byte 2s."""
    c = fast.fast_stdio("c", stats=False)
    alpha = fast.fast("alpha4", stats=False)
    servers = {"c": c, "ghost": {"command": ["/nonexistent/mcp-ghost", "--stdio"]}, "alpha4": alpha,
               "mute": {"command": ["sleep", "1000"]}, "stuck": {"command": [sys.executable, "-c", STUCK]}}
    edge = gateways.start(servers, [("/mcp", ["c", "ghost", "alpha4"]), ("/stuck", ["mute", "stuck", "alpha4"])],
                          extra="timeouts: {upstream_first_byte: 2s}\n")
    return SimpleNamespace(edge=edge, url=edge.url("/mcp", tls=False), stuck=edge.url("/stuck", tls=False))


def children_of(pid: int) -> dict[int, str]:
    """Child processes of `pid`: {pid: command line}."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                out[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
    return out


def stdio_child(edge: Edge, name: str) -> int:
    found = [p for p, cmd in children_of(edge.proc.pid).items() if f"--name {name}" in cmd and "--stdio" in cmd]
    assert len(found) == 1, children_of(edge.proc.pid)
    return found[0]


def test_stdio_server_stderr_is_logged_under_its_name(stdio_gw):
    assert text_of(request(stdio_gw.url, "modern", "tools/call", call_params("c__echo", "log"))) == "c:echo:log"
    pid = stdio_child(stdio_gw.edge, "c")
    stderr = stdio_gw.edge.stderr_path.read_text(errors="replace")
    assert f"server c: fast_backend: stdio, name c, pid {pid}" in stderr, stderr[-2000:]


def test_killed_stdio_server_is_restarted(stdio_gw):
    assert text_of(request(stdio_gw.url, "legacy", "tools/call", call_params("c__echo", "1"))) == "c:echo:1"
    old = stdio_child(stdio_gw.edge, "c")
    os.kill(old, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while old in children_of(stdio_gw.edge.proc.pid) and time.monotonic() < deadline:
        time.sleep(0.02)  # until mcp-edge has reaped it
    time.sleep(0.5)  # the first restart waits 100 ms
    assert text_of(request(stdio_gw.url, "legacy", "tools/call", call_params("c__echo", "2"))) == "c:echo:2"
    assert text_of(request(stdio_gw.url, "modern", "tools/call", call_params("c__echo", "3"))) == "c:echo:3"
    assert stdio_child(stdio_gw.edge, "c") != old
    assert_still_serves(stdio_gw.edge, tool="alpha4__echo")


@pytest.mark.parametrize("era", ERAS)
def test_missing_stdio_command_is_an_error_naming_the_server(stdio_gw, era):
    started = time.monotonic()
    r = request(stdio_gw.url, era, "tools/call", call_params("ghost__echo"))
    assert_error(r, 200, -32010, '"ghost"')
    assert time.monotonic() - started < 2
    result = jsonrpc_from_response(request(stdio_gw.url, era, "tools/list", {}))["result"]
    assert "alpha4__echo" in {t["name"] for t in result["tools"]}
    assert "ghost" in result["_meta"]["io.github.mcp-edge/unavailable"]
    assert_still_serves(stdio_gw.edge, tool="alpha4__echo")


# ---- mcp-edge check ----

ERROR_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<key>\S+): (?P<msg>.+)$")

CHECK_HEAD = """\
listeners:
  - address: 127.0.0.1:18080
servers:
  alpha: {url: "http://127.0.0.1:19000/mcp"}
  my__beta: {url: "http://127.0.0.1:19001/mcp"}
  my-gamma: {url: "http://127.0.0.1:19002/mcp"}
routes:
"""

REFUSED = {
    "server-name-contains-separator": ("  - path: /mcp\n    servers: [alpha, my__beta]\n",
                                       9, "routes[0].servers", 'server name "my__beta" contains the tool separator'),
    "server-name-contains-custom-separator": ("  - path: /mcp\n    tool_separator: \"-\"\n    servers: [alpha, my-gamma]\n",
                                              10, "routes[0].servers", 'server name "my-gamma" contains the tool separator "-"'),
    "separator-slash": ("  - path: /mcp\n    servers: [alpha]\n    tool_separator: \"/\"\n",
                        10, "routes[0].tool_separator", 'got "/"'),
    "gateway-key-on-passthrough": ("  - path: /mcp\n    passthrough: alpha\n    tools: {deny: [alpha__echo]}\n",
                                   10, "routes[0].tools", "applies to gateway routes"),
    "rename-on-passthrough": ("  - path: /mcp\n    passthrough: alpha\n    rename: {alpha__echo: shout}\n",
                              10, "routes[0].rename", "applies to gateway routes"),
    "short-session-secret": ("  - path: /mcp\n    servers: [alpha]\nsession_secret: \"too short\"\n",
                             10, "session_secret", "at least 32 characters"),
    "previous-secrets-without-secret": ("  - path: /mcp\n    servers: [alpha]\nprevious_session_secrets: [\"" + "x" * 40 + "\"]\n",
                                        10, "previous_session_secrets", "needs session_secret"),
}


@pytest.mark.parametrize("tail,line,key,message", REFUSED.values(), ids=REFUSED.keys())
def test_check_refuses_gateway_settings_that_cannot_work(edge_bin, tmp_path, tail, line, key, message):
    cfg = tmp_path / "edge.yaml"
    cfg.write_text(CHECK_HEAD + tail)
    r = subprocess.run([str(edge_bin), "check", "--config", str(cfg)], capture_output=True, text=True, timeout=30)
    out = r.stdout + r.stderr
    assert r.returncode == 2, f"exit {r.returncode}:\n{out}"
    errors = [m for m in map(ERROR_LINE.match, out.splitlines()) if m]
    assert [(m["file"].endswith("edge.yaml"), int(m["line"]), m["key"]) for m in errors] == [(True, line, key)], out
    assert message in errors[0]["msg"], out
    assert "too short" not in out and "x" * 40 not in out  # secrets are never printed


def test_stdio_server_that_stops_answering_is_an_error_within_upstream_first_byte(stdio_gw):
    started = time.monotonic()
    r = request(stdio_gw.stuck, "modern", "tools/call", call_params("stuck__echo"))
    took = time.monotonic() - started
    assert_error(r, 200, -32011, '"stuck"')
    assert 1.8 <= took < 3.5, f"answered after {took:.1f} s"
    assert "server stuck: dropped a stdout line that is not JSON-RPC" in stdio_gw.edge.stderr_path.read_text()
    # (Not on /stuck: a legacy initialize there waits timeouts.gateway_fanout for mute.)
    assert_still_serves(stdio_gw.edge, tool="alpha4__echo")


def test_stdio_server_that_never_initializes_is_an_error_within_upstream_first_byte(stdio_gw):
    h, body = modern_request("tools/call", call_params("mute__echo"))
    try:
        r = post(stdio_gw.stuck, h, body, timeout=5)
    except httpx.ReadTimeout:
        pytest.fail("no answer within 5 s (upstream_first_byte is 2 s)")
    assert_error(r, 200, -32011, '"mute"')
