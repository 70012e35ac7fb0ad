/// Reads a `text/event-stream` body (WHATWG HTML, "Server-sent events", §9.2.6) fed in the
/// pieces it arrives in, and dispatches its events. One per stream, owned by the connection
/// that reads it.
///
/// Follows the WHATWG algorithm: a UTF-8 BOM at the very start is dropped; lines end with
/// CRLF, LF or CR (a CR ending one piece and an LF starting the next are one line end);
/// `:` lines are comments; `field:value` loses one space after the colon, a line without a
/// colon is a field with an empty value; `data` lines are joined with LF, `event` sets the
/// type, `id` sets the last event ID unless it contains NUL, `retry` is taken when all digits;
/// a blank line dispatches, except that an event without data lines is not dispatched (its
/// `id` and `retry` still take effect on `lastEventID` and `retry`). An unfinished event at
/// the end of the stream is never dispatched. UTF-8 is not validated.
///
/// Buffers are reused: after the first events of a stream, parsing allocates only when an
/// event is larger than any before it.
public struct SSEParser {
    /// The longest line, and the most data one event may gather.
    public let maxEventBytes: Int
    /// The last event ID set by an `id` field (kept across events, as a client keeps it).
    public private(set) var lastEventID: [UInt8] = []
    /// The last valid `retry` value, in milliseconds.
    public private(set) var retry: Int?

    /// A line not yet ended, carried from one piece to the next.
    private var partial: [UInt8] = []
    private var data: [UInt8] = []
    private var eventType: [UInt8] = []
    private var eventHasID = false
    private var eventRetry: Int?
    /// The previous piece ended with CR: an LF at the start of this one belongs to it.
    private var afterCR = false
    /// How many bytes of a leading BOM were matched; -1 once past the start of the stream.
    private var bomMatched = 0

    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    public init(maxEventBytes: Int) {
        self.maxEventBytes = maxEventBytes
    }

    /// Parses `bytes`, calling `onEvent` for every event that completes. Returns false when a
    /// line or an event's data is longer than `maxEventBytes`: the stream is then broken and
    /// the parser must not be fed again.
    public mutating func feed(_ bytes: ArraySlice<UInt8>, _ onEvent: (SSEEvent) -> Void) -> Bool {
        var i = bytes.startIndex
        let end = bytes.endIndex
        if bomMatched >= 0 {
            while i < end && bomMatched < 3 && bytes[i] == SSEParser.bom[bomMatched] {
                bomMatched += 1
                i += 1
            }
            if bomMatched == 3 {
                bomMatched = -1
            } else if i == end {
                return true // still possibly a BOM
            } else {
                partial.append(contentsOf: SSEParser.bom[..<bomMatched]) // not a BOM after all
                bomMatched = -1
            }
        }
        if afterCR && i < end {
            afterCR = false
            if bytes[i] == 0x0A { i += 1 }
        }
        while i < end {
            var j = i
            while j < end && bytes[j] != 0x0A && bytes[j] != 0x0D { j += 1 }
            guard partial.count + (j - i) <= maxEventBytes else { return false }
            if j == end {
                partial.append(contentsOf: bytes[i..<end])
                return true
            }
            let ok: Bool
            if partial.isEmpty {
                ok = process(line: bytes[i..<j], onEvent)
            } else {
                partial.append(contentsOf: bytes[i..<j])
                ok = process(line: partial[...], onEvent)
                partial.removeAll(keepingCapacity: true)
            }
            if !ok { return false }
            if bytes[j] == 0x0D {
                if j + 1 < end {
                    if bytes[j + 1] == 0x0A { j += 1 }
                } else {
                    afterCR = true
                }
            }
            i = j + 1
        }
        return true
    }

    /// Interprets one line (without its line end).
    private mutating func process(line: ArraySlice<UInt8>, _ onEvent: (SSEEvent) -> Void) -> Bool {
        guard let first = line.first else {
            dispatch(onEvent)
            return true
        }
        if first == 0x3A { return true } // comment
        let colon = line.firstIndex(of: 0x3A)
        let name = line[..<(colon ?? line.endIndex)]
        var value = colon.map { line[($0 + 1)...] } ?? line[line.endIndex...]
        if value.first == 0x20 { value = value.dropFirst() }
        if name.elementsEqual("data".utf8) {
            guard data.count + value.count <= maxEventBytes else { return false } // joined data, final LF aside
            data.append(contentsOf: value)
            data.append(0x0A)
        } else if name.elementsEqual("event".utf8) {
            eventType.removeAll(keepingCapacity: true)
            eventType.append(contentsOf: value)
        } else if name.elementsEqual("id".utf8) {
            if !value.contains(0) {
                lastEventID.removeAll(keepingCapacity: true)
                lastEventID.append(contentsOf: value)
                eventHasID = true
            }
        } else if name.elementsEqual("retry".utf8) {
            if let milliseconds = SSEParser.digits(value) {
                retry = milliseconds
                eventRetry = milliseconds
            }
        }
        return true
    }

    /// The value of an all-digit field, nil when empty, not all digits, or past `Int.max`.
    private static func digits(_ value: ArraySlice<UInt8>) -> Int? {
        guard !value.isEmpty else { return nil }
        var result = 0
        for b in value {
            guard b >= 0x30 && b <= 0x39 else { return nil }
            let (times, o1) = result.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int(b - 0x30))
            if o1 || o2 { return nil }
            result = sum
        }
        return result
    }

    private mutating func dispatch(_ onEvent: (SSEEvent) -> Void) {
        if !data.isEmpty {
            onEvent(SSEEvent(event: eventType[...], data: data[..<(data.count - 1)],
                             id: eventHasID ? lastEventID[...] : nil, retry: eventRetry))
        }
        data.removeAll(keepingCapacity: true)
        eventType.removeAll(keepingCapacity: true)
        eventHasID = false
        eventRetry = nil
    }
}
