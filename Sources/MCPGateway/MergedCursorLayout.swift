/// The payload of a merged-list cursor, version 1. Big-endian, nothing after the last page:
///
///     u8 format version (1)   u32 routeTag   u8 method
///     u8 count, then count times: u8 len server, u16 len cursor
///
/// Decoding enforces the same limits as encoding, so `encode(decode(b)) == b` for every `b`
/// that decodes. Public for the fuzz harness; the gateway uses `CursorCodec`.
public enum MergedCursorLayout {
    public static let formatVersion: UInt8 = 1
    public static let maxPendingPages = 255
    public static let maxServer = 255
    public static let maxCursor = Int(UInt16.max)
    /// The smallest layout: no pending pages.
    public static let minimumByteCount = 1 + 4 + 1 + 1

    /// Appends the layout of `cursor` to `out`; throws when a field is over its limit.
    public static func encode(_ cursor: MergedCursor, appendingTo out: inout [UInt8]) throws {
        guard cursor.pending.count <= maxPendingPages else {
            throw TokenEncodingError.fieldTooLong(field: "pending", count: cursor.pending.count, limit: maxPendingPages)
        }
        out.append(formatVersion)
        out.appendU32(cursor.routeTag)
        out.append(cursor.method)
        out.append(UInt8(cursor.pending.count))
        for page in cursor.pending {
            try out.appendU8Field(page.server, limit: maxServer, name: "pending.server")
            try out.appendU16Field(page.cursor, limit: maxCursor, name: "pending.cursor")
        }
    }

    /// The cursor in `bytes`, or nil for another version, a short layout or trailing bytes.
    public static func decode(_ bytes: ArraySlice<UInt8>) -> MergedCursor? {
        var reader = ByteReader(bytes)
        guard reader.u8() == formatVersion, let routeTag = reader.u32(), let method = reader.u8(),
              let count = reader.u8()
        else { return nil }
        var pending: [PendingPage] = []
        pending.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let server = reader.u8Field(limit: maxServer), let cursor = reader.u16Field(limit: maxCursor) else {
                return nil
            }
            pending.append(PendingPage(server: server, cursor: cursor))
        }
        guard reader.isAtEnd else { return nil }
        return MergedCursor(routeTag: routeTag, method: method, pending: pending)
    }
}
