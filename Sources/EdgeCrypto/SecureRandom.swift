import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's default DRBG (`RAND_bytes`), for keys
/// and nonces. Safe to call from any thread (OpenSSL keeps one generator per thread).
public enum SecureRandom {
    /// Overwrites every byte of `buffer` with random bytes.
    public static func fill(_ buffer: inout [UInt8]) {
        buffer.withUnsafeMutableBufferPointer { fill($0) }
    }

    /// `count` fresh random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "SecureRandom.bytes: negative count")
        var bytes = [UInt8](repeating: 0, count: count)
        fill(&bytes)
        return bytes
    }

    /// Fills memory the caller owns (the nonce slot of a sealed message, without a copy).
    static func fill(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        var offset = 0
        while offset < buffer.count {
            let chunk = min(buffer.count - offset, 1 << 30)
            // RAND_bytes fails only when the generator cannot be seeded (no entropy source at
            // all). Carrying on would hand out predictable nonces and keys, which is worse than
            // stopping: a reused AES-GCM nonce reveals the authentication key.
            if RAND_bytes(buffer.baseAddress! + offset, Int32(chunk)) != 1 {
                OpenSSLFailure.fatal("RAND_bytes cannot produce random bytes")
            }
            offset += chunk
        }
    }
}
