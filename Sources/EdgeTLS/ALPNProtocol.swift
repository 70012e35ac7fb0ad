/// An application protocol negotiated with ALPN (RFC 7301). A closed set: the proxy speaks
/// only these, so callers switch on a value instead of comparing strings.
public enum ALPNProtocol: Equatable, Sendable {
    case h2
    case http11
    /// No ALPN (the client offered none, or nothing overlapped): treat as HTTP/1.1.
    case none

    /// The identifier on the wire, or nil for `.none`.
    public var wireName: String? {
        switch self {
        case .h2: return "h2"
        case .http11: return "http/1.1"
        case .none: return nil
        }
    }

    /// Maps a wire identifier; nil for protocols the proxy does not speak.
    public init?(wireName: String) {
        switch wireName {
        case "h2": self = .h2
        case "http/1.1": self = .http11
        default: return nil
        }
    }

    /// Recognises a wire identifier from borrowed bytes (no allocation).
    init(wireBytes: UnsafeBufferPointer<UInt8>) {
        switch wireBytes.count {
        case 2 where wireBytes[0] == 0x68 && wireBytes[1] == 0x32: self = .h2  // "h2"
        case 8 where wireBytes.elementsEqual("http/1.1".utf8): self = .http11
        default: self = .none
        }
    }

    /// Encodes a preference list in ALPN wire format (length-prefixed names).
    static func wireFormat(_ protocols: [ALPNProtocol]) -> [UInt8] {
        var bytes: [UInt8] = []
        for name in protocols.compactMap(\.wireName) {
            bytes.append(UInt8(name.utf8.count))
            bytes.append(contentsOf: name.utf8)
        }
        return bytes
    }
}
