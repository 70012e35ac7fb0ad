import Glibc
import XCTest
@testable import EdgeIO

final class SocketAddressTests: XCTestCase {
    func testParsesIPv4() throws {
        let address = try SocketAddress(host: "127.0.0.1", port: 8080)
        XCTAssertEqual(address.family, .v4)
        XCTAssertEqual(address.host, "127.0.0.1")
        XCTAssertEqual(address.port, 8080)
        XCTAssertEqual(address.description, "127.0.0.1:8080")
        XCTAssertEqual(try SocketAddress(host: "0.0.0.0", port: 0).family, .v4)
        XCTAssertEqual(try SocketAddress(host: "255.255.255.255", port: 65535).description, "255.255.255.255:65535")
    }

    func testParsesIPv6() throws {
        let loopback = try SocketAddress(host: "::1", port: 443)
        XCTAssertEqual(loopback.family, .v6)
        XCTAssertEqual(loopback.description, "[::1]:443")
        XCTAssertEqual(try SocketAddress(host: "::", port: 1).family, .v6)
        XCTAssertEqual(try SocketAddress(host: "fe80::1:2:3:4", port: 1).family, .v6)
        XCTAssertEqual(try SocketAddress(host: "2001:db8::8a2e:370:7334", port: 1).family, .v6)
        XCTAssertEqual(try SocketAddress(host: "::ffff:10.0.0.1", port: 1).family, .v6)
    }

    func testLocalhostMeansIPv4Loopback() throws {
        let address = try SocketAddress(host: "localhost", port: 3000)
        XCTAssertEqual(address.family, .v4)
        XCTAssertEqual(address.host, "127.0.0.1")
        XCTAssertEqual(address.description, "127.0.0.1:3000")
    }

    func testRejectsHostNamesAndMalformedAddresses() {
        for host in ["example.com", "upstream", "", "1.2.3", "256.1.1.1", "1.2.3.4.5", "::g", "[::1]",
                     "127.0.0.1:80", " 127.0.0.1", "LOCALHOST.", "1:2:3:4:5:6:7:8:9"] {
            XCTAssertThrowsError(try SocketAddress(host: host, port: 80), "accepted \(host)") { error in
                guard let ioError = error as? IOError else { return XCTFail("not an IOError: \(error)") }
                XCTAssertEqual(ioError.errno, EINVAL)
                XCTAssertTrue(ioError.description.contains("\(host) is not an IP address"), ioError.description)
            }
        }
    }

    func testSockAddrForIPv4() throws {
        let address = try SocketAddress(host: "10.1.2.3", port: 0x1234)
        address.withSockAddr { pointer, length in
            XCTAssertEqual(Int(length), MemoryLayout<sockaddr_in>.size)
            pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                XCTAssertEqual(Int32(v4.pointee.sin_family), AF_INET)
                XCTAssertEqual(UInt16(bigEndian: v4.pointee.sin_port), 0x1234)
                XCTAssertEqual(UInt32(bigEndian: v4.pointee.sin_addr.s_addr), 0x0A01_0203)
            }
        }
    }

    func testSockAddrForIPv6() throws {
        let address = try SocketAddress(host: "::1", port: 443)
        address.withSockAddr { pointer, length in
            XCTAssertEqual(Int(length), MemoryLayout<sockaddr_in6>.size)
            pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                XCTAssertEqual(Int32(v6.pointee.sin6_family), AF_INET6)
                XCTAssertEqual(UInt16(bigEndian: v6.pointee.sin6_port), 443)
                var bytes = v6.pointee.sin6_addr
                let raw = withUnsafeBytes(of: &bytes) { Array($0) }
                XCTAssertEqual(raw, [UInt8](repeating: 0, count: 15) + [1])
            }
        }
    }

    func testIOErrorDescription() {
        XCTAssertEqual(IOError("bind", errno: EADDRINUSE, detail: "to 1.2.3.4:80").description,
                       "bind to 1.2.3.4:80 failed: \(String(cString: strerror(EADDRINUSE)))")
        XCTAssertEqual(IOError("epoll_create1", errno: EMFILE).description,
                       "epoll_create1 failed: \(String(cString: strerror(EMFILE)))")
    }
}
