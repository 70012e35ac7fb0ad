import EdgeHTTP
import EdgeIO

/// The SSE parser fed the stream at once, in the pieces the input picks, and one byte at a
/// time (inputs up to 2 KiB: byte-by-byte feeding of 8 KiB inputs cost most of the run and
/// the input-chosen pieces already split anywhere): the events (and whether a limit broke
/// the stream) must be the same. Every event written back with `SSEWriter` must parse to the
/// same event. The limit varies with the control byte so that streams break on it too.
enum SSEFuzz {
    struct Event: Equatable {
        var event: [UInt8]
        var data: [UInt8]
        var id: [UInt8]?
        var retry: Int?
    }

    static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        let limit = 16 + Int(input.mode) * 8
        let whole = parse([input.payload[...]], limit: limit)
        let pieces = parse(input.pieces(), limit: limit)
        expect(whole.ok == pieces.ok && whole.events == pieces.events,
               "at once: \(whole.events.count) events, ok \(whole.ok); in pieces: \(pieces.events.count), ok \(pieces.ok)")
        if input.payload.count <= 2048 {
            let bytes = parse(input.payload.indices.map { input.payload[$0...$0] }, limit: limit)
            expect(whole.ok == bytes.ok && whole.events == bytes.events,
                   "at once: \(whole.events.count) events, ok \(whole.ok); byte by byte: \(bytes.events.count), ok \(bytes.ok)")
        }
        for event in whole.events {
            expect(event.data.count <= limit, "an event larger than the limit")
            var stream = ByteBuffer(capacity: 64)
            SSEWriter.writeComment(event.event, into: &stream)
            SSEWriter.writeEvent(data: event.data, id: event.id?[...], event: event.event.isEmpty ? nil : event.event[...],
                                 retry: event.retry, into: &stream)
            let back = parse([stream.readableSlice], limit: Int.max)
            expect(back.ok && back.events == [event], "an event written back parses differently")
        }
    }

    static func parse(_ pieces: [ArraySlice<UInt8>], limit: Int) -> (events: [Event], ok: Bool) {
        var parser = SSEParser(maxEventBytes: limit)
        var events: [Event] = []
        for piece in pieces {
            let ok = parser.feed(piece) { e in
                events.append(Event(event: Array(e.event), data: Array(e.data), id: e.id.map(Array.init), retry: e.retry))
            }
            if !ok { return (events, false) }
        }
        return (events, true)
    }
}
