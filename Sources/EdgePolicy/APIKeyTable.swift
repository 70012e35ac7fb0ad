import EdgeCrypto

/// API keys as the configuration stores them: the SHA-256 of each key and the identity it
/// stands for. A presented key is hashed and its digest compared in constant time; the keys
/// themselves are never held.
public struct APIKeyTable: Sendable {
    private let digests: [[UInt8]]
    private let identities: [Identity]
    private let byDigest: [[UInt8]: Int]

    public init(_ entries: [(sha256: [UInt8], identity: Identity)]) {
        digests = entries.map(\.sha256)
        identities = entries.map(\.identity)
        var index: [[UInt8]: Int] = [:]
        for (i, entry) in entries.enumerated() where index[entry.sha256] == nil { index[entry.sha256] = i }
        byDigest = index
    }

    public var isEmpty: Bool { digests.isEmpty }

    /// The identity of `key`, or nil. The lookup is by digest (which tells an attacker nothing
    /// about the key); the match is confirmed with a constant-time comparison.
    public func identity(for key: ArraySlice<UInt8>) -> Identity? {
        guard !digests.isEmpty else { return nil }
        let digest = SHA256.hash(key)
        guard let i = byDigest[digest], constantTimeEquals(digests[i][...], digest[...]) else { return nil }
        return identities[i]
    }
}
