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

final class BufferPoolTests: XCTestCase {
    func testLendsStorageAndTakesItBackOnlyWhenEmpty() {
        let pool = BufferPool(bufferSize: 1024, maxFree: 2)
        var buffer = ByteBuffer()
        XCTAssertEqual(buffer.capacity, 0)
        pool.lend(&buffer)
        XCTAssertEqual(buffer.capacity, 1024)
        buffer.write("abc")
        pool.reclaim(&buffer)
        XCTAssertEqual(buffer.capacity, 1024, "a buffer holding bytes keeps its storage")
        XCTAssertEqual(String(decoding: buffer.readableSlice, as: UTF8.self), "abc")
        buffer.moveReaderIndex(forwardBy: 3)
        pool.reclaim(&buffer)
        XCTAssertEqual(buffer.capacity, 0)
        XCTAssertEqual(pool.freeCount, 1)
        var other = ByteBuffer()
        pool.lend(&other)
        XCTAssertEqual(pool.freeCount, 0, "lent from the free list, not allocated")
    }

    func testGrownBuffersAndOverflowAreFreedNotPooled() {
        let pool = BufferPool(bufferSize: 64, maxFree: 1)
        var big = ByteBuffer()
        pool.lend(&big)
        big.write(contentsOf: [UInt8](repeating: 1, count: 200))
        big.moveReaderIndex(forwardBy: 200)
        pool.reclaim(&big)
        XCTAssertEqual(pool.freeCount, 0, "a grown buffer is not pooled")
        var a = ByteBuffer(), b = ByteBuffer()
        pool.lend(&a); pool.lend(&b)
        pool.reclaim(&a); pool.reclaim(&b)
        XCTAssertEqual(pool.freeCount, 1, "at most maxFree are kept")
    }

    func testBuffersUnusedForAPeriodAreReleased() {
        let pool = BufferPool(bufferSize: 64, maxFree: 100)
        var lent = (0..<10).map { _ in ByteBuffer() }
        for i in lent.indices { pool.lend(&lent[i]) }
        for i in lent.indices { pool.reclaim(&lent[i]) }
        XCTAssertEqual(pool.freeCount, 10)
        // The burst needed all ten: the first period keeps them (the list was empty at its low).
        XCTAssertEqual(pool.releaseUnused(), 0)
        // A quieter period needs three at once: the seven never lent are released.
        for i in 0..<3 { pool.lend(&lent[i]) }
        for i in 0..<3 { pool.reclaim(&lent[i]) }
        XCTAssertEqual(pool.releaseUnused(), 7)
        XCTAssertEqual(pool.freeCount, 3)
        // An idle period releases the rest.
        XCTAssertEqual(pool.releaseUnused(), 3)
        XCTAssertEqual(pool.freeCount, 0)
        pool.lend(&lent[0])
        XCTAssertEqual(lent[0].capacity, 64, "lending still works from an empty list")
    }
}
