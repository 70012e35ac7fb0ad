/// The credential of an `Authorization: Bearer <token>` field value (RFC 6750 §2.1): the
/// scheme matched without regard to case, one or more spaces, then a token68. Anything else
/// is no bearer credential at all.
public enum BearerCredential {
    /// The token's bytes within `value`, or nil.
    public static func token(in value: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        let scheme = Array("bearer".utf8)
        guard value.count > scheme.count + 1 else { return nil }
        var i = value.startIndex
        for expected in scheme {
            guard value[i] | 0x20 == expected else { return nil }
            i += 1
        }
        guard value[i] == 0x20 else { return nil }
        while i < value.endIndex && value[i] == 0x20 { i += 1 }
        let token = value[i...]
        guard !token.isEmpty else { return nil }
        var sawPadding = false
        for byte in token {
            if byte == 0x3D { sawPadding = true; continue } // '=' only at the end
            guard !sawPadding, isToken68Character(byte) else { return nil }
        }
        return token
    }

    @inline(__always)
    public static func isToken68Character(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E, 0x2B, 0x2F: return true
        default: return false
        }
    }
}
