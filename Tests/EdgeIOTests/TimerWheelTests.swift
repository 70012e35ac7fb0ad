import XCTest
@testable import EdgeIO

/// The wheel driven by a fake clock, the way `EventLoop.run` drives it with the monotonic one.
private final class FakeClock {
    let wheel: TimerWheel
    private(set) var now: UInt64
    /// Times (fake `now`) at which each named timer fired.
    var firings: [String: [UInt64]] = [:]

    init(start: UInt64 = 10_000) {
        now = start
        wheel = TimerWheel(now: start)
    }

    func timer(_ name: String, then: @escaping () -> Void = {}) -> LoopTimer {
        LoopTimer { [unowned self] in
            firings[name, default: []].append(now)
            then()
        }
    }

    func arm(_ timer: LoopTimer, in milliseconds: UInt64) {
        wheel.arm(timer, deadline: now + milliseconds)
    }

    /// Moves time forward in `step` increments until `now` reaches `until` (at most 200k steps).
    func run(to until: UInt64, step: UInt64) {
        var steps = 0
        while now < until && steps < 200_000 {
            now = Swift.min(now + step, until)
            wheel.advance(to: now)
            steps += 1
        }
    }

    func fired(_ name: String) -> [UInt64] { firings[name] ?? [] }
}

final class TimerWheelTests: XCTestCase {
    private let tick: UInt64 = 100
    private let rotation: UInt64 = 1024 * 100

    /// Asserts `name` fired exactly once, at or after `deadline`, and no later than one tick
    /// plus one clock step after it (every test steps by at most one tick).
    private func assertFiredOnce(_ clock: FakeClock, _ name: String, deadline: UInt64,
                                 file: StaticString = #filePath, line: UInt = #line) {
        let times = clock.fired(name)
        XCTAssertEqual(times.count, 1, "\(name) fired \(times.count) times: \(times)", file: file, line: line)
        guard let at = times.first else { return }
        XCTAssertGreaterThanOrEqual(at, deadline, "\(name) fired early", file: file, line: line)
        XCTAssertLessThanOrEqual(at, deadline + 2 * tick, "\(name) fired late (at \(at), due \(deadline))", file: file, line: line)
    }

    func testFiresOnceAtDeadlineAndNotBefore() {
        let clock = FakeClock()
        let timer = clock.timer("t")
        clock.arm(timer, in: 500)
        let deadline = clock.now + 500
        clock.run(to: deadline - 1, step: 1)
        XCTAssertEqual(clock.fired("t"), [], "fired before its deadline")
        XCTAssertTrue(timer.isArmed)
        clock.run(to: deadline + 5 * rotation, step: 50)
        assertFiredOnce(clock, "t", deadline: deadline)
        XCTAssertFalse(timer.isArmed)
        XCTAssertEqual(clock.wheel.linkedCount, 0)
    }

    /// The loop advances the wheel whenever epoll returns, so `now` may land anywhere inside a
    /// tick; a deadline later in the same tick must still fire on the next pass.
    func testDeadlineInsideTheCurrentTickFiresWhateverThePhase() {
        for phase: UInt64 in [0, 1, 10, 37, 50, 63, 99] {
            for offset: UInt64 in [1, 40, 99, 100, 101, 150, 555] {
                let clock = FakeClock(start: 10_000 + phase)
                let name = "p\(phase)o\(offset)"
                let timer = clock.timer(name)
                clock.arm(timer, in: offset)
                clock.run(to: clock.now + 3 * rotation, step: 100)
                assertFiredOnce(clock, name, deadline: 10_000 + phase + offset)
            }
        }
    }

    func testDeadlineInsideTheCurrentTickWithFineSteps() {
        let clock = FakeClock(start: 10_000)
        let timer = clock.timer("t")
        clock.arm(timer, in: 1_550)
        clock.run(to: 10_000 + 3 * rotation, step: 10)
        assertFiredOnce(clock, "t", deadline: 11_550)
    }

    func testRearmingLaterDefersWithoutRelinking() {
        let clock = FakeClock()
        let timer = clock.timer("t")
        clock.arm(timer, in: 500)
        let firstTick = timer.linkedTick
        clock.run(to: clock.now + 300, step: 10)
        clock.arm(timer, in: 1_200)
        let deadline = clock.now + 1_200
        XCTAssertEqual(timer.linkedTick, firstTick, "re-arming later should only store the deadline")
        XCTAssertEqual(timer.deadline, deadline)
        clock.run(to: deadline + 2 * rotation, step: 10)
        assertFiredOnce(clock, "t", deadline: deadline)
    }

