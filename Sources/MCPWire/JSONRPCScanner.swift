/// Finds fields of a JSON-RPC message in raw bytes without building a tree: enough for the
/// data plane to answer an error with the client's own `id`, byte for byte. It reads only up
/// to the id, so it also finds the id of a body that is malformed further on (to answer
/// -32700 with it); `MessageScanner` validates a whole message and locates every field.
public enum JSONRPCScanner {
    /// The byte range of the top-level `"id"` value (a string with its quotes, or a number),
    /// or nil when the bytes are not a JSON object with an id before they end.
    public static func topLevelID(in bytes: ArraySlice<UInt8>) -> Range<Int>? {
        var i = bytes.startIndex
        let end = bytes.endIndex
        func skipSpace() { while i < end, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 } }
        /// Skips a string starting at the quote; returns false when it does not end.
        func skipString() -> Bool {
            i += 1
            while i < end {
                if bytes[i] == 0x5C { i += 2; continue }
                if bytes[i] == 0x22 { i += 1; return true }
                i += 1
            }
            return false
        }
        /// Skips any value; returns false on malformed or truncated input.
        func skipValue() -> Bool {
            skipSpace()
            guard i < end else { return false }
            if bytes[i] == 0x22 { return skipString() }
            var depth = 0
            while i < end {
                switch bytes[i] {
                case 0x22: if !skipString() { return false }; continue
                case 0x7B, 0x5B: depth += 1
                case 0x7D, 0x5D:
                    if depth == 0 { return true }
                    depth -= 1
                    if depth == 0 { i += 1; return true }
                case 0x2C: if depth == 0 { return true }
                default: break
                }
                i += 1
            }
            return false
        }
        skipSpace()
        guard i < end, bytes[i] == 0x7B else { return nil }
        i += 1
        while true {
            skipSpace()
            guard i < end, bytes[i] == 0x22 else { return nil }
            let keyStart = i
            guard skipString() else { return nil }
            let isID = i - keyStart == 4 && bytes[keyStart + 1] == 0x69 && bytes[keyStart + 2] == 0x64
            skipSpace()
            guard i < end, bytes[i] == 0x3A else { return nil }
            i += 1
            skipSpace()
            let valueStart = i
            guard skipValue() else { return nil }
            if isID {
                var valueEnd = i
                while valueEnd > valueStart, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[valueEnd - 1]) { valueEnd -= 1 }
                // Only strings and numbers are valid ids, and only a well-formed one may be
                // echoed into an error body (`"id":-{...}` would make mcp-edge write broken JSON).
                guard isStringOrNumber(bytes[valueStart..<valueEnd]) else { return nil }
                return valueStart..<valueEnd
            }
            skipSpace()
            guard i < end, bytes[i] == 0x2C else { return nil }
            i += 1
        }
    }

    /// A whole JSON string (no raw control bytes, known escapes) or number (RFC 8259 grammar).
    static func isStringOrNumber(_ bytes: ArraySlice<UInt8>) -> Bool {
        var i = bytes.startIndex
        let end = bytes.endIndex
        guard i < end else { return false }
        if bytes[i] == 0x22 {
            i += 1
            while i < end - 1 {
                switch bytes[i] {
                case 0x00..<0x20, 0x22: return false
                case 0x5C:
                    guard i + 1 < end - 1 else { return false }
                    if bytes[i + 1] == 0x75 { // \uXXXX
                        guard i + 5 < end - 1, bytes[(i + 2)...(i + 5)].allSatisfy(isHexDigit) else { return false }
                        i += 6
                    } else {
                        guard [0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74].contains(bytes[i + 1]) else { return false }
                        i += 2
                    }
                default: i += 1
                }
            }
            return i == end - 1 && end - bytes.startIndex >= 2 && bytes[end - 1] == 0x22
        }
        func digits() -> Int { let s = i; while i < end, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }; return i - s }
        if bytes[i] == 0x2D { i += 1 }
        guard i < end else { return false }
        if bytes[i] == 0x30 { i += 1 } else if digits() == 0 { return false }
        if i < end, bytes[i] == 0x2E { i += 1; if digits() == 0 { return false } }
        if i < end, bytes[i] == 0x65 || bytes[i] == 0x45 {
            i += 1
            if i < end, bytes[i] == 0x2B || bytes[i] == 0x2D { i += 1 }
            if digits() == 0 { return false }
        }
        return i == end
    }

    private static func isHexDigit(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
    }

    /// Whether the bytes start like a JSON-RPC object (`{` after optional whitespace).
    public static func looksLikeObject(_ bytes: ArraySlice<UInt8>) -> Bool {
        for b in bytes {
            if b == 0x7B { return true }
            if b != 0x20 && b != 0x0A && b != 0x0D && b != 0x09 { return false }
        }
        return false
    }
}

/// JSON-RPC error bodies written by mcp-edge itself. Codes in -32000..-32019 are left to
/// implementations by the spec; mcp-edge uses:
/// - -32010 backend unavailable (connect refused, reset, closed before answering)
/// - -32011 backend timed out
/// - -32012 backend answered with something that is not HTTP
public enum GatewayErrorCode: Int {
    case backendUnavailable = -32010
    case backendTimeout = -32011
    case backendProtocolError = -32012
}

public enum JSONRPCErrorBody {
    /// `{"jsonrpc":"2.0","id":<id or null>,"error":{"code":C,"message":"M"}}`; `message` must
    /// not need escaping (callers pass fixed text and configured names).
    public static func make(id: ArraySlice<UInt8>?, code: Int, message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + message.count + (id?.count ?? 4))
        out.append(contentsOf: #"{"jsonrpc":"2.0","id":"#.utf8)
        if let id { out.append(contentsOf: id) } else { out.append(contentsOf: "null".utf8) }
        out.append(contentsOf: #","error":{"code":"#.utf8)
        out.append(contentsOf: String(code).utf8)
        out.append(contentsOf: #","message":""#.utf8)
        for b in message where b != 0x22 && b != 0x5C && b >= 0x20 { out.append(b) }
        out.append(contentsOf: "\"}}".utf8)
        return out
    }
}
