import EdgeIO

/// Writes response heads to HTTP/1.x clients: `HTTP/1.1` status line with a standard reason
/// phrase, the fields minus hop-by-hop, `Connection`-listed and framing ones, then its own
/// framing (`Content-Length` or `Transfer-Encoding: chunked`) and `Connection` as needed.
/// Stateless; called by the client side of a connection.
public enum HTTP1ResponseSerializer {
    /// - Parameters:
    ///   - bodyLength: the body's length, or nil for a body of unknown length: chunked for
    ///     HTTP/1.1 clients, close-delimited (and `keepAlive` ignored) for HTTP/1.0 ones. For a
    ///     response to HEAD pass the length the GET would have had and send no body. 1xx, 204
    ///     and 304 responses get no framing field.
    ///   - keepAlive: false writes `Connection: close`; the caller closes after the body.
    ///   - clientVersionMinor: the client's HTTP/1.x minor version (0 gets `Connection:
    ///     keep-alive` when kept alive, and never chunked).
    public static func writeHead(status: Int, fields: HTTPFields, bodyLength: Int?, keepAlive: Bool,
                                 clientVersionMinor: Int = 1, into buffer: inout ByteBuffer) {
        writeStatusLine(status, into: &buffer)
        let options = HTTP1ConnectionOptions(fields)
        for i in fields.fields.indices where !options.drops(fields, i) {
            buffer.writeField(fields, i)
        }
        var keepAlive = keepAlive
        let forbidsBody = status < 200 || status == 204 || status == 304
        if !forbidsBody {
            if let length = bodyLength {
                buffer.write("content-length: ")
                buffer.write(decimal: length)
                buffer.write("\r\n")
            } else if clientVersionMinor >= 1 {
                buffer.write("transfer-encoding: chunked\r\n")
            } else {
                keepAlive = false
            }
        }
        if !keepAlive {
            buffer.write("connection: close\r\n")
        } else if clientVersionMinor == 0 {
            buffer.write("connection: keep-alive\r\n")
        }
        buffer.write("\r\n")
    }

    /// `HTTP/1.1 100 Continue`: the answer to `Expect: 100-continue` when the body is wanted.
    public static func writeContinue(into buffer: inout ByteBuffer) {
        buffer.write("HTTP/1.1 100 Continue\r\n\r\n")
    }

    /// `HTTP/1.1 <status> <reason>\r\n`.
    static func writeStatusLine(_ status: Int, into buffer: inout ByteBuffer) {
        buffer.write("HTTP/1.1 ")
        buffer.write(decimal: status)
        buffer.write(" ")
        buffer.write(HTTP1ReasonPhrase.phrase(for: status))
        buffer.write("\r\n")
    }
}
