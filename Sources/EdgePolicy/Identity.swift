import EdgeCrypto

/// Who sent a request, as authentication established it: the subject, its tenant, and the
/// groups and scopes rules decide on. Immutable and shared (a verified token's identity is
/// cached per worker and handed to every request that presents the token).
public final class Identity: @unchecked Sendable {
    /// How the identity was established.
    public enum Source: String, Sendable {
        case apiKey = "api_key"
        case jwt
        case certificate
    }

    public let source: Source
    public let subject: String
    public let tenant: String?
    public let groups: [String]
    public let scopes: [String]
    /// 16 bytes that name this identity and nothing else: what a legacy session is bound to
    /// (sealed into its id), so that another identity presenting the id is refused. A hash of
    /// source, issuer, subject and tenant.
    public let binding: [UInt8]

    public init(source: Source, issuer: String = "", subject: String, tenant: String? = nil,
                groups: [String] = [], scopes: [String] = []) {
        self.source = source
        self.subject = subject
        self.tenant = tenant
        self.groups = groups
        self.scopes = scopes
        var material = Array(source.rawValue.utf8)
        for part in [issuer, subject, tenant ?? ""] {
            material.append(0)
            material.append(contentsOf: part.utf8)
        }
        binding = Array(SHA256.hash(material).prefix(16))
    }

    public func hasScope(_ scope: String) -> Bool { scopes.contains(scope) }
}

extension Identity: Equatable {
    /// Two identities are equal when they name the same principal with the same attributes.
    public static func == (a: Identity, b: Identity) -> Bool {
        a === b || (a.binding == b.binding && a.source == b.source && a.subject == b.subject && a.tenant == b.tenant
                    && a.groups == b.groups && a.scopes == b.scopes)
    }
}
