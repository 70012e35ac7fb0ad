import XCTest
import EdgeIO
@testable import EdgeHTTP

final class ChunkedDecoderTests: XCTestCase {
    static let body = "5\r\nhello\r\n6;name=\"v\" ; x\r\n world\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\nY: \r\n\r\n"
    static let data = "hello world0123456789"

    func testWholeBodyWithExtensionsAndTrailers() {
        let raw = H1.bytes(Self.body)
        let (data, next, error) = H1.decodeChunked([raw])
        XCTAssertNil(error)
        XCTAssertEqual(H1.string(data), Self.data)
        XCTAssertEqual(next, raw.count)
    }

    func testDataRangesPointIntoTheCallersBuffer() {
        let buffer = H1.buffer("3\r\nabc\r\n0\r\n\r\nGET")
        var decoder = ChunkedDecoder()
        XCTAssertEqual(decoder.decode(buffer, from: 0), .data(3..<6))
        XCTAssertEqual(H1.string(buffer.storage[3..<6]), "abc")
        XCTAssertEqual(decoder.decode(buffer, from: 6), .end(next: 13))
        XCTAssertEqual(H1.string(buffer.storage[13..<16]), "GET", "pipelined bytes follow")
    }

    func testSplitAtEveryByteBoundary() {
        let raw = H1.bytes(Self.body + "NEXT")
        for cut in 0...raw.count {
            let (data, next, error) = H1.decodeChunked([Array(raw[..<cut]), Array(raw[cut...])])
            XCTAssertNil(error, "cut \(cut)")
            XCTAssertEqual(H1.string(data), Self.data, "cut \(cut)")
            XCTAssertEqual(next, raw.count - 4, "cut \(cut)")
        }
        let (data, next, error) = H1.decodeChunked(raw.map { [$0] })
        XCTAssertNil(error)
        XCTAssertEqual(H1.string(data), Self.data)
        XCTAssertEqual(next, raw.count - 4)
    }

    func testAChunkSplitAcrossReadsComesOutInRuns() {
        var buffer = H1.buffer("A\r\n01234")
        var decoder = ChunkedDecoder()
        XCTAssertEqual(decoder.decode(buffer, from: 0), .data(3..<8))
        XCTAssertEqual(decoder.decode(buffer, from: 8), .needMore)
        buffer.write(contentsOf: H1.bytes("56789\r"))
        XCTAssertEqual(decoder.decode(buffer, from: 8), .data(8..<13))
        XCTAssertEqual(decoder.decode(buffer, from: 13), .needMore)
        buffer.write(contentsOf: H1.bytes("\n0\r\n\r\n"))
        XCTAssertEqual(decoder.decode(buffer, from: 14), .end(next: 20))
    }

    func testLargeSizesAreAcceptedUpTo2Pow62() {
        var decoder = ChunkedDecoder()
        XCTAssertEqual(decoder.decode(H1.buffer("3fffffffffffffff\r\n"), from: 0), .needMore)
        decoder.reset()
        XCTAssertEqual(decoder.decode(H1.buffer("000000000000000F\r\nx"), from: 0), .data(18..<19))
    }

    func testMalformedBodiesTable() {
        let rows: [(String, String, HTTP1ParseError)] = [
            ("bad hex", "g\r\n", .invalidChunkSize),
            ("hex then junk", "5g\r\nhello\r\n", .invalidChunkSize),
            ("empty size", "\r\n", .invalidChunkSize),
            ("negative", "-5\r\n", .invalidChunkSize),
            ("0x prefix", "0x5\r\n", .invalidChunkSize),
            ("leading space", " 5\r\n", .invalidChunkSize),
            ("plus sign", "+5\r\n", .invalidChunkSize),
            ("17 hex digits", "00000000000000005\r\n", .chunkSizeOverflow),
            ("over 2^62", "4000000000000001\r\n", .chunkSizeOverflow),
            ("huge", "ffffffffffffffffff\r\n", .chunkSizeOverflow),
            ("bare LF after size", "5\nhello\r\n0\r\n\r\n", .invalidChunkSize),
            ("CR without LF after size", "5\rhello", .invalidChunkSize),
            ("space then CRLF", "5 \r\nhello", .invalidChunkExtension),
            ("missing CRLF after data", "5\r\nhelloX\r\n", .missingChunkCRLF),
            ("data longer than size", "3\r\nhello\r\n", .missingChunkCRLF),
            ("bare LF after data", "5\r\nhello\n0\r\n\r\n", .missingChunkCRLF),
            ("CR then junk after data", "5\r\nhello\rX", .missingChunkCRLF),
            ("NUL in extension", "5;a\u{0}\r\n", .invalidChunkExtension),
            ("LF in extension", "5;a\nb\r\n", .invalidChunkExtension),
            ("bare LF after last chunk", "0\r\n\n", .invalidTrailer),
            ("trailer obs-fold", "0\r\nX: a\r\n b\r\n\r\n", .invalidTrailer),
            ("trailer without colon", "0\r\nX\r\n\r\n", .invalidTrailer),
            ("trailer space before colon", "0\r\nX : a\r\n\r\n", .invalidTrailer),
            ("trailer control byte", "0\r\nX: \u{1}\r\n\r\n", .invalidTrailer),
            ("trailer bare LF", "0\r\nX: a\n\r\n", .invalidTrailer),
            ("final CR then junk", "0\r\n\rX", .invalidTrailer),
        ]
        for (name, body, expected) in rows {
            let raw = H1.bytes(body)
            XCTAssertEqual(H1.decodeChunked([raw]).error, expected, name)
            XCTAssertEqual(H1.decodeChunked(raw.map { [$0] }).error, expected, "\(name) byte by byte")
        }
    }