    func testRefreshingOnEveryStepNeverFires() {
        // An idle timeout refreshed by traffic keeps being deferred.
        let clock = FakeClock()
        let timer = clock.timer("idle")
        for _ in 0..<500 {
            clock.arm(timer, in: 1_000)
            clock.run(to: clock.now + 30, step: 30)
        }
        XCTAssertEqual(clock.fired("idle"), [])
        let deadline = timer.deadline
        clock.run(to: deadline + rotation, step: 30)
        assertFiredOnce(clock, "idle", deadline: deadline)
    }

    func testRearmingEarlierMovesIt() {
        let clock = FakeClock()
        let timer = clock.timer("t")
        clock.arm(timer, in: 50_000)
        clock.arm(timer, in: 300)
        let deadline = clock.now + 300
        clock.run(to: clock.now + 2 * rotation, step: 20)
        assertFiredOnce(clock, "t", deadline: deadline)
    }

    func testDisarmPreventsFiring() {
        let clock = FakeClock()
        let timer = clock.timer("t")
        clock.arm(timer, in: 300)
        clock.run(to: clock.now + 200, step: 10)
        clock.wheel.disarm(timer)
        XCTAssertFalse(timer.isArmed)
        // Disarming is lazy: the timer stays in its slot until the walk reaches it.
        XCTAssertEqual(clock.wheel.linkedCount, 1)
        clock.run(to: clock.now + 2 * rotation, step: 50)
        XCTAssertEqual(clock.fired("t"), [])
        XCTAssertEqual(clock.wheel.linkedCount, 0)
        // Disarming twice, or a timer never armed, is harmless.
        clock.wheel.disarm(timer)
        clock.wheel.disarm(clock.timer("never"))
        XCTAssertEqual(clock.wheel.linkedCount, 0)
    }

    func testCancelTakesTheTimerOutAtOnce() {
        let clock = FakeClock()
        let timer = clock.timer("t")
        clock.arm(timer, in: 300)
        clock.wheel.cancel(timer)
        XCTAssertFalse(timer.isArmed)
        XCTAssertEqual(clock.wheel.linkedCount, 0)
        clock.run(to: clock.now + rotation, step: 50)
        XCTAssertEqual(clock.fired("t"), [])
        clock.wheel.cancel(timer)  // twice is harmless
        XCTAssertEqual(clock.wheel.linkedCount, 0)
    }

    func testDisarmedTimerArmedEarlierFiresAtTheEarlierDeadline() {
        let clock = FakeClock()
        let timer = clock.timer("t")
        clock.arm(timer, in: 700)
        clock.wheel.disarm(timer)
        clock.arm(timer, in: 300)
        let deadline = clock.now + 300
        clock.run(to: clock.now + 2 * rotation, step: 25)
        assertFiredOnce(clock, "t", deadline: deadline)
        XCTAssertEqual(clock.wheel.linkedCount, 0)
    }

    /// What a keep-alive connection does per request: disarm, then arm later than before.
    func testDisarmAndLaterArmFireOnceAtTheLastDeadline() {
        let clock = FakeClock()
        let timer = clock.timer("t")
        clock.arm(timer, in: 500)
        var deadline: UInt64 = 0
        for _ in 0..<20 {
            clock.run(to: clock.now + 100, step: 20)
            clock.wheel.disarm(timer)
            clock.arm(timer, in: 500)
            deadline = clock.now + 500
            XCTAssertEqual(clock.wheel.linkedCount, 1)
        }
        XCTAssertEqual(clock.fired("t"), [])
        clock.run(to: clock.now + 2 * rotation, step: 20)
        assertFiredOnce(clock, "t", deadline: deadline)
    }

    func testDisarmedTimerCanBeArmedAgain() {
        let clock = FakeClock()
        let timer = clock.timer("t")
        clock.arm(timer, in: 300)
        clock.wheel.disarm(timer)
        clock.arm(timer, in: 700)
        let deadline = clock.now + 700
        clock.run(to: clock.now + rotation, step: 25)
        assertFiredOnce(clock, "t", deadline: deadline)
    }

    func testFirstOfTwoTimersInOneSlotCancelsTheOther() {
        let clock = FakeClock()
        var a: LoopTimer!
        var b: LoopTimer!
        a = clock.timer("a") { clock.wheel.disarm(b) }
        b = clock.timer("b") { clock.wheel.disarm(a) }
        clock.arm(a, in: 1_000)
        clock.arm(b, in: 1_000)
        clock.run(to: clock.now + 2 * rotation, step: 100)
        XCTAssertEqual(clock.fired("a").count + clock.fired("b").count, 1)
        XCTAssertEqual(clock.wheel.linkedCount, 0)
    }

