/// The state of one `MessageScanner.scan`: the nesting loop, and the bookkeeping for the
/// three levels where tracked keys live (the top object, `params`, `params._meta`).
struct MessageWalk {
    let lexer: JSONLexer
    /// The index of the scanned slice's first byte: recorded ranges are shifted by it.
    let origin: Int
    private var fields = MessageFields()
    /// Tracked keys seen so far, one bit per `TrackedKey` raw value.
    private var seen: UInt32 = 0
    private var duplicate = false
    private var topIsObject = false
    /// The tracked key whose value is being read at levels 1, 2, 3, and where that value began.
    private var key1 = TrackedKey.none, key2 = TrackedKey.none, key3 = TrackedKey.none
    private var start1 = 0, start2 = 0, start3 = 0
    /// What the open objects at levels 2 and 3 are (level 1 is the top object).
    private var context2 = TrackedKey.Context.untracked, context3 = TrackedKey.Context.untracked
    private var paramsProgressToken: Range<Int>?
    private var metaProgressToken: Range<Int>?

    init(lexer: JSONLexer, origin: Int) {
        self.lexer = lexer
        self.origin = origin
    }

    mutating func run(maxDepth: Int) -> Result<MessageFields, ScanFailure> {
        let n = lexer.count
        var stack = ContainerStack()
        var depth = 0
        var i = lexer.skipWhitespace(0)
        topIsObject = i < n && lexer[i] == 0x7B
        nextValue: while true {
            // A value starts at i (whitespace already skipped).
            guard i < n else { return .failure(.parseError) }
            switch lexer[i] {
            case 0x22:
                var escaped = false
                i = lexer.skipString(i, escaped: &escaped)
            case 0x7B, 0x5B:
                let object = lexer[i] == 0x7B
                depth &+= 1
                if depth > maxDepth { return .failure(.tooDeep) }
                stack.push(depth: depth, object: object)
                if depth <= 3 { open(depth: depth, object: object) }
                i = lexer.skipWhitespace(i + 1)
                guard i < n else { return .failure(.parseError) }
                if lexer[i] != (object ? 0x7D : 0x5D) {
                    if object {
                        i = readKey(i, depth: depth)
                        if i < 0 { return .failure(.parseError) }
                    }
                    continue nextValue
                }
                i += 1
                stack.pop(depth: depth)
                depth &-= 1
            case 0x2D, 0x30...0x39:
                i = lexer.skipNumber(i)
            case 0x74, 0x66, 0x6E:
                i = lexer.skipLiteral(i)
            default:
                return .failure(.parseError)
            }
            if i < 0 { return .failure(.parseError) }
            // A value of level `depth` ended at i: read on to the next value, closing
            // every container that ends on the way.
            while true {
                if depth <= 3 {
                    if depth == 0 { return lexer.skipWhitespace(i) == n ? finish() : .failure(.parseError) }
                    valueEnded(depth: depth, at: i)
                }
                i = lexer.skipWhitespace(i)
                guard i < n else { return .failure(.parseError) }
                let c = lexer[i]
                let inObject = stack.isObject(depth: depth)
                if c == 0x2C {
                    i = lexer.skipWhitespace(i + 1)
                    if inObject {
                        i = readKey(i, depth: depth)
                        if i < 0 { return .failure(.parseError) }
                    }
                    continue nextValue
                }
                guard c == (inObject ? 0x7D : 0x5D) else { return .failure(.parseError) }
                i += 1
                stack.pop(depth: depth)
                depth &-= 1
            }
        }
    }

    /// Reads `"key" :` at `offset` in an object of level `depth`; returns where its value
    /// starts, or -1. Classifies the key when the object is one of the tracked three.
    @inline(__always)
    private mutating func readKey(_ offset: Int, depth: Int) -> Int {
        let n = lexer.count
        guard offset < n, lexer[offset] == 0x22 else { return -1 }
        var escaped = false
        let end = lexer.skipString(offset, escaped: &escaped)
        if end < 0 { return -1 }
        var i = lexer.skipWhitespace(end)
        guard i < n, lexer[i] == 0x3A else { return -1 }
        i = lexer.skipWhitespace(i + 1)
        if depth <= 3 {
            let context = depth == 1 ? TrackedKey.Context.top : depth == 2 ? context2 : context3
            if context != .untracked {
                let key = escaped
                    ? TrackedKey.classifyEscaped(lexer.buffer(offset, end), in: context)
                    : TrackedKey.classify(lexer, offset + 1, end - offset - 2, in: context)
                if key != .none { found(key, depth: depth, valueStart: i) }
            }
        }
        return i
    }

