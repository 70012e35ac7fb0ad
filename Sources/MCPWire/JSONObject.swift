/// The members of a JSON object in the order they were added or parsed, with keys as UTF-8
/// bytes. Keys are unique: setting an existing key replaces its value in place, and parsing
/// keeps the last value of a duplicated key at the position of its first occurrence (what a
/// JavaScript engine does). Lookups scan the members, which suits the small objects of MCP
/// messages. Part of `JSONValue`; for the few messages the gateway builds itself.
public struct JSONObject: Equatable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: [UInt8], value: JSONValue)

    private var members: [Element]

    public init() {
        members = []
    }

    public init(_ pairs: [(String, JSONValue)]) {
        members = []
        members.reserveCapacity(pairs.count)
        for (key, value) in pairs { self[key] = value }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    public var startIndex: Int { members.startIndex }
    public var endIndex: Int { members.endIndex }
    public subscript(position: Int) -> Element { members[position] }

    /// The keys, in order.
    public var keys: [[UInt8]] { members.map(\.key) }

    /// The value of `key`; setting nil removes the member, setting a new key appends it.
    public subscript(key: [UInt8]) -> JSONValue? {
        get { index(of: key[...]).map { members[$0].value } }
        set { set(key[...], newValue) }
    }

    public subscript(key: String) -> JSONValue? {
        get { index(of: key.utf8).map { members[$0].value } }
        set { set(key.utf8, newValue) }
    }

    /// Removes `key`'s member; returns its value.
    @discardableResult
    public mutating func remove(_ key: [UInt8]) -> JSONValue? {
        guard let i = index(of: key[...]) else { return nil }
        return members.remove(at: i).value
    }

    @discardableResult
    public mutating func remove(_ key: String) -> JSONValue? {
        guard let i = index(of: key.utf8) else { return nil }
        return members.remove(at: i).value
    }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.members.count == b.members.count
            && zip(a.members, b.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    private func index(of key: some Collection<UInt8>) -> Int? {
        members.firstIndex { $0.key.elementsEqual(key) }
    }

    private mutating func set(_ key: some Collection<UInt8>, _ value: JSONValue?) {
        let i = index(of: key)
        switch (i, value) {
        case (let i?, let value?): members[i].value = value
        case (let i?, nil): members.remove(at: i)
        case (nil, let value?): members.append((key: Array(key), value: value))
        case (nil, nil): break
        }
    }

    /// Appends without looking for the key: for the parser, which calls `removeDuplicates`
    /// when the object is complete.
    mutating func appendParsed(_ key: [UInt8], _ value: JSONValue) {
        members.append((key: key, value: value))
    }

    /// Merges duplicated keys (last value, first position) after parsing.
    mutating func removeDuplicates() {
        guard members.count > 1 else { return }
        if members.count <= 16 {
            var k = 1
            while k < members.count {
                if let first = members[..<k].firstIndex(where: { $0.key == members[k].key }) {
                    members[first].value = members[k].value
                    members.remove(at: k)
                } else {
                    k += 1
                }
            }
            return
        }
        var firstIndex: [[UInt8]: Int] = [:]
        var kept: [Element] = []
        kept.reserveCapacity(members.count)
        for member in members {
            if let i = firstIndex[member.key] {
                kept[i].value = member.value
            } else {
                firstIndex[member.key] = kept.count
                kept.append(member)
            }
        }
        members = kept
    }
}
