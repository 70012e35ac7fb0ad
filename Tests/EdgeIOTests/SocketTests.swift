import Glibc
import XCTest
@testable import EdgeIO

final class SocketTests: XCTestCase {
    private var openFDs: [Int32] = []

    override func setUp() {
        signal(SIGPIPE, SIG_IGN)
    }

    override func tearDown() {
        for fd in openFDs { Glibc.close(fd) }
        openFDs = []
    }

    private func track(_ fd: Int32) -> Int32 {
        openFDs.append(fd)
        return fd
    }

    private func forget(_ fd: Int32) {
        openFDs.removeAll { $0 == fd }
        Glibc.close(fd)
    }

    private func listener(_ host: String = "127.0.0.1", port: UInt16 = 0, reusePort: Bool = false) throws -> Int32 {
        track(try Socket.listen(SocketAddress(host: host, port: port), reusePort: reusePort))
    }

    /// Accepts one connection, waiting for it (bounded).
    private func acceptOne(_ listener: Int32) -> (fd: Int32, peer: String)? {
        for _ in 0..<100 {
            switch Socket.accept(listener) {
            case .connection(let fd, let peer):
                return (track(fd), String(decoding: peer, as: UTF8.self))
            case .wouldBlock:
                guard waitFor(listener, POLLIN) else { return nil }
            case .exhausted, .failed:
                return nil
            }
        }
        return nil
    }

    /// A connected client/server pair over loopback.
    private func connectedPair(_ host: String = "127.0.0.1") throws -> (client: Int32, server: Int32, peer: String) {
        let listening = try listener(host)
        let port = Socket.localPort(listening)
        let client = track(try Socket.connect(to: SocketAddress(host: host, port: port)))
        XCTAssertTrue(waitFor(client, POLLOUT), "connect did not complete")
        XCTAssertEqual(Socket.pendingError(client), 0)
        let accepted = try XCTUnwrap(acceptOne(listening))
        return (client, accepted.fd, accepted.peer)
    }

    private func bytes(_ text: String) -> ByteBuffer {
        var buffer = ByteBuffer(capacity: 16)
        buffer.write(contentsOf: Array(text.utf8))
        return buffer
    }

    // MARK: listen, connect, accept

    func testListenOnAnEphemeralPortConnectAndAccept() throws {
        let listening = try listener()
        let port = Socket.localPort(listening)
        XCTAssertNotEqual(port, 0)
        XCTAssertEqual(Socket.accept(listening).isWouldBlock, true, "nothing to accept yet")
        let client = track(try Socket.connect(to: SocketAddress(host: "127.0.0.1", port: port)))
        XCTAssertTrue(waitFor(client, POLLOUT))
        XCTAssertEqual(Socket.pendingError(client), 0)
        let accepted = try XCTUnwrap(acceptOne(listening))
        XCTAssertEqual(accepted.peer, "127.0.0.1")
        XCTAssertNotEqual(Socket.localPort(client), port, "the client's own port is ephemeral")
        XCTAssertEqual(Socket.localPort(accepted.fd), port)
        // Accepted sockets are non-blocking.
        XCTAssertNotEqual(fcntl(accepted.fd, F_GETFL) & O_NONBLOCK, 0)
        XCTAssertNotEqual(fcntl(client, F_GETFL) & O_NONBLOCK, 0)
    }

    func testDataFlowsBothWays() throws {
        let (client, server, _) = try connectedPair()
        XCTAssertEqual(Socket.write(client, from: bytes("ping")), .count(4))
        XCTAssertEqual(receive(server, count: 4), Array("ping".utf8))
        XCTAssertEqual(Socket.write(server, from: bytes("pong!")), .count(5))
        XCTAssertEqual(receive(client, count: 5), Array("pong!".utf8))
    }

    func testConnectToAClosedPortReportsRefused() throws {
        let probe = try listener()
        let port = Socket.localPort(probe)
        forget(probe)
        let client = track(try Socket.connect(to: SocketAddress(host: "127.0.0.1", port: port)))
        XCTAssertTrue(waitFor(client, POLLOUT))
        XCTAssertEqual(Socket.pendingError(client), ECONNREFUSED)
    }

