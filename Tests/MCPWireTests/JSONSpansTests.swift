import XCTest
@testable import MCPWire

final class JSONSpansTests: XCTestCase {
    private func members(_ json: String, offset: Int = 0) -> [(String, String)]? {
        let bytes = (Array(repeating: UInt8(ascii: " "), count: offset) + Array(json.utf8))[offset...]
        var found: [(String, String)] = []
        let ok = JSONSpans.forEachMember(of: bytes.indices, in: bytes) { key, value in
            found.append((String(decoding: bytes[key], as: UTF8.self), String(decoding: bytes[value], as: UTF8.self)))
        }
        return ok ? found : nil
    }

    func testMembersAndElements() {
        XCTAssertEqual(members(#"{}"#)?.count, 0)
        let found = members(#"{ "a" : 1 , "b":[1,{"c":"]}"}], "a":"x\"y" ,"d":null,"e":{"f":[]}}"#, offset: 3)
        XCTAssertEqual(found?.map(\.0), [#""a""#, #""b""#, #""a""#, #""d""#, #""e""#])
        XCTAssertEqual(found?.map(\.1), ["1", #"[1,{"c":"]}"}]"#, #""x\"y""#, "null", #"{"f":[]}"#])
        let bytes = Array(#"[1, "two" ,{"3":[3]},[],-4.5e1,true]"#.utf8)[...]
        var elements: [String] = []
        XCTAssertTrue(JSONSpans.forEachElement(of: bytes.indices, in: bytes) { elements.append(String(decoding: bytes[$0], as: UTF8.self)) })
        XCTAssertEqual(elements, ["1", #""two""#, #"{"3":[3]}"#, "[]", "-4.5e1", "true"])
        let object = Array(#"{"k":1,"k\u0031":2,"k1":3}"#.utf8)[...]
        XCTAssertEqual(JSONSpans.member("k1", of: object.indices, in: object).map { String(decoding: object[$0], as: UTF8.self) }, "3")
        XCTAssertNil(JSONSpans.member("z", of: object.indices, in: object))
    }

    func testListEntries() {
        let result = Array(#"{"x":[{"name":"no"}],"tools":[{"name":"a","description":"d"},7,{"description":"only"}],"y":1}"#.utf8)[...]
        var seen: [String] = []
        XCTAssertTrue(JSONSpans.forEachListEntry("tools", of: result.indices, in: result, fields: "name", "description") { entry, a, b in
            seen.append([entry, a, b].map { $0.map { String(decoding: result[$0], as: UTF8.self) } ?? "-" }.joined(separator: "|"))
        })
        XCTAssertEqual(seen, [#"{"name":"a","description":"d"}|"a"|"d""#, "7|-|-", #"{"description":"only"}|-|"only""#])
        for refused in [#"{"tools":[],"tools":[]}"#, #"{"tools":{}}"#, #"{"tools":[{"name":1,"name":2}]}"#] {
            let bytes = Array(refused.utf8)[...]
            XCTAssertFalse(JSONSpans.forEachListEntry("tools", of: bytes.indices, in: bytes, fields: "name", nil) { _, _, _ in }, refused)
        }
    }

    /// Malformed or cut bytes end in false, never in a trap or a range outside the input.
    func testMalformedAndTruncatedInputIsRefused() {
        let good = #"{"tools":[{"name":"a\"b","inputSchema":{"type":"object","p":[1,2,{"q":null}]}},true,-1.5]}"#
        let bytes = Array(good.utf8)
        for cut in 0..<bytes.count {
            let slice = bytes[..<cut]
            XCTAssertFalse(JSONSpans.forEachMember(of: slice.indices, in: slice) { key, value in
                XCTAssertTrue(key.upperBound <= cut && value.upperBound <= cut)
            }, "cut at \(cut)")
            XCTAssertFalse(JSONSpans.forEachListEntry("tools", of: slice.indices, in: slice, fields: "name", nil) { _, _, _ in },
                           "cut at \(cut)")
        }
        for bad in [#"{"a"}"#, #"{"a":}"#, #"{"a":1,}"#, #"{a:1}"#, #"{"a":1 "b":2}"#, #"{"a":tru}"#, #"{"a":-}"#, #"[1,]"#, "{", "", "[}"] {
            let b = Array(bad.utf8)[...]
            XCTAssertFalse(JSONSpans.forEachMember(of: b.indices, in: b) { _, _ in } && JSONSpans.forEachElement(of: b.indices, in: b) { _ in }, bad)
        }
    }
}
