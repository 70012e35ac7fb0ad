@testable import EdgePolicy
import XCTest

/// Rules tables: first match decides, default deny once any rule exists, item kinds, globs,
/// unauthenticated requests, and route admission (`mayReach`).
final class AccessRulesTests: XCTestCase {
    let alice = Identity(source: .jwt, subject: "alice", tenant: "acme", groups: ["dev"], scopes: ["mcp:tools"])
    let mallory = Identity(source: .jwt, subject: "mallory", tenant: "acme", groups: ["dev"])
    let bob = Identity(source: .apiKey, subject: "bob", tenant: "globex", groups: ["ops"])

    func tool(_ name: String) -> AccessItem { .tool(Array(name.utf8)) }

    func testNoRulesAllowEverything() {
        XCTAssertTrue(AccessRules([]).allows(nil, server: "alpha", item: tool("x")))
        XCTAssertTrue(AccessRules([]).mayReach(nil, server: "alpha"))
    }

    func testFirstMatchDecidesAndTheDefaultIsDeny() {
        let rules = AccessRules([
            AccessRule(effect: .deny, subjects: ["mallory"]),
            AccessRule(effect: .allow, groups: ["dev"], servers: ["alpha"], tools: ["*"]),
            AccessRule(effect: .allow, tenants: ["globex"], servers: ["beta"], tools: ["read_*"]),
        ])
        let table: [(Identity, String, String, Bool)] = [
            (alice, "alpha", "echo", true),
            (alice, "beta", "echo", false),      // no rule: default deny
            (mallory, "alpha", "echo", false),   // the deny comes first
            (bob, "beta", "read_file", true),
            (bob, "beta", "write_file", false),
            (bob, "alpha", "echo", false),
        ]
        for (who, server, name, expected) in table {
            XCTAssertEqual(rules.allows(who, server: server, item: tool(name), method: "tools/call"), expected,
                           "\(who.subject) \(server) \(name)")
        }
        XCTAssertTrue(rules.mayReach(alice, server: "alpha"))
        XCTAssertFalse(rules.mayReach(alice, server: "beta"))
        XCTAssertFalse(rules.mayReach(mallory, server: "alpha"))
        XCTAssertTrue(rules.mayReach(bob, server: "beta"))
        XCTAssertFalse(rules.mayReach(nil, server: "alpha"))
    }

    func testItemKindsAndMethods() {
        let rules = AccessRules([
            AccessRule(effect: .deny, servers: ["alpha"], methods: ["resources/read"]),
            AccessRule(effect: .allow, servers: ["alpha"], tools: ["echo"]),
            AccessRule(effect: .allow, servers: ["alpha"], resources: ["file:///public/*"]),
            AccessRule(effect: .allow, servers: ["beta"]),
        ])
        XCTAssertTrue(rules.allows(alice, server: "alpha", item: tool("echo")))
        XCTAssertFalse(rules.allows(alice, server: "alpha", item: tool("other")))
        XCTAssertFalse(rules.allows(alice, server: "alpha", item: .prompt(Array("echo".utf8))), "a tools rule says nothing of prompts")
        XCTAssertFalse(rules.allows(alice, server: "alpha", item: .resource(Array("file:///public/a".utf8)), method: "resources/read"))
        XCTAssertTrue(rules.allows(alice, server: "alpha", item: .resource(Array("file:///public/a".utf8)), method: "resources/subscribe"))
        XCTAssertTrue(rules.allows(alice, server: "beta", item: .prompt(Array("any".utf8))), "no item kinds: every item")
        XCTAssertTrue(rules.mayReach(alice, server: "alpha"), "a deny limited to a method does not shut the server")
    }

