import XCTest
@testable import MCPWire

final class JSONRPCScannerTests: XCTestCase {
    private func id(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        return JSONRPCScanner.topLevelID(in: bytes[...]).map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    func testFindsTopLevelIDs() {
        let cases: [(String, String?)] = [
            (#"{"jsonrpc":"2.0","id":7,"method":"x"}"#, "7"),
            (#"{"jsonrpc":"2.0","id":"7","method":"x"}"#, #""7""#),
            (#"{"method":"x","params":{"id":99},"id":-3}"#, "-3"),
            (#"{ "params" : {"a":[1,{"id":1}]} , "id" : "a\"b" }"#, #""a\"b""#),
            (#"{"jsonrpc":"2.0","method":"notifications/x"}"#, nil),
            (#"{"id":null}"#, nil),
            (#"{"id":{"x":1}}"#, nil),
            (#"[{"id":1}]"#, nil),
            (#"{"jsonrpc":"2.0","id":12"#, nil),
            ("garbage", nil),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(id(text), expected, text)
        }
    }

    /// Found by the jsonrpc fuzz target (Tests/FuzzCorpus/jsonrpc/crashes): the scanner took
    /// everything up to the closing brace as the id, and the error body echoed it as is.
    func testMalformedIDsAreNotEchoed() {
        let cases: [(String, String?)] = [
            ("{\n\t\"id\" : -{12.5e+3 ,\"jsonrpc\":\"2.0\"}", nil),
            (#"{"id":1[},"method":"x"}"#, nil),
            (#"{"id":1 2,"method":"x"}"#, nil),
            (#"{"id":01}"#, nil),
            (#"{"id":-}"#, nil),
            (#"{"id":1.}"#, nil),
            ("{\"id\":\"a\u{1}b\"}", nil),
            (#"{"id":"a\qb"}"#, nil),
            (#"{"id":"a\u12"}"#, nil),
            (#"{"id":-0.5e+10 }"#, "-0.5e+10"),
            (#"{"id":"a\u00e9\n\/"}"#, #""a\u00e9\n\/""#),
            (#"{"id":"é"}"#, #""é""#),
            (#"{"id":""}"#, #""""#),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(id(text), expected, text)
        }
    }

    func testErrorBodyKeepsTheIDBytes() {
        let raw = Array(#"{"id":"abc"}"#.utf8)
        let body = JSONRPCErrorBody.make(id: raw[6..<11], code: -32010, message: Array("backend \"x\" down".utf8))
        XCTAssertEqual(String(decoding: body, as: UTF8.self),
                       #"{"jsonrpc":"2.0","id":"abc","error":{"code":-32010,"message":"backend x down"}}"#)
    }
}
