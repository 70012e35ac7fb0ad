import MCPWire

/// The lists a gateway route merges, and the method that lists each.
public enum ListKind: UInt8, CaseIterable {
    case tools = 1, prompts, resources, resourceTemplates

    /// The JSON-RPC method (`tools/list`).
    public var method: String {
        switch self {
        case .tools: return "tools/list"
        case .prompts: return "prompts/list"
        case .resources: return "resources/list"
        case .resourceTemplates: return "resources/templates/list"
        }
    }

    /// The result's array key (`tools`).
    public var key: String {
        switch self {
        case .tools: return "tools"
        case .prompts: return "prompts"
        case .resources: return "resources"
        case .resourceTemplates: return "resourceTemplates"
        }
    }

    /// The server capability that offers this list.
    public var capability: String {
        switch self {
        case .tools: return "tools"
        case .prompts: return "prompts"
        case .resources, .resourceTemplates: return "resources"
        }
    }

    public init?<C: Collection>(method: C) where C.Element == UInt8 {
        guard let kind = ListKind.allCases.first(where: { $0.method.utf8.elementsEqual(method) }) else { return nil }
        self = kind
    }
}

/// One worker's view of a gateway route's merged lists: it merges backend pages into the page
/// a client sees, and remembers what it needs to route requests back: names that cannot be
/// split (shortened or sanitised), which backend listed which resource URI, and templates.
///
/// Routing rule for `resources/read` (and subscribe): a URI some backend listed goes to the
/// first backend (route order) that listed it; otherwise the backend whose URI template has the
/// longest literal prefix (the part before the first `{`) matching the URI; otherwise the
/// request is refused (-32002 legacy, -32602 modern) — mcp-edge never guesses. The maps fill as
/// lists pass through; a miss makes the gateway re-list once before refusing.
public final class Catalog {
    /// Server names in route order; indices below refer to this array.
    public let servers: [[UInt8]]
    public let codec: NameCodec
    public let view: ToolView
    private var toolNames: [[UInt8]: (server: Int, name: [UInt8])] = [:]
    private var promptNames: [[UInt8]: (server: Int, name: [UInt8])] = [:]
    private var resourceURIs: [[UInt8]: Int] = [:]
    private var templates: [(prefix: [UInt8], server: Int)] = []
    /// The lists merged on this worker at least once: until then a name that cannot be split
    /// back (shortened, sanitised) may be unknown here though another worker listed it.
    public private(set) var listed: Set<ListKind> = []
    /// Bound on each map: a backend listing millions of entries cannot grow a worker without end.
    public static let maxEntries = 100_000

    public init(servers: [String], codec: NameCodec, view: ToolView) {
        self.servers = servers.map { Array($0.utf8) }
        self.codec = codec
        self.view = view
    }

    public func serverIndex<C: Collection>(_ name: C) -> Int? where C.Element == UInt8 {
        servers.firstIndex { $0.elementsEqual(name) }
    }

    // MARK: Resolving names a client sent

    /// Where a tool or prompt name a client sent leads.
    public enum Resolution: Equatable {
        case backend(server: Int, name: [UInt8])
        /// The name follows the pattern but names no server of this route.
        case unknownServer([UInt8])
        /// Hidden by the route's view, or not a name this route exposes.
        case unknown
    }

    public func resolveTool(_ shown: [UInt8]) -> Resolution { resolve(shown, names: toolNames, filtered: true) }

    public func resolvePrompt(_ shown: [UInt8]) -> Resolution { resolve(shown, names: promptNames, filtered: false) }

    private func resolve(_ shown: [UInt8], names: [[UInt8]: (server: Int, name: [UInt8])], filtered: Bool) -> Resolution {
        guard let exposed = filtered ? view.exposed(from: shown) : shown else { return .unknown }
        if filtered, !view.isVisible(exposed) { return .unknown }
        if let known = names[exposed] { return .backend(server: known.server, name: known.name) }
        // The longest server name of the route that, with the separator, starts the name: a
        // server may end in a separator character (`demo_` + `__` + `echo`).
        var match: (server: Int, length: Int)?
        for (index, server) in servers.enumerated() where exposed.count > server.count + codec.separator.count {
            guard exposed.starts(with: server), exposed[server.count...].starts(with: codec.separator) else { continue }
            if match == nil || server.count > match!.length { match = (index, server.count) }
        }
        guard let match else {
            guard let parts = codec.split(exposed[...]) else { return .unknown }
            return .unknownServer(Array(parts.server))
        }
        let name = exposed[(match.length + codec.separator.count)...]
        guard name.allSatisfy(NameCodec.isNameByte), exposed.count <= codec.maxLength else { return .unknown }
        return .backend(server: match.server, name: Array(name))
    }