    func testTwoListenersWithReusePortShareAPort() throws {
        let first = try listener(reusePort: true)
        let port = Socket.localPort(first)
        let second = try listener(port: port, reusePort: true)
        XCTAssertEqual(Socket.localPort(second), port)
        // Connections are spread between them; every one is accepted by one of the two.
        var accepted = 0
        for _ in 0..<8 {
            let client = track(try Socket.connect(to: SocketAddress(host: "127.0.0.1", port: port)))
            XCTAssertTrue(waitFor(client, POLLOUT))
            XCTAssertEqual(Socket.pendingError(client), 0)
        }
        for _ in 0..<100 where accepted < 8 {
            var fds = [pollfd(fd: first, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: second, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 2, Int32(patience * 1000)) > 0 else { break }
            for fd in [first, second] {
                while case .connection(let conn, _) = Socket.accept(fd) {
                    _ = track(conn)
                    accepted += 1
                }
            }
        }
        XCTAssertEqual(accepted, 8)
    }

    func testBindingAPortInUseNamesTheAddress() throws {
        let first = try listener()
        let port = Socket.localPort(first)
        XCTAssertThrowsError(try listener(port: port)) { error in
            guard let ioError = error as? IOError else { return XCTFail("not an IOError: \(error)") }
            XCTAssertEqual(ioError.errno, EADDRINUSE)
            XCTAssertTrue(ioError.description.contains("127.0.0.1:\(port)"), ioError.description)
            XCTAssertTrue(ioError.description.contains("bind"), ioError.description)
        }
        // A reuse-port listener cannot join a port held without it either.
        XCTAssertThrowsError(try listener(port: port, reusePort: true))
    }

    // MARK: read and write

    func testReadReportsWouldBlockWhenEmptyAndClosedOnEOF() throws {
        let (client, server, _) = try connectedPair()
        var buffer = ByteBuffer(capacity: 64)
        XCTAssertEqual(Socket.read(server, into: &buffer), .wouldBlock)
        XCTAssertEqual(buffer.readableBytes, 0)
        XCTAssertEqual(Socket.write(client, from: bytes("last words")), .count(10))
        Socket.shutdownWrite(client)
        var result = IOResult.wouldBlock
        for _ in 0..<100 {
            result = Socket.read(server, into: &buffer)
            if result == .closed { break }
            if result == .wouldBlock { waitFor(server, POLLIN) }
        }
        XCTAssertEqual(result, .closed)
        XCTAssertEqual(String(decoding: buffer.readableSlice, as: UTF8.self), "last words")
        XCTAssertEqual(Socket.read(server, into: &buffer), .closed, "EOF is sticky")
    }

    func testReadAppendsAfterExistingBytesAndMovesTheWriterIndex() throws {
        let (client, server, _) = try connectedPair()
        var buffer = ByteBuffer(capacity: 64)
        buffer.write("head:")
        XCTAssertEqual(Socket.write(client, from: bytes("body")), .count(4))
        XCTAssertTrue(waitFor(server, POLLIN))
        XCTAssertEqual(Socket.read(server, into: &buffer), .count(4))
        XCTAssertEqual(String(decoding: buffer.readableSlice, as: UTF8.self), "head:body")
    }

    func testWriteToAClosedPeerEventuallyReportsClosed() throws {
        let (client, server, _) = try connectedPair()
        // Unread data makes the close an immediate reset.
        XCTAssertEqual(Socket.write(client, from: bytes("unread")), .count(6))
        XCTAssertTrue(waitFor(server, POLLIN))
        forget(server)
        let chunk = bytes(String(repeating: "x", count: 1024))
        var result = IOResult.count(0)
        for _ in 0..<200 {
            result = Socket.write(client, from: chunk)
            if case .count = result { waitFor(client, POLLERR | POLLHUP, timeout: 0.05); continue }
            if result == .wouldBlock { waitFor(client, POLLOUT, timeout: 0.05); continue }
            break
        }
        XCTAssertEqual(result, .closed)
    }

    func testWritevToAClosedPeerReportsClosedWithoutSIGPIPE() throws {
        let (client, server, _) = try connectedPair()
        forget(server)
        // Block SIGPIPE in this thread: a write that raises it leaves it pending for us to see.
        var pipeOnly = sigset_t()
        sigemptyset(&pipeOnly)
        sigaddset(&pipeOnly, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeOnly, &previous)
        defer {
            var info = siginfo_t()
            var zero = timespec(tv_sec: 0, tv_nsec: 0)
            while sigtimedwait(&pipeOnly, &info, &zero) == SIGPIPE {}
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }
        let head = bytes("head")
        let body = bytes(String(repeating: "b", count: 1024))
        var result = IOResult.count(0)
        for _ in 0..<200 {
            result = Socket.write(client, from: head, body)
            if case .count = result { waitFor(client, POLLERR | POLLHUP, timeout: 0.05); continue }
            if result == .wouldBlock { waitFor(client, POLLOUT, timeout: 0.05); continue }
            break
        }
        XCTAssertEqual(result, .closed)
        var pending = sigset_t()
        sigpending(&pending)
        XCTAssertEqual(sigismember(&pending, SIGPIPE), 0, "a socket write raised SIGPIPE")
    }

    func testWritevSendsBothBuffersInOrder() throws {
        let (client, server, _) = try connectedPair()
        var head = bytes("XXHTTP/1.1 200 OK\r\n\r\n")
        head.moveReaderIndex(forwardBy: 2)
        let body = bytes("{\"ok\":true}")
        let total = head.readableBytes + body.readableBytes
        XCTAssertEqual(Socket.write(client, from: head, body), .count(total))
        XCTAssertEqual(String(decoding: receive(server, count: total), as: UTF8.self),
                       "HTTP/1.1 200 OK\r\n\r\n{\"ok\":true}")
    }

    func testWritevWithAnEmptyFirstBuffer() throws {
        let (client, server, _) = try connectedPair()
        let empty = ByteBuffer(capacity: 0)
        XCTAssertEqual(Socket.write(client, from: empty, bytes("tail")), .count(4))
        XCTAssertEqual(receive(server, count: 4), Array("tail".utf8))
    }

    func testWriteFromAByteView() throws {
        let (client, server, _) = try connectedPair()
        let payload: [UInt8] = Array("view-bytes".utf8)
        let result = payload.withUnsafeBytes { Socket.write(client, from: ByteView(start: $0.baseAddress, count: $0.count).view(5..<10)) }
        XCTAssertEqual(result, .count(5))
        XCTAssertEqual(receive(server, count: 5), Array("bytes".utf8))
    }

    func testShortWritesUntilWouldBlockThenEverythingArrives() throws {
        let (client, server, _) = try connectedPair()
        var outgoing = ByteBuffer(capacity: 0)
        outgoing.write(contentsOf: (0..<(8 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let expected = Array(outgoing.readableSlice)
        // Nobody reads yet: the kernel buffers fill and the writer is told to wait.
        var sawWouldBlock = false
        for _ in 0..<10_000 where !outgoing.isEmpty {
            switch Socket.write(client, from: outgoing) {
            case .count(let n): outgoing.moveReaderIndex(forwardBy: n)
            case .wouldBlock: sawWouldBlock = true
            case let other: return XCTFail("write: \(other)")
            }
            if sawWouldBlock { break }
        }
        XCTAssertTrue(sawWouldBlock, "8 MiB unread should fill the socket buffers")
        var received: [UInt8] = []
        var buffer = ByteBuffer(capacity: 65536)
        for _ in 0..<100_000 where received.count < expected.count {
            switch Socket.read(server, into: &buffer) {
            case .count:
                received.append(contentsOf: buffer.readableSlice)
                buffer.clear()
            case .wouldBlock: waitFor(server, POLLIN, timeout: 0.05)
            case let other: return XCTFail("read: \(other)")
            }
            if !outgoing.isEmpty, case .count(let n) = Socket.write(client, from: outgoing) {
                outgoing.moveReaderIndex(forwardBy: n)
            }
        }
        XCTAssertEqual(received.count, expected.count)
        XCTAssertTrue(received == expected, "bytes arrived out of order")
    }

    // MARK: IPv6

    func testIPv6LoopbackWhenAvailable() throws {
        let listening: Int32
        do {
            listening = try listener("::1")
        } catch let error as IOError where [EADDRNOTAVAIL, EAFNOSUPPORT].contains(error.errno) {
            throw XCTSkip("no IPv6 loopback here: \(error)")
        }
        let port = Socket.localPort(listening)
        XCTAssertNotEqual(port, 0)
        let client = track(try Socket.connect(to: SocketAddress(host: "::1", port: port)))
        XCTAssertTrue(waitFor(client, POLLOUT))
        XCTAssertEqual(Socket.pendingError(client), 0)
        let accepted = try XCTUnwrap(acceptOne(listening))
        XCTAssertEqual(accepted.peer, "::1")
        XCTAssertEqual(Socket.write(client, from: bytes("six")), .count(3))
        XCTAssertEqual(receive(accepted.fd, count: 3), Array("six".utf8))
    }
}

private extension Socket.Accepted {
    var isWouldBlock: Bool {
        if case .wouldBlock = self { return true }
        return false
    }
}
