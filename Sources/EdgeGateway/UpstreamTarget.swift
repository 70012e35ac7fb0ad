import EdgeIO
import EdgeTLS

/// A backend server as the data plane needs it: where to connect, what Host to send, and the
/// path requests are forwarded to. Built once per configuration snapshot.
public final class UpstreamTarget {
    public let name: String
    /// Position in the snapshot's server list; workers keep per-server state in arrays by it.
    public let index: Int
    public let address: SocketAddress
    /// `Host` header value (`127.0.0.1:9000`).
    let hostHeader: [UInt8]
    /// Request path on the backend (`/mcp`).
    let path: [UInt8]
    /// The backend name as bytes, for error bodies.
    let nameBytes: [UInt8]
    /// TLS for an `https://` backend (nil: plain TCP), shared by every worker.
    let tls: TLSClientContext?
    /// The name sent as SNI and checked against the backend's certificate.
    let serverName: String
    /// mcp-edge's own credentials for this backend: header fields (lower-case names) added to
    /// every request; a client's fields of the same names are dropped.
    let credentials: [(name: [UInt8], value: [UInt8])]
    /// Whether mcp-edge fetches OAuth tokens for this backend (client credentials): a client's
    /// `Authorization` never reaches it, even before the first token is in.
    var issuesTokens = false
    /// RFC 8693: the client's token is traded for one meant for this backend (gateway routes).
    var exchange: TokenExchangeSettings?

    public init(name: String, index: Int, address: SocketAddress, host: String, path: String,
                tls: TLSClientContext? = nil, serverName: String? = nil,
                credentials: [(name: [UInt8], value: [UInt8])] = []) {
        self.credentials = credentials
        self.name = name
        self.index = index
        self.address = address
        self.hostHeader = Array(host.utf8)
        self.path = Array(path.utf8)
        self.nameBytes = Array(name.utf8)
        self.tls = tls
        self.serverName = serverName ?? address.host
    }
}

/// Limits and timeouts the data plane reads on every connection (from the snapshot).
public struct DataPlaneSettings {
    public var maxHeadBytes = 65536
    public var maxHeaderCount = 100
    public var maxBodyBytes = 4 << 20
    public var maxConcurrentStreams = 100
    public var maxConnectionsPerWorker = 10000
    public var maxPendingHandshakes = 256
    public var maxUpstreamConnectionsPerServer = 256
    public var maxQueuedRequestsPerServer = 1024
    public var maxIdleUpstreamConnectionsPerServer = 256
    public var maxUpstreamConnectionsPerClient = 32
    public var requestBufferBytes = 65536
    public var http2InitialWindowSize = 1 << 20
    public var http2MaxHeaderListSize = 65536
    public var http2RapidResetLimit = 200
    // Milliseconds.
    public var tlsHandshakeTimeout: UInt64 = 10_000
    public var requestHeadTimeout: UInt64 = 10_000
    public var idleKeepAliveTimeout: UInt64 = 60_000
    public var upstreamConnectTimeout: UInt64 = 5_000
    public var upstreamFirstByteTimeout: UInt64 = 60_000
    public var streamIdleTimeout: UInt64 = 300_000
    public var requestBodyTimeout: UInt64 = 30_000
    public var clientWriteStallTimeout: UInt64 = 30_000
    public var gatewayFanoutTimeout: UInt64 = 5_000
    /// A `per_session` stdio process without a request for this long is shut down.
    public var stdioSessionIdleTimeout: UInt64 = 600_000
    /// Seconds a gateway client session stays valid.
    public var gatewaySessionLifetime: UInt64 = 86_400
    public var maxBackendResponse = 16 << 20
    /// Gateway session/cursor secrets (empty: a random key per process).
    public var sessionSecrets: [String] = []
    public var gatewayBackendCount = 0

    public init() {}
}
