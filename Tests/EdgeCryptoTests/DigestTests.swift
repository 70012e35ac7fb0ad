@testable import EdgeCrypto
import XCTest

/// SHA-256, HMAC-SHA256 and HKDF-SHA256 against the published vectors.
final class DigestTests: XCTestCase {
    func testSHA256KnownAnswers() {
        XCTAssertEqual(hexString(SHA256.hash("abc".utf8)),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(hexString(SHA256.hash([UInt8]())),
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        // A slice that does not start at index 0 hashes its own bytes only.
        let padded = Array("xxabcyy".utf8)
        XCTAssertEqual(SHA256.hash(padded[2..<5]), SHA256.hash(Array("abc".utf8)))
        // Non-contiguous collections take the copying path.
        XCTAssertEqual(SHA256.hash(Array("abc".utf8).reversed().reversed()), SHA256.hash("abc".utf8))
    }

    /// RFC 4231, test cases 1, 2 and 6 (a key longer than the block).
    func testHMACSHA256RFC4231() {
        let cases: [(key: [UInt8], data: [UInt8], mac: String)] = [
            ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            ([UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        ]
        for c in cases {
            let hmac = HMACSHA256(key: c.key)
            // The context is reused: the second and third MACs must match the first.
            for _ in 0..<3 { XCTAssertEqual(hexString(hmac.mac(c.data[...])), c.mac) }
        }
    }

    func testHMACReuseAcrossMessagesAndAppending() {
        let hmac = HMACSHA256(key: Array("Jefe".utf8))
        let first = hmac.mac(Array("one".utf8)[...])
        _ = hmac.mac([UInt8]()[...])
        XCTAssertEqual(hmac.mac(Array("one".utf8)[...]), first)
        var out: [UInt8] = [1, 2, 3]
        hmac.mac(Array("what do ya want for nothing?".utf8)[...], appendingTo: &out)
        XCTAssertEqual(out.count, 35)
        XCTAssertEqual(Array(out.prefix(3)), [1, 2, 3])
        XCTAssertEqual(hexString(Array(out.dropFirst(3))),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    /// RFC 5869, test cases 1 and 3 (empty salt and info).
    func testHKDFSHA256RFC5869() {
        let ikm = [UInt8](repeating: 0x0b, count: 22)
        XCTAssertEqual(hexString(HKDF.sha256(secret: ikm, salt: hex("000102030405060708090a0b0c"),
                                             info: hex("f0f1f2f3f4f5f6f7f8f9"), count: 42)),
                       "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
        XCTAssertEqual(hexString(HKDF.sha256(secret: ikm, salt: [], info: [], count: 42)),
                       "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")
    }

    func testConstantTimeEquals() {
        let a: [UInt8] = [1, 2, 3, 4]
        XCTAssertTrue(constantTimeEquals(a[...], [1, 2, 3, 4][...]))
        XCTAssertTrue(constantTimeEquals(a[1..<3], [2, 3][...]))
        XCTAssertFalse(constantTimeEquals(a[...], [1, 2, 3, 5][...]))
        XCTAssertFalse(constantTimeEquals(a[...], [1, 2, 3][...]))
        XCTAssertTrue(constantTimeEquals([UInt8]()[...], a[4...]))
    }

    func testSecureRandom() {
        XCTAssertEqual(SecureRandom.bytes(0), [])
        let a = SecureRandom.bytes(32), b = SecureRandom.bytes(32)
        XCTAssertEqual(a.count, 32)
        XCTAssertNotEqual(a, b)
        var buffer = [UInt8](repeating: 0, count: 64)
        SecureRandom.fill(&buffer)
        XCTAssertNotEqual(buffer, [UInt8](repeating: 0, count: 64))
    }
}
