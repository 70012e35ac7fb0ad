/// Splits a fuzz input into pieces the way a socket would deliver it: the first byte seeds a
/// small generator that picks every piece's length (1 to 64 bytes, or the rest at once), so
/// one input also decides where reads end and the fuzzer explores split points as well.
public struct FuzzInput {
    /// The bytes under test (the input without its leading control byte).
    public let payload: [UInt8]
    /// The control byte, for targets that choose a mode from it.
    public let mode: UInt8
    private var state: UInt64

    public init(_ data: [UInt8]) {
        mode = data.first ?? 0
        state = UInt64(mode) &* 0x9E37_79B9_7F4A_7C15 | 1
        payload = Array(data.dropFirst())
    }

    /// The length of the next piece; every eighth piece takes all that is left.
    public mutating func nextPieceLength(remaining: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let pick = Int(truncatingIfNeeded: state >> 33)
        if pick % 8 == 0 { return remaining }
        return Swift.min(remaining, 1 + pick % 64)
    }

    /// The payload cut into pieces (never empty ones).
    public mutating func pieces() -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = 0
        while start < payload.count {
            let length = nextPieceLength(remaining: payload.count - start)
            result.append(payload[start..<(start + length)])
            start += length
        }
        return result
    }
}

/// A fuzz target's own consistency check: traps (so libFuzzer records the input) when two
/// ways of reading the same bytes disagree. Parsers never trap on input; only harnesses do.
@inline(__always)
func expect(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
            file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("fuzz invariant: \(message())", file: file, line: line) }
}
