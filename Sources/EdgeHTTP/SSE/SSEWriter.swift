import EdgeIO

/// Writes `text/event-stream` events and comments, into a connection's `ByteBuffer` or an
/// array. Stateless; any thread may call it.
///
/// Data is split at CRLF, LF and CR into one `data:` line each, so any bytes survive the
/// trip through a parser. `event` and `id` cannot span lines: their CR and LF bytes (and NUL
/// in an id, which a client would ignore the whole field for) are left out.
public enum SSEWriter {
    /// `[event: E]` `[id: I]` `[retry: R]` `data: …` lines, then the blank line.
    public static func writeEvent(data: some Collection<UInt8>, id: ArraySlice<UInt8>? = nil, event: ArraySlice<UInt8>? = nil,
                                  retry: Int? = nil, into out: inout ByteBuffer) {
        writeEvent(data: data, id: id, event: event, retry: retry, to: &out)
    }

    public static func writeEvent(data: some Collection<UInt8>, id: ArraySlice<UInt8>? = nil, event: ArraySlice<UInt8>? = nil,
                                  retry: Int? = nil, into out: inout [UInt8]) {
        writeEvent(data: data, id: id, event: event, retry: retry, to: &out)
    }

    /// `: text` lines (one per line of `text`; `:` alone when empty): ignored by clients, they
    /// keep idle connections and intermediaries from timing out.
    public static func writeComment(_ text: some Collection<UInt8>, into out: inout ByteBuffer) {
        writeLines(prefix: ":", text, to: &out)
    }

    public static func writeComment(_ text: some Collection<UInt8>, into out: inout [UInt8]) {
        writeLines(prefix: ":", text, to: &out)
    }

    private static func writeEvent(data: some Collection<UInt8>, id: ArraySlice<UInt8>?, event: ArraySlice<UInt8>?,
                                   retry: Int?, to sink: inout some SSESink) {
        if let event {
            sink.put("event: ")
            for b in event where b != 0x0A && b != 0x0D { sink.put(b) }
            sink.put(0x0A)
        }
        if let id {
            sink.put("id: ")
            for b in id where b != 0x0A && b != 0x0D && b != 0 { sink.put(b) }
            sink.put(0x0A)
        }
        if let retry, retry >= 0 {
            sink.put("retry: ")
            sink.put(String(retry).utf8)
            sink.put(0x0A)
        }
        writeLines(prefix: "data:", data, to: &sink)
        sink.put(0x0A)
    }

    /// `prefix` + (space + line if not empty) + LF, for every line of `text`.
    private static func writeLines(prefix: StaticString, _ text: some Collection<UInt8>, to sink: inout some SSESink) {
        var i = text.startIndex
        while true {
            var j = i
            while j != text.endIndex && text[j] != 0x0A && text[j] != 0x0D { text.formIndex(after: &j) }
            sink.put(prefix)
            if i != j {
                sink.put(0x20)
                sink.put(text[i..<j])
            }
            sink.put(0x0A)
            guard j != text.endIndex else { return }
            if text[j] == 0x0D {
                let next = text.index(after: j)
                if next != text.endIndex && text[next] == 0x0A { j = next }
            }
            i = text.index(after: j)
            if i == text.endIndex {
                // Text ending in a line break ends with an empty line.
                sink.put(prefix)
                sink.put(0x0A)
                return
            }
        }
    }
}

/// Where `SSEWriter` puts bytes.
protocol SSESink {
    mutating func put(_ byte: UInt8)
    mutating func put<C: Collection>(_ bytes: C) where C.Element == UInt8
}

extension SSESink {
    mutating func put(_ text: StaticString) {
        put(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}

extension ByteBuffer: SSESink {
    mutating func put(_ byte: UInt8) { write(byte) }
    mutating func put<C: Collection>(_ bytes: C) where C.Element == UInt8 { write(contentsOf: bytes) }
}

extension Array: SSESink where Element == UInt8 {
    mutating func put(_ byte: UInt8) { append(byte) }
    mutating func put<C: Collection>(_ bytes: C) where C.Element == UInt8 { append(contentsOf: bytes) }
}
