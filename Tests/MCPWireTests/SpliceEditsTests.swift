import XCTest
@testable import MCPWire

final class SpliceEditsTests: XCTestCase {
    private func bytes(_ text: String) -> ArraySlice<UInt8> { Array(text.utf8)[...] }

    func testRewritesIDAndToolName() throws {
        let message = bytes(#"{"jsonrpc":"2.0","id":"client-7","method":"tools/call","params":{"name":"github__search","arguments":{}}}"#)
        let fields = try MessageScanner.scan(message).get()
        var edits = SpliceEdits()
        // Added out of order: kept sorted.
        edits.add(fields.name!, bytes(#""search""#))
        edits.add(fields.id!, bytes("1001"))
        XCTAssertEqual(edits.count, 2)
        XCTAssertEqual(edits[0].range, fields.id!)
        let out = edits.applied(to: message)
        XCTAssertEqual(String(decoding: out, as: UTF8.self),
                       #"{"jsonrpc":"2.0","id":1001,"method":"tools/call","params":{"name":"search","arguments":{}}}"#)
        XCTAssertEqual(out.count, message.count + edits.growth)
        let again = try MessageScanner.scan(out[...]).get()
        XCTAssertEqual(String(decoding: out[again.id!], as: UTF8.self), "1001")
    }

    func testPiecesAndSlicesNotStartingAtZero() {
        let buffer = bytes("....abcdefgh....")
        let source = buffer[4..<12]
        var edits = SpliceEdits()
        edits.add(4..<5, bytes("A"))     // a → A
        edits.add(6..<6, bytes("+"))     // insert before c
        edits.add(6..<8, bytes(""))      // delete cd (after the insertion at the same index)
        edits.add(12..<12, bytes("!"))   // append
        var pieces: [String] = []
        edits.apply(to: source) { pieces.append(String(decoding: $0, as: UTF8.self)) }
        XCTAssertEqual(pieces, ["A", "b", "+", "efgh", "!"])
        XCTAssertEqual(String(decoding: edits.applied(to: source), as: UTF8.self), "Ab+efgh!")
        XCTAssertTrue(edits.isFull)
    }

    func testNoEditsEmitsTheSource() {
        let source = bytes("abc")
        XCTAssertEqual(SpliceEdits().applied(to: source), Array(source))
        XCTAssertEqual(SpliceEdits().applied(to: source[3...]), [])
    }

    func testCanAddRefusesOverlapsAndAFifthEdit() {
        var edits = SpliceEdits()
        edits.add(2..<5, bytes("x"))
        XCTAssertFalse(edits.canAdd(4..<6))
        XCTAssertFalse(edits.canAdd(0..<3))
        XCTAssertFalse(edits.canAdd(3..<3), "an insertion inside a replaced range")
        XCTAssertFalse(edits.canAdd(1..<9), "a parent of a replaced range")
        XCTAssertTrue(edits.canAdd(5..<6))
        XCTAssertTrue(edits.canAdd(0..<2))
        edits.add(0..<1, bytes(""))
        edits.add(5..<6, bytes(""))
        edits.add(7..<8, bytes(""))
        XCTAssertFalse(edits.canAdd(9..<10))
    }
}
