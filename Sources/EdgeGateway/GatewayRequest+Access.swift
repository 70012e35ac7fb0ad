import EdgePolicy
import MCPGateway
import MCPWire

/// The route's access rules inside a gateway route: which backends a request may reach, which
/// tools, prompts and resources it may use, and which entries its lists show.
extension GatewayRequest {
    /// Whether the rules let this request's identity use `item` of backend `server` with `method`
    /// (a tool call's arguments read from the scanned body when a rule constrains them).
    func permits(_ server: Int, _ item: AccessItem, method: String) -> Bool {
        guard let access, !access.rules.isEmpty else { return true }
        return access.rules.allows(identity, server: route.backends[server].name, item: item, method: method,
                                   argument: { [unowned self] name in self.argument(named: name) })
    }

    /// `params.arguments[name]` of the request: a string's decoded bytes, another value's JSON text.
    func argument(named name: String) -> [UInt8]? {
        let bytes = body[...]
        guard let params = fields.params, let arguments = JSONSpans.member("arguments", of: params, in: bytes) else { return nil }
        var found: Range<Int>?
        let wanted = Array(name.utf8)
        JSONSpans.forEachMember(of: arguments, in: bytes) { key, value in
            if JSONString.decode(bytes[key]) == wanted { found = value }
        }
        guard let found else { return nil }
        return bytes[found.lowerBound] == UInt8(ascii: "\"") ? JSONString.decode(bytes[found]) : Array(bytes[found])
    }

    /// Whether the identity may reach backend `server` at all (lists fan out only to those).
    func mayReach(_ server: Int) -> Bool {
        guard let access, !access.rules.isEmpty else { return true }
        return access.rules.mayReach(identity, server: route.backends[server].name)
    }

    /// The list filter for the merged lists (nil when the route has no rules).
    var listFilter: Catalog.EntryFilter? {
        guard let access, !access.rules.isEmpty else { return nil }
        let rules = access.rules, identity = self.identity, backends = route.backends
        return { server, kind, name in
            let item: AccessItem, method: String
            switch kind {
            case .tools: item = .tool(name); method = "tools/call"
            case .prompts: item = .prompt(name); method = "prompts/get"
            case .resources, .resourceTemplates: item = .resource(name); method = "resources/read"
            }
            return rules.allows(identity, server: backends[server].name, item: item, method: method)
        }
    }

    /// The JSON-RPC error for a request the rules refuse: -32003, naming what and for whom.
    func respondForbidden(_ what: String) {
        let who = identity.map { "subject \"\($0.subject)\"" } ?? "an anonymous client"
        respondError(code: -32003, message: "Forbidden: \(what) is not allowed for \(who) by this route's rules")
    }
}
