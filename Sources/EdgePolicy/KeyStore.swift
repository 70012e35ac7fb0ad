import Synchronization

/// An issuer's current key set, shared by every worker and replaced whole when a fresh copy
/// is fetched (`jwks_url`). Read only when a token is seen for the first time (verified tokens
/// come from each worker's cache), so the lock is off the hot path.
public final class KeyStore: @unchecked Sendable {
    private let current: Mutex<JSONWebKeySet>
    /// Set when a token named a key id the set does not have: the fetcher refreshes early.
    private let missingKey = Atomic<Bool>(false)

    public init(_ keys: JSONWebKeySet) {
        current = Mutex(keys)
    }

    public var keys: JSONWebKeySet { current.withLock { $0 } }

    public func replace(_ keys: JSONWebKeySet) {
        current.withLock { $0 = keys }
    }

    /// A token named a key this set lacks (the issuer may have rotated its keys).
    public func noteUnknownKey() { missingKey.store(true, ordering: .relaxed) }

    /// Whether an unknown key was seen since the last call (and forgets it).
    public func takeUnknownKeyNote() -> Bool { missingKey.exchange(false, ordering: .relaxed) }
}
