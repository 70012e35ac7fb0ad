import EdgeIO

/// Byte classes and small comparisons shared by the HTTP/1.1 parsers and serializers.
/// Everything works on `[UInt8]` by index: no `String`, no allocation.
enum HTTP1Bytes {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10
    static let sp: UInt8 = 32
    static let htab: UInt8 = 9
    static let colon: UInt8 = 58
    static let comma: UInt8 = 44
    static let slash: UInt8 = 47

    /// RFC 9110 `tchar`: the bytes of a token (methods, field names, codings).
    @inline(__always)
    static func isTokenChar(_ b: UInt8) -> Bool {
        if b < 64 { return (0x03ff_6cfa_0000_0000 as UInt64) >> UInt64(b) & 1 == 1 }
        if b < 128 { return (0x57ff_ffff_c7ff_fffe as UInt64) >> UInt64(b &- 64) & 1 == 1 }
        return false
    }

    /// Bytes allowed in a `Host` value: reg-name, IP-literal brackets, port, pct-encoding.
    @inline(__always)
    static func isHostChar(_ b: UInt8) -> Bool {
        if b < 64 { return (0x2fff_7ff2_0000_0000 as UInt64) >> UInt64(b) & 1 == 1 }
        if b < 128 { return (0x47ff_fffe_afff_fffe as UInt64) >> UInt64(b &- 64) & 1 == 1 }
        return false
    }

    /// A field value byte: HTAB, SP, VCHAR or obs-text. No other control byte, no DEL.
    @inline(__always)
    static func isFieldValueChar(_ b: UInt8) -> Bool {
        b == htab || (b >= 0x20 && b != 0x7f)
    }

    @inline(__always)
    static func isOWS(_ b: UInt8) -> Bool { b == sp || b == htab }

    /// `isTokenChar` and `isFieldValueChar` as tables, for `ByteScan.firstIndex(notIn:)`.
    static let tokenSet = ByteSet(isTokenChar)
    static let fieldValueSet = ByteSet(isFieldValueChar)
    static let hostSet = ByteSet(isHostChar)

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }

    /// The value of a hex digit, or nil.
    @inline(__always)
    static func hexValue(_ b: UInt8) -> Int? {
        if b &- 48 < 10 { return Int(b &- 48) }
        let lower = b | 0x20
        if lower &- 97 < 6 { return Int(lower &- 87) }
        return nil
    }

    @inline(__always)
    static func lowercased(_ b: UInt8) -> UInt8 { b &+ ((b &- 65) < 26 ? 32 : 0) }

    /// Whether `bytes[range]` equals the lower-case ASCII `text`, ignoring ASCII case.
    static func equalsIgnoringCase(_ bytes: [UInt8], _ range: Range<Int>, _ text: StaticString) -> Bool {
        guard range.count == text.utf8CodeUnitCount else { return false }
        var j = 0
        for i in range {
            if lowercased(bytes[i]) != text.utf8Start[j] { return false }
            j += 1
        }
        return true
    }

    /// Whether two ranges (possibly in different arrays) hold the same bytes ignoring ASCII case.
    static func equalsIgnoringCase(_ a: [UInt8], _ ra: Range<Int>, _ b: [UInt8], _ rb: Range<Int>) -> Bool {
        guard ra.count == rb.count else { return false }
        var j = rb.lowerBound
        for i in ra {
            if lowercased(a[i]) != lowercased(b[j]) { return false }
            j += 1
        }
        return true
    }

    /// `range` without leading and trailing SP/HTAB.
    static func trimmingOWS(_ bytes: [UInt8], _ range: Range<Int>) -> Range<Int> {
        var lo = range.lowerBound
        var hi = range.upperBound
        while lo < hi && isOWS(bytes[lo]) { lo += 1 }
        while hi > lo && isOWS(bytes[hi - 1]) { hi -= 1 }
        return lo..<hi
    }

    /// Calls `body` with each comma-separated element of a list value, OWS-trimmed (empty
    /// elements included, so that callers can reject them). Stops when `body` returns false.
    @inline(__always)
    static func forEachListElement(_ bytes: [UInt8], _ range: Range<Int>, _ body: (Range<Int>) -> Bool) {
        var start = range.lowerBound
        var i = start
        while i <= range.upperBound {
            if i == range.upperBound || bytes[i] == comma {
                if !body(trimmingOWS(bytes, start..<i)) { return }
                start = i + 1
            }
            i += 1
        }
    }
}
