@testable import MCPWire
import XCTest

/// RFC 4648 vectors in the URL-safe alphabet without padding, and canonical-only decoding.
final class Base64URLTests: XCTestCase {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    func testRFC4648Vectors() {
        let vectors = ["": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy"]
        for (plain, text) in vectors {
            XCTAssertEqual(String(decoding: Base64URL.encode(Array(plain.utf8)[...]), as: UTF8.self), text)
            XCTAssertEqual(Base64URL.decode(Array(text.utf8)[...]), Array(plain.utf8))
        }
    }

    func testURLSafeAlphabet() {
        XCTAssertEqual(Base64URL.encode([0xFB, 0xFF, 0xBF][...]), Array("-_-_".utf8))
        XCTAssertEqual(Base64URL.decode(Array("-_-_".utf8)[...]), [0xFB, 0xFF, 0xBF])
        let all = [UInt8](0...255)
        XCTAssertEqual(Base64URL.decode(Base64URL.encode(all[...])[...]), all)
        XCTAssertTrue(Base64URL.encode(all[...]).allSatisfy { Self.alphabet.contains($0) })
    }

    func testRoundTripsOfEveryLengthAndOffset() {
        let bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for start in 0..<4 {
            for end in start...bytes.count {
                let text = Base64URL.encode(bytes[start..<end])
                XCTAssertEqual(text.count, Base64URL.encodedCount(end - start))
                XCTAssertEqual(Base64URL.decode(text[...]), Array(bytes[start..<end]))
                // Decoding a slice that does not start at 0.
                let padded = [0x41, 0x41] + text
                XCTAssertEqual(Base64URL.decode(padded[2...]), Array(bytes[start..<end]))
            }
        }
    }

    func testRejectsWhatIsNotCanonical() {
        for text in ["Zg==", "Zm9v=", "Zm+v", "Zm/v", "Zm9 ", "Z", "Zm9vY", "Zh", "Zm9", "Zm-", "\u{0}AAA", "AAAAAAA\u{80}"] {
            XCTAssertNil(Base64URL.decode(Array(text.utf8)[...]), text)
        }
        // Zm8 is canonical "fo"; Zm9 sets bits the last character does not carry.
        XCTAssertNotNil(Base64URL.decode(Array("Zm8".utf8)[...]))
        var out: [UInt8] = [42]
        XCTAssertFalse(Base64URL.decode(Array("Zm9vZm9v*A".utf8)[...], appendingTo: &out))
        XCTAssertEqual(out, [42], "a rejected text left bytes behind")
    }

    func testEveryCharacterOutsideTheAlphabetIsRejected() {
        for byte in UInt8(0)...255 where !Self.alphabet.contains(byte) {
            for position in 0..<4 {
                var text = Array("Zm9v".utf8)
                text[position] = byte
                XCTAssertNil(Base64URL.decode(text[...]), "byte \(byte) at \(position)")
            }
        }
    }
}
