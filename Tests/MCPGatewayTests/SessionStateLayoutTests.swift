@testable import MCPGateway
import XCTest

/// The plaintext layout of session tokens: limits enforced both ways, canonical decoding.
final class SessionStateLayoutTests: XCTestCase {
    private func encode(_ state: ClientSessionState) throws -> [UInt8] {
        var out: [UInt8] = []
        try SessionStateLayout.encode(state, appendingTo: &out)
        return out
    }

    func testRoundTrips() throws {
        for state in [Fixtures.emptyState(), Fixtures.typicalState(), Fixtures.maximalState(), Fixtures.typicalState(backends: 255)] {
            let bytes = try encode(state)
            XCTAssertEqual(SessionStateLayout.decode(bytes[...]), state)
            XCTAssertEqual(SessionStateLayout.decode(([9] + bytes)[1...]), state)
        }
        XCTAssertEqual(try encode(Fixtures.emptyState()).count, SessionStateLayout.minimumByteCount)
    }

    func testEveryTruncationAndTrailingByteIsRejected() throws {
        let bytes = try encode(Fixtures.typicalState())
        for length in 0..<bytes.count { XCTAssertNil(SessionStateLayout.decode(bytes.prefix(length))) }
        XCTAssertNil(SessionStateLayout.decode((bytes + [0])[...]))
        var otherVersion = bytes
        otherVersion[0] = 2
        XCTAssertNil(SessionStateLayout.decode(otherVersion[...]))
    }

    func testFieldsOverTheirLimitsAreRefused() {
        func refused(_ change: (inout ClientSessionState) -> Void, _ field: String, file: StaticString = #filePath, line: UInt = #line) {
            var state = Fixtures.typicalState()
            change(&state)
            XCTAssertThrowsError(try encode(state), file: file, line: line) { error in
                switch error as? TokenEncodingError {
                case .fieldTooLong(let name, _, _)?, .invalidField(let name, _)?: XCTAssertEqual(name, field, file: file, line: line)
                default: XCTFail("\(error)", file: file, line: line)
                }
            }
        }
        refused({ $0.nonce = [1, 2, 3] }, "nonce")
        refused({ $0.nonce = [UInt8](repeating: 0, count: 9) }, "nonce")
        refused({ $0.protocolVersion = [UInt8](repeating: 0x61, count: 256) }, "protocolVersion")
        refused({ $0.principal = [UInt8](repeating: 0x61, count: 1025) }, "principal")
        refused({ $0.clientCapabilities = [UInt8](repeating: 0x61, count: 4097) }, "clientCapabilities")
        refused({ $0.clientInfo = [UInt8](repeating: 0x61, count: 1025) }, "clientInfo")
        refused({ $0.logLevel = [UInt8](repeating: 0x61, count: 256) }, "logLevel")
        refused({ $0.backendSessions = Array(repeating: $0.backendSessions[0], count: 256) }, "backendSessions")
        refused({ $0.backendSessions[1].server = [UInt8](repeating: 0x61, count: 256) }, "backendSessions.server")
        refused({ $0.backendSessions[1].sessionID = [UInt8](repeating: 0x61, count: 256) }, "backendSessions.sessionID")
        refused({ $0.backendSessions[1].protocolVersion = [UInt8](repeating: 0x61, count: 256) }, "backendSessions.protocolVersion")
        refused({ $0.backendSessions[2].sessionID = Fixtures.bytes("has space") }, "backendSessions.sessionID")
        refused({ $0.backendSessions[2].sessionID = [0x7F] }, "backendSessions.sessionID")
    }

    func testDecodingRefusesWhatEncodingWouldRefuse() throws {
        var state = Fixtures.typicalState(backends: 1)
        state.backendSessions[0].sessionID = Fixtures.bytes("ab")
        var bytes = try encode(state)
        // The session id is the last but one field: "ab" then the backend's version.
        let index = bytes.count - 1 - 10 - 2
        XCTAssertEqual(Array(bytes[index..<(index + 2)]), Fixtures.bytes("ab"))
        bytes[index] = 0x20
        XCTAssertNil(SessionStateLayout.decode(bytes[...]))
        // A client capabilities length of 4097 is refused even when the bytes are there.
        var long = Fixtures.emptyState()
        long.clientCapabilities = [UInt8](repeating: 0x20, count: 4096)
        var longBytes = try encode(long)
        let capabilitiesLength = 1 + 4 + 4 + 8 + 1 + 2
        XCTAssertEqual(Array(longBytes[capabilitiesLength..<(capabilitiesLength + 2)]), [0x10, 0x00])
        longBytes[capabilitiesLength + 1] = 0x01
        longBytes.insert(0x20, at: capabilitiesLength + 2)
        XCTAssertNil(SessionStateLayout.decode(longBytes[...]))
    }
}
