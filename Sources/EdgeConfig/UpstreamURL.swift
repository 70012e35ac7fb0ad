/// The address of an HTTP backend: `http://127.0.0.1:9000/mcp`, `https://mcp.example.com/v1`.
public struct UpstreamURL: Sendable, Hashable, CustomStringConvertible {
    public enum Scheme: String, Sendable, Hashable {
        case http, https

        var defaultPort: Int { self == .http ? 80 : 443 }
    }

    public let scheme: Scheme
    /// Host name or IP literal (IPv6 without brackets).
    public let host: String
    /// The explicit port, or 80 / 443 by scheme.
    public let port: Int
    /// Request target on the backend: path plus any query, at least `/`.
    public let path: String

    public init(scheme: Scheme, host: String, port: Int, path: String) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
    }

    /// Value for the `Host` header: the port is left out when it is the scheme's default.
    public var hostHeader: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return port == scheme.defaultPort ? bracketed : "\(bracketed):\(port)"
    }

    public var description: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return "\(scheme.rawValue)://\(bracketed):\(port)\(path)"
    }

    static func parse(_ text: String) -> Result<UpstreamURL, ValueError> {
        guard let separator = text.firstRange(of: "://") else {
            return .failure(ValueError(
                "\"\(text)\" is not a URL; write it like http://127.0.0.1:9000/mcp (or use command: for a local process)"))
        }
        let schemeText = text[..<separator.lowerBound].lowercased()
        guard let scheme = Scheme(rawValue: schemeText) else {
            return .failure(ValueError(
                "unsupported URL scheme \"\(schemeText)\"; use http:// or https:// (or command: [...] for a stdio server)"))
        }
        let rest = text[separator.upperBound...]
        if rest.contains("#") {
            return .failure(ValueError("remove the \"#fragment\" from \"\(text)\"; it is never sent to a server"))
        }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        if path.isEmpty { path = "/" } else if path.hasPrefix("?") { path = "/" + path }
        if path.contains(where: { $0.isWhitespace || !$0.isASCII }) {
            return .failure(ValueError("the path in \"\(text)\" must be ASCII without spaces; percent-encode it"))
        }
        if authority.contains("@") {
            return .failure(ValueError(
                "credentials in the URL are not allowed; remove \"user@\" from \"\(text)\""))
        }

        let host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                return .failure(ValueError("IPv6 host in \"\(text)\" has no closing \"]\""))
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            guard ListenAddress.isIPLiteral(String(host), family: .ipv6) else {
                return .failure(ValueError("\"\(host)\" in \"\(text)\" is not an IPv6 address"))
            }
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    return .failure(ValueError("unexpected \"\(after)\" after the IPv6 host in \"\(text)\""))
                }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else {
            return .failure(ValueError("\"\(text)\" has no host; write it like http://127.0.0.1:9000/mcp"))
        }
        let hostCharacters = host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":") }
        guard hostCharacters else {
            return .failure(ValueError("\"\(host)\" is not a valid host name"))
        }
        var port = scheme.defaultPort
        if let portText {
            guard let parsed = parsePort(portText) else {
                return .failure(ValueError("port \"\(portText)\" in \"\(text)\" must be a number from 1 to 65535"))
            }
            port = parsed
        }
        return .success(UpstreamURL(scheme: scheme, host: String(host).lowercased(), port: port, path: path))
    }
}
