/// JSON string tokens as the gateway meets them: tokens found by `MessageScanner` (quotes
/// included) are compared and decoded here, and strings mcp-edge writes are escaped here.
/// Stateless; any thread may call it.
public enum JSONString {
    /// The UTF-8 bytes a string token (with its quotes) stands for, all escapes and surrogate
    /// pairs decoded; nil when the token is not one well-formed JSON string. A `\u` escape of
    /// a lone surrogate becomes U+FFFD (UTF-8 cannot carry it). Raw bytes from 0x80 up are
    /// copied without UTF-8 validation.
    public static func decode(_ token: ArraySlice<UInt8>) -> [UInt8]? {
        var decoder = JSONStringDecoder(token)
        var out: [UInt8] = []
        out.reserveCapacity(token.count)
        while true {
            switch decoder.next() {
            case .byte(let b): out.append(b)
            case .end: return out
            case .malformed: return nil
            }
        }
    }

    /// Whether the token (with its quotes) stands for exactly the bytes `raw`, escapes
    /// decoded. Never allocates. False for a malformed token, and for one with a lone-surrogate
    /// escape (no UTF-8 text equals it, so nothing routes on it).
    public static func equals(_ token: ArraySlice<UInt8>, _ raw: some Sequence<UInt8>) -> Bool {
        decodedEquals(token, raw)
    }

    /// `equals` over any indexable bytes (the scanner passes a buffer of its input).
    @inline(__always)
    static func decodedEquals<Bytes: RandomAccessCollection>(_ token: Bytes, _ raw: some Sequence<UInt8>) -> Bool
        where Bytes.Element == UInt8, Bytes.Index == Int {
        var decoder = JSONStringDecoder(token)
        var other = raw.makeIterator()
        while true {
            switch decoder.next() {
            case .byte(let b):
                guard other.next() == b else { return false }
            case .end:
                return other.next() == nil && !decoder.sawLoneSurrogate
            case .malformed:
                return false
            }
        }
    }

    /// Whether the token holds a backslash: when it does not, its bytes between the quotes are
    /// its value and may be copied or compared as they are.
    public static func hasEscapes(_ token: ArraySlice<UInt8>) -> Bool {
        token.contains(0x5C)
    }

    /// Appends `value` as a JSON string token: `"` and `\` escaped, `\b \f \n \r \t` for those
    /// controls and `\u00XX` for the other bytes below 0x20. Valid UTF-8 passes through;
    /// each byte of an invalid sequence becomes U+FFFD, so the output is always valid JSON.
    public static func write(_ value: some Collection<UInt8>, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + value.count + 2)
        out.append(0x22)
        // Most strings (names, versions, ASCII text) need no escape: one copy.
        if !value.contains(where: { $0 >= 0x80 || $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out.append(contentsOf: value)
            out.append(0x22)
            return
        }
        var i = value.startIndex
        while i != value.endIndex {
            let b = value[i]
            if b >= 0x80 {
                let length = UTF8Check.sequenceLength(value, at: i)
                if length == 0 {
                    out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                    value.formIndex(after: &i)
                } else {
                    for _ in 0..<length {
                        out.append(value[i])
                        value.formIndex(after: &i)
                    }
                }
                continue
            }
            switch b {
            case 0x22, 0x5C: out.append(0x5C); out.append(b)
            case 0x08: out.append(0x5C); out.append(0x62)
            case 0x0C: out.append(0x5C); out.append(0x66)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0..<0x20:
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30])
                out.append(hexDigit(b >> 4))
                out.append(hexDigit(b & 0xF))
            default: out.append(b)
            }
            value.formIndex(after: &i)
        }
        out.append(0x22)
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10
    }
}

/// UTF-8 well-formedness (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF).
enum UTF8Check {
    /// The length of the well-formed sequence starting at `i` (its lead byte is ≥ 0x80),
    /// or 0 when it is not well formed.
    static func sequenceLength<C: Collection>(_ bytes: C, at i: C.Index) -> Int where C.Element == UInt8 {
        let lead = bytes[i]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return 0
        }
        var j = i
        for k in 1..<length {
            bytes.formIndex(after: &j)
            guard j != bytes.endIndex else { return 0 }
            let b = bytes[j]
            if k == 1 {
                guard b >= low && b <= high else { return 0 }
            } else {
                guard b & 0xC0 == 0x80 else { return 0 }
            }
        }
        return length
    }
}
