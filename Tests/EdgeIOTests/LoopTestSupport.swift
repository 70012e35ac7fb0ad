import Dispatch
import EdgeIO
import Glibc
import XCTest

/// Generous upper bound for anything the tests wait on; only a hang reaches it.
let patience: TimeInterval = 10

/// An `EventLoop` running on its own `WorkerThread` for one test.
final class RunningLoop {
    let loop: EventLoop
    private var thread: WorkerThread?
    private let finished = DispatchSemaphore(value: 0)
    private(set) var loopThread: pthread_t?

    init() throws {
        loop = try EventLoop()
        let loop = self.loop
        let finished = self.finished
        thread = try WorkerThread(name: "edgeio-test") {
            loop.run()
            finished.signal()
        }
    }

    /// Runs `body` on the loop's thread and waits for its result (nil if the loop never ran it).
    @discardableResult
    func sync<T>(_ body: @escaping () -> T) -> T? {
        let done = DispatchSemaphore(value: 0)
        var result: T?
        loop.execute {
            result = body()
            done.signal()
        }
        guard done.wait(timeout: .now() + patience) == .success else { return nil }
        return result
    }

    /// Stops the loop; true when `run()` returned within the patience bound.
    @discardableResult
    func stop() -> Bool {
        guard let thread else { return true }
        loop.stop()
        guard finished.wait(timeout: .now() + patience) == .success else { return false }
        thread.join()
        self.thread = nil
        return true
    }

    deinit { _ = stop() }
}

/// A connected pair of non-blocking UNIX stream sockets.
func makeSocketPair() -> (Int32, Int32) {
    var fds: [Int32] = [0, 0]
    let rc = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds)
    precondition(rc == 0, "socketpair failed: \(errno)")
    return (fds[0], fds[1])
}

/// Writes all of `text` to a socket (blocking on poll when full, bounded).
func sendAll(_ text: String, to fd: Int32) {
    var bytes = Array(text.utf8)
    var attempts = 0
    while !bytes.isEmpty && attempts < 1000 {
        let n = Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL))
        if n > 0 { bytes.removeFirst(n) } else { _ = waitFor(fd, POLLOUT) }
        attempts += 1
    }
}

/// Polls `fd` for `events`; true when any requested event (or an error) is reported in time.
@discardableResult
func waitFor(_ fd: Int32, _ events: Int32, timeout: TimeInterval = patience) -> Bool {
    var entry = pollfd(fd: fd, events: Int16(events), revents: 0)
    let rc = poll(&entry, 1, Int32(timeout * 1000))
    return rc > 0
}

/// Reads whatever is available right now from a non-blocking descriptor.
func drain(_ fd: Int32) -> [UInt8] {
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = Glibc.read(fd, &chunk, chunk.count)
        if n <= 0 { break }
        out.append(contentsOf: chunk[0..<n])
    }
    return out
}

/// Reads from a non-blocking descriptor until `count` bytes arrived or the peer closed (bounded).
func receive(_ fd: Int32, count: Int) -> [UInt8] {
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    var attempts = 0
    while out.count < count && attempts < 1000 {
        attempts += 1
        let n = Glibc.read(fd, &chunk, Swift.min(chunk.count, count - out.count))
        if n > 0 { out.append(contentsOf: chunk[0..<n]); continue }
        if n == 0 { break }
        guard errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR else { break }
        guard waitFor(fd, POLLIN) else { break }
    }
    return out
}

/// An `IOHandler` that forwards every event to a closure.
final class ClosureHandler: IOHandler {
    let body: (IOEvents) -> Void
    init(_ body: @escaping (IOEvents) -> Void) { self.body = body }
    func handle(_ events: IOEvents) { body(events) }
}

/// A `Flushable` that forwards `flush()` to a closure.
final class ClosureFlushable: Flushable {
    var flushQueued = false
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
    func flush() { body() }
}

/// A value shared between the loop thread and the test thread.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
    var current: Value { withLock { $0 } }
}

/// Polls `condition` until it holds or the patience bound passes.
func eventually(_ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(patience)
    while Date() < deadline {
        if condition() { return true }
        usleep(1000)
    }
    return condition()
}
