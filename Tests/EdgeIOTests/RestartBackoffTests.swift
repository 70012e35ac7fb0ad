import EdgeIO
import XCTest

final class RestartBackoffTests: XCTestCase {
    /// SplitMix64: the same draws on every run.
    private struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    func testDoublesFromAHundredMillisecondsToThirtySeconds() {
        var backoff = RestartBackoff()
        let delays = (0..<12).map { _ in backoff.delay(afterUptime: 5) }
        XCTAssertEqual(delays, [100, 200, 400, 800, 1_600, 3_200, 6_400, 12_800, 25_600, 30_000, 30_000, 30_000])
        XCTAssertEqual(backoff.attempts, 12)
    }

    func testAChildThatStayedUpAMinuteStartsTheSequenceAgain() {
        var backoff = RestartBackoff()
        for _ in 0..<5 { _ = backoff.delay(afterUptime: 0) }
        XCTAssertEqual(backoff.delay(afterUptime: 59_999), 3_200, "not quite a minute")
        XCTAssertEqual(backoff.delay(afterUptime: 60_000), 100)
        XCTAssertEqual(backoff.delay(afterUptime: 10), 200)
        backoff.reset()
        XCTAssertEqual(backoff.undisturbedDelay, 100)
    }

    func testNeverOverflows() {
        var backoff = RestartBackoff(initialMilliseconds: 1 << 40, maximumMilliseconds: .max)
        for _ in 0..<200 { XCTAssertGreaterThan(backoff.delay(afterUptime: 0), 0) }
        XCTAssertEqual(backoff.undisturbedDelay, .max)
    }

    func testJitterOnlyShortensTheDelay() {
        var generator = SeededGenerator(state: 42)
        var backoff = RestartBackoff(jitterPercent: 50)
        var seen = Set<UInt64>()
        for _ in 0..<200 {
            backoff.reset()
            _ = backoff.delay(afterUptime: 0, using: &generator)
            let delay = backoff.delay(afterUptime: 0, using: &generator)
            XCTAssertTrue((100...200).contains(delay), "200 less at most half: \(delay)")
            seen.insert(delay)
        }
        XCTAssertGreaterThan(seen.count, 10, "the delays are spread")
        var real = RestartBackoff(jitterPercent: 20)
        for expected: UInt64 in [100, 200, 400, 800] {
            XCTAssertTrue((expected * 8 / 10...expected).contains(real.delay(afterUptime: 0)))
        }
    }
}
