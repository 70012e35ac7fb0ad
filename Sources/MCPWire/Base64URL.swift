/// Base64 with the URL and file name safe alphabet (RFC 4648, section 5), without padding:
/// the text of session tokens and cursors. Decoding accepts only canonical text (no `=`, no
/// other characters, unused trailing bits zero), so each byte string has exactly one text.
///
/// Session tokens, cursors and JWTs (whose segments RFC 7515 defines as exactly this: no padding).
public enum Base64URL {
    /// The length of the text for `count` bytes.
    public static func encodedCount(_ count: Int) -> Int { (count * 4 + 2) / 3 }

    /// The text of `bytes`.
    public static func encode(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        encode(bytes, appendingTo: &out)
        return out
    }

    /// Appends the text of `bytes` to `out`. The output is sized first and written by index
    /// (appending character by character took half the time of sealing a session).
    public static func encode(_ bytes: ArraySlice<UInt8>, appendingTo out: inout [UInt8]) {
        let alphabet = Self.alphabet
        var o = out.count
        out.append(contentsOf: repeatElement(0, count: encodedCount(bytes.count)))
        var i = bytes.startIndex
        let end = bytes.endIndex
        while end - i >= 3 {
            let group = Int(bytes[i]) << 16 | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2])
            out[o] = alphabet[group >> 18]
            out[o + 1] = alphabet[group >> 12 & 0x3F]
            out[o + 2] = alphabet[group >> 6 & 0x3F]
            out[o + 3] = alphabet[group & 0x3F]
            i += 3
            o += 4
        }
        switch end - i {
        case 2:
            let group = Int(bytes[i]) << 16 | Int(bytes[i + 1]) << 8
            out[o] = alphabet[group >> 18]
            out[o + 1] = alphabet[group >> 12 & 0x3F]
            out[o + 2] = alphabet[group >> 6 & 0x3F]
        case 1:
            let group = Int(bytes[i]) << 16
            out[o] = alphabet[group >> 18]
            out[o + 1] = alphabet[group >> 12 & 0x3F]
        default:
            break
        }
    }

    /// The bytes of canonical unpadded text, or nil.
    public static func decode(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        return decode(text, appendingTo: &out) ? out : nil
    }

    /// Appends the bytes of `text` to `out` and returns true; returns false, with `out`
    /// unchanged, for a character outside the alphabet, a length of 4n+1, or non-zero unused
    /// bits in the last character.
    public static func decode(_ text: ArraySlice<UInt8>, appendingTo out: inout [UInt8]) -> Bool {
        let remainder = text.count % 4
        if remainder == 1 { return false }
        let values = Self.values
        let start = out.count
        var o = start
        out.append(contentsOf: repeatElement(0, count: text.count / 4 * 3 + (remainder == 0 ? 0 : remainder - 1)))
        var i = text.startIndex
        let fullEnd = text.endIndex - remainder
        var invalid: UInt8 = 0
        while i < fullEnd {
            let a = values[Int(text[i])], b = values[Int(text[i + 1])], c = values[Int(text[i + 2])], d = values[Int(text[i + 3])]
            invalid |= a | b | c | d
            let group = Int(a) << 18 | Int(b) << 12 | Int(c) << 6 | Int(d)
            out[o] = UInt8(truncatingIfNeeded: group >> 16)
            out[o + 1] = UInt8(truncatingIfNeeded: group >> 8)
            out[o + 2] = UInt8(truncatingIfNeeded: group)
            i += 4
            o += 3
        }
        switch remainder {
        case 2:
            let a = values[Int(text[i])], b = values[Int(text[i + 1])]
            invalid |= a | b | (b & 0x0F == 0 ? 0 : 0x80)
            out[o] = a << 2 | b >> 4
        case 3:
            let a = values[Int(text[i])], b = values[Int(text[i + 1])], c = values[Int(text[i + 2])]
            invalid |= a | b | c | (c & 0x03 == 0 ? 0 : 0x80)
            out[o] = a << 2 | b >> 4
            out[o + 1] = b << 4 | c >> 2
        default:
            break
        }
        // Checked once at the end: values outside the alphabet have the high bits set.
        if invalid & 0xC0 != 0 {
            out.removeSubrange(start...)
            return false
        }
        return true
    }

    /// The 64 characters, by value.
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// The value of each byte as a character, 0xFF for bytes outside the alphabet.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()
}
