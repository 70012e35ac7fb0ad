/// One complete, validated configuration: everything a running mcp-edge needs to know.
///
/// Built only by `ConfigLoader` (or directly in tests), never mutated. A reload builds a new
/// snapshot and swaps it in as a whole, so a worker always sees one consistent version.
/// Relative file paths in the YAML are already resolved against the config file's directory.
public struct EdgeConfiguration: Sendable, Hashable {
    /// Number of worker threads (event loops); `workers: auto` is resolved to the CPU count.
    public let workers: Int
    public let listeners: [Listener]
    /// The admin endpoint (`/healthz`, `/readyz`, `/metrics`, `/admin/...`), if configured.
    public let admin: Admin?
    /// Backend MCP servers by name.
    public let servers: [String: Server]
    /// Server names in the order the file lists them (dictionaries have no order).
    public let serverNames: [String]
    public let routes: [Route]
    public let limits: Limits
    public let timeouts: Timeouts
    public let http2: HTTP2Settings
    /// What gateway session ids and cursors are sealed with: the first seals, all open (the
    /// others are previous secrets, kept through a rotation). Empty: a random key per start.
    public let sessionSecrets: [String]
    /// How requests are authenticated on routes without an `auth:` of their own (nil: not at all).
    public let auth: Auth?
    /// Access rules of routes without `rules:` of their own (empty: everything allowed).
    public let rules: [AccessRule]
    /// Browser origins allowed on MCP endpoints (`*`: any); nil: loopback origins only.
    public let origins: [String]?
    /// Rate limits of routes without their own (nil: none).
    public let rateLimits: RateLimits?

    public init(workers: Int, listeners: [Listener], admin: Admin?, servers: [Server],
                routes: [Route], limits: Limits = Limits(), timeouts: Timeouts = Timeouts(),
                http2: HTTP2Settings = HTTP2Settings(), sessionSecrets: [String] = [], auth: Auth? = nil,
                rules: [AccessRule] = [], origins: [String]? = nil, rateLimits: RateLimits? = nil) {
        self.workers = workers
        self.listeners = listeners
        self.admin = admin
        var byName: [String: Server] = [:]
        for server in servers { byName[server.name] = server }
        self.servers = byName
        self.serverNames = servers.map(\.name)
        self.routes = routes
        self.limits = limits
        self.timeouts = timeouts
        self.http2 = http2
        self.sessionSecrets = sessionSecrets
        self.auth = auth
        self.rules = rules
        self.origins = origins
        self.rateLimits = rateLimits
    }

    /// The authentication that applies to `route`: its own, else the top level's.
    public func auth(for route: Route) -> Auth? { route.auth ?? auth }
    /// The rules that apply to `route`: its own when it has any, else the top level's.
    public func rules(for route: Route) -> [AccessRule] { route.rules ?? rules }
    /// The rate limits that apply to `route`: its own, else the top level's.
    public func rateLimits(for route: Route) -> RateLimits? { route.rateLimits ?? rateLimits }

    /// The servers in file order.
    public var orderedServers: [Server] {
        serverNames.compactMap { servers[$0] }
    }
}

extension EdgeConfiguration {
    /// The admin HTTP endpoint. Plaintext; bind it to loopback or a private network.
    public struct Admin: Sendable, Hashable {
        public let address: ListenAddress

        public init(address: ListenAddress) {
            self.address = address
        }
    }
}
