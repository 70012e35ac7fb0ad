@testable import MCPGateway
import MCPWire
import XCTest

/// Session tokens: round trips, rotation, expiry, and refusal of everything else.
final class SessionSealerTests: XCTestCase {
    let now: UInt32 = 1_800_000_100

    func testRoundTrips() throws {
        let sealer = SessionSealer(keys: [Fixtures.keyA])
        let states = [Fixtures.emptyState(), Fixtures.typicalState(), Fixtures.typicalState(backends: 0),
                      Fixtures.typicalState(backends: 40)] + Fixtures.statesWithOneFieldAtItsLimit()
        for var state in states {
            state.expiresAt = .max
            let token = try sealer.seal(state)
            XCTAssertLessThanOrEqual(token.count, SessionSealer.maximumTokenLength)
            XCTAssertTrue(token.allSatisfy { Fixtures.alphabet.contains($0) }, "not a valid Mcp-Session-Id")
            XCTAssertEqual(sealer.open(token[...], now: now), .valid(state))
            // Another instance with the same keys (another worker) opens it too.
            XCTAssertEqual(SessionSealer(keys: [Fixtures.keyA]).open(token[...], now: now), .valid(state))
        }
    }

    func testTheSameStateSealsToDifferentTokens() throws {
        let sealer = SessionSealer(keys: [Fixtures.keyA])
        let state = Fixtures.typicalState()
        XCTAssertNotEqual(try sealer.seal(state), try sealer.seal(state))
    }

    func testTheKeyIDLeadsTheToken() throws {
        let token = try SessionSealer(keys: [SessionKey(id: 0, secret: Fixtures.keyA.secret)]).seal(Fixtures.typicalState())
        XCTAssertEqual(Base64URL.decode(token[...])?.first, 0)
        let typical = try SessionSealer(keys: [Fixtures.keyA]).seal(Fixtures.typicalState())
        XCTAssertEqual(Base64URL.decode(typical[...])?.first, 1)
    }

    func testWrongKeyIsInvalid() throws {
        let token = try SessionSealer(keys: [Fixtures.keyA]).seal(Fixtures.typicalState())
        // Same id, other secret: the tag fails.
        XCTAssertEqual(SessionSealer(keys: [SessionKey(id: 1, secret: Fixtures.keyB.secret)]).open(token[...], now: now), .invalid)
        // Unknown id.
        XCTAssertEqual(SessionSealer(keys: [Fixtures.keyB]).open(token[...], now: now), .invalid)
        XCTAssertEqual(SessionSealer(keys: SessionSealer.randomKeys()).open(token[...], now: now), .invalid)
    }

    func testRotation() throws {
        let state = Fixtures.typicalState()
        let old = try SessionSealer(keys: [Fixtures.keyA]).seal(state)
        let rotated = SessionSealer(keys: [Fixtures.keyB, Fixtures.keyA])
        XCTAssertEqual(rotated.open(old[...], now: now), .valid(state))
        let new = try rotated.seal(state)
        XCTAssertEqual(Base64URL.decode(new[...])?.first, Fixtures.keyB.id, "the first key seals")
        XCTAssertEqual(rotated.open(new[...], now: now), .valid(state))
        XCTAssertEqual(SessionSealer(keys: [Fixtures.keyA]).open(new[...], now: now), .invalid)
        XCTAssertEqual(SessionSealer(keys: [Fixtures.keyB]).open(new[...], now: now), .valid(state))
    }

    func testExpiry() throws {
        let sealer = SessionSealer(keys: [Fixtures.keyA])
        let state = Fixtures.typicalState(expiresAt: now + 1)
        let token = try sealer.seal(state)
        XCTAssertEqual(sealer.open(token[...], now: now), .valid(state))
        XCTAssertEqual(sealer.open(token[...], now: now + 1), .expired)
        XCTAssertEqual(sealer.open(token[...], now: .max), .expired)
        // Expiry is only reported for authentic tokens.
        XCTAssertEqual(SessionSealer(keys: [Fixtures.keyB]).open(token[...], now: now + 1), .invalid)
    }

    func testEverySingleByteChangeIsInvalid() throws {
        let sealer = SessionSealer(keys: [Fixtures.keyA, Fixtures.keyB])
        let token = try sealer.seal(Fixtures.typicalState(backends: 1))
        let replacements = Fixtures.alphabet + [0x00, 0x20, 0x2B, 0x2F, 0x3D, 0x2E, 0x7E, 0x80, 0xFF]
        var tried = 0
        for index in token.indices {
            for replacement in replacements where replacement != token[index] {
                var changed = token
                changed[index] = replacement
                XCTAssertEqual(sealer.open(changed[...], now: now), .invalid, "position \(index) -> \(replacement)")
                tried += 1
            }
        }
        XCTAssertGreaterThan(tried, token.count * 60)
    }

