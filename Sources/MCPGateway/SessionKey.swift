/// A configured secret for session tokens and its one-byte id, which every token carries in
/// the clear so that the opening side picks the right key during a rotation. Its description
/// never shows the secret.
public struct SessionKey: Equatable, CustomStringConvertible {
    public var id: UInt8
    /// Any length; at least 32 random bytes are expected (the AES key is derived from it).
    public var secret: [UInt8]

    public init(id: UInt8, secret: [UInt8]) {
        self.id = id
        self.secret = secret
    }

    public var description: String { "SessionKey(id: \(id), secret: \(secret.count) bytes)" }
}
