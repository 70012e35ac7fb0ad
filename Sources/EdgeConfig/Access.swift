extension EdgeConfiguration {
    /// How requests are authenticated (`auth:` at the top level, or a route's own).
    public struct Auth: Sendable, Hashable {
        /// This server's canonical URI: the JWT audience and RFC 9728 `resource`.
        public let resource: String?
        public let authorizationServers: [String]
        public let scopesSupported: [String]
        /// Scopes every request must carry (403 `insufficient_scope` otherwise).
        public let requiredScopes: [String]
        public let apiKeys: [APIKey]
        /// A header that carries an API key as is, besides `Authorization: Bearer`.
        public let apiKeyHeader: String?
        public let jwt: JWT?
        /// Identities from verified client certificates (mutual TLS listeners), if accepted.
        public let clientCertificates: CertificateIdentity?

        public init(resource: String?, authorizationServers: [String] = [], scopesSupported: [String] = [],
                    requiredScopes: [String] = [], apiKeys: [APIKey] = [], apiKeyHeader: String? = nil, jwt: JWT? = nil,
                    clientCertificates: CertificateIdentity? = nil) {
            self.clientCertificates = clientCertificates
            self.resource = resource
            self.authorizationServers = authorizationServers
            self.scopesSupported = scopesSupported
            self.requiredScopes = requiredScopes
            self.apiKeys = apiKeys
            self.apiKeyHeader = apiKeyHeader
            self.jwt = jwt
        }
    }

    /// One API key, by the SHA-256 of the key, and who it stands for.
    public struct APIKey: Sendable, Hashable {
        public let sha256: [UInt8]
        public let subject: String
        public let tenant: String?
        public let groups: [String]
        public let scopes: [String]

        public init(sha256: [UInt8], subject: String, tenant: String? = nil, groups: [String] = [], scopes: [String] = []) {
            self.sha256 = sha256
            self.subject = subject
            self.tenant = tenant
            self.groups = groups
            self.scopes = scopes
        }
    }

    /// JWT access tokens from one issuer.
    public struct JWT: Sendable, Hashable {
        public let issuer: String
        /// Accepted `aud` values; empty: the `resource`.
        public let audiences: [String]
        /// An absolute path (resolved against the config file's directory).
        public let jwksFile: String?
        public let jwksURL: String?
        /// CA bundle for the `jwks_url` server (nil: the system's).
        public let jwksCA: String?
        /// How often the key set is fetched again, and the shortest gap between two fetches
        /// (an unknown `kid` asks for one early).
        public let jwksRefresh: Duration
        public let jwksMinimumRefresh: Duration
        /// Algorithm names (`RS256`, `PS256`, `ES256`, `ES384`, `EdDSA`); empty: all of them.
        public let algorithms: [String]
        public let leewaySeconds: Int
        public let maxTokenBytes: Int
        /// Claim names: subject, tenant, groups, scopes.
        public let subjectClaim: String
        public let tenantClaim: String
        public let groupsClaim: String
        public let scopesClaim: String

        public init(issuer: String, audiences: [String] = [], jwksFile: String? = nil, jwksURL: String? = nil,
                    algorithms: [String] = [], leewaySeconds: Int = 60, maxTokenBytes: Int = 8192,
                    subjectClaim: String = "sub", tenantClaim: String = "tenant", groupsClaim: String = "groups",
                    scopesClaim: String = "scope", jwksCA: String? = nil, jwksRefresh: Duration = Duration.seconds(600),
                    jwksMinimumRefresh: Duration = Duration.seconds(30)) {
            self.jwksCA = jwksCA
            self.jwksRefresh = jwksRefresh
            self.jwksMinimumRefresh = jwksMinimumRefresh
            self.issuer = issuer
            self.audiences = audiences
            self.jwksFile = jwksFile
            self.jwksURL = jwksURL
            self.algorithms = algorithms
            self.leewaySeconds = leewaySeconds
            self.maxTokenBytes = maxTokenBytes
            self.subjectClaim = subjectClaim
            self.tenantClaim = tenantClaim
            self.groupsClaim = groupsClaim
            self.scopesClaim = scopesClaim
        }
    }

    /// One access rule: `allow:` or `deny:` with whom and what it is about (lists left out
    /// match anything). The first rule about a request decides; with rules, the default is deny.
    public struct AccessRule: Sendable, Hashable {
        public let allow: Bool
        public let subjects: [String]?
        public let tenants: [String]?
        public let groups: [String]?
        public let scopes: [String]?
        public let servers: [String]?
        public let tools: [String]?
        public let prompts: [String]?
        public let resources: [String]?
        public let methods: [String]?
        /// Tool call arguments and the globs their values must match (`{path: ["/public/*"]}`).
        public let arguments: [ArgumentConstraint]?

        public init(allow: Bool, subjects: [String]? = nil, tenants: [String]? = nil, groups: [String]? = nil,
                    scopes: [String]? = nil, servers: [String]? = nil, tools: [String]? = nil, prompts: [String]? = nil,
                    resources: [String]? = nil, methods: [String]? = nil, arguments: [ArgumentConstraint]? = nil) {
            self.arguments = arguments
            self.allow = allow
            self.subjects = subjects
            self.tenants = tenants
            self.groups = groups
            self.scopes = scopes
            self.servers = servers
            self.tools = tools
            self.prompts = prompts
            self.resources = resources
            self.methods = methods
        }

        /// Whether it decides on items or methods, which only gateway routes read.
        public var needsGateway: Bool { tools != nil || prompts != nil || resources != nil || methods != nil || arguments != nil }
    }

    /// One argument of a tool call, in file order, and the globs its value must match one of.
    public struct ArgumentConstraint: Sendable, Hashable {
        public let name: String
        public let globs: [String]

        public init(name: String, globs: [String]) {
            self.name = name
            self.globs = globs
        }
    }
}

