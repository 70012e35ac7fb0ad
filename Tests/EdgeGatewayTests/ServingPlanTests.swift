import EdgeConfig
import Foundation
import XCTest
@testable import EdgeGateway

final class ServingPlanTests: XCTestCase {
    private func plan(_ yaml: String) throws -> ServingPlan {
        let config = try ConfigLoader.parse(yaml: yaml, sourceName: "test.yaml", baseDirectory: "/tmp").get()
        return try ServingPlan(configuration: config)
    }

    func testPassthroughRouteResolvesToItsServer() throws {
        let plan = try plan("""
            workers: 2
            listeners:
              - address: 127.0.0.1:18080
            servers:
              a: {url: "http://127.0.0.1:9000/backend/mcp"}
              b: {url: "http://[::1]:9001/mcp"}
            routes:
              - path: /mcp
                passthrough: a
              - path: /b
                passthrough: b
            timeouts: {upstream_connect: 1500ms, idle_keepalive: 2m}
            limits: {max_body_bytes: 1024}
            """)
        XCTAssertEqual(plan.workers, 2)
        XCTAssertEqual(plan.settings.upstreamConnectTimeout, 1500)
        XCTAssertEqual(plan.settings.idleKeepAliveTimeout, 120_000)
        XCTAssertEqual(plan.settings.maxBodyBytes, 1024)
        guard case .passthrough(let a)? = plan.routes.match(Array("/mcp".utf8)[...]) else {
            return XCTFail("no passthrough route for /mcp")
        }
        XCTAssertEqual(a.name, "a")
        XCTAssertEqual(String(decoding: a.path, as: UTF8.self), "/backend/mcp")
        XCTAssertEqual(String(decoding: a.hostHeader, as: UTF8.self), "127.0.0.1:9000")
        guard case .passthrough(let b)? = plan.routes.match(Array("/b".utf8)[...]) else {
            return XCTFail("no passthrough route for /b")
        }
        XCTAssertEqual(b.address.description, "[::1]:9001")
        XCTAssertNil(plan.routes.match(Array("/mcp/".utf8)[...]))
        XCTAssertNil(plan.routes.match(Array("/".utf8)[...]))
    }

