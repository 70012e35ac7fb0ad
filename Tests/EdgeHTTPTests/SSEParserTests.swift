import XCTest
import EdgeIO
@testable import EdgeHTTP

final class SSEParserTests: XCTestCase {
    /// An event with its bytes copied out of the parser.
    struct Seen: Equatable, CustomStringConvertible {
        var event: String
        var data: String
        var id: String?
        var retry: Int?
        var description: String { "[\(event)|\(data.debugDescription)|\(id ?? "-")|\(retry.map(String.init) ?? "-")]" }
    }

    private func parse(_ pieces: [[UInt8]], max: Int = 1 << 16) -> (events: [Seen], ok: Bool, parser: SSEParser) {
        var parser = SSEParser(maxEventBytes: max)
        var events: [Seen] = []
        for piece in pieces {
            let ok = parser.feed(piece[...]) { e in
                events.append(Seen(event: String(decoding: e.event, as: UTF8.self), data: String(decoding: e.data, as: UTF8.self),
                                   id: e.id.map { String(decoding: $0, as: UTF8.self) }, retry: e.retry))
            }
            if !ok { return (events, false, parser) }
        }
        return (events, true, parser)
    }

    private func events(_ text: String) -> [Seen] { parse([Array(text.utf8)]).events }

    func testFieldsAndDispatch() {
        let stream = "event: endpoint\ndata: /messages?session=1\n\n"
            + ": keep-alive\n\n"
            + "id: 7\ndata: {\"jsonrpc\":\"2.0\"}\n\n"
            + "data:first\ndata: second\ndata\ndata:  two spaces\n\n"
            + "retry: 1500\ndata: x\n\n"
            + "retry: 15x\ndata: y\n\n"
            + "unknown: z\ndata: u\n\n"
            + "data: unfinished"
        XCTAssertEqual(events(stream), [
            Seen(event: "endpoint", data: "/messages?session=1"),
            Seen(event: "", data: "{\"jsonrpc\":\"2.0\"}", id: "7"),
            Seen(event: "", data: "first\nsecond\n\n two spaces"),
            Seen(event: "", data: "x", retry: 1500),
            Seen(event: "", data: "y"),
            Seen(event: "", data: "u"),
        ])
    }

    func testEventsWithoutDataAreNotDispatchedButTheirIDAndRetryStick() {
        let (seen, ok, parser) = parse([Array("id: 41\nretry: 300\nevent: x\n\ndata: after\n\n".utf8)])
        XCTAssertTrue(ok)
        XCTAssertEqual(seen, [Seen(event: "", data: "after")], "the type was reset too")
        XCTAssertEqual(parser.lastEventID, Array("41".utf8))
        XCTAssertEqual(parser.retry, 300)
        // An empty data line is data: dispatched with empty data (the priming event).
        XCTAssertEqual(events("id: p1\ndata:\n\n"), [Seen(event: "", data: "", id: "p1")])
        XCTAssertEqual(events("data\n\n"), [Seen(event: "", data: "")])
    }

    func testIDRules() {
        XCTAssertEqual(events("id: a\u{0}b\ndata: x\n\n"), [Seen(event: "", data: "x", id: nil)], "an id with NUL is ignored")
        XCTAssertEqual(events("id\ndata: x\n\n"), [Seen(event: "", data: "x", id: "")], "an empty id resets")
        let (_, _, parser) = parse([Array("id: 1\ndata: a\n\nid: a\u{0}\ndata: b\n\n".utf8)])
        XCTAssertEqual(parser.lastEventID, Array("1".utf8))
    }

    func testRetryRules() {
        XCTAssertEqual(events("retry:\ndata: x\n\n"), [Seen(event: "", data: "x")])
        XCTAssertEqual(events("retry: -1\ndata: x\n\n"), [Seen(event: "", data: "x")])
        XCTAssertEqual(events("retry: 99999999999999999999999\ndata: x\n\n"), [Seen(event: "", data: "x")])
        XCTAssertEqual(events("retry:0\ndata: x\n\n"), [Seen(event: "", data: "x", retry: 0)])
    }

    func testLineEndings() {
        let expected = [Seen(event: "e", data: "a\nb"), Seen(event: "", data: "c")]
        for eol in ["\n", "\r\n", "\r"] {
            let text = ["event: e", "data: a", "data: b", "", "data: c", "", ""].joined(separator: eol)
            XCTAssertEqual(events(text), expected, eol.debugDescription)
        }
        XCTAssertEqual(events("data: a\r\n\rdata: b\n\r\n"), [Seen(event: "", data: "a"), Seen(event: "", data: "b")], "mixed")
        XCTAssertEqual(events("data: a\r\r"), [Seen(event: "", data: "a")], "CR CR is two line ends")
    }

