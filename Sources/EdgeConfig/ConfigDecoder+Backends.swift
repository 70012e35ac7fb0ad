
/// Servers decoded so far; `definedNames` includes servers whose own settings had errors, so a
/// route that names them is not reported a second time.
struct ServerTable {
    var servers: [EdgeConfiguration.Server] = []
    var definedNames: [String] = []
}

/// The `servers` and `routes` sections.
extension ConfigDecoder {
    func decodeServers(_ node: YAMLNode, _ path: KeyPath) -> ServerTable {
        guard let reader = mappingOfNames(node, path) else { return ServerTable() }
        var table = ServerTable()
        if reader.isEmpty {
            issues.add("needs at least one server, e.g. demo: {url: http://127.0.0.1:9000/mcp}", at: node.mark, path)
        }
        for (nameNode, value) in reader {
            guard case .scalar(let nameScalar) = nameNode else {
                issues.add("server names must be plain words; found \(nameNode.kindDescription)", at: nameNode.mark, path)
                continue
            }
            let name = nameScalar.string
            let serverPath = path.key(name)
            table.definedNames.append(name)
            if !Self.isValidName(name) {
                issues.add("server name \"\(name)\" may use only letters, digits, \"-\" and \"_\" (it prefixes tool names in gateways)",
                           at: nameNode.mark, serverPath)
            }
            if let server = decodeServer(name, value, serverPath) {
                table.servers.append(server)
            }
        }
        return table
    }

