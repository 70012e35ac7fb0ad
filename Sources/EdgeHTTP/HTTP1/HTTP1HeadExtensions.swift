extension HTTPRequestHead {
    /// Whether an HTTP/1.1 client sent `Expect: 100-continue` and waits for `100 Continue`
    /// (or a final status) before sending the body. HTTP/1.0 expectations are ignored.
    public var expectsContinue: Bool {
        guard versionMinor >= 1, let i = fields.firstIndex(of: .expect) else { return false }
        return HTTP1Bytes.equalsIgnoringCase(fields.bytes, fields.fields[i].value, "100-continue")
    }
}

extension HTTPResponseHead {
    /// A 1xx response that precedes the final one (e.g. `100 Continue`): skip it.
    public var isInterim: Bool { status < 200 }
}
