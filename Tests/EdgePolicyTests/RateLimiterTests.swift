@testable import EdgePolicy
import XCTest

/// Token buckets counted, not timed: a clock passed in by the test.
final class RateLimiterTests: XCTestCase {
    let alice = RateKey(.identity, Array("alice".utf8))
    let bob = RateKey(.identity, Array("bob".utf8))

    func testBurstThenRefillAtTheRate() {
        let limiter = LocalRateLimiter()
        let limit = RateLimit(perSecond: 2, burst: 3)
        let allowed = (0..<5).filter { _ in limiter.take(alice, limit: limit, now: 1000) == nil }.count
        XCTAssertEqual(allowed, 3, "the burst")
        XCTAssertEqual(limiter.take(alice, limit: limit, now: 1000), 1, "retry after one second")
        XCTAssertNil(limiter.take(alice, limit: limit, now: 1500), "half a second later: one token at 2/s")
        XCTAssertNotNil(limiter.take(alice, limit: limit, now: 1500))
        // Ten seconds later the bucket is full again, never more than the burst.
        let later = (0..<10).filter { _ in limiter.take(alice, limit: limit, now: 11_500) == nil }.count
        XCTAssertEqual(later, 3)
    }

    func testBucketsAreSeparatePerKey() {
        let limiter = LocalRateLimiter()
        let limit = RateLimit(perSecond: 1, burst: 1)
        XCTAssertNil(limiter.take(alice, limit: limit, now: 0))
        XCTAssertNotNil(limiter.take(alice, limit: limit, now: 0))
        XCTAssertNil(limiter.take(bob, limit: limit, now: 0))
        XCTAssertNil(limiter.take(RateKey(.tenant, Array("alice".utf8)), limit: limit, now: 0), "kinds do not share buckets")
    }

    func testSlowRatesGiveLongerRetryAfter() {
        let limiter = LocalRateLimiter()
        let limit = RateLimit(perSecond: 0.1, burst: 1)
        XCTAssertNil(limiter.take(alice, limit: limit, now: 0))
        XCTAssertEqual(limiter.take(alice, limit: limit, now: 0), 10)
    }

    func testTheShareOfAWorker() {
        XCTAssertEqual(RateLimit(perSecond: 10, burst: 20).share(of: 4), RateLimit(perSecond: 2.5, burst: 5))
        XCTAssertEqual(RateLimit(perSecond: 1, burst: 1).share(of: 4).burst, 1, "at least one request of burst")
    }

    func testTheTableIsBounded() {
        let limiter = LocalRateLimiter(capacity: 10)
        let limit = RateLimit(perSecond: 1, burst: 5)
        for i in 0..<100 {
            _ = limiter.take(RateKey(.clientAddress, Array("10.0.0.\(i)".utf8)), limit: limit, now: 0)
            XCTAssertLessThanOrEqual(limiter.count, 10)
        }
    }
}
