import XCTest
import MCPWire
@testable import MCPGateway

final class CatalogTests: XCTestCase {
    private func catalog(allow: [String] = [], deny: [String] = [], rename: [(String, String)] = []) -> Catalog {
        Catalog(servers: ["alpha", "beta"], codec: NameCodec(separator: "__", maxLength: 64),
                view: ToolView(allow: allow, deny: deny, rename: rename.map { ($0.0, $0.1) }))
    }

    private func page(_ server: Int, _ json: String) -> Catalog.Page {
        guard case .object(let object)? = JSONValue.parse(Array(json.utf8)[...]) else { fatalError("bad fixture") }
        return Catalog.Page(server: server, result: object)
    }

    private func names(_ result: JSONObject, _ key: String) -> [String] {
        guard case .array(let items)? = result[key] else { return [] }
        return items.compactMap { item -> String? in
            guard case .object(let entry) = item, case .string(let name)? = entry["name"] else { return nil }
            return String(decoding: name, as: UTF8.self)
        }
    }

    func testToolsAreMergedInRouteOrderWithPrefixes() {
        let c = catalog()
        let merged = c.merge(.tools, pages: [
            page(1, #"{"tools":[{"name":"echo","inputSchema":{"type":"object"}}]}"#),
            page(0, #"{"tools":[{"name":"echo","inputSchema":{"type":"object"}},{"name":"add"}],"nextCursor":"x"}"#),
        ])
        XCTAssertEqual(names(merged, "tools"), ["alpha__echo", "alpha__add", "beta__echo"])
        XCTAssertNil(merged["nextCursor"], "the caller adds the gateway's own cursor")
    }

    func testOtherFieldsOfAnEntryPassThrough() {
        let c = catalog()
        let merged = c.merge(.tools, pages: [page(0, #"{"tools":[{"name":"echo","x-custom":{"a":[1,2.50]}}]}"#)])
        var out: [UInt8] = []
        JSONValue.object(merged).write(into: &out)
        XCTAssertTrue(String(decoding: out, as: UTF8.self).contains(#""x-custom":{"a":[1,2.50]}"#))
    }

    func testResolvingNamesBack() {
        let c = catalog()
        XCTAssertEqual(c.resolveTool(Array("beta__echo".utf8)), .backend(server: 1, name: Array("echo".utf8)))
        XCTAssertEqual(c.resolveTool(Array("gamma__echo".utf8)), .unknownServer(Array("gamma".utf8)))
        XCTAssertEqual(c.resolveTool(Array("echo".utf8)), .unknown)
    }

    func testShortenedNamesResolveThroughTheMapFilledByMerging() {
        let c = catalog()
        let long = String(repeating: "t", count: 90)
        let merged = c.merge(.tools, pages: [page(0, #"{"tools":[{"name":"\#(long)"}]}"#)])
        let exposed = names(merged, "tools")[0]
        XCTAssertEqual(exposed.count, 64)
        XCTAssertEqual(c.resolveTool(Array(exposed.utf8)), .backend(server: 0, name: Array(long.utf8)))
    }

    func testTheViewHidesAndRenames() {
        let c = catalog(deny: ["beta__*"], rename: [("alpha__echo", "echo")])
        let merged = c.merge(.tools, pages: [
            page(0, #"{"tools":[{"name":"echo"},{"name":"add"}]}"#),
            page(1, #"{"tools":[{"name":"echo"}]}"#),
        ])
        XCTAssertEqual(names(merged, "tools"), ["echo", "alpha__add"])
        XCTAssertEqual(c.resolveTool(Array("echo".utf8)), .backend(server: 0, name: Array("echo".utf8)))
        XCTAssertEqual(c.resolveTool(Array("beta__echo".utf8)), .unknown, "a hidden tool cannot be called")
    }

    func testResourcesRouteByListedURIThenByLongestTemplatePrefix() {
        let c = catalog()
        _ = c.merge(.resources, pages: [
            page(0, #"{"resources":[{"uri":"file:///a.txt","name":"a"}]}"#),
            page(1, #"{"resources":[{"uri":"file:///a.txt","name":"a2"},{"uri":"mem://b","name":"b"}]}"#),
        ])
        _ = c.merge(.resourceTemplates, pages: [
            page(0, #"{"resourceTemplates":[{"uriTemplate":"db://{table}","name":"t"}]}"#),
            page(1, #"{"resourceTemplates":[{"uriTemplate":"db://users/{id}","name":"u"}]}"#),
        ])
        XCTAssertEqual(c.resolveResource(Array("file:///a.txt".utf8)), 0, "first server in route order wins")
        XCTAssertEqual(c.resolveResource(Array("mem://b".utf8)), 1)
        XCTAssertEqual(c.resolveResource(Array("db://users/7".utf8)), 1)
        XCTAssertEqual(c.resolveResource(Array("db://orders".utf8)), 0)
        XCTAssertNil(c.resolveResource(Array("other://x".utf8)))
    }

    func testPromptsArePrefixedButNotFilteredByTheToolView() {
        let c = catalog(deny: ["*"])
        let merged = c.merge(.prompts, pages: [page(1, #"{"prompts":[{"name":"greet"}]}"#)])
        XCTAssertEqual(names(merged, "prompts"), ["beta__greet"])
        XCTAssertEqual(c.resolvePrompt(Array("beta__greet".utf8)), .backend(server: 1, name: Array("greet".utf8)))
    }

    func testCapabilitiesMergeAsAUnion() {
        var merged = MergedCapabilities()
        guard case .object(let a)? = JSONValue.parse(Array(#"{"tools":{"listChanged":false},"x-ext":{"v":1}}"#.utf8)[...]),
              case .object(let b)? = JSONValue.parse(Array(#"{"tools":{"listChanged":true},"resources":{"subscribe":true}}"#.utf8)[...]) else {
            return XCTFail("fixtures")
        }
        merged.add(server: Array("alpha".utf8), capabilities: a, instructions: Array("Use alpha.".utf8))
        merged.add(server: Array("beta".utf8), capabilities: b, instructions: nil)
        var out: [UInt8] = []
        JSONValue.object(merged.capabilities).write(into: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self),
                       #"{"tools":{"listChanged":true},"x-ext":{"v":1},"resources":{"subscribe":true}}"#)
        XCTAssertEqual(merged.joinedInstructions.map { String(decoding: $0, as: UTF8.self) }, "alpha: Use alpha.")
    }
}

final class ModernRequestCheckTests: XCTestCase {
    private func check(_ body: String, method: String?, name: String?) -> Int? {
        let bytes = Array(body.utf8)
        guard case .success(let fields) = MessageScanner.scan(bytes[...]) else { return -1 }
        return ModernRequestCheck.check(bytes[...], fields, headerVersion: Array("2026-07-28".utf8),
                                        methodHeader: method.map { Array($0.utf8)[...] },
                                        nameHeader: name.map { Array($0.utf8)[...] })?.code
    }

    private let meta = #""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}"#

    func testAValidCallPasses() {
        XCTAssertNil(check(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"alpha__echo",\#(meta)}}"#,
                           method: "tools/call", name: "alpha__echo"))
    }

    func testMissingMetaKeysAre32602() {
        XCTAssertEqual(check(#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}"#, method: "tools/list", name: nil), -32602)
        XCTAssertEqual(check(#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2025-06-18","io.modelcontextprotocol/clientCapabilities":{}}}}"#,
                             method: "tools/list", name: nil), -32602, "the _meta version must equal the header")
    }

    func testHeaderMismatchesAre32020() {
        let body = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"alpha__echo",\#(meta)}}"#
        XCTAssertEqual(check(body, method: nil, name: "alpha__echo"), -32020)
        XCTAssertEqual(check(body, method: "tools/list", name: "alpha__echo"), -32020)
        XCTAssertEqual(check(body, method: "tools/call", name: nil), -32020)
        XCTAssertEqual(check(body, method: "tools/call", name: "beta__echo"), -32020)
        XCTAssertEqual(check(body, method: "tools/call", name: "=?base64?!!?="), -32020)
    }

    func testBase64HeaderValuesAreDecoded() {
        let body = #"{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"file:///é.txt",\#(meta)}}"#
        let encoded = "=?base64?" + Base64.encode(Array("file:///é.txt".utf8)).map { String(UnicodeScalar($0)) }.joined() + "?="
        XCTAssertNil(check(body, method: "resources/read", name: encoded))
    }
}
