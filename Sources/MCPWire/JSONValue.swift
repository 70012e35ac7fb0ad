/// A JSON document as a tree, for the few messages the gateway builds or rewrites as a whole
/// (merged lists, initialize and discover results, error bodies); the data plane's per-message
/// work uses `MessageScanner` instead. Strings hold decoded UTF-8 bytes; numbers keep their
/// exact token bytes, so an id or a large integer survives a round trip byte for byte.
public indirect enum JSONValue: Equatable {
    case null
    case bool(Bool)
    /// The number's token as written (RFC 8259 grammar), e.g. `-1.50e+3`.
    case number([UInt8])
    /// The string's UTF-8 bytes, escapes decoded.
    case string([UInt8])
    case array([JSONValue])
    case object(JSONObject)

    /// A string value.
    public init(_ string: String) {
        self = .string(Array(string.utf8))
    }

    /// An integer value.
    public init(_ integer: Int) {
        self = .number(Array(String(integer).utf8))
    }

    /// A member of an object (nil for a missing key or a value that is not an object);
    /// setting on a non-object is ignored.
    public subscript(key: String) -> JSONValue? {
        get { objectValue?[key] }
        set {
            guard case .object(var object) = self else { return }
            self = .null // drops the second reference, so the edit happens in place
            object[key] = newValue
            self = .object(object)
        }
    }

    /// An element of an array (nil when out of range or not an array).
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    /// The decoded UTF-8 bytes of a string.
    public var stringBytes: [UInt8]? {
        if case .string(let bytes) = self { return bytes }
        return nil
    }

    /// A string as a Swift `String`; nil when not a string or not valid UTF-8.
    public var stringValue: String? {
        guard case .string(let bytes) = self else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// A number's token bytes.
    public var numberToken: [UInt8]? {
        if case .number(let token) = self { return token }
        return nil
    }

    /// A number written as an integer (no fraction or exponent) that fits an `Int`.
    public var intValue: Int? {
        guard case .number(let token) = self, !token.contains(where: { $0 == 0x2E || $0 | 0x20 == 0x65 }) else { return nil }
        return Int(String(decoding: token, as: UTF8.self))
    }

    public var isNull: Bool { self == .null }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(stringLiteral value: String) { self.init(value) }
    public init(integerLiteral value: Int) { self.init(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}
