import EdgeIO

/// Parses the field lines of a head whose line endings `HTTP1HeadScanner` already checked,
/// appends each field to an `HTTPFields`, and collects what framing depends on: Host,
/// Content-Length, Transfer-Encoding, Connection, Expect. Shared by both parsers.
struct HTTP1FieldLineParser {
    var hostCount = 0
    var hostValue: Range<Int> = 0..<0
    var contentLength: Int? = nil
    var sawTransferEncoding = false
    var sawChunked = false
    var connectionClose = false
    var connectionKeepAlive = false
    var expectContinue = false
    var sawOtherExpectation = false

    /// Parses lines from `start` up to `end` (the index of the final empty line's CR).
    /// Every line in between ends with CRLF.
    mutating func parse(_ bytes: [UInt8], from start: Int, to end: Int,
                        into fields: inout HTTPFields, limits: HTTP1Limits) -> HTTP1ParseError? {
        var p = start
        while p < end {
            if fields.count >= limits.maxHeaderCount { return .tooManyFields }
            let first = bytes[p]
            if HTTP1Bytes.isOWS(first) { return .obsFold }
            // name: token bytes up to the colon
            let i = ByteScan.firstIndex(notIn: HTTP1Bytes.tokenSet, in: bytes, from: p, to: end)
            guard i < end, bytes[i] == HTTP1Bytes.colon else {
                return i > p && HTTP1Bytes.isOWS(bytes[i]) ? .whitespaceBeforeColon : .invalidFieldName
            }
            if i == p { return .invalidFieldName }
            let name = p..<i
            // value: up to CR, OWS trimmed. One pass finds the line's CR (the scanner guarantees
            // it ends the line) and checks every value byte: HTAB, SP, VCHAR or obs-text.
            let lineEnd = ByteScan.firstIndex(notIn: HTTP1Bytes.fieldValueSet, in: bytes, from: i + 1, to: end)
            guard lineEnd < end, bytes[lineEnd] == HTTP1Bytes.cr else { return .invalidFieldValue }
            let value = HTTP1Bytes.trimmingOWS(bytes, (i + 1)..<lineEnd)
            fields.append(from: bytes, name: name, value: value)
            if let error = note(fields.fields[fields.count - 1].known, bytes, value) { return error }
            p = lineEnd + 2
        }
        if sawTransferEncoding && contentLength != nil { return .contentLengthWithTransferEncoding }
        return nil
    }

    private mutating func note(_ known: KnownField, _ bytes: [UInt8], _ value: Range<Int>) -> HTTP1ParseError? {
        switch known {
        case .host:
            hostCount += 1
            if hostCount > 1 { return .duplicateHost }
            if ByteScan.firstIndex(notIn: HTTP1Bytes.hostSet, in: bytes, from: value.lowerBound, to: value.upperBound)
                < value.upperBound { return .invalidHost }
            hostValue = value
        case .contentLength:
            // Identical duplicates ("5, 5" or two lines) are rejected too: one value, digits only.
            if contentLength != nil { return .duplicateContentLength }
            if value.isEmpty { return .invalidContentLength }
            var n = 0
            for j in value {
                let b = bytes[j]
                if b == HTTP1Bytes.comma { return .duplicateContentLength }
                guard HTTP1Bytes.isDigit(b) else { return .invalidContentLength }
                let d = Int(b &- 48)
                if n > (Int.max - d) / 10 { return .invalidContentLength }
                n = n * 10 + d
            }
            contentLength = n
        case .transferEncoding:
            sawTransferEncoding = true
            var error: HTTP1ParseError? = nil
            HTTP1Bytes.forEachListElement(bytes, value) { element in
                error = noteCoding(bytes, element)
                return error == nil
            }
            if let error { return error }
        case .connection:
            HTTP1Bytes.forEachListElement(bytes, value) { element in
                if HTTP1Bytes.equalsIgnoringCase(bytes, element, "close") { connectionClose = true }
                else if HTTP1Bytes.equalsIgnoringCase(bytes, element, "keep-alive") { connectionKeepAlive = true }
                return true
            }
        case .expect:
            if HTTP1Bytes.equalsIgnoringCase(bytes, value, "100-continue") { expectContinue = true }
            else { sawOtherExpectation = true }
        default:
            break
        }
        return nil
    }

    /// One element of Transfer-Encoding. Only a single, final `chunked` is accepted; a
    /// registered coding we do not implement is 501; anything else (empty elements,
    /// parameters, odd tokens, `chunked` twice or not last) is malformed.
    private mutating func noteCoding(_ bytes: [UInt8], _ element: Range<Int>) -> HTTP1ParseError? {
        if sawChunked { return .invalidTransferEncoding } // nothing may follow chunked
        if element.isEmpty { return .invalidTransferEncoding }
        if HTTP1Bytes.equalsIgnoringCase(bytes, element, "chunked") { sawChunked = true; return nil }
        for j in element where !HTTP1Bytes.isTokenChar(bytes[j]) { return .invalidTransferEncoding }
        if HTTP1Bytes.equalsIgnoringCase(bytes, element, "gzip")
            || HTTP1Bytes.equalsIgnoringCase(bytes, element, "x-gzip")
            || HTTP1Bytes.equalsIgnoringCase(bytes, element, "deflate")
            || HTTP1Bytes.equalsIgnoringCase(bytes, element, "compress")
            || HTTP1Bytes.equalsIgnoringCase(bytes, element, "x-compress") {
            return .unsupportedTransferCoding
        }
        return .invalidTransferEncoding
    }
}
