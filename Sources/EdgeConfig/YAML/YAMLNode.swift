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
    case sequence(Sequence)

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
        var pairs: [(key: YAMLNode, value: YAMLNode)]
        var mark: YAMLMark
        /// Written `{a: 1}` rather than as an indented block (a hint for the emitter).
        var flow = false

        var isEmpty: Bool { pairs.isEmpty }

        func makeIterator() -> IndexingIterator<[(key: YAMLNode, value: YAMLNode)]> {
            pairs.makeIterator()
        }
    }

    struct Sequence: Swift.Sequence {
        var items: [YAMLNode]
        var mark: YAMLMark
        var flow = false

        func makeIterator() -> IndexingIterator<[YAMLNode]> {
            items.makeIterator()
        }
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
struct YAMLComposer {
    private var events: YAMLEventReader
    private var anchors: [String: YAMLNode] = [:]

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
        let root = try composeNode(try events.next())
        guard case .documentEnd = try events.next() else { preconditionFailure("libyaml ends every document") }
        event = try events.next()
        if case .documentStart(let mark) = event {
            throw YAMLError(problem: "expected a single document, found another", mark: mark,
                            context: ("the configuration starts", root.mark))
        }
        return root
    }

    private mutating func composeNode(_ event: YAMLEvent) throws(YAMLError) -> YAMLNode {
        switch event {
        case .scalar(let string, let style, let anchor, let mark):
            return remember(.scalar(.init(string: string, style: style, mark: mark)), as: anchor)
        case .alias(let anchor, let mark):
            guard let node = anchors[anchor] else {
                throw YAMLError(problem: "found undefined alias *\(anchor)", mark: mark, context: nil)
            }
            return node
        case .sequenceStart(let anchor, let flow, let mark):
            var items: [YAMLNode] = []
            while true {
                let next = try events.next()
                if case .sequenceEnd = next { break }
                items.append(try composeNode(next))
            }
            return remember(.sequence(.init(items: items, mark: mark, flow: flow)), as: anchor)
        case .mappingStart(let anchor, let flow, let mark):
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            var seen: Set<String> = []
            while true {
                let next = try events.next()
                if case .mappingEnd = next { break }
                let key = try composeNode(next)
                if case .scalar(let scalar) = key, !seen.insert(scalar.string).inserted {
                    throw YAMLError(problem: "duplicate key \"\(scalar.string)\" in one mapping; each key may appear only once",
                                    mark: mark, context: nil)
                }
                pairs.append((key, try composeNode(try events.next())))
            }
            return remember(.mapping(.init(pairs: pairs, mark: mark, flow: flow)), as: anchor)
        default:
            preconditionFailure("libyaml sends only node events inside a document")
        }
    }

    private mutating func remember(_ node: YAMLNode, as anchor: String?) -> YAMLNode {
        if let anchor { anchors[anchor] = node }
        return node
    }
}
