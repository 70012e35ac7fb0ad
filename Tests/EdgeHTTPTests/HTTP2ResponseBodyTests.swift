import XCTest
@testable import EdgeHTTP
import EdgeIO

final class HTTP2ResponseBodyTests: XCTestCase {
    private let frame = HTTP2ServerSession.maxDataPayload

    func testReadsEndOnAFrameBoundaryUntilTheLastOne() {
        let body = HTTP2ResponseBody(capacity: 64 * 1024)
        let room = body.buffer.writableBytes
        // Plenty still to come: fill whole frames only.
        XCTAssertEqual(body.readLimit(remaining: 1 << 20), room / frame * frame)
        // With 100 bytes already buffered, the read completes their frame and the next ones.
        body.buffer.write(contentsOf: [UInt8](repeating: 1, count: 100))
        let limit = body.readLimit(remaining: 1 << 20)
        XCTAssertEqual((100 + limit) % frame, 0)
        XCTAssertLessThanOrEqual(limit, body.buffer.writableBytes)
        // The end of the body fits: read exactly what is left.
        XCTAssertEqual(body.readLimit(remaining: 5000), 5000)
    }

    func testABufferSmallerThanAFrameReadsWhatFits() {
        let body = HTTP2ResponseBody(capacity: 4096)
        let room = body.buffer.writableBytes
        XCTAssertLessThan(room, frame)
        XCTAssertEqual(body.readLimit(remaining: 1 << 20), room)
    }
}
