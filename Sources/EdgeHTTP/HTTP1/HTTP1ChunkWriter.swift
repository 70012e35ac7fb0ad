import EdgeIO

/// Writes the framing of a chunked body (requests to upstreams and responses to clients):
/// `writeChunkHeader`, the data, `writeChunkEnd`; finally `writeLastChunk`. Stateless.
public enum HTTP1ChunkWriter {
    /// `<hex size>\r\n`; `size` must be > 0 (a zero size is the last chunk).
    public static func writeChunkHeader(size: Int, into buffer: inout ByteBuffer) {
        precondition(size > 0, "a zero-size chunk ends the body: use writeLastChunk")
        buffer.write(hex: size)
        buffer.write("\r\n")
    }

    /// The CRLF after a chunk's data.
    public static func writeChunkEnd(into buffer: inout ByteBuffer) {
        buffer.write("\r\n")
    }

    /// A whole chunk: header, data, CRLF. Writes nothing for empty data.
    public static func writeChunk(_ data: ArraySlice<UInt8>, into buffer: inout ByteBuffer) {
        guard !data.isEmpty else { return }
        writeChunkHeader(size: data.count, into: &buffer)
        buffer.write(contentsOf: data)
        buffer.write("\r\n")
    }

    /// `0\r\n\r\n`: the last chunk with no trailers.
    public static func writeLastChunk(into buffer: inout ByteBuffer) {
        buffer.write("0\r\n\r\n")
    }
}
