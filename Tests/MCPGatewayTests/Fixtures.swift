import MCPGateway

/// States and keys shared by the token tests.
enum Fixtures {
    static let keyA = SessionKey(id: 1, secret: Array("secret A: 32 bytes or more, random in production".utf8))
    static let keyB = SessionKey(id: 2, secret: Array("secret B: the next one after a rotation".utf8))

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// A typical session: a client with small capabilities, three backend sessions.
    static func typicalState(backends: Int = 3, expiresAt: UInt32 = 1_800_003_600) -> ClientSessionState {
        ClientSessionState(
            issuedAt: 1_800_000_000, expiresAt: expiresAt, nonce: [1, 2, 3, 4, 5, 6, 7, 8],
            protocolVersion: bytes("2025-06-18"),
            clientCapabilities: bytes(#"{"roots":{"listChanged":true},"sampling":{},"elicitation":{}}"#),
            clientInfo: bytes(#"{"name":"claude-code","version":"2.1.14"}"#),
            backendSessions: (0..<backends).map {
                BackendSession(server: bytes("server-\($0)"), sessionID: bytes("5f0c3c1e-8d2b-4f1a-9e77-0b6d2a9c4e1\($0 % 10)"),
                               protocolVersion: bytes("2025-03-26"))
            })
    }

    /// Every field at its limit: a valid layout, but too long for a token (about 10 000
    /// characters; the limits are per field, the token's 8192 bounds their sum).
    static func maximalState() -> ClientSessionState {
        ClientSessionState(
            issuedAt: .max, expiresAt: .max, nonce: [UInt8](repeating: 0xFF, count: 8),
            protocolVersion: [UInt8](repeating: 0x76, count: 255), principal: [UInt8](repeating: 0, count: 1024),
            clientCapabilities: [UInt8](repeating: 0x7B, count: 4096), clientInfo: [UInt8](repeating: 0xFF, count: 1024),
            logLevel: [UInt8](repeating: 0x64, count: 255),
            backendSessions: [BackendSession(server: [UInt8](repeating: 0x73, count: 255),
                                             sessionID: [UInt8](repeating: 0x7E, count: 255),
                                             protocolVersion: [UInt8](repeating: 0x00, count: 255))])
    }

    /// The typical state with one field at a time at its limit (each fits in a token).
    static func statesWithOneFieldAtItsLimit() -> [ClientSessionState] {
        let maximal = maximalState()
        var states: [ClientSessionState] = []
        var s = typicalState()
        s.protocolVersion = maximal.protocolVersion; states.append(s); s = typicalState()
        s.principal = maximal.principal; states.append(s); s = typicalState()
        s.clientCapabilities = maximal.clientCapabilities; states.append(s); s = typicalState()
        s.clientInfo = maximal.clientInfo; states.append(s); s = typicalState()
        s.logLevel = maximal.logLevel; states.append(s); s = typicalState()
        s.backendSessions = maximal.backendSessions; states.append(s); s = typicalState()
        s.nonce = maximal.nonce; s.issuedAt = .max; states.append(s)
        return states
    }

    /// Every variable field empty.
    static func emptyState() -> ClientSessionState {
        ClientSessionState(issuedAt: 0, expiresAt: 1, nonce: [0, 0, 0, 0, 0, 0, 0, 0], protocolVersion: [])
    }

    /// The 64 characters of base64url.
    static let alphabet = bytes("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
}
