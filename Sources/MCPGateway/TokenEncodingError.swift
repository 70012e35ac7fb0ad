/// Why a session state or cursor cannot become a token: a field over its limit in the layout,
/// or a token over `maximumTokenLength` (which the opening side would refuse). Thrown when
/// sealing or encoding, never when opening (opening answers invalid).
public enum TokenEncodingError: Error, Equatable, CustomStringConvertible {
    /// A field (or a list, counted in entries) is longer than its layout allows.
    case fieldTooLong(field: String, count: Int, limit: Int)
    /// A field's bytes are not allowed (a nonce of the wrong size, a session id that is not
    /// visible ASCII).
    case invalidField(field: String, reason: String)
    /// The whole token would be longer than the opening side accepts.
    case tokenTooLong(count: Int, limit: Int)

    public var description: String {
        switch self {
        case .fieldTooLong(let field, let count, let limit):
            return "\(field) has \(count) bytes or entries, more than the \(limit) a token can carry"
        case .invalidField(let field, let reason):
            return "\(field) cannot go into a token: \(reason)"
        case .tokenTooLong(let count, let limit):
            return "the token would have \(count) characters, more than the \(limit) accepted"
        }
    }
}