    /// The backend for a resource URI (see the rule above), or nil.
    public func resolveResource<C: Collection>(_ uri: C) -> Int? where C.Element == UInt8 {
        let key = Array(uri)
        if let server = resourceURIs[key] { return server }
        var best: (length: Int, server: Int)?
        for template in templates where key.starts(with: template.prefix) {
            if best == nil || template.prefix.count > best!.length { best = (template.prefix.count, template.server) }
        }
        return best?.server
    }

    // MARK: Merging

    /// One backend's answer to a list request.
    public struct Page {
        public let server: Int
        public let result: JSONObject

        public init(server: Int, result: JSONObject) {
            self.server = server
            self.result = result
        }
    }

    /// Whether one entry may be shown to the client: (server index, its kind, the entry's
    /// name, URI or URI template as the backend wrote it). The access rules of the caller.
    public typealias EntryFilter = (_ server: Int, _ kind: ListKind, _ name: [UInt8]) -> Bool

    /// Merges backend pages (in route order) into one result object: entries renamed for the
    /// client, hidden ones (by the route's view or by `filter`) left out. `nextCursor` and
    /// `_meta` are the caller's to add.
    public func merge(_ kind: ListKind, pages: [Page], filter: EntryFilter? = nil) -> JSONObject {
        listed.insert(kind)
        var entries: [JSONValue] = []
        for page in pages.sorted(by: { $0.server < $1.server }) {
            guard case .array(let items)? = page.result[kind.key] else { continue }
            for item in items {
                guard case .object(var entry) = item else { continue }
                switch kind {
                case .tools, .prompts:
                    guard case .string(let name)? = entry["name"] else { continue }
                    let (exposed, plain) = codec.expose(server: servers[page.server], name: name)
                    if kind == .tools {
                        guard view.isVisible(exposed) else { continue }
                        if !plain { remember(&toolNames, exposed, page.server, name) }
                        if let filter, !filter(page.server, kind, name) { continue }
                        entry["name"] = .string(view.shown(exposed))
                        if let text = view.descriptions[exposed] { entry["description"] = .string(text) }
                    } else {
                        if !plain { remember(&promptNames, exposed, page.server, name) }
                        if let filter, !filter(page.server, kind, name) { continue }
                        entry["name"] = .string(exposed)
                    }
                case .resources:
                    if case .string(let uri)? = entry["uri"], resourceURIs.count < Self.maxEntries,
                       resourceURIs[uri] == nil || resourceURIs[uri]! > page.server {
                        resourceURIs[uri] = page.server
                    }
                    if let filter, !filter(page.server, kind, entry["uri"]?.stringBytes ?? []) { continue }
                case .resourceTemplates:
                    if case .string(let template)? = entry["uriTemplate"] {
                        let prefix = Array(template.prefix { $0 != UInt8(ascii: "{") })
                        if !templates.contains(where: { $0.prefix == prefix && $0.server == page.server }),
                           templates.count < Self.maxEntries, !prefix.isEmpty {
                            templates.append((prefix, page.server))
                        }
                    }
                    if let filter, !filter(page.server, kind, entry["uriTemplate"]?.stringBytes ?? []) { continue }
                }
                entries.append(.object(entry))
            }
        }
        var merged = JSONObject()
        merged[kind.key] = .array(entries)
        return merged
    }

    /// One backend's answer to a list request as bytes: its whole message, and the range of
    /// the `result` object in it (from `MessageScanner`).
    public struct RawPage {
        public let server: Int
        public let message: [UInt8]
        public let result: Range<Int>

        public init(server: Int, message: [UInt8], result: Range<Int>) {
            self.server = server
            self.message = message
            self.result = result
        }
    }

