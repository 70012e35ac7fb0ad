#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counts one kind of abusive-when-repeated frame (RST_STREAM from the client, empty DATA)
/// in fixed windows of monotonic time; `record()` says when the count goes over the limit.
struct HTTP2FloodCounter {
    let limit: Int
    let windowNanoseconds: UInt64
    private var windowStart: UInt64 = 0
    private var count: Int = 0

    init(limit: Int, windowMilliseconds: Int) {
        self.limit = limit
        self.windowNanoseconds = UInt64(windowMilliseconds) * 1_000_000
    }

    /// Counts one frame; true when the limit is exceeded within the current window.
    mutating func record() -> Bool {
        let now = HTTP2FloodCounter.monotonicNanoseconds()
        if now &- windowStart >= windowNanoseconds {
            windowStart = now
            count = 0
        }
        count += 1
        return count > limit
    }

    static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
