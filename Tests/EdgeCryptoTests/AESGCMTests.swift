@testable import EdgeCrypto
import XCTest

/// AES-256-GCM: the GCM specification's test cases (McGrew and Viega, cases 13, 14 and 16),
/// round trips, and rejection of every kind of change.
final class AESGCMTests: XCTestCase {
    func testKnownAnswers() {
        let cases: [(key: String, nonce: String, plaintext: String, aad: String, ciphertext: String, tag: String)] = [
            // Test case 13: zero key, empty plaintext.
            (String(repeating: "00", count: 32), String(repeating: "00", count: 12), "", "", "",
             "530f8afbc74536b9a963b4f1c4cb738b"),
            // Test case 14: zero key, one zero block.
            (String(repeating: "00", count: 32), String(repeating: "00", count: 12), String(repeating: "00", count: 16), "",
             "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"),
            // Test case 16: additional data and a plaintext that is not a whole number of blocks.
            ("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
             "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
             "feedfacedeadbeeffeedfacedeadbeefabaddad2",
             "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
             "76fc6ece0f4e1768cddf8853bb2d551b"),
        ]
        for c in cases {
            let gcm = AESGCM(key: hex(c.key))
            var sealed: [UInt8] = []
            gcm.seal(hex(c.plaintext)[...], aad: hex(c.aad)[...], nonce: hex(c.nonce), into: &sealed)
            XCTAssertEqual(hexString(sealed), c.nonce + c.ciphertext + c.tag)
            XCTAssertEqual(gcm.open(sealed[...], aad: hex(c.aad)[...]), hex(c.plaintext))
            // A second instance (fresh contexts) opens it too.
            XCTAssertEqual(AESGCM(key: hex(c.key)).open(hex(c.nonce + c.ciphertext + c.tag)[...], aad: hex(c.aad)[...]),
                           hex(c.plaintext))
        }
    }

    func testRoundTripsWithRandomNonces() {
        let gcm = AESGCM(key: SecureRandom.bytes(32))
        for length in [0, 1, 15, 16, 17, 300, 5000] {
            let plaintext = SecureRandom.bytes(length)
            let aad = Array("mcp-edge/test".utf8)
            var first: [UInt8] = [9, 9]
            gcm.seal(plaintext[...], aad: aad[...], into: &first)
            XCTAssertEqual(first.count, 2 + length + AESGCM.overhead)
            XCTAssertEqual(gcm.open(first[2...], aad: aad[...]), plaintext)
            var second: [UInt8] = []
            gcm.seal(plaintext[...], aad: aad[...], into: &second)
            XCTAssertNotEqual(Array(first[2...]), second, "a nonce was reused")
            XCTAssertEqual(gcm.open(second[...], aad: aad[...]), plaintext)
        }
    }

    func testEveryChangedByteIsRejected() {
        let gcm = AESGCM(key: SecureRandom.bytes(32))
        let plaintext = Array("a session the client must not read or change".utf8)
        let aad = Array("label".utf8)
        var sealed: [UInt8] = []
        gcm.seal(plaintext[...], aad: aad[...], into: &sealed)
        for index in sealed.indices {
            for flip: UInt8 in [0x01, 0x80, 0xff] {
                var changed = sealed
                changed[index] ^= flip
                XCTAssertNil(gcm.open(changed[...], aad: aad[...]), "byte \(index) ^ \(flip) accepted")
            }
        }
        for index in aad.indices {
            var changed = aad
            changed[index] ^= 1
            XCTAssertNil(gcm.open(sealed[...], aad: changed[...]))
        }
        XCTAssertNil(gcm.open(sealed[...], aad: []))
        XCTAssertNil(gcm.open(sealed[...], aad: (aad + [0])[...]))
        // The context still works after failures.
        XCTAssertEqual(gcm.open(sealed[...], aad: aad[...]), plaintext)
    }

    func testShortAndTruncatedInputsAreRejected() {
        let gcm = AESGCM(key: SecureRandom.bytes(32))
        var sealed: [UInt8] = []
        gcm.seal([1, 2, 3][...], aad: [], into: &sealed)
        for length in 0..<sealed.count {
            XCTAssertNil(gcm.open(sealed.prefix(length), aad: []))
            XCTAssertNil(gcm.open(sealed.suffix(length), aad: []))
        }
        XCTAssertNil(gcm.open((sealed + [0])[...], aad: []))
        var out: [UInt8] = [7]
        XCTAssertFalse(gcm.open(sealed.dropLast(), aad: [], appendingTo: &out))
        XCTAssertEqual(out, [7], "a failed open left bytes behind")
        XCTAssertTrue(gcm.open(sealed[...], aad: [], appendingTo: &out))
        XCTAssertEqual(out, [7, 1, 2, 3])
    }

    func testWrongKeyIsRejected() {
        var sealed: [UInt8] = []
        AESGCM(key: SecureRandom.bytes(32)).seal([1, 2, 3][...], aad: [], into: &sealed)
        XCTAssertNil(AESGCM(key: SecureRandom.bytes(32)).open(sealed[...], aad: []))
    }
}