    func testScopesAndSubjectGlobs() {
        let rules = AccessRules([
            AccessRule(effect: .allow, scopes: ["mcp:tools"], servers: ["*"]),
            AccessRule(effect: .allow, subjects: ["svc-*"], servers: ["beta"]),
        ])
        XCTAssertTrue(rules.allows(alice, server: "anything"))
        XCTAssertFalse(rules.allows(bob, server: "beta"))
        XCTAssertTrue(rules.allows(Identity(source: .apiKey, subject: "svc-report"), server: "beta"))
        XCTAssertFalse(rules.allows(nil, server: "beta"), "an anonymous request matches no rule about someone")
    }

    func testNeedsGateway() {
        XCTAssertFalse(AccessRule(effect: .allow, groups: ["dev"], servers: ["alpha"]).needsGateway)
        XCTAssertTrue(AccessRule(effect: .allow, servers: ["alpha"], tools: ["*"]).needsGateway)
        XCTAssertTrue(AccessRule(effect: .deny, methods: ["resources/read"]).needsGateway)
    }
}

/// The `Origin` allow-list: loopback by default, exact origins, `*`.
final class OriginPolicyTests: XCTestCase {
    func allows(_ policy: OriginPolicy, _ origin: String) -> Bool { policy.allows(Array(origin.utf8)[...]) }

    func testDefaultIsLoopbackOnly() {
        let policy = OriginPolicy(origins: nil)
        for origin in ["http://localhost", "http://localhost:6274", "https://127.0.0.1:8443", "http://[::1]:3000", "HTTP://LOCALHOST"] {
            XCTAssertTrue(allows(policy, origin), origin)
        }
        for origin in ["https://evil.example", "http://localhost.evil.example", "http://127.0.0.1.nip.io", "null",
                       "http://localhost:", "http://localhost:80x", "file://", "http://[::1]x"] {
            XCTAssertFalse(allows(policy, origin), origin)
        }
    }

    func testConfiguredOriginsReplaceTheDefault() {
        let policy = OriginPolicy(origins: ["https://app.example.com"])
        XCTAssertTrue(allows(policy, "https://app.example.com"))
        XCTAssertTrue(allows(policy, "https://APP.example.com"))
        XCTAssertFalse(allows(policy, "https://app.example.com:444"))
        XCTAssertFalse(allows(policy, "http://localhost"))
        XCTAssertTrue(allows(OriginPolicy(origins: ["*"]), "https://anything.example"))
    }
}

/// Argument constraints on tool calls, decided on the argument values alone.
final class ArgumentRulesTests: XCTestCase {
    let alice = Identity(source: .jwt, subject: "alice", groups: ["dev"])
    let rules = AccessRules([
        AccessRule(effect: .deny, servers: ["files"], arguments: [.init(name: "mode", globs: ["write", "delete"])]),
        AccessRule(effect: .allow, servers: ["files"], tools: ["read_file"], arguments: [.init(name: "path", globs: ["/public/*"])]),
        AccessRule(effect: .allow, servers: ["files"], tools: ["stat"]),
    ])

    func decide(_ tool: String, _ arguments: [String: String]) -> Bool {
        rules.allows(alice, server: "files", item: .tool(Array(tool.utf8)), method: "tools/call",
                     argument: { arguments[$0].map { Array($0.utf8) } })
    }

    func testArgumentsDecide() {
        XCTAssertTrue(decide("read_file", ["path": "/public/a.txt"]))
        XCTAssertFalse(decide("read_file", ["path": "/etc/passwd"]))
        XCTAssertFalse(decide("read_file", [:]), "a constrained argument must be present")
        XCTAssertFalse(decide("read_file", ["path": "/public/a", "mode": "delete"]), "the deny comes first")
        XCTAssertTrue(decide("stat", ["path": "/etc/passwd"]), "no constraint on stat")
        XCTAssertFalse(decide("stat", ["mode": "write"]))
    }

    func testListsShowWhatSomeArgumentsWouldAllow() {
        XCTAssertTrue(rules.allows(alice, server: "files", item: .tool(Array("read_file".utf8)), method: "tools/call"))
        XCTAssertFalse(rules.allows(alice, server: "files", item: .tool(Array("write_file".utf8)), method: "tools/call"))
    }
}
