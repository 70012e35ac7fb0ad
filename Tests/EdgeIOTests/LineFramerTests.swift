import EdgeIO
import XCTest

final class LineFramerTests: XCTestCase {
    /// Appends `text` as one read, then frames everything that is complete.
    private func feed(_ framer: inout LineFramer, _ text: String, atEnd: Bool = false) -> [String] {
        let bytes = Array(text.utf8)
        framer.reserve(bytes.count)
        framer.buffer.write(contentsOf: bytes)
        return frame(&framer, atEnd: atEnd)
    }

    private func frame(_ framer: inout LineFramer, atEnd: Bool = false) -> [String] {
        var out: [String] = []
        while let item = framer.next(atEnd: atEnd) {
            switch item {
            case .line(let range, let truncated):
                let text = String(decoding: framer.buffer.storage[range], as: UTF8.self)
                out.append(truncated ? text + "…" : text)
            case .overlong:
                out.append("<overlong>")
            }
        }
        return out
    }

    func testManyLinesInOneReadAndOneLineInMany() {
        var framer = LineFramer(maxLength: 100, truncates: false, initialCapacity: 8)
        XCTAssertEqual(feed(&framer, "a\nbb\nccc\n"), ["a", "bb", "ccc"])
        XCTAssertEqual(feed(&framer, "sp"), [])
        XCTAssertEqual(feed(&framer, "li"), [])
        XCTAssertEqual(feed(&framer, "t\nrest"), ["split"])
        XCTAssertEqual(feed(&framer, "\n"), ["rest"])
        XCTAssertTrue(framer.buffer.isEmpty)
    }

    func testCarriageReturnsAndEmptyLines() {
        var framer = LineFramer(maxLength: 100, truncates: false)
        XCTAssertEqual(feed(&framer, "\n\r\nx\r\n\n y \n"), ["x", " y "])
    }

    func testAnOverlongLineIsReportedOnceAndSkippedToItsNewline() {
        var framer = LineFramer(maxLength: 4, truncates: false)
        XCTAssertEqual(feed(&framer, "abcd\nabcde\nok\n"), ["abcd", "<overlong>", "ok"])
        // Spread over reads: reported when it passes the limit, the rest discarded as it comes.
        XCTAssertEqual(feed(&framer, "123"), [])
        XCTAssertEqual(feed(&framer, "45"), ["<overlong>"])
        XCTAssertEqual(framer.buffer.readableBytes, 0, "the partial line is not kept")
        XCTAssertEqual(feed(&framer, "6789"), [])
        XCTAssertEqual(framer.buffer.readableBytes, 0)
        XCTAssertEqual(feed(&framer, "0\nnext\n"), ["next"])
    }

    func testTruncatingKeepsThePrefixOfALongLine() {
        var framer = LineFramer(maxLength: 3, truncates: true)
        XCTAssertEqual(feed(&framer, "abcdef\nxy\n"), ["abc…", "xy"])
        XCTAssertEqual(feed(&framer, "long"), ["lon…"])
        XCTAssertEqual(feed(&framer, "er\nend\n"), ["end"])
    }

    func testTheLastLineWithoutANewlineAtTheEnd() {
        var framer = LineFramer(maxLength: 10, truncates: false)
        XCTAssertEqual(feed(&framer, "one\ntwo"), ["one"])
        XCTAssertEqual(frame(&framer, atEnd: true), ["two"])
        XCTAssertEqual(frame(&framer, atEnd: true), [])
    }

    func testTheBufferIsReusedAndShrinksAfterAHugeLine() {
        var framer = LineFramer(maxLength: 1 << 20, truncates: false, initialCapacity: 64)
        XCTAssertEqual(feed(&framer, String(repeating: "z", count: 100_000) + "\n").map(\.count), [100_000])
        XCTAssertGreaterThan(framer.buffer.capacity, 100_000)
        framer.shrink(to: 64)
        XCTAssertEqual(framer.buffer.capacity, 64)
        XCTAssertEqual(feed(&framer, "small\n"), ["small"])
    }
}
