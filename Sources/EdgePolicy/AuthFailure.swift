/// Why a request was not authenticated, as the 401 or 403 answer says it (RFC 6750 §3.1).
/// Descriptions name the check that failed and never echo the credential.
public enum AuthFailure: Error, Equatable, Sendable {
    /// No credential where one is required: 401 without an error code.
    case missing
    /// The credential was present and is not valid: 401 `invalid_token`.
    case invalidToken(String)
    /// Valid, but without a scope the route requires: 403 `insufficient_scope`.
    case insufficientScope([String])

    public var status: Int {
        if case .insufficientScope = self { return 403 }
        return 401
    }

    /// The `error_description` text (nil for `.missing`).
    public var description: String? {
        switch self {
        case .missing: return nil
        case .invalidToken(let text): return text
        case .insufficientScope(let scopes): return "the token lacks the scope(s) " + scopes.joined(separator: " ")
        }
    }
}
