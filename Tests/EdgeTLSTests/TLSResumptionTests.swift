import CEdgeShims
import COpenSSL
@testable import EdgeTLS
import XCTest

final class TLSResumptionTests: XCTestCase {
    private var server: TLSServerContext!
    private var client: TLSClientContext!

    override func setUpWithError() throws {
        let pki = try TestPKI.shared()
        server = try TLSServerContext(certificates: [
            TLSCertificateFiles(certificatePath: pki.localhostCert, keyPath: pki.localhostKey),
            TLSCertificateFiles(certificatePath: pki.otherCert, keyPath: pki.otherKey),
        ])
        client = try TLSClientContext(caFile: pki.caPath, alpn: [.h2])
    }

    /// A full handshake, then one byte each way so a TLS 1.3 ticket reaches the client.
    private func firstSession(serverName: String) throws -> TLSSession {
        let pair = try TLSTestPair(server: server, client: client, serverName: serverName)
        pair.assertHandshakeSucceeds()
        XCTAssertFalse(pair.client.isResumed)
        XCTAssertEqual(pair.transfer([1], from: pair.server, to: pair.client).received, [1])
        let session = try XCTUnwrap(pair.client.session)
        XCTAssertTrue(session.isResumable)
        pair.client.shutdown()
        return session
    }

    private func assertResumes(serverName: String, with session: TLSSession, subject: String) throws {
        let pair = try TLSTestPair(server: server, client: client, serverName: serverName, session: session)
        pair.assertHandshakeSucceeds()
        XCTAssertTrue(pair.server.isResumed)
        XCTAssertTrue(pair.client.isResumed)
        XCTAssertEqual(pair.server.negotiatedALPN, .h2)
        XCTAssertEqual(pair.client.peerCertificateSubject, subject)
        XCTAssertEqual(pair.transfer([2, 3], from: pair.client, to: pair.server).received, [2, 3])
    }

    func testTLS13TicketResumes() throws {
        let session = try firstSession(serverName: "localhost")
        try assertResumes(serverName: "localhost", with: session, subject: "/CN=localhost")
    }

    func testResumptionWorksForTheSNICertificate() throws {
        // The SNI context is not the one that issued the ticket keys: OpenSSL must use the
        // connection's first context for tickets.
        let session = try firstSession(serverName: "other.test")
        try assertResumes(serverName: "other.test", with: session, subject: "/CN=other.test")
    }

    func testTLS12Resumes() throws {
        _ = cedge_SSL_CTX_set_max_proto_version(client.rawContext, TLS1_2_VERSION)
        let session = try firstSession(serverName: "localhost")
        try assertResumes(serverName: "localhost", with: session, subject: "/CN=localhost")
    }

    func testTLS12SessionIDCacheResumes() throws {
        _ = cedge_SSL_CTX_set_max_proto_version(client.rawContext, TLS1_2_VERSION)
        _ = cedge_SSL_CTX_set_options(client.rawContext, 1 << 14)  // SSL_OP_NO_TICKET (a macro Swift cannot import)
        let session = try firstSession(serverName: "localhost")
        try assertResumes(serverName: "localhost", with: session, subject: "/CN=localhost")
    }
}
