import CEdgeShims
import Glibc
import Synchronization

/// Readiness reported by epoll, as a small typed set.
public struct IOEvents: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let readable = IOEvents(rawValue: 1)
    public static let writable = IOEvents(rawValue: 2)
    /// The peer closed its side or the connection failed (EPOLLRDHUP, EPOLLHUP, EPOLLERR).
    public static let hangup = IOEvents(rawValue: 4)

    init(epoll: UInt32) {
        var set: IOEvents = []
        if epoll & cedge_EPOLLIN != 0 { set.insert(.readable) }
        if epoll & cedge_EPOLLOUT != 0 { set.insert(.writable) }
        if epoll & (cedge_EPOLLRDHUP | cedge_EPOLLHUP | cedge_EPOLLERR) != 0 { set.insert(.hangup) }
        self = set
    }
}

/// Whatever owns a file descriptor registered with a loop.
public protocol IOHandler: AnyObject {
    /// Called on the loop's thread with the readiness epoll reported. Descriptors are
    /// registered edge-triggered: the handler reads/writes until `.wouldBlock`.
    func handle(_ events: IOEvents)
}

/// Something that gathers output during an event batch and writes it once at the end of it.
public protocol Flushable: AnyObject {
    /// Kept by the loop: true while a flush is queued, so each object is flushed once per batch.
    var flushQueued: Bool { get set }
    func flush()
}

/// One epoll event loop, run by one worker thread. Everything registered with it is touched
/// only from that thread; other threads may only `execute` a task on it or `stop` it.
public final class EventLoop {
    private let epollFD: Int32
    private let wakeFD: Int32
    private var handlers: [IOHandler?] = []
    private var events: UnsafeMutableRawPointer
    private let maxEvents = 512
    private let eventSize = Int(cedge_epoll_event_size())
    private let timers: TimerWheel
    private var flushQueue: [Flushable] = []
    private var afterBatch: [() -> Void] = []
    private let inbox = Mutex<[() -> Void]>([])
    private var running = false
    private let stopRequested = Atomic<Bool>(false)

    /// Milliseconds on the monotonic clock, read once per loop iteration.
    public private(set) var now: UInt64

