import EdgeHTTP
import EdgeIO

/// The request head parser, as a client connection drives it: pipelined requests, read in
/// pieces (the parser is called again with the same reader index after every read, and the
/// buffer is sometimes compacted in between). Checks that reading in pieces and reading the
/// whole input at once see the same heads, and that a head the parser accepts, re-serialised
/// for an upstream, parses again to the same request.
enum HTTP1RequestFuzz {
    /// Small limits, so that the fuzzer reaches the 431 paths with short inputs.
    static let limits = HTTP1Limits(maxHeadBytes: 2048, maxHeaderCount: 24, maxChunkExtensionBytes: 64, maxTrailerBytes: 256)

    static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        let whole = parse([input.payload[...]], compact: false)
        let pieces = parse(input.pieces(), compact: input.mode & 1 == 1)
        expect(whole.count == pieces.count, "pieces gave \(pieces.count) outcomes, whole input \(whole.count)")
        for (a, b) in zip(whole, pieces) {
            expect(a == b || (a.isError && b.isError), "whole input: \(a); in pieces: \(b)")
        }
    }

    /// What a parse produced, comparable across the two ways of feeding it.
    enum Outcome: Equatable {
        case head(Summary)
        case error(HTTP1ParseError)
        case incomplete

        var isError: Bool { if case .error = self { return true } else { return false } }
    }

    struct Summary: Equatable {
        var method: [UInt8], target: [UInt8], authority: [UInt8], versionMinor: Int
        var contentLength: Int?, chunked: Bool, close: Bool, expectContinue: Bool
        var framing: HTTP1BodyFraming, headLength: Int
        var fields: [[UInt8]]

        init(_ head: HTTPRequestHead, _ parser: HTTP1RequestParser, headLength: Int) {
            method = head.methodBytes; target = head.target; authority = head.authority
            versionMinor = head.versionMinor; contentLength = head.contentLength
            chunked = head.isChunked; close = head.connectionClose
            expectContinue = parser.expectContinue; framing = parser.framing; self.headLength = headLength
            fields = (0..<head.fields.count).map { Array(head.fields.name(at: $0)) + [0] + Array(head.fields.value(at: $0)) }
        }
    }

    /// Feeds `pieces` one read at a time; after each complete head skips its body (fixed length
    /// or chunked) and goes on with the next request, as keep-alive connections do.
    static func parse(_ pieces: [ArraySlice<UInt8>], compact: Bool) -> [Outcome] {
        var parser = HTTP1RequestParser(limits: limits)
        var buffer = ByteBuffer(capacity: 64)
        var head = HTTPRequestHead()
        var outcomes: [Outcome] = []
        var body = BodySkipper(limits: limits)
        for piece in pieces {
            buffer.write(contentsOf: piece)
            reading: while true {
                switch body.skip(in: &buffer) {
                case .done: break
                case .needMore: break reading
                case .error(let error):
                    outcomes.append(.error(error))
                    return outcomes
                }
                switch parser.parseHead(buffer, into: &head) {
                case .incomplete:
                    if compact { buffer.compact() }
                    break reading
                case .error(let error):
                    outcomes.append(.error(error))
                    return outcomes
                case .complete(let length):
                    expect(length > 0 && length <= buffer.readableBytes, "head length \(length) of \(buffer.readableBytes)")
                    outcomes.append(.head(Summary(head, parser, headLength: length)))
                    checkReserialised(head)
                    buffer.moveReaderIndex(forwardBy: length)
                    body.framing = parser.framing
                    if outcomes.count > 64 { return outcomes }
                }
            }
        }
        outcomes.append(.incomplete)
        return outcomes
    }

    /// What the upstream would receive must be one well-formed request with the same method,
    /// target and fields the edge saw.
    static func checkReserialised(_ head: HTTPRequestHead) {
        var out = ByteBuffer(capacity: 256)
        HTTP1RequestSerializer.writeHead(head, bodyLength: head.isChunked ? nil : (head.contentLength ?? 0),
                                         forwardedFor: Array("192.0.2.1".utf8), proto: "http",
                                         host: head.authority.isEmpty ? Array("upstream".utf8) : nil, into: &out)
        var parser = HTTP1RequestParser(limits: HTTP1Limits(maxHeadBytes: 1 << 20, maxHeaderCount: 1000))
        var again = HTTPRequestHead()
        let result = parser.parseHead(out, into: &again)
        expect(result == .complete(headLength: out.readableBytes),
               "re-serialised head parses as \(result): \(String(decoding: out.readableSlice, as: UTF8.self))")
        expect(again.methodBytes == head.methodBytes && again.target == head.target, "method or target changed")
    }
}
