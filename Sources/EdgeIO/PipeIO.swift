import Glibc

/// The one place where pipe system calls are made: reads and writes on our non-blocking ends
/// of a child's stdio, with errno turned into an `IOResult` (sockets have `Socket`, whose writes
/// use send(2), which pipes do not accept).
public enum PipeIO {
    /// Reads at most `max` bytes into the free space of `buffer`; `.closed` at end of file.
    public static func read(_ fd: Int32, into buffer: inout ByteBuffer, max: Int = .max) -> IOResult {
        var failure: Int32 = 0
        let n = buffer.withUnsafeMutableWritableBytes { free -> Int in
            let r = Glibc.read(fd, free.baseAddress, Swift.min(free.count, max))
            if r < 0 { failure = errno; return 0 }
            if r == 0 { failure = -1 }
            return r
        }
        if n > 0 { return .count(n) }
        return classify(failure)
    }

    /// Writes the readable bytes of `buffer` (the caller moves its reader index); `.closed` when
    /// the reader is gone (EPIPE; SIGPIPE must be ignored, as `ChildProcess.spawn` makes sure).
    public static func write(_ fd: Int32, from buffer: ByteBuffer) -> IOResult {
        let n = buffer.withUnsafeReadableBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        return n >= 0 ? .count(n) : classify(errno)
    }

    private static func classify(_ error: Int32) -> IOResult {
        switch error {
        case -1, EPIPE: return .closed
        case EAGAIN, EWOULDBLOCK, EINTR: return .wouldBlock
        default: return .failed(error)
        }
    }

    public static func close(_ fd: Int32) { Glibc.close(fd) }
}
