/// Buffers lent to connections while they are busy and taken back when they go idle, so an idle
/// keep-alive connection holds no buffer memory and a busy worker allocates none.
/// One per worker: no lock.
///
/// The free list keeps what recent load needed: `releaseUnused()`, called every few seconds,
/// frees the buffers that sat in the list through the whole period (its low-water mark), so
/// a steady load never allocates and a burst's buffers go back to the allocator afterwards.
public final class BufferPool {
    public let bufferSize: Int
    private var free: [[UInt8]] = []
    private let maxFree: Int
    /// The smallest size of the free list since the last `releaseUnused()`.
    private var lowestFree = 0

    /// - maxFree: a hard cap on the storage kept for reuse; beyond it returned buffers are freed.
    public init(bufferSize: Int = 16 * 1024, maxFree: Int = 4096) {
        self.bufferSize = bufferSize
        self.maxFree = maxFree
    }

    /// Gives `buffer` storage if it has none.
    public func lend(_ buffer: inout ByteBuffer) {
        guard buffer.capacity == 0 else { return }
        if let storage = free.popLast() {
            if free.count < lowestFree { lowestFree = free.count }
            buffer.adopt(storage)
        } else {
            lowestFree = 0
            buffer.adopt(ByteBuffer.uninitializedStorage(bufferSize))
        }
    }

    /// Takes the storage of an empty buffer back. A buffer holding bytes keeps them; one that
    /// grew past the standard size is freed instead of pooled.
    public func reclaim(_ buffer: inout ByteBuffer) {
        guard buffer.capacity > 0, buffer.isEmpty else { return }
        let storage = buffer.takeStorage()
        if storage.count == bufferSize && free.count < maxFree { free.append(storage) }
    }

    /// Frees the buffers no lend needed since the last call; returns how many.
    @discardableResult
    public func releaseUnused() -> Int {
        let unused = min(lowestFree, free.count)
        free.removeLast(unused)
        lowestFree = free.count
        return unused
    }

    /// Buffers waiting for reuse (tests).
    public var freeCount: Int { free.count }
}