    func testTruncatedExtendedAndForeignTokensAreInvalid() throws {
        let sealer = SessionSealer(keys: [Fixtures.keyA])
        let token = try sealer.seal(Fixtures.typicalState())
        for length in 0..<token.count {
            XCTAssertEqual(sealer.open(token.prefix(length), now: now), .invalid, "prefix \(length)")
            XCTAssertEqual(sealer.open(token.suffix(length), now: now), .invalid, "suffix \(length)")
        }
        for suffix in ["A", "AA", "AAA", "AAAA", "=", "=="] {
            XCTAssertEqual(sealer.open((token + Fixtures.bytes(suffix))[...], now: now), .invalid, suffix)
        }
        for foreign in ["", "abc", "5f0c3c1e-8d2b-4f1a-9e77-0b6d2a9c4e13", "Bearer x", String(repeating: "A", count: 200)] {
            XCTAssertEqual(sealer.open(Fixtures.bytes(foreign)[...], now: now), .invalid, foreign)
        }
        XCTAssertEqual(sealer.open([UInt8](repeating: 0x41, count: 8193)[...], now: now), .invalid)
    }

    func testOverLongTokensAreRefusedBothWays() throws {
        XCTAssertThrowsError(try SessionSealer(keys: [Fixtures.keyA]).seal(Fixtures.maximalState())) { error in
            guard case .tokenTooLong(let count, 8192)? = error as? TokenEncodingError else { return XCTFail("\(error)") }
            XCTAssertGreaterThan(count, 8192)
        }
        // A 8192-character token opens; the bytes past it are what is refused.
        var fitting = Fixtures.emptyState()
        fitting.expiresAt = .max
        fitting.clientCapabilities = [UInt8](repeating: 0x78, count: 4096)
        fitting.clientInfo = [UInt8](repeating: 0x78, count: 1024)
        // 1 + 12 + 16 bytes around a 26-byte empty layout: 6144 bytes, 8192 characters.
        fitting.principal = [UInt8](repeating: 0x78, count: 6144 - 29 - 26 - 4096 - 1024)
        let sealer = SessionSealer(keys: [Fixtures.keyA])
        let token = try sealer.seal(fitting)
        XCTAssertEqual(token.count, 8192)
        XCTAssertEqual(sealer.open(token[...], now: now), .valid(fitting))
        fitting.logLevel = [0x78]
        XCTAssertThrowsError(try sealer.seal(fitting))
    }

    /// A token that opened is remembered (`OpenedTokens`): opening it again gives the same
    /// answer, expiry included, and a token one byte away from it is still refused.
    func testRememberedTokensOpenAsBefore() throws {
        let sealer = SessionSealer(keys: [Fixtures.keyA])
        let state = Fixtures.typicalState(expiresAt: now + 1)
        let token = try sealer.seal(state)
        XCTAssertEqual(sealer.open(token[...], now: now), .valid(state))
        XCTAssertEqual(sealer.open(token[...], now: now), .valid(state), "remembered")
        XCTAssertEqual(sealer.open(token[...], now: now + 1), .expired, "expiry is checked on every open")
        XCTAssertEqual(sealer.open(token[...], now: now), .valid(state))
        for index in token.indices {
            var changed = token
            changed[index] = changed[index] == 0x41 ? 0x42 : 0x41
            XCTAssertEqual(sealer.open(changed[...], now: now), .invalid, "position \(index)")
        }
        XCTAssertEqual(sealer.open(token.dropLast(), now: now), .invalid)
        // Many sessions (more than the table holds): each still opens to its own state.
        var tokens: [([UInt8], ClientSessionState)] = []
        for k in 0..<600 {
            var other = Fixtures.typicalState(expiresAt: now + 10)
            other.nonce = [UInt8](repeating: UInt8(k & 0xFF), count: 7) + [UInt8(k >> 8)]
            tokens.append((try sealer.seal(other), other))
        }
        for _ in 0..<2 {
            for (token, state) in tokens { XCTAssertEqual(sealer.open(token[...], now: now), .valid(state)) }
        }
    }

    func testKeyDescriptionHidesTheSecret() {
        XCTAssertEqual("\(Fixtures.keyA)", "SessionKey(id: 1, secret: 48 bytes)")
        let random = SessionSealer.randomKeys()
        XCTAssertEqual(random.count, 1)
        XCTAssertEqual(random[0].id, 0)
        XCTAssertEqual(random[0].secret.count, 32)
    }
}
