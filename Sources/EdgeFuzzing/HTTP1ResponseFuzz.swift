import EdgeHTTP
import EdgeIO

/// The response head parser, as an upstream connection drives it: interim responses, then the
/// final one, then its body (fixed length or chunked) and the next response on the kept-alive
/// connection, read in pieces. Checks that pieces and the whole input agree, and that an
/// accepted response, re-serialised for the client, parses again with the same status.
enum HTTP1ResponseFuzz {
    static let limits = HTTP1Limits(maxHeadBytes: 2048, maxHeaderCount: 24, maxChunkExtensionBytes: 64, maxTrailerBytes: 256)
    static let methods: [HTTPMethod] = [.post, .get, .head, .delete]

    static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        let method = methods[Int(input.mode % 4)]
        let whole = parse([input.payload[...]], method: method)
        let pieces = parse(input.pieces(), method: method)
        expect(whole.count == pieces.count, "pieces gave \(pieces.count) outcomes, whole input \(whole.count)")
        for (a, b) in zip(whole, pieces) {
            expect(a == b || (a.isError && b.isError), "whole input: \(a); in pieces: \(b)")
        }
    }

    enum Outcome: Equatable {
        case head(status: Int, framing: HTTP1BodyFraming, close: Bool, headLength: Int, fields: Int)
        case error(HTTP1ParseError)
        case incomplete

        var isError: Bool { if case .error = self { return true } else { return false } }
    }

    static func parse(_ pieces: [ArraySlice<UInt8>], method: HTTPMethod) -> [Outcome] {
        var parser = HTTP1ResponseParser(limits: limits)
        var buffer = ByteBuffer(capacity: 64)
        var head = HTTPResponseHead()
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
                switch parser.parseHead(buffer, into: &head, requestMethod: method) {
                case .incomplete:
                    break reading
                case .error(let error):
                    outcomes.append(.error(error))
                    return outcomes
                case .complete(let length):
                    expect(length > 0 && length <= buffer.readableBytes, "head length \(length) of \(buffer.readableBytes)")
                    expect(head.status >= 100 && head.status <= 999 && head.status != 101, "status \(head.status)")
                    expect(head.status >= 200 || parser.framing == .none, "interim response with a body")
                    outcomes.append(.head(status: head.status, framing: parser.framing, close: head.connectionClose,
                                          headLength: length, fields: head.fields.count))
                    checkReserialised(head, framing: parser.framing)
                    buffer.moveReaderIndex(forwardBy: length)
                    body.framing = parser.framing
                    if outcomes.count > 64 { return outcomes }
                }
            }
        }
        outcomes.append(.incomplete)
        return outcomes
    }

    /// The head mcp-edge writes to an HTTP/1.1 client from this response must parse again.
    static func checkReserialised(_ head: HTTPResponseHead, framing: HTTP1BodyFraming) {
        var length: Int? = nil
        if case .length(let n) = framing { length = n } else if framing == .none { length = 0 }
        var out = ByteBuffer(capacity: 256)
        HTTP1ResponseSerializer.writeHead(status: head.status, fields: head.fields, bodyLength: length,
                                          keepAlive: !head.connectionClose, into: &out)
        var parser = HTTP1ResponseParser(limits: HTTP1Limits(maxHeadBytes: 1 << 20, maxHeaderCount: 1000))
        var again = HTTPResponseHead()
        let result = parser.parseHead(out, into: &again, requestMethod: .post)
        expect(result == .complete(headLength: out.readableBytes),
               "re-serialised head parses as \(result): \(String(decoding: out.readableSlice, as: UTF8.self))")
        expect(again.status == head.status, "status \(head.status) became \(again.status)")
    }
}
