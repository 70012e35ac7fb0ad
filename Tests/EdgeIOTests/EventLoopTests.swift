import Dispatch
import Glibc
import XCTest
@testable import EdgeIO

/// Reads its descriptor until `.wouldBlock` on every event, as an edge-triggered handler must.
private final class ReadingHandler: IOHandler {
    let fd: Int32
    let received = Locked<[UInt8]>([])
    let eventLog = Locked<[IOEvents]>([])
    let sawEOF = Locked(false)
    var onEvent: ((IOEvents) -> Void)?
    private var buffer = ByteBuffer(capacity: 64)

    init(fd: Int32) { self.fd = fd }

    func handle(_ events: IOEvents) {
        eventLog.withLock { $0.append(events) }
        onEvent?(events)
        for _ in 0..<10_000 {
            buffer.reserveWritable(64)
            switch Socket.read(fd, into: &buffer) {
            case .count:
                let bytes = Array(buffer.readableSlice)
                buffer.clear()
                received.withLock { $0.append(contentsOf: bytes) }
                continue
            case .closed:
                sawEOF.withLock { $0 = true }
            case .wouldBlock, .failed:
                break
            }
            break
        }
    }

    var text: String { String(decoding: received.current, as: UTF8.self) }
}

final class EventLoopTests: XCTestCase {
    private var running: RunningLoop!
    private var loop: EventLoop { running.loop }
    private var openFDs: [Int32] = []

    override func setUpWithError() throws {
        signal(SIGPIPE, SIG_IGN)
        running = try RunningLoop()
    }

    override func tearDown() {
        XCTAssertTrue(running.stop(), "run() did not return after stop()")
        running = nil
        for fd in openFDs { Glibc.close(fd) }
        openFDs = []
    }

    private func pair() -> (Int32, Int32) {
        let (a, b) = makeSocketPair()
        openFDs += [a, b]
        return (a, b)
    }

    /// Registers a reading handler for `fd` on the loop's thread.
    private func registerReader(_ fd: Int32) throws -> ReadingHandler {
        let handler = ReadingHandler(fd: fd)
        let loop = self.loop
        let error = running.sync { () -> String? in
            do { try loop.register(fd, handler); return nil } catch { return "\(error)" }
        }
        XCTAssertEqual(error, .some(nil), "register failed")
        return handler
    }

    // MARK: execute, stop

    func testExecuteRunsOnTheLoopThreadInOrder() {
        let threads = Locked<[pthread_t]>([])
        let order = Locked<[Int]>([])
        let done = expectation(description: "all tasks ran")
        for i in 0..<1_000 {
            loop.execute {
                threads.withLock { $0.append(pthread_self()) }
                order.withLock { $0.append(i) }
                if i == 999 { done.fulfill() }
            }
        }
        wait(for: [done], timeout: patience)
        XCTAssertEqual(order.current, Array(0..<1_000))
        let seen = threads.current
        XCTAssertEqual(seen.count, 1_000)
        guard let first = seen.first else { return }
        XCTAssertEqual(pthread_equal(first, pthread_self()), 0, "task ran on the test thread")
        XCTAssertTrue(seen.allSatisfy { pthread_equal($0, first) != 0 }, "tasks ran on several threads")
    }

    func testExecuteFromManyThreadsKeepsEachThreadsOrder() {
        let order = Locked<[Int: [Int]]>([:])
        let total = Locked(0)
        let done = expectation(description: "all tasks ran")
        let loop = self.loop
        DispatchQueue.concurrentPerform(iterations: 4) { sender in
            for i in 0..<250 {
                loop.execute {
                    order.withLock { $0[sender, default: []].append(i) }
                    if total.withLock({ $0 += 1; return $0 }) == 1_000 { done.fulfill() }
                }
            }
        }
        wait(for: [done], timeout: patience)
        for sender in 0..<4 { XCTAssertEqual(order.current[sender], Array(0..<250)) }
    }

    func testTaskExecutedFromATaskRuns() {
        let done = expectation(description: "nested task ran")
        let loop = self.loop
        loop.execute { loop.execute { done.fulfill() } }
        wait(for: [done], timeout: patience)
    }

    func testStopReturnsRun() throws {
        let other = try RunningLoop()
        XCTAssertNotNil(other.sync { 1 })
        XCTAssertTrue(other.stop())
    }

    func testStopFromInsideALoopTask() throws {
        let other = try RunningLoop()
        let loop = other.loop
        loop.execute { loop.stop() }
        XCTAssertTrue(other.stop())
    }

    func testStopBeforeRunReturnsAtOnce() throws {
        let loop = try EventLoop()
        loop.stop()
        let returned = DispatchSemaphore(value: 0)
        let thread = try WorkerThread(name: "stop-first") {
            loop.run()
            returned.signal()
        }
        XCTAssertEqual(returned.wait(timeout: .now() + patience), .success)
        thread.join()
    }

