/// What a route does with a request.
public enum Route {
    /// One backend; bytes stream through.
    case passthrough(UpstreamTarget)
    /// Many backends behind one MCP endpoint.
    case gateway(GatewayRoute)
}

/// Exact-path routes of one configuration snapshot. Few routes, so a linear byte compare.
public struct RouteTable {
    private let entries: [(path: [UInt8], route: Route)]

    /// The gateway routes, by their index (workers keep a catalog per gateway route).
    var gatewayRoutes: [GatewayRoute] {
        entries.compactMap { if case .gateway(let route) = $0.route { return route } else { return nil } }
    }

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
