/// Reads the big-endian, length-prefixed fields of the token layouts from a slice. Every read
/// returns nil past the end, so a decoder is a chain of `guard let`s and never traps on input.
struct ByteReader {
    private let bytes: ArraySlice<UInt8>
    private var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    /// Whether every byte has been read (layouts reject trailing bytes).
    var isAtEnd: Bool { index == bytes.endIndex }

    mutating func u8() -> UInt8? {
        guard index < bytes.endIndex else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func u16() -> UInt16? {
        guard bytes.endIndex - index >= 2 else { return nil }
        defer { index += 2 }
        return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }

    mutating func u32() -> UInt32? {
        guard bytes.endIndex - index >= 4 else { return nil }
        defer { index += 4 }
        return UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16
            | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3])
    }

    /// The next `count` bytes, copied.
    mutating func bytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, bytes.endIndex - index >= count else { return nil }
        defer { index += count }
        return Array(bytes[index..<(index + count)])
    }

    /// A field with a one-byte length, refused when longer than `limit`.
    mutating func u8Field(limit: Int) -> [UInt8]? {
        guard let count = u8(), Int(count) <= limit else { return nil }
        return bytes(Int(count))
    }

    /// A field with a two-byte length, refused when longer than `limit`.
    mutating func u16Field(limit: Int) -> [UInt8]? {
        guard let count = u16(), Int(count) <= limit else { return nil }
        return bytes(Int(count))
    }
}

/// The writing side of `ByteReader`: big-endian integers and length-prefixed fields that
/// throw `TokenEncodingError.fieldTooLong` instead of truncating.
extension Array where Element == UInt8 {
    mutating func appendU16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    mutating func appendU32(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    mutating func appendU8Field(_ field: [UInt8], limit: Int, name: String) throws {
        guard field.count <= limit, field.count <= Int(UInt8.max) else {
            throw TokenEncodingError.fieldTooLong(field: name, count: field.count, limit: Swift.min(limit, Int(UInt8.max)))
        }
        append(UInt8(field.count))
        append(contentsOf: field)
    }

    mutating func appendU16Field(_ field: [UInt8], limit: Int, name: String) throws {
        guard field.count <= limit, field.count <= Int(UInt16.max) else {
            throw TokenEncodingError.fieldTooLong(field: name, count: field.count, limit: Swift.min(limit, Int(UInt16.max)))
        }
        appendU16(UInt16(field.count))
        append(contentsOf: field)
    }
}
