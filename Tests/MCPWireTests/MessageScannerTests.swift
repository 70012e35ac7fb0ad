import XCTest
@testable import MCPWire

final class MessageScannerTests: XCTestCase {
    private func scan(_ text: String, maxDepth: Int = 64) -> Result<MessageFields, ScanFailure> {
        MessageScanner.scan(Array(text.utf8)[...], maxDepth: maxDepth)
    }

    private func failure(_ text: String, maxDepth: Int = 64) -> ScanFailure? {
        if case .failure(let f) = scan(text, maxDepth: maxDepth) { return f }
        return nil
    }

    /// The text of a recorded field, or nil.
    private func text(_ source: String, _ field: KeyPath<MessageFields, Range<Int>?>) -> String? {
        let bytes = Array(source.utf8)
        guard case .success(let fields) = MessageScanner.scan(bytes[...]) else { return "FAILED" }
        return fields[keyPath: field].map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    func testMalformedJSONIsAParseError() {
        let cases = [
            "", " ", "{", "}", "[", "{\"jsonrpc\":\"2.0\"", #"{"jsonrpc":"2.0",}"#, #"{"jsonrpc":"2.0" "id":1}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"x"} x"#, #"{"jsonrpc":"2.0","id":1,"method":"x"}{}"#,
            #"{jsonrpc:"2.0"}"#, #"{'jsonrpc':'2.0'}"#, #"{"a" 1}"#, #"{"a":}"#, #"{"a"::1}"#, #"{,"a":1}"#,
            #"[1,]"#, #"[,1]"#, #"[1 2]"#, #"[1,,2]"#, #"{"a":[}"#, #"{"a":{]}"#, #"["a"}"#,
            // numbers
            "01", "-", "-a", "1.", ".5", "1e", "1e+", "+1", "0x10", "1.5e", "--1", "1.e5", "Infinity", "NaN", "0.-1",
            // literals
            "tru", "nul", "falsey", "True", "NULL", "nulll", "t", "f",
            // strings
            #""abc"#, #""a\qb""#, #""a\u12""#, #""a\u12G4""#, #""a\"#, "\"a\u{1}b\"", "\"a\nb\"", "\"a\tb\"",
            #""\x41""#, #""\U0041""#, "\"\u{7F}\u{0}\"",
            // a raw control byte inside a key, or a stray byte
            "{\"a\u{0}\":1}", "{\"a\":1}\u{0}", "\u{FEFF}{}",
        ]
        for text in cases {
            XCTAssertEqual(failure(text), .parseError, text.debugDescription)
        }
        // Bytes after an otherwise valid message and long strings with the error late.
        let long = "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":{\"s\":\"" + String(repeating: "abcdefgh", count: 40) + "\u{1F}\"}}"
        XCTAssertEqual(failure(long), .parseError)
    }

    func testWellFormedJSONThatIsNotAMessageIsAnInvalidRequest() {
        let cases = [
            // top level not an object
            "1", #""x""#, "null", "[]", #"[{"jsonrpc":"2.0","id":1,"method":"x"}]"#, "{}",
            // jsonrpc
            #"{"id":1,"method":"x"}"#, #"{"jsonrpc":"1.0","id":1,"method":"x"}"#, #"{"jsonrpc":2.0,"id":1,"method":"x"}"#,
            #"{"jsonrpc":"2.0 ","id":1,"method":"x"}"#, #"{"jsonrpc":null,"id":1,"method":"x"}"#,
            // id
            #"{"jsonrpc":"2.0","id":null,"method":"x"}"#, #"{"jsonrpc":"2.0","id":true,"method":"x"}"#,
            #"{"jsonrpc":"2.0","id":{},"method":"x"}"#, #"{"jsonrpc":"2.0","id":[1],"method":"x"}"#,
            #"{"jsonrpc":"2.0","id":null,"result":{}}"#, #"{"jsonrpc":"2.0","result":{}}"#, #"{"jsonrpc":"2.0","error":{}}"#,
            #"{"jsonrpc":"2.0","id":[],"error":{}}"#,
            // method
            #"{"jsonrpc":"2.0","id":1,"method":1}"#, #"{"jsonrpc":"2.0","method":null}"#, #"{"jsonrpc":"2.0","method":["x"]}"#,
            // params
            #"{"jsonrpc":"2.0","id":1,"method":"x","params":1}"#, #"{"jsonrpc":"2.0","id":1,"method":"x","params":"p"}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"x","params":null}"#,
            // result and error
            #"{"jsonrpc":"2.0","id":1,"result":{},"error":{}}"#, #"{"jsonrpc":"2.0","id":1,"method":"x","result":{}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"x","error":{}}"#, #"{"jsonrpc":"2.0","id":1}"#,
        ]
        for text in cases {
            XCTAssertEqual(failure(text), .invalidRequest, text)
        }
    }

    func testDuplicatedTrackedKeysAreInvalidRequests() {
        let cases = [
            #"{"jsonrpc":"2.0","id":1,"id":2,"method":"x"}"#,
            #"{"jsonrpc":"2.0","jsonrpc":"2.0","id":1,"method":"x"}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"x","method":"y"}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"x","params":{},"params":{}}"#,
            #"{"jsonrpc":"2.0","id":1,"result":1,"result":2}"#,
            #"{"jsonrpc":"2.0","id":1,"error":{},"error":{}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","name":"b"}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"x","params":{"uri":"a","uri":"b"}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"x","params":{"cursor":"a","cursor":"b"}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1,"requestId":2}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progressToken":2}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":{},"_meta":{}}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"x","params":{"inputResponses":{},"inputResponses":{}}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"x","params":{"requestState":"a","requestState":"b"}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":{"progressToken":1,"progressToken":2}}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"a","io.modelcontextprotocol/protocolVersion":"b"}}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":{"io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientCapabilities":{}}}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":{"io.modelcontextprotocol/clientInfo":{},"io.modelcontextprotocol/clientInfo":{}}}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":{"io.modelcontextprotocol/logLevel":"a","io.modelcontextprotocol/logLevel":"b"}}}"#,
            // written with escapes: still the same key
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","n\u0061me":"b"}}"#,
            #"{"jsonrpc":"2.0","id":1,"\u0069d":2,"method":"x"}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":{"io.modelcontextprotocol\/logLevel":"a","io.modelcontextprotocol/logLevel":"b"}}}"#,
        ]
        for text in cases {
            XCTAssertEqual(failure(text), .invalidRequest, text)
        }
        // A parse error later in the input wins over a duplicate seen earlier.
        XCTAssertEqual(failure(#"{"jsonrpc":"2.0","id":1,"id":2,"method":"x""#), .parseError)
    }

    func testUntrackedDuplicatesAndKeysInOtherObjectsAreFine() {
        let cases = [
            #"{"jsonrpc":"2.0","id":1,"method":"x","extra":1,"extra":2}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{"name":1,"name":2}}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"x","params":{"name":"a","arguments":{"name":"b"}}}"#,
            #"{"jsonrpc":"2.0","id":1,"result":{"id":1,"id":2,"name":"a","name":"b"}}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"x","params":[{"name":"a"},{"name":"b"}]}"#,
            #"{"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":{"other":{"progressToken":1,"progressToken":2}}}}"#,
        ]
        for text in cases {
            guard case .success = scan(text) else { return XCTFail(text) }
        }
    }

    func testNestingDeeperThanMaxDepthIsTooDeep() {
        func nested(_ depth: Int) -> String {
            #"{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":"# + String(repeating: "[", count: depth - 2)
                + String(repeating: "]", count: depth - 2) + "}}"
        }
        guard case .success = scan(nested(64)) else { return XCTFail("64 levels are allowed") }
        XCTAssertEqual(failure(nested(65)), .tooDeep)
        XCTAssertEqual(failure(nested(10), maxDepth: 9), .tooDeep)
        guard case .success = scan(nested(10), maxDepth: 10) else { return XCTFail() }
        XCTAssertEqual(failure("{}", maxDepth: 0), .tooDeep)
        // Deep input, unclosed: the depth is seen before the end.
        XCTAssertEqual(failure(String(repeating: "[", count: 100_000)), .tooDeep)
        // The bit stack crosses 64-level words both ways.
        let deep = "[" + String(repeating: "{\"a\":[", count: 300) + "1" + String(repeating: "]}", count: 300) + "]"
        XCTAssertEqual(failure(deep, maxDepth: 1000), .invalidRequest, "well-formed, just not an object")
        let crossed = "[" + String(repeating: "{\"a\":[", count: 300) + "1" + String(repeating: "]]", count: 300) + "]"
        XCTAssertEqual(failure(crossed, maxDepth: 1000), .parseError, "a bracket that closes the wrong kind")
        XCTAssertEqual(failure(String(repeating: "[", count: 2000) + String(repeating: "]", count: 2000), maxDepth: 5000), .tooDeep,
                       "maxDepth is clamped to the stack's capacity")
    }

    func testFieldLocations() {
        let call = #"{"jsonrpc":"2.0","id":"r-1","method":"tools/call","params":{"name":"github__search","arguments":{"q":"x","name":"no"},"#
            + #""_meta":{"progressToken":42,"io.modelcontextprotocol/protocolVersion":"2026-07-28","#
            + #""io.modelcontextprotocol/clientCapabilities":{"sampling":{}},"io.modelcontextprotocol/clientInfo":{"name":"c","version":"1"},"#
            + #""io.modelcontextprotocol/logLevel":"info"},"inputResponses":{"a":{"ok":true}},"requestState":"opaque"}}"#
        let table: [(KeyPath<MessageFields, Range<Int>?>, String?)] = [
            (\.jsonrpc, #""2.0""#), (\.id, #""r-1""#), (\.method, #""tools/call""#), (\.name, #""github__search""#),
            (\.progressToken, "42"), (\.protocolVersion, #""2026-07-28""#), (\.clientCapabilities, #"{"sampling":{}}"#),
            (\.clientInfo, #"{"name":"c","version":"1"}"#), (\.logLevel, #""info""#), (\.inputResponses, #"{"a":{"ok":true}}"#),
            (\.requestState, #""opaque""#), (\.uri, nil), (\.cursor, nil), (\.requestID, nil), (\.result, nil), (\.error, nil),
        ]
        for (field, expected) in table {
            XCTAssertEqual(text(call, field), expected, "\(field)")
        }
        XCTAssertEqual(text(call, \.meta)?.hasPrefix(#"{"progressToken":42,"#), true)
        XCTAssertEqual(text(call, \.params)?.hasPrefix(#"{"name":"github__search""#), true)
        XCTAssertEqual(text(call, \.params)?.hasSuffix(#""requestState":"opaque"}"#), true)

        let spaced = " \n{ \"id\" : 7 ,\t\"method\" : \"resources/read\" , \"params\" : { \"uri\" : \"file:///a b\" , \"cursor\" : null } , \"jsonrpc\" : \"2.0\" }\r\n"
        XCTAssertEqual(text(spaced, \.id), "7")
        XCTAssertEqual(text(spaced, \.method), #""resources/read""#)
        XCTAssertEqual(text(spaced, \.uri), #""file:///a b""#)
        XCTAssertEqual(text(spaced, \.cursor), "null")
        XCTAssertEqual(text(spaced, \.params), #"{ "uri" : "file:///a b" , "cursor" : null }"#)
        XCTAssertEqual(text(spaced, \.jsonrpc), #""2.0""#)

        let cancel = #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"abc","reason":"user"}}"#
        XCTAssertEqual(text(cancel, \.requestID), #""abc""#)
        XCTAssertNil(text(cancel, \.id))

        let progress = #"{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"t1","progress":5,"_meta":{"progressToken":"other"}}}"#
        XCTAssertEqual(text(progress, \.progressToken), #""t1""#, "notifications/progress: params.progressToken")
        let request = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"progressToken":"no","_meta":{"progressToken":"yes"}}}"#
        XCTAssertEqual(text(request, \.progressToken), #""yes""#, "a request: params._meta.progressToken")
        let escapedMethod = #"{"jsonrpc":"2.0","method":"notifications\/progress","params":{"progressToken":-1.5e3}}"#
        XCTAssertEqual(text(escapedMethod, \.progressToken), "-1.5e3")

        let list = #"{"jsonrpc":"2.0","id":3,"result":{"tools":[{"name":"a","inputSchema":{}}],"nextCursor":"c2"}}"#
        XCTAssertEqual(text(list, \.result), #"{"tools":[{"name":"a","inputSchema":{}}],"nextCursor":"c2"}"#)
        XCTAssertNil(text(list, \.name), "result members are not params")
        let error = #"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}"#
        XCTAssertEqual(text(error, \.id), "null")
        XCTAssertEqual(text(error, \.error), #"{"code":-32700,"message":"Parse error"}"#)

        // params as an array: nothing inside is tracked.
        let positional = #"{"jsonrpc":"2.0","id":1,"method":"x","params":[{"name":"a"}]}"#
        XCTAssertEqual(text(positional, \.params), #"[{"name":"a"}]"#)
        XCTAssertNil(text(positional, \.name))
        // _meta not an object: recorded, but nothing inside.
        XCTAssertEqual(text(#"{"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":"m"}}"#, \.meta), #""m""#)
        // An escaped key is recognised and its value recorded.
        XCTAssertEqual(text(#"{"jsonrpc":"2.0","id":1,"method":"x","params":{"n\u0061me":"t"}}"#, \.name), #""t""#)
    }

    func testKinds() throws {
        let cases: [(String, MessageKind)] = [
            (#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#, .request),
            (#"{"jsonrpc":"2.0","id":"a","method":"ping","params":{}}"#, .request),
            (#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, .notification),
            (#"{"jsonrpc":"2.0","id":1,"result":{}}"#, .response),
            (#"{"jsonrpc":"2.0","id":1,"result":null}"#, .response),
            (#"{"jsonrpc":"2.0","id":-0.5e+2,"error":{"code":-32601,"message":"x"}}"#, .response),
            (#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}"#, .response),
        ]
        for (text, kind) in cases {
            XCTAssertEqual(try scan(text).get().kind, kind, text)
        }
    }

    func testRangesAreIndicesOfTheSlice() throws {
        let message = Array(#"{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"t"}}"#.utf8)
        let buffer = Array("garbage before".utf8) + message + Array("and after".utf8)
        let body = buffer[14..<(14 + message.count)]
        let fields = try MessageScanner.scan(body).get()
        XCTAssertEqual(fields.id, 36..<38)
        XCTAssertEqual(String(decoding: buffer[fields.id!], as: UTF8.self), "12")
        XCTAssertEqual(String(decoding: buffer[fields.name!], as: UTF8.self), #""t""#)
        XCTAssertEqual(MessageScanner.kind(of: fields.id!, in: body), .number)
        XCTAssertEqual(MessageScanner.kind(of: fields.name!, in: body), .string)
        XCTAssertEqual(MessageScanner.kind(of: fields.params!, in: body), .object)
    }

    func testKindOfEveryValueType() {
        let bytes = Array(#"["s",-1,{},[],true,false,null]"#.utf8)
        let ranges = [1..<4, 5..<7, 8..<10, 11..<13, 14..<18, 19..<24, 25..<29]
        let kinds: [JSONKind] = [.string, .number, .object, .array, .bool, .bool, .null]
        for (range, kind) in zip(ranges, kinds) {
            XCTAssertEqual(MessageScanner.kind(of: range, in: bytes[...]), kind)
        }
    }

    func testLongStringsAcrossEightByteWords() throws {
        // Every position of the closing quote and of an escape relative to the 8-byte words.
        for length in 0..<40 {
            for escapeAt in [-1] + Array(0..<length) {
                var value = String(repeating: "é", count: length / 2) + String(repeating: "x", count: length % 2)
                if escapeAt >= 0 {
                    var chars = Array(value)
                    chars.insert(contentsOf: #"\""#, at: min(escapeAt, chars.count))
                    value = String(chars)
                }
                let text = #"{"jsonrpc":"2.0","id":1,"method":"x","params":{"name":""# + value + #""}}"#
                let bytes = Array(text.utf8)
                let fields = try MessageScanner.scan(bytes[...]).get()
                XCTAssertEqual(String(decoding: bytes[fields.name!], as: UTF8.self), "\"" + value + "\"")
            }
        }
    }

    func testScanAgreesWithTopLevelID() throws {
        let text = #"{"jsonrpc":"2.0","params":{"id":5},"id":"a\"b","method":"m"}"#
        let bytes = Array(text.utf8)
        XCTAssertEqual(try MessageScanner.scan(bytes[...]).get().id, JSONRPCScanner.topLevelID(in: bytes[...]))
    }

    func testScanFailureCodes() {
        XCTAssertEqual(ScanFailure.parseError.code, -32700)
        XCTAssertEqual(ScanFailure.invalidRequest.code, -32600)
        XCTAssertEqual(ScanFailure.tooDeep.code, -32600)
    }
}
