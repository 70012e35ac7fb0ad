/// RFC 8259 tokens over a contiguous buffer, for `MessageScanner`'s single pass. Offsets are
/// relative to `base`; every function returns the offset just past the token, or -1 when
/// the token is malformed or runs past the end.
///
/// This is MCPWire's only file with pointer access: the scanner reads every byte of every
/// message on the data plane, and bounds-checked slice subscripts (plus the 8-byte loads of
/// the string skipper) would halve its speed. Every read is guarded by `count`.
/// UTF-8 inside strings is not validated: bytes from 0x80 up pass as they are.
struct JSONLexer {
    let base: UnsafePointer<UInt8>
    let count: Int

    @inline(__always)
    subscript(_ offset: Int) -> UInt8 { base[offset] }

    /// The first offset at or after `offset` that is not JSON whitespace (or `count`).
    @inline(__always)
    func skipWhitespace(_ offset: Int) -> Int {
        var i = offset
        while i < count {
            let b = base[i]
            if b > 0x20 || (b != 0x20 && b != 0x0A && b != 0x0D && b != 0x09) { return i }
            i += 1
        }
        return i
    }

    /// The string whose opening quote is at `start`. Sets `escaped` when it holds a backslash.
    /// Eight bytes are tested at a time for a quote, a backslash or a control byte.
    @inline(__always)
    func skipString(_ start: Int, escaped: inout Bool) -> Int {
        var i = start + 1
        while true {
            while i &+ 8 <= count {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                let special = JSONLexer.specialBytes(word)
                if special == 0 { i &+= 8; continue }
                i &+= special.trailingZeroBitCount >> 3
                break
            }
            guard i < count else { return -1 }
            let b = base[i]
            if b == 0x22 { return i + 1 }
            if b == 0x5C {
                escaped = true
                i = skipEscape(i)
                if i < 0 { return -1 }
            } else if b < 0x20 {
                return -1
            } else {
                i += 1 // only when fewer than eight bytes are left
            }
        }
    }

    /// A mask with the high bit set in the lowest byte of `word` that is `"`, `\` or below
    /// 0x20. Bits above the lowest one may be wrong (borrows), so only the lowest is used.
    @inline(__always)
    static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let isQuote = (quote &- ones) & ~quote
        let isBackslash = (backslash &- ones) & ~backslash
        let isControl = (word &- ones &* 0x20) & ~word
        return (isQuote | isBackslash | isControl) & highs
    }

    /// The escape whose backslash is at `offset`.
    @inline(__always)
    func skipEscape(_ offset: Int) -> Int {
        guard offset + 1 < count else { return -1 }
        switch base[offset + 1] {
        case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
            return offset + 2
        case 0x75:
            guard offset + 5 < count else { return -1 }
            for k in 2...5 where !JSONLexer.isHexDigit(base[offset + k]) { return -1 }
            return offset + 6
        default:
            return -1
        }
    }

    /// A number starting at `start` (a `-` or a digit).
    @inline(__always)
    func skipNumber(_ start: Int) -> Int {
        var i = start
        if base[i] == 0x2D { i += 1 }
        guard i < count else { return -1 }
        if base[i] == 0x30 {
            i += 1
        } else if JSONLexer.isDigit(base[i]) {
            i = skipDigits(i + 1)
        } else {
            return -1
        }
        if i < count && base[i] == 0x2E {
            let digits = i + 1
            i = skipDigits(digits)
            if i == digits { return -1 }
        }
        if i < count && base[i] | 0x20 == 0x65 {
            i += 1
            if i < count && (base[i] == 0x2B || base[i] == 0x2D) { i += 1 }
            let digits = i
            i = skipDigits(digits)
            if i == digits { return -1 }
        }
        return i
    }

    @inline(__always)
    private func skipDigits(_ offset: Int) -> Int {
        var i = offset
        while i < count && JSONLexer.isDigit(base[i]) { i += 1 }
        return i
    }

    /// `true`, `false` or `null` starting at `start` (its first letter is already known).
    @inline(__always)
    func skipLiteral(_ start: Int) -> Int {
        switch base[start] {
        case 0x74: return matches(start, 0x74, 0x72, 0x75, 0x65) ? start + 4 : -1
        case 0x6E: return matches(start, 0x6E, 0x75, 0x6C, 0x6C) ? start + 4 : -1
        default:
            return matches(start, 0x66, 0x61, 0x6C, 0x73) && start + 4 < count && base[start + 4] == 0x65 ? start + 5 : -1
        }
    }

    @inline(__always)
    private func matches(_ i: Int, _ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> Bool {
        i + 4 <= count && base[i] == a && base[i + 1] == b && base[i + 2] == c && base[i + 3] == d
    }

    /// Whether `count` bytes at `offset` spell `text` (ASCII keys).
    @inline(__always)
    func equals(_ offset: Int, _ length: Int, _ text: StaticString) -> Bool {
        guard text.utf8CodeUnitCount == length else { return false }
        let other = text.utf8Start
        for k in 0..<length where base[offset + k] != other[k] { return false }
        return true
    }

    /// The bytes `offset..<end` as a buffer, for the slow paths (escaped keys and values).
    func buffer(_ offset: Int, _ end: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + offset, count: end - offset)
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

    @inline(__always)
    static func isHexDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 || (b | 0x20) &- 0x61 < 6 }
}
