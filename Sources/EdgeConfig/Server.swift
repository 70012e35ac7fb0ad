extension EdgeConfiguration {
    /// A backend MCP server that routes refer to by name.
    public struct Server: Sendable, Hashable {
        public let name: String
        public let backend: Backend

        public init(name: String, backend: Backend) {
            self.name = name
            self.backend = backend
        }
    }

    /// How mcp-edge reaches a backend.
    public enum Backend: Sendable, Hashable {
        /// Streamable HTTP at a URL.
        case http(UpstreamURL)
        /// A child process speaking MCP over stdin/stdout; `command[0]` is found via `PATH`.
        case stdio(command: [String])
    }
}
