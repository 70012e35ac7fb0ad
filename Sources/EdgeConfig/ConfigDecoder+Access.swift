/// `auth:` and `rules:`, at the top level and per route.
extension ConfigDecoder {
    static let authKeys = ["resource", "authorization_servers", "scopes_supported", "required_scopes", "api_keys",
                           "api_keys_file", "api_key_header", "jwt", "client_certificates"]
    static let jwtKeys = ["issuer", "audiences", "jwks_file", "jwks_url", "jwks_ca", "jwks_refresh", "jwks_refresh_min",
                          "algorithms", "leeway", "max_token_bytes", "claims"]
    static let ruleKeys = ["subjects", "tenants", "groups", "scopes", "servers", "tools", "prompts", "resources", "methods",
                           "arguments"]
    static let jwtAlgorithms = ["RS256", "PS256", "ES256", "ES384", "EdDSA"]

    func decodeAuth(_ node: YAMLNode, _ path: KeyPath) -> EdgeConfiguration.Auth? {
        guard let reader = mapping(node, path, allowed: Self.authKeys) else { return nil }
        let resource = reader["resource"].flatMap { absoluteURL($0, path.key("resource"), example: "https://mcp.example.com/mcp") }
        let servers = reader["authorization_servers"].flatMap { node in
            stringList(node, path.key("authorization_servers"), example: "[https://idp.example.com]")
        } ?? []
        let supported = reader["scopes_supported"].flatMap { stringList($0, path.key("scopes_supported"), example: "[mcp:tools]") } ?? []
        let required = reader["required_scopes"].flatMap { stringList($0, path.key("required_scopes"), example: "[mcp:tools]") } ?? []
        var keys = reader["api_keys"].map { decodeAPIKeys($0, path.key("api_keys")) } ?? []
        if let node = reader["api_keys_file"], let file = readableFile(node, path.key("api_keys_file"), what: "API keys") {
            keys += apiKeysFromFile(file, at: node, path.key("api_keys_file"))
        }
        var header: String?
        if let node = reader["api_key_header"], let name = string(node, path.key("api_key_header"), example: "X-API-Key") {
            if name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }),
               name.lowercased() != "authorization" {
                header = name
            } else {
                issues.add("must be a header name like X-API-Key (letters, digits, - and _; Authorization: Bearer is always read)",
                           at: node.mark, path.key("api_key_header"))
            }
        }
        let jwt = reader["jwt"].flatMap { decodeJWT($0, path.key("jwt")) }
        if let jwtNode = reader["jwt"], jwt != nil, resource == nil, reader["resource"] == nil,
           (jwt?.audiences.isEmpty ?? true) {
            issues.add("JWT audiences default to auth.resource (this server's canonical URI, RFC 8707); set resource: https://…",
                       at: jwtNode.mark, path.key("resource"))
        }
        var certificates: EdgeConfiguration.CertificateIdentity?
        if let node = reader["client_certificates"],
           let fields = mapping(node, path.key("client_certificates"), allowed: ["subject", "tenant", "groups"]) {
            let p = path.key("client_certificates")
            var subject = EdgeConfiguration.CertificateIdentity.SubjectSource.commonName
            if let value = fields["subject"], let text = string(value, p.key("subject"), example: "common_name") {
                if let source = EdgeConfiguration.CertificateIdentity.SubjectSource(rawValue: text) { subject = source } else {
                    issues.add("must be one of common_name, dns, uri, email (where the subject comes from); got \(text)", at: value.mark, p.key("subject"))
                }
            }
            func flag(_ key: String, _ expected: String) -> Bool {
                guard let value = fields[key], let text = string(value, p.key(key), example: expected) else { return false }
                guard text == expected else {
                    issues.add("can only be \(expected); got \(text)", at: value.mark, p.key(key))
                    return false
                }
                return true
            }
            certificates = EdgeConfiguration.CertificateIdentity(subject: subject, tenantFromOrganization: flag("tenant", "organization"),
                                                                 groupsFromUnits: flag("groups", "organizational_units"))
        }
        if keys.isEmpty, reader["jwt"] == nil, !reader.has("api_keys"), !reader.has("api_keys_file"), reader["client_certificates"] == nil {
            issues.add("authenticates nobody: give api_keys, jwt and/or client_certificates", at: node.mark, path)
        }
        return EdgeConfiguration.Auth(resource: resource, authorizationServers: servers, scopesSupported: supported,
                                      requiredScopes: required, apiKeys: keys, apiKeyHeader: header, jwt: jwt,
                                      clientCertificates: certificates)
    }

    private func absoluteURL(_ node: YAMLNode, _ path: KeyPath, example: String) -> String? {
        guard let text = string(node, path, example: example) else { return nil }
        guard text.hasPrefix("https://") || text.hasPrefix("http://"), !text.contains("#"),
              text.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "\"" }) else {
            issues.add("must be an absolute http(s) URL without a fragment, like \(example); got \(text)", at: node.mark, path)
            return nil
        }
        return text
    }

    func decodeAPIKeys(_ node: YAMLNode, _ path: KeyPath) -> [EdgeConfiguration.APIKey] {
        guard let items = sequence(node, path, example: "[{sha256: 9f86d08…, subject: alice}]") else { return [] }
        var keys: [EdgeConfiguration.APIKey] = []
        for (position, item) in items.enumerated() {
            let itemPath = path.index(position)
            guard let reader = mapping(item, itemPath, allowed: ["sha256", "subject", "tenant", "groups", "scopes"]) else { continue }
            let digest = required(reader, "sha256", example: "$(printf %s KEY | sha256sum)").flatMap { node -> [UInt8]? in
                guard let text = string(node, itemPath.key("sha256"), example: "9f86d081…"), let bytes = Self.hexBytes(text), bytes.count == 32 else {
                    issues.add("must be the 64 hex digits of the key's SHA-256 (printf %s KEY | sha256sum); never the key itself",
                               at: node.mark, itemPath.key("sha256"))
                    return nil
                }
                return bytes
            }
            let subject = required(reader, "subject", example: "alice").flatMap { string($0, itemPath.key("subject"), example: "alice") }
            let tenant = reader["tenant"].flatMap { string($0, itemPath.key("tenant"), example: "acme") }
            let groups = reader["groups"].flatMap { stringList($0, itemPath.key("groups"), example: "[dev]") } ?? []
            let scopes = reader["scopes"].flatMap { stringList($0, itemPath.key("scopes"), example: "[mcp:tools]") } ?? []
            if let digest, keys.contains(where: { $0.sha256 == digest }) {
                issues.add("the same key is listed twice", at: item.mark, itemPath.key("sha256"))
            }
            if let digest, let subject {
                keys.append(EdgeConfiguration.APIKey(sha256: digest, subject: subject, tenant: tenant, groups: groups, scopes: scopes))
            }
        }
        return keys
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexValue(digits[i]), let low = hexValue(digits[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }

    private func decodeJWT(_ node: YAMLNode, _ path: KeyPath) -> EdgeConfiguration.JWT? {
        guard let reader = mapping(node, path, allowed: Self.jwtKeys) else { return nil }
        let issuer = required(reader, "issuer", example: "https://idp.example.com")
            .flatMap { string($0, path.key("issuer"), example: "https://idp.example.com") }
        let audiences = reader["audiences"].flatMap { stringList($0, path.key("audiences"), example: "[https://mcp.example.com/mcp]") } ?? []
        let file = reader["jwks_file"].flatMap { readableFile($0, path.key("jwks_file"), what: "JWKS") }
        let url = reader["jwks_url"].flatMap { absoluteURL($0, path.key("jwks_url"), example: "https://idp.example.com/jwks.json") }
        if let url, !url.hasPrefix("https://"), let node = reader["jwks_url"] {
            issues.add("must be an https:// URL (keys fetched over plain HTTP could be swapped on the way)", at: node.mark, path.key("jwks_url"))
        }
        for key in ["jwks_ca", "jwks_refresh", "jwks_refresh_min"] where reader.has(key) && !reader.has("jwks_url") {
            issues.add("\(key) applies with jwks_url only", at: reader[key]?.mark, path.key(key))
        }
        let ca = reader["jwks_ca"].flatMap { readableFile($0, path.key("jwks_ca"), what: "CA") }
        let refresh = reader["jwks_refresh"].flatMap { duration($0, path.key("jwks_refresh"), range: .seconds(10) ... .seconds(86_400)) }
        let refreshMin = reader["jwks_refresh_min"].flatMap { duration($0, path.key("jwks_refresh_min"), range: .milliseconds(100) ... .seconds(3600)) }
        switch (reader["jwks_file"], reader["jwks_url"]) {
        case (nil, nil):
            issues.add("needs jwks_file: FILE or jwks_url: https://… (the issuer's public keys)", at: node.mark, path)
        case (.some, .some):
            issues.add("has both jwks_file and jwks_url; give one", at: node.mark, path)
        default:
            break
        }
        var algorithms: [String] = []
        if let node = reader["algorithms"], let names = stringList(node, path.key("algorithms"), example: "[RS256, ES256]") {
            for name in names where !Self.jwtAlgorithms.contains(name) {
                issues.add("unsupported algorithm \(name); choose from \(Self.jwtAlgorithms.joined(separator: ", ")) (symmetric HS* never)",
                           at: node.mark, path.key("algorithms"))
            }
            algorithms = names
        }
        let leeway = reader["leeway"].flatMap { duration($0, path.key("leeway"), range: .zero ... .seconds(600)) }
        let maxBytes = reader["max_token_bytes"].flatMap { byteSize($0, path.key("max_token_bytes"), range: 256...65536) } ?? 8192
        var claims = (subject: "sub", tenant: "tenant", groups: "groups", scopes: "scope")
        if let node = reader["claims"], let names = mapping(node, path.key("claims"), allowed: ["subject", "tenant", "groups", "scopes"]) {
            let p = path.key("claims")
            claims.subject = names["subject"].flatMap { string($0, p.key("subject"), example: "sub") } ?? claims.subject
            claims.tenant = names["tenant"].flatMap { string($0, p.key("tenant"), example: "org_id") } ?? claims.tenant
            claims.groups = names["groups"].flatMap { string($0, p.key("groups"), example: "groups") } ?? claims.groups
            claims.scopes = names["scopes"].flatMap { string($0, p.key("scopes"), example: "scope") } ?? claims.scopes
        }
        guard let issuer else { return nil }
        return EdgeConfiguration.JWT(issuer: issuer, audiences: audiences, jwksFile: file, jwksURL: url, algorithms: algorithms,
                                     leewaySeconds: Int(leeway?.components.seconds ?? 60), maxTokenBytes: maxBytes,
                                     subjectClaim: claims.subject, tenantClaim: claims.tenant, groupsClaim: claims.groups,
                                     scopesClaim: claims.scopes, jwksCA: ca, jwksRefresh: refresh ?? .seconds(600),
                                     jwksMinimumRefresh: refreshMin ?? .seconds(30))
    }

    /// `origins: [https://app.example.com, …]` (scheme, host and port when not the default) or `["*"]`.
    func decodeOrigins(_ node: YAMLNode, _ path: KeyPath) -> [String]? {
        guard let list = stringList(node, path, example: "[https://app.example.com]") else { return nil }
        for origin in list where origin != "*" {
            let parts = origin.split(separator: "/", omittingEmptySubsequences: false)
            guard (origin.hasPrefix("https://") || origin.hasPrefix("http://")), parts.count == 3, !parts[2].isEmpty,
                  origin.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                issues.add("\"\(origin)\" is not an origin: write scheme://host[:port] without a path, e.g. https://app.example.com (or \"*\" for any)",
                           at: node.mark, path)
                continue
            }
        }
        return list
    }

    func decodeRules(_ node: YAMLNode, _ path: KeyPath) -> [EdgeConfiguration.AccessRule] {
        guard let items = sequence(node, path, example: "[{allow: {groups: [dev], servers: [alpha]}}]") else { return [] }
        var rules: [EdgeConfiguration.AccessRule] = []
        for (position, item) in items.enumerated() {
            let itemPath = path.index(position)
            guard let reader = mapping(item, itemPath, allowed: ["allow", "deny"]) else { continue }
            guard reader.entries.count == 1, let entry = reader.entries.first else {
                issues.add("a rule is either allow: {…} or deny: {…}", at: item.mark, itemPath)
                continue
            }
            let p = itemPath.key(entry.name)
            var lists: [String: [String]] = [:]
            var arguments: [EdgeConfiguration.ArgumentConstraint]?
            if entry.value.isEmptyMapping {
                // `allow: {}`: everyone, everything.
            } else if let fields = mapping(entry.value, p, allowed: Self.ruleKeys) {
                for field in fields.entries where field.name != "arguments" {
                    lists[field.name] = stringList(field.value, p.key(field.name), example: "[\"*\"]")
                }
                if let node = fields["arguments"] {
                    arguments = decodeArgumentConstraints(node, p.key("arguments"))
                }
            } else {
                continue
            }
            rules.append(EdgeConfiguration.AccessRule(
                allow: entry.name == "allow", subjects: lists["subjects"], tenants: lists["tenants"], groups: lists["groups"],
                scopes: lists["scopes"], servers: lists["servers"], tools: lists["tools"], prompts: lists["prompts"],
                resources: lists["resources"], methods: lists["methods"], arguments: arguments))
        }
        return rules
    }
}

