import CNGHTTP2
import EdgeIO

/// The server side of one HTTP/2 connection, over nghttp2. It owns the `nghttp2_session` (freed
/// in `deinit`), the per-stream state and the reusable request head; it never touches a socket:
/// the connection feeds it the bytes it read (`receive`) and writes the bytes it yields
/// (`produce`). Requests go to the delegate; responses come back through `submitResponse`.
///
/// Only the connection's event-loop thread may call it. This type and `HTTP2Callbacks` are the
/// only places in EdgeHTTP that use unsafe pointers.
public final class HTTP2ServerSession {
    /// Hears about streams. Neither retained nor checked: it must outlive the session (the
    /// connection that owns the session is it). A weak reference would give that connection a
    /// side table and send every retain and release of it down the slow path (2 % of CPU).
    public unowned(unsafe) var delegate: HTTP2ServerSessionDelegate?
    /// The settings in force, clamped to legal values.
    public let settings: HTTP2Settings

    let session: OpaquePointer
    /// The allocator's record of the session's mapped frame buffer; freed after the session.
    private let pages: UnsafeMutablePointer<cedge_h2_pages>
    /// Filled by the header callbacks for the stream whose HEADERS are being decoded (header
    /// blocks of different streams never interleave), reset per stream.
    var requestHead = HTTPRequestHead()
    /// The `cookie` crumbs of that head, joined with "; " (RFC 9113 §8.2.3) and added to it as
    /// one field when the head is complete.
    var cookie: [UInt8] = []
    /// Streams nghttp2 still knows; each holds its index here.
    var openStreams: [HTTP2Stream] = []
    var spareStreams: [HTTP2Stream] = []
    /// Streams whose body fell below its low-water mark during `produce`, reported after it.
    var drainedStreams: [Int32] = []
    var resetCounter: HTTP2FloodCounter
    var emptyDataCounter: HTTP2FloodCounter
    var shutdownPingSent = false
    var headerBlock: [nghttp2_nv] = []
    /// Digits of :status and content-length while a header block is submitted.
    var scratch = [UInt8](repeating: 0, count: 24)

