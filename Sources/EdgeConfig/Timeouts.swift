extension EdgeConfiguration {
    /// How long mcp-edge waits for each phase before giving up. Defaults follow SECURITY.md.
    public struct Timeouts: Sendable, Hashable {
        /// From TCP accept to a finished TLS handshake. Over → close.
        public let tlsHandshake: Duration
        /// From connection (or previous response) to a complete request head. Over → 408 / close.
        public let requestHead: Duration
        /// An idle client connection between requests. Over → close / GOAWAY.
        public let idleKeepalive: Duration
        /// Opening a connection to a backend. Over → 502 + JSON-RPC error.
        public let upstreamConnect: Duration
        /// From request sent to the first response byte from a backend. Over → 504 + JSON-RPC error.
        public let upstreamFirstByte: Duration
        /// Between two reads of a request body. Over → 408 / stream answered 408.
        public let requestBody: Duration
        /// A response waits and the client takes no byte of it. Over → stream reset / close,
        /// upstream connection freed.
        public let clientWriteStall: Duration
        /// An SSE stream with no event. Over → close.
        public let sseIdle: Duration
        /// On SIGTERM or reload, how long in-flight requests may finish before being cut.
        public let drain: Duration
        /// A gateway's merged list waits this long for each backend; the ones that have not
        /// answered are left out (and named in the result's `_meta`).
        public let gatewayFanout: Duration
        /// How long a gateway client session (its sealed `Mcp-Session-Id`) stays valid.
        public let gatewaySession: Duration
        /// A `per_session` stdio process without a request for this long is shut down.
        public let stdioSessionIdle: Duration

        public init(tlsHandshake: Duration = .seconds(10),
                    requestHead: Duration = .seconds(10),
                    idleKeepalive: Duration = .seconds(60),
                    upstreamConnect: Duration = .seconds(5),
                    upstreamFirstByte: Duration = .seconds(60),
                    requestBody: Duration = .seconds(30),
                    clientWriteStall: Duration = .seconds(30),
                    sseIdle: Duration = .seconds(300),
                    drain: Duration = .seconds(30),
                    gatewayFanout: Duration = .seconds(5),
                    gatewaySession: Duration = .seconds(86_400),
                    stdioSessionIdle: Duration = .seconds(600)) {
            self.tlsHandshake = tlsHandshake
            self.requestHead = requestHead
            self.idleKeepalive = idleKeepalive
            self.upstreamConnect = upstreamConnect
            self.upstreamFirstByte = upstreamFirstByte
            self.requestBody = requestBody
            self.clientWriteStall = clientWriteStall
            self.sseIdle = sseIdle
            self.drain = drain
        self.gatewayFanout = gatewayFanout
        self.gatewaySession = gatewaySession
        self.stdioSessionIdle = stdioSessionIdle
        }
    }
}
