/// Base64 with the standard alphabet and padding (RFC 4648 §4), for MCP header values
/// (`MCPHeaderValue`). Decoding is strict: a length that is not a multiple of four, a byte
/// outside the alphabet (whitespace included), misplaced padding or non-zero padding bits
/// make it fail, so every byte string has exactly one accepted encoding.
public enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// `bytes` encoded, with padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        encode(bytes, into: &out)
        return out
    }

    /// Appends `bytes` encoded, with padding.
    public static func encode(_ bytes: some Collection<UInt8>, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + (bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let a = iterator.next() {
            let b = iterator.next()
            let c = b == nil ? nil : iterator.next()
            let group = UInt32(a) << 16 | UInt32(b ?? 0) << 8 | UInt32(c ?? 0)
            out.append(alphabet[Int(group >> 18 & 0x3F)])
            out.append(alphabet[Int(group >> 12 & 0x3F)])
            out.append(b == nil ? 0x3D : alphabet[Int(group >> 6 & 0x3F)])
            out.append(c == nil ? 0x3D : alphabet[Int(group & 0x3F)])
        }
    }

    /// The bytes `text` encodes, or nil when it is not strict padded Base64.
    public static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        let length = text.count
        guard length % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(length / 4 * 3)
        var iterator = text.makeIterator()
        var groupsLeft = length / 4
        while groupsLeft > 0 {
            groupsLeft -= 1
            let c0 = value(iterator.next()!), c1 = value(iterator.next()!)
            let p2 = iterator.next()!, p3 = iterator.next()!
            guard c0 >= 0, c1 >= 0 else { return nil }
            let isLast = groupsLeft == 0
            if p2 == 0x3D {
                // `xx==`: one byte; the low four bits of the second character must be zero.
                guard isLast, p3 == 0x3D, c1 & 0x0F == 0 else { return nil }
                out.append(UInt8(c0 << 2 | c1 >> 4))
                return out
            }
            let c2 = value(p2)
            guard c2 >= 0 else { return nil }
            if p3 == 0x3D {
                // `xxx=`: two bytes; the low two bits of the third character must be zero.
                guard isLast, c2 & 0x03 == 0 else { return nil }
                out.append(UInt8(c0 << 2 | c1 >> 4))
                out.append(UInt8((c1 & 0x0F) << 4 | c2 >> 2))
                return out
            }
            let c3 = value(p3)
            guard c3 >= 0 else { return nil }
            out.append(UInt8(c0 << 2 | c1 >> 4))
            out.append(UInt8((c1 & 0x0F) << 4 | c2 >> 2))
            out.append(UInt8((c2 & 0x03) << 6 | c3))
        }
        return out
    }

    /// The six-bit value of an alphabet byte, or -1.
    @inline(__always)
    private static func value(_ b: UInt8) -> Int {
        switch b {
        case 0x41...0x5A: return Int(b - 0x41)
        case 0x61...0x7A: return Int(b - 0x61) + 26
        case 0x30...0x39: return Int(b - 0x30) + 52
        case 0x2B: return 62
        case 0x2F: return 63
        default: return -1
        }
    }
}
