import XCTest
@testable import EdgeIO

final class ByteScanTests: XCTestCase {
    private let letters = ByteSet { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }

    func testFirstByteOutsideTheSet() {
        let bytes = Array("abc:def".utf8)
        XCTAssertEqual(ByteScan.firstIndex(notIn: letters, in: bytes, from: 0, to: bytes.count), 3)
        XCTAssertEqual(ByteScan.firstIndex(notIn: letters, in: bytes, from: 4, to: bytes.count), bytes.count,
                       "all members: the end of the range")
        XCTAssertEqual(ByteScan.firstIndex(notIn: letters, in: bytes, from: 1, to: 2), 2, "the range bounds the scan")
        XCTAssertEqual(ByteScan.firstIndex(notIn: letters, in: bytes, from: 5, to: 5), 5)
        XCTAssertTrue(letters.contains(UInt8(ascii: "q")))
        XCTAssertFalse(letters.contains(0xff))
    }

    func testAppendCopiesTheRange() {
        var destination = Array("x=".utf8)
        ByteScan.append(Array("key: value".utf8), 5..<10, to: &destination)
        XCTAssertEqual(String(decoding: destination, as: UTF8.self), "x=value")
        ByteScan.append([1, 2, 3], 1..<1, to: &destination)
        XCTAssertEqual(destination.count, 7, "an empty range appends nothing")
    }

    func testEqualsComparesTheRangeWithTheText() {
        let bytes = Array("xcontent-lengthy".utf8)
        XCTAssertTrue(ByteScan.equals(bytes, 1..<15, "content-length"))
        XCTAssertFalse(ByteScan.equals(bytes, 1..<15, "content-lengtH"))
        XCTAssertFalse(ByteScan.equals(bytes, 1..<14, "content-length"))  // length differs
        XCTAssertFalse(ByteScan.equals(bytes, 0..<14, "content-length"))  // shifted
        XCTAssertTrue(ByteScan.equals(bytes, 5..<5, ""))
    }
}
