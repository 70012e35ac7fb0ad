/// The fuzz targets: each takes one input and runs it through a parser the way the data plane
/// does, checking invariants on the way. Called by the libFuzzer executables (`Fuzz/`) and by
/// the corpus replay tests, so a crash found by fuzzing is replayed by `swift test` forever.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case http1Request = "http1-request"
    case http1Response = "http1-response"
    case chunked = "chunked"
    case jsonrpc = "jsonrpc"
    case yamlConfig = "yaml-config"
    case http2Server = "http2-server"
    case sessionOpen = "session-open"
    case sse = "sse"
    case jwt = "jwt"

    /// Runs one input. Returns normally for every input a parser handles correctly (rejected
    /// input included); traps on a crash or a broken invariant.
    public func run(_ data: [UInt8]) {
        switch self {
        case .http1Request: HTTP1RequestFuzz.run(data)
        case .http1Response: HTTP1ResponseFuzz.run(data)
        case .chunked: ChunkedFuzz.run(data)
        case .jsonrpc: JSONRPCFuzz.run(data)
        case .yamlConfig: YAMLConfigFuzz.run(data)
        case .http2Server: HTTP2ServerFuzz.run(data)
        case .sessionOpen: SessionOpenFuzz.run(data)
        case .sse: SSEFuzz.run(data)
        case .jwt: JWTFuzz.run(data)
        }
    }

    /// Entry point shape for `LLVMFuzzerTestOneInput`.
    public func run(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    }
}
