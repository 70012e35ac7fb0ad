import Glibc
import XCTest
@testable import EdgeIO

final class ProcessSignalsTests: XCTestCase {
    func testTimedWaitReturnsNilThenTheSignalThatCame() {
        ProcessSignals.block()
        XCTAssertNil(ProcessSignals.wait(seconds: 1), "no signal was sent")
        // Blocked, so it stays pending for the wait to collect.
        pthread_kill(pthread_self(), SIGHUP)
        XCTAssertEqual(ProcessSignals.wait(seconds: 1), .reload)
        pthread_kill(pthread_self(), SIGTERM)
        XCTAssertEqual(ProcessSignals.wait(seconds: 1), .terminate)
    }
}
