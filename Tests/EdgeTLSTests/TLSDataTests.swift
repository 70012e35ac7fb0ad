import EdgeIO
import EdgeTLS
import Glibc
import XCTest

final class TLSDataTests: XCTestCase {
    private var pair: TLSTestPair!

    override func setUpWithError() throws {
        let pki = try TestPKI.shared()
        let server = try TLSServerContext(certificates: [
            TLSCertificateFiles(certificatePath: pki.localhostCert, keyPath: pki.localhostKey),
        ])
        pair = try TLSTestPair(server: server, client: TLSClientContext(caFile: pki.caPath), serverName: "localhost")
        pair.assertHandshakeSucceeds()
    }

    override func tearDown() { pair = nil }

    private static func payload(_ count: Int) -> [UInt8] {
        var state: UInt32 = 2463534242
        return (0..<count).map { _ in
            state ^= state << 13; state ^= state >> 17; state ^= state << 5
            return UInt8(truncatingIfNeeded: state)
        }
    }

    func testRecordBuffersCanBeFreedBetweenMessagesAndComeBack() {
        let request = Array("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}".utf8)
        for releaseWhenEmpty in [false, true, false] {
            pair.server.setReleasesBuffersWhenEmpty(releaseWhenEmpty)
            XCTAssertEqual(pair.transfer(request, from: pair.client, to: pair.server).received, request)
            XCTAssertEqual(pair.transfer(request, from: pair.server, to: pair.client).received, request)
            // Nothing half read or written: the buffers go, and the next message brings them back.
            XCTAssertTrue(pair.server.releaseBuffers())
            XCTAssertTrue(pair.server.releaseBuffers(), "freeing freed buffers is harmless")
        }
        let big = Self.payload(100_000)
        XCTAssertEqual(pair.transfer(big, from: pair.server, to: pair.client).received, big)
    }

    func testSmallMessagesRoundTripBothWays() {
        let request = Array("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}".utf8)
        XCTAssertEqual(pair.transfer(request, from: pair.client, to: pair.server).received, request)
        let response = Array("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}".utf8)
        XCTAssertEqual(pair.transfer(response, from: pair.server, to: pair.client).received, response)
    }

    func testOneMebibyteClientToServerWithPartialWrites() {
        let payload = Self.payload(1 << 20)
        let (received, shortWrites) = pair.transfer(payload, from: pair.client, to: pair.server)
        XCTAssertEqual(received.count, payload.count)
        XCTAssertTrue(received == payload)
        XCTAssertGreaterThan(shortWrites, 0, "the socket buffer should have forced partial writes")
    }

    func testOneMebibyteServerToClientFromByteView() {
        let payload = Self.payload(1 << 20)
        let (received, shortWrites) = pair.transfer(payload, from: pair.server, to: pair.client, asView: true)
        XCTAssertEqual(received.count, payload.count)
        XCTAssertTrue(received == payload)
        XCTAssertGreaterThan(shortWrites, 0)
    }

    func testReadFillsOnlyTheFreeSpaceAndReportsPendingBytes() {
        let message = Self.payload(1000)
        var outgoing = ByteBuffer(capacity: 1000)
        outgoing.write(contentsOf: message)
        XCTAssertEqual(pair.client.write(outgoing), .written(1000))
        var small = ByteBuffer(capacity: 100)
        XCTAssertEqual(pair.server.read(into: &small), .bytes(100))
        XCTAssertTrue(pair.server.hasPendingReadableBytes)
        var rest = Array(small.readableSlice)
        rest.append(contentsOf: pair.drain(pair.server))
        XCTAssertEqual(rest, message)
        XCTAssertFalse(pair.server.hasPendingReadableBytes)
    }

    func testFullBufferGetsRoomInsteadOfAnEmptyRead() {
        var outgoing = ByteBuffer(capacity: 16)
        outgoing.write(contentsOf: Array("hello".utf8))
        XCTAssertEqual(pair.client.write(outgoing), .written(5))
        var full = ByteBuffer(capacity: 4)
        full.write(contentsOf: [1, 2, 3, 4])
        XCTAssertEqual(pair.server.read(into: &full), .bytes(5))
        XCTAssertEqual(Array(full.readableSlice), [1, 2, 3, 4] + Array("hello".utf8))
    }

    func testEmptyWriteWritesNothing() {
        XCTAssertEqual(pair.client.write(ByteBuffer(capacity: 8)), .written(0))
    }

    func testNothingToReadIsWantRead() {
        var buffer = ByteBuffer(capacity: 1024)
        XCTAssertEqual(pair.server.read(into: &buffer), .wantRead)
    }

    func testCloseNotifyReadsAsClosed() {
        XCTAssertEqual(pair.client.shutdown(), .done)
        var buffer = ByteBuffer(capacity: 1024)
        XCTAssertEqual(pair.server.read(into: &buffer), .closed)
        XCTAssertEqual(pair.server.shutdown(), .done)
        XCTAssertEqual(pair.client.read(into: &buffer), .closed)
    }

    func testEOFWithoutCloseNotifyReadsAsClosed() {
        pair.closeClientSocket()
        var buffer = ByteBuffer(capacity: 1024)
        XCTAssertEqual(pair.server.read(into: &buffer), .closed)
        // Best effort: the close_notify cannot reach a closed socket.
        XCTAssertTrue([.done, .closed].contains(pair.server.shutdown()))
    }

    func testCorruptRecordIsAProtocolError() {
        let junk: [UInt8] = [0x17, 0x03, 0x03, 0x00, 0x20] + [UInt8](repeating: 0xAB, count: 32)
        XCTAssertEqual(junk.withUnsafeBytes { write(pair.clientFD, $0.baseAddress, $0.count) }, junk.count)
        var buffer = ByteBuffer(capacity: 1024)
        guard case .error(let error) = pair.server.read(into: &buffer) else { return XCTFail("expected an error") }
        XCTAssertEqual(error.kind, .protocolError)
        XCTAssertTrue(error.message.hasPrefix("TLS connection failed"), error.message)
    }
}
