@testable import MCPGateway
import XCTest

/// Merged-list cursors: round trips and refusal of anything changed, cut or foreign.
final class CursorCodecTests: XCTestCase {
    let secret = Fixtures.bytes("cursor secret, 32 bytes or more in production")

    func sample(pages: Int = 3) -> MergedCursor {
        MergedCursor(routeTag: 0xDEAD_BEEF, method: 2, pending: (0..<pages).map {
            PendingPage(server: Fixtures.bytes("server-\($0)"), cursor: $0 == 0 ? [] : Fixtures.bytes("eyJvZmZzZXQiOjEwMH0=/\($0)"))
        })
    }

    func testRoundTrips() throws {
        let codec = CursorCodec(secret: secret)
        let cursors = [
            MergedCursor(routeTag: 0, method: 0, pending: []),
            sample(),
            sample(pages: 255).withShortFields(),
            MergedCursor(routeTag: .max, method: .max, pending: [
                PendingPage(server: [UInt8](repeating: 0xFF, count: 255), cursor: [UInt8](repeating: 0x22, count: 5800)),
            ]),
        ]
        for cursor in cursors {
            let text = try codec.encode(cursor)
            XCTAssertTrue(text.allSatisfy { Fixtures.alphabet.contains($0) })
            XCTAssertEqual(codec.decode(text[...]), cursor)
            XCTAssertEqual(CursorCodec(secret: secret).decode(text[...]), cursor)
            // Deterministic: the same cursor always has the same text.
            XCTAssertEqual(try codec.encode(cursor), text)
        }
    }

    func testEverySingleByteChangeIsRejected() throws {
        let codec = CursorCodec(secret: secret)
        let text = try codec.encode(sample())
        for index in text.indices {
            for replacement in Fixtures.alphabet + [0x2B, 0x2F, 0x3D, 0x20, 0x00] where replacement != text[index] {
                var changed = text
                changed[index] = replacement
                XCTAssertNil(codec.decode(changed[...]), "position \(index) -> \(replacement)")
            }
        }
    }

    func testTruncatedExtendedAndForeignTextIsRejected() throws {
        let codec = CursorCodec(secret: secret)
        let text = try codec.encode(sample())
        for length in 0..<text.count {
            XCTAssertNil(codec.decode(text.prefix(length)))
            XCTAssertNil(codec.decode(text.suffix(length)))
        }
        XCTAssertNil(codec.decode((text + Fixtures.bytes("AAAA"))[...]))
        XCTAssertNil(codec.decode(Fixtures.bytes("eyJvZmZzZXQiOjEwMH0")[...]))
        XCTAssertNil(codec.decode([UInt8](repeating: 0x41, count: 8193)[...]))
    }

    func testWrongSecretIsRejected() throws {
        let text = try CursorCodec(secret: secret).encode(sample())
        XCTAssertNil(CursorCodec(secret: secret + [0]).decode(text[...]))
        // The session keys' derivation is separate even from the same secret.
        XCTAssertEqual(SessionSealer(keys: [SessionKey(id: 0, secret: secret)]).open(text[...], now: 0), .invalid)
    }

    func testOverLongCursorsAreRefused() {
        let codec = CursorCodec(secret: secret)
        let long = MergedCursor(routeTag: 1, method: 1, pending: [PendingPage(server: [], cursor: [UInt8](repeating: 0x61, count: 6200))])
        XCTAssertThrowsError(try codec.encode(long)) { error in
            guard case .tokenTooLong? = error as? TokenEncodingError else { return XCTFail("\(error)") }
        }
        let tooManyPages = MergedCursor(routeTag: 1, method: 1, pending: Array(repeating: PendingPage(server: [], cursor: []), count: 256))
        XCTAssertThrowsError(try codec.encode(tooManyPages))
        let longServer = MergedCursor(routeTag: 1, method: 1, pending: [PendingPage(server: [UInt8](repeating: 0x61, count: 256), cursor: [])])
        XCTAssertThrowsError(try codec.encode(longServer))
    }

    func testLayoutIsCanonical() throws {
        var bytes: [UInt8] = []
        try MergedCursorLayout.encode(sample(), appendingTo: &bytes)
        XCTAssertEqual(MergedCursorLayout.decode(bytes[...]), sample())
        for length in 0..<bytes.count { XCTAssertNil(MergedCursorLayout.decode(bytes.prefix(length))) }
        XCTAssertNil(MergedCursorLayout.decode((bytes + [0])[...]))
    }
}

private extension MergedCursor {
    /// Keeps 255 pages inside the length limit.
    func withShortFields() -> MergedCursor {
        MergedCursor(routeTag: routeTag, method: method,
                     pending: pending.enumerated().map { PendingPage(server: [UInt8(truncatingIfNeeded: $0.offset)], cursor: [0x31]) })
    }
}
