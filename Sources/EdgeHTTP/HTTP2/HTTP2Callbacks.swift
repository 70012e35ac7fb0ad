import CNGHTTP2
import EdgeIO

/// The C callbacks nghttp2 calls, registered once per process; each finds its
/// `HTTP2ServerSession` through the session's user data (unretained: the session outlives its
/// `nghttp2_session`) and its stream through the stream's user data.
enum HTTP2Callbacks {
    static let shared: OpaquePointer = {
        var callbacks: OpaquePointer?
        precondition(nghttp2_session_callbacks_new(&callbacks) == 0, "nghttp2_session_callbacks_new: out of memory")
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, onBeginHeaders)
        nghttp2_session_callbacks_set_on_header_callback(callbacks, onHeader)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, onFrameRecv)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, onDataChunkRecv)
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, onStreamClose)
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, onFrameSend)
        nghttp2_session_callbacks_set_send_data_callback(callbacks, sendData)
        return callbacks!
    }()

    /// Runs `body` on the session behind `userData` without retaining it: nghttp2 calls back
    /// only from inside the session's own calls, so the session is alive throughout (a retain
    /// and release per callback were about 50 atomic operations per request).
    @inline(__always)
    static func owner<R>(_ userData: UnsafeMutableRawPointer?, _ body: (HTTP2ServerSession) -> R) -> R {
        Unmanaged<HTTP2ServerSession>.fromOpaque(userData!)._withUnsafeGuaranteedRef(body)
    }

    /// The same for the stream behind a data source (the session's table keeps it alive).
    @inline(__always)
    static func stream<R>(_ source: UnsafeMutablePointer<nghttp2_data_source>?, _ body: (HTTP2Stream) -> R) -> R {
        Unmanaged<HTTP2Stream>.fromOpaque(source!.pointee.ptr)._withUnsafeGuaranteedRef(body)
    }

    static let onBeginHeaders: nghttp2_on_begin_headers_callback = { _, frame, userData in
        owner(userData) { $0.beginHeaders(frame!) }
    }

    static let onHeader: nghttp2_on_header_callback = { _, frame, name, nameLength, value, valueLength, _, userData in
        owner(userData) {
            $0.header(frame!, name: UnsafeBufferPointer(start: name, count: nameLength),
                      value: UnsafeBufferPointer(start: value, count: valueLength))
        }
    }

    static let onFrameRecv: nghttp2_on_frame_recv_callback = { _, frame, userData in
        owner(userData) { $0.frameReceived(frame!) }
    }

    static let onDataChunkRecv: nghttp2_on_data_chunk_recv_callback = { _, _, streamID, data, length, userData in
        owner(userData) { $0.dataReceived(stream: streamID, data: ByteView(start: data, count: length)) }
    }

    static let onStreamClose: nghttp2_on_stream_close_callback = { _, streamID, errorCode, userData in
        owner(userData) { $0.streamClosed(streamID, errorCode: errorCode) }
    }

    static let onFrameSend: nghttp2_on_frame_send_callback = { _, frame, userData in
        owner(userData) { $0.frameSent(frame!) }
    }

    /// The data source of every response body: its `ptr` is the `HTTP2Stream`.
    static let readBody: nghttp2_data_source_read_callback = { _, _, buf, length, flags, source, userData in
        stream(source) { stream in owner(userData) { $0.readBody(stream, into: buf!, length: length, flags: flags!) } }
    }

    /// A DATA frame whose payload `readBody` left in the stream's body buffer (NO_COPY).
    static let sendData: nghttp2_send_data_callback = { _, _, framehd, length, source, userData in
        stream(source) { stream in
            owner(userData) { $0.sendData(stream, frameHeader: ByteView(start: framehd, count: 9), length: length) }
        }
    }
}

private let endStreamFlag = UInt8(NGHTTP2_FLAG_END_STREAM.rawValue)
private let ackFlag = UInt8(NGHTTP2_FLAG_ACK.rawValue)
private let temporalFailure = NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue

@inline(__always)
private func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
    guard bytes.count == literal.utf8CodeUnitCount else { return false }
    let start = literal.utf8Start
    for i in 0..<bytes.count where bytes[i] != start[i] { return false }
    return true
}

extension HTTP2ServerSession {
    func beginHeaders(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        let hd = frame.pointee.hd
        guard UInt32(hd.type) == NGHTTP2_HEADERS.rawValue,
              frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST else { return 0 }
        let stream = openStream(hd.stream_id)
        requestHead.reset()
        cookie.removeAll(keepingCapacity: true)
        if nghttp2_session_set_stream_user_data(session, hd.stream_id, Unmanaged.passUnretained(stream).toOpaque()) != 0 {
            closeStream(stream)
        }
        return 0
    }