extension ConfigDecoder {
    /// Rules about tools, prompts, resources or methods need a gateway route: a passthrough
    /// route streams its backend's bytes without reading them.
    func refuseGatewayRules(_ rules: [EdgeConfiguration.AccessRule], at node: YAMLNode, _ path: KeyPath) {
        for (position, rule) in rules.enumerated() where rule.needsGateway {
            issues.add("rules about tools, prompts, resources or methods need a gateway route (servers: [NAME], even with one server); a passthrough route streams its backend's bytes unread",
                       at: node.mark, path.index(position))
        }
    }

    /// Top-level rules apply to every route without rules of its own, passthrough ones too.
    func checkRulesFitRoutes(topLevel: [EdgeConfiguration.AccessRule], rulesNode: YAMLNode?,
                             routes: [EdgeConfiguration.Route]) {
        guard let rulesNode, topLevel.contains(where: \.needsGateway) else { return }
        let inheriting = routes.filter { route in
            if case .passthrough = route.target { return route.rules == nil }
            return false
        }
        guard let first = inheriting.first else { return }
        issues.add("passthrough route \(first.path) uses these rules, and rules about tools, prompts, resources or methods need a gateway route; give it rules: of its own or make it a gateway route (servers: [NAME])",
                   at: rulesNode.mark, .root.key("rules"))
    }
}

