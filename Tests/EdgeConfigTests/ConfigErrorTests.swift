import XCTest
@testable import EdgeConfig

/// Each kind of mistake is reported at the right line, column and key path, with a message that
/// says how to fix it; nothing stops at the first error.
final class ConfigErrorTests: XCTestCase {
    /// A valid file; each case below changes some of its lines, so line numbers stay put.
    static let baseLines = [
        "listeners:",                                             // 1
        "  - name: public",                                       // 2
        "    address: 127.0.0.1:8443",                            // 3
        "    tls:",                                               // 4
        "      certificate: cert.pem",                            // 5
        "      key: key.pem",                                     // 6
        "servers:",                                               // 7
        "  bench:",                                               // 8
        "    url: http://127.0.0.1:9000/mcp",                     // 9
        "  time:",                                                // 10
        "    command: [mcp-server-time, --local-timezone, UTC]",  // 11
        "routes:",                                                // 12
        "  - path: /mcp",                                         // 13
        "    servers: [bench, time]",                             // 14
        "  - path: /bench/mcp",                                   // 15
        "    passthrough: bench",                                 // 16
    ]

    static func base(_ changes: [Int: String] = [:], appending extra: [String] = []) -> String {
        var lines = baseLines
        for (line, text) in changes { lines[line - 1] = text }
        return (lines + extra).joined(separator: "\n") + "\n"
    }

    struct Expected {
        let line: Int
        let column: Int
        let keyPath: String
        let fragment: String
    }

    struct Case {
        let name: String
        let yaml: String
        let expected: [Expected]

        init(_ name: String, _ yaml: String, _ expected: Expected...) {
            self.name = name
            self.yaml = yaml
            self.expected = expected
        }
    }

    static func at(_ line: Int, _ column: Int, _ keyPath: String, _ fragment: String) -> Expected {
        Expected(line: line, column: column, keyPath: keyPath, fragment: fragment)
    }

