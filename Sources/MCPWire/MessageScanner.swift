/// Reads one JSON-RPC message in a single pass over its bytes, without building a tree and
/// without allocating: validates that the bytes are exactly one well-formed JSON value
/// (RFC 8259 grammar; UTF-8 inside strings is not validated) and that it is a JSON-RPC 2.0
/// message, and records where the fields the gateway routes on are (`MessageFields`).
/// Stateless; any thread may call it.
///
/// Keys are matched on their raw bytes; a key written with escapes (`"n\u0061me"`) is decoded
/// and matched too, so it can neither hide a duplicate nor be taken for another key.
/// A tracked key given twice in one object makes the message `.invalidRequest`: a backend's
/// parser would keep the last one, and the gateway must never route on another value than
/// the backend sees.
public enum MessageScanner {
    /// The deepest nesting the scanner tracks, whatever `maxDepth` asks for (its bit stack has
    /// fixed storage).
    public static let depthCapacity = ContainerStack.capacity

    /// Validates `bytes` as one JSON-RPC message and locates its fields. Ranges are indices
    /// of `bytes` (a slice of a connection buffer keeps its own indices). Nesting deeper than
    /// `maxDepth` (clamped to `depthCapacity`) fails with `.tooDeep` as soon as it is seen;
    /// otherwise a malformed input is `.parseError` even when it also breaks JSON-RPC rules.
    public static func scan(_ bytes: ArraySlice<UInt8>, maxDepth: Int = 64) -> Result<MessageFields, ScanFailure> {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return .failure(.parseError) }
            var walk = MessageWalk(lexer: JSONLexer(base: base, count: buffer.count), origin: bytes.startIndex)
            return walk.run(maxDepth: Swift.min(Swift.max(maxDepth, 0), depthCapacity))
        }
    }

    /// The type of the value at `range` of `bytes`, from its first byte. For ranges the
    /// scanner recorded (which are never empty).
    public static func kind(of range: Range<Int>, in bytes: ArraySlice<UInt8>) -> JSONKind {
        precondition(!range.isEmpty && range.lowerBound >= bytes.startIndex && range.upperBound <= bytes.endIndex,
                     "a range the scanner recorded in these bytes")
        return kind(firstByte: bytes[range.lowerBound])
    }

    @inline(__always)
    static func kind(firstByte: UInt8) -> JSONKind {
        switch firstByte {
        case 0x22: return .string
        case 0x7B: return .object
        case 0x5B: return .array
        case 0x74, 0x66: return .bool
        case 0x6E: return .null
        default: return .number
        }
    }
}