    /// The PING payload that times the final GOAWAY of a graceful shutdown.
    static let shutdownPingPayload: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0x6d, 0x63, 0x70, 0x2d, 0x65, 0x64, 0x67, 0x65) // "mcp-edge"

    /// Creates the session and queues the server's SETTINGS (and the connection window
    /// update): call `produce` to get them out.
    public init(settings: HTTP2Settings = HTTP2Settings(), delegate: HTTP2ServerSessionDelegate?) {
        let s = settings.clamped
        self.settings = s
        self.delegate = delegate
        resetCounter = HTTP2FloodCounter(limit: s.maxResetsPerWindow, windowMilliseconds: s.floodWindowMilliseconds)
        emptyDataCounter = HTTP2FloodCounter(limit: s.maxEmptyDataFramesPerWindow,
                                             windowMilliseconds: s.floodWindowMilliseconds)

        var option: OpaquePointer?
        precondition(nghttp2_option_new(&option) == 0, "nghttp2_option_new: out of memory")
        defer { nghttp2_option_del(option) }
        // Request bytes are acknowledged when forwarded (consumed(stream:bytes:)), not on arrival.
        nghttp2_option_set_no_auto_window_update(option, 1)
        nghttp2_option_set_max_outbound_ack(option, s.maxOutboundAcks)
        nghttp2_option_set_max_continuations(option, s.maxContinuations)
        nghttp2_option_set_no_closed_streams(option, 1)
        // nghttp2's own Rapid Reset bucket (Debian's 1.52 backport) only queues a GOAWAY and
        // keeps reading; HTTP2FloodCounter closes the connection first. This is a backstop.
        let perSecond = max(1, s.maxResetsPerWindow * 1000 / s.floodWindowMilliseconds)
        nghttp2_option_set_stream_reset_rate_limit(option, UInt64(2 * s.maxResetsPerWindow), UInt64(perSecond))

        var raw: OpaquePointer?
        // nghttp2's allocator maps its 16 KiB frame buffer (see CModules/CNGHTTP2/shim.h).
        pages = .allocate(capacity: 1)
        pages.initialize(to: cedge_h2_pages())
        pages.pointee.creating = 1
        var mem = cedge_nghttp2_mem(pages)
        precondition(nghttp2_session_server_new3(&raw, HTTP2Callbacks.shared, nil, option, &mem) == 0
                     && raw != nil, "nghttp2_session_server_new3: out of memory")
        pages.pointee.creating = 0
        session = raw!
        // No capacity reserved up front: these lists grow with the first requests and keep
        // what they reached, so an idle connection holds only what it used (2.5 KiB less).
        nghttp2_session_set_user_data(session, Unmanaged.passUnretained(self).toOpaque())
        submitSettings()
    }

    deinit {
        nghttp2_session_del(session)
        pages.deallocate()
    }

    /// For a session that has been quiet: gives back the memory pages its frame buffer wrote
    /// (4 KiB or more per connection); they come back, zeroed, with the next frame. Does
    /// nothing while frames wait to be sent.
    public func releaseIdlePages() {
        guard !wantsWrite else { return }
        cedge_h2_pages_release(pages)
    }

    /// Resident bytes of the frame buffer (tests).
    var frameBufferResidentBytes: Int { cedge_h2_pages_resident(pages) }

    private func submitSettings() {
        func entry(_ id: nghttp2_settings_id, _ value: Int) -> nghttp2_settings_entry {
            nghttp2_settings_entry(settings_id: Int32(id.rawValue), value: UInt32(value))
        }
        let entries = [
            entry(NGHTTP2_SETTINGS_ENABLE_PUSH, 0),
            entry(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, settings.maxConcurrentStreams),
            entry(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, settings.initialWindowSize),
            entry(NGHTTP2_SETTINGS_MAX_FRAME_SIZE, settings.maxFrameSize),
            entry(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, settings.maxHeaderListSize),
            entry(NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1),
        ]
        var rv = entries.withUnsafeBufferPointer {
            nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), $0.baseAddress, $0.count)
        }
        precondition(rv == 0, "nghttp2_submit_settings: \(rv)")
        rv = nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0,
                                                   Int32(settings.connectionWindowSize))
        precondition(rv == 0, "nghttp2_session_set_local_window_size: \(rv)")
    }

    // MARK: Bytes in and out

    /// Feeds every readable byte of `buffer` to nghttp2 (the reader index moves past them);
    /// delegate calls happen from inside. Throws when the client broke the protocol beyond
    /// repair: write what `produce` still yields, then close.
    public func receive(_ buffer: inout ByteBuffer) throws {
        let count = buffer.readableBytes
        guard count > 0 else { return }
        guard nghttp2_session_want_read(session) != 0 else {
            buffer.moveReaderIndex(forwardBy: count) // closing: what the client sends now is moot
            return
        }
        let rv = withExtendedLifetime(self) {
            buffer.withUnsafeReadableBytes { raw in
                nghttp2_session_mem_recv(session, raw.baseAddress!.assumingMemoryBound(to: UInt8.self), raw.count)
            }
        }
        if rv < 0 {
            buffer.moveReaderIndex(forwardBy: count)
            throw HTTP2SessionError(code: Int32(truncatingIfNeeded: rv))
        }
        buffer.moveReaderIndex(forwardBy: rv)
    }

    /// Hands outbound chunks to `sink` one at a time, straight from nghttp2's buffer (valid only
    /// during the call), until nghttp2 has nothing more or `sink` returns false (a full socket:
    /// call again once it drains). Lets the caller write large DATA frames to the socket without
    /// copying them first. Response bodies are read here; `bodyDrained` is reported at the end.
    public func produce(to sink: HTTP2OutputSink) throws {
        try withExtendedLifetime(self) {
            // Large DATA payloads reach the sink from the response body itself (sendData).
            directSink = sink
            defer { directSink = nil }
            while true {
                var data: UnsafePointer<UInt8>?
                let n = nghttp2_session_mem_send(session, &data)
                if n < 0 { throw HTTP2SessionError(code: Int32(truncatingIfNeeded: n)) }
                if n == 0 || !sink.take(ByteView(start: data, count: n)) { break }
            }
            if !drainedStreams.isEmpty { reportDrained() }
        }
    }

    /// The sink of the `produce(to:)` call in progress (see `sendData`). An object rather than
    /// a closure: storing a closure would allocate a context on every call.
    var directSink: HTTP2OutputSink?
    /// Payloads at least this big are sent without a copy into nghttp2's buffer.
    static let zeroCopyThreshold = 4096
    /// A full DATA frame (9-byte header + payload) is exactly one 16 KiB TLS record. A 16 KiB
    /// payload would need a second record (and a second write) for the last 9 bytes.
    static let maxDataPayload = 16384 - 9

    private func reportDrained() {
        var i = 0
        while i < drainedStreams.count {
            delegate?.http2(self, bodyDrained: drainedStreams[i])
            i += 1
        }
        drainedStreams.removeAll(keepingCapacity: true)
    }

    /// Whether the connection should keep reading. When both this and `wantsWrite` are false
    /// the session is finished and the connection can close.
    public var wantsRead: Bool { nghttp2_session_want_read(session) != 0 }
    /// Whether `produce` has something to write.
    public var wantsWrite: Bool { nghttp2_session_want_write(session) != 0 }

    // MARK: Request flow control

    /// Acknowledges request-body bytes of `stream` that the delegate has forwarded, reopening
    /// the client's windows. Bytes of streams that closed meanwhile were acknowledged then.
    public func consumed(stream id: Int32, bytes: Int) {
        guard bytes > 0, let stream = stream(id) else { return }
        let n = min(bytes, stream.unconsumed)
        guard n > 0 else { return }
        stream.unconsumed -= n
        nghttp2_session_consume(session, id, n)
    }

    // MARK: Ending streams and the connection

    /// Resets one stream (e.g. the upstream failed mid-response); the delegate then hears
    /// `didCloseStream` once the frame is sent.
    public func resetStream(_ id: Int32, error: HTTP2ErrorCode) {
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), id, error.rawValue)
    }

    /// Starts a graceful shutdown: a GOAWAY notice (no new streams, please) and a PING; when
    /// the PING comes back, the final GOAWAY names the last stream that will be served. Streams
    /// in progress finish; then `wantsRead` and `wantsWrite` turn false.
    public func shutdownGracefully() {
        guard !shutdownPingSent else { return }
        shutdownPingSent = true
        nghttp2_submit_shutdown_notice(session)
        var payload = Self.shutdownPingPayload
        withUnsafeBytes(of: &payload) { raw in
            _ = nghttp2_submit_ping(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// Closes the connection at once: GOAWAY with `error` and the last stream processed;
    /// nothing more is read, and `wantsWrite` turns false once the GOAWAY is produced.
    public func goAway(error: HTTP2ErrorCode) {
        nghttp2_session_terminate_session(session, error.rawValue)
    }

    /// The final GOAWAY of a graceful shutdown.
    func submitFinalGoAway() {
        nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue),
                              nghttp2_session_get_last_proc_stream_id(session),
                              HTTP2ErrorCode.noError.rawValue, nil, 0)
    }

    // MARK: Streams and header blocks

    /// The state of an open stream, from nghttp2's stream user data.
    func stream(_ id: Int32) -> HTTP2Stream? {
        guard id > 0, let raw = nghttp2_session_get_stream_user_data(session, id) else { return nil }
        return Unmanaged<HTTP2Stream>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Runs `body` on an open stream without retaining it (per-header callbacks: the stream
    /// stays registered while nghttp2 decodes its header block); nil if it is not open.
    @inline(__always)
    func withStream<R>(_ id: Int32, _ body: (HTTP2Stream) -> R) -> R? {
        guard id > 0, let raw = nghttp2_session_get_stream_user_data(session, id) else { return nil }
        return Unmanaged<HTTP2Stream>.fromOpaque(raw)._withUnsafeGuaranteedRef(body)
    }

    /// A recycled (or new) stream object, registered as open.
    func openStream(_ id: Int32) -> HTTP2Stream {
        let stream = spareStreams.popLast() ?? HTTP2Stream()
        stream.reset(id: id, settings: settings)
        stream.slot = openStreams.count
        openStreams.append(stream)
        return stream
    }

    /// Forgets a stream nghttp2 has closed, keeping the object for reuse.
    func closeStream(_ stream: HTTP2Stream) {
        let last = openStreams.removeLast()
        if last !== stream {
            openStreams[stream.slot] = last
            last.slot = stream.slot
        }
        stream.body = nil
        stream.id = 0
        if spareStreams.count < settings.spareStreams { spareStreams.append(stream) }
    }
}
