"""Access rules inside gateway routes: lists show only what an identity may use, calls it may
not make are JSON-RPC errors (-32003) in both eras, two tenants with identical tool names stay
apart, and a legacy session presented by another identity does not exist (404)."""

from __future__ import annotations

import pytest

from helpers.gateway import (call_text, connect, initialize_body, jsonrpc_from_response, legacy_headers,
                             list_all_tools, mcp_error_in, modern_request, post, run)
from helpers.idp import sha256_hex

KEYS = {"alice": ("acme", "dev"), "mallory": ("acme", "dev"), "bob": ("globex", "ops")}

AUTH = "auth:\n  resource: https://mcp.example.test/mcp\n  api_keys:\n" + "".join(
    f"    - {{sha256: {sha256_hex('key-' + name)}, subject: {name}, tenant: {tenant}, groups: [{group}]}}\n"
    for name, (tenant, group) in KEYS.items())

# Route rules, first match decides: mallory may not use any `add`; tenant acme reaches alpha,
# tenant globex only beta's echo. Both backends have the same three tools (echo, add, lorem).
RULES = ("[{deny: {subjects: [mallory], tools: [add]}}, {allow: {tenants: [acme], servers: [alpha]}},"
         " {allow: {tenants: [globex], servers: [beta], tools: [echo]}}]")


@pytest.fixture
def gateway(backends, gateway_factory):
    alpha, beta = backends.fast("alpha"), backends.fast("beta")
    return gateway_factory({"alpha": alpha, "beta": beta}, [("/mcp", ["alpha", "beta"], {"rules": RULES})], extra=AUTH)


def bearer(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer key-{name}"}


def sdk_view(url: str, who: str, mode: str, calls: list[str]):
    async def body():
        async with connect(url, mode=mode, headers=bearer(who)) as c:
            names = await list_all_tools(c)
            outcomes = {}
            for tool in calls:
                try:
                    outcomes[tool] = await call_text(c, tool, {"text": "hi"})
                except BaseException as exc:  # noqa: BLE001 - the SDK may wrap errors in groups
                    error = mcp_error_in(exc)
                    if error is None:
                        raise
                    outcomes[tool] = error.code
            return sorted(names), outcomes
    return run(body)


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_lists_and_calls_follow_the_rules(gateway, mode):
    url = gateway.url("/mcp", tls=False)
    every = ["alpha__echo", "alpha__add", "beta__echo", "beta__add"]
    table = {
        "alice": (["alpha__add", "alpha__echo", "alpha__lorem"], {"alpha__echo": "ok", "alpha__add": "ok",
                                                                  "beta__echo": -32003, "beta__add": -32003}),
        "mallory": (["alpha__echo", "alpha__lorem"], {"alpha__echo": "ok", "alpha__add": -32003,
                                                     "beta__echo": -32003, "beta__add": -32003}),
        "bob": (["beta__echo"], {"alpha__echo": -32003, "alpha__add": -32003, "beta__echo": "ok", "beta__add": -32003}),
    }
    for who, (listed, expected) in table.items():
        names, outcomes = sdk_view(url, who, mode, every)
        assert names == listed, (who, names)
        got = {tool: ("ok" if isinstance(out, str) else out) for tool, out in outcomes.items()}
        assert got == expected, (who, got)


def test_a_refusal_names_the_tool_and_the_subject(gateway):
    url = gateway.url("/mcp", tls=False)
    headers, body = modern_request("tools/call", {"name": "alpha__echo", "arguments": {"text": "x"}})
    headers.update(bearer("bob"))
    r = post(url, headers, body)
    message = jsonrpc_from_response(r)
    assert message["error"]["code"] == -32003, message
    assert "alpha__echo" in message["error"]["message"] and "bob" in message["error"]["message"]


def test_a_session_presented_by_another_identity_does_not_exist(gateway):
    url = gateway.url("/mcp", tls=False)
    r = post(url, {**legacy_headers(version=None), **bearer("alice")}, initialize_body())
    assert r.status_code == 200, r.text
    sid = r.headers["mcp-session-id"]
    ping = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
    assert post(url, {**legacy_headers(sid), **bearer("alice")}, ping).status_code == 200
    stolen = post(url, {**legacy_headers(sid), **bearer("mallory")}, ping)
    assert stolen.status_code == 404, stolen.text
    assert stolen.json()["error"]["code"] == -32001
    # Without credentials the route answers 401 before it looks at the session.
    assert post(url, legacy_headers(sid), ping).status_code == 401
    # The owner still has it.
    assert post(url, {**legacy_headers(sid), **bearer("alice")}, ping).status_code == 200


def test_an_identity_that_reaches_no_server_is_refused_at_the_door(backends, gateway_factory):
    """Another tenant's identity meets a path without a route (404: the route stays hidden);
    an identity without a tenant that no rule lets in gets 403."""
    alpha = backends.fast("alpha")
    rules = "[{allow: {tenants: [acme], subjects: [alice]}}]"
    gw = gateway_factory({"alpha": alpha}, [("/mcp", ["alpha"], {"rules": rules})], extra=AUTH)
    url = gw.url("/mcp", tls=False)
    other_tenant = post(url, {**legacy_headers(version=None), **bearer("bob")}, initialize_body())
    assert other_tenant.status_code == 404 and other_tenant.text == "no route for this path\n"
    same_tenant = post(url, {**legacy_headers(version=None), **bearer("mallory")}, initialize_body())
    assert same_tenant.status_code == 404, "mallory has a tenant too: the route is not hers"
    assert post(url, {**legacy_headers(version=None), **bearer("alice")}, initialize_body()).status_code == 200


def test_argument_constraints_decide_tool_calls(backends, gateway_factory):
    rules = "[{allow: {servers: [alpha], tools: [echo], arguments: {text: [\"hello*\"]}}}]"
    gw = gateway_factory({"alpha": backends.fast("alpha")}, [("/mcp", ["alpha"], {"rules": rules})], extra=AUTH)
    url = gw.url("/mcp", tls=False)

    def call(text: str) -> dict:
        headers, body = modern_request("tools/call", {"name": "alpha__echo", "arguments": {"text": text}})
        return jsonrpc_from_response(post(url, {**headers, **bearer("alice")}, body))

    assert "result" in call("hello world")
    refused = call("goodbye")
    assert refused["error"]["code"] == -32003, refused
    names, _ = sdk_view(url, "alice", "legacy", [])
    assert names == ["alpha__echo"], "listed: some arguments would be allowed"
