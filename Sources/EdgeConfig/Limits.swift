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
        /// Upstream connections one client connection may hold at once (HTTP/2 streams beyond
        /// it wait their turn), so that no client takes a backend's whole pool.
        public let maxUpstreamConnectionsPerClient: Int
        /// Request bytes buffered before an upstream connection is taken: a smaller request
        /// takes one only once it is complete, so slow uploads hold no backend connection.
        public let requestBufferBytes: Int
        /// A backend's answer to a gateway request (one JSON body or SSE event), in bytes.
        /// Over → the request fails with a JSON-RPC error naming the backend.
        public let maxBackendResponse: Int
        /// Requests waiting for a connection to one backend server, per worker (FIFO, for at
        /// most `timeouts.upstream_connect`). Over → 503 + JSON-RPC error naming the backend.
        public let maxQueuedRequestsPerServer: Int

        public init(maxHeadBytes: Int = 65_536,
                    maxHeaderCount: Int = 100,
                    maxBodyBytes: Int = 4_194_304,
                    maxConcurrentStreams: Int = 100,
                    maxConnectionsPerWorker: Int = 10_000,
                    maxPendingHandshakes: Int = 256,
                    maxUpstreamConnectionsPerServer: Int = 256,
                    maxIdleUpstreamConnectionsPerServer: Int = 256,
                    maxUpstreamConnectionsPerClient: Int = 32,
                    requestBufferBytes: Int = 65_536,
                    maxBackendResponse: Int = 16_777_216,
                    maxQueuedRequestsPerServer: Int = 1024) {
            self.maxHeadBytes = maxHeadBytes
            self.maxHeaderCount = maxHeaderCount
            self.maxBodyBytes = maxBodyBytes
            self.maxConcurrentStreams = maxConcurrentStreams
            self.maxConnectionsPerWorker = maxConnectionsPerWorker
            self.maxPendingHandshakes = maxPendingHandshakes
            self.maxUpstreamConnectionsPerServer = maxUpstreamConnectionsPerServer
            self.maxIdleUpstreamConnectionsPerServer = maxIdleUpstreamConnectionsPerServer
            self.maxUpstreamConnectionsPerClient = maxUpstreamConnectionsPerClient
            self.requestBufferBytes = requestBufferBytes
            self.maxBackendResponse = maxBackendResponse
            self.maxQueuedRequestsPerServer = maxQueuedRequestsPerServer
        }
    }
}
