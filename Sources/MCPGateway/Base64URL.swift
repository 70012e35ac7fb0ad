/// Base64 with the URL and file name safe alphabet (RFC 4648, section 5), without padding:
/// the text of session tokens and cursors. Decoding accepts only canonical text (no `=`, no
/// other characters, unused trailing bits zero), so each byte string has exactly one text.
///
/// Internal to MCPGateway on purpose: MCPWire has its own standard base64 for JSON payloads.
enum Base64URL {
    /// The length of the text for `count` bytes.
    static func encodedCount(_ count: Int) -> Int { (count * 4 + 2) / 3 }

    /// The text of `bytes`.
    static func encode(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        encode(bytes, appendingTo: &out)
        return out
    }

    /// Appends the text of `bytes` to `out`.
    static func encode(_ bytes: ArraySlice<UInt8>, appendingTo out: inout [UInt8]) {
        out.reserveCapacity(out.count + encodedCount(bytes.count))
        var i = bytes.startIndex
        let end = bytes.endIndex
        while end - i >= 3 {
            let group = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(symbol(group >> 18))
            out.append(symbol(group >> 12))
            out.append(symbol(group >> 6))
            out.append(symbol(group))
            i += 3
        }
        switch end - i {
        case 2:
            let group = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(symbol(group >> 18))
            out.append(symbol(group >> 12))
            out.append(symbol(group >> 6))
        case 1:
            let group = UInt32(bytes[i]) << 16
            out.append(symbol(group >> 18))
            out.append(symbol(group >> 12))
        default:
            break
        }
    }

    /// The bytes of canonical unpadded text, or nil.
    static func decode(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        return decode(text, appendingTo: &out) ? out : nil
    }

    /// Appends the bytes of `text` to `out` and returns true; returns false, with `out`
    /// unchanged, for a character outside the alphabet, a length of 4n+1, or non-zero unused
    /// bits in the last character.
    static func decode(_ text: ArraySlice<UInt8>, appendingTo out: inout [UInt8]) -> Bool {
        let remainder = text.count % 4
        if remainder == 1 { return false }
        let start = out.count
        out.reserveCapacity(start + text.count / 4 * 3 + 2)
        var i = text.startIndex
        let fullEnd = text.endIndex - remainder
        while i < fullEnd {
            let a = value(text[i]), b = value(text[i + 1]), c = value(text[i + 2]), d = value(text[i + 3])
            if (a | b | c | d) & 0xC0 != 0 { out.removeSubrange(start...); return false }
            let group = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
            out.append(UInt8(truncatingIfNeeded: group >> 16))
            out.append(UInt8(truncatingIfNeeded: group >> 8))
            out.append(UInt8(truncatingIfNeeded: group))
            i += 4
        }
        switch remainder {
        case 2:
            let a = value(text[i]), b = value(text[i + 1])
            if (a | b) & 0xC0 != 0 || b & 0x0F != 0 { out.removeSubrange(start...); return false }
            out.append(a << 2 | b >> 4)
        case 3:
            let a = value(text[i]), b = value(text[i + 1]), c = value(text[i + 2])
            if (a | b | c) & 0xC0 != 0 || c & 0x03 != 0 { out.removeSubrange(start...); return false }
            out.append(a << 2 | b >> 4)
            out.append(b << 4 | c >> 2)
        default:
            break
        }
        return true
    }

    /// The character for the low six bits of `sextet`.
    @inline(__always)
    private static func symbol(_ sextet: UInt32) -> UInt8 {
        let v = UInt8(truncatingIfNeeded: sextet & 0x3F)
        switch v {
        case 0..<26: return v &+ 0x41          // A-Z
        case 26..<52: return v &+ (0x61 - 26)  // a-z
        case 52..<62: return v &- (52 - 0x30)  // 0-9
        case 62: return 0x2D                   // -
        default: return 0x5F                   // _
        }
    }

    /// The six bits a character stands for, or 0xFF when it is not in the alphabet.
    @inline(__always)
    private static func value(_ character: UInt8) -> UInt8 {
        switch character {
        case 0x41...0x5A: return character &- 0x41
        case 0x61...0x7A: return character &- (0x61 - 26)
        case 0x30...0x39: return character &+ (52 - 0x30)
        case 0x2D: return 62
        case 0x5F: return 63
        default: return 0xFF
        }
    }
}
