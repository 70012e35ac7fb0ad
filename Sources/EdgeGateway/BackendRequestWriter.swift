import EdgeIO
import MCPGateway
import MCPWire

/// Serialises the gateway's HTTP/1.1 requests to a backend: `POST` of one JSON-RPC message
/// with the headers of the backend's era (its session and negotiated version for a legacy
/// backend; version and routing headers for a modern one), or a `DELETE` ending a session.
enum BackendRequestWriter {
    static func post(target: UpstreamTarget, use: BackendSessionUse?, method: ArraySlice<UInt8>?, name: [UInt8]?,
                     body: [UInt8], issued: [UInt8]? = nil, into buffer: inout ByteBuffer) {
        post(target: target, use: use, method: method, name: name, bodyLength: body.count, issued: issued, into: &buffer) {
            $0.write(contentsOf: body)
        }
    }

    /// `post` of a body of `bodyLength` bytes that `writeBody` writes.
    static func post(target: UpstreamTarget, use: BackendSessionUse?, method: ArraySlice<UInt8>?, name: [UInt8]?,
                     bodyLength: Int, issued: [UInt8]? = nil, into buffer: inout ByteBuffer,
                     writeBody: (inout ByteBuffer) -> Void) {
        buffer.write("POST ")
        buffer.write(contentsOf: target.path)
        buffer.write(" HTTP/1.1\r\nhost: ")
        buffer.write(contentsOf: target.hostHeader)
        writeCredentials(target, issued: issued, into: &buffer)
        buffer.write("\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ncontent-length: ")
        buffer.write(decimal: bodyLength)
        if let use {
            if let session = use.sessionID {
                buffer.write("\r\nmcp-session-id: ")
                buffer.write(contentsOf: session)
            }
            buffer.write("\r\nmcp-protocol-version: ")
            buffer.write(contentsOf: use.version)
            if use.isModern, let method {
                buffer.write("\r\nmcp-method: ")
                if MCPHeaderValue.isHeaderSafe(method) {
                    buffer.write(contentsOf: method)
                } else {
                    buffer.write(contentsOf: MCPHeaderValue.encode(Array(method)))
                }
                if let name {
                    buffer.write("\r\nmcp-name: ")
                    buffer.write(contentsOf: MCPHeaderValue.encode(name))
                }
            }
        }
        buffer.write("\r\n\r\n")
        writeBody(&buffer)
    }

    /// The GET that opens a legacy backend session's stream of server-initiated messages.
    static func get(target: UpstreamTarget, use: BackendSessionUse, issued: [UInt8]? = nil, into buffer: inout ByteBuffer) {
        sessionRequest("GET ", "\r\naccept: text/event-stream", target: target, use: use, issued: issued, into: &buffer)
    }

    /// The DELETE that ends a legacy backend session.
    static func delete(target: UpstreamTarget, use: BackendSessionUse, issued: [UInt8]? = nil, into buffer: inout ByteBuffer) {
        sessionRequest("DELETE ", "\r\ncontent-length: 0", target: target, use: use, issued: issued, into: &buffer)
    }

    /// A bodiless request on a legacy backend session: `method`, then `fields` (each starting
    /// with CRLF), then the session and version headers.
    private static func sessionRequest(_ method: StaticString, _ fields: StaticString, target: UpstreamTarget,
                                       use: BackendSessionUse, issued: [UInt8]?, into buffer: inout ByteBuffer) {
        buffer.write(method)
        buffer.write(contentsOf: target.path)
        buffer.write(" HTTP/1.1\r\nhost: ")
        buffer.write(contentsOf: target.hostHeader)
        writeCredentials(target, issued: issued, into: &buffer)
        buffer.write(fields)
        buffer.write("\r\nmcp-session-id: ")
        buffer.write(contentsOf: use.sessionID ?? [])
        buffer.write("\r\nmcp-protocol-version: ")
        buffer.write(contentsOf: use.version)
        buffer.write("\r\n\r\n")
    }

    /// The backend's own credential fields, each as `\r\nname: value`, then the token this
    /// worker holds for it (`Authorization`, from its OAuth client credentials), if any.
    @inline(__always)
    private static func writeCredentials(_ target: UpstreamTarget, issued: [UInt8]?, into buffer: inout ByteBuffer) {
        for field in target.credentials {
            buffer.write("\r\n")
            buffer.write(contentsOf: field.name)
            buffer.write(": ")
            buffer.write(contentsOf: field.value)
        }
        if let issued {
            buffer.write("\r\nauthorization: ")
            buffer.write(contentsOf: issued)
        }
    }

    /// A request of the gateway's own (`initialize`, `tools/list`, `server/discover`, …):
    /// `params` gets the modern era's `_meta` when the backend is modern.
    static func message(id: Int?, method: String, params: JSONObject, modernMeta: JSONObject?) -> [UInt8] {
        var params = params
        if let modernMeta {
            var meta: JSONObject
            if case .object(let existing)? = params["_meta"] { meta = existing } else { meta = JSONObject() }
            for (key, value) in modernMeta { meta[key] = value }
            params["_meta"] = .object(meta)
        }
        var message = JSONObject()
        message["jsonrpc"] = "2.0"
        if let id { message["id"] = .number(Array(String(id).utf8)) }
        message["method"] = .string(Array(method.utf8))
        if !params.isEmpty { message["params"] = .object(params) }
        var out: [UInt8] = []
        JSONValue.object(message).write(into: &out)
        return out
    }
}