    private mutating func found(_ key: TrackedKey, depth: Int, valueStart: Int) {
        let bit: UInt32 = 1 << key.rawValue
        if seen & bit != 0 { duplicate = true }
        seen |= bit
        switch depth {
        case 1: key1 = key; start1 = valueStart
        case 2: key2 = key; start2 = valueStart
        default: key3 = key; start3 = valueStart
        }
    }

    /// A container opens at `depth` (1…3): what its keys will mean.
    @inline(__always)
    private mutating func open(depth: Int, object: Bool) {
        switch depth {
        case 1:
            key1 = .none
        case 2:
            context2 = object && key1 == .params ? .params : .untracked
            key2 = .none
        default:
            context3 = object && key2 == .meta ? .meta : .untracked
            key3 = .none
        }
    }

    @inline(__always)
    private mutating func valueEnded(depth: Int, at end: Int) {
        switch depth {
        case 1: if key1 != .none { record(key1, start1, end); key1 = .none }
        case 2: if key2 != .none { record(key2, start2, end); key2 = .none }
        default: if key3 != .none { record(key3, start3, end); key3 = .none }
        }
    }

    private mutating func record(_ key: TrackedKey, _ start: Int, _ end: Int) {
        let range = (origin + start)..<(origin + end)
        switch key {
        case .none: break
        case .id: fields.id = range
        case .method: fields.method = range
        case .jsonrpc: fields.jsonrpc = range
        case .params: fields.params = range
        case .result: fields.result = range
        case .error: fields.error = range
        case .name: fields.name = range
        case .uri: fields.uri = range
        case .cursor: fields.cursor = range
        case .requestID: fields.requestID = range
        case .paramsProgressToken: paramsProgressToken = range
        case .meta: fields.meta = range
        case .inputResponses: fields.inputResponses = range
        case .requestState: fields.requestState = range
        case .metaProgressToken: metaProgressToken = range
        case .protocolVersion: fields.protocolVersion = range
        case .clientCapabilities: fields.clientCapabilities = range
        case .clientInfo: fields.clientInfo = range
        case .logLevel: fields.logLevel = range
        }
    }

    /// The JSON-RPC rules, once the bytes are known to be well-formed JSON.
    private mutating func finish() -> Result<MessageFields, ScanFailure> {
        guard topIsObject, !duplicate,
              let jsonrpc = fields.jsonrpc, isString(jsonrpc, equalTo: "2.0") else { return .failure(.invalidRequest) }
        if let params = fields.params {
            let kind = kind(params)
            guard kind == .object || kind == .array else { return .failure(.invalidRequest) }
        }
        let idKind = fields.id.map(kind)
        if let method = fields.method {
            guard kind(method) == .string, fields.result == nil, fields.error == nil else { return .failure(.invalidRequest) }
            switch idKind {
            case nil: fields.kind = .notification
            case .string?, .number?: fields.kind = .request
            default: return .failure(.invalidRequest)
            }
            fields.progressToken = isString(method, equalTo: "notifications/progress") ? paramsProgressToken : metaProgressToken
        } else {
            guard (fields.result == nil) != (fields.error == nil) else { return .failure(.invalidRequest) }
            switch idKind {
            case .string?, .number?: break
            case .null? where fields.error != nil: break
            default: return .failure(.invalidRequest)
            }
            fields.kind = .response
            fields.progressToken = metaProgressToken
        }
        return .success(fields)
    }

    private func kind(_ range: Range<Int>) -> JSONKind {
        MessageScanner.kind(firstByte: lexer[range.lowerBound - origin])
    }

    private func isString(_ range: Range<Int>, equalTo text: StaticString) -> Bool {
        let token = lexer.buffer(range.lowerBound - origin, range.upperBound - origin)
        return token.first == 0x22
            && JSONString.decodedEquals(token, UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
