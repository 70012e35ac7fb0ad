extension EdgeConfiguration {
    /// Resource limits that bound what one client or one backend can make mcp-edge hold.
    /// Defaults follow SECURITY.md; `docs/configuration.md` documents each.
    public struct Limits: Sendable, Hashable {
        /// Request line + headers (HTTP/1.1), in bytes. Over → 431.
        public let maxHeadBytes: Int
        /// Header fields per request. Over → 431.
        public let maxHeaderCount: Int
        /// JSON-RPC request body, in bytes. Over → 413 + JSON-RPC error.
        public let maxBodyBytes: Int
        /// Concurrent HTTP/2 streams per client connection (SETTINGS_MAX_CONCURRENT_STREAMS).
        public let maxConcurrentStreams: Int
        /// Open client connections per worker; accepting pauses above it.
        public let maxConnectionsPerWorker: Int
        /// Client TLS handshakes in progress per worker; further connections wait in the
        /// kernel's accept queue.
        public let maxPendingHandshakes: Int
        /// Upstream connections per backend server, per worker.
        public let maxUpstreamConnectionsPerServer: Int
        /// Idle upstream connections kept for reuse per backend server, per worker.
        public let maxIdleUpstreamConnectionsPerServer: Int

        public init(maxHeadBytes: Int = 65_536,
                    maxHeaderCount: Int = 100,
                    maxBodyBytes: Int = 4_194_304,
                    maxConcurrentStreams: Int = 100,
                    maxConnectionsPerWorker: Int = 10_000,
                    maxPendingHandshakes: Int = 256,
                    maxUpstreamConnectionsPerServer: Int = 256,
                    maxIdleUpstreamConnectionsPerServer: Int = 256) {
            self.maxHeadBytes = maxHeadBytes
            self.maxHeaderCount = maxHeaderCount
            self.maxBodyBytes = maxBodyBytes
            self.maxConcurrentStreams = maxConcurrentStreams
            self.maxConnectionsPerWorker = maxConnectionsPerWorker
            self.maxPendingHandshakes = maxPendingHandshakes
            self.maxUpstreamConnectionsPerServer = maxUpstreamConnectionsPerServer
            self.maxIdleUpstreamConnectionsPerServer = maxIdleUpstreamConnectionsPerServer
        }
    }
}
