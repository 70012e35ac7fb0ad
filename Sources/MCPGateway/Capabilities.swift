import MCPWire

/// What the backends of a gateway route offer, merged into what the route advertises: a
/// capability is on when any backend has it; sub-flags (`listChanged`, `subscribe`) are on when
/// any backend sets them; capabilities mcp-edge does not know pass through (first backend wins).
public struct MergedCapabilities {
    public private(set) var capabilities = JSONObject()
    /// Each backend's `instructions`, with its server name, in route order.
    public private(set) var instructions: [(server: [UInt8], text: [UInt8])] = []

    public init() {}

    public mutating func add(server: [UInt8], capabilities backend: JSONObject, instructions text: [UInt8]?) {
        for (key, value) in backend {
            guard case .object(let flags) = value, case .object(var mine)? = capabilities[key] else {
                if capabilities[key] == nil { capabilities[key] = value }
                continue
            }
            for (flag, on) in flags where on == .bool(true) || mine[flag] == nil {
                mine[flag] = on
            }
            capabilities[key] = .object(mine)
        }
        if let text, !text.isEmpty { instructions.append((server, text)) }
    }

    /// Backend instructions joined under their server names (nil when none gave any).
    public var joinedInstructions: [UInt8]? {
        guard !instructions.isEmpty else { return nil }
        var out: [UInt8] = []
        for (index, entry) in instructions.enumerated() {
            if index > 0 { out.append(contentsOf: "\n\n".utf8) }
            out.append(contentsOf: entry.server)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: entry.text)
        }
        return out
    }
}

/// A gateway route's own identity (`server_info`, `instructions`).
public struct RouteIdentity {
    public let name: [UInt8]
    public let version: [UInt8]
    /// Configured instructions; nil: the backends' own, joined.
    public let instructions: [UInt8]?

    public init(name: String?, version: String?, instructions: String?, servers: [String], edgeVersion: String) {
        self.name = Array((name ?? "mcp-edge gateway (\(servers.joined(separator: ", ")))").utf8)
        self.version = Array((version ?? edgeVersion).utf8)
        self.instructions = instructions.map { Array($0.utf8) }
    }

    var serverInfo: JSONValue {
        var info = JSONObject()
        info["name"] = .string(name)
        info["version"] = .string(version)
        return .object(info)
    }
}

/// Results mcp-edge answers itself on a gateway route.
public enum LocalResults {
    /// The `initialize` result for a legacy client that asked for `requested`.
    public static func initialize(requested: [UInt8]?, merged: MergedCapabilities, identity: RouteIdentity) -> JSONObject {
        var result = JSONObject()
        let version = requested.flatMap { MCPVersion.isLegacy($0) ? $0 : nil } ?? Array(MCPVersion.latestLegacy.utf8)
        result["protocolVersion"] = .string(version)
        // The gateway itself serves logging/setLevel (fanned out to legacy backends, carried in
        // _meta to modern ones), whatever the backends advertise.
        var capabilities = merged.capabilities
        if capabilities["logging"] == nil { capabilities["logging"] = .object(JSONObject()) }
        result["capabilities"] = .object(capabilities)
        result["serverInfo"] = identity.serverInfo
        if let text = identity.instructions ?? merged.joinedInstructions { result["instructions"] = .string(text) }
        return result
    }

    /// The `server/discover` result for a modern client.
    public static func discover(merged: MergedCapabilities, identity: RouteIdentity) -> JSONObject {
        var result = JSONObject()
        result["resultType"] = "complete"
        result["supportedVersions"] = .array(MCPVersion.all.map { .string(Array($0.utf8)) })
        result["capabilities"] = .object(merged.capabilities)
        if let text = identity.instructions ?? merged.joinedInstructions { result["instructions"] = .string(text) }
        var meta = JSONObject()
        meta["io.modelcontextprotocol/serverInfo"] = identity.serverInfo
        result["_meta"] = .object(meta)
        // What the backends offer can change as they come and go: never cached.
        result["ttlMs"] = 0
        result["cacheScope"] = "private"
        return result
    }
}

/// Whole JSON-RPC messages built by the gateway.
public enum GatewayMessage {
    /// `{"jsonrpc":"2.0","id":<id>,"result":<result>}`; `id` is the client's token, byte for byte.
    public static func result(id: ArraySlice<UInt8>, _ result: JSONObject) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.append(contentsOf: #"{"jsonrpc":"2.0","id":"#.utf8)
        out.append(contentsOf: id)
        out.append(contentsOf: #","result":"#.utf8)
        JSONValue.object(result).write(into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// A JSON-RPC error with optional `data`; `id` nil writes `null`.
    public static func error(id: ArraySlice<UInt8>?, code: Int, message: String, data: JSONValue? = nil) -> [UInt8] {
        var error = JSONObject()
        error["code"] = .number(Array(String(code).utf8))
        error["message"] = .string(Array(message.utf8))
        if let data { error["data"] = data }
        var out: [UInt8] = []
        out.append(contentsOf: #"{"jsonrpc":"2.0","id":"#.utf8)
        if let id { out.append(contentsOf: id) } else { out.append(contentsOf: "null".utf8) }
        out.append(contentsOf: #","error":"#.utf8)
        JSONValue.object(error).write(into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}
