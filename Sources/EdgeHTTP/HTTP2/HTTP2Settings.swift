/// The limits and flow-control windows of one HTTP/2 server connection, taken from
/// configuration and fixed for the connection's life. Server push is always disabled.
///
/// Defaults follow SECURITY.md: 100 concurrent streams, 64 KiB header lists, 100 header fields.
/// Windows follow Envoy's defaults (256 KiB per stream, 1 MiB per connection): a request body
/// of an MCP call (JSON-RPC, usually a few KiB, capped at 4 MiB) flows in one round trip at
/// 200 Mbit/s over a 10 ms RTT, while the connection window bounds what one client can make
/// mcp-edge hold before the upstream has taken it (request bytes are acknowledged only once
/// forwarded: `HTTP2ServerSession.consumed(stream:bytes:)`).
public struct HTTP2Settings {
    /// SETTINGS_MAX_CONCURRENT_STREAMS: streams opened beyond it are refused (REFUSED_STREAM).
    public var maxConcurrentStreams: Int = 100
    /// SETTINGS_INITIAL_WINDOW_SIZE: request-body bytes one stream may send unacknowledged
    /// (at least 65 535, the protocol's default).
    public var initialWindowSize: Int = 256 * 1024
    /// The connection receive window: request-body bytes all streams together may send
    /// unacknowledged. Not smaller than `initialWindowSize`.
    public var connectionWindowSize: Int = 1024 * 1024
    /// SETTINGS_MAX_HEADER_LIST_SIZE, and the bound enforced on each request's header list
    /// (name + value + 32 per field, RFC 9113 §6.5.2); larger heads are answered 431.
    public var maxHeaderListSize: Int = 64 * 1024
    /// Header fields (pseudo-headers included) per request; more are answered 431.
    public var maxHeaderCount: Int = 100
    /// SETTINGS_MAX_FRAME_SIZE: the largest frame payload the client may send.
    public var maxFrameSize: Int = 16384
    /// Rapid Reset (CVE-2023-44487): RST_STREAM frames a client may send (plus streams mcp-edge
    /// rejects as malformed or oversized) per `floodWindowMilliseconds` before the connection
    /// is closed with GOAWAY(ENHANCE_YOUR_CALM).
    public var maxResetsPerWindow: Int = 200
    /// Empty DATA frames without END_STREAM a client may send per window (a CPU flood).
    public var maxEmptyDataFramesPerWindow: Int = 100
    /// The window over which resets and empty frames are counted.
    public var floodWindowMilliseconds: Int = 1000
    /// Outbound SETTINGS and PING acknowledgements nghttp2 may queue before it closes the
    /// connection (PING/SETTINGS floods by a client that does not read).
    public var maxOutboundAcks: Int = 100
    /// CONTINUATION frames allowed after one HEADERS frame (CONTINUATION floods).
    public var maxContinuations: Int = 8
    /// Initial capacity of the reusable response-body buffer of each stream.
    public var responseBodyCapacity: Int = 16 * 1024
    /// A response body above this many unsent bytes should stop its producer (advisory: see
    /// `HTTP2ResponseBody.isAboveHighWaterMark`).
    public var responseBodyHighWaterMark: Int = 64 * 1024
    /// The delegate hears `bodyDrained` once the unsent bytes of a body fall below this.
    public var responseBodyLowWaterMark: Int = 16 * 1024
    /// Per-stream objects kept for reuse when streams close.
    public var spareStreams: Int = 16

    public init() {}

    /// The values clamped to what RFC 9113 and nghttp2 accept.
    var clamped: HTTP2Settings {
        var s = self
        let maxWindow = Int(Int32.max)
        s.maxConcurrentStreams = min(max(s.maxConcurrentStreams, 1), Int(Int32.max))
        s.initialWindowSize = min(max(s.initialWindowSize, 65535), maxWindow)
        s.connectionWindowSize = min(max(s.connectionWindowSize, s.initialWindowSize), maxWindow)
        s.maxHeaderListSize = min(max(s.maxHeaderListSize, 1024), Int(Int32.max))
        s.maxHeaderCount = max(s.maxHeaderCount, 4)
        s.maxFrameSize = min(max(s.maxFrameSize, 16384), 16_777_215)
        s.maxResetsPerWindow = max(s.maxResetsPerWindow, 1)
        s.maxEmptyDataFramesPerWindow = max(s.maxEmptyDataFramesPerWindow, 1)
        s.floodWindowMilliseconds = max(s.floodWindowMilliseconds, 1)
        s.maxOutboundAcks = max(s.maxOutboundAcks, 1)
        s.maxContinuations = max(s.maxContinuations, 0)
        s.responseBodyCapacity = max(s.responseBodyCapacity, 1024)
        s.responseBodyHighWaterMark = max(s.responseBodyHighWaterMark, 1)
        s.responseBodyLowWaterMark = min(max(s.responseBodyLowWaterMark, 1), s.responseBodyHighWaterMark)
        s.spareStreams = max(s.spareStreams, 0)
        return s
    }
}
