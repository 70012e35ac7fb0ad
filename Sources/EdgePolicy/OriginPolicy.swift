/// Which browser origins may call MCP endpoints (the `Origin` check against DNS rebinding the
/// MCP transport requires). A request without `Origin` (every non-browser client) passes. By
/// default only loopback origins do (`http://localhost:6274`, `http://127.0.0.1`, `http://[::1]:…`,
/// https too): a page on another site that rebinds its name to this host is refused.
public struct OriginPolicy: Sendable, Hashable {
    /// Exact origins, lower-case (`https://app.example.com`, with a port when not the default).
    private let allowed: Set<[UInt8]>
    private let allowsAny: Bool
    private let allowsLoopback: Bool

    /// `origins`: the configured list (`*` = any); nil = the default (loopback only).
    public init(origins: [String]?) {
        allowsAny = origins?.contains("*") ?? false
        allowsLoopback = origins == nil
        allowed = Set((origins ?? []).filter { $0 != "*" }.map { Array($0.lowercased().utf8) })
    }

    /// Whether a request carrying `Origin: value` may go on.
    public func allows(_ value: ArraySlice<UInt8>) -> Bool {
        if allowsAny { return true }
        let origin = value.map { $0 &- 65 < 26 ? $0 | 0x20 : $0 }
        if allowed.contains(origin) { return true }
        return allowsLoopback && Self.isLoopback(origin)
    }

    /// `http(s)://localhost`, `127.0.0.1` or `[::1]`, with or without a port.
    static func isLoopback(_ origin: [UInt8]) -> Bool {
        let text = String(decoding: origin, as: UTF8.self)
        for scheme in ["http://", "https://"] where text.hasPrefix(scheme) {
            var host = Substring(text.dropFirst(scheme.count))
            if host.hasPrefix("[::1]") {
                host = host.dropFirst(5)
            } else {
                let end = host.firstIndex(of: ":") ?? host.endIndex
                guard ["localhost", "127.0.0.1"].contains(String(host[..<end])) else { return false }
                host = host[end...]
            }
            if host.isEmpty { return true }
            return host.first == ":" && host.count > 1 && host.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }
        }
        return false
    }
}
