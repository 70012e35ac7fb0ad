/// A byte buffer with separate read and write positions, owned by one connection and reused
/// for every request it carries. Bytes live in `storage[readerIndex..<writerIndex]`.
///
/// It grows only when a caller asks for more room than it has; `compact()` slides unread bytes
/// to the front so that a long-lived connection keeps the same allocation.
public struct ByteBuffer {
    @usableFromInline var _storage: [UInt8]
    @usableFromInline var _readerIndex: Int = 0
    @usableFromInline var _writerIndex: Int = 0

    /// The storage; the readable bytes are `storage[readerIndex..<writerIndex]`.
    @inlinable public var storage: [UInt8] { _storage }
    @inlinable public var readerIndex: Int { _readerIndex }
    @inlinable public var writerIndex: Int { _writerIndex }

    public init(capacity: Int) {
        _storage = ByteBuffer.uninitializedStorage(capacity)
    }

    /// Storage that is not zero-filled first: bytes are always written before they are read
    /// (only `readerIndex..<writerIndex` is ever exposed), so the memset would be wasted.
    static func uninitializedStorage(_ capacity: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: capacity) { _, initialized in initialized = capacity }
    }

    /// A buffer with no storage yet (an idle connection's): `BufferPool.lend` gives it some.
    public init() {
        _storage = []
    }

    /// Hands the storage over (to a `BufferPool`) and leaves this buffer without any.
    /// Only for an empty buffer.
    mutating func takeStorage() -> [UInt8] {
        precondition(isEmpty, "only an empty buffer gives its storage back")
        _readerIndex = 0
        _writerIndex = 0
        let taken = _storage
        _storage = []
        return taken
    }

    /// Adopts storage from a `BufferPool`; the buffer must have none.
    mutating func adopt(_ bytes: [UInt8]) {
        precondition(_storage.isEmpty)
        _storage = bytes
        _readerIndex = 0
        _writerIndex = 0
    }

    @inlinable public var readableBytes: Int { _writerIndex - _readerIndex }
    @inlinable public var writableBytes: Int { _storage.count - _writerIndex }
    public var capacity: Int { _storage.count }
    @inlinable public var isEmpty: Bool { _readerIndex == _writerIndex }

    /// The byte at an absolute index (between `readerIndex` and `writerIndex`).
    public subscript(index: Int) -> UInt8 { _storage[index] }

    /// The readable bytes as a slice of the storage (no copy).
    public var readableSlice: ArraySlice<UInt8> { _storage[_readerIndex..<_writerIndex] }

    public mutating func moveReaderIndex(forwardBy count: Int) {
        precondition(count >= 0 && _readerIndex + count <= _writerIndex)
        _readerIndex += count
        if _readerIndex == _writerIndex { _readerIndex = 0; _writerIndex = 0 }
    }

    public mutating func moveReaderIndex(to index: Int) {
        moveReaderIndex(forwardBy: index - _readerIndex)
    }

    public mutating func moveWriterIndex(forwardBy count: Int) {
        precondition(count >= 0 && _writerIndex + count <= _storage.count)
        _writerIndex += count
    }

    /// Keeps only the first `count` readable bytes (drops what was written after them).
    public mutating func truncateReadable(to count: Int) {
        precondition(count >= 0 && count <= readableBytes)
        _writerIndex = _readerIndex + count
        if _readerIndex == _writerIndex { _readerIndex = 0; _writerIndex = 0 }
    }

    /// On an empty buffer, starts the next write `count` bytes in, so that a small header can
    /// later be put right before the data (`prepend`) and both sent with one write.
    public mutating func reserveHeadroom(_ count: Int) {
        guard isEmpty, _storage.count >= count else { return }
        _readerIndex = count
        _writerIndex = count
    }

    /// Puts `bytes` immediately before the readable bytes, in space already read; returns false
    /// when there is not enough such space.
    public mutating func prepend(_ bytes: ByteView) -> Bool {
        guard _readerIndex >= bytes.count, bytes.count > 0 else { return false }
        let start = _readerIndex - bytes.count
        _storage.withUnsafeMutableBytes { raw in
            bytes.withUnsafeBytes { (raw.baseAddress! + start).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        _readerIndex = start
        return true
    }

    /// Forgets every byte; keeps the allocation.
    public mutating func clear() { _readerIndex = 0; _writerIndex = 0 }

    /// Moves the unread bytes to the front.
    public mutating func compact() {
        guard _readerIndex > 0 else { return }
        let count = readableBytes
        if count > 0 {
            _storage.withUnsafeMutableBytes { raw in
                let base = raw.baseAddress!
                (base).copyMemory(from: base + _readerIndex, byteCount: count)
            }
        }
        _readerIndex = 0
        _writerIndex = count
    }

    /// Makes room for at least `count` more bytes: compacts first, grows only if that is not enough.
    public mutating func reserveWritable(_ count: Int) {
        if writableBytes >= count { return }
        compact()
        if writableBytes >= count { return }
        var newCapacity = Swift.max(_storage.count, 64)
        while newCapacity - _writerIndex < count { newCapacity *= 2 }
        var grown = ByteBuffer.uninitializedStorage(newCapacity)
        let used = _writerIndex
        if used > 0 {
            grown.withUnsafeMutableBytes { target in
                _storage.withUnsafeBytes { target.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: used) }
            }
        }
        _storage = grown
    }

    public mutating func write(_ byte: UInt8) {
        if writableBytes < 1 { reserveWritable(1) }
        _storage[_writerIndex] = byte
        _writerIndex += 1
    }

    public mutating func write<C: Collection>(contentsOf bytes: C) where C.Element == UInt8 {
        let count = bytes.count
        if count == 0 { return }
        reserveWritable(count)
        var index = _writerIndex
        for byte in bytes { _storage[index] = byte; index += 1 }
        _writerIndex = index
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
        let start = _writerIndex
        _storage.withUnsafeMutableBytes { raw in
            (raw.baseAddress! + start).copyMemory(from: source.baseAddress!, byteCount: count)
        }
        _writerIndex += count
    }

    /// Inlined into the serialisers, where the text is a literal: the copy becomes a few
    /// stores of known size, and the room check skips `reserveWritable` when there is room.
    @inlinable @inline(__always)
    public mutating func write(_ text: StaticString) {
        let count = text.utf8CodeUnitCount
        if _storage.count - _writerIndex < count { reserveWritable(count) }
        let start = _writerIndex
        _storage.withUnsafeMutableBytes { raw in
            (raw.baseAddress! + start).copyMemory(from: text.utf8Start, byteCount: count)
        }
        _writerIndex = start + count
    }

    /// Appends a non-negative integer in decimal.
    public mutating func write(decimal value: Int) {
        precondition(value >= 0)
        var digits = 1
        var rest = value / 10
        while rest > 0 { digits += 1; rest /= 10 }
        reserveWritable(digits)
        var v = value
        var index = _writerIndex + digits - 1
        repeat { _storage[index] = UInt8(truncatingIfNeeded: 48 + v % 10); v /= 10; index -= 1 } while v > 0
        _writerIndex += digits
    }

    /// Appends a non-negative integer in lower-case hexadecimal (chunk sizes).
    public mutating func write(hex value: Int) {
        precondition(value >= 0)
        var digits = 1
        var rest = value >> 4
        while rest > 0 { digits += 1; rest >>= 4 }
        reserveWritable(digits)
        var v = value
        var index = _writerIndex + digits - 1
        let alphabet: StaticString = "0123456789abcdef"
        repeat {
            _storage[index] = alphabet.utf8Start[v & 15]
            v >>= 4
            index -= 1
        } while v > 0
        _writerIndex += digits
    }

    /// Lends the free space after `writerIndex` to a reader (a socket read, SSL_read); the
    /// closure returns how many bytes it wrote there.
    public mutating func withUnsafeMutableWritableBytes(_ body: (UnsafeMutableRawBufferPointer) throws -> Int) rethrows -> Int {
        let start = _writerIndex
        let written = try _storage.withUnsafeMutableBytes { raw in
            try body(UnsafeMutableRawBufferPointer(rebasing: raw[start...]))
        }
        if written > 0 { _writerIndex += written }
        return written
    }

    /// Lends the readable bytes to a writer (a socket write, SSL_write, nghttp2).
    public func withUnsafeReadableBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let range = _readerIndex..<_writerIndex
        return try _storage.withUnsafeBytes { raw in try body(UnsafeRawBufferPointer(rebasing: raw[range])) }
    }
}
