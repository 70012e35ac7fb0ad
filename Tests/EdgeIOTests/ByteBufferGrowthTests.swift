import XCTest
@testable import EdgeIO

final class ByteBufferGrowthTests: XCTestCase {
    private func text(_ buffer: ByteBuffer) -> String {
        String(decoding: buffer.readableSlice, as: UTF8.self)
    }

    func testReserveWritableGrowsAndKeepsContent() {
        var buffer = ByteBuffer(capacity: 4)
        buffer.write(contentsOf: Array("abcd".utf8))
        XCTAssertEqual(buffer.writableBytes, 0)
        buffer.reserveWritable(100)
        XCTAssertGreaterThanOrEqual(buffer.writableBytes, 100)
        XCTAssertEqual(text(buffer), "abcd")
        buffer.write(contentsOf: Array(repeating: UInt8(ascii: "x"), count: 100))
        XCTAssertEqual(buffer.readableBytes, 104)
        XCTAssertEqual(text(buffer), "abcd" + String(repeating: "x", count: 100))
    }

    func testReserveWritableCompactsBeforeGrowing() {
        var buffer = ByteBuffer(capacity: 16)
        buffer.write(contentsOf: Array("0123456789abcdef".utf8))
        buffer.moveReaderIndex(forwardBy: 10)
        buffer.reserveWritable(8)
        XCTAssertEqual(buffer.capacity, 16, "room made by compacting, not growing")
        XCTAssertEqual(buffer.readerIndex, 0)
        XCTAssertEqual(text(buffer), "abcdef")
        buffer.reserveWritable(64)
        XCTAssertGreaterThanOrEqual(buffer.writableBytes, 64)
        XCTAssertEqual(text(buffer), "abcdef")
    }

    func testReserveWritableFromZeroCapacity() {
        var buffer = ByteBuffer(capacity: 0)
        buffer.reserveWritable(1)
        XCTAssertGreaterThanOrEqual(buffer.writableBytes, 1)
        buffer.write(UInt8(ascii: "z"))
        XCTAssertEqual(text(buffer), "z")
    }

    func testManySingleByteWritesGrow() {
        var buffer = ByteBuffer(capacity: 1)
        var expected: [UInt8] = []
        for i in 0..<5000 {
            let byte = UInt8(truncatingIfNeeded: i)
            buffer.write(byte)
            expected.append(byte)
        }
        XCTAssertEqual(Array(buffer.readableSlice), expected)
    }

    func testCompactMovesUnreadBytesToFront() {
        var buffer = ByteBuffer(capacity: 8)
        buffer.write(contentsOf: Array("abcdefgh".utf8))
        buffer.moveReaderIndex(forwardBy: 5)
        buffer.compact()
        XCTAssertEqual(buffer.readerIndex, 0)
        XCTAssertEqual(buffer.writerIndex, 3)
        XCTAssertEqual(buffer.writableBytes, 5)
        XCTAssertEqual(text(buffer), "fgh")
    }

    func testCompactWithNothingReadIsANoOp() {
        var buffer = ByteBuffer(capacity: 8)
        buffer.write(contentsOf: Array("abc".utf8))
        buffer.compact()
        XCTAssertEqual(buffer.readerIndex, 0)
        XCTAssertEqual(buffer.writerIndex, 3)
        XCTAssertEqual(text(buffer), "abc")
    }

    func testCompactOverlappingRegion() {
        // Unread bytes overlap their destination: the copy must behave like memmove.
        var buffer = ByteBuffer(capacity: 10)
        buffer.write(contentsOf: Array("0123456789".utf8))
        buffer.moveReaderIndex(forwardBy: 2)
        buffer.compact()
        XCTAssertEqual(text(buffer), "23456789")
    }

    func testWriteDecimal() {
        let cases: [(Int, String)] = [(0, "0"), (1, "1"), (9, "9"), (10, "10"), (100, "100"),
                                      (1_234_567_890, "1234567890"), (Int.max, String(Int.max))]
        for (value, expected) in cases {
            var buffer = ByteBuffer(capacity: 0)
            buffer.write(decimal: value)
            XCTAssertEqual(text(buffer), expected, "decimal \(value)")
        }
    }

    func testWriteHex() {
        let cases: [(Int, String)] = [(0, "0"), (1, "1"), (15, "f"), (16, "10"), (255, "ff"),
                                      (0xdead_beef, "deadbeef"), (Int.max, String(Int.max, radix: 16))]
        for (value, expected) in cases {
            var buffer = ByteBuffer(capacity: 0)
            buffer.write(hex: value)
            XCTAssertEqual(text(buffer), expected, "hex \(value)")
        }
    }

