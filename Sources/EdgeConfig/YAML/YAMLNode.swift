/// A position in a YAML text, counted from 1 as editors do.
public struct YAMLMark: Sendable, Hashable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}

/// One node of a composed YAML document. Tags are not resolved: the configuration schema
/// decides how each scalar is read, so `"8"` and `8` are both the text 8.
enum YAMLNode {
    case scalar(Scalar)
    case mapping(Mapping)
    case sequence(Items)

    /// How a scalar was written; quoting matters for `~`/`null` (only the bare forms are null).
    enum ScalarStyle {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    struct Scalar {
        var string: String
        var style: ScalarStyle
        var mark: YAMLMark
    }

    /// Key/value pairs in file order; keys are unique (the composer rejects duplicates).
    struct Mapping: Swift.Sequence {
        // Spelled out rather than inferred from makeIterator().
        typealias Element = (key: YAMLNode, value: YAMLNode)
        typealias Iterator = IndexingIterator<[(key: YAMLNode, value: YAMLNode)]>

        var pairs: [(key: YAMLNode, value: YAMLNode)]
        var mark: YAMLMark
        /// Written `{a: 1}` rather than as an indented block (a hint for the emitter).
        var flow = false

        var isEmpty: Bool { pairs.isEmpty }

        func makeIterator() -> IndexingIterator<[(key: YAMLNode, value: YAMLNode)]> {
            pairs.makeIterator()
        }
    }

    /// A list's items (named so that `Sequence` inside this type still means Swift's protocol).
    struct Items: Swift.Sequence {
        typealias Element = YAMLNode
        typealias Iterator = IndexingIterator<[YAMLNode]>

        var items: [YAMLNode]
        var mark: YAMLMark
        var flow = false

        func makeIterator() -> IndexingIterator<[YAMLNode]> {
            items.makeIterator()
        }
    }

    var isMapping: Bool {
        if case .mapping = self { return true }
        return false
    }

    /// `{}`.
    var isEmptyMapping: Bool {
        if case .mapping(let mapping) = self { return mapping.pairs.isEmpty }
        return false
    }

    /// The items of a sequence; empty for any other node.
    var sequenceItems: [YAMLNode] {
        if case .sequence(let sequence) = self { return sequence.items }
        return []
    }

    /// Where the node starts.
    var mark: YAMLMark {
        switch self {
        case .scalar(let scalar): return scalar.mark
        case .mapping(let mapping): return mapping.mark
        case .sequence(let sequence): return sequence.mark
        }
    }
}

extension YAMLNode: ExpressibleByStringLiteral {
    /// A plain scalar built in code (for writing YAML), at no position in any file.
    init(stringLiteral text: String) {
        self = .scalar(.init(string: text, style: .plain, mark: .generated))
    }
}

extension YAMLMark {
    /// The position of nodes built in code rather than read from a file.
    static let generated = YAMLMark(line: 0, column: 0)
}

/// Why a YAML text could not be composed, with the position libyaml reports.
struct YAMLError: Error {
    /// What went wrong, in libyaml's words ("did not find expected key").
    var problem: String
    var mark: YAMLMark
    /// The construct being read when it went wrong, and where it began.
    var context: (text: String, mark: YAMLMark)?
    /// True when libyaml rejected the text itself; false for the composer's own checks
    /// (duplicate keys, undefined aliases, a second document).
    var isSyntaxError = false
}

/// Builds node trees from libyaml's event stream: anchors are resolved (an alias is a copy of
/// the anchored node) and a key repeated in one mapping is an error, as the YAML spec says.
///
/// Hostile files are bounded: lists and mappings may nest `maxDepth` levels (recursion here,
/// in the decoder and when a tree is freed would otherwise overflow the stack), and aliases
/// may add at most `maxAliasedNodes` nodes to the document (anchors of anchors would
/// otherwise multiply it, as in the "billion laughs" attack). Both count aliases expanded.
struct YAMLComposer {
    /// Far more than any configuration needs (mcp-edge's own schema nests 5 levels).
    static let maxDepth = 256
    static let maxAliasedNodes = 100_000

