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
    private let stopRequested = Atomic<Bool>(false)
    private var thread: WorkerThread?

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
                for note in set.skipped { EdgeLog.write("jwks_url \(url): left out \(note)") }
                return true
            }
        } catch {
            EdgeLog.write("jwks_url \(url): \(error); keeping the \(store.keys.keys.count) key(s) held")
            return false
        }
    }

    /// Fetches once, then keeps refreshing on a thread until `stop`.
    func start() throws {
        refresh()
        thread = try WorkerThread(name: "edge-jwks") { [self] in
            var last = EventLoop.monotonicMilliseconds()
            while !stopRequested.load(ordering: .relaxed) {
                usleep(100_000)
                let now = EventLoop.monotonicMilliseconds()
                let elapsed = now &- last
                if elapsed >= interval || (elapsed >= minimumInterval && store.takeUnknownKeyNote()) {
                    refresh()
                    last = EventLoop.monotonicMilliseconds()
                }
            }
        }
    }

    func stop() {
        stopRequested.store(true, ordering: .relaxed)
        thread?.join()
        thread = nil
    }
}
