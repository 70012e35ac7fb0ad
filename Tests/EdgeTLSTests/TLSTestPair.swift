import EdgeIO
@testable import EdgeTLS
import Glibc
import XCTest

/// A server and a client TLSConnection over the two ends of a non-blocking socketpair,
/// driven in-process by alternating calls (no event loop).
final class TLSTestPair {
    let serverFD: Int32
    let clientFD: Int32
    let server: TLSConnection
    let client: TLSConnection
    private var closed = false

    init(server context: TLSServerContext, client clientContext: TLSClientContext, serverName: String,
         session: TLSSession? = nil) throws {
        var fds: [Int32] = [-1, -1]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &fds) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        serverFD = fds[0]
        clientFD = fds[1]
        server = try TLSConnection(serverContext: context, fd: serverFD)
        client = try TLSConnection(clientContext: clientContext, fd: clientFD, serverName: serverName, session: session)
    }

    deinit { closeAll() }

    func closeClientSocket() { close(clientFD) }

    private func closeAll() {
        guard !closed else { return }
        closed = true
        close(serverFD)
        close(clientFD)
    }

    /// Alternates handshake steps until neither side waits any more (bounded).
    @discardableResult
    func handshake() -> (server: TLSIOResult, client: TLSIOResult) {
        var serverState = TLSIOResult.wantRead
        var clientState = TLSIOResult.wantWrite
        for _ in 0..<200 {
            if Self.waiting(clientState) { clientState = client.handshake() }
            if Self.waiting(serverState) { serverState = server.handshake() }
            if !Self.waiting(serverState) && !Self.waiting(clientState) { break }
        }
        return (serverState, clientState)
    }

    func assertHandshakeSucceeds(file: StaticString = #filePath, line: UInt = #line) {
        let (serverState, clientState) = handshake()
        XCTAssertEqual(serverState, .done, "server", file: file, line: line)
        XCTAssertEqual(clientState, .done, "client", file: file, line: line)
    }

    private static func waiting(_ state: TLSIOResult) -> Bool { state == .wantRead || state == .wantWrite }

    /// Sends `payload` from one side to the other, interleaving writes and reads so the socket
    /// buffer fills (partial writes). On `.wantWrite` the sender's buffer is compacted, so the
    /// retry passes the same bytes from a different address. Returns what arrived and how many
    /// writes were partial or refused.
    func transfer(_ payload: [UInt8], from sender: TLSConnection, to receiver: TLSConnection,
                  asView: Bool = false) -> (received: [UInt8], shortWrites: Int) {
        var outgoing = ByteBuffer(capacity: 1024)
        outgoing.write(contentsOf: payload)
        var viewOffset = 0
        var incoming = ByteBuffer(capacity: 32 * 1024)
        var received: [UInt8] = []
        received.reserveCapacity(payload.count)
        var shortWrites = 0
        for _ in 0..<100_000 {
            let remaining = asView ? payload.count - viewOffset : outgoing.readableBytes
            if remaining > 0 {
                let result: TLSWriteResult
                if asView {
                    result = payload.withUnsafeBytes {
                        sender.write(ByteView(start: $0.baseAddress! + viewOffset, count: remaining))
                    }
                } else {
                    result = sender.write(outgoing)
                }
                switch result {
                case .written(let count):
                    if count < remaining { shortWrites += 1 }
                    if asView { viewOffset += count } else { outgoing.moveReaderIndex(forwardBy: count) }
                case .wantWrite:
                    shortWrites += 1
                    outgoing.compact()
                default:
                    XCTFail("write: \(result)")
                    return (received, shortWrites)
                }
            }
            reading: while true {
                switch receiver.read(into: &incoming) {
                case .bytes:
                    received.append(contentsOf: incoming.readableSlice)
                    incoming.clear()
                case .wantRead:
                    break reading
                case let other:
                    XCTFail("read: \(other)")
                    return (received, shortWrites)
                }
            }
            if received.count >= payload.count { break }
        }
        return (received, shortWrites)
    }

    /// Reads whatever is available (processes TLS 1.3 tickets on the client); stops at `.wantRead`.
    func drain(_ connection: TLSConnection) -> [UInt8] {
        var buffer = ByteBuffer(capacity: 16 * 1024)
        var bytes: [UInt8] = []
        while case .bytes = connection.read(into: &buffer) {
            bytes.append(contentsOf: buffer.readableSlice)
            buffer.clear()
        }
        return bytes
    }
}
