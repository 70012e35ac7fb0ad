import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A helper thread (never an event loop) that calls `tick` over and over, pausing
/// `pauseMicroseconds` after each call that found nothing to do, until `stop`: the workers that
/// fetch key sets and OAuth tokens with blocking calls.
public final class PollingThread {
    private let stopRequested = Atomic<Bool>(false)
    private var thread: WorkerThread?

    public init() {}

    /// Starts the thread. `tick` returns true when it did some work (it is called again at once).
    public func start(name: String, pauseMicroseconds: UInt32, _ tick: @escaping () -> Bool) throws {
        thread = try WorkerThread(name: name) { [self] in
            while !stopRequested.load(ordering: .relaxed) {
                if !tick() { usleep(pauseMicroseconds) }
            }
        }
    }

    /// Asks the thread to end after its current call, and waits for it.
    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
        thread?.join()
        thread = nil
    }
}
