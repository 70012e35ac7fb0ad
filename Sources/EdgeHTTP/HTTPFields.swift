import EdgeIO

/// Header fields of one message, kept as bytes in a single array that is reused from request
/// to request (no `String` per header). Names are stored lower-cased; each field is classified
/// once on insert so that the hop-by-hop and framing headers are found without comparing bytes.
public struct HTTPFields {
    /// One field: ranges into `bytes`.
    public struct Field {
        public var name: Range<Int>
        public var value: Range<Int>
        public var known: KnownField
    }

    public private(set) var bytes: [UInt8] = []
    public private(set) var fields: [Field] = []

    /// Empty and unallocated: storage grows with the first message and is then kept (see
    /// `removeAll`), so an idle connection holds only what its largest head needed.
    public init() {}

    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }

    /// Forgets every field, keeping the allocations.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
    }

    /// Appends a field; the name is lower-cased as it is copied.
    
    public mutating func append<N: Collection, V: Collection>(name: N, value: V)
    where N.Element == UInt8, V.Element == UInt8 {
        let nameStart = bytes.count
        for byte in name { bytes.append(HTTP1Bytes.lowercased(byte)) }
        let valueStart = bytes.count
        bytes.append(contentsOf: value)
        let nameRange = nameStart..<valueStart
        let known = KnownField.classify(bytes, nameRange)
        fields.append(Field(name: nameRange, value: valueStart..<bytes.count, known: known))
    }

    /// Appends a field whose name and value lie in `source` (an HTTP/1.1 head): two copies
    /// without slices, then the name is lower-cased in place.
    public mutating func append(from source: [UInt8], name: Range<Int>, value: Range<Int>) {
        let nameStart = bytes.count
        ByteScan.append(source, name, to: &bytes)
        let valueStart = bytes.count
        ByteScan.append(source, value, to: &bytes)
        finishAppend(nameStart, valueStart)
    }

    /// Appends a field from borrowed bytes (an nghttp2 header callback).
    public mutating func append(name: ByteView, value: ByteView) {
        let nameStart = bytes.count
        bytes.append(name)
        let valueStart = bytes.count
        bytes.append(value)
        finishAppend(nameStart, valueStart)
    }

    private mutating func finishAppend(_ nameStart: Int, _ valueStart: Int) {
        for i in nameStart..<valueStart {
            let byte = bytes[i]
            if byte &- 65 < 26 { bytes[i] = byte | 0x20 }
        }
        let nameRange = nameStart..<valueStart
        fields.append(Field(name: nameRange, value: valueStart..<bytes.count, known: KnownField.classify(bytes, nameRange)))
    }

    /// Marks every field of this kind `.removed`: it stays readable here and is never forwarded.
    public mutating func remove(_ known: KnownField) {
        for i in fields.indices where fields[i].known == known { fields[i].known = .removed }
    }

    /// Marks every field with this lower-case name `.removed`.
    public mutating func remove(name: [UInt8]) {
        for i in fields.indices where bytes[fields[i].name].elementsEqual(name) { fields[i].known = .removed }
    }

    /// The name of field `index`, lower-case.
    public func name(at index: Int) -> ArraySlice<UInt8> { bytes[fields[index].name] }
    /// The value of field `index`.
    public func value(at index: Int) -> ArraySlice<UInt8> { bytes[fields[index].value] }

    /// The index of the first field of a known kind.
    public func firstIndex(of known: KnownField) -> Int? {
        for i in fields.indices where fields[i].known == known { return i }
        return nil
    }

    /// The value of the first field of a known kind.
    public func first(_ known: KnownField) -> ArraySlice<UInt8>? {
        firstIndex(of: known).map { value(at: $0) }
    }

    /// The index of the first field with this lower-case name.
    public func firstIndex(name: StaticString) -> Int? {
        let count = name.utf8CodeUnitCount
        outer: for i in fields.indices where fields[i].name.count == count {
            let start = fields[i].name.lowerBound
            for j in 0..<count where bytes[start + j] != name.utf8Start[j] { continue outer }
            return i
        }
        return nil
    }

    /// The index of the first field with this lower-case name (a name from the configuration).
    public func firstIndex(name: [UInt8]) -> Int? {
        fields.indices.first { bytes[fields[$0].name].elementsEqual(name) }
    }

    /// Whether the value of field `index` starts with `prefix`, compared ASCII case-insensitively.
    public func valueHasPrefix(at index: Int, _ prefix: StaticString) -> Bool {
        let range = fields[index].value
        let count = prefix.utf8CodeUnitCount
        guard range.count >= count else { return false }
        let start = range.lowerBound
        for j in 0..<count {
            let byte = bytes[start + j]
            if HTTP1Bytes.lowercased(byte) != prefix.utf8Start[j] { return false }
        }
        return true
    }

    /// The first value of a field as a `String` (for tests and the control plane only).
    public func string(_ name: StaticString) -> String? {
        firstIndex(name: name).map { String(decoding: value(at: $0), as: UTF8.self) }
    }
}

/// The header fields mcp-edge acts on; everything else is `.other` and passed through.
public enum KnownField: UInt8 {
    case other
    case host
    case contentLength
    case transferEncoding
    case connection
    case keepAlive
    case te
    case trailer
    case upgrade
    case proxyConnection
    case proxyAuthenticate
    case proxyAuthorization
    case expect
    case contentType
    case accept
    case mcpSessionId
    case mcpProtocolVersion
    case lastEventId
    case xForwardedFor
    case forwarded
    case http2Settings
    case authorization
    case origin
    /// A field taken out after it was read (a client's credential): never forwarded.
    case removed

    /// Hop-by-hop fields (RFC 9110 §7.6.1) are never forwarded.
    public var isHopByHop: Bool {
        switch self {
        case .connection, .keepAlive, .te, .trailer, .upgrade, .proxyConnection,
             .proxyAuthenticate, .proxyAuthorization, .transferEncoding, .http2Settings, .removed:
            return true
        default:
            return false
        }
    }

    
    static func classify(_ bytes: [UInt8], _ range: Range<Int>) -> KnownField {
        @inline(__always) func equals(_ s: StaticString) -> Bool { ByteScan.equals(bytes, range, s) }
        switch range.count {
        case 2: return equals("te") ? .te : .other
        case 4: return equals("host") ? .host : .other
        case 6:
            if equals("accept") { return .accept }
            if equals("expect") { return .expect }
            if equals("origin") { return .origin }
            return .other
        case 7:
            if equals("trailer") { return .trailer }
            if equals("upgrade") { return .upgrade }
            return .other
        case 9: return equals("forwarded") ? .forwarded : .other
        case 10:
            if equals("connection") { return .connection }
            if equals("keep-alive") { return .keepAlive }
            return .other
        case 12: return equals("content-type") ? .contentType : .other
        case 13:
            if equals("last-event-id") { return .lastEventId }
            if equals("authorization") { return .authorization }
            return .other
        case 14:
            if equals("content-length") { return .contentLength }
            if equals("mcp-session-id") { return .mcpSessionId }
            if equals("http2-settings") { return .http2Settings }
            return .other
        case 15: return equals("x-forwarded-for") ? .xForwardedFor : .other
        case 16: return equals("proxy-connection") ? .proxyConnection : .other
        case 17: return equals("transfer-encoding") ? .transferEncoding : .other
        case 18: return equals("proxy-authenticate") ? .proxyAuthenticate : .other
        case 19: return equals("proxy-authorization") ? .proxyAuthorization : .other
        case 20: return equals("mcp-protocol-version") ? .mcpProtocolVersion : .other
        default: return .other
        }
    }
}
