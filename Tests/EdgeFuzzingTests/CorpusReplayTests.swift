import EdgeConfig
import MCPWire
@testable import EdgeFuzzing
import Foundation
import XCTest

/// Replays every committed fuzz input (Tests/FuzzCorpus/<target>/seeds and crashes) through
/// the same harness libFuzzer runs, so a crash once found stays fixed. A missing corpus
/// directory fails the test: it would otherwise pass while replaying nothing.
final class CorpusReplayTests: XCTestCase {
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("FuzzCorpus")

    func testHTTP1RequestCorpus() throws { try replay(.http1Request) }
    func testHTTP1ResponseCorpus() throws { try replay(.http1Response) }
    func testChunkedCorpus() throws { try replay(.chunked) }
    func testJSONRPCCorpus() throws { try replay(.jsonrpc) }
    func testYAMLConfigCorpus() throws { try replay(.yamlConfig) }
    func testHTTP2ServerCorpus() throws { try replay(.http2Server) }
    func testSessionOpenCorpus() throws { try replay(.sessionOpen) }
    func testSSECorpus() throws { try replay(.sse) }
    func testJWTCorpus() throws { try replay(.jwt) }

    func testTheJWTHarnessAcceptsItsGoodTokensAndNothingElse() {
        for token in JWTFuzz.good {
            guard case .success = JWTFuzz.verifier.verify(token[...], keys: JWTFuzz.keys, now: JWTFuzz.now) else {
                return XCTFail("a good token of the harness does not verify")
            }
        }
        var changed = JWTFuzz.good[2]
        changed[changed.count - 3] ^= 0x01
        guard case .failure = JWTFuzz.verifier.verify(changed[...], keys: JWTFuzz.keys, now: JWTFuzz.now) else {
            return XCTFail("a changed token verified")
        }
    }

    func testEveryCorpusDirectoryBelongsToATarget() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path)
            .filter { !$0.hasPrefix(".") && !$0.hasSuffix(".dict") }
        XCTAssertEqual(Set(names), Set(FuzzTarget.allCases.map(\.rawValue)))
    }

    private func replay(_ target: FuzzTarget) throws {
        let directory = Self.corpus.appendingPathComponent(target.rawValue)
        let seeds = try files(in: directory.appendingPathComponent("seeds"))
        XCTAssertFalse(seeds.isEmpty, "no seeds in \(directory.path)/seeds")
        let crashes = try files(in: directory.appendingPathComponent("crashes"))
        for file in seeds + crashes {
            target.run(Array(try Data(contentsOf: file)))
        }
    }

    private func files(in directory: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.path < $1.path }
    }
}

/// The seeds must reach the paths past the parsers (a seed every parser rejects would leave
/// the fuzzer to find valid input on its own).
final class SeedCoverageTests: XCTestCase {
    func testFullConfigurationSeedLoads() throws {
        let seed = try Data(contentsOf: CorpusReplayTests.corpus.appendingPathComponent("yaml-config/seeds/full"))
        FuzzTarget.yamlConfig.run([0]) // creates the certificate files the seed names
        let result = ConfigLoader.parse(bytes: Array(seed.dropFirst()), sourceName: "full", baseDirectory: "/tmp/mcp-edge-fuzz-config")
        if case .failure(let errors) = result { XCTFail("\(errors)") }
    }

    func testJSONRPCSeedsAreMessagesTheScannerAccepts() throws {
        let directory = CorpusReplayTests.corpus.appendingPathComponent("jsonrpc/seeds")
        for name in ["initialize", "tools-call-meta", "tools-list-result", "progress", "cancelled", "error-null-id",
                     "resources-read", "input-responses", "list-cursor"] {
            let seed = Array(try Data(contentsOf: directory.appendingPathComponent(name)))
            let offset = Int(seed[0]) % 8
            let body = ([UInt8](repeating: 0x7B, count: offset) + seed.dropFirst())[offset...]
            guard case .success = MessageScanner.scan(body) else { return XCTFail(name) }
        }
    }

    func testSSESeedsDispatchEvents() throws {
        let seed = Array(try Data(contentsOf: CorpusReplayTests.corpus.appendingPathComponent("sse/seeds/mcp-response-stream")))
        XCTAssertEqual(SSEFuzz.parse([seed.dropFirst()], limit: 1024).events.count, 3)
    }

    func testHTTP2SeedsDeliverRequestHeads() throws {
        let seed = try Data(contentsOf: CorpusReplayTests.corpus.appendingPathComponent("http2-server/seeds/streams-reset-ping"))
        let before = HTTP2ServerFuzz.headsSeen
        FuzzTarget.http2Server.run(Array(seed))
        XCTAssertEqual(HTTP2ServerFuzz.headsSeen - before, 2)
    }
}
