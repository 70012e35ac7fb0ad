/// The open streams of one HTTP/2 connection by stream id: an open-addressing table in place of
/// `[Int32: Value]`, whose SipHash cost 1.3 % of a request's instructions.
///
/// Client stream ids are odd and increase, and at most `max_concurrent_streams` are open, so
/// `id >> 1` masked to the table size puts neighbours in neighbouring slots: lookups almost
/// never probe. Collisions probe linearly; removal shifts the run back (no tombstones). The
/// table stays at most half full.
struct StreamTable<Value: AnyObject> {
    /// 0 marks an empty slot (stream 0 is the connection, never a stream here).
    private var keys: [Int32]
    private var values: [Value?]
    private var mask: Int
    private(set) var count = 0

    /// Allocates nothing until the first insert: an idle connection's table costs no memory.
    init() {
        keys = []
        values = []
        mask = 0
    }

    var isEmpty: Bool { count == 0 }

    private func home(_ id: Int32) -> Int { Int(truncatingIfNeeded: id >> 1) & mask }

    /// The slot holding `id`, or nil.
    private func find(_ id: Int32) -> Int? {
        if count == 0 { return nil }
        var slot = home(id)
        while true {
            let key = keys[slot]
            if key == id { return slot }
            if key == 0 { return nil }
            slot = (slot + 1) & mask
        }
    }

    subscript(id: Int32) -> Value? {
        guard let slot = find(id) else { return nil }
        return values[slot]
    }

    /// Adds or replaces the value for `id` (which must be positive).
    mutating func insert(_ value: Value, for id: Int32) {
        precondition(id > 0, "stream ids are positive")
        if let slot = find(id) {
            values[slot] = value
            return
        }
        if (count + 1) * 2 > keys.count { grow() }
        var slot = home(id)
        while keys[slot] != 0 { slot = (slot + 1) & mask }
        keys[slot] = id
        values[slot] = value
        count += 1
    }

    @discardableResult
    mutating func removeValue(for id: Int32) -> Value? {
        guard var hole = find(id) else { return nil }
        let removed = values[hole]
        count -= 1
        // Backward shift: move later members of the run into the hole when their home allows.
        var next = (hole + 1) & mask
        while keys[next] != 0 {
            let wanted = home(keys[next])
            // `next` may fill the hole if its home is not within (hole, next], cyclically.
            let stays = hole <= next ? (wanted > hole && wanted <= next) : (wanted > hole || wanted <= next)
            if !stays {
                keys[hole] = keys[next]
                values[hole] = values[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        keys[hole] = 0
        values[hole] = nil
        return removed
    }

    /// Every value, in no particular order.
    var allValues: [Value] { values.compactMap { $0 } }

    mutating func removeAll() {
        for slot in keys.indices where keys[slot] != 0 {
            keys[slot] = 0
            values[slot] = nil
        }
        count = 0
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        let size = max(16, oldKeys.count * 2)
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: nil, count: size)
        mask = keys.count - 1
        count = 0
        for slot in oldKeys.indices where oldKeys[slot] != 0 {
            insert(oldValues[slot]!, for: oldKeys[slot])
        }
    }
}
