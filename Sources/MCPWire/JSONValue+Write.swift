extension JSONValue {
    /// Appends the value as compact JSON (no whitespace), object members in their order.
    /// Deep values are written without recursion.
    public func write(into out: inout [UInt8]) {
        /// What is left to write: a value, or the bytes that close a container.
        enum Work {
            case value(JSONValue)
            case member(key: [UInt8], value: JSONValue, first: Bool)
            case element(JSONValue, first: Bool)
            case close(UInt8)
        }
        var work: [Work] = [.value(self)]
        while let next = work.popLast() {
            var value: JSONValue
            switch next {
            case .close(let byte):
                out.append(byte)
                continue
            case .value(let v):
                value = v
            case .element(let v, let first):
                if !first { out.append(0x2C) }
                value = v
            case .member(let key, let v, let first):
                if !first { out.append(0x2C) }
                JSONString.write(key, into: &out)
                out.append(0x3A)
                value = v
            }
            switch value {
            case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
            case .bool(true): out.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
            case .bool(false): out.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
            case .number(let token): out.append(contentsOf: token)
            case .string(let bytes): JSONString.write(bytes, into: &out)
            case .array(let items):
                out.append(0x5B)
                work.append(.close(0x5D))
                for (k, item) in items.enumerated().reversed() { work.append(.element(item, first: k == 0)) }
            case .object(let object):
                out.append(0x7B)
                work.append(.close(0x7D))
                for (k, member) in object.enumerated().reversed() {
                    work.append(.member(key: member.key, value: member.value, first: k == 0))
                }
            }
        }
    }

    /// The value as compact JSON.
    public var serialized: [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }
}
