@testable import EdgeFuzzing
import Foundation
import MCPGateway
import XCTest

/// The `session-open` seeds are tokens and cursors made with the harness's fixed keys (random
/// nonces, so they are written once and committed). These tests check that they still open,
/// so a change of keys or layout cannot leave the fuzzer with seeds that all fail the tag.
/// `MCP_EDGE_WRITE_SESSION_SEEDS=1 swift test --filter SessionOpenSeedTests` rewrites them
/// (otherwise fresh seeds are written to a temporary directory and checked the same way).
final class SessionOpenSeedTests: XCTestCase {
    static let directory = CorpusReplayTests.corpus.appendingPathComponent("session-open/seeds")

    static func state(backends: Int, expiresAt: UInt32) -> ClientSessionState {
        ClientSessionState(
            issuedAt: SessionOpenFuzz.now - 60, expiresAt: expiresAt, nonce: [0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE],
            protocolVersion: Array("2025-06-18".utf8),
            clientCapabilities: Array(#"{"roots":{"listChanged":true},"sampling":{}}"#.utf8),
            clientInfo: Array(#"{"name":"fuzz-client","version":"1.0"}"#.utf8), logLevel: Array("info".utf8),
            backendSessions: (0..<backends).map {
                BackendSession(server: Array("server-\($0)".utf8), sessionID: Array("session-\($0)-5f0c3c1e8d2b".utf8),
                               protocolVersion: Array("2025-03-26".utf8))
            })
    }

    static let live = state(backends: 3, expiresAt: SessionOpenFuzz.now + 3600)
    static let cursor = MergedCursor(routeTag: 0x0102_0304, method: 1, pending: [
        PendingPage(server: Array("server-0".utf8), cursor: []),
        PendingPage(server: Array("server-2".utf8), cursor: Array("eyJvZmZzZXQiOjUwfQ==".utf8)),
    ])

    func testFreshSeedsOpenWithTheHarnessKeys() throws {
        let rewrite = ProcessInfo.processInfo.environment["MCP_EDGE_WRITE_SESSION_SEEDS"] == "1"
        let directory = rewrite ? Self.directory
            : FileManager.default.temporaryDirectory.appendingPathComponent("session-open-seeds-\(getpid())")
        defer { if !rewrite { try? FileManager.default.removeItem(at: directory) } }
        let fuzz = SessionOpenFuzz.self
        var sessionLayout: [UInt8] = []
        try SessionStateLayout.encode(Self.live, appendingTo: &sessionLayout)
        var cursorLayout: [UInt8] = []
        try MergedCursorLayout.encode(Self.cursor, appendingTo: &cursorLayout)
        let seeds: [String: [UInt8]] = [
            "token-three-backends": try fuzz.sealer.seal(Self.live),
            "token-old-key": try fuzz.oldSealer.seal(Self.state(backends: 1, expiresAt: .max)),
            "token-empty": try fuzz.sealer.seal(ClientSessionState(issuedAt: 0, expiresAt: .max, nonce: [UInt8](repeating: 0, count: 8),
                                                                   protocolVersion: [])),
            "token-expired": try fuzz.sealer.seal(Self.state(backends: 2, expiresAt: SessionOpenFuzz.now)),
            "cursor-two-pages": try fuzz.codec.encode(Self.cursor),
            "cursor-empty": try fuzz.codec.encode(MergedCursor(routeTag: 0, method: 0, pending: [])),
            "session-layout": sessionLayout,
            "cursor-layout": cursorLayout,
        ]
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, bytes) in seeds {
            try Data(bytes).write(to: directory.appendingPathComponent(name))
        }
        try checkSeeds(in: directory)
    }

    func testTokenSeedsOpenWithTheHarnessKeys() throws {
        try checkSeeds(in: Self.directory)
    }

    private func checkSeeds(in directory: URL) throws {
        func seed(_ name: String) throws -> ArraySlice<UInt8> {
            Array(try Data(contentsOf: directory.appendingPathComponent(name)))[...]
        }
        let fuzz = SessionOpenFuzz.self
        XCTAssertEqual(fuzz.sealer.open(try seed("token-three-backends"), now: fuzz.now), .valid(Self.live))
        XCTAssertEqual(fuzz.sealer.open(try seed("token-old-key"), now: fuzz.now), .valid(Self.state(backends: 1, expiresAt: .max)))
        guard case .valid = fuzz.sealer.open(try seed("token-empty"), now: fuzz.now) else { return XCTFail("token-empty") }
        XCTAssertEqual(fuzz.sealer.open(try seed("token-expired"), now: fuzz.now), .expired)
        XCTAssertEqual(fuzz.codec.decode(try seed("cursor-two-pages")), Self.cursor)
        XCTAssertNotNil(fuzz.codec.decode(try seed("cursor-empty")))
        XCTAssertEqual(SessionStateLayout.decode(try seed("session-layout")), Self.live)
        XCTAssertEqual(MergedCursorLayout.decode(try seed("cursor-layout")), Self.cursor)
    }
}