extension EdgeConfiguration {
    /// `rate_limits:`: token buckets per identity, per tenant, and per tool.
    public struct RateLimits: Sendable, Hashable {
        /// Each identity (each client address on a route without auth): over → 429.
        public let identity: Rate?
        /// Each tenant, all its identities together: over → 429.
        public let tenant: Rate?
        /// Tools whose exposed name matches, all callers together: over → a JSON-RPC error.
        public let tools: [ToolRate]

        public init(identity: Rate? = nil, tenant: Rate? = nil, tools: [ToolRate] = []) {
            self.identity = identity
            self.tenant = tenant
            self.tools = tools
        }

        public var isEmpty: Bool { identity == nil && tenant == nil && tools.isEmpty }
    }

    /// Requests per second, and how many may come at once after a quiet time.
    public struct Rate: Sendable, Hashable {
        public let perSecond: Double
        public let burst: Double

        public init(perSecond: Double, burst: Double) {
            self.perSecond = perSecond
            self.burst = burst
        }
    }

    /// A rate for the tools matching `tools` (globs over exposed names, `alpha__search`).
    public struct ToolRate: Sendable, Hashable {
        public let tools: [String]
        public let rate: Rate

        public init(tools: [String], rate: Rate) {
            self.tools = tools
            self.rate = rate
        }
    }
}

extension EdgeConfiguration {
    /// How a verified client certificate names its holder: the subject from the common name or
    /// a subjectAltName, the tenant from the organization (O), groups from the units (OU).
    public struct CertificateIdentity: Sendable, Hashable {
        public enum SubjectSource: String, Sendable, Hashable, CaseIterable {
            case commonName = "common_name", dns, uri, email
        }

        public let subject: SubjectSource
        public let tenantFromOrganization: Bool
        public let groupsFromUnits: Bool

        public init(subject: SubjectSource = .commonName, tenantFromOrganization: Bool = false, groupsFromUnits: Bool = false) {
            self.subject = subject
            self.tenantFromOrganization = tenantFromOrganization
            self.groupsFromUnits = groupsFromUnits
        }
    }
}
