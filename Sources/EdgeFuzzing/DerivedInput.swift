import MCPGateway

/// Reads a fuzz input as a recipe for values within the token limits (lengths taken modulo
/// a cap, zeros once the input runs out), so every input also yields a state and a cursor
/// that must survive sealing and encoding.
struct DerivedInput {
    private let bytes: ArraySlice<UInt8>
    private var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    mutating func u8() -> UInt8 {
        guard index < bytes.endIndex else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func u16() -> UInt16 { UInt16(u8()) << 8 | UInt16(u8()) }

    mutating func u32() -> UInt32 { UInt32(u16()) << 16 | UInt32(u16()) }

    /// Up to `cap` bytes: a two-byte length (modulo cap + 1), then that many input bytes.
    mutating func field(cap: Int) -> [UInt8] {
        let count = Int(u16()) % (cap + 1)
        return (0..<count).map { _ in u8() }
    }

    /// A field of visible ASCII, as a backend session id must be.
    mutating func sessionID(cap: Int) -> [UInt8] {
        field(cap: cap).map { 0x21 + $0 % 94 }
    }

    /// A state within every layout limit, small enough to fit in a token.
    mutating func sessionState() -> ClientSessionState {
        ClientSessionState(
            issuedAt: u32(), expiresAt: u32(), nonce: (0..<8).map { _ in u8() },
            protocolVersion: field(cap: 255), principal: field(cap: 300), clientCapabilities: field(cap: 2000),
            clientInfo: field(cap: 400), logLevel: field(cap: 16),
            backendSessions: (0..<Int(u8() % 8)).map { _ in
                BackendSession(server: field(cap: 64), sessionID: sessionID(cap: 255), protocolVersion: field(cap: 32))
            })
    }

    /// A cursor within every layout limit, small enough to fit in a cursor text.
    mutating func mergedCursor() -> MergedCursor {
        MergedCursor(routeTag: u32(), method: u8(), pending: (0..<Int(u8() % 8)).map { _ in
            PendingPage(server: field(cap: 64), cursor: field(cap: 500))
        })
    }
}