    private func mappingOfNames(_ node: YAMLNode, _ path: KeyPath) -> YAMLNode.Mapping? {
        guard case .mapping(let mapping) = node else {
            issues.add("expected a mapping of server names to settings, like demo: {url: http://127.0.0.1:9000/mcp}; found \(node.kindDescription)",
                       at: node.mark, path)
            return nil
        }
        return mapping
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first.isNumber, name.count <= 64 else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    static let serverKeys = ["url", "command", "env", "cwd", "per_session", "tls", "credentials"]

    private func decodeServer(_ name: String, _ node: YAMLNode, _ path: KeyPath) -> EdgeConfiguration.Server? {
        guard let reader = mapping(node, path, allowed: Self.serverKeys) else { return nil }
        guard let backend = decodeBackend(reader, node, path) else { return nil }
        let isStdio: Bool
        if case .stdio = backend { isStdio = true } else { isStdio = false }
        for key in ["env", "cwd", "per_session"] where !isStdio && reader.has(key) {
            issues.add("\(key) applies to stdio servers (command:) only", at: reader[key]?.mark, path.key(key))
        }
        if case .http(let url) = backend, url.scheme == .http, let tls = reader["tls"] {
            issues.add("tls applies to https:// servers only", at: tls.mark, path.key("tls"))
        }
        if isStdio, let tls = reader["tls"] {
            issues.add("tls applies to https:// servers only", at: tls.mark, path.key("tls"))
        }
        let environment = reader["env"].flatMap { decodeEnvironment($0, path.key("env")) } ?? []
        let cwd = reader["cwd"].flatMap { directory($0, path.key("cwd")) }
        let perSession = reader["per_session"].flatMap { boolean($0, path.key("per_session")) } ?? false
        let tls = reader["tls"].flatMap { decodeUpstreamTLS($0, path.key("tls")) } ?? EdgeConfiguration.UpstreamTLS()
        if isStdio, let node = reader["credentials"] {
            issues.add("credentials apply to HTTP servers (url:); give a stdio server its secrets with env:", at: node.mark, path.key("credentials"))
        }
        let credentials = reader["credentials"].map { decodeCredentials($0, path.key("credentials")) } ?? []
        let oauth = reader["credentials"].flatMap { decodeOAuthClient($0, path.key("credentials")) }
        let exchange = reader["credentials"].flatMap { decodeOAuthClient($0, path.key("credentials"), key: "token_exchange") }
        if oauth != nil, exchange != nil, let node = reader["credentials"] {
            issues.add("has both oauth and token_exchange; keep one (both set Authorization)", at: node.mark, path.key("credentials"))
        }
        if oauth != nil, credentials.contains(where: { $0.name == "authorization" }), let node = reader["credentials"] {
            issues.add("has both bearer and oauth; keep one (both set Authorization)", at: node.mark, path.key("credentials"))
        }
        return EdgeConfiguration.Server(
            name: name, backend: backend,
            process: EdgeConfiguration.ProcessOptions(environment: environment, workingDirectory: cwd, perSession: perSession),
            tls: tls, credentials: credentials, oauth: oauth, tokenExchange: exchange)
    }

    private func decodeBackend(_ reader: MappingReader, _ node: YAMLNode, _ path: KeyPath) -> EdgeConfiguration.Backend? {
        switch (reader["url"], reader["command"]) {
        case (.some, .some):
            issues.add("has both url and command; keep exactly one: url for an HTTP server, command for a stdio server",
                       at: node.mark, path)
            return nil
        case (nil, nil):
            if reader.suggested.isDisjoint(with: ["url", "command"]) {
                issues.add("needs url: (an HTTP server) or command: (a stdio server)", at: node.mark, path)
            }
            return nil
        case (let url?, nil):
            guard let text = string(url, path.key("url"), example: "http://127.0.0.1:9000/mcp") else { return nil }
            switch UpstreamURL.parse(text) {
            case .success(let parsed): return .http(parsed)
            case .failure(let error):
                issues.add(error.message, at: url.mark, path.key("url"))
                return nil
            }
        case (nil, let command?):
            let example = "[mcp-server-time, --local-timezone, UTC]"
            guard let arguments = stringList(command, path.key("command"), example: example) else { return nil }
            guard !arguments.isEmpty else {
                issues.add("needs at least the program to run, like \(example)", at: command.mark, path.key("command"))
                return nil
            }
            return .stdio(command: arguments)
        }
    }

    private func decodeEnvironment(_ node: YAMLNode, _ path: KeyPath) -> [EdgeConfiguration.EnvironmentVariable]? {
        guard case .mapping(let pairs) = node else {
            issues.add("expected a mapping of variable names to values, like {TZ: UTC}; found \(node.kindDescription)", at: node.mark, path)
            return nil
        }
        var variables: [EdgeConfiguration.EnvironmentVariable] = []
        for (key, value) in pairs {
            guard case .scalar(let name) = key, !name.string.isEmpty,
                  name.string.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }),
                  !(name.string.first?.isNumber ?? true) else {
                issues.add("environment variable names use letters, digits and \"_\" and do not start with a digit; found \(key.kindDescription)",
                           at: key.mark, path)
                continue
            }
            guard case .scalar(let text) = value, !value.isNull else {
                issues.add("expected a text value (quote numbers if needed); found \(value.kindDescription)", at: value.mark, path.key(name.string))
                continue
            }
            variables.append(EdgeConfiguration.EnvironmentVariable(name: name.string, value: text.string))
        }
        return variables
    }

    private func directory(_ node: YAMLNode, _ path: KeyPath) -> String? {
        guard let written = string(node, path, example: "/srv/mcp") else { return nil }
        let resolved = resolvePath(written)
        guard case .directory = LocalFiles.kind(of: resolved) else {
            issues.add("directory \(resolved) does not exist", at: node.mark, path)
            return nil
        }
        return resolved
    }

    private func decodeUpstreamTLS(_ node: YAMLNode, _ path: KeyPath) -> EdgeConfiguration.UpstreamTLS? {
        guard let reader = mapping(node, path, allowed: ["ca", "verify", "server_name", "certificate", "key"]) else { return nil }
        let ca = reader["ca"].flatMap { readableFile($0, path.key("ca"), what: "CA bundle") }
        let verify = reader["verify"].flatMap { boolean($0, path.key("verify")) } ?? true
        let serverName = reader["server_name"].flatMap { string($0, path.key("server_name"), example: "mcp.example.com") }
        let certificate = reader["certificate"].flatMap { readableFile($0, path.key("certificate"), what: "client certificate") }
        let key = reader["key"].flatMap { readableFile($0, path.key("key"), what: "client key") }
        if (reader["certificate"] == nil) != (reader["key"] == nil) {
            issues.add("a client certificate needs both certificate and key", at: node.mark, path)
        }
        return EdgeConfiguration.UpstreamTLS(caFile: ca, verify: verify, serverName: serverName, certificate: certificate, key: key)
    }

    // MARK: Routes

    func decodeRoutes(_ node: YAMLNode, _ path: KeyPath, servers: ServerTable) -> [EdgeConfiguration.Route] {
        guard let items = sequence(node, path, example: "[{path: /mcp, passthrough: demo}]") else { return [] }
        if items.isEmpty {
            issues.add("needs at least one route, e.g. - {path: /mcp, passthrough: demo}", at: node.mark, path)
        }
        var routes: [EdgeConfiguration.Route] = []
        var pathsSeen: [String: (index: Int, line: Int)] = [:]
        for (position, item) in items.enumerated() {
            let itemPath = path.index(position)
            guard let reader = mapping(item, itemPath, allowed: Self.routeKeys) else { continue }
            let routePath = required(reader, "path", example: "/mcp").flatMap { self.decodeRoutePath($0, itemPath.key("path")) }
            if let routePath, let pathNode = reader["path"] {
                if let first = pathsSeen[routePath] {
                    issues.add("duplicate route path \"\(routePath)\"; routes[\(first.index)] (line \(first.line)) already serves it",
                               at: pathNode.mark, itemPath.key("path"))
                } else {
                    pathsSeen[routePath] = (position, pathNode.mark.line)
                }
            }
            let target = decodeTarget(reader, itemPath, servers: servers)
            let options = decodeGatewayOptions(reader, itemPath, target: target, servers: servers)
            let auth = reader["auth"].flatMap { decodeAuth($0, itemPath.key("auth")) }
            let rules = reader["rules"].map { decodeRules($0, itemPath.key("rules")) }
            let rateLimits = reader["rate_limits"].flatMap { decodeRateLimits($0, itemPath.key("rate_limits")) }
            if case .passthrough? = target, let limits = rateLimits, !limits.tools.isEmpty, let node = reader["rate_limits"] {
                issues.add("rate limits per tool need a gateway route (servers: [NAME]); a passthrough route does not read tool names",
                           at: node.mark, itemPath.key("rate_limits").key("tools"))
            }
            if case .passthrough(let name)? = target, servers.servers.first(where: { $0.name == name })?.tokenExchange != nil,
               let node = reader["passthrough"] {
                issues.add("server \(name) trades the client's token (credentials.token_exchange), which needs a gateway route (servers: [\(name)]); a passthrough route writes the request before a token could come back",
                           at: node.mark, itemPath.key("passthrough"))
            }
            if case .passthrough? = target, let rules, let node = reader["rules"] {
                refuseGatewayRules(rules, at: node, itemPath.key("rules"))
            }
            if let routePath, let target, let options {
                routes.append(EdgeConfiguration.Route(path: routePath, target: target, gateway: options, auth: auth, rules: rules,
                                                      rateLimits: rateLimits))
            }
        }
        return routes
    }

    private func decodeRoutePath(_ node: YAMLNode, _ path: KeyPath) -> String? {
        guard let text = string(node, path, example: "/mcp") else { return nil }
        guard text.hasPrefix("/") else {
            issues.add("must start with \"/\", like /\(text)", at: node.mark, path)
            return nil
        }
        guard text.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "?" && $0 != "#" }) else {
            issues.add("must be a plain ASCII path without spaces, \"?\" or \"#\"; got \"\(text)\"", at: node.mark, path)
            return nil
        }
        return text
    }

    private func decodeTarget(_ reader: MappingReader, _ path: KeyPath, servers: ServerTable) -> EdgeConfiguration.Target? {
        switch (reader["passthrough"], reader["servers"]) {
        case (.some, .some):
            issues.add("has both passthrough and servers; use passthrough: NAME for one backend or servers: [A, B] for a gateway",
                       at: reader.node.mark, path)
            return nil
        case (nil, nil):
            if reader.suggested.isDisjoint(with: ["passthrough", "servers"]) {
                issues.add("needs passthrough: NAME (one backend) or servers: [A, B] (a gateway)", at: reader.node.mark, path)
            }
            return nil
        case (let node?, nil):
            guard let name = serverReference(node, path.key("passthrough"), servers: servers) else { return nil }
            return .passthrough(server: name)
        case (nil, let node?):
            guard let items = sequence(node, path.key("servers"), example: "[bench, time]") else { return nil }
            guard !items.isEmpty else {
                issues.add("needs at least one server name, like [bench, time]", at: node.mark, path.key("servers"))
                return nil
            }
            var names: [String] = []
            var valid = true
            for (position, item) in items.enumerated() {
                guard let name = serverReference(item, path.key("servers").index(position), servers: servers) else {
                    valid = false
                    continue
                }
                if names.contains(name) {
                    issues.add("server \"\(name)\" is listed twice", at: item.mark, path.key("servers").index(position))
                    valid = false
                }
                names.append(name)
            }
            return valid ? .gateway(servers: names) : nil
        }
    }

    private func serverReference(_ node: YAMLNode, _ path: KeyPath, servers: ServerTable) -> String? {
        guard let name = string(node, path, example: servers.definedNames.first ?? "demo") else { return nil }
        guard servers.definedNames.contains(name) else {
            var message = "unknown server \"\(name)\""
            if let guess = ValueSyntax.suggestion(for: name, among: servers.definedNames) {
                message += "; did you mean \"\(guess)\"?"
            }
            issues.add(message + "; defined servers: " + Self.listed(servers.definedNames), at: node.mark, path)
            return nil
        }
        return name
    }

    /// The first `limit` names and how many more: a file may define thousands of servers.
    static func listed(_ names: [String], limit: Int = 10) -> String {
        if names.isEmpty { return "(none)" }
        let shown = names.prefix(limit).joined(separator: ", ")
        return names.count > limit ? shown + ", … and \(names.count - limit) more" : shown
    }
}
