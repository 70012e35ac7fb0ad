/// Finds the end of an HTTP/1.1 head (the empty line) incrementally, checking line endings on
/// the way: every CR must be followed by LF and no LF may stand alone. It remembers where it
/// stopped, so a head arriving byte by byte is scanned once in total (linear, not quadratic).
///
/// Offsets are relative to the buffer's `readerIndex`, so a caller may compact the buffer
/// between calls, but must not consume bytes until the head is complete.
struct HTTP1HeadScanner {
    /// Bytes (from readerIndex) examined so far.
    private var scanned = 0
    /// Where the current line starts.
    private var lineStart = 0
    /// Lines ended so far (the start line plus field lines).
    private var lines = 0
    /// 2 when one leading CRLF was skipped before the request line, else 0.
    private var skipped = 0

    enum Outcome {
        case incomplete
        /// The head spans `start..<end` (absolute indices; `end` is after the final CRLF).
        case found(start: Int, end: Int)
        case error(HTTP1ParseError)
    }

    mutating func reset() { self = HTTP1HeadScanner() }

    /// Scans `bytes[base + scanned ..< end]`. `allowLeadingCRLF` lets one empty line precede
    /// the start line (RFC 9112 §2.2 robustness, for clients that add CRLF after a body).
    mutating func scan(_ bytes: [UInt8], base: Int, end: Int, limits: HTTP1Limits,
                       allowLeadingCRLF: Bool) -> Outcome {
        var i = base + scanned
        let maxLines = limits.maxHeaderCount + 1
        while i < end {
            if i - base - skipped >= limits.maxHeadBytes { reset(); return .error(.headTooLarge) }
            let b = bytes[i]
            if b == HTTP1Bytes.cr {
                if i + 1 >= end { break } // wait for the byte after CR
                guard bytes[i + 1] == HTTP1Bytes.lf else { reset(); return .error(.bareCR) }
                if i - base == lineStart {
                    if lines == 0 {
                        if allowLeadingCRLF && lineStart == 0 {
                            skipped = 2
                            lineStart = 2
                            i += 2
                            continue
                        }
                        reset()
                        return .error(.leadingEmptyLine)
                    }
                    let start = base + skipped
                    let headEnd = i + 2
                    reset()
                    if headEnd - start > limits.maxHeadBytes { return .error(.headTooLarge) }
                    return .found(start: start, end: headEnd)
                }
                lines += 1
                if lines > maxLines { reset(); return .error(.tooManyFields) }
                i += 2
                lineStart = i - base
                continue
            }
            if b == HTTP1Bytes.lf { reset(); return .error(.bareLF) }
            i += 1
        }
        scanned = i - base
        return .incomplete
    }
}
