/// The credential of an `Authorization: Bearer <token>` field value (RFC 6750 §2.1): the
/// scheme matched without regard to case, one or more spaces, then a token68. Anything else
/// is no bearer credential at all.
public enum BearerCredential {
    /// The token's bytes within `value`, or nil.
    public static func token(in value: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        guard let token = candidate(in: value), isToken68(token) else { return nil }
        return token
    }

    /// What follows `Bearer` and its spaces, not yet checked to be a token68: a credential
    /// the cache already holds was checked when it was stored.
    public static func candidate(in value: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        let scheme: StaticString = "bearer"
        let count = scheme.utf8CodeUnitCount
        guard value.count > count + 1 else { return nil }
        var i = value.startIndex
        for j in 0..<count {
            guard value[i] | 0x20 == scheme.utf8Start[j] else { return nil }
            i += 1
        }
        guard value[i] == 0x20 else { return nil }
        while i < value.endIndex && value[i] == 0x20 { i += 1 }
        let token = value[i...]
        return token.isEmpty ? nil : token
    }

    /// Whether `token` is a token68: the characters RFC 7235 allows, `=` only at the end.
    public static func isToken68(_ token: ArraySlice<UInt8>) -> Bool {
        var sawPadding = false
        for byte in token {
            if byte == 0x3D { sawPadding = true; continue }
            guard !sawPadding, isToken68Character(byte) else { return false }
        }
        return !token.isEmpty
    }

    @inline(__always)
    public static func isToken68Character(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2D, 0x2E, 0x5F, 0x7E, 0x2B, 0x2F: return true
        default: return false
        }
    }
}
