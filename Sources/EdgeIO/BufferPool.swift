/// Buffers lent to connections while they are busy and taken back when they go idle, so an idle
/// keep-alive connection holds no buffer memory and a new connection costs no allocation.
/// One per worker: no lock.
public final class BufferPool {
    public let bufferSize: Int
    private var free: [[UInt8]] = []
    private let maxFree: Int

    /// - maxFree: storage kept for reuse; beyond it returned buffers are freed.
    public init(bufferSize: Int = 16 * 1024, maxFree: Int = 256) {
        self.bufferSize = bufferSize
        self.maxFree = maxFree
        free.reserveCapacity(maxFree)
    }

    /// Gives `buffer` storage if it has none.
    public func lend(_ buffer: inout ByteBuffer) {
        guard buffer.capacity == 0 else { return }
        buffer.adopt(free.popLast() ?? ByteBuffer.uninitializedStorage(bufferSize))
    }

    /// Takes the storage of an empty buffer back. A buffer holding bytes keeps them; one that
    /// grew past the standard size is freed instead of pooled.
    public func reclaim(_ buffer: inout ByteBuffer) {
        guard buffer.capacity > 0, buffer.isEmpty else { return }
        let storage = buffer.takeStorage()
        if storage.count == bufferSize && free.count < maxFree { free.append(storage) }
    }

    /// Buffers waiting for reuse (tests).
    public var freeCount: Int { free.count }
}