    // MARK: descriptors

    func testReadableEventsAreDelivered() throws {
        let (mine, peer) = pair()
        let handler = try registerReader(mine)
        sendAll("hello", to: peer)
        XCTAssertTrue(eventually { handler.text == "hello" }, "got \(handler.text)")
        // Edge-triggered: a new edge after the handler drained the socket is reported again.
        sendAll(" world", to: peer)
        XCTAssertTrue(eventually { handler.text == "hello world" }, "got \(handler.text)")
        XCTAssertTrue(handler.eventLog.current.contains { $0.contains(.readable) })
    }

    func testLargeTransferArrivesComplete() throws {
        let (mine, peer) = pair()
        let handler = try registerReader(mine)
        let chunk = String(repeating: "0123456789abcdef", count: 1024)
        for _ in 0..<16 { sendAll(chunk, to: peer) }
        XCTAssertTrue(eventually { handler.received.current.count == 16 * chunk.utf8.count })
        XCTAssertEqual(handler.text, String(repeating: chunk, count: 16))
    }

    func testPeerCloseIsReported() throws {
        let (mine, peer) = pair()
        let handler = try registerReader(mine)
        sendAll("bye", to: peer)
        Glibc.close(peer)
        openFDs.removeAll { $0 == peer }
        XCTAssertTrue(eventually { handler.sawEOF.current })
        XCTAssertEqual(handler.text, "bye")
        XCTAssertTrue(handler.eventLog.current.contains { $0.contains(.hangup) }, "\(handler.eventLog.current)")
    }

    func testWritableReportedOnRegistration() throws {
        let (mine, _) = pair()
        let handler = try registerReader(mine)
        XCTAssertTrue(eventually { handler.eventLog.current.contains { $0.contains(.writable) } })
    }

    func testRegisteringTheSameDescriptorTwiceThrowsAndKeepsTheFirstHandler() throws {
        let (mine, peer) = pair()
        let handler = try registerReader(mine)
        let loop = self.loop
        let error = running.sync { () -> String? in
            do { try loop.register(mine, ClosureHandler { _ in }); return nil } catch { return "\(error)" }
        }
        XCTAssertNotNil(error ?? nil, "registering a registered descriptor should throw")
        XCTAssertTrue((error ?? nil)?.contains("fd \(mine)") ?? false, "\(String(describing: error))")
        sendAll("still mine", to: peer)
        XCTAssertTrue(eventually { handler.text == "still mine" }, "first handler lost its events: \(handler.text)")
    }

    func testHighDescriptorNumbersGrowTheTable() throws {
        let (mine, peer) = pair()
        let high = fcntl(mine, F_DUPFD_CLOEXEC, 500)
        XCTAssertGreaterThanOrEqual(high, 500)
        openFDs.append(high)
        let handler = try registerReader(high)
        sendAll("high", to: peer)
        XCTAssertTrue(eventually { handler.text == "high" })
    }

    func testReplaceHandlerRoutesLaterEvents() throws {
        let (mine, peer) = pair()
        let first = try registerReader(mine)
        sendAll("one", to: peer)
        XCTAssertTrue(eventually { first.text == "one" })
        let second = ReadingHandler(fd: mine)
        let loop = self.loop
        running.sync { loop.replaceHandler(mine, second) }
        sendAll("two", to: peer)
        XCTAssertTrue(eventually { second.text == "two" }, "second got \(second.text)")
        XCTAssertEqual(first.text, "one")
    }

    func testDeregisteredDescriptorGetsNoEventsAndStaysOpen() throws {
        let (mine, peer) = pair()
        let handler = try registerReader(mine)
        XCTAssertTrue(eventually { !handler.eventLog.current.isEmpty })
        let loop = self.loop
        running.sync { loop.deregister(mine) }
        let before = handler.eventLog.current.count
        sendAll("ignored", to: peer)
        // Two round trips through the loop: a pending event would have been handled by now.
        running.sync {}
        running.sync {}
        XCTAssertEqual(handler.eventLog.current.count, before)
        XCTAssertEqual(drain(mine), Array("ignored".utf8), "deregister must not close the descriptor")
    }

