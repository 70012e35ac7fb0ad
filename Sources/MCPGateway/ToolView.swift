/// What a gateway route shows of its backends' tools and prompts: allow/deny globs over
/// exposed names, renames, and description overrides (two routes over the same backends can
/// show different subsets: "virtual servers").
public struct ToolView {
    public let allow: [[UInt8]]
    public let deny: [[UInt8]]
    /// exposed name → name shown to clients.
    public let renamed: [[UInt8]: [UInt8]]
    /// name shown to clients → exposed name.
    public let original: [[UInt8]: [UInt8]]
    /// exposed name → description shown instead of the backend's.
    public let descriptions: [[UInt8]: [UInt8]]

    public init(allow: [String] = [], deny: [String] = [], rename: [(from: String, to: String)] = [],
                descriptions: [(name: String, text: String)] = []) {
        self.allow = allow.map { Array($0.utf8) }
        self.deny = deny.map { Array($0.utf8) }
        var renamed: [[UInt8]: [UInt8]] = [:], original: [[UInt8]: [UInt8]] = [:]
        for pair in rename {
            renamed[Array(pair.from.utf8)] = Array(pair.to.utf8)
            original[Array(pair.to.utf8)] = Array(pair.from.utf8)
        }
        self.renamed = renamed
        self.original = original
        var texts: [[UInt8]: [UInt8]] = [:]
        for pair in descriptions { texts[Array(pair.name.utf8)] = Array(pair.text.utf8) }
        self.descriptions = texts
    }

    /// Whether a tool with this exposed name is visible (and callable) on the route.
    public func isVisible<C: Collection>(_ exposed: C) -> Bool where C.Element == UInt8 {
        if !allow.isEmpty, !allow.contains(where: { Glob.matches($0, exposed) }) { return false }
        return !deny.contains { Glob.matches($0, exposed) }
    }

    /// The name clients see for an exposed name.
    public func shown(_ exposed: [UInt8]) -> [UInt8] { renamed[exposed] ?? exposed }

    /// The exposed name behind a name a client sent (nil: a renamed-away name, which is hidden).
    public func exposed(from shown: [UInt8]) -> [UInt8]? {
        if let original = original[shown] { return original }
        return renamed[shown] == nil ? shown : nil
    }
}

/// `*` (any run, also empty) and `?` (one byte) globs over bytes, without backtracking blow-up.
public enum Glob {
    public static func matches<C: Collection>(_ pattern: [UInt8], _ text: C) -> Bool where C.Element == UInt8 {
        if let result = text.withContiguousStorageIfAvailable({ match(pattern, $0) }) { return result }
        return Array(text).withUnsafeBufferPointer { match(pattern, $0) }
    }

    private static func match(_ pattern: [UInt8], _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var p = 0, t = 0
        var star = -1, mark = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t] {
                p += 1; t += 1
            } else if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                star = p; mark = t; p += 1
            } else if star >= 0 {
                p = star + 1; mark += 1; t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
