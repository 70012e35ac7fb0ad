/// The position in a list the gateway merges from several backends (`tools/list` and the
/// like): which backends still have pages, and each one's own cursor. Travels to the client
/// as an opaque `nextCursor` (`CursorCodec`).
public struct MergedCursor: Equatable {
    /// Identifies the route (and its catalog) the list came from; a cursor is only good there.
    public var routeTag: UInt32
    /// Which list method the cursor continues.
    public var method: UInt8
    /// The backends with pages left, in the order they are read.
    public var pending: [PendingPage]

    public init(routeTag: UInt32, method: UInt8, pending: [PendingPage]) {
        self.routeTag = routeTag
        self.method = method
        self.pending = pending
    }
}

/// A backend with pages left in a merged list, and where to continue.
public struct PendingPage: Equatable {
    /// The server's name in the configuration (at most 255 bytes).
    public var server: [UInt8]
    /// The backend's cursor (the JSON string's contents); empty means its first page.
    public var cursor: [UInt8]

    public init(server: [UInt8], cursor: [UInt8]) {
        self.server = server
        self.cursor = cursor
    }
}
