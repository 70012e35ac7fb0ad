import CEdgeShims
import Glibc

/// A named OS thread that runs one closure (a worker's event loop) until it returns.
public final class WorkerThread {
    private var thread = pthread_t()
    private final class Box { let body: () -> Void; init(_ body: @escaping () -> Void) { self.body = body } }

    /// Starts the thread at once.
    public init(name: String, _ body: @escaping () -> Void) throws {
        let threadName = String(name.prefix(15))
        let box = Unmanaged.passRetained(Box({ _ = cedge_set_thread_name(threadName); body() })).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        guard rc == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            throw IOError("pthread_create", errno: rc)
        }
    }

    /// Waits for the thread to finish.
    public func join() {
        pthread_join(thread, nil)
    }
}

/// Process signals handled synchronously: they are blocked in every thread (call `block()`
/// before starting workers so they inherit the mask) and collected by `wait(seconds:)` on the main thread.
public enum ProcessSignals {
    public enum Received { case terminate, reload }

    private static func set() -> sigset_t {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGHUP)
        return signals
    }

    /// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (and threads it starts later),
    /// and ignores SIGPIPE (writes report EPIPE instead).
    public static func block() {
        var signals = set()
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Waits for the next signal for at most `seconds`; nil when none came.
    public static func wait(seconds: Int) -> Received? {
        var signals = set()
        var timeout = timespec(tv_sec: seconds, tv_nsec: 0)
        while true {
            let number = sigtimedwait(&signals, nil, &timeout)
            if number == SIGHUP { return .reload }
            if number > 0 { return .terminate }
            if errno == EAGAIN { return nil }
            // EINTR: another signal interrupted the wait; wait again (the timeout restarts).
        }
    }
}
