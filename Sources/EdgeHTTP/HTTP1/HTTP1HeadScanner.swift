import EdgeIO

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
        // Line by line with memchr: find the LF, check that a CR stands right before it and
        // nowhere else in the line.
        var i = base + scanned
        let maxLines = limits.maxHeaderCount + 1
        while i < end {
            guard let lfIndex = ByteScan.firstIndex(of: HTTP1Bytes.lf, in: bytes, from: i, to: end) else {
                // No complete line yet: a CR may only be the very last byte (its LF to come).
                if let crIndex = ByteScan.firstIndex(of: HTTP1Bytes.cr, in: bytes, from: i, to: end), crIndex != end - 1 {
                    reset(); return .error(.bareCR)
                }
                if end - base - skipped > limits.maxHeadBytes { reset(); return .error(.headTooLarge) }
                scanned = end - base - (bytes[end - 1] == HTTP1Bytes.cr ? 1 : 0)
                return .incomplete
            }
            let crIndex = lfIndex - 1
            if lfIndex == i || bytes[crIndex] != HTTP1Bytes.cr {
                // An LF without its CR; or a stray CR earlier in the line, reported first.
                if let stray = ByteScan.firstIndex(of: HTTP1Bytes.cr, in: bytes, from: i, to: lfIndex), stray < lfIndex {
                    reset(); return .error(.bareCR)
                }
                reset(); return .error(.bareLF)
            }
            if ByteScan.firstIndex(of: HTTP1Bytes.cr, in: bytes, from: i, to: crIndex) != nil {
                reset(); return .error(.bareCR)
            }
            if lfIndex + 1 - base - skipped > limits.maxHeadBytes { reset(); return .error(.headTooLarge) }
            if crIndex - base == lineStart {
                if lines == 0 {
                    if allowLeadingCRLF && lineStart == 0 {
                        skipped = 2
                        lineStart = 2
                        i = lfIndex + 1
                        continue
                    }
                    reset()
                    return .error(.leadingEmptyLine)
                }
                let start = base + skipped
                let headEnd = lfIndex + 1
                reset()
                return .found(start: start, end: headEnd)
            }
            lines += 1
            if lines > maxLines { reset(); return .error(.tooManyFields) }
            i = lfIndex + 1
            lineStart = i - base
        }
        scanned = i - base
        return .incomplete
    }
}
