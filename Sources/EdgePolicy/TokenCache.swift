import EdgeCrypto
#if canImport(Glibc)
import Glibc
#endif

/// Credentials this worker has already verified, each with its identity until it expires: a
/// request presenting one pays one pass of a fast hash over the token, a table lookup and a
/// byte comparison, instead of a signature check. One per worker (no lock); bounded, and
/// cleared of expired entries when full.
public final class TokenCache {
    private struct Entry {
        let credential: [UInt8]
        let identity: Identity
        let expires: Int
        /// The authenticator (a reload makes new ones) that verified it.
        let generation: ObjectIdentifier
    }

    /// By the credential's hash; a colliding credential only replaces the entry (the full
    /// bytes are compared on every hit).
    private var entries: [UInt64: Entry] = [:]
    public let capacity: Int
    /// Keyed per cache, so that which credentials collide cannot be worked out in advance.
    private let seed: UInt64

    public init(capacity: Int = 4096) {
        self.capacity = capacity
        seed = SecureRandom.bytes(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    public var count: Int { entries.count }

    func lookup(_ credential: ArraySlice<UInt8>, now: Int, generation: ObjectIdentifier) -> Identity? {
        let key = hash(credential)
        guard let entry = entries[key], Self.same(entry.credential, credential) else { return nil }
        guard entry.expires > now, entry.generation == generation else {
            entries[key] = nil
            return nil
        }
        return entry.identity
    }

    func remember(_ credential: ArraySlice<UInt8>, _ identity: Identity, expires: Int, now: Int, generation: ObjectIdentifier) {
        if entries.count >= capacity {
            entries = entries.filter { $0.value.expires > now && $0.value.generation == generation }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        }
        entries[hash(credential)] = Entry(credential: Array(credential), identity: identity, expires: expires, generation: generation)
    }

    private static func same(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBytes { a in b.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 } }
    }

    /// A 64-bit multiply-and-rotate hash, eight bytes at a time (not cryptographic; the bytes
    /// are compared on every hit).
    private func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.withUnsafeBytes { raw -> UInt64 in
            var h = seed ^ (UInt64(raw.count) &* 0x9E37_79B9_7F4A_7C15)
            var i = 0
            while i + 8 <= raw.count {
                let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                h = (h ^ word) &* 0xFF51_AFD7_ED55_8CCD
                h = (h << 31) | (h >> 33)
                i += 8
            }
            while i < raw.count {
                h = (h ^ UInt64(raw[i])) &* 0xC4CE_B9FE_1A85_EC53
                i += 1
            }
            return h ^ (h >> 29)
        }
    }
}
