extension JSONValue {
    /// Parses exactly one JSON value (whitespace around it allowed); nil when the bytes are
    /// not well-formed JSON or nest deeper than `maxDepth` containers. Iterative: deep input
    /// cannot exhaust the stack while parsing. Keep `maxDepth` modest (the default suits MCP):
    /// Swift releases a nested value recursively, so a tree tens of thousands of levels deep
    /// would exhaust the stack when it is freed. UTF-8 is not validated (as in `MessageScanner`); a `\u`
    /// escape of a lone surrogate becomes U+FFFD.
    public static func parse(_ bytes: ArraySlice<UInt8>, maxDepth: Int = 64) -> JSONValue? {
        var parser = JSONTreeParser(bytes: bytes, maxDepth: maxDepth)
        return parser.parse()
    }
}

/// The parser behind `JSONValue.parse`. Its grammar checks are written apart from
/// `JSONLexer`'s on purpose: the fuzz harness holds the two against each other.
struct JSONTreeParser {
    private let bytes: ArraySlice<UInt8>
    private let maxDepth: Int
    private var i: Int

    /// An open container and what it holds so far.
    private enum Frame {
        case array([JSONValue])
        case object(JSONObject, key: [UInt8])
    }

    init(bytes: ArraySlice<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        i = bytes.startIndex
    }

    mutating func parse() -> JSONValue? {
        var stack: [Frame] = []
        skipSpace()
        nextValue: while true {
            guard i < bytes.endIndex else { return nil }
            var value: JSONValue
            switch bytes[i] {
            case 0x7B:
                guard stack.count < maxDepth else { return nil }
                i += 1
                skipSpace()
                if i < bytes.endIndex && bytes[i] == 0x7D {
                    i += 1
                    value = .object(JSONObject())
                } else {
                    guard let key = readKey() else { return nil }
                    stack.append(.object(JSONObject(), key: key))
                    continue nextValue
                }
            case 0x5B:
                guard stack.count < maxDepth else { return nil }
                i += 1
                skipSpace()
                if i < bytes.endIndex && bytes[i] == 0x5D {
                    i += 1
                    value = .array([])
                } else {
                    stack.append(.array([]))
                    continue nextValue
                }
            case 0x22:
                guard let string = readString() else { return nil }
                value = .string(string)
            case 0x2D, 0x30...0x39:
                guard let token = readNumber() else { return nil }
                value = .number(token)
            case 0x74:
                guard readWord("true") else { return nil }
                value = .bool(true)
            case 0x66:
                guard readWord("false") else { return nil }
                value = .bool(false)
            case 0x6E:
                guard readWord("null") else { return nil }
                value = .null
            default:
                return nil
            }
            // `value` is complete: add it to its container, closing those that end here.
            while true {
                skipSpace()
                guard let frame = stack.popLast() else {
                    // Not `? value : nil`: JSONValue is ExpressibleByNilLiteral, so that nil is `.null`.
                    guard i == bytes.endIndex else { return nil }
                    return value
                }
                guard i < bytes.endIndex else { return nil }
                let c = bytes[i]
                i += 1
                switch frame {
                case .array(var items):
                    items.append(value)
                    if c == 0x2C {
                        skipSpace()
                        stack.append(.array(items))
                        continue nextValue
                    }
                    guard c == 0x5D else { return nil }
                    value = .array(items)
                case .object(var object, let key):
                    object.appendParsed(key, value)
                    if c == 0x2C {
                        skipSpace()
                        guard let next = readKey() else { return nil }
                        stack.append(.object(object, key: next))
                        continue nextValue
                    }
                    guard c == 0x7D else { return nil }
                    object.removeDuplicates()
                    value = .object(object)
                }
            }
        }
    }

    private mutating func skipSpace() {
        while i < bytes.endIndex, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    /// `"key"`, optional whitespace, `:` and whitespace.
    private mutating func readKey() -> [UInt8]? {
        guard i < bytes.endIndex, bytes[i] == 0x22, let key = readString() else { return nil }
        skipSpace()
        guard i < bytes.endIndex, bytes[i] == 0x3A else { return nil }
        i += 1
        skipSpace()
        return key
    }

    /// The string starting at the quote at `i`: the token runs to the first quote no backslash
    /// escapes; `JSONString.decode` checks the rest.
    private mutating func readString() -> [UInt8]? {
        var j = i + 1
        while j < bytes.endIndex {
            if bytes[j] == 0x5C { j += 2; continue }
            if bytes[j] == 0x22 { break }
            j += 1
        }
        guard j < bytes.endIndex else { return nil }
        let token = bytes[i...j]
        i = j + 1
        return JSONString.decode(token)
    }

    private mutating func readNumber() -> [UInt8]? {
        let start = i
        func digits() -> Int {
            let from = i
            while i < bytes.endIndex, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            return i - from
        }
        if bytes[i] == 0x2D { i += 1 }
        guard i < bytes.endIndex else { return nil }
        if bytes[i] == 0x30 {
            i += 1
        } else if digits() == 0 {
            return nil
        }
        if i < bytes.endIndex, bytes[i] == 0x2E {
            i += 1
            guard digits() > 0 else { return nil }
        }
        if i < bytes.endIndex, bytes[i] == 0x65 || bytes[i] == 0x45 {
            i += 1
            if i < bytes.endIndex, bytes[i] == 0x2B || bytes[i] == 0x2D { i += 1 }
            guard digits() > 0 else { return nil }
        }
        return Array(bytes[start..<i])
    }

    private mutating func readWord(_ word: StaticString) -> Bool {
        let length = word.utf8CodeUnitCount
        guard bytes.endIndex - i >= length else { return false }
        for k in 0..<length where bytes[i + k] != word.utf8Start[k] { return false }
        i += length
        return true
    }
}
