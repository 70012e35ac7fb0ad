import MCPGateway

/// One rule: whom it is about (subjects, tenants, groups, scopes) and what (servers, tools,
/// prompts, resources, methods). A list left out matches anything; names are globs (`*`, `?`).
public struct AccessRule: Sendable, Hashable {
    public enum Effect: String, Sendable, Hashable {
        case allow, deny
    }

    public let effect: Effect
    public let subjects: [String]?
    public let tenants: [String]?
    /// Matches when the identity is in any of these groups.
    public let groups: [String]?
    /// Matches when the identity holds any of these scopes.
    public let scopes: [String]?
    public let servers: [String]?
    /// Item names as the backend knows them (`echo`, not `alpha__echo`). A rule that lists any of
    /// tools, prompts or resources applies to those kinds of item only; one that lists none
    /// applies to every item of its servers.
    public let tools: [String]?
    public let prompts: [String]?
    /// Globs over resource URIs.
    public let resources: [String]?
    /// JSON-RPC methods (`tools/call`, `resources/read`, …).
    public let methods: [String]?
    /// Tool call arguments: each named argument must be present and match one of its globs (a
    /// string's decoded text, any other value's JSON text). A rule with arguments is about tool
    /// calls only.
    public let arguments: [ArgumentConstraint]?

    /// One argument and the globs its value must match one of.
    public struct ArgumentConstraint: Sendable, Hashable {
        public let name: String
        public let globs: [String]
        let patterns: [[UInt8]]

        public init(name: String, globs: [String]) {
            self.name = name
            self.globs = globs
            patterns = globs.map { Array($0.utf8) }
        }
    }
    /// The globs as bytes, made once (rules are checked on every request).
    private let patterns: Patterns

    private struct Patterns: Sendable, Hashable {
        var subjects, tenants, servers, tools, prompts, resources: [[UInt8]]?

    }

    public init(effect: Effect, subjects: [String]? = nil, tenants: [String]? = nil, groups: [String]? = nil,
                scopes: [String]? = nil, servers: [String]? = nil, tools: [String]? = nil, prompts: [String]? = nil,
                resources: [String]? = nil, methods: [String]? = nil, arguments: [ArgumentConstraint]? = nil) {
        self.arguments = arguments
        self.effect = effect
        self.subjects = subjects
        self.tenants = tenants
        self.groups = groups
        self.scopes = scopes
        self.servers = servers
        self.tools = tools
        self.prompts = prompts
        self.resources = resources
        self.methods = methods
        func bytes(_ list: [String]?) -> [[UInt8]]? { list?.map { Array($0.utf8) } }
        patterns = Patterns(subjects: bytes(subjects), tenants: bytes(tenants), servers: bytes(servers),
                            tools: bytes(tools), prompts: bytes(prompts), resources: bytes(resources))
    }

    /// Whether the rule decides on items (tools, prompts, resources) or methods, which only a
    /// gateway route sees; a passthrough route streams bytes it does not read.
    public var needsGateway: Bool { tools != nil || prompts != nil || resources != nil || methods != nil || arguments != nil }

    func isAbout(_ identity: Identity?) -> Bool {
        guard let identity else {
            // An unauthenticated request matches only rules that name nobody in particular.
            return subjects == nil && tenants == nil && groups == nil && scopes == nil
        }
        if let subjects = patterns.subjects, !subjects.contains(where: { Glob.matches($0, identity.subject.utf8) }) { return false }
        if let tenants = patterns.tenants {
            guard let tenant = identity.tenant, tenants.contains(where: { Glob.matches($0, tenant.utf8) }) else { return false }
        }
        if let groups, !groups.contains(where: identity.groups.contains) { return false }
        if let scopes, !scopes.contains(where: identity.scopes.contains) { return false }
        return true
    }

    /// Whether every constrained argument is present and matches one of its globs.
    func argumentsMatch(_ argument: (String) -> [UInt8]?) -> Bool {
        guard let constraints = arguments else { return true }
        for constraint in constraints {
            guard let value = argument(constraint.name), constraint.patterns.contains(where: { Glob.matches($0, value) }) else {
                return false
            }
        }
        return true
    }

    func covers(server: String) -> Bool {
        patterns.servers.map { $0.contains { Glob.matches($0, server.utf8) } } ?? true
    }

    func covers(_ item: AccessItem, method: String?) -> Bool {
        if let methods {
            guard let method, methods.contains(method) else { return false }
        }
        let namesKinds = tools != nil || prompts != nil || resources != nil || arguments != nil
        func matches(_ globs: [[UInt8]]?, _ name: [UInt8]) -> Bool {
            guard let globs else { return false }
            return globs.contains { Glob.matches($0, name) }
        }
        switch item {
        case .none: return true
        case .tool(let name): return !namesKinds || (tools == nil && arguments != nil) || matches(patterns.tools, name)
        case .prompt(let name): return !namesKinds || matches(patterns.prompts, name)
        case .resource(let uri): return !namesKinds || matches(patterns.resources, uri)
        }
    }
}

/// What a request is about, below the server: nothing in particular (initialize, lists, ping),
/// or one tool, prompt or resource (bytes as the backend names them).
public enum AccessItem: Sendable {
    case none
    case tool([UInt8])
    case prompt([UInt8])
    case resource([UInt8])
}

/// A route's rules in order: the first rule about the identity and the request decides; when
/// rules exist and none matches, the answer is no. No rules: everything is allowed.
public struct AccessRules: Sendable, Hashable {
    public let rules: [AccessRule]

    public init(_ rules: [AccessRule]) {
        self.rules = rules
    }

    public var isEmpty: Bool { rules.isEmpty }

    /// Whether `identity` may make a request to `server` about `item` with `method`.
    /// `argument` looks up a tool call's argument by name (decoded string bytes, or the JSON
    /// text of another value); nil when the arguments are unknown (deciding what a list shows):
    /// then an allow rule with argument constraints counts as allowing, a deny one as silent.
    public func allows(_ identity: Identity?, server: String, item: AccessItem = .none, method: String? = nil,
                       argument: ((String) -> [UInt8]?)? = nil) -> Bool {
        if rules.isEmpty { return true }
        for rule in rules where rule.isAbout(identity) && rule.covers(server: server) && rule.covers(item, method: method) {
            if rule.arguments != nil {
                guard let argument else {
                    if rule.effect == .allow { return true }
                    continue
                }
                guard rule.argumentsMatch(argument) else { continue }
            }
            return rule.effect == .allow
        }
        return false
    }

    /// Whether `identity` may reach `server` at all: some allow rule about it and the server
    /// comes before any deny that shuts it out whatever the item or method. The admission check
    /// of every request (a route with no reachable server answers 403).
    public func mayReach(_ identity: Identity?, server: String) -> Bool {
        if rules.isEmpty { return true }
        for rule in rules where rule.isAbout(identity) && rule.covers(server: server) {
            if rule.effect == .allow { return true }
            if !rule.needsGateway { return false }
        }
        return false
    }
}
