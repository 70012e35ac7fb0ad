import EdgeCrypto

/// The plaintext of a session token, version 1. Big-endian, each variable field preceded by
/// its length, nothing after the last field:
///
///     u8  format version (1)
///     u32 issuedAt          u32 expiresAt          8 bytes nonce
///     u8  len  protocolVersion       u16 len  principal
///     u16 len  clientCapabilities    u16 len  clientInfo
///     u8  len  logLevel
///     u8  count, then count times: u8 len server, u8 len sessionID, u8 len protocolVersion
///
/// Decoding enforces the same limits as encoding, so `encode(decode(b)) == b` for every `b`
/// that decodes. Public for the fuzz harness; the gateway uses `SessionSealer`.
public enum SessionStateLayout {
    public static let formatVersion: UInt8 = 1
    public static let nonceByteCount = 8
    public static let maxProtocolVersion = 255
    public static let maxPrincipal = 1024
    public static let maxClientCapabilities = 4096
    public static let maxClientInfo = 1024
    public static let maxLogLevel = 255
    public static let maxBackendSessions = 255
    public static let maxBackendField = 255
    /// The smallest layout: every variable field empty.
    public static let minimumByteCount = 1 + 4 + 4 + 8 + 1 + 2 + 2 + 2 + 1 + 1

    /// The layout of `state`; throws when a field is over its limit, the nonce does not have 8
    /// bytes, or a backend session id is not visible ASCII.
    public static func encode(_ state: ClientSessionState, appendingTo out: inout [UInt8]) throws {
        guard state.nonce.count == nonceByteCount else {
            throw TokenEncodingError.invalidField(field: "nonce", reason: "\(state.nonce.count) bytes instead of \(nonceByteCount)")
        }
        guard state.backendSessions.count <= maxBackendSessions else {
            throw TokenEncodingError.fieldTooLong(field: "backendSessions", count: state.backendSessions.count,
                                                  limit: maxBackendSessions)
        }
        out.append(formatVersion)
        out.appendU32(state.issuedAt)
        out.appendU32(state.expiresAt)
        out.append(contentsOf: state.nonce)
        try out.appendU8Field(state.protocolVersion, limit: maxProtocolVersion, name: "protocolVersion")
        try out.appendU16Field(state.principal, limit: maxPrincipal, name: "principal")
        try out.appendU16Field(state.clientCapabilities, limit: maxClientCapabilities, name: "clientCapabilities")
        try out.appendU16Field(state.clientInfo, limit: maxClientInfo, name: "clientInfo")
        try out.appendU8Field(state.logLevel, limit: maxLogLevel, name: "logLevel")
        out.append(UInt8(state.backendSessions.count))
        for backend in state.backendSessions {
            guard isSessionID(backend.sessionID[...]) else {
                throw TokenEncodingError.invalidField(field: "backendSessions.sessionID", reason: "not visible ASCII")
            }
            try out.appendU8Field(backend.server, limit: maxBackendField, name: "backendSessions.server")
            try out.appendU8Field(backend.sessionID, limit: maxBackendField, name: "backendSessions.sessionID")
            try out.appendU8Field(backend.protocolVersion, limit: maxBackendField, name: "backendSessions.protocolVersion")
        }
    }

    /// The state in `bytes`, or nil for another format version, a field over its limit, a
    /// session id that is not visible ASCII, a short layout or trailing bytes.
    public static func decode(_ bytes: ArraySlice<UInt8>) -> ClientSessionState? {
        var reader = ByteReader(bytes)
        guard reader.u8() == formatVersion,
              let issuedAt = reader.u32(), let expiresAt = reader.u32(),
              let nonce = reader.bytes(nonceByteCount),
              let protocolVersion = reader.u8Field(limit: maxProtocolVersion),
              let principal = reader.u16Field(limit: maxPrincipal),
              let clientCapabilities = reader.u16Field(limit: maxClientCapabilities),
              let clientInfo = reader.u16Field(limit: maxClientInfo),
              let logLevel = reader.u8Field(limit: maxLogLevel),
              let count = reader.u8()
        else { return nil }
        var backends: [BackendSession] = []
        backends.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let server = reader.u8Field(limit: maxBackendField),
                  let sessionID = reader.u8Field(limit: maxBackendField), isSessionID(sessionID[...]),
                  let version = reader.u8Field(limit: maxBackendField)
            else { return nil }
            backends.append(BackendSession(server: server, sessionID: sessionID, protocolVersion: version))
        }
        guard reader.isAtEnd else { return nil }
        return ClientSessionState(issuedAt: issuedAt, expiresAt: expiresAt, nonce: nonce, protocolVersion: protocolVersion,
                                  principal: principal, clientCapabilities: clientCapabilities, clientInfo: clientInfo,
                                  logLevel: logLevel, backendSessions: backends)
    }

    /// Visible ASCII only (0x21-0x7E), what the transport allows in `Mcp-Session-Id`.
    static func isSessionID(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }
    }
}
