// Micro-benchmarks of mcp-edge's per-request hot path: HTTP/1.1 head parsing both ways,
// chunked body decoding, the JSON-RPC id scan, the one-pass message scanner and the
// upstream request head serializer.
// Each benchmark sets up its reusable state (parser, head, buffer) outside the measured
// region, warms it once, then repeats the operation `scaledIterations` times, so the reported
// malloc count is the steady state per operation (expected: 0).

import Benchmark
import EdgeHTTP
import EdgeIO
import MCPWire

// MARK: - Inputs

/// A ~300-byte MCP POST head as a Streamable HTTP client sends it.
let requestHeadBytes: [UInt8] = Array((
    "POST /mcp HTTP/1.1\r\n" +
    "Host: mcp.example.com:8443\r\n" +
    "User-Agent: claude-code/2.1.14 (mcp-client; linux x86_64)\r\n" +
    "Content-Type: application/json\r\n" +
    "Accept: application/json, text/event-stream\r\n" +
    "Content-Length: 512\r\n" +
    "Mcp-Session-Id: 5f0c3c1e-8d2b-4f1a-9e77-0b6d2a9c4e13\r\n" +
    "MCP-Protocol-Version: 2025-06-18\r\n" +
    "\r\n").utf8)

/// An MCP server's JSON response head, as an upstream sends it.
let responseHeadBytes: [UInt8] = Array((
    "HTTP/1.1 200 OK\r\n" +
    "Content-Type: application/json\r\n" +
    "Content-Length: 1832\r\n" +
    "Mcp-Session-Id: 5f0c3c1e-8d2b-4f1a-9e77-0b6d2a9c4e13\r\n" +
    "Cache-Control: no-cache\r\n" +
    "Date: Fri, 20 Nov 2026 10:15:42 GMT\r\n" +
    "Connection: keep-alive\r\n" +
    "\r\n").utf8)

/// A 64 KiB body in 16 chunks of 4 KiB, then the last chunk and an empty trailer section.
let chunkedBodyBytes: [UInt8] = {
    var out: [UInt8] = []
    let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 4096)
    for _ in 0..<16 {
        out += Array("1000\r\n".utf8)
        out += chunk
        out += Array("\r\n".utf8)
    }
    out += Array("0\r\n\r\n".utf8)
    return out
}()

/// A 512-byte `tools/call` request whose `id` comes last, after nested params.
let toolsCallBytes: [UInt8] = {
    let prefix = #"{"jsonrpc":"2.0","method":"tools/call","params":{"name":"search_issues","arguments":{"#
        + #""repository":"modelcontextprotocol/swift-sdk","query":"is:open label:\"bug\" sort:updated","#
        + #""filters":{"labels":["bug","needs-triage"],"assignee":null,"state":"open","since":"2026-01-01T00:00:00Z"},"#
        + #""page":{"size":50,"cursor":"eyJvZmZzZXQiOjEwMH0="},"fields":["number","title","state","labels"],"note":""#
    let suffix = #""},"_meta":{"progressToken":"p-7f3a"}},"id":"req-000042"}"#
    let padding = 512 - prefix.utf8.count - suffix.utf8.count
    precondition(padding >= 0)
    return Array((prefix + String(repeating: "a", count: padding) + suffix).utf8)
}()

/// A `tools/call` as a modern (2026-07-28) client sends it: name, arguments, and the `_meta`
/// keys every request carries. About 1.2 KB.
let modernToolsCallBytes: [UInt8] = Array((
    #"{"jsonrpc":"2.0","id":"req-000042","method":"tools/call","params":{"name":"github__search_issues","#
    + #""arguments":{"repository":"modelcontextprotocol/swift-sdk","query":"is:open label:\"bug\" sort:updated","#
    + #""filters":{"labels":["bug","needs-triage"],"assignee":null,"state":"open","since":"2026-01-01T00:00:00Z"},"#
    + #""page":{"size":50,"cursor":"eyJvZmZzZXQiOjEwMH0="},"fields":["number","title","state","labels","assignees","#
    + #""comments","created_at","updated_at"],"note":"Summarise the open bugs that mention transports, sessions or "#
    + #"the streamable HTTP client, newest first, and say which ones look like duplicates of each other."},"#
    + #""_meta":{"progressToken":"p-7f3a","io.modelcontextprotocol/protocolVersion":"2026-07-28","#
    + #""io.modelcontextprotocol/clientCapabilities":{"sampling":{},"elicitation":{"form":{},"url":{}},"roots":{"listChanged":true}},"#
    + #""io.modelcontextprotocol/clientInfo":{"name":"claude-code","title":"Claude Code","version":"2.1.14"},"#
    + #""io.modelcontextprotocol/logLevel":"info","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}}"#
).utf8)