    func testNumbersAppendAfterExistingContent() {
        var buffer = ByteBuffer(capacity: 3)
        buffer.write("x=")
        buffer.write(decimal: 0)
        buffer.write(";")
        buffer.write(hex: 4096)
        buffer.write(";")
        buffer.write(decimal: 987_654_321)
        XCTAssertEqual(text(buffer), "x=0;1000;987654321")
    }

    func testWithUnsafeMutableWritableBytesPartialFill() {
        var buffer = ByteBuffer(capacity: 16)
        buffer.write("ab")
        let written = buffer.withUnsafeMutableWritableBytes { free -> Int in
            XCTAssertEqual(free.count, 14)
            free[0] = UInt8(ascii: "c")
            free[1] = UInt8(ascii: "d")
            free[2] = UInt8(ascii: "e")
            return 3
        }
        XCTAssertEqual(written, 3)
        XCTAssertEqual(buffer.writerIndex, 5)
        XCTAssertEqual(buffer.writableBytes, 11)
        XCTAssertEqual(text(buffer), "abcde")
    }

    func testWithUnsafeMutableWritableBytesZeroWritesNothing() {
        var buffer = ByteBuffer(capacity: 4)
        buffer.write("a")
        let written = buffer.withUnsafeMutableWritableBytes { _ in 0 }
        XCTAssertEqual(written, 0)
        XCTAssertEqual(text(buffer), "a")
        XCTAssertEqual(buffer.writerIndex, 1)
    }

    func testWriteByteView() {
        let source: [UInt8] = Array("hello, world".utf8)
        var buffer = ByteBuffer(capacity: 2)
        buffer.write("<")
        source.withUnsafeBytes { raw in
            let view = ByteView(start: raw.baseAddress, count: raw.count)
            buffer.write(view.view(7..<12))
            buffer.write(view.view(0..<0))
            buffer.write(view)
        }
        buffer.write(ByteView(start: nil, count: 5))
        buffer.write(">")
        XCTAssertEqual(text(buffer), "<worldhello, world>")
    }

    func testByteViewCollection() {
        let source: [UInt8] = [10, 20, 30, 40, 50]
        source.withUnsafeBytes { raw in
            let view = ByteView(start: raw.baseAddress, count: raw.count)
            XCTAssertEqual(Array(view), source)
            XCTAssertEqual(Array(view.view(1..<4)), [20, 30, 40])
            XCTAssertEqual(view.view(2..<5)[0], 30)
            XCTAssertEqual(ByteView(start: nil, count: 3).count, 0)
        }
    }

    func testWithViewRanges() {
        var buffer = ByteBuffer(capacity: 8)
        buffer.write(contentsOf: Array("GET /path HTTP/1.1".utf8))
        buffer.withView(0..<3) { XCTAssertEqual(Array($0), Array("GET".utf8)) }
        buffer.withView(4..<9) { XCTAssertEqual(Array($0), Array("/path".utf8)) }
        buffer.withView(10..<18) { XCTAssertEqual(Array($0), Array("HTTP/1.1".utf8)) }
        buffer.withView(5..<5) { XCTAssertEqual($0.count, 0) }
        // Absolute indices: still valid after the reader moved on.
        buffer.moveReaderIndex(forwardBy: 4)
        let count = buffer.withView(4..<9) { $0.count }
        XCTAssertEqual(count, 5)
    }

    func testWriteArraySliceAndCollections() {
        var buffer = ByteBuffer(capacity: 2)
        let bytes: [UInt8] = Array("0123456789".utf8)
        buffer.write(contentsOf: bytes[3..<6])
        buffer.write(contentsOf: bytes.reversed().prefix(2))
        buffer.write(contentsOf: [] as [UInt8])
        XCTAssertEqual(text(buffer), "34598")
    }

    func testMoveReaderIndexToAbsolutePosition() {
        var buffer = ByteBuffer(capacity: 8)
        buffer.write(contentsOf: Array("abcdef".utf8))
        buffer.moveReaderIndex(to: 4)
        XCTAssertEqual(text(buffer), "ef")
        buffer.clear()
        XCTAssertTrue(buffer.isEmpty)
        XCTAssertEqual(buffer.writableBytes, 8)
    }
}
