import Glibc

/// An IPv4 or IPv6 socket address parsed from `host:port` or `[v6]:port` text.
public struct SocketAddress: CustomStringConvertible, Sendable {
    public enum Family: Sendable { case v4, v6 }
    public let family: Family
    public let host: String
    public let port: UInt16

    public init(host: String, port: UInt16) throws {
        var probe4 = in_addr()
        var probe6 = in6_addr()
        if inet_pton(AF_INET, host, &probe4) == 1 {
            self.init(unchecked: host, port: port, family: .v4)
        } else if inet_pton(AF_INET6, host, &probe6) == 1 {
            self.init(unchecked: host, port: port, family: .v6)
        } else if host == "localhost" {
            self.init(unchecked: "127.0.0.1", port: port, family: .v4)
        } else {
            throw IOError("inet_pton", errno: EINVAL, detail: "(\(host) is not an IP address)")
        }
    }

    private init(unchecked host: String, port: UInt16, family: Family) {
        self.host = host
        self.port = port
        self.family = family
    }

    public var description: String { family == .v6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Calls `body` with the C form of this address.
    func withSockAddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) rethrows -> T {
        switch family {
        case .v4:
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = port.bigEndian
            _ = inet_pton(AF_INET, host, &a.sin_addr)
            return try withUnsafePointer(to: &a) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .v6:
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = port.bigEndian
            _ = inet_pton(AF_INET6, host, &a.sin6_addr)
            return try withUnsafePointer(to: &a) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }
}
