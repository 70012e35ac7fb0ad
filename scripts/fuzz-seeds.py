#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the fuzz targets to Tests/FuzzCorpus/<target>/seeds.

Every input starts with one control byte (see Sources/EdgeFuzzing/FuzzInput.swift: it picks
where reads split and a few modes); the rest is what the parser reads. Rerun after changing a
seed here; libFuzzer's own finds are not kept (only crashes, under crashes/)."""

import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "Tests" / "FuzzCorpus"


def write(target: str, seeds: dict[str, bytes]) -> None:
    d = ROOT / target / "seeds"
    d.mkdir(parents=True, exist_ok=True)
    for old in d.iterdir():
        old.unlink()
    for name, data in seeds.items():
        (d / name).write_bytes(data)


def ctl(data: bytes, control: int = 0) -> bytes:
    return bytes([control]) + data


POST = (b"POST /mcp HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/json\r\n"
        b"Content-Length: 46\r\nMcp-Session-Id: abc\r\n\r\n"
        b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}')
CHUNKED_BODY = b"5\r\nhello\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer: x\r\n\r\n"

write("http1-request", {
    "get": ctl(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
    "post-pipelined": ctl(POST + b"GET /mcp?x=1 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n", 3),
    "chunked": ctl(b"POST /mcp HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
                   + CHUNKED_BODY + b"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", 7),
    "http10": ctl(b"\r\nGET /a HTTP/1.0\r\nConnection: keep-alive\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n", 9),
    "smuggle-cl-te": ctl(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    "delete-upgrade": ctl(b"DELETE /mcp HTTP/1.1\r\nHost: h:8080\r\nConnection: upgrade, x-a\r\nX-A: 1\r\nUpgrade: h2c\r\n\r\n", 12),
})

write("http1-response", {
    "ok": ctl(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"),
    "continue-then-chunked": ctl(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 + CHUNKED_BODY + b"HTTP/1.1 204 No Content\r\n\r\n", 5),
    "sse-until-close": ctl(b"HTTP/1.0 200\r\nContent-Type: text/event-stream\r\n\r\ndata: 1\n\n", 2),
    "head": ctl(b"HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\nConnection: keep-alive, close\r\n\r\n", 6),
})

write("chunked", {
    "simple": ctl(CHUNKED_BODY),
    "split": ctl(b"A\r\n0123456789\r\n10 ; a=b\r\n0123456789abcdef\r\n0\r\n\r\nGET", 0x41),
    "uppercase-hex": ctl(b"00000000000Ff\r\n" + b"x" * 255 + b"\r\n0;last\r\n\r\n", 3),
})

write("jsonrpc", {
    "request": ctl(b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}'),
    "string-id-late": ctl(b' {"jsonrpc":"2.0","method":"x","params":{"id":[1,{"a":"}"}]},"id":"a\\"b"}', 3),
    "number-id": ctl(b'{\n\t"id" : -12.5e+3 ,"jsonrpc":"2.0"}', 1),
    "null-id": ctl(b'{"id":null}'),
    "batch": ctl(b'[{"jsonrpc":"2.0","id":1}]', 2),
    # MCP messages for MessageScanner (the control byte is the slice offset, mod 8).
    "initialize": ctl(b'{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18",'
                      b'"capabilities":{"roots":{"listChanged":true},"sampling":{},"elicitation":{}},'
                      b'"clientInfo":{"name":"claude-code","version":"2.1.14"}}}'),
    "tools-call-meta": ctl(b'{"jsonrpc":"2.0","id":"req-42","method":"tools/call","params":{"name":"github__search_issues",'
                           b'"arguments":{"query":"is:open label:\\"bug\\"","page":{"size":50,"cursor":null},"name":"shadow"},'
                           b'"_meta":{"progressToken":"p-7f3a","io.modelcontextprotocol/protocolVersion":"2026-07-28",'
                           b'"io.modelcontextprotocol/clientCapabilities":{"sampling":{},"elicitation":{"url":{}}},'
                           b'"io.modelcontextprotocol/clientInfo":{"name":"py","version":"2.0"},'
                           b'"io.modelcontextprotocol/logLevel":"info"}}}', 5),
    "tools-list-result": ctl(b'{"jsonrpc":"2.0","id":7,"result":{"tools":[{"name":"search","title":"Search",'
                             b'"description":"Searches the index.\\nReturns matches.","inputSchema":{"type":"object",'
                             b'"properties":{"q":{"type":"string","x-mcp-header":"Query"},"limit":{"type":"integer",'
                             b'"minimum":1,"maximum":100}},"required":["q"]},"annotations":{"readOnlyHint":true}},'
                             b'{"name":"fetch","description":"Fetches a URL \\u00e9\\ud83d\\ude00","inputSchema":{"type":"object"}}],'
                             b'"nextCursor":"eyJvIjoxMDB9"}}', 2),
    "progress": ctl(b'{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"p-7f3a","progress":50,'
                    b'"total":100,"message":"half way"}}', 1),
    "cancelled": ctl(b'{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"req-42",'
                     b'"reason":"user pressed stop"}}', 3),
    "error-null-id": ctl(b'{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error","data":{"offset":12}}}'),
    "resources-read": ctl(b' {"jsonrpc":"2.0", "id":-1.5e3, "method":"resources/read", '
                          b'"params":{"uri":"file:///tmp/a%20b.txt","_meta":{}}}\n', 4),
    "input-responses": ctl(b'{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"deploy","arguments":{},'
                           b'"inputResponses":{"confirm":{"action":"accept","content":{"ok":true}}},"requestState":"c3RhdGU="}}', 6),
    "escaped-keys-duplicate": ctl(b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","n\\u0061me":"b"}}'),
    "list-cursor": ctl(b'{"method":"tools/list","params":{"cursor":"Y3Vyc29y"},"id":"z","jsonrpc":"2.0"}', 7),
})

write("sse", {
    "mcp-response-stream": ctl(b': connected\n\nid: s1-0\ndata:\n\nevent: message\nid: s1-1\n'
                               b'data: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"p","progress":1}}\n\n'
                               b'id: s1-2\ndata: {"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"ok"}]}}\n\n', 0x11),
    "legacy-endpoint": ctl(b'event: endpoint\r\ndata: /messages?sessionId=5f0c3c1e\r\n\r\n: ping\r\n\r\n'
                           b'event: message\r\ndata: {"jsonrpc":"2.0","id":0,"result":{}}\r\n\r\n', 0x20),
    "bom-cr-retry": ctl(b'\xef\xbb\xbfretry: 3000\rdata: line one\rdata: line two\r\rid\rdata\r\r', 5),
    "multi-line-and-fields": ctl(b'data:first\ndata: second\ndata\ndata:  spaced\nunknown: x\nid: a\x00b\nretry: 12a\n\n'
                                 b'data: unfinished', 0x40),
    "long-data": ctl(b'data: ' + b'x' * 200 + b'\n\ndata: short\n\n'),
})

CONFIG = b"""workers: 2
listeners:
  - name: public
    address: 127.0.0.1:8443
    tls: {certificate: cert.pem, key: key.pem, certificates: [{certificate: other.pem, key: other-key.pem}], alpn: [h2, http/1.1]}
  - address: "[::1]:8080"
servers:
  demo:
    url: http://127.0.0.1:9000/mcp
  other: {url: "http://10.0.0.2:80/"}
routes:
  - path: /mcp
    passthrough: demo
  - path: /all
    servers: [demo, other]
limits: {max_head_bytes: 64KiB, max_header_count: 100}
timeouts: {tls_handshake: 10s, request_head: 500ms}
"""
ANCHORS = b"""base: &b {url: http://127.0.0.1:9000/mcp}
workers: auto
listeners: [{address: 127.0.0.1:8080}]
servers: {a: *b, c: *b}
routes: [{path: /mcp, passthrough: a}]
"""
write("yaml-config", {
    "full": ctl(CONFIG),
    "anchors": ctl(ANCHORS),
    "errors": ctl(b"workers: many\nlisteners: [{address: nope}]\nservers: {a: {url: ftp://x}}\nroutes: [{path: mcp, passthrough: b}]\nbogus: 1\n"),
    "nested": ctl(b"a: " + b"[" * 40 + b"]" * 40 + b"\nb:\n" + b"".join(b"  " * i + b"- x:\n" for i in range(20))),
})


def frame(kind: int, flags: int, stream: int, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def literal(name: bytes, value: bytes) -> bytes:
    # Literal header field without indexing, new name (RFC 7541 §6.2.2), no Huffman.
    assert len(name) < 127 and len(value) < 127
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def headers(method: bytes, path: bytes = b"/mcp", extra: list[tuple[bytes, bytes]] = ()) -> bytes:
    block = literal(b":method", method) + literal(b":scheme", b"https") + literal(b":path", path)
    block += literal(b":authority", b"example.com")
    for n, v in extra:
        block += literal(n, v)
    return block


END_STREAM, END_HEADERS = 0x1, 0x4
BODY = b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
write("http2-server", {
    "get": ctl(frame(1, END_STREAM | END_HEADERS, 1, headers(b"GET"))),
    "post-body": ctl(frame(1, END_HEADERS, 1, headers(b"POST", extra=[(b"content-type", b"application/json"),
                                                                    (b"content-length", str(len(BODY)).encode())]))
                     + frame(0, 0, 1, BODY[:10]) + frame(0, END_STREAM, 1, BODY[10:]), 2),
    "streams-reset-ping": ctl(frame(4, 0, 0, struct.pack(">HI", 4, 1 << 20))
                              + frame(1, END_STREAM | END_HEADERS, 1, headers(b"GET"))
                              + frame(1, END_STREAM | END_HEADERS, 3, headers(b"DELETE", b"/mcp?x"))
                              + frame(3, 0, 3, struct.pack(">I", 8))
                              + frame(6, 0, 0, b"12345678")
                              + frame(8, 0, 1, struct.pack(">I", 100000))
                              + frame(7, 0, 0, struct.pack(">II", 0, 0)), 5),
    "continuation": ctl(frame(1, 0, 1, headers(b"POST")[:20]) + frame(9, END_HEADERS, 1, headers(b"POST")[20:])
                        + frame(0, 0x8 | END_STREAM, 1, b"\x02ab\x00\x00"), 1),
})

# session-open: tokens and cursors sealed with the harness's fixed keys need AES-GCM, so its
# seeds are written from Swift: MCP_EDGE_WRITE_SESSION_SEEDS=1 swift test --filter SessionOpenSeedTests
