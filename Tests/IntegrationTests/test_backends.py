"""The gateway tests' backends on their own, no mcp-edge: servers/fast_backend.c (options for the
gateway), servers/sdk_gateway_server.py and mcp-server-time, talked to directly with the SDK
client (both eras) and with raw httpx. If one of these fails, the gateway tests built on it mean
nothing. Also: the gateway configuration the helpers write.
"""

from __future__ import annotations

import json
import time

import anyio
import httpx
import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError

from helpers.gateway import (LEGACY, MODERN, Backends, StatsDelta, call_text, connect, initialize_body,
                             jsonrpc_from_response, legacy_headers, list_all_tools, mcp_error_in, modern_request,
                             render_gateway_config, run)

HANDSHAKE = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]


@pytest.fixture(scope="module")
def mod_backends(tmp_path_factory, fast_backend_exe):
    """Backends shared by the tests of this module that do not stop or restart them."""
    b = Backends(tmp_path_factory.mktemp("backends"), fast_backend_exe)
    yield b
    b.close()


@pytest.fixture(scope="module")
def alpha(mod_backends):
    return mod_backends.fast("alpha")


@pytest.fixture(scope="module")
def sdk_beta(mod_backends):
    return mod_backends.sdk("beta")


def post(url: str, headers: dict, body) -> httpx.Response:
    return httpx.post(url, headers=headers, content=body if isinstance(body, (bytes, str)) else json.dumps(body),
                      timeout=30)


# ---- fast_backend.c ----

def test_fast_default_behaviour_unchanged(backend_c):
    """Without the new options: the bench backend as before (tests elsewhere rely on it)."""
    h = legacy_headers(version=None)
    r = post(backend_c.url, h, initialize_body(version="2025-03-26"))
    assert r.headers["mcp-session-id"] == "bench-session-1"
    assert r.json()["result"] == {"protocolVersion": "2025-03-26", "capabilities": {"tools": {}},
                                  "serverInfo": {"name": "bench-backend", "version": "1.0.0"}}
    r = post(backend_c.url, h, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
    assert [t["name"] for t in r.json()["result"]["tools"]] == ["echo", "add", "lorem"]
    r = post(backend_c.url, h, {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "whatever"}})
    assert len(r.json()["result"]["content"][0]["text"]) == 512
    r = post(backend_c.url, h, {"jsonrpc": "2.0", "id": 4, "method": "prompts/list"})
    assert (r.status_code, r.json()["error"]["code"]) == (200, -32601)
    r = httpx.delete(backend_c.url, headers={"Mcp-Session-Id": "bench-session-1"})
    assert (r.status_code, r.headers["allow"]) == (405, "POST")


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_fast_named_echo(alpha, mode):
    async def body():
        async with connect(alpha.url, mode=mode) as c:
            assert c.protocol_version == (LEGACY if mode == "legacy" else MODERN)
            assert c.server_info.name == "alpha"
            assert await list_all_tools(c) == ["echo", "add", "lorem"]
            assert await call_text(c, "echo", {"text": "hi \"there\""}) == 'alpha:echo:hi "there"'
            filler = await call_text(c, "add", {"a": 1, "b": 2})  # no text argument: the filler
            assert filler.startswith("alpha:add:lorem ipsum") and len(filler) == len("alpha:add:") + 512
            with pytest.raises(MCPError) as e:
                await c.call_tool("alpha__echo", {"text": "x"})
            assert e.value.code == -32602 and "Unknown tool: alpha__echo" in e.value.message
    run(body)


def test_fast_auto_client_speaks_modern_only(mod_backends):
    b = mod_backends.fast("modern-probe")

    async def body():
        async with connect(b.url, mode="auto") as c:
            await c.list_tools()
            await call_text(c, "echo", {"text": "x"})

    run(body)
    s = b.stats()
    assert s["modern"] == {"server/discover": 1, "tools/list": 1, "tools/call": 1}, s
    assert s["legacy"] == {}, s


