import EdgeIO

/// What `ChunkedDecoder.decode` found next.
public enum ChunkedDecodeResult: Equatable {
    /// Body bytes at `storage[range]`; continue decoding from `range.upperBound`.
    case data(Range<Int>)
    /// Every byte up to `writerIndex` was taken in (framing bytes are remembered in the
    /// decoder's state): forward what you have, read more, call again from the new bytes.
    case needMore
    /// The last chunk and trailers ended; the next message starts at `next`.
    case end(next: Int)
    /// The body is malformed (answer 400, or 502 for an upstream body) and close.
    case error(HTTP1ParseError)
}

/// Decodes a chunked body (RFC 9112 §7.1) in place: it never copies, it reports where the data
/// runs are in the caller's buffer so they can be forwarded straight from it. Chunk extensions
/// are skipped (bounded), trailers are parsed and dropped (bounded). Its state survives across
/// reads, so a size line, a CRLF or a chunk may be split anywhere. One per body in flight;
/// after `.end` or `.error` it is ready for the next body.
///
/// The caller's loop:
/// ```
/// var index = buffer.readerIndex
/// loop: while true {
///     switch decoder.decode(buffer, from: index) {
///     case .data(let range): forward(buffer.storage[range]); index = range.upperBound
///     case .needMore: index = buffer.writerIndex; break loop      // read more, then resume
///     case .end(let next): index = next; finished(); break loop     // pipelined bytes follow
///     case .error(let e): fail(e); break loop
///     }
/// }
/// ```
public struct ChunkedDecoder {
    private enum State: UInt8 {
        case sizeStart, size, sizeWhitespace, extensionBytes, sizeLF
        case data, dataCR, dataLF
        case trailerLineStart, trailerName, trailerValue, trailerLF, finalLF
    }

    public var limits: HTTP1Limits
    private var state: State = .sizeStart
    private var size = 0
    private var digits = 0
    private var extensionBytes = 0
    private var trailerBytes = 0
    /// Data bytes left in the current chunk.
    private var remaining = 0
    /// Data bytes the chunks so far declared (checked against `maxBodyBytes`).
    private var declared = 0
    /// A body whose chunk sizes add up to more is refused as soon as a chunk's size line
    /// ends (`.bodyTooLarge`), before its bytes arrive.
    public var maxBodyBytes: Int

    public init(limits: HTTP1Limits = HTTP1Limits(), maxBodyBytes: Int = .max) {
        self.limits = limits
        self.maxBodyBytes = maxBodyBytes
    }

    /// Forgets any body in progress.
    public mutating func reset() {
        state = .sizeStart
        size = 0
        digits = 0
        extensionBytes = 0
        trailerBytes = 0
        remaining = 0
        declared = 0
    }

    /// Decodes from `index` (between `readerIndex` and `writerIndex`) to the next data run,
    /// the end of the body, or the end of the readable bytes.
    public mutating func decode(_ buffer: ByteBuffer, from index: Int) -> ChunkedDecodeResult {
        let bytes = buffer.storage
        let end = buffer.writerIndex
        var i = index
        while i < end {
            let b = bytes[i]
            switch state {
            case .sizeStart, .size:
                if let v = HTTP1Bytes.hexValue(b) {
                    digits += 1
                    if digits > 16 || size >= 1 << 58 { return fail(.chunkSizeOverflow) }
                    size = size << 4 | v
                    state = .size
                } else if state == .sizeStart {
                    return fail(.invalidChunkSize)
                } else if b == HTTP1Bytes.cr {
                    state = .sizeLF
                } else if b == 59 /* ; */ {
                    state = .extensionBytes
                } else if HTTP1Bytes.isOWS(b) {
                    state = .sizeWhitespace // BWS, only before ';'
                } else {
                    return fail(.invalidChunkSize)
                }
            case .sizeWhitespace:
                if b == 59 { state = .extensionBytes }
                else if !HTTP1Bytes.isOWS(b) { return fail(.invalidChunkExtension) }
                extensionBytes += 1
                if extensionBytes > limits.maxChunkExtensionBytes { return fail(.chunkExtensionTooLong) }
            case .extensionBytes:
                if b == HTTP1Bytes.cr {
                    state = .sizeLF
                } else {
                    if !HTTP1Bytes.isFieldValueChar(b) { return fail(.invalidChunkExtension) }
                    extensionBytes += 1
                    if extensionBytes > limits.maxChunkExtensionBytes { return fail(.chunkExtensionTooLong) }
                }
            case .sizeLF:
                guard b == HTTP1Bytes.lf else { return fail(.invalidChunkSize) }
                extensionBytes = 0
                digits = 0
                if size == 0 {
                    state = .trailerLineStart
                } else {
                    if size > maxBodyBytes &- declared { return fail(.bodyTooLarge) }
                    remaining = size
                    declared += size
                    size = 0
                    state = .data
                }
            case .data:
                let run = Swift.min(remaining, end - i)
                remaining -= run
                if remaining == 0 { state = .dataCR }
                return .data(i..<(i + run))
            case .dataCR:
                guard b == HTTP1Bytes.cr else { return fail(.missingChunkCRLF) }
                state = .dataLF
            case .dataLF:
                guard b == HTTP1Bytes.lf else { return fail(.missingChunkCRLF) }
                state = .sizeStart
            case .trailerLineStart:
                if b == HTTP1Bytes.cr {
                    state = .finalLF
                } else {
                    guard HTTP1Bytes.isTokenChar(b) else { return fail(.invalidTrailer) }
                    state = .trailerName
                }
            case .trailerName:
                if b == HTTP1Bytes.colon { state = .trailerValue }
                else if !HTTP1Bytes.isTokenChar(b) { return fail(.invalidTrailer) }
            case .trailerValue:
                if b == HTTP1Bytes.cr { state = .trailerLF }
                else if !HTTP1Bytes.isFieldValueChar(b) { return fail(.invalidTrailer) }
            case .trailerLF:
                guard b == HTTP1Bytes.lf else { return fail(.invalidTrailer) }
                state = .trailerLineStart
            case .finalLF:
                guard b == HTTP1Bytes.lf else { return fail(.invalidTrailer) }
                reset()
                return .end(next: i + 1)
            }
            if state.rawValue >= State.trailerLineStart.rawValue {
                trailerBytes += 1
                if trailerBytes > limits.maxTrailerBytes { return fail(.trailerTooLarge) }
            }
            i += 1
        }
        return .needMore
    }

    private mutating func fail(_ error: HTTP1ParseError) -> ChunkedDecodeResult {
        reset()
        return .error(error)
    }
}
