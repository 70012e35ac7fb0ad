/// Decodes one JSON string token (quotes included) into UTF-8, one byte per `next()`, so that
/// a comparison needs no buffer. Shared by `JSONString` and the scanner's escaped-key path.
///
/// A `\u` escape of a lone surrogate (grammatical JSON, but no Unicode scalar) decodes to
/// U+FFFD and sets `sawLoneSurrogate`: comparisons treat such a token as equal to nothing.
struct JSONStringDecoder<Bytes: RandomAccessCollection> where Bytes.Element == UInt8, Bytes.Index == Int {
    /// What `next()` produced.
    enum Step: Equatable {
        case byte(UInt8)
        /// The closing quote: the whole token was well formed.
        case end
        case malformed
    }

    private let bytes: Bytes
    private var i: Int
    /// The index of the closing quote (or `i` when the token is not quoted at all).
    private let close: Int
    private var wellQuoted: Bool
    /// Bytes of a decoded `\u` escape still to hand out, lowest byte first.
    private var pending: UInt32 = 0
    private var pendingCount = 0
    private(set) var sawLoneSurrogate = false

    init(_ token: Bytes) {
        bytes = token
        wellQuoted = token.count >= 2 && token[token.startIndex] == 0x22 && token[token.endIndex - 1] == 0x22
        i = token.startIndex + 1
        close = token.endIndex - 1
    }

    mutating func next() -> Step {
        if pendingCount > 0 {
            let b = UInt8(truncatingIfNeeded: pending)
            pending >>= 8
            pendingCount -= 1
            return .byte(b)
        }
        guard wellQuoted else { return .malformed }
        guard i < close else { return i == close ? .end : .malformed }
        let b = bytes[i]
        if b == 0x5C { return escape() }
        if b == 0x22 || b < 0x20 { return .malformed }
        i += 1
        return .byte(b)
    }

    private mutating func escape() -> Step {
        guard i + 1 < close else { return .malformed }
        let e = bytes[i + 1]
        i += 2
        switch e {
        case 0x22, 0x5C, 0x2F: return .byte(e)
        case 0x62: return .byte(0x08)
        case 0x66: return .byte(0x0C)
        case 0x6E: return .byte(0x0A)
        case 0x72: return .byte(0x0D)
        case 0x74: return .byte(0x09)
        case 0x75: break
        default: return .malformed
        }
        guard var scalar = hex4() else { return .malformed }
        if scalar >= 0xD800 && scalar < 0xDC00 {
            // A high surrogate pairs with a following `\uDC00`…`\uDFFF`, or stands alone.
            var lookahead = self
            if lookahead.i + 1 < close && bytes[lookahead.i] == 0x5C && bytes[lookahead.i + 1] == 0x75 {
                lookahead.i += 2
                guard let low = lookahead.hex4() else { return .malformed }
                if low >= 0xDC00 && low < 0xE000 {
                    i = lookahead.i
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    scalar = 0xFFFD
                    sawLoneSurrogate = true
                }
            } else {
                scalar = 0xFFFD
                sawLoneSurrogate = true
            }
        } else if scalar >= 0xDC00 && scalar < 0xE000 {
            scalar = 0xFFFD
            sawLoneSurrogate = true
        }
        queueUTF8(scalar)
        return next()
    }

    /// Four hex digits at `i` (before the closing quote), moving past them.
    private mutating func hex4() -> UInt32? {
        guard i + 4 <= close else { return nil }
        var value: UInt32 = 0
        for k in 0..<4 {
            let b = bytes[i + k]
            let digit: UInt8
            switch b {
            case 0x30...0x39: digit = b - 0x30
            case 0x41...0x46: digit = b - 0x41 + 10
            case 0x61...0x66: digit = b - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        i += 4
        return value
    }

    private mutating func queueUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            pending = scalar
            pendingCount = 1
        case 0x80..<0x800:
            pending = (0xC0 | scalar >> 6) | (0x80 | scalar & 0x3F) << 8
            pendingCount = 2
        case 0x800..<0x10000:
            pending = (0xE0 | scalar >> 12) | (0x80 | scalar >> 6 & 0x3F) << 8 | (0x80 | scalar & 0x3F) << 16
            pendingCount = 3
        default:
            pending = (0xF0 | scalar >> 18) | (0x80 | scalar >> 12 & 0x3F) << 8
                | (0x80 | scalar >> 6 & 0x3F) << 16 | (0x80 | scalar & 0x3F) << 24
            pendingCount = 4
        }
    }
}
