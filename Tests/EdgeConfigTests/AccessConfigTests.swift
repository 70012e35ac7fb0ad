import XCTest
@testable import EdgeConfig

/// `auth`, `rules`, `rate_limits`, `origins` and server `credentials`: what a valid file
/// becomes, and each mistake reported at its line and key path without repeating a secret.
final class AccessConfigTests: XCTestCase {
    static let head = """
    listeners: [{address: "127.0.0.1:8443"}]
    servers:
      bench: {url: "http://127.0.0.1:9000/mcp"}
    routes:
      - {path: /mcp, servers: [bench]}
      - {path: /raw/mcp, passthrough: bench}

    """

    func testAValidAccessSection() throws {
        let fixture = try Fixture()
        try fixture.write(#"{"keys":[]}"#, to: "jwks.json")
        let config = try fixture.configuration(Self.head + """
        auth:
          resource: https://mcp.example.com/mcp
          authorization_servers: [https://idp.example.com]
          required_scopes: [mcp:tools]
          api_key_header: X-API-Key
          api_keys:
            - {sha256: 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08, subject: alice, tenant: acme, groups: [dev]}
          jwt: {issuer: https://idp.example.com, jwks_file: jwks.json, leeway: 30s, claims: {tenant: org_id}}
        rules:
          - deny: {subjects: [mallory]}
          - allow: {groups: [dev], servers: [bench]}
        rate_limits:
          identity: {rate: 100/min, burst: 10}
          tenant: {rate: 50}
        origins: [https://app.example.com]
        """)
        let auth = try XCTUnwrap(config.auth)
        XCTAssertEqual(auth.resource, "https://mcp.example.com/mcp")
        XCTAssertEqual(auth.apiKeys.first?.sha256.first, 0x9F)
        XCTAssertEqual(auth.apiKeys.first?.groups, ["dev"])
        XCTAssertEqual(auth.apiKeyHeader, "X-API-Key")
        XCTAssertEqual(auth.jwt?.jwksFile, fixture.directory + "/jwks.json")
        XCTAssertEqual(auth.jwt?.leewaySeconds, 30)
        XCTAssertEqual(auth.jwt?.tenantClaim, "org_id")
        XCTAssertEqual(config.rules.map(\.allow), [false, true])
        XCTAssertEqual(config.rules[1].groups, ["dev"])
        XCTAssertNil(config.rules[1].tools)
        XCTAssertEqual(config.rateLimits?.identity?.perSecond ?? 0, 100.0 / 60, accuracy: 1e-9)
        XCTAssertEqual(config.rateLimits?.identity?.burst, 10)
        XCTAssertEqual(config.rateLimits?.tenant?.burst, 50, "burst defaults to one second of rate")
        XCTAssertEqual(config.origins, ["https://app.example.com"])
        XCTAssertEqual(config.auth(for: config.routes[1])?.resource, "https://mcp.example.com/mcp", "routes inherit")
    }

    func testMistakesAreLocated() throws {
        let fixture = try Fixture()
        let issues = fixture.issues(Self.head + """
        auth:
          api_keys:
            - {sha256: not-hex, subject: alice}
          jwt: {issuer: https://idp.example.com}
        rules:
          - allow: {groups: [dev], tool: [x]}
          - {allow: {}, deny: {}}
        rate_limits:
          identity: {rate: fast}
        origins: [https://app.example.com/path]
        """)
        let text = issues.map { "\($0.line) \($0.keyPath): \($0.message)" }.joined(separator: "\n")
        XCTAssertTrue(text.contains("9 auth.api_keys[0].sha256: must be the 64 hex digits"), text)
        XCTAssertTrue(text.contains("10 auth.jwt: needs jwks_file"), text)
        XCTAssertTrue(text.contains("auth.resource: JWT audiences default to auth.resource"), text)
        XCTAssertTrue(text.contains("12 rules[0].allow.tool: unknown key \"tool\"; did you mean \"tools\"?"), text)
        XCTAssertTrue(text.contains("13 rules[1]: a rule is either allow"), text)
        XCTAssertTrue(text.contains("15 rate_limits.identity.rate: must be a positive number"), text)
        XCTAssertTrue(text.contains("16 origins: \"https://app.example.com/path\" is not an origin"), text)
    }

    func testItemRulesNeedAGatewayRoute() throws {
        let fixture = try Fixture()
        let inherited = fixture.issues(Self.head + "rules:\n  - allow: {tools: [\"*\"]}\n")
        XCTAssertTrue(inherited.contains { $0.keyPath == "rules" && $0.message.contains("passthrough route /raw/mcp") })
        let own = fixture.issues(Self.head.replacingOccurrences(of: "{path: /raw/mcp, passthrough: bench}",
                                                                with: "{path: /raw/mcp, passthrough: bench, rules: [{deny: {methods: [resources/read]}}]}"))
        XCTAssertTrue(own.contains { $0.keyPath == "routes[1].rules[0]" && $0.message.contains("need a gateway route") })
        // Server-level rules are fine on a passthrough route.
        _ = try fixture.configuration(Self.head + "rules:\n  - allow: {groups: [dev], servers: [bench]}\n")
    }

    func testCredentialsNameTheirSourceNeverTheirValue() throws {
        let fixture = try Fixture()
        let config = try fixture.configuration(Self.head.replacingOccurrences(
            of: "bench: {url: \"http://127.0.0.1:9000/mcp\"}",
            with: "bench: {url: \"http://127.0.0.1:9000/mcp\", credentials: {bearer: {env: BENCH_TOKEN}, headers: {X-Api-Key: s3cr3t}}}"))
        XCTAssertEqual(config.servers["bench"]?.credentials, [
            .init(name: "authorization", prefix: "Bearer ", secret: .environment("BENCH_TOKEN")),
            .init(name: "x-api-key", secret: .literal("s3cr3t")),
        ])
        let issues = fixture.issues(Self.head.replacingOccurrences(
            of: "bench: {url: \"http://127.0.0.1:9000/mcp\"}",
            with: "bench: {url: \"http://127.0.0.1:9000/mcp\", credentials: {headers: {Host: s3cr3t, \"bad name\": s3cr3t}}}"))
        XCTAssertEqual(issues.count, 2)
        XCTAssertFalse(issues.contains { $0.message.contains("s3cr3t") }, "\(issues)")
    }
}

extension AccessConfigTests {
    func testAPIKeysFromAFile() throws {
        let fixture = try Fixture()
        try fixture.write("""
        - {sha256: 2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b, subject: ci-bot, groups: [automation]}
        - {sha256: 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8, subject: alice}
        """, to: "keys.yaml")
        let config = try fixture.configuration(Self.head + "auth:\n  api_keys_file: keys.yaml\n")
        XCTAssertEqual(config.auth?.apiKeys.map(\.subject), ["ci-bot", "alice"])
        try fixture.write("- {sha256: nothex, subject: x}\n", to: "bad.yaml")
        let issues = fixture.issues(Self.head + "auth:\n  api_keys_file: bad.yaml\n")
        XCTAssertEqual(issues.count, 1)
        XCTAssertEqual(issues.first?.file, fixture.directory + "/bad.yaml")
        XCTAssertEqual(issues.first?.line, 1)
        XCTAssertEqual(issues.first?.keyPath, "[0].sha256")
    }
}
