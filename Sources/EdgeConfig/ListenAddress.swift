#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A numeric IP address and port to bind: `127.0.0.1:8443`, `0.0.0.0:80`, `[::1]:8443`.
///
/// Host names are refused on purpose: binding must not depend on DNS at start-up.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public enum Family: Sendable, Hashable {
        case ipv4, ipv6
    }

    /// The IP literal without brackets, e.g. `::1`.
    public let host: String
    public let port: Int
    public let family: Family

    public init(host: String, port: Int, family: Family) {
        self.host = host
        self.port = port
        self.family = family
    }

    /// The form the file uses: `127.0.0.1:8443` or `[::1]:8443`.
    public var description: String {
        family == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Parses `IPv4:port` or `[IPv6]:port`.
    static func parse(_ text: String) -> Result<ListenAddress, ValueError> {
        let hostPart: Substring
        let portPart: Substring
        let family: Family
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                return .failure(ValueError("IPv6 address \"\(text)\" has no closing \"]\"; write it like [::1]:8443"))
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let afterBracket = text[text.index(after: close)...]
            guard afterBracket.hasPrefix(":") else {
                return .failure(ValueError("\"\(text)\" has no port; write it like [::1]:8443"))
            }
            portPart = afterBracket.dropFirst()
            family = .ipv6
            guard isIPLiteral(String(hostPart), family: .ipv6) else {
                return .failure(ValueError("\"\(hostPart)\" is not an IPv6 address; write it like [::1]:8443"))
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                return .failure(ValueError("\"\(text)\" has no port; write HOST:PORT, like 127.0.0.1:8443"))
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") {
                return .failure(ValueError("IPv6 addresses need brackets: write [\(hostPart)]:\(portPart)"))
            }
            family = .ipv4
            guard isIPLiteral(String(hostPart), family: .ipv4) else {
                let hint = hostPart == "localhost" ? "127.0.0.1" : "an IP such as 127.0.0.1 or 0.0.0.0"
                return .failure(ValueError(
                    "\"\(hostPart)\" is not an IPv4 address; listen addresses must be numeric (use \(hint))"))
            }
        }
        guard let port = parsePort(portPart) else {
            return .failure(ValueError("port \"\(portPart)\" must be a number from 1 to 65535"))
        }
        return .success(ListenAddress(host: String(hostPart), port: port, family: family))
    }

    static func isIPLiteral(_ text: String, family: Family) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        let domain = family == .ipv4 ? AF_INET : AF_INET6
        return inet_pton(domain, text, &buffer) == 1
    }
}

/// `1...65535` written as plain digits.
func parsePort(_ text: Substring) -> Int? {
    guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }),
          let port = Int(text), (1...65_535).contains(port) else { return nil }
    return port
}
