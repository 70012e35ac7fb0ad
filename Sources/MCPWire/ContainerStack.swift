/// Which of the open JSON containers are objects, one bit per level, in fixed storage: the
/// scanner nests without recursion and without allocating. Holds `capacity` levels; the
/// scanner never asks for more (it clamps `maxDepth`).
struct ContainerStack {
    static let capacity = 1024

    /// Levels 64·w+1 … 64·w+64 of the word being filled (w = (depth - 1) / 64).
    private var current: UInt64 = 0
    /// Earlier full words, saved when a level crosses into the next word.
    private var saved = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0),
                         UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))

    /// Opens level `depth` (1-based, one more than the deepest open level).
    @inline(__always)
    mutating func push(depth: Int, object: Bool) {
        let bit = (depth &- 1) & 63
        if bit == 0 && depth > 1 {
            save(current, at: (depth &- 1) >> 6 &- 1)
            current = 0
        }
        if object { current |= 1 &<< UInt64(bit) }
    }

    /// Closes level `depth`, the deepest open one.
    @inline(__always)
    mutating func pop(depth: Int) {
        let bit = (depth &- 1) & 63
        current &= ~(1 &<< UInt64(bit))
        if bit == 0 && depth > 1 {
            current = load((depth &- 1) >> 6 &- 1)
        }
    }

    /// Whether open level `depth` is an object (false: an array).
    @inline(__always)
    func isObject(depth: Int) -> Bool {
        current &>> UInt64((depth &- 1) & 63) & 1 == 1
    }

    private mutating func save(_ word: UInt64, at index: Int) {
        withUnsafeMutableBytes(of: &saved) { $0.storeBytes(of: word, toByteOffset: index * 8, as: UInt64.self) }
    }

    private func load(_ index: Int) -> UInt64 {
        withUnsafeBytes(of: saved) { $0.load(fromByteOffset: index * 8, as: UInt64.self) }
    }
}
