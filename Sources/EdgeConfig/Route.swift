extension EdgeConfiguration {
    /// An MCP endpoint path and what serves it.
    public struct Route: Sendable, Hashable {
        /// Exact request path, starting with `/`.
        public let path: String
        public let target: Target
        /// How a gateway route presents its servers (defaults for passthrough routes).
        public let gateway: GatewayOptions
        /// The route's own authentication (nil: the top level's).
        public let auth: Auth?
        /// The route's own rules (nil: the top level's), which replace those entirely.
        public let rules: [AccessRule]?
        /// The route's own rate limits (nil: the top level's).
        public let rateLimits: RateLimits?

        public init(path: String, target: Target, gateway: GatewayOptions = GatewayOptions(), auth: Auth? = nil,
                    rules: [AccessRule]? = nil, rateLimits: RateLimits? = nil) {
            self.rateLimits = rateLimits
            self.path = path
            self.target = target
            self.gateway = gateway
            self.auth = auth
            self.rules = rules
        }

        /// Names of every server this route uses, in configuration order.
        public var serverNames: [String] {
            switch target {
            case .passthrough(let name): return [name]
            case .gateway(let names): return names
            }
        }
    }

    /// The two ways to serve a route (see ARCHITECTURE.md).
    public enum Target: Sendable, Hashable {
        /// One backend; bytes stream through, the client's session is the backend's.
        case passthrough(server: String)
        /// Several backends merged behind one MCP endpoint.
        case gateway(servers: [String])
    }

    /// What a gateway route shows its clients: how names are prefixed, which tools are
    /// visible and under which names, and the route's own identity.
    public struct GatewayOptions: Sendable, Hashable {
        /// Between the server name and a tool or prompt name: `alpha__echo`.
        public let toolSeparator: String
        /// Exposed names longer than this are shortened with a hash suffix.
        public let maxToolNameLength: Int
        /// Globs over exposed names (`alpha__*`); empty allow = everything.
        public let allowTools: [String]
        public let denyTools: [String]
        /// Exposed name (`alpha__echo`) → the name clients see instead (`echo`).
        public let rename: [NamePair]
        /// Exposed name → description shown instead of the backend's.
        public let descriptions: [NamePair]
        /// `serverInfo` the route answers with; nil: a default naming the merged servers.
        public let serverName: String?
        public let serverVersion: String?
        public let instructions: String?

        public init(toolSeparator: String = "__", maxToolNameLength: Int = 64, allowTools: [String] = [],
                    denyTools: [String] = [], rename: [NamePair] = [], descriptions: [NamePair] = [],
                    serverName: String? = nil, serverVersion: String? = nil, instructions: String? = nil) {
            self.toolSeparator = toolSeparator
            self.maxToolNameLength = maxToolNameLength
            self.allowTools = allowTools
            self.denyTools = denyTools
            self.rename = rename
            self.descriptions = descriptions
            self.serverName = serverName
            self.serverVersion = serverVersion
            self.instructions = instructions
        }
    }

    /// A `from: to` entry of a mapping whose order matters for messages.
    public struct NamePair: Sendable, Hashable {
        public let from: String
        public let to: String

        public init(from: String, to: String) {
            self.from = from
            self.to = to
        }
    }
}