    /// One decoded field of a request head (trailers are ignored). Sizes are counted before
    /// anything is kept, so an oversized head costs no memory past the limit.
    func header(_ frame: UnsafePointer<nghttp2_frame>, name: UnsafeBufferPointer<UInt8>,
                value: UnsafeBufferPointer<UInt8>) -> Int32 {
        guard frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST else { return 0 }
        return withStream(frame.pointee.hd.stream_id) { header(of: $0, name: name, value: value) } ?? 0
    }

    private func header(of stream: HTTP2Stream, name: UnsafeBufferPointer<UInt8>,
                        value: UnsafeBufferPointer<UInt8>) -> Int32 {
        guard !stream.headerTooLarge else { return 0 }
        stream.headerCount += 1
        stream.headerListSize += name.count + value.count + 32
        if stream.headerCount > settings.maxHeaderCount || stream.headerListSize > settings.maxHeaderListSize {
            stream.headerTooLarge = true
            return 0
        }
        if name.first == UInt8(ascii: ":") {
            if equals(name, ":method") {
                requestHead.methodBytes.append(contentsOf: value)
                requestHead.method = HTTPRequestHead.method(from: requestHead.methodBytes[...])
            } else if equals(name, ":path") {
                requestHead.target.append(contentsOf: value)
            } else if equals(name, ":authority") {
                requestHead.authority.append(contentsOf: value)
            }
            // :scheme and :protocol: checked by nghttp2, not carried.
            return 0
        }
        if equals(name, "cookie") {
            if !cookie.isEmpty { cookie.append(contentsOf: "; ".utf8) }
            cookie.append(contentsOf: value)
            return 0
        }
        requestHead.fields.append(name: ByteView(start: name.baseAddress, count: name.count),
                                  value: ByteView(start: value.baseAddress, count: value.count))
        if requestHead.fields.fields[requestHead.fields.count - 1].known == .contentLength {
            if let length = Self.parseContentLength(value),
               requestHead.contentLength == nil || requestHead.contentLength == length {
                requestHead.contentLength = length
            } else {
                stream.malformed = true
            }
        }
        return 0
    }

    static func parseContentLength(_ value: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !value.isEmpty, value.count <= 18 else { return nil }
        var result = 0
        for byte in value {
            let digit = byte &- 48
            guard digit < 10 else { return nil }
            result = result * 10 + Int(digit)
        }
        return result
    }

    func frameReceived(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        let hd = frame.pointee.hd
        let endStream = hd.flags & endStreamFlag != 0
        switch UInt32(hd.type) {
        case NGHTTP2_DATA.rawValue:
            if endStream {
                requestEnded(hd.stream_id)
            } else if hd.length == 0 && emptyDataCounter.record() {
                goAway(error: .enhanceYourCalm)
            }
        case NGHTTP2_HEADERS.rawValue:
            if frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST {
                if let stream = stream(hd.stream_id) { headComplete(stream, endStream: endStream) }
            } else if endStream {
                requestEnded(hd.stream_id)
            }
        case NGHTTP2_RST_STREAM.rawValue:
            if resetCounter.record() { goAway(error: .enhanceYourCalm) }
        case NGHTTP2_PING.rawValue:
            if hd.flags & ackFlag != 0 && shutdownPingSent && isShutdownPing(frame) {
                submitFinalGoAway()
            }
        default:
            break
        }
        return 0
    }

    private func isShutdownPing(_ frame: UnsafePointer<nghttp2_frame>) -> Bool {
        var received = frame.pointee.ping.opaque_data
        var expected = Self.shutdownPingPayload
        return withUnsafeBytes(of: &received) { r in
            withUnsafeBytes(of: &expected) { e in r.elementsEqual(e) }
        }
    }

    private func requestEnded(_ id: Int32) {
        guard let stream = stream(id) else { return }
        stream.requestEnded = true
        if stream.headDelivered { delegate?.http2(self, didEndStream: id) }
    }

    /// The request head is decoded: answer 431 if it was too large, reset the stream if it is
    /// malformed, else hand it to the delegate.
    private func headComplete(_ stream: HTTP2Stream, endStream: Bool) {
        stream.requestEnded = endStream
        // Rejected streams count like client resets: refusing them costs as much as a reset.
        if stream.headerTooLarge {
            _ = submitResponse(stream: stream.id, status: 431, contentType: "text/plain", body: [])
            if resetCounter.record() { goAway(error: .enhanceYourCalm) }
            return
        }
        if stream.malformed || requestHead.method == .connect {
            resetStream(stream.id, error: .protocolError)  // counted when sent (frameSent)
            return
        }
        if !cookie.isEmpty {
            requestHead.fields.append(name: "cookie".utf8, value: cookie)
            cookie.removeAll(keepingCapacity: true)
        }
        if requestHead.authority.isEmpty, let host = requestHead.fields.first(.host) {
            requestHead.authority.append(contentsOf: host)
        }
        stream.headDelivered = true
        stream.isHeadRequest = requestHead.method == .head
        delegate?.http2(self, didReceiveHead: &requestHead, stream: stream.id, endStream: endStream)
    }

