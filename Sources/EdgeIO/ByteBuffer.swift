/// A byte buffer with separate read and write positions, owned by one connection and reused
/// for every request it carries. Bytes live in `storage[readerIndex..<writerIndex]`.
///
/// It grows only when a caller asks for more room than it has; `compact()` slides unread bytes
/// to the front so that a long-lived connection keeps the same allocation.
public struct ByteBuffer {
    public private(set) var storage: [UInt8]
    public private(set) var readerIndex: Int = 0
    public private(set) var writerIndex: Int = 0

    public init(capacity: Int) {
        storage = ByteBuffer.uninitializedStorage(capacity)
    }

    /// Storage that is not zero-filled first: bytes are always written before they are read
    /// (only `readerIndex..<writerIndex` is ever exposed), so the memset would be wasted.
    static func uninitializedStorage(_ capacity: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: capacity) { _, initialized in initialized = capacity }
    }

    /// A buffer with no storage yet (an idle connection's): `BufferPool.lend` gives it some.
    public init() {
        storage = []
    }

    /// Hands the storage over (to a `BufferPool`) and leaves this buffer without any.
    /// Only for an empty buffer.
    mutating func takeStorage() -> [UInt8] {
        precondition(isEmpty, "only an empty buffer gives its storage back")
        readerIndex = 0
        writerIndex = 0
        let taken = storage
        storage = []
        return taken
    }

    /// Adopts storage from a `BufferPool`; the buffer must have none.
    mutating func adopt(_ bytes: [UInt8]) {
        precondition(storage.isEmpty)
        storage = bytes
        readerIndex = 0
        writerIndex = 0
    }

    public var readableBytes: Int { writerIndex - readerIndex }
    public var writableBytes: Int { storage.count - writerIndex }
    public var capacity: Int { storage.count }
    public var isEmpty: Bool { readerIndex == writerIndex }

    /// The byte at an absolute index (between `readerIndex` and `writerIndex`).
    public subscript(index: Int) -> UInt8 { storage[index] }

    /// The readable bytes as a slice of the storage (no copy).
    public var readableSlice: ArraySlice<UInt8> { storage[readerIndex..<writerIndex] }

    public mutating func moveReaderIndex(forwardBy count: Int) {
        precondition(count >= 0 && readerIndex + count <= writerIndex)
        readerIndex += count
        if readerIndex == writerIndex { readerIndex = 0; writerIndex = 0 }
    }

    public mutating func moveReaderIndex(to index: Int) {
        moveReaderIndex(forwardBy: index - readerIndex)
    }

    public mutating func moveWriterIndex(forwardBy count: Int) {
        precondition(count >= 0 && writerIndex + count <= storage.count)
        writerIndex += count
    }

    /// On an empty buffer, starts the next write `count` bytes in, so that a small header can
    /// later be put right before the data (`prepend`) and both sent with one write.
    public mutating func reserveHeadroom(_ count: Int) {
        guard isEmpty, storage.count >= count else { return }
        readerIndex = count
        writerIndex = count
    }

    /// Puts `bytes` immediately before the readable bytes, in space already read; returns false
    /// when there is not enough such space.
    public mutating func prepend(_ bytes: ByteView) -> Bool {
        guard readerIndex >= bytes.count, bytes.count > 0 else { return false }
        let start = readerIndex - bytes.count
        storage.withUnsafeMutableBytes { raw in
            bytes.withUnsafeBytes { (raw.baseAddress! + start).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        readerIndex = start
        return true
    }

    /// Forgets every byte; keeps the allocation.
    public mutating func clear() { readerIndex = 0; writerIndex = 0 }

    /// Moves the unread bytes to the front.
    public mutating func compact() {
        guard readerIndex > 0 else { return }
        let count = readableBytes
        if count > 0 {
            storage.withUnsafeMutableBytes { raw in
                let base = raw.baseAddress!
                (base).copyMemory(from: base + readerIndex, byteCount: count)
            }
        }
        readerIndex = 0
        writerIndex = count
    }

    /// Makes room for at least `count` more bytes: compacts first, grows only if that is not enough.
    public mutating func reserveWritable(_ count: Int) {
        if writableBytes >= count { return }
        compact()
        if writableBytes >= count { return }
        var newCapacity = Swift.max(storage.count, 64)
        while newCapacity - writerIndex < count { newCapacity *= 2 }
        var grown = ByteBuffer.uninitializedStorage(newCapacity)
        let used = writerIndex
        if used > 0 {
            grown.withUnsafeMutableBytes { target in
                storage.withUnsafeBytes { target.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: used) }
            }
        }
        storage = grown
    }

    public mutating func write(_ byte: UInt8) {
        if writableBytes < 1 { reserveWritable(1) }
        storage[writerIndex] = byte
        writerIndex += 1
    }

    public mutating func write<C: Collection>(contentsOf bytes: C) where C.Element == UInt8 {
        let count = bytes.count
        if count == 0 { return }
        reserveWritable(count)
        var index = writerIndex
        for byte in bytes { storage[index] = byte; index += 1 }
        writerIndex = index
    }

    /// Appends bytes with one memcpy.
    public mutating func write(contentsOf bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { write(raw: $0) }
    }

    /// Appends bytes with one memcpy.
    public mutating func write(contentsOf bytes: [UInt8]) {
        bytes.withUnsafeBytes { write(raw: $0) }
    }

    private mutating func write(raw source: UnsafeRawBufferPointer) {
        let count = source.count
        if count == 0 { return }
        reserveWritable(count)
        let start = writerIndex
        storage.withUnsafeMutableBytes { raw in
            (raw.baseAddress! + start).copyMemory(from: source.baseAddress!, byteCount: count)
        }
        writerIndex += count
    }

    public mutating func write(_ text: StaticString) {
        let count = text.utf8CodeUnitCount
        reserveWritable(count)
        text.withUTF8Buffer { utf8 in
            storage.withUnsafeMutableBytes { raw in
                raw.baseAddress!.advanced(by: writerIndex).copyMemory(from: utf8.baseAddress!, byteCount: count)
            }
        }
        writerIndex += count
    }

    /// Appends a non-negative integer in decimal.
    public mutating func write(decimal value: Int) {
        precondition(value >= 0)
        var digits = 1
        var rest = value / 10
        while rest > 0 { digits += 1; rest /= 10 }
        reserveWritable(digits)
        var v = value
        var index = writerIndex + digits - 1
        repeat { storage[index] = UInt8(truncatingIfNeeded: 48 + v % 10); v /= 10; index -= 1 } while v > 0
        writerIndex += digits
    }

    /// Appends a non-negative integer in lower-case hexadecimal (chunk sizes).
    public mutating func write(hex value: Int) {
        precondition(value >= 0)
        var digits = 1
        var rest = value >> 4
        while rest > 0 { digits += 1; rest >>= 4 }
        reserveWritable(digits)
        var v = value
        var index = writerIndex + digits - 1
        let alphabet: StaticString = "0123456789abcdef"
        repeat {
            storage[index] = alphabet.utf8Start[v & 15]
            v >>= 4
            index -= 1
        } while v > 0
        writerIndex += digits
    }

    /// Lends the free space after `writerIndex` to a reader (a socket read, SSL_read); the
    /// closure returns how many bytes it wrote there.
    public mutating func withUnsafeMutableWritableBytes(_ body: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows -> Int {
        let start = writerIndex
        let written = try storage.withUnsafeMutableBytes { raw in
            try body(UnsafeMutableRawBufferPointer(rebasing: raw[start...]))
        }
        if written > 0 { writerIndex += written }
        return written
    }

    /// Lends the readable bytes to a writer (a socket write, SSL_write, nghttp2).
    public func withUnsafeReadableBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let range = readerIndex..<writerIndex
        return try storage.withUnsafeBytes { raw in try body(UnsafeRawBufferPointer(rebasing: raw[range])) }
    }
}
