import XCTest
@testable import MCPWire

final class JSONValueTests: XCTestCase {
    private func parse(_ text: String, maxDepth: Int = 64) -> JSONValue? {
        JSONValue.parse(Array(text.utf8)[...], maxDepth: maxDepth)
    }

    private func json(_ value: JSONValue) -> String { String(decoding: value.serialized, as: UTF8.self) }

    func testRoundTripKeepsOrderAndNumberTokens() throws {
        let texts = [
            #"{"z":1,"a":[true,false,null],"m":{"x":-0.5e+10,"y":1E3,"big":123456789012345678901234567890}}"#,
            #"[]"#, #"{}"#, #""s""#, "0", "-0", "1.25", "null", "true",
            #"{"s":"\"\\\n\t\u0001é😀/"}"#,
            #"[[[[{"a":[{}]}]]]]"#,
        ]
        for text in texts {
            let value = try XCTUnwrap(parse(text), text)
            let written = value.serialized
            XCTAssertEqual(JSONValue.parse(written[...]), value, text)
            if !text.contains("\\u0001") && !text.contains("\\/") {
                XCTAssertEqual(json(value), text, "compact input comes back byte for byte")
            }
        }
        XCTAssertEqual(json(try XCTUnwrap(parse(#"{"s":"\/\u0001"}"#))), #"{"s":"/\u0001"}"#)
        XCTAssertEqual(json(try XCTUnwrap(parse(" [ 1 , { \"a\" : 2 } ]\n"))), #"[1,{"a":2}]"#)
    }

    func testRejectsWhatTheScannerRejects() {
        let bad = ["", "{", "[1,]", "01", "1.", #""\x""#, "\"a\u{1}\"", "tru", "nulll", "{} {}", #"{"a" 1}"#, #"{1:2}"#,
                   #"["a"}"#, #"{"a":1]"#, "-", "+1", #""\ud800\u12""#]
        for text in bad {
            XCTAssertNil(parse(text), text)
            if case .success = MessageScanner.scan(Array(text.utf8)[...]) { XCTFail(text) }
        }
    }

    func testDepthLimit() {
        XCTAssertNotNil(parse(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)))
        XCTAssertNil(parse(String(repeating: "[", count: 65) + String(repeating: "]", count: 65)))
        XCTAssertNil(parse("{}", maxDepth: 0))
        XCTAssertEqual(parse("1", maxDepth: 0), 1)
        // Deeper than a recursive parser would like; not so deep that Swift's (recursive)
        // release of the tree runs out of stack.
        let deep = String(repeating: "[", count: 2_000) + String(repeating: "]", count: 2_000)
        let value = JSONValue.parse(Array(deep.utf8)[...], maxDepth: 2_000)
        XCTAssertNotNil(value, "no recursion in the parser")
        XCTAssertEqual(value?.serialized.count, 4_000, "nor in the writer")
        // Refused input of any depth costs no stack either.
        let deeper = String(repeating: "[", count: 1_000_000)
        XCTAssertNil(JSONValue.parse(Array(deeper.utf8)[...]))
    }

    func testDuplicateKeysKeepTheLastValueAtTheFirstPosition() throws {
        let value = try XCTUnwrap(parse(#"{"a":1,"b":2,"a":3}"#))
        XCTAssertEqual(json(value), #"{"a":3,"b":2}"#)
        var many = "{"
        for k in 0..<40 { many += "\"k\(k % 20)\":\(k)," }
        many += #""end":true}"#
        let object = try XCTUnwrap(parse(many)?.objectValue)
        XCTAssertEqual(object.count, 21)
        XCTAssertEqual(object["k3"], 23)
        XCTAssertEqual(object.keys.first, Array("k0".utf8))
    }

    /// Found by the jsonrpc fuzz target: keys that differ only in invalid UTF-8 are two keys,
    /// written out they are the same key (U+FFFD), and parsed again they merge.
    func testKeysThatDifferOnlyInInvalidUTF8MergeAfterOneTrip() throws {
        let bytes: [UInt8] = Array(#"{"a"#.utf8) + [0xFF] + Array(#"":1,"a"#.utf8) + [0xFE] + Array(#"":2}"#.utf8)
        let value = try XCTUnwrap(JSONValue.parse(bytes[...]))
        XCTAssertEqual(value.objectValue?.count, 2)
        XCTAssertEqual(json(value), "{\"a\u{FFFD}\":1,\"a\u{FFFD}\":2}")
        let again = try XCTUnwrap(JSONValue.parse(value.serialized[...]))
        XCTAssertEqual(json(again), "{\"a\u{FFFD}\":2}")
        XCTAssertEqual(JSONValue.parse(again.serialized[...]), again)
    }

    func testObjectEditing() {
        var object: JSONObject = ["b": 1, "a": "x"]
        object["c"] = [1, 2]
        object["b"] = nil
        object[Array("a".utf8)] = true
        XCTAssertEqual(object.keys.map { String(decoding: $0, as: UTF8.self) }, ["a", "c"])
        XCTAssertEqual(object.remove("c"), [1, 2])
        XCTAssertNil(object.remove("zz"))
        XCTAssertEqual(object.count, 1)
        for member in object { XCTAssertEqual(member.key, Array("a".utf8)); XCTAssertEqual(member.value, true) }
        XCTAssertNotEqual(JSONObject([("a", 1), ("b", 2)]), JSONObject([("b", 2), ("a", 1)]), "order matters")
        XCTAssertEqual(JSONObject([("a", 1), ("a", 2)]), ["a": 2], "a repeated key replaces")
    }

    func testLiteralsAndAccessors() throws {
        var value: JSONValue = ["jsonrpc": "2.0", "id": 7, "result": ["tools": [], "ok": true, "none": nil]]
        XCTAssertEqual(json(value), #"{"jsonrpc":"2.0","id":7,"result":{"tools":[],"ok":true,"none":null}}"#)
        XCTAssertEqual(value["jsonrpc"]?.stringValue, "2.0")
        XCTAssertEqual(value["id"]?.intValue, 7)
        XCTAssertEqual(value["id"]?.numberToken, Array("7".utf8))
        XCTAssertEqual(value["result"]?["ok"]?.boolValue, true)
        XCTAssertEqual(value["result"]?["none"]?.isNull, true)
        XCTAssertEqual(value["result"]?["tools"]?.arrayValue, [])
        XCTAssertNil(value["missing"])
        XCTAssertNil(value[0])
        value["result"]?["tools"] = [JSONValue("a"), JSONValue("b")]
        XCTAssertEqual(value["result"]?["tools"]?[1], "b")
        XCTAssertEqual(value["result"]?["tools"]?[1]?.stringBytes, Array("b".utf8))
        value["id"] = nil
        XCTAssertNil(value["id"])
        XCTAssertEqual(JSONValue.string([0xFF]).stringValue, nil, "not UTF-8")
        XCTAssertNil(JSONValue.number(Array("1.5".utf8)).intValue)
        XCTAssertNil(JSONValue.number(Array("1e3".utf8)).intValue)
        XCTAssertEqual(JSONValue(-12).serialized, Array("-12".utf8))
    }

    func testScannerAgreesOnParsedMessages() throws {
        let text = #"{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"a\u00e9","arguments":{"n":[1,2.5]}}}"#
        let bytes = Array(text.utf8)
        let fields = try MessageScanner.scan(bytes[...]).get()
        let value = try XCTUnwrap(JSONValue.parse(bytes[...]))
        XCTAssertEqual(JSONValue.parse(bytes[fields.params!]), value["params"])
        XCTAssertEqual(JSONString.decode(bytes[fields.name!]), value["params"]?["name"]?.stringBytes)
    }
}
