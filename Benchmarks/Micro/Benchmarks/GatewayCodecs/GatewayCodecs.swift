// Micro-benchmarks of the gateway's sealed tokens: minting and opening a client session's
// Mcp-Session-Id (AES-256-GCM over the state of a session with three backends) and encoding and
// decoding a merged-list cursor (HMAC-SHA256). Each benchmark builds its sealer or codec (one per
// worker thread in the gateway) outside the measured region, checks one round trip, then
// repeats the operation `scaledIterations` times.

import Benchmark
import MCPGateway

/// A session as a gateway mints it: a client with ordinary capabilities, three backends.
let sessionState = ClientSessionState(
    issuedAt: 1_800_000_000, expiresAt: 1_800_086_400, nonce: [0x3A, 0x91, 0x0C, 0x5E, 0x77, 0xB2, 0x48, 0xD1],
    protocolVersion: Array("2025-06-18".utf8),
    clientCapabilities: Array(#"{"roots":{"listChanged":true},"sampling":{},"elicitation":{}}"#.utf8),
    clientInfo: Array(#"{"name":"claude-code","version":"2.1.14"}"#.utf8),
    backendSessions: ["github", "linear", "postgres"].enumerated().map { index, server in
        BackendSession(server: Array(server.utf8), sessionID: Array("5f0c3c1e-8d2b-4f1a-9e77-0b6d2a9c4e1\(index)".utf8),
                       protocolVersion: Array("2025-03-26".utf8))
    })

/// A tools/list position across three backends, one still on its first page.
let mergedCursor = MergedCursor(routeTag: 0x5EED_0001, method: 1, pending: [
    PendingPage(server: Array("github".utf8), cursor: Array("eyJwYWdlIjoyLCJzaXplIjo1MH0".utf8)),
    PendingPage(server: Array("linear".utf8), cursor: Array("c2VhcmNoX2FmdGVyOjE3MDAwMDAwMDA".utf8)),
    PendingPage(server: Array("postgres".utf8), cursor: []),
])

let keys = [SessionKey(id: 1, secret: Array("benchmark session secret, 32 bytes or more".utf8))]
let now: UInt32 = 1_800_000_100

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 3,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000
    )

    Benchmark("SessionSealer.seal (3 backend sessions)") { benchmark in
        let sealer = SessionSealer(keys: keys)
        let token = try sealer.seal(sessionState)
        precondition(sealer.open(token[...], now: now) == .valid(sessionState))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try sealer.seal(sessionState))
        }
    }

    Benchmark("SessionSealer.open (3 backend sessions)") { benchmark in
        let sealer = SessionSealer(keys: keys)
        let token = try sealer.seal(sessionState)
        precondition(sealer.open(token[...], now: now) == .valid(sessionState))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(sealer.open(token[...], now: now))
        }
    }

    Benchmark("CursorCodec.encode (3 pending pages)") { benchmark in
        let codec = CursorCodec(secret: keys[0].secret)
        let text = try codec.encode(mergedCursor)
        precondition(codec.decode(text[...]) == mergedCursor)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try codec.encode(mergedCursor))
        }
    }

    Benchmark("CursorCodec.decode (3 pending pages)") { benchmark in
        let codec = CursorCodec(secret: keys[0].secret)
        let text = try codec.encode(mergedCursor)
        precondition(codec.decode(text[...]) == mergedCursor)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(codec.decode(text[...]))
        }
    }
}
