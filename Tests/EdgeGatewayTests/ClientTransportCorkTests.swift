import Glibc
import XCTest
import EdgeIO
@testable import EdgeGateway

/// Bulk writes are corked for the rest of their batch and uncorked when it ends, on a real
/// loopback TCP connection: the receiver sees full segments, and the tail is not held back.
final class ClientTransportCorkTests: XCTestCase {
    private var fds: [Int32] = []

    override func tearDown() {
        for fd in fds { close(fd) }
        fds = []
    }

    /// A connected loopback pair: (the accepted side mcp-edge writes on, the client side).
    private func loopbackPair() throws -> (server: Int32, client: Int32) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        fds.append(listener)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                guard bind(listener, raw, length) == 0, listen(listener, 1) == 0,
                      getsockname(listener, raw, &length) == 0 else { throw XCTSkip("no loopback listener") }
            }
        }
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        fds.append(client)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, length) }
        }
        XCTAssertEqual(connected, 0)
        let server = accept(listener, nil, nil)
        XCTAssertGreaterThanOrEqual(server, 0)
        fds.append(server)
        Socket.setNoDelay(server)
        return (server, client)
    }

    private func isCorked(_ fd: Int32) -> Bool {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, Int32(IPPROTO_TCP), TCP_CORK, &value, &length)
        return value != 0
    }

    /// Segments the socket has sent: tcpi_segs_out, the u32 at byte 136 of the kernel's
    /// struct tcp_info (glibc's copy of the struct predates the field).
    private func segmentsSent(_ fd: Int32) -> UInt32 {
        var info = [UInt8](repeating: 0, count: 256)
        var length = socklen_t(info.count)
        info.withUnsafeMutableBytes { _ = getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, $0.baseAddress, &length) }
        XCTAssertGreaterThanOrEqual(length, 140, "kernel too old for tcpi_segs_out")
        return info.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 136, as: UInt32.self) }
    }

    private func readAll(_ fd: Int32, count: Int) -> Int {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var total = 0
        while total < count {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            total += n
        }
        return total
    }

    private func chunk(_ size: Int) -> ByteBuffer {
        var buffer = ByteBuffer(capacity: size)
        buffer.write(contentsOf: [UInt8](repeating: 0x78, count: size))
        return buffer
    }

    func testABatchOfBulkWritesLeavesInFullSegments() throws {
        let (server, client) = try loopbackPair()
        let transport = ClientTransport(fd: server, tls: nil)
        let before = segmentsSent(server)
        for _ in 0..<4 {
            XCTAssertEqual(transport.write(chunk(16 * 1024)), .count(16 * 1024))
        }
        XCTAssertTrue(isCorked(server), "the second bulk write corks the socket")
        transport.endWriteBatch()
        XCTAssertFalse(isCorked(server), "the end of the batch uncorks it")
        XCTAssertEqual(readAll(client, count: 64 * 1024), 64 * 1024, "the held-back tail left at the uncork")
        // Uncorked, each 16 KiB send is its own segment (4); corked, one full segment and the tail.
        XCTAssertLessThanOrEqual(segmentsSent(server) &- before, 2)
    }

    func testOneBulkWriteAndSmallWritesAreNotCorked() throws {
        let (server, client) = try loopbackPair()
        let transport = ClientTransport(fd: server, tls: nil)
        XCTAssertEqual(transport.write(chunk(16 * 1024)), .count(16 * 1024))
        for _ in 0..<3 {
            XCTAssertEqual(transport.write(chunk(1024)), .count(1024))
        }
        XCTAssertFalse(isCorked(server), "a single bulk write or small writes gain nothing from corking")
        XCTAssertEqual(readAll(client, count: 19 * 1024), 19 * 1024)
        transport.endWriteBatch()
        // The next batch starts counting afresh.
        XCTAssertEqual(transport.write(chunk(16 * 1024)), .count(16 * 1024))
        XCTAssertFalse(isCorked(server))
        transport.endWriteBatch()
    }

    func testShutdownUncorks() throws {
        let (server, client) = try loopbackPair()
        let transport = ClientTransport(fd: server, tls: nil)
        for _ in 0..<3 {
            XCTAssertEqual(transport.write(chunk(10_000)), .count(10_000))
        }
        XCTAssertTrue(isCorked(server))
        transport.shutdown()
        XCTAssertFalse(isCorked(server))
        XCTAssertEqual(readAll(client, count: 30_000), 30_000)
    }
}
