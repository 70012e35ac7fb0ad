/// The session's state for one open stream. Recycled through the session's spare list, so a
/// busy connection allocates none per request. nghttp2 holds it, unretained, as the stream's
/// user data and as the data source of its response; the session's `openStreams` keeps it alive
/// until nghttp2 reports the stream closed.
final class HTTP2Stream {
    var id: Int32 = 0
    /// Position in `HTTP2ServerSession.openStreams` (swap-removal on close).
    var slot: Int = 0
    /// Header list accounting (RFC 9113 §6.5.2 sizes) for the request head.
    var headerListSize: Int = 0
    var headerCount: Int = 0
    var headerTooLarge = false
    /// A content-length that did not parse, or disagreed with an earlier one.
    var malformed = false
    /// The delegate has seen the head (so it hears data, the end and the close).
    var headDelivered = false
    /// The client sent END_STREAM.
    var requestEnded = false
    /// A HEAD request: its response never carries DATA.
    var isHeadRequest = false
    var responseSubmitted = false
    /// Request-body bytes handed to the delegate and not yet acknowledged; returned to the
    /// connection window when the stream closes.
    var unconsumed: Int = 0
    /// The body being sent, if any.
    var body: HTTP2ResponseBody?
    /// The body handed out by `responseBody(stream:)`, reused from stream to stream. Made on
    /// first use, so a delegate that brings its own bodies costs no buffer per stream.
    private var reusableBody: HTTP2ResponseBody?

    /// The reusable body, made now if this stream object never had one.
    func ownBody(settings: HTTP2Settings) -> HTTP2ResponseBody {
        if let reusableBody { return reusableBody }
        let body = HTTP2ResponseBody(capacity: settings.responseBodyCapacity,
                                     lowWaterMark: settings.responseBodyLowWaterMark,
                                     highWaterMark: settings.responseBodyHighWaterMark)
        reusableBody = body
        return body
    }

    /// Forgets the previous stream. A body the delegate still references is left to it and
    /// replaced, as is one that grew well past its initial capacity.
    func reset(id: Int32, settings: HTTP2Settings) {
        self.id = id
        headerListSize = 0
        headerCount = 0
        headerTooLarge = false
        malformed = false
        headDelivered = false
        requestEnded = false
        isHeadRequest = false
        responseSubmitted = false
        unconsumed = 0
        body = nil
        guard reusableBody != nil else { return }
        if !isKnownUniquelyReferenced(&reusableBody)
            || reusableBody!.buffer.capacity > 4 * settings.responseBodyCapacity {
            reusableBody = nil  // the next `ownBody` makes a fresh one
        } else {
            reusableBody!.reset(lowWaterMark: settings.responseBodyLowWaterMark,
                                highWaterMark: settings.responseBodyHighWaterMark)
        }
    }
}
