/// Credentials this worker has already verified, each with its identity until it expires: a
/// request presenting one pays a hash lookup instead of a signature check. One per worker
/// (no lock); bounded, and cleared of expired entries when full.
public final class TokenCache {
    private struct Entry {
        let identity: Identity
        let expires: Int
        /// The authenticator generation (a reload makes a new one) that verified it.
        let generation: ObjectIdentifier
    }

    private var entries: [ArraySlice<UInt8>: Entry] = [:]
    public let capacity: Int

    public init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    public var count: Int { entries.count }

    func lookup(_ credential: ArraySlice<UInt8>, now: Int, generation: ObjectIdentifier) -> Identity? {
        guard let entry = entries[credential] else { return nil }
        guard entry.expires > now, entry.generation == generation else {
            entries[credential] = nil
            return nil
        }
        return entry.identity
    }

    func remember(_ credential: ArraySlice<UInt8>, _ identity: Identity, expires: Int, now: Int, generation: ObjectIdentifier) {
        if entries.count >= capacity {
            entries = entries.filter { $0.value.expires > now && $0.value.generation == generation }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        }
        entries[ArraySlice(Array(credential))] = Entry(identity: identity, expires: expires, generation: generation)
    }
}
