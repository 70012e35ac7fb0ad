import EdgeHTTP
import EdgePolicy
import MCPGateway
import MCPWire
#if canImport(Glibc)
import Glibc
#endif

/// Who may use one route: how its requests are authenticated (nil: not at all), its rules,
/// and the servers behind it. Part of the configuration snapshot; asked once per request,
/// before the request goes to a passthrough exchange or the gateway.
final class RouteAccess {
    let authenticator: Authenticator?
    let rules: AccessRules
    /// The route's servers (one for passthrough).
    let servers: [String]
    /// The API key header's lower-case name, if configured.
    private let apiKeyHeader: [UInt8]?

    /// This worker's share of the route's rate limits (nil: none).
    let rateLimits: RouteRateLimits?

    init(authenticator: Authenticator?, rules: AccessRules, servers: [String], rateLimits: RouteRateLimits? = nil) {
        self.authenticator = authenticator
        self.rules = rules
        self.servers = servers
        self.apiKeyHeader = authenticator?.apiKeyHeader
        self.rateLimits = rateLimits
    }

    /// What admission decided.
    enum Admission {
        /// Go on, as this identity (nil on a route without authentication).
        case admitted(Identity?)
        /// Answer with this instead.
        case refused(LocalAnswer)
    }

    /// Authenticates the request and checks the identity may reach some server of the route.
    /// The credential fields are taken out of `fields` (they are never forwarded).
    func admit(_ fields: inout HTTPFields, cache: TokenCache, limiter: RateLimiter, clientAddress: [UInt8],
               now: UInt64, certificate: () -> ClientCertificateNames? = { nil }) -> Admission {
        var identity: Identity?
        if let authenticator {
            let authorization = fields.first(.authorization)
            var apiKey: ArraySlice<UInt8>?
            if let apiKeyHeader, let index = fields.firstIndex(name: apiKeyHeader) { apiKey = fields.value(at: index) }
            switch authenticator.authenticate(authorization: authorization, apiKey: apiKey, now: time(nil), cache: cache,
                                              certificate: certificate) {
            case .success(let who):
                identity = who
            case .failure(let failure):
                return .refused(LocalAnswer.authFailure(failure, authenticator))
            }
            fields.remove(.authorization)
            if let apiKeyHeader { fields.remove(name: apiKeyHeader) }
        }
        if !rules.isEmpty, !servers.contains(where: { rules.mayReach(identity, server: $0) }) {
            // A tenant does not learn of other tenants' routes: the path answers as if unrouted.
            if identity?.tenant != nil { return .refused(LocalAnswer.noRoute) }
            return .refused(LocalAnswer.forbidden("no rule allows \(identity.map { "subject \"\($0.subject)\"" } ?? "an anonymous request") to use this route"))
        }
        if let limits = rateLimits {
            if let limit = limits.identity {
                let key = identity.map { RateKey(.identity, $0.binding) } ?? RateKey(.clientAddress, clientAddress)
                if let wait = limiter.take(key, limit: limit, now: now) {
                    return .refused(LocalAnswer.tooManyRequests(wait, what: identity.map { "subject \"\($0.subject)\"" } ?? "this client address"))
                }
            }
            if let limit = limits.tenant, let tenant = identity?.tenant {
                if let wait = limiter.take(RateKey(.tenant, Array(tenant.utf8)), limit: limit, now: now) {
                    return .refused(LocalAnswer.tooManyRequests(wait, what: "tenant \"\(tenant)\""))
                }
            }
        }
        return .admitted(identity)
    }
}

/// A small complete answer mcp-edge gives itself (401, 403, metadata documents): status,
/// extra header fields, content type and body. Written by either HTTP version's connection.
struct LocalAnswer {
    var status: Int
    var headers: [(name: String, value: String)] = []
    var contentType: StaticString = "application/json"
    var body: [UInt8]

    /// 401 or 403 with the `WWW-Authenticate` challenge (RFC 6750 §3) and an OAuth-style body.
    static func authFailure(_ failure: AuthFailure, _ authenticator: Authenticator) -> LocalAnswer {
        let error: String
        switch failure {
        case .missing: error = "invalid_request"
        case .invalidToken: error = "invalid_token"
        case .insufficientScope: error = "insufficient_scope"
        }
        let description = failure.description ?? "this endpoint needs Authorization: Bearer <token>"
        return LocalAnswer(status: failure.status,
                           headers: [("www-authenticate", ProtectedResourceMetadata.challenge(authenticator, failure: failure))],
                           body: jsonError(error, description))
    }

