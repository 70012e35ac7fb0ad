import EdgePolicy

/// What a route does with a request.
public enum Route {
    /// One backend; bytes stream through.
    case passthrough(UpstreamTarget)
    /// Many backends behind one MCP endpoint.
    case gateway(GatewayRoute)
}

/// Exact-path routes of one configuration snapshot, each with who may use it, and the RFC 9728
/// metadata documents mcp-edge serves itself. Few routes, so a linear byte compare.
public struct RouteTable {
    struct Entry {
        let path: [UInt8]
        let route: Route
        /// Nil: open to anyone, nothing to check.
        let access: RouteAccess?
    }

    private let entries: [Entry]
    /// `/.well-known/oauth-protected-resource[/route]` → the JSON document.
    private let metadata: [(path: [UInt8], document: [UInt8])]
    /// Browser origins allowed on every route.
    let origins: OriginPolicy

    /// The gateway routes, by their index (workers keep a catalog per gateway route).
    var gatewayRoutes: [GatewayRoute] {
        entries.compactMap { if case .gateway(let route) = $0.route { return route } else { return nil } }
    }

    /// Routes without access control (tests, and configurations that say nothing of auth).
    public init(_ routes: [(path: String, route: Route)]) {
        entries = routes.map { Entry(path: Array($0.path.utf8), route: $0.route, access: nil) }
        metadata = []
        origins = OriginPolicy(origins: nil)
    }

    init(entries: [Entry], metadata: [(path: String, document: [UInt8])], origins: OriginPolicy) {
        self.entries = entries
        self.origins = origins
        self.metadata = metadata.map { (Array($0.path.utf8), $0.document) }
    }

    /// The route whose path equals `path` (query already removed).
    public func match(_ path: ArraySlice<UInt8>) -> Route? {
        entry(path)?.route
    }

    func entry(_ path: ArraySlice<UInt8>) -> Entry? {
        for entry in entries where entry.path.count == path.count && entry.path.elementsEqual(path) {
            return entry
        }
        return nil
    }

    /// The protected resource metadata served at `path`, if any.
    func metadataDocument(_ path: ArraySlice<UInt8>) -> [UInt8]? {
        metadata.first { $0.path.count == path.count && $0.path.elementsEqual(path) }?.document
    }
}
