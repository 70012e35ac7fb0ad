import XCTest
import EdgeIO
@testable import EdgeHTTP

final class SSEWriterTests: XCTestCase {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    func testEventLines() {
        var out: [UInt8] = []
        SSEWriter.writeEvent(data: Array(#"{"jsonrpc":"2.0"}"#.utf8), into: &out)
        XCTAssertEqual(text(out), "data: {\"jsonrpc\":\"2.0\"}\n\n")
        out = []
        SSEWriter.writeEvent(data: Array("a\nb\r\nc\rd".utf8), id: Array("s1-9".utf8)[...], event: Array("message".utf8)[...],
                             retry: 2000, into: &out)
        XCTAssertEqual(text(out), "event: message\nid: s1-9\nretry: 2000\ndata: a\ndata: b\ndata: c\ndata: d\n\n")
        out = []
        SSEWriter.writeEvent(data: [UInt8](), id: Array("p\r\n\u{0}x".utf8)[...], into: &out)
        XCTAssertEqual(text(out), "id: px\ndata:\n\n", "no line breaks or NUL in an id")
        out = []
        SSEWriter.writeEvent(data: Array("end\n".utf8), into: &out)
        XCTAssertEqual(text(out), "data: end\ndata:\n\n")
    }

    func testComments() {
        var out: [UInt8] = []
        SSEWriter.writeComment([UInt8](), into: &out)
        SSEWriter.writeComment(Array("keep-alive".utf8), into: &out)
        SSEWriter.writeComment(Array("a\nb".utf8), into: &out)
        XCTAssertEqual(text(out), ":\n: keep-alive\n: a\n: b\n")
    }

    func testByteBufferVariant() {
        var buffer = ByteBuffer(capacity: 8)
        SSEWriter.writeComment(Array("x".utf8), into: &buffer)
        SSEWriter.writeEvent(data: Array("hi".utf8), event: Array("e".utf8)[...], into: &buffer)
        XCTAssertEqual(text(Array(buffer.readableSlice)), ": x\nevent: e\ndata: hi\n\n")
    }

    /// Whatever the data, the parser reads back the same bytes.
    func testWriterAndParserAgree() {
        let samples: [[UInt8]] = [
            [], Array("x".utf8), Array("\n".utf8), Array("\r\n".utf8), Array("\r".utf8), Array(" lead".utf8),
            Array("a\n\nb".utf8), Array("a\r\r\nb\n".utf8), Array(": not a comment".utf8), Array("data: nested".utf8),
            (0...255).map(UInt8.init),
        ]
        for data in samples {
            var stream: [UInt8] = []
            SSEWriter.writeComment(Array("c".utf8), into: &stream)
            SSEWriter.writeEvent(data: data, id: Array("1".utf8)[...], event: Array("t".utf8)[...], into: &stream)
            var parser = SSEParser(maxEventBytes: 4096)
            var got: [[UInt8]] = []
            XCTAssertTrue(parser.feed(stream[...]) { got.append(Array($0.data)) })
            XCTAssertEqual(got, [normalizedBytes(data)], text(data).debugDescription)
        }
    }

    /// CRLF and CR become LF; other bytes stay.
    private func normalizedBytes(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < data.count {
            if data[i] == 0x0D {
                out.append(0x0A)
                if i + 1 < data.count && data[i + 1] == 0x0A { i += 1 }
            } else {
                out.append(data[i])
            }
            i += 1
        }
        return out
    }
}
