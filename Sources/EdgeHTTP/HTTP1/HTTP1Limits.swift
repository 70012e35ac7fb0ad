/// Size limits for the HTTP/1.1 codec. One value per listener (from configuration), copied
/// into each parser; crossing a head limit is answered 431, a chunked-body limit 400.
public struct HTTP1Limits: Equatable {
    /// Request line (or status line) plus every field line and the final empty line.
    public var maxHeadBytes: Int
    /// Field lines in one head.
    public var maxHeaderCount: Int
    /// Bytes of one chunk-size line after the hex digits (extensions, which are ignored).
    public var maxChunkExtensionBytes: Int
    /// Bytes of the trailer section of a chunked body (parsed and dropped).
    public var maxTrailerBytes: Int

    public init(maxHeadBytes: Int = 65536, maxHeaderCount: Int = 100,
                maxChunkExtensionBytes: Int = 1024, maxTrailerBytes: Int = 16384) {
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxChunkExtensionBytes = maxChunkExtensionBytes
        self.maxTrailerBytes = maxTrailerBytes
    }
}
