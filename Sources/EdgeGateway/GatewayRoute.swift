import EdgeConfig
import MCPGateway

/// A backend of a gateway route: an HTTP server reached through the worker's pool, or a stdio
/// process the worker spawns.
final class GatewayBackend {
    enum Kind {
        case http(UpstreamTarget)
        case stdio(command: [String], process: EdgeConfiguration.ProcessOptions)
    }

    let name: String
    let nameBytes: [UInt8]
    /// Position among every gateway backend of the snapshot (workers keep per-backend state by it).
    let index: Int
    let kind: Kind

    init(name: String, index: Int, kind: Kind) {
        self.name = name
        self.nameBytes = Array(name.utf8)
        self.index = index
        self.kind = kind
    }
}

/// A gateway route of one configuration snapshot: its backends in route order and how it
/// presents them (names, tool view, identity). Immutable; each worker keeps its own `Catalog`.
public final class GatewayRoute {
    let index: Int
    let path: String
    /// The path as bytes: bound to the route's session ids (an id works on its route only).
    let pathBytes: [UInt8]
    let backends: [GatewayBackend]
    let options: EdgeConfiguration.GatewayOptions
    let identity: RouteIdentity
    /// Whether a backend takes exchanged tokens (requests then keep the client's token).
    let exchangesTokens: Bool

    init(index: Int, path: String, backends: [GatewayBackend], options: EdgeConfiguration.GatewayOptions, edgeVersion: String) {
        self.index = index
        self.path = path
        self.pathBytes = Array(path.utf8)
        self.backends = backends
        self.options = options
        exchangesTokens = backends.contains { if case .http(let target) = $0.kind { return target.exchange != nil }; return false }
        identity = RouteIdentity(name: options.serverName, version: options.serverVersion,
                                 instructions: options.instructions, servers: backends.map(\.name),
                                 edgeVersion: edgeVersion)
    }

    /// A fresh catalog for one worker.
    func makeCatalog() -> Catalog {
        Catalog(servers: backends.map(\.name),
                codec: NameCodec(separator: options.toolSeparator, maxLength: options.maxToolNameLength),
                view: ToolView(allow: options.allowTools, deny: options.denyTools,
                               rename: options.rename.map { ($0.from, $0.to) },
                               descriptions: options.descriptions.map { ($0.from, $0.to) }))
    }
}