    func testByteAtATimeEqualsAllAtOnceAndEverySplit() {
        let stream = Array(("\u{FEFF}: hi\r\nevent: message\r\ndata: {\"a\":1}\r\nid: 9\r\n\r\n"
            + "data: line1\rdata: line2\r\rdata: x\n\nretry: 10\r\ndata:\r\n\r\n").utf8)
        let whole = parse([stream])
        XCTAssertEqual(whole.events.count, 4)
        XCTAssertEqual(whole.events[0], Seen(event: "message", data: "{\"a\":1}", id: "9"))
        XCTAssertEqual(parse(stream.map { [$0] }).events, whole.events)
        for cut in 0...stream.count {
            XCTAssertEqual(parse([Array(stream[..<cut]), Array(stream[cut...])]).events, whole.events, "cut at \(cut)")
        }
        for a in stride(from: 0, through: stream.count, by: 3) {
            for b in a...stream.count {
                XCTAssertEqual(parse([Array(stream[..<a]), Array(stream[a..<b]), Array(stream[b...])]).events, whole.events)
            }
        }
    }

    func testCRAtTheEndOfAFeedThenLF() {
        XCTAssertEqual(parse([Array("data: a\r".utf8), Array("\ndata: b\r".utf8), Array("\n\r".utf8), Array("\n".utf8)]).events,
                       [Seen(event: "", data: "a\nb")])
        // An empty feed between the CR and the LF changes nothing.
        XCTAssertEqual(parse([Array("data: a\r".utf8), [], Array("\n\r\n".utf8)]).events, [Seen(event: "", data: "a")])
    }

    func testBOMOnlyAtTheStart() {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        XCTAssertEqual(parse([bom + Array("data: a\n\n".utf8)]).events, [Seen(event: "", data: "a")])
        XCTAssertEqual(parse([[0xEF], [0xBB], [0xBF], Array("data: a\n\n".utf8)]).events, [Seen(event: "", data: "a")])
        // A second BOM is part of the first line's field name (unknown field: ignored).
        XCTAssertEqual(parse([bom + bom + Array("data: a\n\ndata: b\n\n".utf8)]).events, [Seen(event: "", data: "b")])
        // Half a BOM is not dropped: it joins the line.
        XCTAssertEqual(parse([[0xEF, 0xBB], Array("x\ndata: a\n\n".utf8)]).events, [Seen(event: "", data: "a")])
        let (events, _, parser) = parse([[0xEF], Array("id: 1\n".utf8)])
        XCTAssertTrue(events.isEmpty)
        XCTAssertEqual(parser.lastEventID, [], "\\xEFid is not id")
        // A BOM after the start is data.
        XCTAssertEqual(parse([Array("data: ".utf8), bom, Array("\n\n".utf8)]).events, [Seen(event: "", data: "\u{FEFF}")])
    }

    func testLimits() {
        XCTAssertTrue(parse([Array("data: 12345\n\n".utf8)], max: 11).ok, "a line of exactly the limit")
        XCTAssertFalse(parse([Array("data: 123456\n\n".utf8)], max: 11).ok, "a longer line")
        XCTAssertFalse(parse(Array("data: 123456".utf8).map { [$0] }, max: 11).ok, "an unfinished line grows past the limit")
        XCTAssertTrue(parse([Array("data: 12345\ndata: 12345\n\n".utf8)], max: 11).ok, "data: 11 bytes")
        XCTAssertFalse(parse([Array("data: 123456\ndata: 123456\n\n".utf8)], max: 12).ok, "lines of 12, data of 13")
        // Many events, each under the limit: fine.
        let many = Array(String(repeating: "data: 0123456789\n\n", count: 1000).utf8)
        let result = parse([many], max: 32)
        XCTAssertTrue(result.ok)
        XCTAssertEqual(result.events.count, 1000)
    }

    func testEventsAreSlicesOfReusedBuffers() {
        var parser = SSEParser(maxEventBytes: 1024)
        var datas: [ArraySlice<UInt8>] = []
        _ = parser.feed(Array("data: one\n\ndata: two\n\n".utf8)[...]) { datas.append($0.data) }
        XCTAssertEqual(datas.map { String(decoding: $0, as: UTF8.self) }, ["one", "two"], "kept slices stay valid")
    }
}
