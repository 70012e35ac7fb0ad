import COpenSSL

/// Whether two byte strings are equal, in time that depends on their length only, never on
/// where they differ (`CRYPTO_memcmp`): for comparing MACs and tags an attacker chose. The
/// lengths are compared first; they are not secret.
public func constantTimeEquals(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    if a.isEmpty { return true }
    return a.withUnsafeBytes { a in
        b.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 }
    }
}
