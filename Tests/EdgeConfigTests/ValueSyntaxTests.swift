import XCTest
@testable import EdgeConfig

final class ValueSyntaxTests: XCTestCase {
    func testDurations() {
        let valid: [(String, Duration)] = [
            ("10s", .seconds(10)), ("500ms", .milliseconds(500)), ("5m", .seconds(300)), ("1h", .seconds(3600)),
            ("30", .seconds(30)), ("1.5s", .milliseconds(1500)), ("0.25", .milliseconds(250)), ("0s", .zero),
            (" 10s ", .seconds(10)),
        ]
        for (text, expected) in valid {
            XCTAssertEqual(try ValueSyntax.duration(text).get(), expected, text)
        }
        for text in ["", "s", "10 minutes", "5min", "-1s", "1..5s", ".5s", "10sec", "1e3"] {
            XCTAssertThrowsError(try ValueSyntax.duration(text).get(), text)
        }
        XCTAssertEqual(ValueSyntax.duration("-3s"), .failure(ValueError("must not be negative; got -3s")))
    }

    func testDurationFormattingRoundTrips() {
        let cases: [(Duration, String)] = [(.seconds(10), "10s"), (.seconds(300), "5m"), (.seconds(7200), "2h"),
                                           (.milliseconds(1500), "1500ms"), (.zero, "0s")]
        for (duration, text) in cases {
            XCTAssertEqual(ValueSyntax.format(duration), text)
            XCTAssertEqual(try ValueSyntax.duration(text).get(), duration)
        }
    }

    func testByteSizes() {
        let valid: [(String, Int)] = [("65536", 65536), ("64KiB", 65536), ("4MiB", 4_194_304), ("1GiB", 1 << 30),
                                      ("1_000", 1000), ("10B", 10), ("4 MiB", 4_194_304)]
        for (text, expected) in valid {
            XCTAssertEqual(try ValueSyntax.byteSize(text).get(), expected, text)
        }
        for text in ["", "-5", "4MB", "4 megabytes", "1.5MiB", "MiB", "_1"] {
            XCTAssertThrowsError(try ValueSyntax.byteSize(text).get(), text)
        }
        guard case .failure(let error) = ValueSyntax.byteSize("4MB") else { return XCTFail() }
        XCTAssertTrue(error.message.contains("did you mean 4MiB?"), error.message)
    }

    func testListenAddresses() {
        let valid: [(String, String, Int, ListenAddress.Family)] = [
            ("127.0.0.1:8443", "127.0.0.1", 8443, .ipv4), ("0.0.0.0:80", "0.0.0.0", 80, .ipv4),
            ("[::1]:8443", "::1", 8443, .ipv6), ("[::]:443", "::", 443, .ipv6),
        ]
        for (text, host, port, family) in valid {
            let address = try? ListenAddress.parse(text).get()
            XCTAssertEqual(address, ListenAddress(host: host, port: port, family: family), text)
            XCTAssertEqual(address?.description, text)
        }
        let invalid: [(String, String)] = [
            ("localhost:8080", "use 127.0.0.1"), ("127.0.0.1", "has no port"), ("127.0.0.1:0", "1 to 65535"),
            ("127.0.0.1:65536", "1 to 65535"), ("::1:8443", "need brackets"), ("[::1]8443", "has no port"),
            ("[::1:8443", "no closing"), ("300.1.1.1:80", "not an IPv4 address"), ("127.0.0.1:http", "1 to 65535"),
            ("[fe80::zz]:80", "not an IPv6 address"),
        ]
        for (text, fragment) in invalid {
            guard case .failure(let error) = ListenAddress.parse(text) else {
                XCTFail("\(text) was accepted")
                continue
            }
            XCTAssertTrue(error.message.contains(fragment), "\(text): \(error.message)")
        }
    }

    func testUpstreamURLs() {
        let valid: [(String, UpstreamURL)] = [
            ("http://127.0.0.1:9000/mcp", UpstreamURL(scheme: .http, host: "127.0.0.1", port: 9000, path: "/mcp")),
            ("https://MCP.example.com/v1/mcp", UpstreamURL(scheme: .https, host: "mcp.example.com", port: 443, path: "/v1/mcp")),
            ("http://example.com", UpstreamURL(scheme: .http, host: "example.com", port: 80, path: "/")),
            ("HTTP://[::1]:9000/mcp?x=1", UpstreamURL(scheme: .http, host: "::1", port: 9000, path: "/mcp?x=1")),
            ("http://h:81?x=1", UpstreamURL(scheme: .http, host: "h", port: 81, path: "/?x=1")),
        ]
        for (text, expected) in valid {
            XCTAssertEqual(try UpstreamURL.parse(text).get(), expected, text)
        }
        XCTAssertEqual(valid[1].1.hostHeader, "mcp.example.com")
        XCTAssertEqual(valid[3].1.hostHeader, "[::1]:9000")

        let invalid: [(String, String)] = [
            ("ftp://example.com/mcp", "unsupported URL scheme \"ftp\""), ("ws://x/mcp", "use http:// or https://"),
            ("127.0.0.1:9000/mcp", "is not a URL"), ("http:///mcp", "has no host"),
            ("http://user:pw@host/mcp", "credentials"), ("http://host:99999/mcp", "1 to 65535"),
            ("http://host/mcp#top", "fragment"), ("http://ho st/mcp", "not a valid host"),
            ("http://[::1/mcp", "no closing"), ("http://host/a b", "without spaces"),
        ]
        for (text, fragment) in invalid {
            guard case .failure(let error) = UpstreamURL.parse(text) else {
                XCTFail("\(text) was accepted")
                continue
            }
            XCTAssertTrue(error.message.contains(fragment), "\(text): \(error.message)")
        }
    }

    func testSuggestions() {
        let keys = ["listeners", "servers", "routes", "limits", "timeouts"]
        let cases: [(String, String?)] = [("listener", "listeners"), ("rotues", "routes"), ("limts", "limits"),
                                          ("Servers", "servers"), ("upstreams", nil), ("tls", nil)]
        for (word, expected) in cases {
            XCTAssertEqual(ValueSyntax.suggestion(for: word, among: keys), expected, word)
        }
        XCTAssertEqual(ValueSyntax.editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(ValueSyntax.editDistance("", "abc"), 3)
    }
}