extension ConfigDecoder {
    /// `credentials: {bearer: SECRET, headers: {Name: SECRET}}`, a SECRET being text, `{env: NAME}`
    /// or `{file: PATH}`. Error messages never repeat a secret's value.
    func decodeCredentials(_ node: YAMLNode, _ path: KeyPath) -> [EdgeConfiguration.CredentialField] {
        guard let reader = mapping(node, path, allowed: ["bearer", "headers", "oauth", "token_exchange"]) else { return [] }
        var fields: [EdgeConfiguration.CredentialField] = []
        if let bearer = reader["bearer"], let secret = secretSource(bearer, path.key("bearer")) {
            fields.append(EdgeConfiguration.CredentialField(name: "authorization", prefix: "Bearer ", secret: secret))
        }
        if let headers = reader["headers"] {
            guard case .mapping(let pairs) = headers else {
                issues.add("expected a mapping like {X-Api-Key: {env: BACKEND_KEY}}; found \(headers.kindDescription)",
                           at: headers.mark, path.key("headers"))
                return fields
            }
            for (key, value) in pairs {
                guard case .scalar(let scalar) = key else { continue }
                let name = scalar.string.lowercased()
                let fieldPath = path.key("headers").key(scalar.string)
                guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                    issues.add("\"\(scalar.string)\" is not a header name (letters, digits, - and _)", at: key.mark, fieldPath)
                    continue
                }
                let reserved = ["host", "content-length", "transfer-encoding", "connection", "mcp-session-id",
                                "mcp-protocol-version", "mcp-method", "mcp-name", "content-type", "accept"]
                if reserved.contains(name) {
                    issues.add("\(scalar.string) is written by mcp-edge itself and cannot be a credential", at: key.mark, fieldPath)
                    continue
                }
                if fields.contains(where: { $0.name == name }) {
                    issues.add("\(scalar.string) is given twice (bearer: sets authorization)", at: key.mark, fieldPath)
                    continue
                }
                if let secret = secretSource(value, fieldPath) {
                    fields.append(EdgeConfiguration.CredentialField(name: name, secret: secret))
                }
            }
        }
        return fields
    }

    /// Text, `{env: NAME}` or `{file: PATH}` (relative to the config file).
    func secretSource(_ node: YAMLNode, _ path: KeyPath) -> EdgeConfiguration.SecretSource? {
        if node.isMapping {
            guard let reader = mapping(node, path, allowed: ["env", "file"]), reader.entries.count == 1,
                  let entry = reader.entries.first else {
                issues.add("give one of {env: NAME} or {file: PATH}", at: node.mark, path)
                return nil
            }
            if entry.name == "env" {
                guard let name = string(entry.value, path.key("env"), example: "BACKEND_TOKEN") else { return nil }
                return .environment(name)
            }
            guard let file = readableFile(entry.value, path.key("file"), what: "secret") else { return nil }
            return .file(file)
        }
        guard case .scalar(let scalar) = node, !node.isNull, !scalar.string.isEmpty else {
            issues.add("expected a secret: text, {env: NAME} or {file: PATH}", at: node.mark, path)
            return nil
        }
        return .literal(scalar.string)
    }
}