    func testHandlerClosingItsDescriptorWhileANewOneReusesTheNumber() throws {
        let (first, _) = pair()
        let (second, _) = pair()
        let loop = self.loop
        let fresh = Locked<[ReadingHandler]>([])
        var openedByLoop: [Int32] = []
        // Both are writable at once, so their events arrive in one batch. Whichever is handled
        // first closes both descriptors and opens a new pair: the lowest free numbers are handed
        // out again, so the other's stale event is delivered for a number that now belongs to a
        // new handler, which must cope (it reads `.wouldBlock`).
        let closer = ClosureHandler { _ in
            guard fresh.current.isEmpty else { return }
            loop.close(first)
            loop.close(second)
            let (a, b) = makeSocketPair()
            openedByLoop += [a, b]
            let handlers = [ReadingHandler(fd: a), ReadingHandler(fd: b)]
            for handler in handlers { try? loop.register(handler.fd, handler) }
            fresh.withLock { $0 = handlers }
            sendAll("fresh", to: b)
        }
        running.sync {
            try? loop.register(first, closer)
            try? loop.register(second, closer)
        }
        XCTAssertTrue(eventually { fresh.current.first?.text == "fresh" })
        let numbers = Set(fresh.current.map(\.fd))
        XCTAssertEqual(numbers, [first, second], "descriptor numbers were not reused")
        running.sync {}
        openFDs.removeAll { $0 == first || $0 == second }
        openFDs += running.sync { openedByLoop } ?? []
    }

    func testCloseForgetsTheHandler() throws {
        let (mine, peer) = pair()
        let handler = try registerReader(mine)
        XCTAssertTrue(eventually { !handler.eventLog.current.isEmpty })
        let loop = self.loop
        running.sync { loop.close(mine) }
        openFDs.removeAll { $0 == mine }
        // The descriptor is gone: the peer sees EOF.
        XCTAssertTrue(waitFor(peer, POLLIN))
        var byte: UInt8 = 0
        XCTAssertEqual(Glibc.read(peer, &byte, 1), 0)
    }

    func testPausedListenerIsNotReportedUntilResumed() throws {
        let listener = try Socket.listen(SocketAddress(host: "127.0.0.1", port: 0), reusePort: false)
        openFDs.append(listener)
        let port = Socket.localPort(listener)
        let accepted = Locked(0)
        let handler = ClosureHandler { _ in
            while case .connection(let fd, _) = Socket.accept(listener) {
                accepted.withLock { $0 += 1 }
                Glibc.close(fd)
            }
        }
        let loop = self.loop
        running.sync {
            try? loop.registerListener(listener, handler)
            loop.pauseListener(listener)
        }
        let client = try Socket.connect(to: SocketAddress(host: "127.0.0.1", port: port))
        openFDs.append(client)
        XCTAssertTrue(waitFor(client, POLLOUT))
        running.sync {}
        running.sync {}
        XCTAssertEqual(accepted.current, 0, "a paused listener was reported")
        running.sync { loop.resumeListener(listener) }
        XCTAssertTrue(eventually { accepted.current == 1 })
    }

    // MARK: end of batch

    func testFlushAndAfterBatchRunAfterTheBatchHandlers() throws {
        let (a, aPeer) = pair()
        let (b, bPeer) = pair()
        let loop = self.loop
        let log = Locked<[String]>([])
        var queued = false
        let flusher = ClosureFlushable {
            queued = false
            log.withLock { $0.append("flush") }
        }
        func handler(_ name: String) -> ClosureHandler {
            ClosureHandler { _ in
                _ = drain(name == "a" ? a : b)
                log.withLock { $0.append(name) }
                if !queued { queued = true; loop.queueFlush(flusher) }
                loop.afterThisBatch { log.withLock { $0.append("after-\(name)") } }
            }
        }
        let gate = DispatchSemaphore(value: 0)
        running.sync {
            try? loop.register(a, handler("a"))
            try? loop.register(b, handler("b"))
        }
        // Let the writable events of registration pass, then make both readable in one batch.
        running.sync {}
        running.sync {}
        log.withLock { $0.removeAll() }
        loop.execute { _ = gate.wait(timeout: .now() + patience) }
        sendAll("1", to: aPeer)
        sendAll("2", to: bPeer)
        gate.signal()
        XCTAssertTrue(eventually { log.current.count >= 5 }, "\(log.current)")
        let entries = log.current
        XCTAssertEqual(entries.count, 5, "\(entries)")
        XCTAssertEqual(entries.filter { $0 == "flush" }.count, 1, "flush once per batch: \(entries)")
        XCTAssertEqual(Set(entries.prefix(2)), ["a", "b"], "handlers first: \(entries)")
        XCTAssertEqual(entries.dropFirst(2).first, "flush", "flush after handlers: \(entries)")
        XCTAssertEqual(Set(entries.suffix(2)), ["after-a", "after-b"], "afterThisBatch last: \(entries)")
    }

    func testQueueFlushOnceForEachBatch() {
        let loop = self.loop
        let flushes = Locked(0)
        let flusher = ClosureFlushable { flushes.withLock { $0 += 1 } }
        for batch in 1...3 {
            let observed = running.sync { () -> Int in
                loop.queueFlush(flusher)
                return flushes.current
            }
            XCTAssertEqual(observed, batch - 1, "flush ran before the batch ended")
            running.sync {}
            XCTAssertEqual(flushes.current, batch)
        }
    }

