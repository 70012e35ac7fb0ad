import XCTest
@testable import EdgeGateway

final class HandshakeAdmissionTests: XCTestCase {
    /// A connection in its handshake: evicting it leaves the set, as `ClientHandshake` does.
    private final class Holder: HandshakeSlotHolder {
        let admission: HandshakeAdmission
        var slot: HandshakeSlot?
        var evicted = false
        init(_ admission: HandshakeAdmission) { self.admission = admission }
        func evictFromHandshakeSlot() {
            evicted = true
            if let slot { admission.leave(slot) }
        }
    }

    private func admit(_ admission: HandshakeAdmission, at now: UInt64) -> Holder {
        let holder = Holder(admission)
        XCTAssertEqual(admission.makeRoom(now: now), .available)
        holder.slot = admission.admit(holder, now: now)
        return holder
    }

    func testFullSetWaitsUntilTheOldestStalls() {
        let admission = HandshakeAdmission(limit: 2, stallAfter: 1_000)
        let first = admit(admission, at: 100)
        let second = admit(admission, at: 300)
        XCTAssertEqual(admission.makeRoom(now: 500), .full(until: 1_100))
        XCTAssertEqual(admission.count, 2)
        XCTAssertFalse(first.evicted)
        XCTAssertFalse(second.evicted)
    }

    func testAFinishedHandshakeMakesRoomWithoutEvicting() {
        let admission = HandshakeAdmission(limit: 2, stallAfter: 1_000)
        let first = admit(admission, at: 100)
        let second = admit(admission, at: 300)
        admission.leave(first.slot!)
        admission.leave(first.slot!)  // twice is harmless
        XCTAssertEqual(admission.count, 1)
        XCTAssertEqual(admission.makeRoom(now: 500), .available)
        _ = admission.admit(Holder(admission), now: 500)
        // The oldest is now the second one: the set waits for it, not for the first.
        XCTAssertEqual(admission.makeRoom(now: 600), .full(until: 1_300))
        XCTAssertFalse(second.evicted)
    }

    func testStalledOldestIsEvictedForANewConnection() {
        let admission = HandshakeAdmission(limit: 2, stallAfter: 1_000)
        let first = admit(admission, at: 100)
        let second = admit(admission, at: 300)
        XCTAssertEqual(admission.makeRoom(now: 1_100), .available)
        XCTAssertTrue(first.evicted)
        XCTAssertFalse(second.evicted)
        XCTAssertEqual(admission.count, 1)
        _ = admission.admit(Holder(admission), now: 1_100)
        XCTAssertEqual(admission.makeRoom(now: 1_200), .full(until: 1_300))
    }

    func testAHolderThatDoesNotLeaveStillLosesItsPlace() {
        final class Stubborn: HandshakeSlotHolder {
            func evictFromHandshakeSlot() {}
        }
        let admission = HandshakeAdmission(limit: 1, stallAfter: 10)
        let stubborn = Stubborn()
        _ = admission.admit(stubborn, now: 0)
        XCTAssertEqual(admission.makeRoom(now: 10), .available)
        XCTAssertEqual(admission.count, 0)
    }

    func testLeavingFromTheMiddleKeepsOrder() {
        let admission = HandshakeAdmission(limit: 3, stallAfter: 1_000)
        let a = admit(admission, at: 0)
        let b = admit(admission, at: 10)
        let c = admit(admission, at: 20)
        admission.leave(b.slot!)
        _ = admit(admission, at: 30)
        XCTAssertEqual(admission.makeRoom(now: 1_000), .available)  // evicts a (0 + 1000)
        XCTAssertTrue(a.evicted)
        _ = admission.admit(Holder(admission), now: 1_000)
        XCTAssertEqual(admission.makeRoom(now: 1_010), .full(until: 1_020))  // c is next
        XCTAssertFalse(c.evicted)
    }
}

extension HandshakeAdmissionTests {
    func testEvictAllEmptiesTheSet() {
        let admission = HandshakeAdmission(limit: 4, stallAfter: 1_000)
        var holders: [Holder] = []
        for t in 0..<3 {
            let holder = Holder(admission)
            holder.slot = admission.admit(holder, now: UInt64(t))
            holders.append(holder)
        }
        admission.evictAll()
        XCTAssertEqual(admission.count, 0)
        XCTAssertTrue(holders.allSatisfy(\.evicted))
        XCTAssertEqual(admission.makeRoom(now: 10), .available)
    }
}
