import MCPGateway
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Prints rough per-operation times of the token codecs (no assertion: debug builds and shared
/// machines vary). The numbers that count come from Benchmarks/Micro (GatewayCodecs).
final class CodecTimingTests: XCTestCase {
    func testPrintSealAndOpenTimes() throws {
        let sealer = SessionSealer(keys: [Fixtures.keyA])
        let state = Fixtures.typicalState()
        let token = try sealer.seal(state)
        let codec = CursorCodec(secret: Fixtures.keyA.secret)
        let cursor = MergedCursor(routeTag: 7, method: 1, pending: [PendingPage(server: Fixtures.bytes("github"), cursor: Fixtures.bytes("eyJwYWdlIjoyfQ"))])
        let text = try codec.encode(cursor)
        let iterations = 2_000
        var sink = 0
        let seal = try time(iterations) { sink &+= try sealer.seal(state).count }
        let open = time(iterations) { if case .valid = sealer.open(token[...], now: 1_800_000_100) { sink &+= 1 } }
        let encode = try time(iterations) { sink &+= try codec.encode(cursor).count }
        let decode = time(iterations) { sink &+= codec.decode(text[...])?.pending.count ?? 0 }
        print("token \(token.count) chars: seal \(seal) ns, open \(open) ns; cursor \(text.count) chars: encode \(encode) ns, decode \(decode) ns (sink \(sink))")
    }

    private func time(_ iterations: Int, _ body: () throws -> Void) rethrows -> Int {
        for _ in 0..<100 { try body() }
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        for _ in 0..<iterations { try body() }
        clock_gettime(CLOCK_MONOTONIC, &end)
        return ((end.tv_sec - start.tv_sec) * 1_000_000_000 + (end.tv_nsec - start.tv_nsec)) / iterations
    }
}
