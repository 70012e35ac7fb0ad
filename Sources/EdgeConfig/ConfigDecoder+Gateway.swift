/// The keys of a gateway route (names, tool views, identity) and the top-level session keys.
extension ConfigDecoder {
    static let gatewayRouteKeys = ["tool_separator", "max_tool_name_length", "tools", "rename", "descriptions",
                                   "server_info", "instructions"]
    static let routeKeys = ["path", "passthrough", "servers", "auth", "rules", "rate_limits"] + gatewayRouteKeys

    /// Characters of an exposed tool or prompt name (what LLM function names accept).
    static func isNameCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-" || c == ".")
    }

    func decodeGatewayOptions(_ reader: MappingReader, _ path: KeyPath, target: EdgeConfiguration.Target?,
                              servers: ServerTable) -> EdgeConfiguration.GatewayOptions? {
        if case .passthrough = target {
            for key in Self.gatewayRouteKeys where reader.has(key) {
                issues.add("\(key) applies to gateway routes (servers: [...]); a passthrough route streams its backend's bytes untouched",
                           at: reader[key]?.mark, path.key(key))
            }
            return EdgeConfiguration.GatewayOptions()
        }
        let defaults = EdgeConfiguration.GatewayOptions()
        var separator = defaults.toolSeparator
        if let node = reader["tool_separator"], let text = string(node, path.key("tool_separator"), example: "__") {
            if text.allSatisfy(Self.isNameCharacter), text.count <= 8 {
                separator = text
            } else {
                issues.add("must be 1 to 8 characters from A-Z a-z 0-9 _ - . (tool names allow nothing else); got \"\(text)\"",
                           at: node.mark, path.key("tool_separator"))
            }
        }
        if case .gateway(let names) = target, let node = reader["servers"] {
            for name in names where name.contains(separator) {
                issues.add("server name \"\(name)\" contains the tool separator \"\(separator)\", so prefixed names could not be split; rename the server or set tool_separator",
                           at: node.mark, path.key("servers"))
            }
        }
        let maxLength = reader["max_tool_name_length"].flatMap { integer($0, path.key("max_tool_name_length"), range: 16...128) }
            ?? defaults.maxToolNameLength
        var allow: [String] = [], deny: [String] = []
        if let node = reader["tools"], let tools = mapping(node, path.key("tools"), allowed: ["allow", "deny"]) {
            allow = tools["allow"].flatMap { stringList($0, path.key("tools").key("allow"), example: "[\"alpha__*\"]") } ?? []
            deny = tools["deny"].flatMap { stringList($0, path.key("tools").key("deny"), example: "[\"*__delete_*\"]") } ?? []
        }
        let rename = reader["rename"].flatMap { namePairs($0, path.key("rename"), checkTarget: true) } ?? []
        let descriptions = reader["descriptions"].flatMap { namePairs($0, path.key("descriptions"), checkTarget: false) } ?? []
        var serverName: String?, serverVersion: String?
        if let node = reader["server_info"], let info = mapping(node, path.key("server_info"), allowed: ["name", "version"]) {
            serverName = info["name"].flatMap { string($0, path.key("server_info").key("name"), example: "my-gateway") }
            serverVersion = info["version"].flatMap { string($0, path.key("server_info").key("version"), example: "1.0.0") }
        }
        let instructions = reader["instructions"].flatMap { string($0, path.key("instructions"), example: "\"Tools for …\"") }
        return EdgeConfiguration.GatewayOptions(
            toolSeparator: separator, maxToolNameLength: maxLength, allowTools: allow, denyTools: deny,
            rename: rename, descriptions: descriptions, serverName: serverName, serverVersion: serverVersion,
            instructions: instructions)
    }

    /// `{from: to, …}` in file order; with `checkTarget`, each `to` must be a valid exposed name.
    private func namePairs(_ node: YAMLNode, _ path: KeyPath, checkTarget: Bool) -> [EdgeConfiguration.NamePair]? {
        guard case .mapping(let pairs) = node else {
            issues.add("expected a mapping like {alpha__echo: echo}; found \(node.kindDescription)", at: node.mark, path)
            return nil
        }
        var result: [EdgeConfiguration.NamePair] = []
        for (key, value) in pairs {
            guard case .scalar(let from) = key, case .scalar(let to) = value, !value.isNull, !to.string.isEmpty else {
                issues.add("expected name: text; found \(value.kindDescription)", at: value.mark, path)
                continue
            }
            if checkTarget, !to.string.allSatisfy(Self.isNameCharacter) || to.string.count > 128 {
                issues.add("\"\(to.string)\" is not a valid tool name (A-Z a-z 0-9 _ - ., at most 128 characters)",
                           at: value.mark, path.key(from.string))
                continue
            }
            result.append(EdgeConfiguration.NamePair(from: from.string, to: to.string))
        }
        return result
    }

    /// `true`/`false` (also yes/no, on/off).
    func boolean(_ node: YAMLNode, _ path: KeyPath) -> Bool? {
        guard let text = string(node, path, example: "true") else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            issues.add("must be true or false; got \(text)", at: node.mark, path)
            return nil
        }
    }

    /// `session_secret` and `previous_session_secrets`: what gateway session ids and cursors are
    /// sealed with. At least 32 characters each, so that they can't be guessed.
    func decodeSessionSecrets(_ root: MappingReader) -> [String] {
        var secrets: [String] = []
        if let node = root["session_secret"], let text = string(node, .root.key("session_secret"), example: "a long random string") {
            if text.utf8.count >= 32 { secrets.append(text) } else {
                issues.add("must be at least 32 characters (e.g. the output of `openssl rand -hex 32`); got \(text.utf8.count)",
                           at: node.mark, .root.key("session_secret"))
            }
        }
        if let node = root["previous_session_secrets"] {
            if root["session_secret"] == nil {
                issues.add("needs session_secret: previous secrets only open what they sealed before a rotation",
                           at: node.mark, .root.key("previous_session_secrets"))
            }
            let list = stringList(node, .root.key("previous_session_secrets"), example: "[\"the secret used before\"]") ?? []
            secrets.append(contentsOf: list)
        }
        return secrets
    }
}
