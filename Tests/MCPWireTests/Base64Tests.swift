import XCTest
@testable import MCPWire

final class Base64Tests: XCTestCase {
    private func b(_ text: String) -> [UInt8] { Array(text.utf8) }

    func testRFC4648Vectors() {
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                       ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64.encode(b(plain)), b(encoded))
            XCTAssertEqual(Base64.decode(b(encoded)), b(plain))
        }
        let all = (0...255).map(UInt8.init)
        XCTAssertEqual(Base64.decode(Base64.encode(all)), all)
        XCTAssertEqual(Base64.encode([0xFB, 0xFF]), b("+/8="))
    }

    func testStrictDecodingRejects() {
        for bad in ["Zg", "Zg=", "Zm9", "Z===", "====", "Zg==Zg==", "Zm=v", "Zm9v\n", " Zm9v", "Zm9-", "Zm9_", "Zh==", "Zm9=",
                    "Zm8=Zm8=", "Zg=a"] {
            XCTAssertNil(Base64.decode(b(bad)), bad)
        }
        XCTAssertEqual(Base64.decode(b("Zm9=")), nil, "non-zero padding bits")
        XCTAssertEqual(Base64.decode(b("Zm8=")), b("fo"))
    }

    func testHeaderValueEncoding() {
        XCTAssertEqual(MCPHeaderValue.encode(b("github__search")), b("github__search"))
        XCTAssertEqual(MCPHeaderValue.encode(b("a b")), b("a b"))
        XCTAssertEqual(MCPHeaderValue.encode(b("")), b(""))
        XCTAssertEqual(MCPHeaderValue.encode(b("héllo")), b("=?base64?aMOpbGxv?="))
        XCTAssertEqual(MCPHeaderValue.encode(b(" lead")), b("=?base64?IGxlYWQ=?="))
        XCTAssertEqual(MCPHeaderValue.encode(b("trail ")), b("=?base64?dHJhaWwg?="))
        XCTAssertEqual(MCPHeaderValue.encode(b("a\r\nX: y")), b("=?base64?YQ0KWDogeQ==?="))
        XCTAssertEqual(MCPHeaderValue.encode(b("tab\t")), b("=?base64?dGFiCQ==?="))
        // A plain value that looks like the sentinel is encoded too (the spec's own example).
        XCTAssertEqual(MCPHeaderValue.encode(b("=?base64?literal?=")), b("=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="))
    }

    func testHeaderValueDecoding() {
        XCTAssertEqual(MCPHeaderValue.decode(b("github__search")[...]), b("github__search"))
        XCTAssertEqual(MCPHeaderValue.decode(b("=?base64?aMOpbGxv?=")[...]), b("héllo"))
        XCTAssertEqual(MCPHeaderValue.decode(b("=?base64??=")[...]), [])
        XCTAssertNil(MCPHeaderValue.decode(b("=?base64?aMOpbGx?=")[...]), "malformed Base64")
        XCTAssertEqual(MCPHeaderValue.decode(b("=?BASE64?aMOpbGxv?=")[...]), b("=?BASE64?aMOpbGxv?="), "markers are case-sensitive")
        XCTAssertEqual(MCPHeaderValue.decode(b("=?base64?")[...]), b("=?base64?"))
        for value in ["x", "héllo", " a ", "=?base64?literal?=", "\u{0}", ""] {
            XCTAssertEqual(MCPHeaderValue.decode(MCPHeaderValue.encode(b(value))[...]), b(value), value)
        }
    }
}