extension ConfigDecoder {
    /// `rate_limits: {identity: RATE, tenant: RATE, tools: [{tools: [globs], rate, burst}]}`,
    /// a RATE being `{rate: 20, burst: 40}` (rate: a number per second, or `N/s`, `N/min`, `N/h`).
    func decodeRateLimits(_ node: YAMLNode, _ path: KeyPath) -> EdgeConfiguration.RateLimits? {
        guard let reader = mapping(node, path, allowed: ["identity", "tenant", "tools"]) else { return nil }
        let identity = reader["identity"].flatMap { rate($0, path.key("identity"), allowed: ["rate", "burst"]) }
        let tenant = reader["tenant"].flatMap { rate($0, path.key("tenant"), allowed: ["rate", "burst"]) }
        var tools: [EdgeConfiguration.ToolRate] = []
        if let node = reader["tools"], let items = sequence(node, path.key("tools"), example: "[{tools: [\"*__search\"], rate: 5}]") {
            for (position, item) in items.enumerated() {
                let itemPath = path.key("tools").index(position)
                guard let fields = mapping(item, itemPath, allowed: ["tools", "rate", "burst"]),
                      let globs = required(fields, "tools", example: "[\"*__search\"]").flatMap({ stringList($0, itemPath.key("tools"), example: "[\"*__search\"]") }),
                      let rate = rate(item, itemPath, allowed: ["tools", "rate", "burst"]) else { continue }
                tools.append(EdgeConfiguration.ToolRate(tools: globs, rate: rate))
            }
        }
        return EdgeConfiguration.RateLimits(identity: identity, tenant: tenant, tools: tools)
    }

