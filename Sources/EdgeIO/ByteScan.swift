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
