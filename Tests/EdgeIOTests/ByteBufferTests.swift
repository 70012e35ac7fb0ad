import XCTest
@testable import EdgeIO

final class ByteBufferTests: XCTestCase {
    func testWriteNumbersAndCompact() {
        var buffer = ByteBuffer(capacity: 8)
        buffer.write("ab")
        buffer.write(decimal: 12345)
        buffer.write(hex: 0x1f2)
        XCTAssertEqual(String(decoding: buffer.readableSlice, as: UTF8.self), "ab123451f2")
        buffer.moveReaderIndex(forwardBy: 2)
        buffer.compact()
        XCTAssertEqual(buffer.readerIndex, 0)
        XCTAssertEqual(String(decoding: buffer.readableSlice, as: UTF8.self), "123451f2")
    }

    func testReadingEverythingRewinds() {
        var buffer = ByteBuffer(capacity: 4)
        buffer.write(contentsOf: [1, 2, 3])
        buffer.moveReaderIndex(forwardBy: 3)
        XCTAssertEqual(buffer.writerIndex, 0)
        XCTAssertEqual(buffer.writableBytes, 4)
    }
}