    private func rate(_ node: YAMLNode, _ path: KeyPath, allowed: [String]) -> EdgeConfiguration.Rate? {
        guard let reader = mapping(node, path, allowed: allowed),
              let rateNode = required(reader, "rate", example: "20  (per second; or 100/min)"),
              let text = string(rateNode, path.key("rate"), example: "20") else { return nil }
        var number = Substring(text)
        var seconds = 1.0
        for (suffix, span) in [("/s", 1.0), ("/min", 60.0), ("/h", 3600.0)] where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            seconds = span
        }
        guard let count = Double(number.trimmingSpaces), count > 0, count.isFinite else {
            issues.add("must be a positive number of requests per second, or N/s, N/min, N/h; got \(text)", at: rateNode.mark, path.key("rate"))
            return nil
        }
        let perSecond = count / seconds
        var burst = Swift.max(perSecond.rounded(.up), 1)
        if let burstNode = reader["burst"], let value = integer(burstNode, path.key("burst"), range: 1...1_000_000) {
            burst = Double(value)
        }
        return EdgeConfiguration.Rate(perSecond: perSecond, burst: burst)
    }
}

private extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}

extension ConfigDecoder {
    /// `arguments: {path: ["/public/*"], mode: [read, list]}`: each named argument and its globs.
    func decodeArgumentConstraints(_ node: YAMLNode, _ path: KeyPath) -> [EdgeConfiguration.ArgumentConstraint]? {
        guard case .mapping(let mapping) = node, !mapping.pairs.isEmpty else {
            issues.add("expected a mapping of argument names to globs, like {path: [\"/public/*\"]}", at: node.mark, path)
            return nil
        }
        var constraints: [EdgeConfiguration.ArgumentConstraint] = []
        for (key, value) in mapping.pairs {
            guard case .scalar(let name) = key, !name.string.isEmpty else { continue }
            if let globs = stringList(value, path.key(name.string), example: "[\"/public/*\"]") {
                constraints.append(EdgeConfiguration.ArgumentConstraint(name: name.string, globs: globs))
            }
        }
        return constraints
    }
}

