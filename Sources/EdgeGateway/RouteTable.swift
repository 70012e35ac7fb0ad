/// What a route does with a request.
public enum Route {
    /// One backend; bytes stream through.
    case passthrough(UpstreamTarget)
    /// Many backends behind one MCP endpoint (served in a later version).
    case gateway([UpstreamTarget])
}

/// Exact-path routes of one configuration snapshot. Few routes, so a linear byte compare.
public struct RouteTable {
    private let entries: [(path: [UInt8], route: Route)]

    public init(_ routes: [(path: String, route: Route)]) {
        entries = routes.map { (Array($0.path.utf8), $0.route) }
    }

    /// The route whose path equals `path` (query already removed).
    public func match(_ path: ArraySlice<UInt8>) -> Route? {
        for entry in entries where entry.path.count == path.count && entry.path.elementsEqual(path) {
            return entry.route
        }
        return nil
    }
}