    static let cases: [Case] = [
        Case("unknown key with suggestion", base([3: "    adress: 127.0.0.1:8443"]),
             at(3, 5, "listeners[0].adress", "unknown key \"adress\"; did you mean \"address\"? (allowed keys here: name, address, tls)")),
        Case("unknown top-level key", base([12: "rotues:"]),
             at(12, 1, "rotues", "did you mean \"routes\"?")),
        Case("unknown key without suggestion", base(appending: ["upstreams: {}"]),
             at(17, 1, "upstreams", "unknown key \"upstreams\" (allowed keys here: workers, listeners")),
        Case("unknown limit key", base(appending: ["limits:", "  max_body_byte: 5"]),
             at(18, 3, "limits.max_body_byte", "did you mean \"max_body_bytes\"?")),
        Case("bad address", base([3: "    address: localhost:8443"]),
             at(3, 14, "listeners[0].address", "listen addresses must be numeric (use 127.0.0.1)")),
        Case("address without port", base([3: "    address: 127.0.0.1"]),
             at(3, 14, "listeners[0].address", "has no port")),
        Case("bad url scheme", base([9: "    url: ftp://127.0.0.1:9000/mcp"]),
             at(9, 10, "servers.bench.url", "unsupported URL scheme \"ftp\"; use http:// or https://")),
        Case("route to unknown server", base([16: "    passthrough: bnech"]),
             at(16, 18, "routes[1].passthrough", "unknown server \"bnech\"; did you mean \"bench\"?; defined servers: bench, time")),
        Case("gateway to unknown server", base([14: "    servers: [bench, tiem]"]),
             at(14, 22, "routes[0].servers[1]", "unknown server \"tiem\"")),
        Case("both url and command", base([8: "  bench: {url: http://127.0.0.1:9000/mcp, command: [x]}", 9: "  # (block body removed)"]),
             at(8, 10, "servers.bench", "has both url and command; keep exactly one")),
        Case("neither url nor command", base([8: "  bench: {}", 9: "  # (block body removed)"]),
             at(8, 10, "servers.bench", "needs url: (an HTTP server) or command: (a stdio server)")),
        Case("command must be a list", base([11: "    command: mcp-server-time"]),
             at(11, 14, "servers.time.command", "expected a list")),
        Case("invalid server name", base([10: "  time.local:", 14: "    servers: [bench, time.local]"]),
             at(10, 3, "servers.time.local", "may use only letters, digits")),
        Case("duplicate route path", base([15: "  - path: /mcp"]),
             at(15, 11, "routes[1].path", "duplicate route path \"/mcp\"; routes[0] (line 13) already serves it")),
        Case("route path without slash", base([13: "  - path: mcp"]),
             at(13, 11, "routes[0].path", "must start with \"/\", like /mcp")),
        Case("route with passthrough and servers", base([15: "  - {path: /bench/mcp, passthrough: bench, servers: [time]}", 16: "#"]),
             at(15, 5, "routes[1]", "has both passthrough and servers")),
        Case("gateway listing a server twice", base([14: "    servers: [bench, bench]"]),
             at(14, 22, "routes[0].servers[1]", "server \"bench\" is listed twice")),
        Case("bad duration", base(appending: ["timeouts:", "  sse_idle: 5 minutes"]),
             at(18, 13, "timeouts.sse_idle", "\"5 minutes\" is not a duration; write a number with a unit: 500ms, 10s, 5m, 1h")),
        Case("zero timeout", base(appending: ["timeouts:", "  upstream_connect: 0s"]),
             at(18, 21, "timeouts.upstream_connect", "must be from 1ms to 24h; got 0s")),
        Case("negative size limit", base(appending: ["limits:", "  max_body_bytes: -5"]),
             at(18, 19, "limits.max_body_bytes", "must not be negative; got -5")),
        Case("negative count limit", base(appending: ["limits:", "  max_header_count: -1"]),
             at(18, 21, "limits.max_header_count", "must be a whole number from 1 to 10000; got -1")),
        Case("idle pool larger than pool", base(appending: ["limits:", "  max_upstream_connections_per_server: 8",
                                                            "  max_idle_upstream_connections_per_server: 9"]),
             at(19, 45, "limits.max_idle_upstream_connections_per_server", "must not exceed max_upstream_connections_per_server (8)")),
        Case("http2 window too small", base(appending: ["http2:", "  initial_window_size: 1KiB"]),
             at(18, 24, "http2.initial_window_size", "must be from 65535 to 2147483647 bytes; got 1KiB")),
        Case("missing certificate file", base([5: "      certificate: missing.pem"]),
             at(5, 20, "listeners[0].tls.certificate", "certificate file ")),
        Case("missing key", base([6: "      # no key"]),
             at(5, 7, "listeners[0].tls", "missing required key \"key\"")),
        Case("unsupported ALPN", base(appending: []).replacingOccurrences(of: "      key: key.pem", with: "      key: key.pem\n      alpn: [h2, h3]"),
             at(7, 18, "listeners[0].tls.alpn[1]", "unsupported ALPN protocol \"h3\"; supported: h2, http/1.1")),
        Case("duplicate listener address", base(appending: ["admin:", "  address: 127.0.0.1:8443"]),
             at(18, 12, "admin.address", "already used by listener \"public\"")),
        Case("listeners is not a list", base([1: "listeners: 5", 2: "#", 3: "#", 4: "#", 5: "#", 6: "#"]),
             at(1, 12, "listeners", "expected a list")),
        Case("YAML syntax error", base([3: "    address: [127.0.0.1:8443"]),
             at(4, 8, "", "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 3, column 14)")),
        Case("unquoted IPv6 address", base([3: "    address: [::1]:8443"]),
             at(3, 15, "", "quote IPv6 addresses, a bare \"[\" starts a list: address: \"[::1]:8443\"")),
        Case("tab indentation", base([3: "\taddress: 127.0.0.1:8443"]),
             at(3, 1, "", "YAML does not allow tabs")),
        Case("duplicate key", base([6: "      certificate: cert.pem"]),
             at(6, 7, "", "duplicate key \"certificate\" in one mapping")),
        Case("duplicate top-level key", base(appending: ["routes: []"]),
             at(17, 1, "", "duplicate key \"routes\" in one mapping")),
        Case("nesting too deep", base(appending: ["limits: " + String(repeating: "[", count: 10_000)]),
             at(17, 264, "", "nesting deeper than 256 levels")),
        Case("empty file", "# nothing here\n",
             at(0, 0, "", "the file is empty")),
        Case("missing sections", "workers: 2\n",
             at(1, 1, "", "missing required key \"listeners\""),
             at(1, 1, "", "missing required key \"servers\""),
             at(1, 1, "", "missing required key \"routes\"")),
    ]

