extension EdgeConfiguration {
    /// An MCP endpoint path and what serves it.
    public struct Route: Sendable, Hashable {
        /// Exact request path, starting with `/`.
        public let path: String
        public let target: Target

        public init(path: String, target: Target) {
            self.path = path
            self.target = target
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
}
