/// Why an HTTP/1.1 head or chunked body was rejected. Each case carries the status a server
/// answers a client with (`status`) and a short reason for the response body and the log.
/// Errors from `HTTP1ResponseParser` describe a broken upstream: answer the client 502.
public enum HTTP1ParseError: Error, Equatable {
    // 431
    case headTooLarge
    case tooManyFields
    // 400: framing of lines
    case bareCR
    case bareLF
    case leadingEmptyLine
    case obsFold
    // 400: request / status line
    case invalidRequestLine
    case invalidMethod
    case invalidTarget
    case absoluteFormTarget
    case invalidVersion
    case invalidStatusLine
    // 505
    case unsupportedVersion
    // 400: fields
    case invalidFieldName
    case whitespaceBeforeColon
    case invalidFieldValue
    case missingHost
    case duplicateHost
    case invalidHost
    case invalidContentLength
    case duplicateContentLength
    case contentLengthWithTransferEncoding
    case invalidTransferEncoding
    case transferEncodingInHTTP10
    // 501
    case unsupportedTransferCoding
    // 417
    case unsupportedExpectation
    // response only (502 to the client)
    case unexpectedSwitchingProtocols
    // 400: chunked body
    case invalidChunkSize
    case chunkSizeOverflow
    case invalidChunkExtension
    case chunkExtensionTooLong
    case missingChunkCRLF
    /// 413: the chunk sizes add up to more than the body limit.
    case bodyTooLarge
    case invalidTrailer
    case trailerTooLarge

    /// The status to answer a client with when its request is rejected.
    public var status: Int {
        switch self {
        case .headTooLarge, .tooManyFields: return 431
        case .unsupportedVersion: return 505
        case .bodyTooLarge: return 413
        case .unsupportedTransferCoding: return 501
        case .unsupportedExpectation: return 417
        case .unexpectedSwitchingProtocols: return 502
        default: return 400
        }
    }

    /// A short reason, safe to send to the client and to log.
    public var reason: StaticString {
        switch self {
        case .headTooLarge: return "request head too large"
        case .tooManyFields: return "too many header fields"
        case .bareCR: return "bare CR in head"
        case .bareLF: return "bare LF line ending"
        case .leadingEmptyLine: return "empty line before request line"
        case .obsFold: return "obsolete line folding"
        case .invalidRequestLine: return "malformed request line"
        case .invalidMethod: return "invalid method"
        case .invalidTarget: return "invalid request target"
        case .absoluteFormTarget: return "absolute-form target not accepted"
        case .invalidVersion: return "malformed HTTP version"
        case .invalidStatusLine: return "malformed status line"
        case .unsupportedVersion: return "HTTP version not supported"
        case .invalidFieldName: return "invalid header field name"
        case .whitespaceBeforeColon: return "whitespace before colon in header field"
        case .invalidFieldValue: return "invalid byte in header field value"
        case .missingHost: return "missing Host"
        case .duplicateHost: return "more than one Host"
        case .invalidHost: return "invalid Host"
        case .invalidContentLength: return "invalid Content-Length"
        case .duplicateContentLength: return "more than one Content-Length"
        case .contentLengthWithTransferEncoding: return "both Content-Length and Transfer-Encoding"
        case .invalidTransferEncoding: return "malformed Transfer-Encoding"
        case .transferEncodingInHTTP10: return "Transfer-Encoding in HTTP/1.0"
        case .unsupportedTransferCoding: return "transfer coding not implemented"
        case .unsupportedExpectation: return "expectation not supported"
        case .unexpectedSwitchingProtocols: return "unexpected 101 Switching Protocols"
        case .invalidChunkSize: return "invalid chunk size"
        case .chunkSizeOverflow: return "chunk size too large"
        case .invalidChunkExtension: return "invalid chunk extension"
        case .chunkExtensionTooLong: return "chunk extension too long"
        case .missingChunkCRLF: return "missing CRLF after chunk"
        case .bodyTooLarge: return "request body exceeds limits.max_body_bytes"
        case .invalidTrailer: return "invalid trailer field"
        case .trailerTooLarge: return "trailer section too large"
        }
    }
}

/// The outcome of one `parseHead` call on either HTTP/1.1 parser.
public enum HTTP1ParseResult: Equatable {
    /// The head is not complete yet: call again when more bytes have arrived, with the same
    /// `readerIndex` (the parser remembers how far it searched).
    case incomplete
    /// The head is complete and the head struct filled; `headLength` bytes from
    /// `buffer.readerIndex` belong to it (the body, if any, starts right after).
    case complete(headLength: Int)
    /// The head is invalid: answer `error.status` (requests) or 502 (responses) and close.
    case error(HTTP1ParseError)
}

/// How the body after a head is delimited.
public enum HTTP1BodyFraming: Equatable {
    /// No body (also for 1xx, 204, 304 and responses to HEAD).
    case none
    /// Exactly this many bytes (never 0: that is `.none`).
    case length(Int)
    /// A chunked body: feed it to a `ChunkedDecoder`.
    case chunked
    /// A response body that ends when the upstream closes the connection.
    case untilClose
}
