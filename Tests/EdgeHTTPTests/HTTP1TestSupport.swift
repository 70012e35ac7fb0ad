import XCTest
import EdgeIO
@testable import EdgeHTTP

/// Helpers shared by the HTTP/1.1 codec tests.
enum H1 {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func buffer(_ text: String) -> ByteBuffer { buffer(bytes(text)) }

    static func buffer(_ bytes: [UInt8]) -> ByteBuffer {
        var b = ByteBuffer(capacity: 16)
        b.write(contentsOf: bytes)
        return b
    }

    static func string<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        String(decoding: bytes, as: UTF8.self)
    }

    static func string(_ buffer: ByteBuffer) -> String { string(buffer.readableSlice) }

    /// Parses a request whose bytes all arrived at once.
    static func parseRequest(_ raw: [UInt8], limits: HTTP1Limits = HTTP1Limits())
        -> (HTTP1ParseResult, HTTPRequestHead, HTTP1RequestParser) {
        var parser = HTTP1RequestParser(limits: limits)
        var head = HTTPRequestHead()
        let result = parser.parseHead(buffer(raw), into: &head)
        return (result, head, parser)
    }

    /// Parses a request fed one byte at a time; returns the first result that is not
    /// `.incomplete` (or `.incomplete`).
    static func parseRequestByteByByte(_ raw: [UInt8], limits: HTTP1Limits = HTTP1Limits())
        -> (HTTP1ParseResult, HTTPRequestHead) {
        var parser = HTTP1RequestParser(limits: limits)
        var head = HTTPRequestHead()
        var b = ByteBuffer(capacity: 16)
        for byte in raw {
            b.write(byte)
            let result = parser.parseHead(b, into: &head)
            if result != .incomplete { return (result, head) }
        }
        return (.incomplete, head)
    }

    static func parseResponse(_ raw: [UInt8], method: HTTPMethod = .post)
        -> (HTTP1ParseResult, HTTPResponseHead, HTTP1ResponseParser) {
        var parser = HTTP1ResponseParser()
        var head = HTTPResponseHead()
        let result = parser.parseHead(buffer(raw), into: &head, requestMethod: method)
        return (result, head, parser)
    }

    /// Decodes a chunked body that arrives in the given pieces; returns the data, the index
    /// where the next message starts (relative to the start), or the error.
    static func decodeChunked(_ pieces: [[UInt8]], limits: HTTP1Limits = HTTP1Limits())
        -> (data: [UInt8], next: Int?, error: HTTP1ParseError?) {
        var decoder = ChunkedDecoder(limits: limits)
        var b = ByteBuffer(capacity: 16)
        var data: [UInt8] = []
        var index = 0
        for piece in pieces {
            b.write(contentsOf: piece)
            loop: while true {
                switch decoder.decode(b, from: index) {
                case .data(let range):
                    XCTAssertFalse(range.isEmpty)
                    data.append(contentsOf: b.storage[range])
                    index = range.upperBound
                case .needMore:
                    index = b.writerIndex
                    break loop
                case .end(let next):
                    return (data, next, nil)
                case .error(let error):
                    return (data, nil, error)
                }
            }
        }
        return (data, nil, nil)
    }

    /// Every field as "name: value".
    static func fieldList(_ fields: HTTPFields) -> [String] {
        fields.fields.indices.map { string(fields.name(at: $0)) + ": " + string(fields.value(at: $0)) }
    }
}