    /// 429 with `Retry-After` and a JSON-RPC error body (the request was not read).
    static func tooManyRequests(_ seconds: Int, what: String) -> LocalAnswer {
        let error: JSONValue = ["code": -32004, "message": JSONValue("Rate limit exceeded for \(what): retry after \(seconds) s")]
        var body: [UInt8] = []
        JSONValue.object(["jsonrpc": "2.0", "id": nil, "error": error]).write(into: &body)
        return LocalAnswer(status: 429, headers: [("retry-after", String(seconds))], body: body)
    }

    /// 403 for a browser origin the configuration does not allow (DNS rebinding).
    static let forbiddenOrigin = LocalAnswer(status: 403, body: jsonError(
        "forbidden_origin", "this Origin may not call MCP endpoints here; list it under origins: in the configuration"))

    /// 404 for a path without a route (and for a tenant's identity on another tenant's route).
    static let noRoute = LocalAnswer(status: 404, contentType: "text/plain", body: Array("no route for this path\n".utf8))

    /// 403 for an identity no rule lets through.
    static func forbidden(_ description: String) -> LocalAnswer {
        LocalAnswer(status: 403, body: jsonError("access_denied", description))
    }

    private static func jsonError(_ error: String, _ description: String) -> [UInt8] {
        var body: [UInt8] = []
        JSONValue.object(["error": JSONValue(error), "error_description": JSONValue(description)]).write(into: &body)
        return body
    }
}

/// One worker's share of a route's rate limits (configured rates divided by the worker count).
struct RouteRateLimits {
    let identity: RateLimit?
    let tenant: RateLimit?
    /// Globs over exposed tool names, and their limit (all callers together).
    let tools: [(globs: [[UInt8]], limit: RateLimit)]

    /// The limit of the first tool entry whose globs match `exposed`.
    func toolLimit(_ exposed: [UInt8]) -> RateLimit? {
        tools.first { $0.globs.contains { Glob.matches($0, exposed) } }?.limit
    }
}

extension ClientTransport {
    /// The verified client certificate's names (mutual TLS listeners), read when asked.
    func clientCertificateNames() -> ClientCertificateNames? {
        guard let peer = tls?.verifiedPeerCertificate else { return nil }
        return ClientCertificateNames(commonName: peer.commonName, organization: peer.organization,
                                      organizationalUnits: peer.organizationalUnits, dnsNames: peer.dnsNames,
                                      uris: peer.uris, emails: peer.emails)
    }
}

/// What a request head meets before any exchange starts, for both HTTP versions.
enum RouteDecision {
    /// Serve it on this route, as this identity (nil: the route does not authenticate).
    case serve(RouteTable.Entry, Identity?)
    /// Answer it with this instead (no route, a metadata document, a refusal).
    case answer(LocalAnswer)
}

extension Worker {
    /// The route of `head`, then the checks every MCP request passes in this order: `Origin`,
    /// authentication, rules, rate limits. Credentials are taken out of `head` on the way.
    func decide(_ head: inout HTTPRequestHead, clientAddress: [UInt8], transport: ClientTransport) -> RouteDecision {
        guard let entry = routes.entry(head.path) else {
            if head.method == .get, let document = routes.metadataDocument(head.path) {
                return .answer(LocalAnswer(status: 200, body: document))
            }
            return .answer(LocalAnswer.noRoute)
        }
        if let origin = head.fields.first(.origin), !routes.origins.allows(origin) { return .answer(LocalAnswer.forbiddenOrigin) }
        guard let access = entry.access else { return .serve(entry, nil) }
        switch access.admit(&head.fields, cache: tokens, limiter: limiter, clientAddress: clientAddress, now: loop.now,
                            certificate: { transport.clientCertificateNames() }) {
        case .admitted(let identity): return .serve(entry, identity)
        case .refused(let answer): return .answer(answer)
        }
    }
}
