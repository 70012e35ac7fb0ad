// Micro-benchmarks of access control: what a request with a bearer token costs the first
// time its token is seen (JOSE parsing, the signature check by OpenSSL, claims), what it costs
// once the worker's cache knows it, and a rules decision. The tokens were signed once with
// Python's cryptography (issued at 1700000000 for an hour; the clock below is inside that).

import Benchmark
import EdgePolicy

let jwks = #"{"keys": [{"kty": "RSA", "kid": "rsa1", "use": "sig", "n": "toYmVGj0LvRoqPILNes4rBtysqcd5J8y7SoYwoz8zpTnHaQBSirYld0g76ABJmryOQRBzmMobdJ7q7NXM72xXGU0UnZO2f2mt6ahD-9UfYTY3Cn-YaZ5JE0ivdiGE0SKCxiNNpvL7Oahk4tGQR4cJbW_33TNWPOBsBaM_POZeXCwrMNO58jkxcH25mN53Q7PlC4pwOBBsUSuv6vDV77WVuKYmkrEAHyh39sObIbVREs0mPuM_gYmEiYrDelmV_CARsUKbJhYD0I5mc6FCToDQMb2Rm0TKGUqOvMXTItkTe0vqJbhwKPJTx1pXU5wM1py1tefmCyxBEHUsk37IQg-7w", "e": "AQAB"}, {"kty": "EC", "kid": "ec1", "crv": "P-256", "x": "O9dofsqYrHqWPEpbaBVG3KcnA2eCvt-hNUE4oXE98qU", "y": "vvaUyAC3BqVxJDb2sFmHuRMLlCU9CMfEAAIp5qWUVVM"}, {"kty": "OKP", "kid": "ed1", "crv": "Ed25519", "x": "obSsYIzx94gU9OGI0RXwhAILpMv7hrmnvVXJTKoYW1Y"}, {"kty": "oct", "kid": "sym", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}]}"#
let tokens: [(name: String, token: String)] = [
    ("RS256", "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6InJzYTEifQ.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.Sooe9ePwNs94k8ogUFPo96gYjNWP5HSEDFIrT63VS6hGERuLrww0Xy6CmUyUsT2xmgkrPwqKRZonKAcNFDVvUdOZ5TAE66gL6K1qkDffxL0q4r9-CrrngsTDB7hUeEAOrsa5jgDmznELgmIvChq1op4He3rpl4m4PeuBVoS8N4A0U6OGzSA-rskHelAFzGtt4DMF2jKRk_qdWgdkxndlh1Ajvddvf1mRMDLsPFEyLbXIZXGtYgaSatuFNqRA2u-HH49fIqAurYFtnbHhHtwfxWY5TwPqpgWs_mA36LFEWWzvPXuvSbe4txJKvlfFcNksScpw-H92tuVoFwAMuEpsdQ"),
    ("ES256", "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImVjMSJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.3oOxNL0T52WhTKjSIF5Ri6E_GgP0IqNlXPtX4eUpe0aHGrSeZvuVCVG_6BmUqw8dGcLDAA5QKUakRQrBUtGqpw"),
    ("EdDSA", "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCIsImtpZCI6ImVkMSJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsImF1ZCI6Imh0dHBzOi8vbWNwLmV4YW1wbGUuY29tL21jcCIsInN1YiI6ImFsaWNlIiwidGVuYW50IjoiYWNtZSIsImdyb3VwcyI6WyJkZXYiLCJvcHMiXSwic2NvcGUiOiJtY3A6dG9vbHMgbWNwOnJlYWQiLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMzYwMH0.1ekP7fZzerc1Byec2C04mQhkWo0J8qvUbTfQadLYKCI9hpcLY2GcFX6lnStCmCOoxmJRXw85lVIZ_cJZbB24BQ"),
]
let now = 1_700_000_100

let keySet: JSONWebKeySet = {
    guard case .success(let set) = JSONWebKeySet.parse(Array(jwks.utf8)[...]) else { fatalError("jwks") }
    return set
}()
let verifier = JWTVerifier(settings: JWTSettings(issuer: "https://idp.example.com", audiences: ["https://mcp.example.com/mcp"]))

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 3,
        scalingFactor: .one,
        maxDuration: .seconds(2),
        maxIterations: 100_000
    )

    for (name, token) in tokens {
        Benchmark("JWT first seen: \(name) (parse, signature, claims)") { benchmark in
            let bytes = Array(token.utf8)
            guard case .success = verifier.verify(bytes[...], keys: keySet, now: now) else { fatalError("\(name) does not verify") }
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(verifier.verify(bytes[...], keys: keySet, now: now))
            }
        }
    }

    Benchmark("Bearer token already verified (the worker's cache)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let authenticator = Authenticator(resource: "https://mcp.example.com/mcp", jwt: verifier, keys: keySet)
        let cache = TokenCache()
        let header = Array(("Bearer " + tokens[0].token).utf8)
        guard case .success = authenticator.authenticate(authorization: header[...], apiKey: nil, now: now, cache: cache) else {
            fatalError("no identity")
        }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(authenticator.authenticate(authorization: header[...], apiKey: nil, now: now, cache: cache))
        }
    }

    Benchmark("AccessRules: three rules, a tool call", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let rules = AccessRules([
            AccessRule(effect: .deny, subjects: ["mallory"]),
            AccessRule(effect: .allow, groups: ["dev"], servers: ["alpha"], tools: ["*"]),
            AccessRule(effect: .allow, tenants: ["globex"], servers: ["beta"], tools: ["read_*"]),
        ])
        let who = Identity(source: .jwt, subject: "alice", tenant: "acme", groups: ["dev"])
        let tool = AccessItem.tool(Array("echo".utf8))
        precondition(rules.allows(who, server: "alpha", item: tool, method: "tools/call"))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(rules.allows(who, server: "alpha", item: tool, method: "tools/call"))
        }
    }
}
