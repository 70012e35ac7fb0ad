import XCTest
@testable import MCPGateway

final class NameCodecTests: XCTestCase {
    private let codec = NameCodec(separator: "__", maxLength: 64)

    func testPlainNamesArePrefixedAndSplitBack() {
        let (name, plain) = codec.expose(server: Array("alpha".utf8), name: Array("echo".utf8))
        XCTAssertEqual(String(decoding: name, as: UTF8.self), "alpha__echo")
        XCTAssertTrue(plain)
        let parts = codec.split(name[...])
        XCTAssertEqual(parts.map { String(decoding: $0.server, as: UTF8.self) }, "alpha")
        XCTAssertEqual(parts.map { String(decoding: $0.name, as: UTF8.self) }, "echo")
    }

    func testSplitUsesTheFirstSeparatorSoBackendNamesMayContainIt() {
        let parts = codec.split(Array("alpha__get__time".utf8)[...])
        XCTAssertEqual(parts.map { String(decoding: $0.server, as: UTF8.self) }, "alpha")
        XCTAssertEqual(parts.map { String(decoding: $0.name, as: UTF8.self) }, "get__time")
    }

    func testNamesWithoutASeparatorOrWithAnEmptyPartDoNotSplit() {
        XCTAssertNil(codec.split(Array("echo".utf8)[...]))
        XCTAssertNil(codec.split(Array("__echo".utf8)[...]))
        XCTAssertNil(codec.split(Array("alpha__".utf8)[...]))
    }

    func testCharactersOutsideTheSetAreReplacedAndMarkedNotPlain() {
        let (name, plain) = codec.expose(server: Array("alpha".utf8), name: Array("get time/now".utf8))
        XCTAssertEqual(String(decoding: name, as: UTF8.self), "alpha__get_time_now")
        XCTAssertFalse(plain)
    }

    func testLongNamesAreShortenedDeterministicallyAndDistinctly() {
        let long1 = Array(String(repeating: "x", count: 100).utf8)
        var long2 = long1
        long2[99] = UInt8(ascii: "y")
        let (a, plainA) = codec.expose(server: Array("alpha".utf8), name: long1)
        let (again, _) = codec.expose(server: Array("alpha".utf8), name: long1)
        let (b, _) = codec.expose(server: Array("alpha".utf8), name: long2)
        XCTAssertEqual(a.count, 64)
        XCTAssertFalse(plainA)
        XCTAssertEqual(a, again)
        XCTAssertNotEqual(a, b)
        XCTAssertTrue(a.allSatisfy(NameCodec.isNameByte))
    }
}

final class GlobTests: XCTestCase {
    func testStarsAndQuestionMarks() {
        func m(_ p: String, _ t: String) -> Bool { Glob.matches(Array(p.utf8), Array(t.utf8)) }
        XCTAssertTrue(m("alpha__*", "alpha__echo"))
        XCTAssertFalse(m("alpha__*", "beta__echo"))
        XCTAssertTrue(m("*__delete_*", "alpha__delete_file"))
        XCTAssertTrue(m("a?c", "abc"))
        XCTAssertFalse(m("a?c", "ac"))
        XCTAssertTrue(m("*", ""))
        XCTAssertTrue(m("**a", "bbba"))
        XCTAssertFalse(m("*a*b", String(repeating: "a", count: 5000)))
    }

    func testToolViewAllowDenyAndRename() {
        let view = ToolView(allow: ["alpha__*", "beta__echo"], deny: ["alpha__secret*"],
                            rename: [("alpha__echo", "echo")])
        XCTAssertTrue(view.isVisible(Array("alpha__echo".utf8)))
        XCTAssertTrue(view.isVisible(Array("beta__echo".utf8)))
        XCTAssertFalse(view.isVisible(Array("beta__add".utf8)))
        XCTAssertFalse(view.isVisible(Array("alpha__secret_key".utf8)))
        XCTAssertEqual(view.shown(Array("alpha__echo".utf8)), Array("echo".utf8))
        XCTAssertEqual(view.exposed(from: Array("echo".utf8)), Array("alpha__echo".utf8))
        XCTAssertNil(view.exposed(from: Array("alpha__echo".utf8)), "a renamed-away name is hidden")
    }
}

final class ClientEraTests: XCTestCase {
    func testEraFromTheProtocolVersionHeader() {
        XCTAssertEqual(ClientEra.of(protocolVersionHeader: [UInt8]?.none), .legacy(version: nil))
        for version in ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"] {
            XCTAssertEqual(ClientEra.of(protocolVersionHeader: Array(version.utf8)), .legacy(version: Array(version.utf8)))
        }
        XCTAssertEqual(ClientEra.of(protocolVersionHeader: Array("2026-07-28".utf8)), .modern(version: Array("2026-07-28".utf8)))
        XCTAssertEqual(ClientEra.of(protocolVersionHeader: Array("2099-01-01".utf8)), .unsupported(version: Array("2099-01-01".utf8)))
        XCTAssertEqual(ClientEra.of(protocolVersionHeader: Array("".utf8)), .unsupported(version: []))
    }
}
