/// A borrowed, read-only run of bytes that someone else owns: the payload of an nghttp2 callback
/// or the readable part of a buffer. Valid only during the call that hands it out; copy what
/// must outlive it (`ByteBuffer.write(_:)`, `Array(view)`).
public struct ByteView: RandomAccessCollection {
    @usableFromInline let base: UnsafeRawPointer?
    public let count: Int

    /// Wraps memory owned by a C library for the duration of a callback.
    public init(start: UnsafeRawPointer?, count: Int) {
        self.base = start
        self.count = start == nil ? 0 : count
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(index: Int) -> UInt8 {
        precondition(index >= 0 && index < count, "ByteView index out of range")
        return base!.load(fromByteOffset: index, as: UInt8.self)
    }

    /// A view of a sub-range.
    public func view(_ range: Range<Int>) -> ByteView {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        return ByteView(start: base.map { $0 + range.lowerBound }, count: range.count)
    }

    /// Lends the bytes to a C call.
    public func withUnsafeBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }
}

extension Array where Element == UInt8 {
    /// Appends the first `limit` bytes of a borrowed view with one memcpy.
    public mutating func append(_ view: ByteView, limit: Int = .max) {
        let count = Swift.min(view.count, limit)
        guard count > 0 else { return }
        view.withUnsafeBytes { append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }
}

extension ByteBuffer {
    /// Appends a borrowed view with one memcpy.
    public mutating func write(_ view: ByteView) {
        guard view.count > 0 else { return }
        reserveWritable(view.count)
        _ = withUnsafeMutableWritableBytes { free in
            view.withUnsafeBytes { free.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            return view.count
        }
    }
}

extension ByteBuffer {
    /// Lends a range of the storage (absolute indices) as a borrowed view.
    public func withView<T>(_ range: Range<Int>, _ body: (ByteView) throws -> T) rethrows -> T {
        precondition(range.lowerBound >= 0 && range.upperBound <= writerIndex)
        return try storage.withUnsafeBytes { raw in
            try body(ByteView(start: raw.baseAddress.map { $0 + range.lowerBound }, count: range.count))
        }
    }
}
