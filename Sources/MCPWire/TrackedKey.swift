/// The keys `MessageScanner` records, and the objects they are recorded in. A raw value is a
/// bit position in the scanner's "seen" mask, which finds a tracked key given twice.
enum TrackedKey: UInt8 {
    case none = 0
    // top level
    case id, method, jsonrpc, params, result, error
    // params
    case name, uri, cursor, requestID, paramsProgressToken, meta, inputResponses, requestState
    // params._meta
    case metaProgressToken, protocolVersion, clientCapabilities, clientInfo, logLevel

    /// Which object a key was read in.
    enum Context: UInt8 {
        case untracked, top, params, meta
    }

    /// The tracked key spelled by the key token's raw bytes `offset..<offset+length` (between
    /// the quotes, no escapes) in an object of `context`.
    @inline(__always)
    static func classify(_ lexer: JSONLexer, _ offset: Int, _ length: Int, in context: Context) -> TrackedKey {
        switch context {
        case .top:
            switch length {
            case 2: return lexer.equals(offset, 2, "id") ? .id : .none
            case 5: return lexer.equals(offset, 5, "error") ? .error : .none
            case 6:
                if lexer.equals(offset, 6, "method") { return .method }
                if lexer.equals(offset, 6, "params") { return .params }
                return lexer.equals(offset, 6, "result") ? .result : .none
            case 7: return lexer.equals(offset, 7, "jsonrpc") ? .jsonrpc : .none
            default: return .none
            }
        case .params:
            switch length {
            case 3: return lexer.equals(offset, 3, "uri") ? .uri : .none
            case 4: return lexer.equals(offset, 4, "name") ? .name : .none
            case 5: return lexer.equals(offset, 5, "_meta") ? .meta : .none
            case 6: return lexer.equals(offset, 6, "cursor") ? .cursor : .none
            case 9: return lexer.equals(offset, 9, "requestId") ? .requestID : .none
            case 12: return lexer.equals(offset, 12, "requestState") ? .requestState : .none
            case 13: return lexer.equals(offset, 13, "progressToken") ? .paramsProgressToken : .none
            case 14: return lexer.equals(offset, 14, "inputResponses") ? .inputResponses : .none
            default: return .none
            }
        case .meta:
            if length == 13 { return lexer.equals(offset, 13, "progressToken") ? .metaProgressToken : .none }
            guard length > 24, lexer.equals(offset, 24, "io.modelcontextprotocol/") else { return .none }
            let rest = offset + 24
            switch length - 24 {
            case 8: return lexer.equals(rest, 8, "logLevel") ? .logLevel : .none
            case 10: return lexer.equals(rest, 10, "clientInfo") ? .clientInfo : .none
            case 15: return lexer.equals(rest, 15, "protocolVersion") ? .protocolVersion : .none
            case 18: return lexer.equals(rest, 18, "clientCapabilities") ? .clientCapabilities : .none
            default: return .none
            }
        case .untracked:
            return .none
        }
    }

    /// The tracked key a key token written with escapes decodes to (the slow path: such keys
    /// are rare, but `"n\u0061me"` must count as `name`, or a duplicate would go unseen).
    static func classifyEscaped(_ token: UnsafeBufferPointer<UInt8>, in context: Context) -> TrackedKey {
        let candidates: [(StaticString, TrackedKey)]
        switch context {
        case .top: candidates = topKeys
        case .params: candidates = paramsKeys
        case .meta: candidates = metaKeys
        case .untracked: return .none
        }
        for (text, key) in candidates {
            let raw = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
            if JSONString.decodedEquals(token, raw) { return key }
        }
        return .none
    }

    private static let topKeys: [(StaticString, TrackedKey)] = [
        ("id", .id), ("method", .method), ("jsonrpc", .jsonrpc), ("params", .params), ("result", .result), ("error", .error),
    ]
    private static let paramsKeys: [(StaticString, TrackedKey)] = [
        ("name", .name), ("uri", .uri), ("cursor", .cursor), ("requestId", .requestID),
        ("progressToken", .paramsProgressToken), ("_meta", .meta), ("inputResponses", .inputResponses),
        ("requestState", .requestState),
    ]
    private static let metaKeys: [(StaticString, TrackedKey)] = [
        ("progressToken", .metaProgressToken),
        ("io.modelcontextprotocol/protocolVersion", .protocolVersion),
        ("io.modelcontextprotocol/clientCapabilities", .clientCapabilities),
        ("io.modelcontextprotocol/clientInfo", .clientInfo),
        ("io.modelcontextprotocol/logLevel", .logLevel),
    ]
}
