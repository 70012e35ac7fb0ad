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

    /// `consume`: forwarded bytes leave the buffer (reader index moves), so writes compact it,
    /// as on a connection; otherwise everything stays and indices are absolute.
    static func decode(_ pieces: [ArraySlice<UInt8>], consume: Bool) -> Decoded {
        var decoder = ChunkedDecoder(limits: limits)
        var buffer = ByteBuffer(capacity: 16)
        var result = Decoded()
        var dropped = 0 // bytes compacted away in front of the buffer
        var index = 0
        for piece in pieces {
            let before = buffer.readerIndex
            buffer.write(contentsOf: piece)
            dropped += before - buffer.readerIndex
            index -= before - buffer.readerIndex
            loop: while true {
                switch decoder.decode(buffer, from: index) {
                case .data(let range):
                    expect(range.lowerBound >= index && range.upperBound <= buffer.writerIndex && !range.isEmpty,
                           "data run \(range) outside \(index)..<\(buffer.writerIndex)")
                    result.body.append(contentsOf: buffer.storage[range])
                    index = range.upperBound
                    if consume { buffer.moveReaderIndex(to: index) }
                case .needMore:
                    index = buffer.writerIndex
                    if consume { buffer.moveReaderIndex(to: index) }
                    break loop
                case .end(let next):
                    expect(next > index && next <= buffer.writerIndex, "end \(next) outside \(index)..<\(buffer.writerIndex)")
                    result.end = next + dropped
                    return result
                case .error:
                    result.failed = true
                    return result
                }
            }
        }
        return result
    }
}