    func testActionRearmsADueTimerOfTheSameSlot() {
        let clock = FakeClock()
        let start = clock.now
        var a: LoopTimer!
        var b: LoopTimer!
        a = clock.timer("a") { if clock.fired("b").isEmpty { clock.arm(b, in: 2_000) } }
        b = clock.timer("b") { if clock.fired("a").isEmpty { clock.arm(a, in: 2_000) } }
        clock.arm(a, in: 1_000)
        clock.arm(b, in: 1_000)
        clock.run(to: start + 2 * rotation, step: 100)
        XCTAssertEqual(clock.fired("a").count, 1, "a: \(clock.fired("a"))")
        XCTAssertEqual(clock.fired("b").count, 1, "b: \(clock.fired("b"))")
        let times = (clock.fired("a") + clock.fired("b")).sorted()
        guard times.count == 2 else { return }
        XCTAssertEqual(times[0], start + 1_000)
        XCTAssertGreaterThanOrEqual(times[1], start + 3_000)
        XCTAssertLessThanOrEqual(times[1], start + 3_000 + 2 * tick)
    }

    func testActionArmsANewTimerThatIsAlreadyDue() {
        let clock = FakeClock()
        let late = clock.timer("late")
        let first = clock.timer("first") { clock.arm(late, in: 0) }
        clock.arm(first, in: 1_000)
        clock.run(to: clock.now + 1_000, step: 100)
        XCTAssertEqual(clock.fired("first").count, 1)
        let armedAt = clock.now
        clock.run(to: clock.now + rotation, step: 100)
        assertFiredOnce(clock, "late", deadline: armedAt)
    }

    func testPeriodicTimerRearmsItself() {
        let clock = FakeClock()
        var timer: LoopTimer!
        timer = clock.timer("tick") { if clock.fired("tick").count < 5 { clock.arm(timer, in: 250) } }
        clock.arm(timer, in: 250)
        clock.run(to: clock.now + 10_000, step: 50)
        let times = clock.fired("tick")
        XCTAssertEqual(times.count, 5)
        for (earlier, later) in zip(times, times.dropFirst()) {
            XCTAssertGreaterThanOrEqual(later - earlier, 250)
        }
        XCTAssertEqual(clock.wheel.linkedCount, 0)
    }

    func testDeadlinesBeyondOneRotation() {
        let clock = FakeClock()
        let start = clock.now
        let delays: [UInt64] = [rotation - 1, rotation, rotation + 1, rotation + 50, 2 * rotation + 12_345, 5 * rotation + 99]
        for (i, delay) in delays.enumerated() { clock.arm(clock.timer("t\(i)"), in: delay) }
        // Wrong-rotation timers sharing slots with the far ones.
        for (i, delay) in delays.enumerated() { clock.arm(clock.timer("near\(i)"), in: delay % rotation + 1) }
        clock.run(to: start + 6 * rotation, step: 100)
        for (i, delay) in delays.enumerated() {
            assertFiredOnce(clock, "t\(i)", deadline: start + delay)
            assertFiredOnce(clock, "near\(i)", deadline: start + delay % rotation + 1)
        }
        XCTAssertEqual(clock.wheel.linkedCount, 0)
    }

    func testLargeJumpFiresEverythingDue() {
        // A loop that stalled for longer than a rotation fires all overdue timers at once.
        let clock = FakeClock()
        let start = clock.now
        for i in 0..<50 { clock.arm(clock.timer("due\(i)"), in: UInt64(i) * 6_000 + 1) }
        clock.arm(clock.timer("later"), in: 4 * rotation)
        clock.run(to: start + 3 * rotation, step: 3 * rotation)
        for i in 0..<50 { XCTAssertEqual(clock.fired("due\(i)").count, 1, "due\(i)") }
        XCTAssertEqual(clock.fired("later"), [])
        clock.run(to: start + 5 * rotation, step: 100)
        assertFiredOnce(clock, "later", deadline: start + 4 * rotation)
    }

    func testTenThousandTimersAllFire() {
        let clock = FakeClock()
        let start = clock.now
        var deadlines: [UInt64] = []
        var fired = [Int](repeating: 0, count: 10_000)
        var late = 0
        var early = 0
        var timers: [LoopTimer] = []
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<10_000 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let delay = 1 + (seed >> 33) % (3 * rotation)
            let deadline = start + delay
            deadlines.append(deadline)
            let timer = LoopTimer { [unowned clock] in
                fired[i] += 1
                if clock.now < deadline { early += 1 }
                // One tick of granularity plus one 37 ms step of the clock.
                if clock.now >= deadline + 100 + 37 { late += 1 }
            }
            timers.append(timer)
            clock.arm(timer, in: delay)
        }
        XCTAssertEqual(clock.wheel.linkedCount, 10_000)
        clock.run(to: start + 4 * rotation, step: 37)
        XCTAssertEqual(fired.filter { $0 == 1 }.count, 10_000)
        XCTAssertEqual(early, 0)
        XCTAssertEqual(late, 0)
        XCTAssertEqual(clock.wheel.linkedCount, 0)
        XCTAssertTrue(timers.allSatisfy { !$0.isArmed })
    }
}
