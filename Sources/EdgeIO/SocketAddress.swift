import CEdgeShims
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

    fileprivate init(unchecked host: String, port: UInt16, family: Family) {
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

extension SocketAddress {
    /// The addresses of `host` (an IP literal, or a name looked up with `getaddrinfo`, IPv4
    /// first). Blocking: call it off the event loops (at start-up, or on a resolver thread).
    public static func resolve(host: String, port: UInt16) throws -> [SocketAddress] {
        if let literal = try? SocketAddress(host: host, port: port), host != "localhost" { return [literal] }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw ResolveError(description: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }
        var v4: [SocketAddress] = [], v6: [SocketAddress] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let entry = node {
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            if let address = entry.pointee.ai_addr {
                if entry.pointee.ai_family == AF_INET {
                    address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { a in
                        var addr = a.pointee.sin_addr
                        _ = inet_ntop(AF_INET, &addr, &text, socklen_t(text.count))
                    }
                    let value = String(cString: text)
                    if !v4.contains(where: { $0.host == value }) { v4.append(SocketAddress(unchecked: value, port: port, family: .v4)) }
                } else if entry.pointee.ai_family == AF_INET6 {
                    address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { a in
                        var addr = a.pointee.sin6_addr
                        _ = inet_ntop(AF_INET6, &addr, &text, socklen_t(text.count))
                    }
                    let value = String(cString: text)
                    if !v6.contains(where: { $0.host == value }) { v6.append(SocketAddress(unchecked: value, port: port, family: .v6)) }
                }
            }
            node = entry.pointee.ai_next
        }
        guard !(v4.isEmpty && v6.isEmpty) else {
            throw ResolveError(description: "\(host) has no IPv4 or IPv6 address")
        }
        return v4 + v6
    }
}

/// A host name that did not resolve, with the resolver's reason.
public struct ResolveError: Error, CustomStringConvertible {
    public let description: String
}
