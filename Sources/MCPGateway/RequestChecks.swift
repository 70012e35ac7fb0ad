import MCPWire

/// Why mcp-edge refuses a client request before any backend sees it: the HTTP status, the
/// JSON-RPC error code and message, and optional `data`.
public struct RequestProblem: Error, Equatable {
    public let status: Int
    public let code: Int
    public let message: String
    public let data: JSONValue?

    public init(status: Int, code: Int, message: String, data: JSONValue? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.data = data
    }

    /// 400 + -32022 with the versions mcp-edge speaks (modern clients read this body to fall back).
    public static func unsupportedVersion(_ requested: [UInt8]) -> RequestProblem {
        var data = JSONObject()
        data["supported"] = .array(MCPVersion.all.map { .string(Array($0.utf8)) })
        data["requested"] = .string(requested)
        return RequestProblem(status: 400, code: -32022, message: "Unsupported protocol version", data: .object(data))
    }
}

/// JSON-RPC error codes of mcp-edge's own (the range -32000..-32019 is left to
/// implementations); docs/gateway.md lists them.
public enum GatewayCode {
    public static let backendUnavailable = -32010
    public static let backendTimeout = -32011
    public static let backendProtocolError = -32012
    public static let backendResponseTooLarge = -32013
    public static let backendSessionLost = -32014
}

/// The checks the 2026-07-28 spec asks of a server that reads the body of a modern request:
/// `_meta` carries the version (equal to the header) and the client's capabilities, and the
/// routing headers mirror the body (`Mcp-Method` = `method`; `Mcp-Name` = `params.name` for
/// `tools/call` and `prompts/get`, `params.uri` for `resources/read`).
public enum ModernRequestCheck {
    public static func check(_ bytes: ArraySlice<UInt8>, _ fields: MessageFields, headerVersion: [UInt8],
                             methodHeader: ArraySlice<UInt8>?, nameHeader: ArraySlice<UInt8>?) -> RequestProblem? {
        guard let methodRange = fields.method else { return nil }
        let method = bytes[methodRange]
        if fields.kind == .request {
            guard let version = fields.protocolVersion, JSONString.equals(bytes[version], headerVersion) else {
                return RequestProblem(status: 400, code: -32602,
                                      message: "params._meta[\"io.modelcontextprotocol/protocolVersion\"] must be present and equal the MCP-Protocol-Version header")
            }
            guard let capabilities = fields.clientCapabilities,
                  MessageScanner.kind(of: capabilities, in: bytes) == .object else {
                return RequestProblem(status: 400, code: -32602,
                                      message: "params._meta[\"io.modelcontextprotocol/clientCapabilities\"] must be present (an object)")
            }
        }
        guard let methodHeader else {
            return RequestProblem(status: 400, code: -32020, message: "Mcp-Method header is missing")
        }
        guard let decodedMethod = MCPHeaderValue.decode(methodHeader) else {
            return RequestProblem(status: 400, code: -32020, message: "Mcp-Method header is not valid =?base64?…?= text")
        }
        guard JSONString.equals(method, decodedMethod) else {
            return RequestProblem(status: 400, code: -32020, message: "Mcp-Method header does not match the body's method")
        }
        let nameField: Range<Int>?
        if JSONString.equals(method, Array("tools/call".utf8)) || JSONString.equals(method, Array("prompts/get".utf8)) {
            nameField = fields.name
        } else if JSONString.equals(method, Array("resources/read".utf8)) {
            nameField = fields.uri
        } else {
            return nil
        }
        guard let nameField, MessageScanner.kind(of: nameField, in: bytes) == .string else { return nil }  // the backend reports missing params
        guard let nameHeader else {
            return RequestProblem(status: 400, code: -32020, message: "Mcp-Name header is missing")
        }
        guard let decodedName = MCPHeaderValue.decode(nameHeader) else {
            return RequestProblem(status: 400, code: -32020, message: "Mcp-Name header is not valid =?base64?…?= text")
        }
        guard JSONString.equals(bytes[nameField], decodedName) else {
            return RequestProblem(status: 400, code: -32020, message: "Mcp-Name header does not match the body")
        }
        return nil
    }
}
