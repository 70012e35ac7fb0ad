import EdgeConfig
import EdgeCrypto
import EdgePolicy

/// Turns `auth:` and `rules:` into the runtime objects routes check requests with.
struct AccessPlan {
    /// One authenticator per distinct `auth:` block (routes that share the top level's share it).
    private var authenticators: [EdgeConfiguration.Auth: Authenticator] = [:]
    private(set) var metadata: [(path: String, document: [UInt8])] = []
    /// One per `jwks_url`: started with the server.
    private(set) var refreshers: [KeySetRefresher] = []

    /// The access of `route`, or nil when it is open (no auth, no rules).
    mutating func access(for route: EdgeConfiguration.Route, in config: EdgeConfiguration) throws -> RouteAccess? {
        let auth = config.auth(for: route)
        let rules = config.rules(for: route)
        let limits = config.rateLimits(for: route).flatMap { $0.isEmpty ? nil : Self.share($0, workers: config.workers) }
        if auth == nil && rules.isEmpty && limits == nil { return nil }
        let authenticator = try auth.map { try self.authenticator($0) }
        if let authenticator {
            // RFC 9728: the route path appended to the well-known prefix, and the path the
            // resource URI itself implies.
            let document = ProtectedResourceMetadata.document(authenticator)
            addMetadata(ProtectedResourceMetadata.wellKnownPrefix + route.path, document)
            if let resource = authenticator.resource, let path = ProtectedResourceMetadata.metadataPath(for: resource) {
                addMetadata(path, document)
            }
        }
        return RouteAccess(authenticator: authenticator, rules: AccessRules(rules.map(Self.rule)), servers: route.serverNames,
                           rateLimits: limits)
    }

    /// The bare well-known path answers for the top level's auth, else the first route's.
    mutating func finish(_ config: EdgeConfiguration) throws {
        if let auth = config.auth {
            addMetadata(ProtectedResourceMetadata.wellKnownPrefix, ProtectedResourceMetadata.document(try authenticator(auth)))
        } else if let first = metadata.first {
            addMetadata(ProtectedResourceMetadata.wellKnownPrefix, first.document)
        }
    }

    private mutating func addMetadata(_ path: String, _ document: [UInt8]) {
        if !metadata.contains(where: { $0.path == path }) { metadata.append((path, document)) }
    }

    private mutating func authenticator(_ auth: EdgeConfiguration.Auth) throws -> Authenticator {
        if let existing = authenticators[auth] { return existing }
        var verifier: JWTVerifier?
        var keys = JSONWebKeySet(keys: [])
        if let jwt = auth.jwt {
            var settings = JWTSettings(issuer: jwt.issuer, audiences: jwt.audiences.isEmpty ? auth.resource.map { [$0] } ?? [] : jwt.audiences)
            if !jwt.algorithms.isEmpty { settings.algorithms = Set(jwt.algorithms.compactMap(SignatureAlgorithm.init(rawValue:))) }
            settings.leewaySeconds = jwt.leewaySeconds
            settings.maxTokenBytes = jwt.maxTokenBytes
            settings.claims.subject = jwt.subjectClaim
            settings.claims.tenant = jwt.tenantClaim
            settings.claims.groups = jwt.groupsClaim
            settings.claims.scopes = jwt.scopesClaim
            verifier = JWTVerifier(settings: settings)
            if let file = jwt.jwksFile {
                keys = try Self.loadKeySet(file)
            }
        }
        let store = KeyStore(keys)
        if let jwt = auth.jwt, let url = jwt.jwksURL {
            // An existing refresher for the same URL keeps one store for both routes.
            if let existing = refreshers.first(where: { $0.url == url && $0.caFile == jwt.jwksCA }) {
                return finishAuthenticator(auth, verifier: verifier, store: existing.store)
            }
            refreshers.append(KeySetRefresher(url: url, caFile: jwt.jwksCA, store: store,
                                              intervalMilliseconds: Self.milliseconds(jwt.jwksRefresh),
                                              minimumIntervalMilliseconds: Self.milliseconds(jwt.jwksMinimumRefresh)))
        }
        return finishAuthenticator(auth, verifier: verifier, store: store)
    }

    private static func milliseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(seconds) * 1000 + UInt64(attoseconds / 1_000_000_000_000_000)
    }

    private mutating func finishAuthenticator(_ auth: EdgeConfiguration.Auth, verifier: JWTVerifier?, store: KeyStore) -> Authenticator {
        let table = APIKeyTable(auth.apiKeys.map { key in
            (key.sha256, Identity(source: .apiKey, subject: key.subject, tenant: key.tenant, groups: key.groups, scopes: key.scopes))
        })
        let authenticator = Authenticator(resource: auth.resource, authorizationServers: auth.authorizationServers,
                                          scopesSupported: auth.scopesSupported, requiredScopes: auth.requiredScopes,
                                          apiKeys: table, apiKeyHeader: auth.apiKeyHeader, jwt: verifier, keyStore: store,
                                          certificates: auth.clientCertificates.map(Self.certificateMapping))
        authenticators[auth] = authenticator
        return authenticator
    }

    private static func loadKeySet(_ path: String) throws -> JSONWebKeySet {
        guard let bytes = readFile(path) else { throw PlanError(description: "cannot read the JWKS file \(path)") }
        switch JSONWebKeySet.parse(bytes[...]) {
        case .failure(let error):
            throw PlanError(description: "JWKS file \(path): \(error.description)")
        case .success(let set):
            if set.keys.isEmpty {
                let why = set.skipped.isEmpty ? "it lists no keys" : set.skipped.joined(separator: "; ")
                throw PlanError(description: "JWKS file \(path) has no key mcp-edge can verify with: \(why)")
            }
            return set
        }
    }

    /// A file the configuration names, at most 1 MiB (nil when unreadable or larger).
    static func readFile(_ path: String) -> [UInt8]? {
        guard case .success(let bytes) = LocalFiles.contents(of: path), bytes.count <= 1 << 20 else { return nil }
        return bytes
    }

    private static func certificateMapping(_ config: EdgeConfiguration.CertificateIdentity) -> CertificateMapping {
        let subject: CertificateMapping.SubjectSource
        switch config.subject {
        case .commonName: subject = .commonName
        case .dns: subject = .dns
        case .uri: subject = .uri
        case .email: subject = .email
        }
        return CertificateMapping(subject: subject, tenantFromOrganization: config.tenantFromOrganization,
                                  groupsFromUnits: config.groupsFromUnits)
    }

    /// A worker's part of each configured rate: every worker limits on its own.
    private static func share(_ limits: EdgeConfiguration.RateLimits, workers: Int) -> RouteRateLimits {
        func limit(_ rate: EdgeConfiguration.Rate) -> RateLimit {
            RateLimit(perSecond: rate.perSecond, burst: rate.burst).share(of: workers)
        }
        return RouteRateLimits(identity: limits.identity.map(limit), tenant: limits.tenant.map(limit),
                               tools: limits.tools.map { (globs: $0.tools.map { Array($0.utf8) }, limit: limit($0.rate)) })
    }

    private static func rule(_ rule: EdgeConfiguration.AccessRule) -> AccessRule {
        AccessRule(effect: rule.allow ? .allow : .deny, subjects: rule.subjects, tenants: rule.tenants, groups: rule.groups,
                   scopes: rule.scopes, servers: rule.servers, tools: rule.tools, prompts: rule.prompts,
                   resources: rule.resources, methods: rule.methods,
                   arguments: rule.arguments?.map { AccessRule.ArgumentConstraint(name: $0.name, globs: $0.globs) })
    }
}
