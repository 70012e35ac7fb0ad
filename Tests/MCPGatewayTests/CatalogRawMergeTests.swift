import XCTest
import MCPWire
@testable import MCPGateway

/// `Catalog.mergeRaw` (entries spliced as bytes) against `Catalog.merge` (trees): the same
/// merged list, the same maps, and a refusal (false, output untouched) where only the tree
/// merge knows what to do.
final class CatalogRawMergeTests: XCTestCase {
    private func catalog(allow: [String] = [], deny: [String] = [], rename: [(String, String)] = [],
                         descriptions: [(String, String)] = [], maxLength: Int = 64) -> Catalog {
        Catalog(servers: ["alpha", "beta"], codec: NameCodec(separator: "__", maxLength: maxLength),
                view: ToolView(allow: allow, deny: deny, rename: rename.map { ($0.0, $0.1) },
                               descriptions: descriptions.map { ($0.0, $0.1) }))
    }

    /// A page as a backend sends it: a whole response, `result` located by the scanner.
    private func raw(_ server: Int, _ result: String) -> Catalog.RawPage {
        let message = Array(#"{"jsonrpc":"2.0","id":7,"result":"#.utf8) + Array(result.utf8) + [UInt8(ascii: "}")]
        guard case .success(let fields) = MessageScanner.scan(message[...]), let range = fields.result else {
            fatalError("bad fixture: \(result)")
        }
        return Catalog.RawPage(server: server, message: message, result: range)
    }

    private func parsed(_ page: Catalog.RawPage) -> Catalog.Page {
        guard case .object(let object)? = JSONValue.parse(page.message[page.result]) else { fatalError("bad fixture") }
        return Catalog.Page(server: page.server, result: object)
    }

    /// Both merges on fresh catalogs: the raw one's array must parse to the tree one's.
    private func assertSame(_ kind: ListKind, _ pages: [Catalog.RawPage], make: () -> Catalog = { Catalog(servers: ["alpha", "beta"], codec: NameCodec(separator: "__", maxLength: 64), view: ToolView()) },
                            file: StaticString = #filePath, line: UInt = #line) -> (Catalog, Catalog) {
        let rawCatalog = make(), treeCatalog = make()
        var out = Array("prefix".utf8)
        XCTAssertTrue(rawCatalog.mergeRaw(kind, pages: pages, into: &out), file: file, line: line)
        XCTAssertEqual(Array(out.prefix(6)), Array("prefix".utf8), file: file, line: line)
        let tree = treeCatalog.merge(kind, pages: pages.map(parsed))
        XCTAssertEqual(JSONValue.parse(out.dropFirst(6)), tree[kind.key], file: file, line: line)
        return (rawCatalog, treeCatalog)
    }

    func testToolsInRouteOrderWithPrefixesAndOtherFieldsUntouched() {
        _ = assertSame(.tools, [
            raw(1, #"{"tools":[{"name":"echo","inputSchema":{"type":"object","properties":{"t":{"type":"string"}}}}]}"#),
            raw(0, #"{ "nextCursor" : "x", "tools" : [ {"description":"Echo \"it\"","name":"echo","x":[1,2.50,{"a":"}]"}]} , {"name":"add"} ] }"#),
        ])
    }

    func testEntriesWithoutAStringNameAndNonObjectsAreLeftOut() {
        _ = assertSame(.tools, [raw(0, #"{"tools":[1,"echo",null,{"title":"no name"},{"name":7},{"name":"ok"},[],{}]}"#)])
        _ = assertSame(.prompts, [raw(1, #"{"prompts":[{"name":"greet"},{"nam":"x"}]}"#)])
    }

    func testEscapedKeysAndNamesAreDecoded() {
        let (rawCatalog, _) = assertSame(.tools, [raw(0, #"{"t\u006fols":[{"n\u0061me":"ec\u0068o","description":"d"}]}"#)])
        XCTAssertEqual(rawCatalog.resolveTool(Array("alpha__echo".utf8)), .backend(server: 0, name: Array("echo".utf8)))
    }

    func testTheViewHidesRenamesAndDescribes() {
        let make = { self.catalog(allow: ["alpha__*", "beta__echo"], deny: ["alpha__secret"], rename: [("alpha__add", "sum")],
                                  descriptions: [("alpha__echo", "Echoes, \"quoted\""), ("beta__echo", "No description before")]) }
        _ = assertSame(.tools, [
            raw(0, #"{"tools":[{"name":"echo","description":"old"},{"name":"add"},{"name":"secret"}]}"#),
            raw(1, #"{"tools":[{"name":"echo"},{"name":"other"}]}"#),
        ], make: make)
    }

    func testShortenedNamesAreRememberedAsByMerge() {
        let long = String(repeating: "x", count: 90)
        let (rawCatalog, treeCatalog) = assertSame(.tools, [raw(1, #"{"tools":[{"name":"\#(long)"},{"name":"has space"}]}"#)])
        var out: [UInt8] = []
        _ = rawCatalog.mergeRaw(.tools, pages: [raw(1, #"{"tools":[{"name":"\#(long)"}]}"#)], into: &out)
        guard case .array(let items)? = JSONValue.parse(out[...]), case .string(let shown)? = items.first?["name"] else {
            return XCTFail("no entry")
        }
        XCTAssertEqual(rawCatalog.resolveTool(shown), .backend(server: 1, name: Array(long.utf8)))
        XCTAssertEqual(treeCatalog.resolveTool(shown), .backend(server: 1, name: Array(long.utf8)))
    }

    func testResourcesAndTemplatesFillTheMaps() {
        let (rawCatalog, _) = assertSame(.resources, [
            raw(1, #"{"resources":[{"uri":"file:///b","name":"b"},{"uri":"file:///shared"}]}"#),
            raw(0, #"{"resources":[{"uri":"file:///a"},{"uri":"file:///shared"},{"name":"no uri"}]}"#),
        ])
        XCTAssertEqual(rawCatalog.resolveResource(Array("file:///a".utf8)), 0)
        XCTAssertEqual(rawCatalog.resolveResource(Array("file:///b".utf8)), 1)
        XCTAssertEqual(rawCatalog.resolveResource(Array("file:///shared".utf8)), 0)
        let (templates, _) = assertSame(.resourceTemplates, [raw(1, #"{"resourceTemplates":[{"uriTemplate":"item://beta/{id}"}]}"#)])
        XCTAssertEqual(templates.resolveResource(Array("item://beta/7".utf8)), 1)
    }

    func testAMissingListIsEmpty() {
        _ = assertSame(.tools, [raw(0, #"{}"#), raw(1, #"{"tools":[]}"#)])
    }

    func testWhatOnlyTheTreeMergeHandlesIsRefused() {
        for result in [#"{"tools":[{"name":"a","name":"b"}]}"#, #"{"tools":[{"name":"a","description":"x","description":"y"}]}"#,
                       #"{"tools":[],"tools":[{"name":"a"}]}"#, #"{"tools":{"name":"a"}}"#, #"{"tools":"a"}"#] {
            var out = Array("kept".utf8)
            XCTAssertFalse(catalog().mergeRaw(.tools, pages: [raw(0, result)], into: &out), result)
            XCTAssertEqual(out, Array("kept".utf8), result)
        }
    }
}