    /// A composed node with what bounds it once every alias inside is expanded.
    private struct Composed {
        var node: YAMLNode
        /// Nodes, counting each alias as a copy of its anchored node.
        var size: Int
        /// Levels of lists and mappings, 0 for a scalar.
        var height: Int
    }

    private var events: YAMLEventReader
    private var anchors: [String: Composed] = [:]
    private var aliasedNodes = 0

    /// The single document in `text`, or nil when the text holds no document at all.
    static func compose(_ text: String) throws(YAMLError) -> YAMLNode? {
        var composer = YAMLComposer(events: YAMLEventReader(text: text))
        return try composer.composeSingleDocument()
    }

    private init(events: YAMLEventReader) {
        self.events = events
    }

    private mutating func composeSingleDocument() throws(YAMLError) -> YAMLNode? {
        guard case .streamStart = try events.next() else { preconditionFailure("libyaml starts every stream") }
        var event = try events.next()
        guard case .documentStart = event else { return nil }
        let root = try composeNode(try events.next(), depth: 0).node
        guard case .documentEnd = try events.next() else { preconditionFailure("libyaml ends every document") }
        event = try events.next()
        if case .documentStart(let mark) = event {
            throw YAMLError(problem: "expected a single document, found another", mark: mark,
                            context: ("the configuration starts", root.mark))
        }
        return root
    }

    /// `depth`: the lists and mappings around the node.
    private mutating func composeNode(_ event: YAMLEvent, depth: Int) throws(YAMLError) -> Composed {
        switch event {
        case .scalar(let string, let style, let anchor, let mark):
            return remember(Composed(node: .scalar(.init(string: string, style: style, mark: mark)), size: 1, height: 0),
                            as: anchor)
        case .alias(let anchor, let mark):
            guard let anchored = anchors[anchor] else {
                throw YAMLError(problem: "found undefined alias *\(anchor)", mark: mark, context: nil)
            }
            if depth + anchored.height > Self.maxDepth { throw Self.tooDeep(mark) }
            aliasedNodes += anchored.size
            if aliasedNodes > Self.maxAliasedNodes {
                throw YAMLError(problem: "aliases expand to more than \(Self.maxAliasedNodes) nodes; "
                                    + "an alias may repeat a setting, not multiply the file", mark: mark, context: nil)
            }
            return anchored
        case .sequenceStart(let anchor, let flow, let mark):
            if depth >= Self.maxDepth { throw Self.tooDeep(mark) }
            var items: [YAMLNode] = []
            var size = 1, height = 1
            while true {
                let next = try events.next()
                if case .sequenceEnd = next { break }
                let item = try composeNode(next, depth: depth + 1)
                items.append(item.node)
                size += item.size
                height = max(height, item.height + 1)
            }
            return remember(Composed(node: .sequence(.init(items: items, mark: mark, flow: flow)), size: size, height: height),
                            as: anchor)
        case .mappingStart(let anchor, let flow, let mark):
            if depth >= Self.maxDepth { throw Self.tooDeep(mark) }
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            var seen: Set<String> = []
            var size = 1, height = 1
            while true {
                let next = try events.next()
                if case .mappingEnd = next { break }
                let key = try composeNode(next, depth: depth + 1)
                if case .scalar(let scalar) = key.node, !seen.insert(scalar.string).inserted {
                    throw YAMLError(problem: "duplicate key \"\(scalar.string)\" in one mapping; each key may appear only once",
                                    mark: scalar.mark, context: nil)
                }
                let value = try composeNode(try events.next(), depth: depth + 1)
                pairs.append((key.node, value.node))
                size += key.size + value.size
                height = max(height, key.height + 1, value.height + 1)
            }
            return remember(Composed(node: .mapping(.init(pairs: pairs, mark: mark, flow: flow)), size: size, height: height),
                            as: anchor)
        default:
            preconditionFailure("libyaml sends only node events inside a document")
        }
    }

    private static func tooDeep(_ mark: YAMLMark) -> YAMLError {
        YAMLError(problem: "nesting deeper than \(maxDepth) levels (lists and mappings inside one another)",
                  mark: mark, context: nil)
    }

    private mutating func remember(_ composed: Composed, as anchor: String?) -> Composed {
        if let anchor { anchors[anchor] = composed }
        return composed
    }
}
