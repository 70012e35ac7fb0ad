"""Rate limits, counted (never timed): token buckets per identity and per tenant answer 429 with
Retry-After, a per-tool limit answers a JSON-RPC error, and tenants never share buckets. Rates
are one per minute, so no bucket refills during a test."""

from __future__ import annotations

from helpers.gateway import (initialize_body, jsonrpc_from_response, legacy_headers, modern_request, post)
from helpers.idp import sha256_hex

KEYS = {"alice": "acme", "mallory": "acme", "bob": "globex"}
AUTH = "auth:\n  resource: https://mcp.example.test/mcp\n  api_keys:\n" + "".join(
    f"    - {{sha256: {sha256_hex('key-' + name)}, subject: {name}, tenant: {tenant}}}\n" for name, tenant in KEYS.items())


def bearer(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer key-{name}"}


def statuses(url: str, who: str, count: int) -> list[int]:
    return [post(url, {**legacy_headers(version=None), **bearer(who)}, initialize_body()).status_code for _ in range(count)]


def test_identity_and_tenant_buckets(backends, gateway_factory):
    limits = "rate_limits:\n  identity: {rate: 1/min, burst: 3}\n  tenant: {rate: 1/min, burst: 5}\n"
    gw = gateway_factory({"alpha": backends.fast("alpha")}, extra=AUTH + limits)
    url = gw.url("/mcp", tls=False)
    assert statuses(url, "alice", 5) == [200, 200, 200, 429, 429]
    # The same tenant has 5 - 3 = 2 left; another tenant has its own buckets.
    r = [post(url, {**legacy_headers(version=None), **bearer("mallory")}, initialize_body()) for _ in range(3)]
    assert [x.status_code for x in r] == [200, 200, 429]
    assert 'tenant "acme"' in r[2].json()["error"]["message"], r[2].text
    assert statuses(url, "bob", 4) == [200, 200, 200, 429]
    # The tenant's bucket refused mallory's third request (her own bucket had one token left).
    r = post(url, {**legacy_headers(version=None), **bearer("alice")}, initialize_body())
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    error = r.json()["error"]
    assert error["code"] == -32004 and 'subject "alice"' in error["message"], error


def test_a_tool_limit_is_a_json_rpc_error(backends, gateway_factory):
    limits = "rate_limits:\n  tools:\n    - {tools: [\"alpha__add\"], rate: 1/min, burst: 2}\n"
    gw = gateway_factory({"alpha": backends.fast("alpha")}, extra=AUTH + limits)
    url = gw.url("/mcp", tls=False)

    def call(tool: str, who: str) -> dict:
        headers, body = modern_request("tools/call", {"name": tool, "arguments": {"a": 1, "b": 2, "text": "x"}})
        r = post(url, {**headers, **bearer(who)}, body)
        assert r.status_code == 200, r.text
        return jsonrpc_from_response(r)

    outcomes = [("error" in call("alpha__add", who)) for who in ("alice", "bob", "alice", "bob")]
    assert outcomes == [False, False, True, True], "two calls of the tool, whoever makes them"
    limited = call("alpha__add", "alice")["error"]
    assert limited["code"] == -32004 and "alpha__add" in limited["message"], limited
    assert "result" in call("alpha__echo", "alice"), "other tools are not limited"


def test_without_auth_the_client_address_is_the_key(backends, gateway_factory):
    gw = gateway_factory({"alpha": backends.fast("alpha")}, extra="rate_limits:\n  identity: {rate: 1/min, burst: 2}\n")
    url = gw.url("/mcp", tls=False)
    codes = [post(url, legacy_headers(version=None), initialize_body()).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
