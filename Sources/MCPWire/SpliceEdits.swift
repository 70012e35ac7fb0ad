/// Up to four replacements in one message (an id, a tool name, a progress token, a cursor),
/// applied by handing out the unchanged runs and the replacements in order: the caller
/// appends them to its own output buffer, so a rewrite copies each byte once and allocates
/// nothing. Edits live in fixed storage (no array). A value type; build one per message.
public struct SpliceEdits {
    /// One replacement: `range` of the source (indices of the slice given to `apply`, as the
    /// scanner records them) becomes `replacement`. An empty range inserts.
    public struct Edit {
        public var range: Range<Int>
        public var replacement: ArraySlice<UInt8>

        public init(range: Range<Int>, replacement: ArraySlice<UInt8>) {
            self.range = range
            self.replacement = replacement
        }
    }

    /// How many edits one value holds.
    public static let capacity = 4

    private var e0 = Edit(range: 0..<0, replacement: [])
    private var e1 = Edit(range: 0..<0, replacement: [])
    private var e2 = Edit(range: 0..<0, replacement: [])
    private var e3 = Edit(range: 0..<0, replacement: [])
    /// How many edits were added.
    public private(set) var count = 0

    public init() {}

    public var isEmpty: Bool { count == 0 }
    public var isFull: Bool { count == SpliceEdits.capacity }

    /// The edits in source order.
    public subscript(index: Int) -> Edit {
        get {
            precondition(index >= 0 && index < count, "edit index out of range")
            switch index {
            case 0: return e0
            case 1: return e1
            case 2: return e2
            default: return e3
            }
        }
        set {
            switch index {
            case 0: e0 = newValue
            case 1: e1 = newValue
            case 2: e2 = newValue
            default: e3 = newValue
            }
        }
    }

    /// Whether `range` could be added: room is left and it overlaps no edit already added
    /// (touching is fine; two insertions at one index keep the order they were added in).
    public func canAdd(_ range: Range<Int>) -> Bool {
        guard count < SpliceEdits.capacity else { return false }
        for k in 0..<count {
            let other = self[k].range
            let overlaps = range.lowerBound < other.upperBound && other.lowerBound < range.upperBound
            if overlaps { return false }
        }
        return true
    }

    /// Replaces `range` with `replacement`, kept in source order. The caller guarantees room
    /// (`capacity`) and no overlap with an earlier edit (`canAdd`): ranges of different
    /// scanned fields never overlap, but a field and its parent (`params` and `name`) do.
    public mutating func add(_ range: Range<Int>, _ replacement: ArraySlice<UInt8>) {
        precondition(canAdd(range), "SpliceEdits: more than \(SpliceEdits.capacity) edits, or overlapping ones")
        var slot = count
        count += 1
        while slot > 0 && SpliceEdits.goesAfter(self[slot - 1].range, range) {
            self[slot] = self[slot - 1]
            slot -= 1
        }
        self[slot] = Edit(range: range, replacement: replacement)
    }

    /// Source order: by start, an insertion before a replacement that starts where it is.
    private static func goesAfter(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        a.lowerBound > b.lowerBound || (a.lowerBound == b.lowerBound && !a.isEmpty && b.isEmpty)
    }

    /// Hands out `source` with every edit applied, as consecutive pieces (empty pieces are
    /// skipped). Every edit's range must lie inside `source`'s indices.
    public func apply(to source: ArraySlice<UInt8>, _ emit: (ArraySlice<UInt8>) -> Void) {
        var from = source.startIndex
        for k in 0..<count {
            let edit = self[k]
            precondition(edit.range.lowerBound >= from && edit.range.upperBound <= source.endIndex,
                         "SpliceEdits: edit \(edit.range) outside the source \(source.indices)")
            if from < edit.range.lowerBound { emit(source[from..<edit.range.lowerBound]) }
            if !edit.replacement.isEmpty { emit(edit.replacement) }
            from = edit.range.upperBound
        }
        if from < source.endIndex { emit(source[from..<source.endIndex]) }
    }

    /// The source with every edit applied, in a new array (one allocation).
    public func applied(to source: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(source.count + growth)
        apply(to: source) { out.append(contentsOf: $0) }
        return out
    }

    /// How many bytes longer (or, negative, shorter) the edits make the source.
    public var growth: Int {
        var total = 0
        for k in 0..<count { total += self[k].replacement.count - self[k].range.count }
        return total
    }
}
