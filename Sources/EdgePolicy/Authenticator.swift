/// How one route (or the whole configuration) authenticates: API keys and/or JWTs from one
/// issuer, the scopes every request needs, and what RFC 9728 metadata says about it.
/// Immutable, shared by every worker; each worker brings its own `TokenCache`.
public final class Authenticator: @unchecked Sendable {
    /// This resource server's canonical URI (the JWT audience, RFC 8707), if configured.
    public let resource: String?
    public let authorizationServers: [String]
    public let scopesSupported: [String]
    /// Scopes every request must carry (403 `insufficient_scope` otherwise).
    public let requiredScopes: [String]
    public let apiKeys: APIKeyTable
    /// Lower-case name of a header that carries an API key as is (besides `Authorization: Bearer`).
    public let apiKeyHeader: [UInt8]?
    public let jwt: JWTVerifier?
    /// The issuer's keys (fixed from a file, or refreshed from a URL by the serving layer).
    public let keyStore: KeyStore
    /// Identities from verified client certificates, when accepted.
    public let certificates: CertificateMapping?

    public init(resource: String?, authorizationServers: [String] = [], scopesSupported: [String] = [],
                requiredScopes: [String] = [], apiKeys: APIKeyTable = APIKeyTable([]), apiKeyHeader: String? = nil,
                jwt: JWTVerifier? = nil, keys: JSONWebKeySet = JSONWebKeySet(keys: []), keyStore: KeyStore? = nil,
                certificates: CertificateMapping? = nil) {
        self.certificates = certificates
        self.resource = resource
        self.authorizationServers = authorizationServers
        self.scopesSupported = scopesSupported
        self.requiredScopes = requiredScopes
        self.apiKeys = apiKeys
        self.apiKeyHeader = apiKeyHeader.map { Array($0.lowercased().utf8) }
        self.jwt = jwt
        self.keyStore = keyStore ?? KeyStore(keys)
    }

    /// Authenticates a request from its `Authorization` value and the API key header's value
    /// (either may be absent). The cache answers for credentials seen before.
    public func authenticate(authorization: ArraySlice<UInt8>?, apiKey: ArraySlice<UInt8>?,
                             now: Int, cache: TokenCache,
                             certificate: () -> ClientCertificateNames? = { nil }) -> Result<Identity, AuthFailure> {
        let credential: ArraySlice<UInt8>
        let notBearer = AuthFailure.invalidToken("the Authorization header is not \"Bearer <token>\"")
        if let authorization {
            guard let token = BearerCredential.candidate(in: authorization) else { return .failure(notBearer) }
            credential = token
        } else if let apiKey, !apiKey.isEmpty {
            credential = apiKey
        } else if let certificates, let names = certificate() {
            // Mutual TLS: the listener verified the certificate; only naming is left.
            guard let identity = certificates.identity(names) else {
                return .failure(.invalidToken("the client certificate has no name to take the subject from"))
            }
            return scoped(identity)
        } else {
            return .failure(.missing)
        }
        let generation = ObjectIdentifier(self)
        // Looked up before the token68 check: only checked credentials are ever stored.
        if let identity = cache.lookup(credential, now: now, generation: generation) {
            return scoped(identity)
        }
        if authorization != nil, !BearerCredential.isToken68(credential) { return .failure(notBearer) }
        if let identity = apiKeys.identity(for: credential) {
            cache.remember(credential, identity, expires: Int.max, now: now, generation: generation)
            return scoped(identity)
        }
        guard let jwt, JWTVerifier.looksLikeJWT(credential) else {
            return .failure(.invalidToken(jwt == nil ? "unknown API key" : "unknown API key or malformed token"))
        }
        switch jwt.verify(credential, keys: keyStore.keys, now: now) {
        case .success(let verified):
            cache.remember(credential, verified.identity, expires: verified.expires, now: now, generation: generation)
            return scoped(verified.identity)
        case .failure(let failure):
            if case .invalidToken(let reason) = failure, reason == JWTVerifier.unknownKeyReason { keyStore.noteUnknownKey() }
            return .failure(failure)
        }
    }

    private func scoped(_ identity: Identity) -> Result<Identity, AuthFailure> {
        for scope in requiredScopes where !identity.hasScope(scope) { return .failure(.insufficientScope(requiredScopes)) }
        return .success(identity)
    }
}
