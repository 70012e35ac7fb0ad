/// The members of a JSON object and the elements of a JSON array as byte ranges, without
/// building values: for rewriting the entries of a backend's list result in place (a merged
/// `tools/list` copies each entry's bytes and splices only its name). Meant for ranges inside a
/// message `MessageScanner` accepted; on anything else it stops and says so (`false`), never
/// traps, whatever the bytes. Ranges are indices of the slice given (as the scanner's are).
/// Stateless; any thread may call it.
public enum JSONSpans {
    /// Calls `body` with each member's key token (quotes included) and value range, in order
    /// (a duplicated key is reported each time). False when `range` is not one well-formed
    /// object; `body` may have seen some members by then.
    @discardableResult
    public static func forEachMember(of range: Range<Int>, in bytes: ArraySlice<UInt8>,
                                     _ body: (_ key: Range<Int>, _ value: Range<Int>) -> Void) -> Bool {
        walk(range, in: bytes, open: 0x7B, close: 0x7D) { lexer, i, origin in
            guard let (keyEnd, j) = member(lexer, i) else { return -1 }
            let valueEnd = skipValue(lexer, j)
            guard valueEnd > 0 else { return -1 }
            body((origin + i)..<(origin + keyEnd), (origin + j)..<(origin + valueEnd))
            return valueEnd
        }
    }

    /// Calls `body` with each element's range, in order. False when `range` is not one
    /// well-formed array.
    @discardableResult
    public static func forEachElement(of range: Range<Int>, in bytes: ArraySlice<UInt8>,
                                      _ body: (_ element: Range<Int>) -> Void) -> Bool {
        walk(range, in: bytes, open: 0x5B, close: 0x5D) { lexer, i, origin in
            let end = skipValue(lexer, i)
            guard end > 0 else { return -1 }
            body((origin + i)..<(origin + end))
            return end
        }
    }

    /// Whether a key token (quotes included) stands for `name` (ASCII): its raw bytes when it
    /// has no escape, else decoded.
    @inline(__always)
    public static func keyIs(_ token: ArraySlice<UInt8>, _ name: StaticString) -> Bool {
        let count = name.utf8CodeUnitCount
        let raw = UnsafeBufferPointer(start: name.utf8Start, count: count)
        if token.count == count + 2 {
            var same = true
            var k = token.startIndex + 1
            for byte in raw {
                if token[k] != byte { same = false; break }
                k += 1
            }
            if same { return true }
        }
        return token.contains(0x5C) && JSONString.equals(token, raw)
    }

    /// The value range of the last member whose key is `key` (escapes decoded), or nil.
    public static func member(_ key: StaticString, of range: Range<Int>, in bytes: ArraySlice<UInt8>) -> Range<Int>? {
        var found: Range<Int>?
        forEachMember(of: range, in: bytes) { k, v in
            if keyIs(bytes[k], key) { found = v }
        }
        return found
    }

    /// One pass over a list result (the object at `range`): calls `body` for each element of
    /// the array that is the value of member `key`, with the value ranges of the element's
    /// members `a` and `b` (nil when absent, or when the element is not an object). Returns
    /// false when the bytes are not well formed, the result has `key` twice, its value is not
    /// an array, or an element has `a` or `b` twice (a parser keeps the last of duplicates:
    /// leave those to one); true, without calling `body`, when `key` is absent.
    public static func forEachListEntry(_ key: StaticString, of range: Range<Int>, in bytes: ArraySlice<UInt8>,
                                        fields a: StaticString, _ b: StaticString?,
                                        _ body: (_ entry: Range<Int>, _ a: Range<Int>?, _ b: Range<Int>?) -> Void) -> Bool {
        var seen = false
        return walk(range, in: bytes, open: 0x7B, close: 0x7D) { lexer, i, origin in
            guard let (keyEnd, j) = member(lexer, i) else { return -1 }
            guard keyIs(bytes[(origin + i)..<(origin + keyEnd)], key) else { return skipValue(lexer, j) }
            guard !seen, lexer[j] == 0x5B else { return -1 }
            seen = true
            return elements(lexer, j) { lexer, e in
                guard lexer[e] == 0x7B else {
                    let end = skipValue(lexer, e)
                    if end > 0 { body((origin + e)..<(origin + end), nil, nil) }
                    return end
                }
                var first: Range<Int>?, second: Range<Int>?
                var failed = false
                let end = members(lexer, e) { lexer, k, keyEnd, v in
                    let valueEnd = skipValue(lexer, v)
                    guard valueEnd > 0 else { return -1 }
                    let token = bytes[(origin + k)..<(origin + keyEnd)]
                    if keyIs(token, a) {
                        if first != nil { failed = true }
                        first = (origin + v)..<(origin + valueEnd)
                    } else if let b, keyIs(token, b) {
                        if second != nil { failed = true }
                        second = (origin + v)..<(origin + valueEnd)
                    }
                    return valueEnd
                }
                guard end > 0, !failed else { return -1 }
                body((origin + e)..<(origin + end), first, second)
                return end
            }
        }
    }

