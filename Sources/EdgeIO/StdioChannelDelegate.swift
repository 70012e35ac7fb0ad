/// What a `StdioChannel` reports, on its loop's thread. Line views are borrowed: valid only
/// during the call (copy what must outlive it). The delegate may call back into the channel
/// (write, shutdown, kill) from any of these.
public protocol StdioChannelDelegate: AnyObject {
    /// One line of the child's stdout, without its newline (a JSON-RPC message).
    func stdioChannel(_ channel: StdioChannel, didReadLine line: ByteView)
    /// One line of the child's stderr, for the log; cut to the limit when `truncated`.
    func stdioChannel(_ channel: StdioChannel, didReadStderrLine line: ByteView, truncated: Bool)
    /// The child broke the stdout framing; the offending line was dropped, the channel goes on.
    func stdioChannel(_ channel: StdioChannel, didHitProtocolError error: StdioProtocolError)
    /// The queued input fell back below half the high-water mark after having reached it.
    func stdioChannelDidDrainInput(_ channel: StdioChannel)
    /// Reported once, first of: stdout's end, the child closing its stdin, an I/O error, the
    /// child's exit. Input is refused from then on; output still arriving is delivered.
    func stdioChannel(_ channel: StdioChannel, didClose reason: StdioChannel.CloseReason)
    /// Reported once, last: the child has been reaped and every descriptor closed.
    func stdioChannel(_ channel: StdioChannel, didExit status: ExitStatus)
}

extension StdioChannelDelegate {
    public func stdioChannel(_ channel: StdioChannel, didReadStderrLine line: ByteView, truncated: Bool) {}
    public func stdioChannel(_ channel: StdioChannel, didHitProtocolError error: StdioProtocolError) {}
    public func stdioChannelDidDrainInput(_ channel: StdioChannel) {}
}

/// A violation of newline-delimited JSON-RPC framing on a child's stdout.
public enum StdioProtocolError: Error, Equatable, CustomStringConvertible {
    /// A line was longer than the limit (bytes); it was skipped up to its newline.
    case lineTooLong(limit: Int)

    public var description: String {
        switch self {
        case .lineTooLong(let limit): return "a stdout line exceeded \(limit) bytes and was dropped"
        }
    }
}
