import EdgeIO
import EdgePolicy
import EdgeTLS
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Keeps an issuer's key set fresh from its `jwks_url`, on a thread of its own (never a loop):
/// fetched before serving, again every `interval`, and early when a token named a key id the
/// set lacks (at most once per `minimumInterval`). Only the configured URL is fetched, no
/// redirect is followed; a failed fetch or an unusable document keeps the keys held so far.
final class KeySetRefresher {
    let url: String
    let caFile: String?
    let store: KeyStore
    let interval: UInt64
    let minimumInterval: UInt64
    private let poller = PollingThread()
    /// Milliseconds until the next scheduled fetch: the response's `Cache-Control: max-age`
    /// when it gives one, kept between `minimumInterval` and `interval`.
    private let nextDue = Atomic<UInt64>(0)

    init(url: String, caFile: String?, store: KeyStore, intervalMilliseconds: UInt64, minimumIntervalMilliseconds: UInt64) {
        self.url = url
        self.caFile = caFile
        self.store = store
        self.interval = intervalMilliseconds
        self.minimumInterval = minimumIntervalMilliseconds
    }

    /// One fetch now; false (and a log line) when it did not give a usable set.
    @discardableResult
    func refresh() -> Bool {
        do {
            let response = try HTTPSFetch.get(url, caFile: caFile, timeoutSeconds: 10)
            guard response.status == 200 else {
                EdgeLog.write("jwks_url \(url): HTTP \(response.status); keeping the \(store.keys.keys.count) key(s) held")
                return false
            }
            switch JSONWebKeySet.parse(response.body[...]) {
            case .failure(let error):
                EdgeLog.write("jwks_url \(url): \(error.description); keeping the keys held")
                return false
            case .success(let set) where set.keys.isEmpty:
                EdgeLog.write("jwks_url \(url): no usable key (\(set.skipped.joined(separator: "; "))); keeping the keys held")
                return false
            case .success(let set):
                store.replace(set)
                nextDue.store(Self.lifetime(response.header("cache-control"), minimum: minimumInterval, maximum: interval),
                              ordering: .relaxed)
                for note in set.skipped { EdgeLog.write("jwks_url \(url): left out \(note)") }
                return true
            }
        } catch {
            EdgeLog.write("jwks_url \(url): \(error); keeping the \(store.keys.keys.count) key(s) held")
            return false
        }
    }

    /// `max-age` of a `Cache-Control` value in milliseconds, clamped; `maximum` without one.
    static func lifetime(_ cacheControl: String?, minimum: UInt64, maximum: UInt64) -> UInt64 {
        guard let cacheControl else { return maximum }
        for directive in cacheControl.split(separator: ",") {
            let parts = directive.split(separator: "=", maxSplits: 1).map { String($0).filter { $0 != " " } }
            if parts.count == 2, parts[0].lowercased() == "max-age", let seconds = UInt64(parts[1]) {
                return Swift.min(Swift.max(seconds * 1000, minimum), maximum)
            }
        }
        return maximum
    }

    /// Fetches once, then keeps refreshing on a thread until `stop`.
    func start() throws {
        nextDue.store(interval, ordering: .relaxed)
        refresh()
        var last = EventLoop.monotonicMilliseconds()
        try poller.start(name: "edge-jwks", pauseMicroseconds: 100_000) { [self] in
            let elapsed = EventLoop.monotonicMilliseconds() &- last
            if elapsed >= nextDue.load(ordering: .relaxed) || (elapsed >= minimumInterval && store.takeUnknownKeyNote()) {
                refresh()
                last = EventLoop.monotonicMilliseconds()
            }
            return false
        }
    }

    func stop() { poller.stop() }
}