    public init() throws {
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw IOError("epoll_create1", errno: errno) }
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard wakeFD >= 0 else { throw IOError("eventfd", errno: errno) }
        events = UnsafeMutableRawPointer.allocate(byteCount: maxEvents * eventSize, alignment: 8)
        now = EventLoop.monotonicMilliseconds()
        timers = TimerWheel(now: now)
        guard cedge_epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, cedge_EPOLLIN, UInt64(wakeFD)) == 0 else {
            throw IOError("epoll_ctl", errno: errno, detail: "(wake-up eventfd)")
        }
    }

    deinit {
        events.deallocate()
        Glibc.close(wakeFD)
        Glibc.close(epollFD)
    }

    public static func monotonicMilliseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }

    // MARK: Descriptors

    /// Registers `fd` edge-triggered for reading and writing (never modified afterwards).
    public func register(_ fd: Int32, _ handler: IOHandler) throws {
        try register(fd, handler, mask: cedge_EPOLLIN | cedge_EPOLLOUT | cedge_EPOLLRDHUP | cedge_EPOLLET)
    }

    /// Registers a listening socket, level-triggered for reading.
    public func registerListener(_ fd: Int32, _ handler: IOHandler) throws {
        try register(fd, handler, mask: cedge_EPOLLIN)
    }

    private func register(_ fd: Int32, _ handler: IOHandler, mask: UInt32) throws {
        let index = Int(fd)
        if index >= handlers.count {
            handlers.append(contentsOf: repeatElement(nil, count: Swift.max(index + 1 - handlers.count, handlers.count)))
        }
        // Only a successful add may take the slot: a failed one (EEXIST) must not evict the
        // handler already registered for this descriptor.
        guard cedge_epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, mask, UInt64(fd)) == 0 else {
            throw IOError("epoll_ctl", errno: errno, detail: "(add fd \(fd))")
        }
        handlers[index] = handler
    }

    /// Hands a registered descriptor to another handler (after a TLS handshake, say).
    public func replaceHandler(_ fd: Int32, _ handler: IOHandler) {
        handlers[Int(fd)] = handler
    }

    /// Stops watching a listener without closing it (accept back-off, draining).
    public func pauseListener(_ fd: Int32) {
        _ = cedge_epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, 0, UInt64(fd))
    }

    public func resumeListener(_ fd: Int32) {
        _ = cedge_epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, cedge_EPOLLIN, UInt64(fd))
    }

    /// Forgets `fd` and closes it. Closing removes it from epoll.
    public func close(_ fd: Int32) {
        let index = Int(fd)
        if index < handlers.count { handlers[index] = nil }
        Glibc.close(fd)
    }

    /// Forgets `fd` without closing it.
    public func deregister(_ fd: Int32) {
        let index = Int(fd)
        if index < handlers.count { handlers[index] = nil }
        _ = cedge_epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, 0, 0)
    }

    // MARK: Timers and deferred work

    /// Arms `timer` to fire `milliseconds` from now (re-arming later is cheap).
    public func arm(_ timer: LoopTimer, in milliseconds: UInt64) {
        timers.arm(timer, deadline: now + milliseconds)
    }

    /// Stops `timer` from firing; cheap to arm again (per-request timeouts).
    public func disarm(_ timer: LoopTimer) {
        timers.disarm(timer)
    }

    /// Stops `timer` and lets go of it now: for an owner that is closing.
    public func cancel(_ timer: LoopTimer) {
        timers.cancel(timer)
    }

    /// Asks for `flush()` once this event batch is handled; queueing again before then is free.
    public func queueFlush(_ target: Flushable) {
        guard !target.flushQueued else { return }
        target.flushQueued = true
        flushQueue.append(target)
    }

    /// Runs `task` on this thread after the current event batch (e.g. to free a connection
    /// that is still on the call stack).
    public func afterThisBatch(_ task: @escaping () -> Void) {
        afterBatch.append(task)
    }

    /// Runs `task` on the loop's thread; callable from any thread.
    public func execute(_ task: @escaping () -> Void) {
        inbox.withLock { $0.append(task) }
        wake()
    }

    /// Asks the loop to return from `run()`; callable from any thread.
    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
        wake()
    }

    private func wake() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, 8)
    }

    // MARK: Running

    /// Runs until `stop()`.
    public func run() {
        running = true
        while !stopRequested.load(ordering: .relaxed) {
            let timeout: Int32 = (timers.linkedCount > 0 || !afterBatch.isEmpty) ? Int32(timers.tickMilliseconds) : -1
            let count = epoll_wait(epollFD, events.assumingMemoryBound(to: epoll_event.self), Int32(maxEvents), timeout)
            now = EventLoop.monotonicMilliseconds()
            if count > 0 {
                for i in 0..<Int(count) {
                    let event = (events + i * eventSize).assumingMemoryBound(to: epoll_event.self)
                    let fd = Int32(truncatingIfNeeded: cedge_epoll_event_data(event))
                    let mask = cedge_epoll_event_events(event)
                    if fd == wakeFD {
                        drainInbox()
                        continue
                    }
                    let index = Int(fd)
                    guard index < handlers.count, let handler = handlers[index] else { continue }
                    handler.handle(IOEvents(epoll: mask))
                }
            } else if count < 0 && errno != EINTR {
                break
            }
            timers.advance(to: now)
            runBatchEnd()
        }
        running = false
    }

    private func runBatchEnd() {
        var i = 0
        while i < flushQueue.count {
            let target = flushQueue[i]
            target.flushQueued = false
            target.flush()
            i += 1
        }
        flushQueue.removeAll(keepingCapacity: true)
        if !afterBatch.isEmpty {
            let tasks = afterBatch
            afterBatch.removeAll(keepingCapacity: true)
            for task in tasks { task() }
        }
    }

    private func drainInbox() {
        var counter: UInt64 = 0
        _ = Glibc.read(wakeFD, &counter, 8)
        let tasks = inbox.withLock { queue -> [() -> Void] in
            let taken = queue
            queue.removeAll()
            return taken
        }
        for task in tasks { task() }
    }
}
