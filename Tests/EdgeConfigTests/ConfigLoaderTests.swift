import Foundation
import XCTest
@testable import EdgeConfig

final class ConfigLoaderTests: XCTestCase {
    static let minimal = """
        listeners:
          - address: 127.0.0.1:8080
        servers:
          demo:
            url: http://127.0.0.1:9000/mcp
        routes:
          - path: /mcp
            passthrough: demo
        """

    static let full = """
        workers: 4
        listeners:
          - name: public
            address: 0.0.0.0:8443
            tls:
              certificate: cert.pem
              key: ./key.pem
              certificates:
                - certificate: api-cert.pem
                  key: api-key.pem
              alpn: [http/1.1]
          - name: local6
            address: "[::1]:8080"
        admin:
          address: 127.0.0.1:9901
        servers:
          time:
            command: [mcp-server-time, --local-timezone, UTC]
          bench:
            url: https://bench.internal/mcp
        routes:
          - path: /mcp
            servers: [bench, time]
          - path: /bench/mcp
            passthrough: bench
        limits:
          max_head_bytes: 32KiB
          max_header_count: 50
          max_body_bytes: 1_048_576
          max_concurrent_streams: 64
          max_connections_per_worker: 5000
          max_pending_handshakes: 64
          max_upstream_connections_per_server: 128
          max_idle_upstream_connections_per_server: 0
        timeouts:
          tls_handshake: 5s
          request_head: 2500ms
          idle_keepalive: 2m
          upstream_connect: 1
          upstream_first_byte: 0.5
          sse_idle: 1h
          drain: 0s
        http2:
          initial_window_size: 2MiB
          max_header_list_size: 16384
          rapid_reset_limit: 50
        """

    func testFullConfiguration() throws {
        let fixture = try Fixture()
        let config = try fixture.configuration(Self.full)
        let dir = fixture.directory

        XCTAssertEqual(config.workers, 4)
        XCTAssertEqual(config.listeners, [
            .init(name: "public", address: ListenAddress(host: "0.0.0.0", port: 8443, family: .ipv4),
                  tls: .init(defaultCertificate: .init(certificate: dir + "/cert.pem", key: dir + "/key.pem"),
                             extraCertificates: [.init(certificate: dir + "/api-cert.pem", key: dir + "/api-key.pem")],
                             alpn: ["http/1.1"])),
            .init(name: "local6", address: ListenAddress(host: "::1", port: 8080, family: .ipv6), tls: nil),
        ])
        XCTAssertEqual(config.admin?.address.description, "127.0.0.1:9901")
        XCTAssertEqual(config.serverNames, ["time", "bench"])
        XCTAssertEqual(config.servers["time"]?.backend, .stdio(command: ["mcp-server-time", "--local-timezone", "UTC"]))
        XCTAssertEqual(config.servers["bench"]?.backend,
                       .http(UpstreamURL(scheme: .https, host: "bench.internal", port: 443, path: "/mcp")))
        XCTAssertEqual(config.orderedServers.map(\.name), ["time", "bench"])
        XCTAssertEqual(config.routes, [.init(path: "/mcp", target: .gateway(servers: ["bench", "time"])),
                                       .init(path: "/bench/mcp", target: .passthrough(server: "bench"))])
        XCTAssertEqual(config.limits, .init(maxHeadBytes: 32768, maxHeaderCount: 50, maxBodyBytes: 1_048_576,
                                            maxConcurrentStreams: 64, maxConnectionsPerWorker: 5000,
                                            maxPendingHandshakes: 64,
                                            maxUpstreamConnectionsPerServer: 128, maxIdleUpstreamConnectionsPerServer: 0))
        XCTAssertEqual(config.timeouts, .init(tlsHandshake: .seconds(5), requestHead: .milliseconds(2500),
                                              idleKeepalive: .seconds(120), upstreamConnect: .seconds(1),
                                              upstreamFirstByte: .milliseconds(500), sseIdle: .seconds(3600), drain: .zero))
        XCTAssertEqual(config.http2, .init(initialWindowSize: 2 << 20, maxHeaderListSize: 16384, rapidResetLimit: 50))
    }

    func testRenderedYAMLLoadsBackEqual() throws {
        let fixture = try Fixture()
        for yaml in [Self.full, Self.minimal] {
            let config = try fixture.configuration(yaml)
            let rendered = config.yamlText()
            let again = try fixture.configuration(rendered)
            XCTAssertEqual(again, config, rendered)
            XCTAssertEqual(again.yamlText(), rendered)
        }
    }

    func testRenderingQuotesTextThatLooksLikeOtherTypes() throws {
        let fixture = try Fixture()
        let config = try fixture.configuration(Self.minimal.replacingOccurrences(
            of: "url: http://127.0.0.1:9000/mcp", with: "command: [tool, \"yes\", \"null\", \"1.0\", \"a: b\"]"))
        let again = try fixture.configuration(config.yamlText())
        XCTAssertEqual(again.servers["demo"]?.backend, .stdio(command: ["tool", "yes", "null", "1.0", "a: b"]))
    }

    func testIdleConnectionCapFollowsALoweredConnectionCap() throws {
        let config = try Fixture().configuration(Self.minimal + "\nlimits: {max_upstream_connections_per_server: 64}\n")
        XCTAssertEqual(config.limits.maxUpstreamConnectionsPerServer, 64)
        XCTAssertEqual(config.limits.maxIdleUpstreamConnectionsPerServer, 64)
    }

