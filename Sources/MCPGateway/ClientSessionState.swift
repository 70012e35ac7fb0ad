import EdgeCrypto

/// What mcp-edge remembers about one gateway client session of the legacy (session-header)
/// era. It travels sealed inside the `Mcp-Session-Id` the gateway mints (`SessionSealer`), so
/// any worker of any instance can serve the session without a shared table. Byte fields hold
/// raw bytes as received (JSON text for capabilities and client info), never decoded here.
public struct ClientSessionState: Equatable {
    /// Unix seconds when the session was created.
    public var issuedAt: UInt32
    /// Unix seconds from which the token is refused as expired.
    public var expiresAt: UInt32
    /// 8 random bytes naming the session in per-worker caches (`freshNonce()`).
    public var nonce: [UInt8]
    /// The protocol version negotiated with the client, e.g. `2025-06-18` (at most 255 bytes).
    public var protocolVersion: [UInt8]
    /// The identity bound to the session (at most 1024 bytes; empty until auth exists).
    public var principal: [UInt8]
    /// The raw JSON of the client's `initialize` capabilities (at most 4096 bytes).
    public var clientCapabilities: [UInt8]
    /// The raw JSON of the client's `clientInfo` (at most 1024 bytes).
    public var clientInfo: [UInt8]
    /// The level set with `logging/setLevel` (at most 255 bytes); empty when never set.
    public var logLevel: [UInt8]
    /// The sessions the gateway holds with its backends on this client's behalf (at most 255).
    public var backendSessions: [BackendSession]

    public init(issuedAt: UInt32, expiresAt: UInt32, nonce: [UInt8], protocolVersion: [UInt8],
                principal: [UInt8] = [], clientCapabilities: [UInt8] = [], clientInfo: [UInt8] = [],
                logLevel: [UInt8] = [], backendSessions: [BackendSession] = []) {
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.nonce = nonce
        self.protocolVersion = protocolVersion
        self.principal = principal
        self.clientCapabilities = clientCapabilities
        self.clientInfo = clientInfo
        self.logLevel = logLevel
        self.backendSessions = backendSessions
    }

    /// A new random session nonce (8 bytes).
    public static func freshNonce() -> [UInt8] { SecureRandom.bytes(SessionStateLayout.nonceByteCount) }
}

/// One backend's session inside a client session: which server, the `Mcp-Session-Id` it
/// handed out, and the protocol version it negotiated.
public struct BackendSession: Equatable {
    /// The server's name in the configuration (at most 255 bytes).
    public var server: [UInt8]
    /// The backend's session id: at most 255 visible ASCII characters (0x21-0x7E), as the MCP
    /// transport requires; empty when the backend gave none.
    public var sessionID: [UInt8]
    /// The protocol version the backend negotiated (at most 255 bytes).
    public var protocolVersion: [UInt8]

    public init(server: [UInt8], sessionID: [UInt8], protocolVersion: [UInt8]) {
        self.server = server
        self.sessionID = sessionID
        self.protocolVersion = protocolVersion
    }
}
