import EdgeHTTP
import EdgeIO

/// The chunked decoder fed in pieces, as a connection does: each read is appended to the
/// buffer and decoding resumes from the new bytes. The body bytes, the end position and
/// whether it failed must be the same as when the whole input is decoded at once, every data
/// run must lie inside the readable bytes, and the body never holds more bytes than came in.
enum ChunkedFuzz {
    static let limits = HTTP1Limits(maxChunkExtensionBytes: 64, maxTrailerBytes: 256)

    struct Decoded: Equatable {
        var body: [UInt8] = []
        /// Where the next message starts, nil when the body did not end.
        var end: Int?
        var failed = false
    }

    static func run(_ data: [UInt8]) {
        var input = FuzzInput(data)
        let whole = decode([input.payload[...]], consume: false)
        let pieces = decode(input.pieces(), consume: input.mode & 1 == 1)
        expect(whole == pieces, "whole input: \(whole.end as Any) \(whole.failed) \(whole.body.count) bytes; "
               + "in pieces: \(pieces.end as Any) \(pieces.failed) \(pieces.body.count) bytes")
        expect(whole.body.count <= input.payload.count, "more body than input")
    }

    /// `consume`: forwarded bytes leave the buffer (its reader index moves, and an emptied
    /// buffer starts over at index 0), as on a connection; otherwise everything stays.
    static func decode(_ pieces: [ArraySlice<UInt8>], consume: Bool) -> Decoded {
        var decoder = ChunkedDecoder(limits: limits)
        var buffer = ByteBuffer(capacity: 16)
        var result = Decoded()
        var consumed = 0 // bytes that left the buffer, so positions can be compared
        var index = 0
        for piece in pieces {
            buffer.write(contentsOf: piece)
            if consume { index = buffer.readerIndex }
            loop: while true {
                switch decoder.decode(buffer, from: index) {
                case .data(let range):
                    expect(range.lowerBound >= index && range.upperBound <= buffer.writerIndex && !range.isEmpty,
                           "data run \(range) outside \(index)..<\(buffer.writerIndex)")
                    result.body.append(contentsOf: buffer.storage[range])
                    index = range.upperBound
                case .needMore:
                    index = buffer.writerIndex
                    break loop
                case .end(let next):
                    expect(next > index && next <= buffer.writerIndex, "end \(next) outside \(index)..<\(buffer.writerIndex)")
                    result.end = consumed + next - buffer.readerIndex
                    return result
                case .error:
                    result.failed = true
                    return result
                }
                if consume {
                    consumed += index - buffer.readerIndex
                    buffer.moveReaderIndex(to: index)
                    index = buffer.readerIndex
                }
            }
            if consume {
                consumed += index - buffer.readerIndex
                buffer.moveReaderIndex(to: index)
                index = buffer.readerIndex
            }
        }
        return result
    }
}
