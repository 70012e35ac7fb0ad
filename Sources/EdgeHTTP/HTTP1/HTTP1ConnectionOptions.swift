import EdgeIO

/// Which fields a message's `Connection` header lists (RFC 9110 §7.6.1): those are hop-by-hop
/// too and are dropped before forwarding. Answers without allocating: it walks the
/// `Connection` values each time, which is cheap because they are rare and short.
struct HTTP1ConnectionOptions {
    private let hasConnection: Bool

    init(_ fields: HTTPFields) {
        hasConnection = fields.firstIndex(of: .connection) != nil
    }

    /// Whether field `index` is named by a `Connection` value.
    func lists(_ fields: HTTPFields, _ index: Int) -> Bool {
        guard hasConnection else { return false }
        let name = fields.fields[index].name
        let bytes = fields.bytes
        for field in fields.fields where field.known == .connection {
            var found = false
            HTTP1Bytes.forEachListElement(bytes, field.value) { element in
                if HTTP1Bytes.equalsIgnoringCase(bytes, element, bytes, name) { found = true; return false }
                return true
            }
            if found { return true }
        }
        return false
    }

    /// Whether field `index` must not be forwarded: hop-by-hop, listed by `Connection`, or
    /// framing (`Content-Length`; the serializer writes its own).
    func drops(_ fields: HTTPFields, _ index: Int) -> Bool {
        let known = fields.fields[index].known
        if known.isHopByHop || known == .contentLength { return true }
        return lists(fields, index)
    }
}

extension ByteBuffer {
    /// Writes `name: value\r\n` for field `index` (names are stored lower-case).
    mutating func writeField(_ fields: HTTPFields, _ index: Int) {
        let field = fields.fields[index]
        write(contentsOf: fields.bytes[field.name])
        write(": ")
        write(contentsOf: fields.bytes[field.value])
        write("\r\n")
    }
}
