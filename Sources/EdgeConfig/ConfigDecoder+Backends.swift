
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
            if let backend = decodeBackend(value, serverPath) {
                table.servers.append(EdgeConfiguration.Server(name: name, backend: backend))
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

    private func decodeBackend(_ node: YAMLNode, _ path: KeyPath) -> EdgeConfiguration.Backend? {
        guard let reader = mapping(node, path, allowed: ["url", "command"]) else { return nil }
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
            guard let reader = mapping(item, itemPath, allowed: ["path", "passthrough", "servers"]) else { continue }
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
            if let routePath, let target {
                routes.append(EdgeConfiguration.Route(path: routePath, target: target))
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