    func testExtensionAndTrailerLimits() {
        var limits = HTTP1Limits()
        limits.maxChunkExtensionBytes = 8
        limits.maxTrailerBytes = 16
        let okExtension = H1.bytes("1;abcdefgh\r\nx\r\n0\r\n\r\n")
        XCTAssertNil(H1.decodeChunked([okExtension], limits: limits).error)
        let longExtension = H1.bytes("1;abcdefghi\r\nx\r\n0\r\n\r\n")
        XCTAssertEqual(H1.decodeChunked([longExtension], limits: limits).error, .chunkExtensionTooLong)
        let longTrailer = H1.bytes("0\r\nX-Long: " + String(repeating: "v", count: 16) + "\r\n\r\n")
        XCTAssertEqual(H1.decodeChunked([longTrailer], limits: limits).error, .trailerTooLarge)
        // The extension budget is per size line, not per body.
        let many = H1.bytes(String(repeating: "1;abcdefg\r\nx\r\n", count: 50) + "0\r\n\r\n")
        let (data, _, error) = H1.decodeChunked([many], limits: limits)
        XCTAssertNil(error)
        XCTAssertEqual(data.count, 50)
    }

    func testDecoderIsReadyForTheNextBodyAfterEndAndError() {
        var decoder = ChunkedDecoder()
        XCTAssertEqual(decoder.decode(H1.buffer("zz"), from: 0), .error(.invalidChunkSize))
        XCTAssertEqual(decoder.decode(H1.buffer("0\r\n\r\n"), from: 0), .end(next: 5))
        XCTAssertEqual(decoder.decode(H1.buffer("1\r\na"), from: 0), .data(3..<4))
    }

    func testChunkWriterRoundTrip() {
        var out = ByteBuffer(capacity: 16)
        HTTP1ChunkWriter.writeChunk(H1.bytes("hello")[...], into: &out)
        HTTP1ChunkWriter.writeChunk([][...], into: &out)
        HTTP1ChunkWriter.writeChunkHeader(size: 26, into: &out)
        out.write(contentsOf: H1.bytes("abcdefghijklmnopqrstuvwxyz"))
        HTTP1ChunkWriter.writeChunkEnd(into: &out)
        HTTP1ChunkWriter.writeLastChunk(into: &out)
        XCTAssertEqual(H1.string(out), "5\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n")
        let (data, next, error) = H1.decodeChunked([Array(out.readableSlice)])
        XCTAssertNil(error)
        XCTAssertEqual(H1.string(data), "helloabcdefghijklmnopqrstuvwxyz")
        XCTAssertEqual(next, out.readableBytes)
    }
}

final class ChunkedDecoderBodyLimitTests: XCTestCase {
    private func decodeAll(_ text: String, limit: Int) -> [ChunkedDecodeResult] {
        var decoder = ChunkedDecoder(maxBodyBytes: limit)
        var buffer = ByteBuffer(capacity: 64)
        buffer.write(contentsOf: Array(text.utf8))
        var results: [ChunkedDecodeResult] = []
        var index = buffer.readerIndex
        while true {
            let result = decoder.decode(buffer, from: index)
            results.append(result)
            switch result {
            case .data(let range): index = range.upperBound
            default: return results
            }
        }
    }

    func testChunkSizeOverTheLimitIsRefusedAtItsSizeLine() {
        // Only the size line has arrived: the refusal must not wait for the data.
        XCTAssertEqual(decodeAll("FFFFFFF\r\n", limit: 1 << 20), [.error(.bodyTooLarge)])
        XCTAssertEqual(HTTP1ParseError.bodyTooLarge.status, 413)
    }

    func testChunksAddingUpPastTheLimitAreRefused() {
        let results = decodeAll("4\r\nabcd\r\n5\r\n", limit: 8)
        XCTAssertEqual(results.last, .error(.bodyTooLarge))
    }

    func testBodyAtTheLimitPasses() {
        let results = decodeAll("4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n", limit: 8)
        XCTAssertEqual(results.last, .end(next: 23))
    }

    func testOverflowingSizeIsStillAMalformedChunk() {
        XCTAssertEqual(decodeAll("11111111111111111\r\n", limit: 1 << 20), [.error(.chunkSizeOverflow)])
    }
}
