import CNGHTTP2

/// An HTTP/2 error code as carried by RST_STREAM and GOAWAY (RFC 9113 §7). A struct rather
/// than an enum because a peer may send codes this list does not name.
public struct HTTP2ErrorCode: RawRepresentable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let noError = HTTP2ErrorCode(rawValue: 0x0)
    public static let protocolError = HTTP2ErrorCode(rawValue: 0x1)
    public static let internalError = HTTP2ErrorCode(rawValue: 0x2)
    public static let flowControlError = HTTP2ErrorCode(rawValue: 0x3)
    public static let settingsTimeout = HTTP2ErrorCode(rawValue: 0x4)
    public static let streamClosed = HTTP2ErrorCode(rawValue: 0x5)
    public static let frameSizeError = HTTP2ErrorCode(rawValue: 0x6)
    public static let refusedStream = HTTP2ErrorCode(rawValue: 0x7)
    public static let cancel = HTTP2ErrorCode(rawValue: 0x8)
    public static let compressionError = HTTP2ErrorCode(rawValue: 0x9)
    public static let connectError = HTTP2ErrorCode(rawValue: 0xa)
    public static let enhanceYourCalm = HTTP2ErrorCode(rawValue: 0xb)
    public static let inadequateSecurity = HTTP2ErrorCode(rawValue: 0xc)
    public static let http11Required = HTTP2ErrorCode(rawValue: 0xd)
}

/// A connection-level failure reported by nghttp2 (a protocol violation by the client, or
/// memory exhaustion). The connection cannot continue: write what `produce` still yields
/// (it may hold a GOAWAY), then close.
public struct HTTP2SessionError: Error, CustomStringConvertible {
    /// nghttp2's error number (negative, `NGHTTP2_ERR_*`).
    public let code: Int32
    /// nghttp2's description of it.
    public let message: String

    init(code: Int32) {
        self.code = code
        self.message = String(cString: nghttp2_strerror(code))
    }

    public var description: String { "HTTP/2 session error \(code): \(message)" }
}
