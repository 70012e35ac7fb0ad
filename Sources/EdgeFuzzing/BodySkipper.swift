import EdgeHTTP
import EdgeIO

/// Skips the body after a head in the parser harnesses, as a keep-alive connection does before
/// it reads the next head: a fixed length, a chunked body (forwarded bytes leave the buffer),
/// or everything for a body that ends at close.
struct BodySkipper {
    /// What is left of the current body.
    var framing: HTTP1BodyFraming = .none
    private var decoder: ChunkedDecoder

    init(limits: HTTP1Limits) {
        decoder = ChunkedDecoder(limits: limits)
    }

    enum Step {
        /// The body is over (or there was none): parse the next head.
        case done
        /// The buffer holds no more of it: wait for the next piece.
        case needMore
        /// The chunked framing is malformed.
        case error(HTTP1ParseError)
    }

    mutating func skip(in buffer: inout ByteBuffer) -> Step {
        while true {
            switch framing {
            case .none:
                return .done
            case .length(let left):
                let taken = Swift.min(left, buffer.readableBytes)
                buffer.moveReaderIndex(forwardBy: taken)
                framing = left == taken ? .none : .length(left - taken)
                if framing != .none { return .needMore }
            case .chunked:
                switch decoder.decode(buffer, from: buffer.readerIndex) {
                case .data(let range): buffer.moveReaderIndex(to: range.upperBound)
                case .needMore: buffer.moveReaderIndex(to: buffer.writerIndex); return .needMore
                case .end(let next): buffer.moveReaderIndex(to: next); framing = .none
                case .error(let error): return .error(error)
                }
            case .untilClose:
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                return .needMore
            }
        }
    }
}