    func testUnservableConfigurationsSayWhy() {
        let cases: [(String, String)] = [
            ("servers:\n  a: {url: \"http://backend.invalid:9000/mcp\"}", "server a: cannot resolve backend.invalid"),
        ]
        for (servers, expected) in cases {
            let yaml = "listeners:\n  - address: 127.0.0.1:18080\n\(servers)\nroutes:\n  - path: /mcp\n    passthrough: a\n"
            XCTAssertThrowsError(try plan(yaml), servers) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
    }

    func testHTTPSBackendsAndHostNamesArePlanned() throws {
        let yaml = "listeners:\n  - address: 127.0.0.1:18080\nservers:\n  a: {url: \"https://localhost:9443/mcp\", tls: {server_name: mcp.test}}\nroutes:\n  - path: /mcp\n    passthrough: a\n"
        let plan = try plan(yaml)
        guard case .passthrough(let a)? = plan.routes.match(Array("/mcp".utf8)[...]) else { return XCTFail("no route") }
        XCTAssertEqual(a.address.description, "127.0.0.1:9443")
        XCTAssertNotNil(a.tls)
        XCTAssertEqual(a.serverName, "mcp.test")
        XCTAssertEqual(String(decoding: a.hostHeader, as: UTF8.self), "localhost:9443")
    }

    /// OpenSSL finds a key that belongs to another certificate only when it loads them: the
    /// error used to carry no line at all ("listener public: private key ... does not match").
    func testCertificateProblemsAreReportedAtTheirLine() throws {
        let directory = NSTemporaryDirectory() + "serving-plan-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in ["a", "b"] {
            let openssl = Process()
            openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            openssl.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                 "-subj", "/CN=\(name).test", "-days", "2",
                                 "-keyout", "\(directory)/\(name)-key.pem", "-out", "\(directory)/\(name)-cert.pem"]
            openssl.standardError = FileHandle.nullDevice
            try openssl.run()
            openssl.waitUntilExit()
            XCTAssertEqual(openssl.terminationStatus, 0)
        }
        try "not a certificate\n".write(toFile: directory + "/junk.pem", atomically: true, encoding: .utf8)
        func issue(_ tls: String) throws -> ConfigIssue? {
            let yaml = """
                listeners:
                  - name: public
                    address: 127.0.0.1:18443
                    tls:
                      \(tls)
                servers:
                  a: {url: "http://127.0.0.1:9000/mcp"}
                routes:
                  - path: /mcp
                    passthrough: a
                """
            let config = try ConfigLoader.parse(yaml: yaml, sourceName: "edge.yaml", baseDirectory: directory).get()
            do {
                _ = try ServingPlan(configuration: config)
                XCTFail("accepted: \(tls)")
                return nil
            } catch let errors as ConfigErrors {
                XCTAssertEqual(errors.issues.count, 1)
                return errors.issues.first
            }
        }
        let mismatch = try XCTUnwrap(issue("{certificate: a-cert.pem, key: b-key.pem}"))
        XCTAssertEqual([mismatch.file, "\(mismatch.line):\(mismatch.column)", mismatch.keyPath],
                       ["edge.yaml", "5:38", "listeners[0].tls.key"])
        XCTAssertTrue(mismatch.message.contains("does not match certificate"), mismatch.message)
        let junk = try XCTUnwrap(issue("{certificate: junk.pem, key: a-key.pem}"))
        XCTAssertEqual("\(junk.line):\(junk.column) \(junk.keyPath)", "5:21 listeners[0].tls.certificate")
        XCTAssertTrue(junk.message.hasPrefix("cannot load certificate"), junk.message)
        let extra = try XCTUnwrap(issue("{certificate: a-cert.pem, key: a-key.pem, certificates: [{certificate: b-cert.pem, key: a-key.pem}]}"))
        XCTAssertEqual("\(extra.line) \(extra.keyPath)", "5 listeners[0].tls.certificates[0].key")
    }

    func testUnservedPartsAreNamed() throws {
        let yaml = """
            listeners:
              - address: 127.0.0.1:18080
            admin: {address: 127.0.0.1:19901}
            servers:
              a: {url: "http://127.0.0.1:9000/mcp"}
              t: {command: [mcp-server-time], per_session: true}
            routes:
              - path: /mcp
                servers: [a, t]
              - path: /a
                passthrough: a
            """
        let config = try ConfigLoader.parse(yaml: yaml, sourceName: "test.yaml", baseDirectory: "/tmp").get()
        let notes = ServingPlan.unservedParts(of: config)
        XCTAssertEqual(notes.count, 1, "\(notes)")
        guard notes.count == 1 else { return }
        XCTAssertTrue(notes[0].contains("admin listener 127.0.0.1:19901"))
        let plain = try ConfigLoader.parse(yaml: "listeners:\n  - address: 127.0.0.1:18080\nservers:\n  a: {url: \"http://127.0.0.1:9000/mcp\"}\nroutes:\n  - path: /mcp\n    passthrough: a\n",
                                           sourceName: "test.yaml", baseDirectory: "/tmp").get()
        XCTAssertEqual(ServingPlan.unservedParts(of: plain), [])
    }

    func testBodyTooLargeIsAJSONRPCError() throws {
        let body = Exchange.bodyTooLarge(limit: 1024)
        let message = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        XCTAssertEqual(message?["jsonrpc"] as? String, "2.0")
        XCTAssertTrue(message?["id"] is NSNull)
        let error = message?["error"] as? [String: Any]
        XCTAssertEqual(error?["code"] as? Int, -32600)
        XCTAssertTrue((error?["message"] as? String ?? "").contains("max_body_bytes (1024 bytes)"))
    }
}