    /// The object starting at `start`: `member(lexer, keyStart, keyEnd, valueStart)` reads each
    /// value and returns the offset past it. The offset past the object, or -1.
    private static func members(_ lexer: JSONLexer, _ start: Int, _ member: (JSONLexer, Int, Int, Int) -> Int) -> Int {
        items(lexer, start, close: 0x7D) { lexer, i in
            guard let (keyEnd, j) = Self.member(lexer, i) else { return -1 }
            return member(lexer, i, keyEnd, j)
        }
    }

    /// The member whose key string starts at `i`: the offset past the key and the offset where
    /// its value starts (after the colon and whitespace), or nil when it is not `"key":value`.
    private static func member(_ lexer: JSONLexer, _ i: Int) -> (keyEnd: Int, value: Int)? {
        guard lexer[i] == 0x22 else { return nil }
        var escaped = false
        let keyEnd = lexer.skipString(i, escaped: &escaped)
        guard keyEnd > 0 else { return nil }
        var j = lexer.skipWhitespace(keyEnd)
        guard j < lexer.count, lexer[j] == 0x3A else { return nil }
        j = lexer.skipWhitespace(j + 1)
        guard j < lexer.count else { return nil }
        return (keyEnd, j)
    }

    /// The array starting at `start`: `element` reads each element and returns the offset
    /// past it. The offset past the array, or -1.
    private static func elements(_ lexer: JSONLexer, _ start: Int, _ element: (JSONLexer, Int) -> Int) -> Int {
        items(lexer, start, close: 0x5D, element)
    }

    /// The items of the container opened at `start`, separated by commas, up to `close`.
    private static func items(_ lexer: JSONLexer, _ start: Int, close: UInt8, _ item: (JSONLexer, Int) -> Int) -> Int {
        var i = lexer.skipWhitespace(start + 1)
        guard i < lexer.count else { return -1 }
        if lexer[i] == close { return i + 1 }
        while true {
            i = item(lexer, i)
            guard i > 0 else { return -1 }
            i = lexer.skipWhitespace(i)
            guard i < lexer.count else { return -1 }
            if lexer[i] == close { return i + 1 }
            guard lexer[i] == 0x2C else { return -1 }
            i = lexer.skipWhitespace(i + 1)
            guard i < lexer.count else { return -1 }
        }
    }

    /// The container at `range` (opened by `open`, closed by `close`), its items separated by
    /// commas; `item` reads one item at an offset and returns the offset past it (or -1).
    private static func walk(_ range: Range<Int>, in bytes: ArraySlice<UInt8>, open: UInt8, close: UInt8,
                             _ item: (JSONLexer, Int, Int) -> Int) -> Bool {
        guard range.lowerBound >= bytes.startIndex, range.upperBound <= bytes.endIndex, range.count >= 2 else { return false }
        return bytes.withUnsafeBufferPointer { buffer in
            guard let start = buffer.baseAddress else { return false }
            let offset = range.lowerBound - bytes.startIndex
            let lexer = JSONLexer(base: start + offset, count: range.count)
            guard lexer[0] == open else { return false }
            var i = lexer.skipWhitespace(1)
            guard i < lexer.count else { return false }
            if lexer[i] == close { return lexer.skipWhitespace(i + 1) == lexer.count }
            while true {
                i = item(lexer, i, range.lowerBound)
                guard i > 0 else { return false }
                i = lexer.skipWhitespace(i)
                guard i < lexer.count else { return false }
                if lexer[i] == close { return lexer.skipWhitespace(i + 1) == lexer.count }
                guard lexer[i] == 0x2C else { return false }
                i = lexer.skipWhitespace(i + 1)
                guard i < lexer.count else { return false }
            }
        }
    }

    /// The offset past the value starting at `start`, or -1. Containers are skipped by
    /// counting brackets outside strings (the bytes were validated by the scanner; what is
    /// not well formed here still ends in -1 or a wrong but in-bounds offset, never a trap).
    private static func skipValue(_ lexer: JSONLexer, _ start: Int) -> Int {
        guard start < lexer.count else { return -1 }
        let b = lexer[start]
        switch b {
        case 0x22:
            var escaped = false
            return lexer.skipString(start, escaped: &escaped)
        case 0x7B, 0x5B:
            var depth = 0
            var i = start
            while i < lexer.count {
                switch lexer[i] {
                case 0x22:
                    var escaped = false
                    i = lexer.skipString(i, escaped: &escaped)
                    if i < 0 { return -1 }
                    continue
                case 0x7B, 0x5B:
                    depth += 1
                case 0x7D, 0x5D:
                    depth -= 1
                    if depth == 0 { return i + 1 }
                default:
                    break
                }
                i += 1
            }
            return -1
        case 0x74, 0x66, 0x6E:
            return lexer.skipLiteral(start)
        default:
            return b == 0x2D || JSONLexer.isDigit(b) ? lexer.skipNumber(start) : -1
        }
    }
}
