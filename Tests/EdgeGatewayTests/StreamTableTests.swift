import XCTest
@testable import EdgeGateway

final class StreamTableTests: XCTestCase {
    private final class Box {
        let id: Int32
        init(_ id: Int32) { self.id = id }
    }

    func testEmptyTableFindsNothing() {
        let table = StreamTable<Box>()
        XCTAssertTrue(table.isEmpty)
        XCTAssertNil(table[1])
        var copy = table
        XCTAssertNil(copy.removeValue(for: 1))
    }

    func testInsertFindReplaceRemove() {
        var table = StreamTable<Box>()
        let a = Box(1)
        table.insert(a, for: 1)
        table.insert(Box(3), for: 3)
        XCTAssertTrue(table[1] === a)
        XCTAssertEqual(table[3]?.id, 3)
        XCTAssertNil(table[5])
        let b = Box(1)
        table.insert(b, for: 1)
        XCTAssertTrue(table[1] === b)
        XCTAssertEqual(table.count, 2)
        XCTAssertTrue(table.removeValue(for: 1) === b)
        XCTAssertNil(table[1])
        XCTAssertEqual(table.count, 1)
        table.removeAll()
        XCTAssertTrue(table.isEmpty)
        XCTAssertNil(table[3])
    }

    /// Ids far apart share home slots: removing from the middle of a probe run must keep every
    /// later member reachable (the backward shift), including runs that wrap around the end.
    func testMatchesADictionaryUnderRandomChurn() {
        var table = StreamTable<Box>()
        var model: [Int32: Box] = [:]
        var rng = SystemRandomNumberGenerator()
        var nextID: Int32 = 1
        for step in 0..<20_000 {
            let roll = Int.random(in: 0..<10, using: &rng)
            if roll < 5 || model.isEmpty {
                // New streams: consecutive odd ids, sometimes a jump that collides modulo the size.
                let id = roll == 0 ? nextID + 2 * Int32(16 << Int.random(in: 0..<4, using: &rng)) : nextID
                nextID = id + 2
                let box = Box(id)
                table.insert(box, for: id)
                model[id] = box
            } else {
                let id = roll < 9 ? model.keys.randomElement(using: &rng)! : nextID + 1
                XCTAssertTrue(table.removeValue(for: id) === model.removeValue(forKey: id), "step \(step)")
            }
            if model.count > 200 {
                for id in model.keys.prefix(100) {
                    XCTAssertTrue(table.removeValue(for: id) === model.removeValue(forKey: id))
                }
            }
            XCTAssertEqual(table.count, model.count)
            if step % 97 == 0 {
                for (id, box) in model { XCTAssertTrue(table[id] === box, "step \(step) id \(id)") }
                XCTAssertEqual(Set(table.allValues.map(\.id)), Set(model.keys))
            }
        }
    }
}
