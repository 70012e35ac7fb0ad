import MCPWire

/// RFC 9728 Protected Resource Metadata for an authenticator, and the `WWW-Authenticate`
/// values of its 401 and 403 answers (RFC 6750 §3).
public enum ProtectedResourceMetadata {
    /// `/.well-known/oauth-protected-resource`, the prefix every metadata path starts with.
    public static let wellKnownPrefix = "/.well-known/oauth-protected-resource"

    /// Where the metadata of `resource` lives (RFC 9728 §3.1: the well-known segment goes
    /// between the host and the resource's path): `https://h/mcp` → `https://h/.well-known/oauth-protected-resource/mcp`.
    public static func metadataURL(for resource: String) -> String? {
        guard let afterScheme = afterScheme(resource) else { return nil }
        let pathStart = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
        var path = String(afterScheme[pathStart...])
        if let query = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = String(path[..<query]) }
        if path == "/" { path = "" }
        return String(resource[..<pathStart]) + wellKnownPrefix + path
    }

    /// The local path under which the metadata is served (the URL above without its origin).
    public static func metadataPath(for resource: String) -> String? {
        guard let url = metadataURL(for: resource), let rest = afterScheme(url) else { return nil }
        return rest.firstIndex(of: "/").map { String(rest[$0...]) }
    }

    /// What follows `scheme://`, or nil without one.
    private static func afterScheme(_ url: String) -> Substring? {
        let characters = Array(url)
        guard characters.count > 3 else { return nil }
        for i in 0..<(characters.count - 2) where characters[i] == ":" && characters[i + 1] == "/" && characters[i + 2] == "/" {
            return url.dropFirst(i + 3)
        }
        return nil
    }

    /// The JSON document.
    public static func document(_ auth: Authenticator) -> [UInt8] {
        var object = JSONObject()
        if let resource = auth.resource { object["resource"] = JSONValue(resource) }
        if !auth.authorizationServers.isEmpty {
            object["authorization_servers"] = .array(auth.authorizationServers.map { JSONValue($0) })
        }
        let scopes = auth.scopesSupported.isEmpty ? auth.requiredScopes : auth.scopesSupported
        if !scopes.isEmpty { object["scopes_supported"] = .array(scopes.map { JSONValue($0) }) }
        object["bearer_methods_supported"] = ["header"]
        var out: [UInt8] = []
        JSONValue.object(object).write(into: &out)
        return out
    }

    /// `Bearer resource_metadata="…"[, scope="…"][, error="…", error_description="…"]`.
    public static func challenge(_ auth: Authenticator, failure: AuthFailure) -> String {
        var parts: [String] = []
        if let resource = auth.resource, let url = metadataURL(for: resource) { parts.append("resource_metadata=\"\(url)\"") }
        switch failure {
        case .missing:
            if !auth.requiredScopes.isEmpty { parts.append("scope=\"\(auth.requiredScopes.joined(separator: " "))\"") }
        case .invalidToken(let text):
            parts.append("error=\"invalid_token\"")
            parts.append("error_description=\"\(quoted(text))\"")
        case .insufficientScope(let scopes):
            parts.append("error=\"insufficient_scope\"")
            parts.append("scope=\"\(scopes.joined(separator: " "))\"")
        }
        return parts.isEmpty ? "Bearer" : "Bearer " + parts.joined(separator: ", ")
    }

    /// Text safe inside a quoted-string: printable ASCII without `"` and `\`.
    private static func quoted(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" })
    }
}
