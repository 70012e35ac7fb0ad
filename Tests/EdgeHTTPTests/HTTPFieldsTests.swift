import XCTest
@testable import EdgeHTTP

final class HTTPFieldsTests: XCTestCase {
    func testNamesAreLowercasedAndClassified() {
        var fields = HTTPFields()
        fields.append(name: Array("Content-Length".utf8), value: Array("12".utf8))
        fields.append(name: Array("X-Thing".utf8), value: Array("v".utf8))
        fields.append(name: Array("Mcp-Session-Id".utf8), value: Array("abc".utf8))
        XCTAssertEqual(fields.fields.map(\.known), [.contentLength, .other, .mcpSessionId])
        XCTAssertEqual(String(decoding: fields.name(at: 1), as: UTF8.self), "x-thing")
        XCTAssertEqual(fields.string("mcp-session-id"), "abc")
        XCTAssertTrue(KnownField.connection.isHopByHop)
        XCTAssertFalse(KnownField.mcpSessionId.isHopByHop)
    }
}