    func testDefaults() throws {
        let config = try Fixture().configuration(Self.minimal)
        XCTAssertEqual(config.workers, ConfigDecoder.cpuCount())
        XCTAssertNil(config.admin)
        XCTAssertEqual(config.listeners.first?.name, "127.0.0.1:8080")
        XCTAssertNil(config.listeners.first?.tls)

        XCTAssertEqual(config.limits.maxHeadBytes, 65536)
        XCTAssertEqual(config.limits.maxHeaderCount, 100)
        XCTAssertEqual(config.limits.maxBodyBytes, 4_194_304)
        XCTAssertEqual(config.limits.maxConcurrentStreams, 100)
        XCTAssertEqual(config.limits.maxConnectionsPerWorker, 10_000)
        XCTAssertEqual(config.limits.maxPendingHandshakes, 256)
        XCTAssertEqual(config.limits.maxUpstreamConnectionsPerServer, 256)
        XCTAssertEqual(config.limits.maxIdleUpstreamConnectionsPerServer, 256)
        XCTAssertEqual(config.limits.maxUpstreamConnectionsPerClient, 32)
        XCTAssertEqual(config.limits.requestBufferBytes, 65536)

        XCTAssertEqual(config.timeouts.tlsHandshake, .seconds(10))
        XCTAssertEqual(config.timeouts.requestHead, .seconds(10))
        XCTAssertEqual(config.timeouts.idleKeepalive, .seconds(60))
        XCTAssertEqual(config.timeouts.upstreamConnect, .seconds(5))
        XCTAssertEqual(config.timeouts.upstreamFirstByte, .seconds(60))
        XCTAssertEqual(config.timeouts.requestBody, .seconds(30))
        XCTAssertEqual(config.timeouts.clientWriteStall, .seconds(30))
        XCTAssertEqual(config.timeouts.sseIdle, .seconds(300))
        XCTAssertEqual(config.timeouts.drain, .seconds(30))

        XCTAssertEqual(config.http2.initialWindowSize, 1 << 20)
        XCTAssertEqual(config.http2.maxHeaderListSize, 65536)
        XCTAssertEqual(config.http2.rapidResetLimit, 200)
    }

    func testTLSDefaults() throws {
        let config = try Fixture().configuration(Self.minimal.replacingOccurrences(
            of: "  - address: 127.0.0.1:8080", with: "  - address: 127.0.0.1:8443\n    tls: {certificate: cert.pem, key: key.pem}"))
        let tls = try XCTUnwrap(config.listeners.first?.tls)
        XCTAssertEqual(tls.alpn, ["h2", "http/1.1"])
        XCTAssertEqual(tls.extraCertificates, [])
        XCTAssertEqual(tls.allCertificates.count, 1)
    }

    func testWorkers() throws {
        let fixture = try Fixture()
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let cases: [(String, Int)] = [("auto", min(cores, 256)), ("AUTO", min(cores, 256)), ("1", 1), ("256", 256)]
        for (value, expected) in cases {
            let config = try fixture.configuration("workers: \(value)\n" + Self.minimal)
            XCTAssertEqual(config.workers, expected, value)
        }
        for value in ["0", "257", "-2", "many", "2.5"] {
            let issues = fixture.issues("workers: \(value)\n" + Self.minimal)
            XCTAssertEqual(issues.map(\.keyPath), ["workers"], value)
            XCTAssertEqual(issues.first?.line, 1)
            XCTAssertEqual(issues.first?.column, 10)
            XCTAssertTrue(issues.first?.message.contains("auto") ?? false)
        }
    }

    func testExampleFilesAreValid() throws {
        // The examples point at ../../run/*.pem; mirror that layout in the fixture.
        let fixture = try Fixture()
        for name in ["passthrough.yaml", "gateway.yaml", "full.yaml"] {
            let text = try String(contentsOfFile: examplesDirectory + "/" + name, encoding: .utf8)
            let result = fixture.parse(text, baseDirectory: fixture.directory + "/deploy/examples")
            guard case .success(let config) = result else {
                XCTFail("\(name): \(result)")
                continue
            }
            XCTAssertEqual(config.listeners.first?.tls?.defaultCertificate.certificate, fixture.directory + "/run/cert.pem")
        }
        let passthrough = try String(contentsOfFile: examplesDirectory + "/passthrough.yaml", encoding: .utf8)
        let config = try fixture.parse(passthrough, baseDirectory: fixture.directory + "/deploy/examples").get()
        XCTAssertEqual(config.listeners.map(\.address.description), ["127.0.0.1:8443", "127.0.0.1:8080"])
        XCTAssertEqual(config.routes, [.init(path: "/mcp", target: .passthrough(server: "demo"))])
    }

    func testLoadFromFileResolvesPathsAgainstItsDirectory() throws {
        let fixture = try Fixture()
        try fixture.write(Self.minimal.replacingOccurrences(
            of: "  - address: 127.0.0.1:8080", with: "  - address: 127.0.0.1:8443\n    tls: {certificate: ../cert.pem, key: ../key.pem}"),
            to: "conf/edge.yaml")
        let config = try ConfigLoader.load(path: fixture.directory + "/conf/edge.yaml")
        XCTAssertEqual(config.listeners.first?.tls?.defaultCertificate.certificate, fixture.directory + "/cert.pem")
    }

    func testLoadReportsUnreadableFile() {
        XCTAssertThrowsError(try ConfigLoader.load(path: "/nonexistent/edge.yaml")) { error in
            let errors = error as? ConfigErrors
            XCTAssertEqual(errors?.issues.count, 1)
            XCTAssertEqual(errors?.issues.first?.file, "/nonexistent/edge.yaml")
            XCTAssertTrue(errors?.description.hasPrefix("/nonexistent/edge.yaml: cannot read the configuration file") ?? false,
                          "\(error)")
        }
    }
}