    /// `merge` at the byte level: appends the merged entries array (`[…]`) to `out`. Each
    /// entry is copied as the backend wrote it, with only its `name` (and an overridden
    /// `description`) spliced; the maps are filled as `merge` fills them. Returns false, with
    /// `out` as it was, when a page holds what only `merge` handles (an entry with a duplicated
    /// `name` or `description`, or bytes `JSONSpans` cannot walk): merge parsed pages then.
    public func mergeRaw(_ kind: ListKind, pages: [RawPage], into out: inout [UInt8], filter: EntryFilter? = nil) -> Bool {
        let start = out.count
        out.append(UInt8(ascii: "["))
        var first = true
        var token: [UInt8] = []
        var description: [UInt8] = []
        for page in pages.sorted(by: { $0.server < $1.server }) {
            let bytes = page.message[...]
            let walked: Bool
            // Each entry with the members this merge reads: one pass over the page.
            func entries(_ key: StaticString, _ a: StaticString, _ b: StaticString?,
                         _ body: (Range<Int>, Range<Int>?, Range<Int>?) -> Void) -> Bool {
                JSONSpans.forEachListEntry(key, of: page.result, in: bytes, fields: a, b) { entry, first, second in
                    guard bytes[entry.lowerBound] == UInt8(ascii: "{") else { return }  // not an object: left out
                    body(entry, first, second)
                }
            }
            func copy(_ entry: Range<Int>, _ edits: SpliceEdits) {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                edits.apply(to: bytes[entry]) { out.append(contentsOf: $0) }
            }
            switch kind {
            case .tools, .prompts:
                walked = entries(kind == .tools ? "tools" : "prompts", "name", "description") { entry, name, described in
                    guard let name, bytes[name.lowerBound] == UInt8(ascii: "\""),
                          let decoded = JSONString.decode(bytes[name]) else { return }
                    var edits = SpliceEdits()
                    let (exposed, plain) = codec.expose(server: servers[page.server], name: decoded)
                    token.removeAll(keepingCapacity: true)
                    if kind == .tools {
                        guard view.isVisible(exposed) else { return }
                        if !plain { remember(&toolNames, exposed, page.server, decoded) }
                        if let filter, !filter(page.server, kind, decoded) { return }
                        JSONString.write(view.shown(exposed), into: &token)
                        edits.add(name, token[...])
                        if let text = view.descriptions[exposed] {
                            description.removeAll(keepingCapacity: true)
                            if let described {
                                JSONString.write(text, into: &description)
                                edits.add(described, description[...])
                            } else {
                                description.append(contentsOf: #","description":"#.utf8)
                                JSONString.write(text, into: &description)
                                let end = entry.upperBound - 1  // the closing brace
                                edits.add(end..<end, description[...])
                            }
                        }
                    } else {
                        if !plain { remember(&promptNames, exposed, page.server, decoded) }
                        if let filter, !filter(page.server, kind, decoded) { return }
                        JSONString.write(exposed, into: &token)
                        edits.add(name, token[...])
                    }
                    copy(entry, edits)
                }
            case .resources:
                walked = entries("resources", "uri", nil) { entry, range, _ in
                    let uri = range.flatMap { bytes[$0.lowerBound] == UInt8(ascii: "\"") ? JSONString.decode(bytes[$0]) : nil }
                    if let uri, resourceURIs.count < Self.maxEntries, resourceURIs[uri] == nil || resourceURIs[uri]! > page.server {
                        resourceURIs[uri] = page.server
                    }
                    if let filter, !filter(page.server, kind, uri ?? []) { return }
                    copy(entry, SpliceEdits())
                }
            case .resourceTemplates:
                walked = entries("resourceTemplates", "uriTemplate", nil) { entry, range, _ in
                    let template = range.flatMap { bytes[$0.lowerBound] == UInt8(ascii: "\"") ? JSONString.decode(bytes[$0]) : nil }
                    if let template {
                        let prefix = Array(template.prefix { $0 != UInt8(ascii: "{") })
                        if !templates.contains(where: { $0.prefix == prefix && $0.server == page.server }),
                           templates.count < Self.maxEntries, !prefix.isEmpty {
                            templates.append((prefix, page.server))
                        }
                    }
                    if let filter, !filter(page.server, kind, template ?? []) { return }
                    copy(entry, SpliceEdits())
                }
            }
            guard walked else {
                out.removeSubrange(start...)
                return false
            }
        }
        out.append(UInt8(ascii: "]"))
        return true
    }

    private func remember(_ map: inout [[UInt8]: (server: Int, name: [UInt8])], _ exposed: [UInt8], _ server: Int, _ name: [UInt8]) {
        guard map.count < Self.maxEntries || map[exposed] != nil else { return }
        map[exposed] = (server, name)
    }
}
