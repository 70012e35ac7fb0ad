import MCPWire

/// `MessageScanner.scan` held against `JSONValue.parse` (a separate grammar) on the same
/// bytes, for the jsonrpc target: both accept exactly the same JSON; every recorded range is
/// in bounds, is one whole value and is what the tree holds at that key; an id spliced in is
/// found by a second scan; and the tree writes out to a fixpoint that scans the same way.
enum MessageScanFuzz {
    static func run(_ body: ArraySlice<UInt8>) {
        let scanned = MessageScanner.scan(body)
        let tree = JSONValue.parse(body)
        let wellFormed: Bool
        switch scanned {
        case .success, .failure(.invalidRequest): wellFormed = true
        case .failure(.parseError), .failure(.tooDeep): wellFormed = false
        }
        expect(wellFormed == (tree != nil), "scan says \(scanned), JSONValue.parse \(tree == nil ? "fails" : "succeeds")")
        guard let tree else { return }
        checkRoundTrip(tree, scanned)
        guard case .success(let fields) = scanned else { return }
        checkFields(fields, in: body, tree: tree)
        checkSplicedID(fields, in: body)
        if let id = JSONRPCScanner.topLevelID(in: body) {
            expect(id == fields.id, "topLevelID \(id) but scan \(fields.id as Any)")
        }
    }

    /// Each tracked field: recorded exactly when the tree has it, and its bytes parse to it.
    static func checkFields(_ fields: MessageFields, in body: ArraySlice<UInt8>, tree: JSONValue) {
        let params = tree["params"]
        let meta = params?["_meta"]
        let isProgress = tree["method"]?.stringBytes == Array("notifications/progress".utf8)
        let table: [(String, Range<Int>?, JSONValue?)] = [
            ("id", fields.id, tree["id"]), ("method", fields.method, tree["method"]),
            ("jsonrpc", fields.jsonrpc, tree["jsonrpc"]), ("params", fields.params, params),
            ("result", fields.result, tree["result"]), ("error", fields.error, tree["error"]),
            ("name", fields.name, params?["name"]), ("uri", fields.uri, params?["uri"]),
            ("cursor", fields.cursor, params?["cursor"]), ("requestId", fields.requestID, params?["requestId"]),
            ("progressToken", fields.progressToken, isProgress ? params?["progressToken"] : meta?["progressToken"]),
            ("_meta", fields.meta, meta),
            ("protocolVersion", fields.protocolVersion, meta?["io.modelcontextprotocol/protocolVersion"]),
            ("clientCapabilities", fields.clientCapabilities, meta?["io.modelcontextprotocol/clientCapabilities"]),
            ("clientInfo", fields.clientInfo, meta?["io.modelcontextprotocol/clientInfo"]),
            ("logLevel", fields.logLevel, meta?["io.modelcontextprotocol/logLevel"]),
            ("inputResponses", fields.inputResponses, params?["inputResponses"]),
            ("requestState", fields.requestState, params?["requestState"]),
        ]
        for (name, range, value) in table {
            expect((range == nil) == (value == nil), "\(name): range \(range as Any), tree \(value as Any)")
            guard let range, let value else { continue }
            expect(range.lowerBound >= body.startIndex && range.upperBound <= body.endIndex && !range.isEmpty,
                   "\(name) at \(range) outside \(body.indices)")
            let token = body[range]
            expect(JSONValue.parse(token) == value, "\(name): \(String(decoding: token, as: UTF8.self)) is not the tree's value")
            let kind = MessageScanner.kind(of: range, in: body)
            switch value {
            case .string: expect(kind == .string && JSONSyntax.isString(token), "\(name): not a string token")
            case .number: expect(kind == .number && JSONSyntax.isNumber(token), "\(name): not a number token")
            case .object: expect(kind == .object, "\(name): not an object")
            case .array: expect(kind == .array, "\(name): not an array")
            case .bool: expect(kind == .bool, "\(name): not a bool")
            case .null: expect(kind == .null, "\(name): not null")
            }
        }
        expect(fields.kind != .invalid, "a successful scan without a kind")
        expect(tree["jsonrpc"]?.stringBytes == Array("2.0".utf8), "jsonrpc is not 2.0")
    }

    /// Replaces the id with another and scans again: the new id is found, nothing else moves
    /// but by the change in length.
    static func checkSplicedID(_ fields: MessageFields, in body: ArraySlice<UInt8>) {
        guard let id = fields.id else { return }
        let replacement: ArraySlice<UInt8> = body[id.lowerBound] == 0x22 ? Array("4242".utf8)[...] : Array(#""edge-1""#.utf8)[...]
        var edits = SpliceEdits()
        edits.add(id, replacement)
        let out = edits.applied(to: body)
        guard case .success(let again) = MessageScanner.scan(out[...]) else {
            expect(false, "the message with a spliced id does not scan")
            return
        }
        let shift = -body.startIndex
        let growth = replacement.count - id.count
        expect(again.id.map { Array(out[$0]) } == Array(replacement), "the spliced id is not found")
        expect(again.kind == fields.kind, "the kind changed with the id")
        func moved(_ r: Range<Int>?) -> Range<Int>? {
            r.map { $0.lowerBound < id.lowerBound ? ($0.lowerBound + shift)..<($0.upperBound + shift)
                                                   : ($0.lowerBound + shift + growth)..<($0.upperBound + shift + growth) }
        }
        expect(again.method == moved(fields.method) && again.params == moved(fields.params) && again.name == moved(fields.name)
               && again.progressToken == moved(fields.progressToken) && again.result == moved(fields.result),
               "fields moved by more than the id's change")
    }

    /// Writing reaches a fixpoint, and the written message scans the same way (duplicate keys
    /// aside: the tree has merged them). The fixpoint is checked from the second trip: the
    /// first write turns invalid UTF-8 into U+FFFD, which can make two keys equal, and the
    /// next parse merges them.
    static func checkRoundTrip(_ tree: JSONValue, _ scanned: Result<MessageFields, ScanFailure>) {
        let written = tree.serialized
        guard let again = JSONValue.parse(written[...]) else {
            expect(false, "written JSON does not parse: \(String(decoding: written, as: UTF8.self))")
            return
        }
        let rewritten = again.serialized
        expect(JSONValue.parse(rewritten[...])?.serialized == rewritten, "write → parse → write is not a fixpoint")
        if written.allSatisfy({ $0 < 0x80 }) {
            expect(again == tree && rewritten == written, "ASCII JSON changed in a round trip")
        }
        if case .success(let fields) = scanned {
            guard case .success(let rescanned) = MessageScanner.scan(written[...]) else {
                expect(false, "a valid message, written out, no longer scans")
                return
            }
            expect(rescanned.kind == fields.kind, "kind changed by a round trip")
            if let id = fields.id, let newID = rescanned.id {
                expect(JSONValue.parse(written[newID]) == again["id"] && again["id"] != nil && !id.isEmpty, "id lost in a round trip")
            } else {
                expect(fields.id == nil && rescanned.id == nil, "id appeared or vanished in a round trip")
            }
        }
    }
}
