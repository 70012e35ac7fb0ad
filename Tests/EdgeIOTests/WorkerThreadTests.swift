import Foundation
import Glibc
import XCTest
@testable import EdgeIO

final class WorkerThreadTests: XCTestCase {
    func testRunsTheBodyOnANamedThreadAndJoins() throws {
        let name = Locked("")
        let ranElsewhere = Locked(false)
        let caller = pthread_self()
        let thread = try WorkerThread(name: "edge-worker-with-a-long-name") {
            // pthread_getname_np is not exported to Swift; the kernel shows the same name here.
            let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
            name.withLock { $0 = comm.trimmingCharacters(in: .newlines) }
            ranElsewhere.withLock { $0 = pthread_equal(caller, pthread_self()) == 0 }
        }
        thread.join()
        XCTAssertEqual(name.current, "edge-worker-wit", "names are cut to 15 bytes")
        XCTAssertTrue(ranElsewhere.current)
    }

    func testJoinWaitsForTheBody() throws {
        let finished = Locked(false)
        let thread = try WorkerThread(name: "slow") {
            usleep(20_000)
            finished.withLock { $0 = true }
        }
        thread.join()
        XCTAssertTrue(finished.current)
    }
}