    func testQueueingTwiceInOneBatchFlushesOnce() {
        let loop = self.loop
        let flushes = Locked(0)
        let flusher = ClosureFlushable { flushes.withLock { $0 += 1 } }
        running.sync {
            loop.queueFlush(flusher)
            loop.queueFlush(flusher)
        }
        running.sync {}
        XCTAssertEqual(flushes.current, 1)
    }

    func testFlushQueuedDuringFlushStillRuns() {
        let loop = self.loop
        let log = Locked<[String]>([])
        let second = ClosureFlushable { log.withLock { $0.append("second") } }
        let first = ClosureFlushable {
            log.withLock { $0.append("first") }
            loop.queueFlush(second)
        }
        running.sync { loop.queueFlush(first) }
        XCTAssertTrue(eventually { log.current.count == 2 })
        XCTAssertEqual(log.current, ["first", "second"])
    }

    func testAfterThisBatchFromATaskAndFromAnotherAfterBatchTask() {
        let loop = self.loop
        let log = Locked<[String]>([])
        let done = expectation(description: "nested afterThisBatch ran")
        loop.execute {
            loop.afterThisBatch {
                log.withLock { $0.append("outer") }
                loop.afterThisBatch {
                    log.withLock { $0.append("inner") }
                    done.fulfill()
                }
            }
            log.withLock { $0.append("task") }
        }
        wait(for: [done], timeout: patience)
        XCTAssertEqual(log.current, ["task", "outer", "inner"])
    }

    // MARK: timers

    func testTimerFiresOnTheLoopThreadAfterItsDeadline() {
        let loop = self.loop
        let fired = expectation(description: "timer fired")
        let firedAt = Locked<UInt64>(0)
        let onLoop = Locked(false)
        let loopThread = running.sync { pthread_self() }
        let timer = LoopTimer {
            firedAt.withLock { $0 = loop.now }
            if let loopThread { onLoop.withLock { $0 = pthread_equal(loopThread, pthread_self()) != 0 } }
            fired.fulfill()
        }
        let armedAt = running.sync { () -> UInt64 in
            loop.arm(timer, in: 150)
            return loop.now
        }
        wait(for: [fired], timeout: patience)
        XCTAssertGreaterThanOrEqual(firedAt.current, (armedAt ?? 0) + 150)
        XCTAssertTrue(onLoop.current)
        XCTAssertFalse(timer.isArmed)
    }

    func testDisarmedTimerDoesNotFireBeforeALaterOne() {
        let loop = self.loop
        let log = Locked<[String]>([])
        let done = expectation(description: "later timer fired")
        let cancelled = LoopTimer { log.withLock { $0.append("cancelled") } }
        let later = LoopTimer {
            log.withLock { $0.append("later") }
            done.fulfill()
        }
        running.sync {
            loop.arm(cancelled, in: 50)
            loop.arm(later, in: 300)
            loop.disarm(cancelled)
        }
        wait(for: [done], timeout: patience)
        XCTAssertEqual(log.current, ["later"])
    }

    func testRearmedTimerFiresOnceAtTheLaterDeadline() {
        let loop = self.loop
        let firings = Locked<[UInt64]>([])
        let done = expectation(description: "marker fired")
        let timer = LoopTimer { firings.withLock { $0.append(loop.now) } }
        // A second timer due well after the re-armed one, to know when to look.
        let marker = LoopTimer { done.fulfill() }
        let armedAt = running.sync { () -> UInt64 in
            loop.arm(timer, in: 100)
            loop.arm(timer, in: 400)
            loop.arm(marker, in: 700)
            return loop.now
        } ?? 0
        wait(for: [done], timeout: patience)
        XCTAssertEqual(firings.current.count, 1, "\(firings.current)")
        XCTAssertGreaterThanOrEqual(firings.current.first ?? 0, armedAt + 400)
    }

    func testManyTimersThroughTheLoop() {
        let loop = self.loop
        let count = 2_000
        let fired = Locked(0)
        let early = Locked(0)
        let done = expectation(description: "all timers fired")
        var timers: [LoopTimer] = []
        running.sync {
            for i in 0..<count {
                let delay = UInt64(1 + i % 700)
                let deadline = loop.now + delay
                let timer = LoopTimer {
                    if loop.now < deadline { early.withLock { $0 += 1 } }
                    if fired.withLock({ $0 += 1; return $0 }) == count { done.fulfill() }
                }
                timers.append(timer)
                loop.arm(timer, in: delay)
            }
        }
        wait(for: [done], timeout: patience)
        XCTAssertEqual(fired.current, count)
        XCTAssertEqual(early.current, 0)
    }
}
