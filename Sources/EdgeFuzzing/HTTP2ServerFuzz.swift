import EdgeHTTP
import EdgeIO

/// The HTTP/2 server session fed a client preface, an empty SETTINGS frame and then the fuzz
/// bytes as raw frames, in pieces, with a delegate that answers every stream (at once, after
/// the body, or streamed in parts) so the response paths run too. Output is produced after
/// every read into a sink that sometimes stops early, like a full socket.
enum HTTP2ServerFuzz {
    static let preface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 4, 0, 0, 0, 0, 0]

    /// Request heads delivered over all runs (lets a test check that the seeds get that far).
    nonisolated(unsafe) static var headsSeen = 0

    static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        var settings = HTTP2Settings()
        settings.maxConcurrentStreams = 8
        settings.initialWindowSize = 65535
        settings.maxHeaderListSize = 4096
        settings.responseBodyCapacity = 1024
        settings.responseBodyHighWaterMark = 4096
        settings.responseBodyLowWaterMark = 1024
        let responder = Responder(mode: input.mode)
        let session = HTTP2ServerSession(settings: settings, delegate: responder)
        let sink = DiscardingSink(limit: input.mode & 4 == 0 ? .max : 512)
        withExtendedLifetime(responder) {
            var pieces = [preface[...]] + input.pieces()
            pieces.append([][...]) // one more round to flush what the last read caused
            for piece in pieces {
                var buffer = ByteBuffer(capacity: Swift.max(piece.count, 1))
                buffer.write(contentsOf: piece)
                do {
                    try session.receive(&buffer)
                    expect(buffer.readableBytes == 0 || !session.wantsRead, "receive left \(buffer.readableBytes) bytes")
                    responder.advance(session)
                    sink.taken = 0
                    try session.produce(to: sink)
                } catch {
                    // The connection would write what is left and close.
                    sink.taken = 0
                    try? session.produce(to: sink)
                    return
                }
            }
            session.shutdownGracefully()
            sink.taken = 0
            try? session.produce(to: sink)
        }
    }

    /// Answers streams in one of three ways, picked per stream from the mode byte.
    final class Responder: HTTP2ServerSessionDelegate {
        let mode: UInt8
        var open: Set<Int32> = []
        /// Streams whose response is streamed, with the parts still to write.
        var streaming: [Int32: Int] = [:]

        init(mode: UInt8) { self.mode = mode }

        func http2(_ session: HTTP2ServerSession, didReceiveHead head: inout HTTPRequestHead, stream: Int32, endStream: Bool) {
            expect(!open.contains(stream), "head twice on stream \(stream)")
            open.insert(stream)
            HTTP2ServerFuzz.headsSeen += 1
            if endStream || (mode >> 1) & 1 == 1 { respond(session, stream) }
        }

        func http2(_ session: HTTP2ServerSession, didReceiveData data: ByteView, stream: Int32) {
            expect(open.contains(stream), "data on stream \(stream) without a head")
            if mode & 8 == 0 { session.consumed(stream: stream, bytes: data.count) }
        }

        func http2(_ session: HTTP2ServerSession, didEndStream stream: Int32) {
            expect(open.contains(stream), "end of stream \(stream) without a head")
            if (mode >> 1) & 1 == 0 { respond(session, stream) }
        }

        func http2(_ session: HTTP2ServerSession, didCloseStream stream: Int32, errorCode: UInt32) {
            expect(open.remove(stream) != nil, "close of stream \(stream) without a head")
            streaming[stream] = nil
        }

        func http2(_ session: HTTP2ServerSession, bodyDrained stream: Int32) {
            expect(open.contains(stream), "drained stream \(stream) is not open")
            writePart(session, stream)
        }

        func respond(_ session: HTTP2ServerSession, _ stream: Int32) {
            if (Int(mode) + Int(stream)) % 3 == 0 {
                _ = session.submitResponse(stream: stream, status: 404, contentType: "application/json",
                                           body: Array(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32601,"message":"x"}}"#.utf8))
                return
            }
            guard let body = session.responseBody(stream: stream) else { return }
            var head = HTTPResponseHead()
            head.fields.append(name: Array("content-type".utf8), value: Array("text/event-stream".utf8))
            head.fields.append(name: Array("connection".utf8), value: Array("keep-alive".utf8))
            guard session.submitResponse(stream: stream, head: head, body: body) else { return }
            streaming[stream] = 3
            writePart(session, stream)
        }

        func writePart(_ session: HTTP2ServerSession, _ stream: Int32) {
            guard let left = streaming[stream], let body = session.responseBody(stream: stream) else { return }
            body.buffer.write(contentsOf: [UInt8](repeating: 0x61, count: 3000))
            if left == 1 { body.isComplete = true; streaming[stream] = nil } else { streaming[stream] = left - 1 }
            session.resumeData(stream: stream)
        }

        /// After a read, streams whose body is below its high-water mark get another part.
        func advance(_ session: HTTP2ServerSession) {
            for stream in streaming.keys.sorted() {
                if let body = session.responseBody(stream: stream), !body.isAboveHighWaterMark { writePart(session, stream) }
            }
        }
    }

    final class DiscardingSink: HTTP2OutputSink {
        let limit: Int
        var taken = 0
        init(limit: Int) { self.limit = limit }
        func take(_ chunk: ByteView) -> Bool {
            taken += chunk.count
            return taken < limit
        }
    }
}
