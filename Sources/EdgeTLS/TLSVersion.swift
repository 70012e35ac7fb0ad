import COpenSSL

/// A TLS protocol version, for logs and metrics.
public enum TLSVersion: Equatable, Sendable, CustomStringConvertible {
    case tls1_2
    case tls1_3
    /// Anything else OpenSSL reports (older versions never complete a handshake here).
    case other(Int32)

    init(openSSLVersion: Int32) {
        switch openSSLVersion {
        case TLS1_2_VERSION: self = .tls1_2
        case TLS1_3_VERSION: self = .tls1_3
        default: self = .other(openSSLVersion)
        }
    }

    public var description: String {
        switch self {
        case .tls1_2: return "TLSv1.2"
        case .tls1_3: return "TLSv1.3"
        case .other(let raw): return "TLS(0x\(String(raw, radix: 16)))"
        }
    }
}