def test_fast_legacy_only_refuses_modern_and_sdk_falls_back(mod_backends):
    b = mod_backends.fast("old", legacy_only=True)
    h, req = modern_request("server/discover", id="d")
    r = post(b.url, h, req)
    assert r.status_code == 400
    assert r.json() == {"jsonrpc": "2.0", "id": "d", "error": {
        "code": -32022, "message": "Unsupported protocol version",
        "data": {"supported": HANDSHAKE, "requested": MODERN}}}

    async def body():
        async with connect(b.url, mode="auto") as c:
            assert c.protocol_version == LEGACY
            assert await call_text(c, "echo", {"text": "x"}) == "old:echo:x"

    run(body)
    r = post(b.url, legacy_headers(version=None), {"jsonrpc": "2.0", "id": 1, "method": "server/discover"})
    assert r.json()["error"]["code"] == -32601


def test_fast_modern_only_refuses_initialize(mod_backends):
    b = mod_backends.fast("new", modern_only=True)
    r = post(b.url, legacy_headers(version=None), initialize_body(id=5, version="2025-06-18"))
    assert r.status_code == 400
    assert r.json()["error"] == {"code": -32022, "message": "Unsupported protocol version",
                                 "data": {"supported": [MODERN], "requested": "2025-06-18"}}
    assert "mcp-session-id" not in r.headers
    r = post(b.url, legacy_headers(version=None), {"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert r.status_code == 400 and r.json()["error"]["data"]["requested"] == "2025-03-26"

    async def body():
        async with connect(b.url, mode="auto") as c:
            assert c.protocol_version == MODERN
            assert await call_text(c, "echo", {"text": "x"}) == "new:echo:x"
        with pytest.raises(BaseException) as e:
            async with connect(b.url, mode="legacy"):
                pass
        assert mcp_error_in(e.value).code == -32022

    run(body)


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_fast_tools_paginate(mod_backends, mode):
    b = mod_backends.fast(f"many-{mode}", tools=120, page_size=50)

    async def body():
        async with connect(b.url, mode=mode) as c:
            first = await c.list_tools()
            assert len(first.tools) == 50 and first.next_cursor
            names = await list_all_tools(c)
            assert names == ["echo"] + [f"tool{i}" for i in range(1, 120)]
            assert await call_text(c, "tool119", {"text": "t"}) == f"many-{mode}:tool119:t"
            with pytest.raises(MCPError) as e:
                await c.list_tools(cursor="not-mine")
            assert e.value.code == -32602

    run(body)
    assert b.count("tools/list") == 1 + 3 + 1


def test_fast_modern_discover_and_call(alpha):
    h, req = modern_request("server/discover", id="1")
    r = post(alpha.url, h, req)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    res = r.json()["result"]
    assert res["resultType"] == "complete" and res["supportedVersions"] == [MODERN]
    assert res["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "alpha"
    assert {"ttlMs", "cacheScope", "capabilities"} <= res.keys()
    assert "mcp-session-id" not in r.headers

    h, req = modern_request("tools/call", {"name": "echo", "arguments": {"text": "m"}}, id=2)
    r = post(alpha.url, h, req)
    assert r.json()["result"]["content"][0]["text"] == "alpha:echo:m"
    assert r.json()["result"]["resultType"] == "complete"
    h["Mcp-Name"] = "=?base64?ZWNobw==?="  # "echo", as a client sends a header-unsafe value
    assert post(alpha.url, h, req).status_code == 200


@pytest.mark.parametrize("case", ["method-mismatch", "method-missing", "name-mismatch", "name-missing",
                                  "version-header-mismatch", "duplicate-method"])
def test_fast_modern_header_checks(alpha, case):
    h, req = modern_request("tools/call", {"name": "echo", "arguments": {"text": "m"}}, id=3)
    raw = None
    if case == "method-mismatch":
        h["Mcp-Method"] = "tools/list"
    elif case == "method-missing":
        del h["Mcp-Method"]
    elif case == "name-mismatch":
        h["Mcp-Name"] = "add"
    elif case == "name-missing":
        del h["Mcp-Name"]
    elif case == "version-header-mismatch":
        req["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = "2026-01-01"
    else:
        raw = list(h.items()) + [("Mcp-Method", "tools/call")]
    r = httpx.post(alpha.url, headers=raw or h, content=json.dumps(req), timeout=30)
    assert r.status_code == 400
    assert r.json()["id"] == 3 and r.json()["error"]["code"] == -32020, r.text


def test_fast_modern_envelope_and_version_checks(alpha):
    h, req = modern_request("tools/list", id=4, meta={})
    r = post(alpha.url, h, req)
    assert (r.status_code, r.json()["error"]["code"]) == (400, -32602)
    h, req = modern_request("tools/list", id=5, meta={"io.modelcontextprotocol/protocolVersion": MODERN})
    assert post(alpha.url, h, req).json()["error"]["code"] == -32602
    h, req = modern_request("tools/list", id=6, version="2099-01-01")
    r = post(alpha.url, h, req)
    assert r.status_code == 400
    assert r.json()["error"]["data"] == {"supported": [MODERN], "requested": "2099-01-01"}
    h, req = modern_request("ping", id=7)
    r = post(alpha.url, h, req)
    assert (r.status_code, r.json()["error"]["code"]) == (404, -32601)
    h, req = modern_request("tools/list", id=8)
    r = post(alpha.url, dict(h, Accept="text/event-stream"), req)
    assert r.status_code == 406
    h, req = modern_request("notifications/whatever")
    del req["id"]
    assert post(alpha.url, h, req).status_code == 202
    for method in ("GET", "DELETE"):
        r = httpx.request(method, alpha.url, headers={"MCP-Protocol-Version": MODERN})
        assert r.status_code == 405


def test_fast_ids_come_back_byte_for_byte(alpha):
    for era in ("legacy", "modern"):
        for raw_id in ('"7"', "7", "-0.5e3", '"x\\"y"'):
            if era == "modern":
                h, req = modern_request("tools/list", id=0)
            else:
                h, req = legacy_headers(), {"jsonrpc": "2.0", "id": 0, "method": "tools/list"}
            body = json.dumps(req).replace('"id": 0', f'"id": {raw_id}', 1)
            r = post(alpha.url, h, body)
            assert r.text.startswith('{"jsonrpc":"2.0","id":' + raw_id + ","), (era, raw_id, r.text[:80])


def test_fast_require_session(backends):
    b = backends.fast("strict", require_session=True)
    ping = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    r = post(b.url, legacy_headers(), ping)
    assert r.status_code == 400 and r.json()["error"]["code"] == -32600
    assert post(b.url, legacy_headers("forged"), ping).status_code == 404
    sid = post(b.url, legacy_headers(version=None), initialize_body()).headers["mcp-session-id"]
    assert sid.startswith("fb-") and len(sid) == 35
    sid2 = post(b.url, legacy_headers(version=None), initialize_body()).headers["mcp-session-id"]
    assert sid2 != sid
    assert post(b.url, legacy_headers(sid), ping).status_code == 200
    assert httpx.delete(b.url, headers=legacy_headers(sid)).status_code == 200
    assert post(b.url, legacy_headers(sid), ping).status_code == 404
    assert httpx.delete(b.url, headers=legacy_headers(sid)).status_code == 404
    assert post(b.url, legacy_headers(sid2), ping).status_code == 200
    b.restart()
    assert post(b.url, legacy_headers(sid2), ping).status_code == 404, "a restarted backend forgets sessions"
    h, req = modern_request("tools/list")
    assert post(b.url, h, req).status_code == 200, "the modern era has no sessions"


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_fast_prompts_and_resources(alpha, mode):
    async def body():
        async with connect(alpha.url, mode=mode) as c:
            assert [p.name for p in (await c.list_prompts()).prompts] == ["greet", "summary"]
            got = await c.get_prompt("greet", {"who": "bob"})
            assert got.messages[0].content.text == "alpha:greet:bob"
            assert [str(r.uri) for r in (await c.list_resources()).resources] == \
                ["fast://alpha/readme", "fast://alpha/data.json"]
            templates = (await c.list_resource_templates()).resource_templates
            assert [t.uri_template for t in templates] == ["fast://alpha/items/{id}"]
            assert (await c.read_resource("fast://alpha/readme")).contents[0].text == "alpha:readme"
            assert json.loads((await c.read_resource("fast://alpha/data.json")).contents[0].text) == \
                {"backend": "alpha"}
            assert (await c.read_resource("fast://alpha/items/42")).contents[0].text == "alpha:item:42"
            with pytest.raises(MCPError) as e:
                await c.read_resource("fast://beta/readme")
            assert e.value.code == (-32002 if mode == "legacy" else -32602)
            with pytest.raises(MCPError):
                await c.get_prompt("nope")

    run(body)


def test_fast_stats_count_each_request(backends):
    b = backends.fast("counted")

    async def body():
        async with connect(b.url, mode="legacy") as c:
            await c.list_tools()
            for i in range(5):
                await call_text(c, "echo", {"text": str(i)})

    with StatsDelta([b]) as d:
        run(body)
    assert d.count("counted", "tools/call", "legacy") == 5
    assert d.count("counted", "initialize") == 1 and d.count("counted", "tools/list") == 1
    assert d.count("counted", "tools/call", "modern") == 0
    b.stop()
    final = json.loads(b.stats_file.read_text())
    assert final["legacy"]["tools/call"] == 5 and final["pid"] == b.proc.pid, "SIGTERM writes the stats"


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_fast_stdio(backends, mode):
    b = backends.fast_stdio(f"pipe-{mode}")

    async def body():
        async with connect(b, mode=mode) as c:
            assert c.protocol_version == (LEGACY if mode == "legacy" else MODERN)
            assert c.server_info.name == f"pipe-{mode}"
            assert await list_all_tools(c) == ["echo", "add", "lorem"]
            assert await call_text(c, "echo", {"text": "p"}) == f"pipe-{mode}:echo:p"

    run(body)
    deadline = time.monotonic() + 10
    while not b.stats_file.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    s = b.stats()
    assert s["modern" if mode == "auto" else "legacy"]["tools/call"] == 1, s


# ---- sdk_gateway_server.py ----

@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_sdk_server_serves_both_eras(sdk_beta, mode):
    async def body():
        async with connect(sdk_beta.url, mode=mode) as c:
            version = LEGACY if mode == "legacy" else MODERN
            assert c.protocol_version == version and c.server_info.name == "beta"
            assert await call_text(c, "era") == f"beta:era:{version}"
            assert await call_text(c, "echo", {"text": "hi"}) == "beta:echo:hi"
            assert {"echo", "add", "slow", "ask", "log", "era"} <= set(await list_all_tools(c))
            assert (await c.get_prompt("greet", {"who": "x"})).messages[0].content.text == "beta:greet:x"
            assert [str(r.uri) for r in (await c.list_resources()).resources] == ["sdk://beta/readme"]
            assert (await c.read_resource("sdk://beta/items/3")).contents[0].text == "beta:item:3"

    run(body)


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_sdk_server_progress_and_log(sdk_beta, mode):
    progress: list[float] = []
    logs: list[str] = []

    async def on_progress(p, total, message):
        progress.append(p)

    async def on_log(params):
        logs.append(params.data)

    async def body():
        async with connect(sdk_beta.url, mode=mode, logging_callback=on_log, log_level="info") as c:
            assert await call_text(c, "slow", {"seconds": 0.5}, progress_callback=on_progress) == "beta:slow:0.5"
            assert await call_text(c, "log", {"msg": "hello"}) == "beta:log:hello"

    run(body)
    assert progress == [1, 2, 3, 4, 5]
    assert logs == ["hello"]


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_sdk_server_elicitation(sdk_beta, mode):
    asked: list[str] = []

    async def on_elicit(ctx, params):
        asked.append(params.message)
        return types.ElicitResult(action="accept", content={"answer": "yes"})

    async def body():
        async with connect(sdk_beta.url, mode=mode, elicitation_callback=on_elicit) as c:
            assert await call_text(c, "ask", {"question": "ok?"}) == "beta:ask:yes"

    run(body)
    assert asked == ["ok?"]


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_sdk_server_records_cancellation(backends, mode):
    b = backends.sdk(f"cancel-{mode}")

    async def body():
        async with connect(b.url, mode=mode) as c:
            with anyio.move_on_after(0.6):
                await c.call_tool("slow", {"seconds": 10})
            assert await call_text(c, "echo", {"text": "still"}) == f"cancel-{mode}:echo:still"

    run(body)
    e = b.wait_event("slow-cancelled")
    assert e["protocol_version"] == (LEGACY if mode == "legacy" else MODERN)
    assert not any(x["event"] == "slow-done" for x in b.events())


def test_sdk_server_paginates(backends):
    b = backends.sdk("pages", tools=120, page_size=50)

    async def body():
        async with connect(b.url, mode="auto") as c:
            first = await c.list_tools()
            assert len(first.tools) == 50 and first.next_cursor == "sdk-page-50"
            names = await list_all_tools(c)
            assert len(names) == len(set(names)) == 127 and names[-1] == "tool120"
            assert await call_text(c, "tool7", {"text": "q"}) == "pages:tool7:q"
            with pytest.raises(MCPError) as e:
                await c.list_tools(cursor="sdk-page-9999")
            assert e.value.code == -32602

    run(body)


def test_sdk_server_legacy_era_like_an_old_server(backends):
    b = backends.sdk("old", era="legacy")
    h, req = modern_request("server/discover")
    r = post(b.url, h, req)
    assert r.status_code == 400
    assert r.json()["error"] == {"code": -32600, "message": "Bad Request: Missing session ID"}

    async def body():
        async with connect(b.url, mode="auto") as c:
            assert c.protocol_version == LEGACY
            assert await call_text(c, "era") == f"old:era:{LEGACY}"

    run(body)


def test_sdk_server_legacy_raw_session(sdk_beta):
    r = post(sdk_beta.url, legacy_headers(version=None), initialize_body(id="i"))
    sid = r.headers["mcp-session-id"]
    assert jsonrpc_from_response(r)["id"] == "i"
    r = post(sdk_beta.url, legacy_headers(sid), {"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert r.status_code == 202
    r = post(sdk_beta.url, legacy_headers(sid), {"jsonrpc": "2.0", "id": "7", "method": "tools/list"})
    assert jsonrpc_from_response(r)["id"] == "7"
    assert post(sdk_beta.url, legacy_headers("forged"), {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
                ).status_code == 404
    assert httpx.delete(sdk_beta.url, headers=legacy_headers(sid)).status_code == 200
    assert post(sdk_beta.url, legacy_headers(sid), {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
                ).status_code == 404


@pytest.mark.parametrize("era,mode,expected", [("dual", "legacy", LEGACY), ("dual", "auto", MODERN),
                                               ("legacy", "auto", LEGACY)])
def test_sdk_server_stdio(backends, era, mode, expected):
    b = backends.sdk_stdio("pipe", era=era)

    async def body():
        async with connect(b, mode=mode) as c:
            assert c.protocol_version == expected
            assert await call_text(c, "era") == f"pipe:era:{expected}"

    run(body)


# ---- mcp-server-time ----

@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_mcp_server_time(backends, mode):
    b = backends.time()

    async def body():
        async with connect(b, mode=mode) as c:
            assert c.protocol_version == (LEGACY if mode == "legacy" else MODERN)
            assert c.server_info.name == "mcp-time"
            assert await list_all_tools(c) == ["get_current_time", "convert_time"]
            result = await c.call_tool("get_current_time", {"timezone": "UTC"})
            assert result.structured_content["timezone"] == "UTC"
            with pytest.raises(MCPError) as e:
                await c.call_tool("nope", {})
            assert e.value.code == -32602

    run(body)


# ---- the gateway configuration the helpers write ----

def test_render_gateway_config_shape():
    text = render_gateway_config(
        listeners=[{"name": "plain", "address": "127.0.0.1:8080"}],
        servers={"alpha": {"url": "http://127.0.0.1:9001/mcp"}, "beta": {"url": "http://127.0.0.1:9002/mcp"},
                 "time": {"command": ["/v/bin/mcp-server-time", "--local-timezone", "UTC"]}},
        routes=[("/mcp", ["alpha", "beta", "time"])])
    assert text == (
        'workers: 1\n'
        'listeners:\n'
        '  - {name: plain, address: "127.0.0.1:8080"}\n'
        'servers:\n'
        '  alpha: {url: "http://127.0.0.1:9001/mcp"}\n'
        '  beta: {url: "http://127.0.0.1:9002/mcp"}\n'
        '  time: {command: ["/v/bin/mcp-server-time", "--local-timezone", "UTC"]}\n'
        'routes:\n'
        '  - path: "/mcp"\n'
        '    servers: [alpha, beta, time]\n')
