/// The MCP protocol versions mcp-edge speaks, and which era each belongs to (MCP.md).
public enum MCPVersion {
    /// Handshake-era versions, newest first: `initialize`, `Mcp-Session-Id`.
    public static let legacy: [String] = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]
    /// Stateless versions, newest first: per-request `_meta`, routing headers.
    public static let modern: [String] = ["2026-07-28"]
    /// Every version, newest first (the `supported` list of a -32022 error).
    public static let all: [String] = modern + legacy
    /// What mcp-edge asks a legacy backend for when the client did not say.
    public static let latestLegacy = legacy[0]
    public static let latestModern = modern[0]

    /// Whether `version` (raw bytes of a header or JSON string contents) is a legacy version.
    public static func isLegacy<C: Collection>(_ version: C) -> Bool where C.Element == UInt8 {
        legacyBytes.contains { $0.elementsEqual(version) }
    }

    public static func isModern<C: Collection>(_ version: C) -> Bool where C.Element == UInt8 {
        modernBytes.contains { $0.elementsEqual(version) }
    }

    static let legacyBytes = legacy.map { Array($0.utf8) }
    static let modernBytes = modern.map { Array($0.utf8) }
}

/// The era of one client request, told from its headers alone (MCP.md, "Telling eras apart").
public enum ClientEra: Equatable {
    /// A handshake-era request; `version` is the `MCP-Protocol-Version` header (nil: absent,
    /// which is an `initialize` or a 2025-03-26 / 2024-11-05 client).
    case legacy(version: [UInt8]?)
    /// A 2026-07-28 stateless request.
    case modern(version: [UInt8])
    /// A version mcp-edge does not speak: 400 with -32022.
    case unsupported(version: [UInt8])

    /// Classifies a request by its `MCP-Protocol-Version` header value.
    public static func of<C: Collection>(protocolVersionHeader header: C?) -> ClientEra where C.Element == UInt8 {
        guard let header else { return .legacy(version: nil) }
        // The known versions' own arrays: nothing is copied for a supported version.
        if let known = MCPVersion.legacyBytes.first(where: { $0.elementsEqual(header) }) { return .legacy(version: known) }
        if let known = MCPVersion.modernBytes.first(where: { $0.elementsEqual(header) }) { return .modern(version: known) }
        return .unsupported(version: Array(header))
    }

    public var isModern: Bool {
        if case .modern = self { return true }
        return false
    }
}
