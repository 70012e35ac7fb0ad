/// Where the fields a gateway routes on sit in one JSON-RPC message: byte ranges into the
/// slice given to `MessageScanner.scan` (absolute indices of that slice), each covering one
/// whole JSON value without surrounding whitespace. Filled by the scanner; read by the
/// gateway, which compares (`JSONString.equals`) and splices (`SpliceEdits`) on them.
///
/// A nil range means the key is absent, or its parent is absent or not an object.
public struct MessageFields: Equatable {
    /// Top-level `"id"` value (a string with its quotes, a number, or `null`).
    public var id: Range<Int>?
    /// Top-level `"method"` value (a string token).
    public var method: Range<Int>?
    /// Top-level `"jsonrpc"` value (`"2.0"`).
    public var jsonrpc: Range<Int>?
    /// Top-level `"params"` value (an object or an array).
    public var params: Range<Int>?
    /// Top-level `"result"` value.
    public var result: Range<Int>?
    /// Top-level `"error"` value.
    public var error: Range<Int>?
    /// `params.name` (tools/call, prompts/get).
    public var name: Range<Int>?
    /// `params.uri` (resources/read, subscriptions).
    public var uri: Range<Int>?
    /// `params.cursor` (list requests).
    public var cursor: Range<Int>?
    /// `params.requestId` (notifications/cancelled).
    public var requestID: Range<Int>?
    /// `params.progressToken` when the method is `notifications/progress`, otherwise
    /// `params._meta.progressToken` (the token a request asks progress for).
    public var progressToken: Range<Int>?
    /// `params._meta` value.
    public var meta: Range<Int>?
    /// `params._meta["io.modelcontextprotocol/protocolVersion"]`.
    public var protocolVersion: Range<Int>?
    /// `params._meta["io.modelcontextprotocol/clientCapabilities"]`.
    public var clientCapabilities: Range<Int>?
    /// `params._meta["io.modelcontextprotocol/clientInfo"]`.
    public var clientInfo: Range<Int>?
    /// `params._meta["io.modelcontextprotocol/logLevel"]`.
    public var logLevel: Range<Int>?
    /// `params.inputResponses` (a retried request after an input-required result).
    public var inputResponses: Range<Int>?
    /// `params.requestState` (likewise).
    public var requestState: Range<Int>?
    /// What the message is; `.invalid` only before a successful scan.
    public var kind: MessageKind

    /// No field found yet, kind `.invalid`.
    public init() {
        kind = .invalid
    }
}

/// The four shapes of a JSON-RPC 2.0 message the scanner tells apart.
public enum MessageKind: Equatable, Sendable {
    /// `method` and `id`.
    case request
    /// `method` without `id`.
    case notification
    /// `result` or `error`, with `id`.
    case response
    /// Not a message (only in a `MessageFields` no scan has filled).
    case invalid
}

/// Why `MessageScanner.scan` refused a message; each maps to the JSON-RPC error to answer.
public enum ScanFailure: Error, Equatable, Sendable {
    /// Not exactly one well-formed JSON value: -32700.
    case parseError
    /// Well-formed JSON but not a JSON-RPC 2.0 message (top level not an object, `jsonrpc` not
    /// `"2.0"`, a bad `id`, `method` not a string, `params` not an object or array, both
    /// `result` and `error`, neither `method` nor `result`/`error`, `method` beside
    /// `result`/`error`, or a tracked key given twice in one object): -32600.
    case invalidRequest
    /// Nested deeper than `maxDepth` (answer -32600 too; the rest of the input was not read).
    case tooDeep

    /// The JSON-RPC error code to answer with.
    public var code: Int {
        switch self {
        case .parseError: return -32700
        case .invalidRequest, .tooDeep: return -32600
        }
    }
}

/// The type of one JSON value, read from its first byte (see `MessageScanner.kind(of:in:)`).
public enum JSONKind: Equatable, Sendable {
    case string, number, object, array, bool, null
}