extension ConfigDecoder {
    /// `credentials.oauth: {token_url, client_id, client_secret, scope, audience, ca}`.
    func decodeOAuthClient(_ credentials: YAMLNode, _ path: KeyPath, key: String = "oauth") -> EdgeConfiguration.OAuthClient? {
        guard case .mapping(let pairs) = credentials,
              let entry = pairs.pairs.first(where: { if case .scalar(let s) = $0.key { return s.string == key }; return false })
        else { return nil }
        let node = entry.value
        let p = path.key(key)
        guard let reader = mapping(node, p, allowed: ["token_url", "client_id", "client_secret", "scope", "audience", "ca"]) else { return nil }
        let url = required(reader, "token_url", example: "https://idp.example.com/oauth/token")
            .flatMap { string($0, p.key("token_url"), example: "https://idp.example.com/oauth/token") }
        if let url, !url.hasPrefix("https://"), let node = reader["token_url"] {
            issues.add("must be an https:// URL (the client secret travels in the request)", at: node.mark, p.key("token_url"))
        }
        let id = required(reader, "client_id", example: "mcp-edge").flatMap { secretSource($0, p.key("client_id")) }
        let secret = required(reader, "client_secret", example: "{env: BACKEND_CLIENT_SECRET}").flatMap { secretSource($0, p.key("client_secret")) }
        let scope = reader["scope"].flatMap { string($0, p.key("scope"), example: "mcp:tools") }
        let audience = reader["audience"].flatMap { string($0, p.key("audience"), example: "https://backend.example.com/mcp") }
        let ca = reader["ca"].flatMap { readableFile($0, p.key("ca"), what: "CA") }
        guard let url, let id, let secret else { return nil }
        if reader.entries.isEmpty { return nil }
        return EdgeConfiguration.OAuthClient(tokenURL: url, clientID: id, clientSecret: secret, scope: scope, audience: audience, caFile: ca)
    }
}

extension ConfigDecoder {
    /// `api_keys_file`: a YAML file holding a list shaped like `api_keys` (its own mistakes are
    /// reported with its own name, line and column), so keys can change without the main file.
    func apiKeysFromFile(_ file: String, at node: YAMLNode, _ path: KeyPath) -> [EdgeConfiguration.APIKey] {
        switch LocalFiles.contents(of: file) {
        case .failure(let error):
            issues.add("cannot read \(file): \(error.reason)", at: node.mark, path)
            return []
        case .success(let bytes):
            guard let text = String(validating: bytes, as: UTF8.self) else {
                issues.add("\(file) is not UTF-8 text", at: node.mark, path)
                return []
            }
            let own = IssueList(file: file)
            let decoder = ConfigDecoder(issues: own, baseDirectory: baseDirectory)
            var keys: [EdgeConfiguration.APIKey] = []
            do {
                if let root = try YAMLComposer.compose(text) {
                    keys = decoder.decodeAPIKeys(root, KeyPath.root)
                } else {
                    own.add("the file is empty; write a list like - {sha256: …, subject: alice}", at: nil, .root)
                }
            } catch {
                own.add("invalid YAML: \(error.problem)", at: error.mark, .root)
            }
            issues.append(own.issues)
            return keys
        }
    }
}
