import XCTest
@testable import MCPWire

final class JSONStringTests: XCTestCase {
    private func token(_ text: String) -> ArraySlice<UInt8> { Array(text.utf8)[...] }

    func testDecodesEveryEscape() {
        let cases: [(String, [UInt8]?)] = [
            (#""""#, []),
            (#""plain""#, Array("plain".utf8)),
            (#""\"\\\/\b\f\n\r\t""#, [0x22, 0x5C, 0x2F, 0x08, 0x0C, 0x0A, 0x0D, 0x09]),
            (#""\u0041\u00e9\u20AC""#, Array("Aé€".utf8)),
            (#""\ud83d\ude00""#, Array("😀".utf8)),
            (#""\uD83D\uDE00x""#, Array("😀x".utf8)),
            (#""\u0000""#, [0]),
            (#""é😀""#, Array("é😀".utf8)),
            // lone surrogates become U+FFFD
            (#""\ud800""#, [0xEF, 0xBF, 0xBD]),
            (#""\udc00x""#, [0xEF, 0xBF, 0xBD, 0x78]),
            (#""\ud800\u0041""#, [0xEF, 0xBF, 0xBD, 0x41]),
            // malformed
            (#""abc"#, nil), (#"abc""#, nil), (#"""#, nil), ("", nil), (#""a"b""#, nil), (#""a\""#, nil),
            (#""\x""#, nil), (#""\u12""#, nil), (#""\u12g4""#, nil), ("\"a\u{1}\"", nil), (#""\ud800\u12""#, nil),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(JSONString.decode(token(text)), expected, text)
        }
    }

    func testEquals() {
        XCTAssertTrue(JSONString.equals(token(#""tools/call""#), "tools/call".utf8))
        XCTAssertTrue(JSONString.equals(token(#""tools\/call""#), "tools/call".utf8))
        XCTAssertTrue(JSONString.equals(token(#""\u0074ools/call""#), Array("tools/call".utf8)))
        XCTAssertTrue(JSONString.equals(token(#""""#), [UInt8]()))
        XCTAssertTrue(JSONString.equals(token(#""\ud83d\ude00""#), "😀".utf8))
        XCTAssertFalse(JSONString.equals(token(#""tools/call""#), "tools/cal".utf8))
        XCTAssertFalse(JSONString.equals(token(#""tools/cal""#), "tools/call".utf8))
        XCTAssertFalse(JSONString.equals(token(#""a\q""#), "a\\q".utf8), "malformed equals nothing")
        XCTAssertFalse(JSONString.equals(token("tools"), "tools".utf8), "not a token")
        XCTAssertFalse(JSONString.equals(token(#""\ud800""#), [0xEF, 0xBF, 0xBD]), "a lone surrogate equals nothing")
        // Slices that do not start at 0.
        let bytes = Array(#"xx"name"yy"#.utf8)
        XCTAssertTrue(JSONString.equals(bytes[2..<8], "name".utf8))
    }

    func testHasEscapes() {
        XCTAssertFalse(JSONString.hasEscapes(token(#""abc""#)))
        XCTAssertTrue(JSONString.hasEscapes(token(#""a\nc""#)))
    }

    func testWriteEscapes() {
        func written(_ bytes: [UInt8]) -> String {
            var out: [UInt8] = []
            JSONString.write(bytes, into: &out)
            return String(decoding: out, as: UTF8.self)
        }
        XCTAssertEqual(written(Array("plain".utf8)), #""plain""#)
        XCTAssertEqual(written(Array("a\"b\\c/d".utf8)), #""a\"b\\c/d""#)
        XCTAssertEqual(written([0x08, 0x0C, 0x0A, 0x0D, 0x09, 0x00, 0x1F, 0x7F]), "\"\\b\\f\\n\\r\\t\\u0000\\u001f\u{7F}\"")
        XCTAssertEqual(written(Array("é€😀".utf8)), "\"é€😀\"")
        // Invalid UTF-8: each bad byte becomes U+FFFD.
        XCTAssertEqual(written([0x61, 0xFF, 0x62]), "\"a\u{FFFD}b\"")
        XCTAssertEqual(written([0xC3]), "\"\u{FFFD}\"", "truncated sequence")
        XCTAssertEqual(written([0xE0, 0x80, 0x80]), "\"\u{FFFD}\u{FFFD}\u{FFFD}\"", "overlong")
        XCTAssertEqual(written([0xED, 0xA0, 0x80]), "\"\u{FFFD}\u{FFFD}\u{FFFD}\"", "encoded surrogate")
        XCTAssertEqual(written([0xF4, 0x90, 0x80, 0x80]), "\"\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\"", "past U+10FFFF")
        // Appends to what is there.
        var out = Array("x:".utf8)
        JSONString.write("y".utf8, into: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), #"x:"y""#)
    }

    func testWriteThenDecodeIsIdentityForEveryByte() {
        var all: [UInt8] = Array(0..<0x80)
        all += Array("é€😀".utf8)
        var out: [UInt8] = []
        JSONString.write(all, into: &out)
        XCTAssertEqual(JSONString.decode(out[...]), all)
        // And the scanner accepts what was written.
        let message = Array(#"{"jsonrpc":"2.0","id":1,"method":"x","params":{"name":"#.utf8) + out + Array("}}".utf8)
        guard case .success(let fields) = MessageScanner.scan(message[...]) else { return XCTFail() }
        XCTAssertTrue(JSONString.equals(message[fields.name!], all))
    }
}
