/// One token bucket's settings: tokens added per second and the most it holds (the burst).
/// Configured rates are split across workers before they get here.
public struct RateLimit: Sendable, Hashable {
    public let perSecond: Double
    public let burst: Double

    public init(perSecond: Double, burst: Double) {
        self.perSecond = perSecond
        self.burst = Swift.max(burst, 1)
    }

    /// This limit's share on one of `workers` workers: each worker limits on its own, with
    /// an equal part of the rate and burst (at least one request of burst).
    public func share(of workers: Int) -> RateLimit {
        let n = Double(Swift.max(workers, 1))
        return RateLimit(perSecond: perSecond / n, burst: Swift.max(burst / n, 1))
    }
}

/// What a bucket counts: an identity, a tenant, a tool (bytes of the name or key).
public struct RateKey: Hashable, Sendable {
    public enum Kind: UInt8, Sendable {
        case identity, clientAddress, tenant, tool
    }

    public let kind: Kind
    public let name: [UInt8]

    public init(_ kind: Kind, _ name: [UInt8]) {
        self.kind = kind
        self.name = name
    }
}

/// Takes tokens from rate buckets. One small interface, so a store shared by instances
/// (Redis) can stand behind global limits later; `LocalRateLimiter` is one worker's own.
public protocol RateLimiter: AnyObject {
    /// Takes one token from `key`'s bucket under `limit` at `now` (milliseconds, monotonic).
    /// Nil when the request may go on; else the whole seconds until a token is there.
    func take(_ key: RateKey, limit: RateLimit, now: UInt64) -> Int?
}

/// Token buckets kept by one worker (no lock: one loop uses it). Bounded: when full, buckets
/// that have filled up again (as good as new) are dropped, then, if need be, all of them.
public final class LocalRateLimiter: RateLimiter {
    private struct Bucket {
        var tokens: Double
        var updated: UInt64
    }

    private var buckets: [RateKey: Bucket] = [:]
    public let capacity: Int

    public init(capacity: Int = 65_536) {
        self.capacity = capacity
    }

    public var count: Int { buckets.count }

    public func take(_ key: RateKey, limit: RateLimit, now: UInt64) -> Int? {
        var bucket = buckets[key] ?? Bucket(tokens: limit.burst, updated: now)
        let elapsed = Double(now &- bucket.updated) / 1000
        if now > bucket.updated { bucket.tokens = Swift.min(limit.burst, bucket.tokens + elapsed * limit.perSecond) }
        bucket.updated = Swift.max(bucket.updated, now)
        guard bucket.tokens >= 1 else {
            buckets[key] = bucket
            guard limit.perSecond > 0 else { return 3600 }
            let wait = (1 - bucket.tokens) / limit.perSecond
            return Swift.max(1, Int(wait.rounded(.up)))
        }
        bucket.tokens -= 1
        if buckets[key] == nil, buckets.count >= capacity { evict(now: now) }
        buckets[key] = bucket
        return nil
    }

    private func evict(now: UInt64) {
        buckets = buckets.filter { $0.value.tokens < 1 && now &- $0.value.updated < 60_000 }
        if buckets.count >= capacity { buckets.removeAll(keepingCapacity: true) }
    }
}
