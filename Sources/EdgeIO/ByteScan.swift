import Glibc

/// Vectorised byte search (libc `memchr`) over an array, for the parsers above EdgeIO.
public enum ByteScan {
    /// The first index of `byte` in `bytes[from..<to]`, or nil.
    @inline(__always)
    public static func firstIndex(of byte: UInt8, in bytes: [UInt8], from: Int, to: Int) -> Int? {
        precondition(from >= 0 && to <= bytes.count)
        guard from < to else { return nil }
        return bytes.withUnsafeBytes { raw -> Int? in
            guard let hit = memchr(raw.baseAddress! + from, Int32(byte), to - from) else { return nil }
            return raw.baseAddress!.distance(to: UnsafeRawPointer(hit))
        }
    }
}

extension ByteScan {
    /// The first index in `bytes[from..<to]` whose byte is not in `set`, or `to` when all are.
    /// One table load per byte, no bounds checks: for the HTTP/1.1 field-line parser.
    @inline(__always)
    public static func firstIndex(notIn set: ByteSet, in bytes: [UInt8], from: Int, to: Int) -> Int {
        precondition(from >= 0 && to <= bytes.count)
        return bytes.withUnsafeBufferPointer { source in
            set.members.withUnsafeBufferPointer { members in
                var i = from
                while i < to && members[Int(source[i])] { i += 1 }
                return i
            }
        }
    }

    /// Whether `bytes[range]` is exactly `text`: one `memcmp`, no per-byte bounds checks (field
    /// names are matched against a dozen known ones on every request).
    @inline(__always)
    public static func equals(_ bytes: [UInt8], _ range: Range<Int>, _ text: StaticString) -> Bool {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count)
        guard text.utf8CodeUnitCount == range.count else { return false }
        return bytes.withUnsafeBytes { raw in
            memcmp(raw.baseAddress! + range.lowerBound, text.utf8Start, range.count) == 0
        }
    }

    /// Appends `source[range]` to `destination` with one copy (no slice, no reference counting).
    @inline(__always)
    public static func append(_ source: [UInt8], _ range: Range<Int>, to destination: inout [UInt8]) {
        precondition(range.lowerBound >= 0 && range.upperBound <= source.count)
        source.withUnsafeBufferPointer { bytes in
            destination.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range]))
        }
    }
}

/// A set of byte values as a 256-entry table, built once (off the hot path) from a predicate.
public struct ByteSet: Sendable {
    let members: [Bool]

    public init(_ contains: (UInt8) -> Bool) {
        members = (0...255).map { contains(UInt8($0)) }
    }

    public func contains(_ byte: UInt8) -> Bool { members[Int(byte)] }
}