/// A `tools/list` result of about 10 KB: 16 tools with descriptions and input schemas.
let toolsListBytes: [UInt8] = {
    var tools: [String] = []
    for k in 0..<16 {
        tools.append(#"{"name":"tool_\#(k)_search_records","title":"Search records (\#(k))","#
            + #""description":"Searches the record store for entries matching a query. Supports field filters, "#
            + #"sorting and pagination; returns at most `limit` records with their ids, titles and a short summary.\n"#
            + #"Use `cursor` from a previous call to continue.","#
            + #""inputSchema":{"type":"object","properties":{"query":{"type":"string","description":"Free-text query"},"#
            + #""limit":{"type":"integer","minimum":1,"maximum":100,"default":20},"#
            + #""cursor":{"type":"string"},"fields":{"type":"array","items":{"type":"string"}}},"required":["query"]},"#
            + #""annotations":{"readOnlyHint":true,"openWorldHint":false}}"#)
    }
    let text = #"{"jsonrpc":"2.0","id":7,"result":{"tools":["# + tools.joined(separator: ",")
        + #"],"nextCursor":"eyJiYWNrZW5kIjoiZ2l0aHViIiwib2Zmc2V0IjoxNn0="}}"#
    return Array(text.utf8)
}()

func expectScans(_ bytes: [UInt8], _ what: String) -> MessageFields {
    guard case .success(let fields) = MessageScanner.scan(bytes[...]) else { fatalError("\(what) does not scan") }
    return fields
}

func bufferHolding(_ bytes: [UInt8], capacity: Int = 16384) -> ByteBuffer {
    var buffer = ByteBuffer(capacity: Swift.max(capacity, bytes.count))
    buffer.write(contentsOf: bytes)
    return buffer
}

func expectComplete(_ result: HTTP1ParseResult, _ what: String) {
    guard case .complete = result else { fatalError("\(what): \(result)") }
}

// MARK: - Benchmarks

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 3,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000
    )

    // Control: one heap allocation per operation, to show that the malloc counter works.
    Benchmark("Control: one [UInt8] allocation") { benchmark in
        let count = requestHeadBytes.count
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole([UInt8](repeating: 0, count: count))
        }
    }

    Benchmark("HTTP1RequestParser.parseHead (POST /mcp, \(requestHeadBytes.count) B)") { benchmark in
        let buffer = bufferHolding(requestHeadBytes)
        var parser = HTTP1RequestParser()
        var head = HTTPRequestHead()
        expectComplete(parser.parseHead(buffer, into: &head), "request head")
        precondition(head.fields.count == 7 && head.contentLength == 512)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(parser.parseHead(buffer, into: &head))
        }
        benchmark.stopMeasurement()
        blackHole(head)
    }

    Benchmark("HTTP1ResponseParser.parseHead (200 JSON, \(responseHeadBytes.count) B)") { benchmark in
        let buffer = bufferHolding(responseHeadBytes)
        var parser = HTTP1ResponseParser()
        var head = HTTPResponseHead()
        expectComplete(parser.parseHead(buffer, into: &head, requestMethod: .post), "response head")
        precondition(head.status == 200 && head.contentLength == 1832)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(parser.parseHead(buffer, into: &head, requestMethod: .post))
        }
        benchmark.stopMeasurement()
        blackHole(head)
    }

    Benchmark("ChunkedDecoder.decode (64 KiB in 4 KiB chunks)",
              configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal],
                                   timeUnits: .nanoseconds, warmupIterations: 3,
                                   scalingFactor: .one, maxDuration: .seconds(2))) { benchmark in
        let buffer = bufferHolding(chunkedBodyBytes, capacity: chunkedBodyBytes.count)
        var decoder = ChunkedDecoder()
        @inline(__always) func decodeBody() -> Int {
            var total = 0
            var index = buffer.readerIndex
            loop: while true {
                switch decoder.decode(buffer, from: index) {
                case .data(let range): total &+= range.count; index = range.upperBound
                case .needMore: fatalError("body is complete")
                case .end(let next): index = next; break loop
                case .error(let e): fatalError("\(e)")
                }
            }
            precondition(index == buffer.writerIndex)
            return total
        }
        precondition(decodeBody() == 65536)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(decodeBody())
        }
    }

    Benchmark("JSONRPCScanner.topLevelID (tools/call, \(toolsCallBytes.count) B)") { benchmark in
        let bytes = toolsCallBytes
        guard let id = JSONRPCScanner.topLevelID(in: bytes[...]) else { fatalError("no id") }
        precondition(String(decoding: bytes[id], as: UTF8.self) == #""req-000042""#)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(JSONRPCScanner.topLevelID(in: bytes[...]))
        }
    }

    // The one-pass scanner: validation of the whole message plus the field ranges. Throughput
    // in bytes is the input size times the operations per second.
    for (label, bytes) in [("tools/call", toolsCallBytes), ("tools/call with _meta", modernToolsCallBytes),
                           ("tools/list result", toolsListBytes)] {
        Benchmark("Scan: MessageScanner.scan \(label) (\(bytes.count) B)") { benchmark in
            let fields = expectScans(bytes, label)
            precondition(fields.id != nil)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(MessageScanner.scan(bytes[...]))
            }
        }
    }

    // A gateway relay's per-message work when only the id and the tool name change: one scan,
    // then the message is written out with the gateway id and the backend's own name spliced in
    // (into a reused buffer); the answer is scanned and its id spliced back. No allocation.
    Benchmark("Gateway rewrite: tools/call out (id + name) and its answer back (id)") { benchmark in
        let request: [UInt8] = Array(#"{"jsonrpc":"2.0","id":"req-000042","method":"tools/call","params":{"name":"alpha__echo","arguments":{"text":"\#(String(repeating: "x", count: 300))"}}}"#.utf8)
        let answer: [UInt8] = Array(#"{"jsonrpc":"2.0","id":918273,"result":{"content":[{"type":"text","text":"\#(String(repeating: "y", count: 300))"}],"isError":false}}"#.utf8)
        let gatewayID: [UInt8] = Array("918273".utf8)
        let backendName: [UInt8] = Array(#""echo""#.utf8)
        var out = ByteBuffer(capacity: 4096)
        func relay() -> Int {
            out.clear()
            guard case .success(let fields) = MessageScanner.scan(request[...]), let id = fields.id, let name = fields.name else {
                fatalError("request does not scan")
            }
            var edits = SpliceEdits()
            edits.add(id, gatewayID[...])
            edits.add(name, backendName[...])
            edits.apply(to: request[...]) { out.write(contentsOf: $0) }
            guard case .success(let back) = MessageScanner.scan(answer[...]), let answerID = back.id else {
                fatalError("answer does not scan")
            }
            var reply = SpliceEdits()
            reply.add(answerID, request[id])
            reply.apply(to: answer[...]) { out.write(contentsOf: $0) }
            return out.readableBytes
        }
        precondition(relay() == request.count - 13 + answer.count + 6)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(relay())
        }
    }

    // For scale: the tree parser the gateway uses for the few messages it builds.
    Benchmark("Scan baseline: JSONValue.parse tools/list result (\(toolsListBytes.count) B)") { benchmark in
        precondition(JSONValue.parse(toolsListBytes[...]) != nil)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(JSONValue.parse(toolsListBytes[...]))
        }
    }

    Benchmark("HTTP1RequestSerializer.writeHead (POST /mcp upstream)") { benchmark in
        var parser = HTTP1RequestParser()
        var head = HTTPRequestHead()
        expectComplete(parser.parseHead(bufferHolding(requestHeadBytes), into: &head), "request head")
        let client: [UInt8] = Array("192.0.2.10".utf8)
        let path: [UInt8] = Array("/mcp".utf8)
        let host: [UInt8] = Array("127.0.0.1:9000".utf8)
        var out = ByteBuffer(capacity: 4096)
        HTTP1RequestSerializer.writeHead(head, bodyLength: 512, forwardedFor: client, proto: "https",
                                         path: path, host: host, into: &out)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            out.clear()
            HTTP1RequestSerializer.writeHead(head, bodyLength: 512, forwardedFor: client, proto: "https",
                                             path: path, host: host, into: &out)
            blackHole(out.writerIndex)
        }
        benchmark.stopMeasurement()
        blackHole(out)
    }
}