    func testEachKindOfErrorIsLocated() throws {
        let fixture = try Fixture()
        for testCase in Self.cases {
            let issues = fixture.issues(testCase.yaml)
            XCTAssertEqual(issues.count, testCase.expected.count,
                           "\(testCase.name): \(issues.map(\.description))")
            for (issue, expected) in zip(issues, testCase.expected) {
                let context = "\(testCase.name): \(issue)"
                XCTAssertEqual(issue.file, "edge.yaml", context)
                XCTAssertEqual(issue.line, expected.line, context)
                XCTAssertEqual(issue.column, expected.column, context)
                XCTAssertEqual(issue.keyPath, expected.keyPath, context)
                XCTAssertTrue(issue.message.contains(expected.fragment), context)
            }
        }
    }

    func testDescriptionFormat() throws {
        let issues = try Fixture().issues(Self.base([16: "    passthrough: bnech"]))
        XCTAssertEqual(issues.map(\.description),
                       ["edge.yaml:16:18: routes[1].passthrough: unknown server \"bnech\"; did you mean \"bench\"?; defined servers: bench, time"])
        XCTAssertEqual(ConfigIssue(file: "edge.yaml", line: 0, column: 0, keyPath: "", message: "is empty").description,
                       "edge.yaml: is empty")
    }

    func testAllErrorsAreReportedInFileOrder() throws {
        let yaml = Self.base([3: "    address: 127.0.0.1:99999",
                              5: "      certificate: nope.pem",
                              9: "    url: gopher://old/mcp",
                              11: "    command: [mcp-server-time]\n    timeout: 5s",
                              16: "    passthrough: bnech"],
                             appending: ["limits:", "  max_body_bytes: -1", "timeouts:", "  drain: soon"])
        let issues = try Fixture().issues(yaml)
        XCTAssertEqual(issues.map(\.keyPath), [
            "listeners[0].address",
            "listeners[0].tls.certificate",
            "servers.bench.url",
            "servers.time.timeout",
            "routes[1].passthrough",
            "limits.max_body_bytes",
            "timeouts.drain",
        ], issues.map(\.description).joined(separator: "\n"))
        XCTAssertEqual(issues.map(\.line), [3, 5, 9, 12, 17, 19, 21])
        let thrown = ConfigErrors(issues: issues)
        XCTAssertEqual(thrown.description.split(separator: "\n").count, 7)
    }

    func testUnknownServerListsTenDefinedServersAndSuggestsTheClosest() throws {
        var yaml = "listeners:\n  - address: 127.0.0.1:8080\nservers:\n"
        for i in 0..<20_000 { yaml += "  s\(i): {url: http://127.0.0.1:9000/mcp}\n" }
        yaml += "routes:\n  - path: /mcp\n    passthrough: s4999x\n"
        let issues = try Fixture().issues(yaml)
        XCTAssertEqual(issues.map(\.keyPath), ["routes[0].passthrough"])
        let message = try XCTUnwrap(issues.first?.message)
        XCTAssertEqual(message, "unknown server \"s4999x\"; did you mean \"s4999\"?; defined servers: "
                       + (0..<10).map { "s\($0)" }.joined(separator: ", ") + ", … and 19990 more")
    }

    func testNonUTF8BytesAreReportedAtTheirLineAndColumn() {
        var bytes = Array("listeners:\n  - name: pub".utf8)
        bytes += [0xC3, 0xA9, 0x6C, 0xFF] + Array("\n".utf8) // é is fine; 0xFF is not UTF-8
        let result = ConfigLoader.parse(bytes: bytes, sourceName: "edge.yaml", baseDirectory: "/tmp")
        guard case .failure(let errors) = result else { return XCTFail("accepted") }
        XCTAssertEqual(errors.issues.map(\.description), ["edge.yaml:2:16: is not UTF-8 text: byte 0xFF is not valid UTF-8 (save the file as UTF-8)"])
    }

    func testErrorsInOneServerDoNotCascadeIntoRoutes() throws {
        // bench's url is bad, but bench is still a defined name: routes naming it are not reported.
        let issues = try Fixture().issues(Self.base([9: "    url: nope"]))
        XCTAssertEqual(issues.map(\.keyPath), ["servers.bench.url"])
    }
}
