import CNGHTTP2
import EdgeIO

/// Responses: header blocks built in place from `HTTPResponseHead` bytes (no `String`, no
/// per-response allocation) and bodies handed to nghttp2 as data sources.
extension HTTP2ServerSession {
    /// The stream's reusable response body (empty), for `submitResponse(stream:head:body:)`;
    /// nil when the stream is closed. Drop it when the stream closes.
    public func responseBody(stream id: Int32) -> HTTP2ResponseBody? {
        stream(id)?.ownBody(settings: settings)
    }

    /// Queues the response head of `stream`: `:status` and the fields of `head`, hop-by-hop
    /// ones dropped. With a body, DATA frames follow as `body` fills (`resumeData`) and
    /// END_STREAM once it is complete and empty; without one (or for 204/304 and HEAD
    /// requests) the head ends the stream. A client still sending its request when the response
    /// ends is asked to stop (RST_STREAM NO_ERROR, RFC 9113 §8.1). Interim (1xx) responses are
    /// not supported. False if the stream is gone or already answered.
    @discardableResult
    public func submitResponse(stream id: Int32, head: HTTPResponseHead, body: HTTP2ResponseBody?) -> Bool {
        guard let stream = stream(id), !stream.responseSubmitted else { return false }
        let status = (100...999).contains(head.status) ? head.status : 502
        let sendsBody = body != nil && !head.forbidsBody && !stream.isHeadRequest
        let rv: Int32 = head.fields.bytes.withUnsafeBufferPointer { fieldBytes in
            scratch.withUnsafeMutableBufferPointer { digits in
                headerBlock.removeAll(keepingCapacity: true)
                appendStatus(status, digits: digits.baseAddress!)
                if let base = fieldBytes.baseAddress {
                    for field in head.fields.fields where !field.known.isHopByHop && !field.name.isEmpty {
                        headerBlock.append(nghttp2_nv(
                            name: UnsafeMutablePointer(mutating: base + field.name.lowerBound),
                            value: UnsafeMutablePointer(mutating: base + field.value.lowerBound),
                            namelen: field.name.count, valuelen: field.value.count,
                            flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)))
                    }
                }
                return submitHeaderBlock(stream, body: sendsBody ? body : nil)
            }
        }
        return rv == 0
    }

    /// Queues a small complete response (an error page, a JSON-RPC error): `:status`,
    /// `content-type`, `content-length` and `body`, sent from the stream's reusable body
    /// (204 and 304 get the status alone). `status` outside 200...999 becomes 500.
    /// `headers` are further fields (lower-case names), e.g. `www-authenticate`.
    @discardableResult
    public func submitResponse(stream id: Int32, status: Int, contentType: StaticString,
                               headers: [(name: [UInt8], value: [UInt8])] = [], body: [UInt8]) -> Bool {
        guard let stream = stream(id), !stream.responseSubmitted else { return false }
        let status = (200...999).contains(status) ? status : 500
        let mayHaveBody = status != 204 && status != 304
        let responseBody: HTTP2ResponseBody? =
            body.isEmpty || !mayHaveBody || stream.isHeadRequest ? nil : stream.ownBody(settings: settings)
        if let responseBody {
            responseBody.buffer.write(contentsOf: body[...])
            responseBody.isComplete = true
        }
        // The extra fields' bytes in one array, so one pointer covers them all while nghttp2 copies.
        var packed: [UInt8] = []
        for field in headers { packed += field.name; packed += field.value }
        let rv: Int32 = packed.withUnsafeBufferPointer { extra in
            scratch.withUnsafeMutableBufferPointer { digits in
                headerBlock.removeAll(keepingCapacity: true)
                appendStatus(status, digits: digits.baseAddress!)
                if mayHaveBody {
                    headerBlock.append(Self.field("content-type", contentType.utf8Start, contentType.utf8CodeUnitCount))
                    let lengthDigits = Self.writeDecimal(body.count, to: digits.baseAddress! + 3)
                    headerBlock.append(Self.field("content-length", digits.baseAddress! + 3, lengthDigits))
                }
                var offset = 0
                for field in headers {
                    let name = extra.baseAddress! + offset
                    headerBlock.append(nghttp2_nv(name: UnsafeMutablePointer(mutating: name),
                                                  value: UnsafeMutablePointer(mutating: name + field.name.count),
                                                  namelen: field.name.count, valuelen: field.value.count,
                                                  flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue)))
                    offset += field.name.count + field.value.count
                }
                return submitHeaderBlock(stream, body: responseBody)
            }
        }
        return rv == 0
    }

    /// Tells nghttp2 that `body` of `stream` has new bytes (or is now complete) after the read
    /// callback found it empty. Harmless when the stream is not waiting.
    public func resumeData(stream id: Int32) {
        nghttp2_session_resume_data(session, id)
    }

    // MARK: Header blocks

    private func appendStatus(_ status: Int, digits: UnsafeMutablePointer<UInt8>) {
        digits[0] = UInt8(truncatingIfNeeded: 48 + status / 100)
        digits[1] = UInt8(truncatingIfNeeded: 48 + status / 10 % 10)
        digits[2] = UInt8(truncatingIfNeeded: 48 + status % 10)
        let name: StaticString = ":status"
        headerBlock.append(Self.field(name, digits, 3))
    }

    private static func field(_ name: StaticString, _ value: UnsafePointer<UInt8>, _ length: Int) -> nghttp2_nv {
        nghttp2_nv(name: UnsafeMutablePointer(mutating: name.utf8Start),
                   value: UnsafeMutablePointer(mutating: value),
                   namelen: name.utf8CodeUnitCount, valuelen: length,
                   flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
    }

    /// Writes a non-negative integer in decimal (at most 20 digits); returns the digit count.
    private static func writeDecimal(_ value: Int, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var digits = 1
        var rest = value / 10
        while rest > 0 { digits += 1; rest /= 10 }
        var v = value
        var i = digits - 1
        repeat { out[i] = UInt8(truncatingIfNeeded: 48 + v % 10); v /= 10; i -= 1 } while v > 0
        return digits
    }

    /// Submits `headerBlock` for `stream` (nghttp2 copies it), with `body` as data source.
    private func submitHeaderBlock(_ stream: HTTP2Stream, body: HTTP2ResponseBody?) -> Int32 {
        stream.body = body
        let rv: Int32 = headerBlock.withUnsafeBufferPointer { nva in
            if body != nil {
                var provider = nghttp2_data_provider(
                    source: nghttp2_data_source(ptr: Unmanaged.passUnretained(stream).toOpaque()),
                    read_callback: HTTP2Callbacks.readBody)
                return nghttp2_submit_response(session, stream.id, nva.baseAddress, nva.count, &provider)
            }
            return nghttp2_submit_response(session, stream.id, nva.baseAddress, nva.count, nil)
        }
        guard rv == 0 else {
            stream.body = nil
            return rv
        }
        stream.responseSubmitted = true
        return 0
    }
}
