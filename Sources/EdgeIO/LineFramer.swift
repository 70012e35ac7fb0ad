/// Splits a byte stream into newline-terminated lines held in one buffer, which the reader
/// fills (`buffer`) and `next` hands back as ranges of, so a line is never copied. A trailing
/// "\r" is dropped and empty lines are skipped. A line longer than `maxLength` is either dropped
/// (reported once as `.overlong`) or cut (`.line(…, truncated: true)`), and in both cases the
/// rest of it up to the next newline is discarded as it arrives: the buffer never holds much
/// more than `maxLength` plus one read.
///
/// A range returned by `next` stays valid until the next call to a mutating method.
public struct LineFramer {
    /// One result of `next`.
    public enum Item: Equatable {
        /// `buffer.storage[range]` is a line, without its newline.
        case line(Range<Int>, truncated: Bool)
        /// A line over the limit was dropped (stdout: a protocol error).
        case overlong
    }

    /// The bytes read and not yet framed; readers append to it (after `reserve`).
    public var buffer: ByteBuffer
    public let maxLength: Int
    /// Cut over-long lines instead of dropping them (stderr, which is only logged).
    public let truncates: Bool
    /// Bytes after the reader index already searched for a newline.
    private var scanned = 0
    /// Discarding the rest of an over-long line up to its newline.
    private var skipping = false
    /// Where the reader index moves on the next mutating call (the line last handed out ends there).
    private var consumedTo: Int?

    public init(maxLength: Int, truncates: Bool, initialCapacity: Int = 4096) {
        precondition(maxLength > 0)
        self.maxLength = maxLength
        self.truncates = truncates
        buffer = ByteBuffer(capacity: initialCapacity)
    }

    /// Makes room for a read of `count` bytes (compacting or growing the buffer).
    public mutating func reserve(_ count: Int) {
        settle()
        buffer.reserveWritable(count)
    }

    /// Frees memory a huge line left behind, once nothing is buffered.
    public mutating func shrink(to capacity: Int) {
        settle()
        guard buffer.isEmpty, buffer.capacity > capacity * 4 else { return }
        buffer = ByteBuffer(capacity: capacity)
        scanned = 0
    }

    private mutating func settle() {
        guard let end = consumedTo else { return }
        consumedTo = nil
        buffer.moveReaderIndex(to: end)
        scanned = 0
    }

    /// The next line or report, or nil when no complete line is buffered. With `atEnd` (the
    /// stream is over) a last line without a newline is returned too.
    public mutating func next(atEnd: Bool = false) -> Item? {
        settle()
        while true {
            let start = buffer.readerIndex
            let end = buffer.writerIndex
            if let newline = ByteScan.firstIndex(of: 0x0A, in: buffer.storage, from: start + scanned, to: end) {
                consumedTo = newline + 1
                if skipping {
                    skipping = false
                    settle()
                    continue
                }
                var lineEnd = newline
                if lineEnd > start && buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if let item = frame(start..<lineEnd) { return item }
                settle()
                continue
            }
            scanned = end - start
            if skipping {
                buffer.moveReaderIndex(to: end)
                scanned = 0
                return nil
            }
            if scanned > maxLength {
                skipping = true
                consumedTo = end
                return truncates ? .line(start..<start + maxLength, truncated: true) : .overlong
            }
            if atEnd && scanned > 0 {
                consumedTo = end
                return .line(start..<end, truncated: false)
            }
            return nil
        }
    }

    /// What a complete line becomes: nil for an empty one (skipped).
    private func frame(_ range: Range<Int>) -> Item? {
        if range.isEmpty { return nil }
        if range.count <= maxLength { return .line(range, truncated: false) }
        return truncates ? .line(range.lowerBound..<range.lowerBound + maxLength, truncated: true) : .overlong
    }
}
