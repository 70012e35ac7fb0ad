/// Values of the MCP routing headers of the 2026-07-28 era (`Mcp-Name`, `Mcp-Param-*`,
/// SEP-2243): a value that is not header-safe travels as `=?base64?{Base64 of its UTF-8}?=`.
/// The markers are lowercase and matched exactly. Stateless.
public enum MCPHeaderValue {
    private static let prefix: [UInt8] = Array("=?base64?".utf8)
    private static let suffix: [UInt8] = Array("?=".utf8)

    /// The value a raw header value stands for: the decoded bytes of a `=?base64?…?=` value
    /// (nil when its Base64 is malformed), otherwise the raw bytes themselves.
    public static func decode(_ raw: ArraySlice<UInt8>) -> [UInt8]? {
        guard isSentinel(raw) else { return Array(raw) }
        return Base64.decode(raw.dropFirst(prefix.count).dropLast(suffix.count))
    }

    /// The header value that carries `value`: itself when it is header-safe (visible ASCII and
    /// space, 0x20–0x7E, no leading or trailing space, and not itself of the `=?base64?…?=`
    /// form), otherwise the Base64 form.
    public static func encode(_ value: [UInt8]) -> [UInt8] {
        if isHeaderSafe(value[...]) { return value }
        var out = prefix
        Base64.encode(value, into: &out)
        out.append(contentsOf: suffix)
        return out
    }

    /// Whether `value` may be sent as it is.
    public static func isHeaderSafe(_ value: ArraySlice<UInt8>) -> Bool {
        guard value.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }) else { return false }
        if value.first == 0x20 || value.last == 0x20 { return false }
        return !isSentinel(value)
    }

    private static func isSentinel(_ raw: ArraySlice<UInt8>) -> Bool {
        raw.count >= prefix.count + suffix.count && raw.starts(with: prefix) && raw.suffix(suffix.count).elementsEqual(suffix)
    }
}
