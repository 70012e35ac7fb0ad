import EdgeIO

/// The unsent bytes of one response body. The producer (the upstream reader) appends to
/// `buffer`, sets `isComplete` after the last byte, and calls
/// `HTTP2ServerSession.resumeData(stream:)`; the session moves bytes from it into DATA frames
/// as the client's window allows. Owned by one stream; only the event-loop thread touches it.
public final class HTTP2ResponseBody {
    /// Bytes not yet framed.
    public var buffer: ByteBuffer
    /// Whether the producer has appended the last byte; END_STREAM follows the buffer's end.
    public var isComplete: Bool = false
    /// Above this many unsent bytes the producer should pause (the session does not enforce it).
    public var highWaterMark: Int
    /// Below this many unsent bytes the session reports `bodyDrained` to its delegate.
    public var lowWaterMark: Int

    public init(capacity: Int = 16 * 1024, lowWaterMark: Int = 16 * 1024, highWaterMark: Int = 64 * 1024) {
        buffer = ByteBuffer(capacity: capacity)
        self.lowWaterMark = lowWaterMark
        self.highWaterMark = highWaterMark
    }

    /// Whether the producer should stop reading its upstream until `bodyDrained`.
    public var isAboveHighWaterMark: Bool { buffer.readableBytes >= highWaterMark }

    /// How many bytes a producer reading straight into `buffer` should ask for, when `remaining`
    /// bytes of the body are still to come: what fits, cut so the buffer ends on a full DATA
    /// frame. A read that left 20 bytes over a frame boundary would send them as a frame (and
    /// a TLS record) of their own, at full per-record cost to both ends.
    public func readLimit(remaining: Int) -> Int {
        let room = buffer.writableBytes
        guard remaining > room else { return remaining }
        let frame = HTTP2ServerSession.maxDataPayload
        let aligned = (buffer.readableBytes + room) / frame * frame - buffer.readableBytes
        return aligned > 0 ? aligned : room
    }

    /// Empties the body for the next stream, keeping the allocation.
    func reset(lowWaterMark: Int, highWaterMark: Int) {
        buffer.clear()
        isComplete = false
        self.lowWaterMark = lowWaterMark
        self.highWaterMark = highWaterMark
    }
}