    /// The last frame of a response is out: a client still sending its request is asked to
    /// stop, which also closes the stream (RFC 9113 §8.1). Not sooner: nghttp2 drops frames
    /// still queued for a stream once a RST_STREAM is queued for it.
    ///
    /// Every RST_STREAM the server sends with an error counts in the reset budget, like the
    /// client's own resets: a client can make nghttp2 reset its streams (window overflow,
    /// content-length mismatch: "MadeYouReset", CVE-2025-8671) as cheaply as it resets them.
    func frameSent(_ frame: UnsafePointer<nghttp2_frame>) -> Int32 {
        let hd = frame.pointee.hd
        if UInt32(hd.type) == NGHTTP2_RST_STREAM.rawValue {
            if frame.pointee.rst_stream.error_code != HTTP2ErrorCode.noError.rawValue && resetCounter.record() {
                goAway(error: .enhanceYourCalm)
            }
            return 0
        }
        guard hd.flags & endStreamFlag != 0, hd.stream_id > 0,
              let stream = stream(hd.stream_id), !stream.requestEnded else { return 0 }
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), hd.stream_id,
                                  HTTP2ErrorCode.noError.rawValue)
        return 0
    }

    func dataReceived(stream id: Int32, data: ByteView) -> Int32 {
        guard let stream = stream(id), stream.headDelivered, let delegate else {
            // Nobody will forward these bytes: give the window back now.
            nghttp2_session_consume(session, id, data.count)
            return 0
        }
        stream.unconsumed += data.count
        delegate.http2(self, didReceiveData: data, stream: id)
        return 0
    }

    func streamClosed(_ id: Int32, errorCode: UInt32) -> Int32 {
        guard let stream = stream(id) else { return 0 }
        if stream.unconsumed > 0 {
            // The delegate drops its state now and will never acknowledge these bytes.
            nghttp2_session_consume_connection(session, stream.unconsumed)
            stream.unconsumed = 0
        }
        if stream.headDelivered { delegate?.http2(self, didCloseStream: id, errorCode: errorCode) }
        closeStream(stream)
        return 0
    }

    /// Copies the next DATA payload of `stream` out of its body (the one copy into nghttp2's
    /// frame buffer), defers while the producer has nothing, ends the stream when complete.
    func readBody(_ stream: HTTP2Stream, into buf: UnsafeMutablePointer<UInt8>, length: Int,
                  flags: UnsafeMutablePointer<UInt32>) -> Int {
        guard let body = stream.body else {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            return 0
        }
        let available = body.buffer.readableBytes
        if available == 0 {
            guard body.isComplete else { return Int(NGHTTP2_ERR_DEFERRED.rawValue) }
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
            return 0
        }
        let n = min(available, length, HTTP2ServerSession.maxDataPayload)
        if n == available && body.isComplete {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue
        }
        if n >= HTTP2ServerSession.zeroCopyThreshold && directSink != nil {
            // Large payloads are not copied into nghttp2's buffer: `sendData` hands them to the
            // sink straight from the body buffer, frame header in front.
            flags.pointee |= NGHTTP2_DATA_FLAG_NO_COPY.rawValue
            return n
        }
        body.buffer.withUnsafeReadableBytes { raw in
            buf.update(from: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n)
        }
        consumeBody(stream, body, n)
        return n
    }

    private func consumeBody(_ stream: HTTP2Stream, _ body: HTTP2ResponseBody, _ n: Int) {
        let available = body.buffer.readableBytes
        body.buffer.moveReaderIndex(forwardBy: n)
        if !body.isComplete && available >= body.lowWaterMark && available - n < body.lowWaterMark {
            drainedStreams.append(stream.id)
        }
    }

    /// Emits one DATA frame: the 9-byte header written into the space just before the payload
    /// (already sent bytes) so that header and payload leave in one piece; two pieces when there
    /// is no such space. No padding is ever configured.
    func sendData(_ stream: HTTP2Stream, frameHeader: ByteView, length: Int) -> Int32 {
        guard let body = stream.body, let sink = directSink, body.buffer.readableBytes >= length else {
            return Int32(NGHTTP2_ERR_CALLBACK_FAILURE.rawValue)
        }
        let start = body.buffer.readerIndex
        var more = true
        if body.buffer.prepend(frameHeader) {
            more = body.buffer.withView(start - 9..<(start + length)) { sink.take($0) }
            body.buffer.moveReaderIndex(forwardBy: 9)
        } else {
            _ = sink.take(frameHeader)
            more = body.buffer.withView(start..<(start + length)) { sink.take($0) }
        }
        consumeBody(stream, body, length)
        // The sink is full (socket blocked): stop producing until it drains.
        return more ? 0 : Int32(NGHTTP2_ERR_PAUSE.rawValue)
    }
}
