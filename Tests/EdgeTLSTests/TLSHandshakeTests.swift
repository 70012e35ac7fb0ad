import COpenSSL
import CEdgeShims
@testable import EdgeTLS
import XCTest

final class TLSHandshakeTests: XCTestCase {
    private var pki: TestPKI!
    private var server: TLSServerContext!

    override func setUpWithError() throws {
        pki = try TestPKI.shared()
        server = try TLSServerContext(certificates: [
            TLSCertificateFiles(certificatePath: pki.localhostCert, keyPath: pki.localhostKey),
            TLSCertificateFiles(certificatePath: pki.otherCert, keyPath: pki.otherKey),
        ])
    }

    private func client(alpn: [ALPNProtocol] = [.h2, .http11]) throws -> TLSClientContext {
        try TLSClientContext(caFile: pki.caPath, alpn: alpn)
    }

    func testCertificateNamesComeFromSANAndCN() {
        XCTAssertEqual(server.certificateNames[0], ["localhost", "localhost"])
        XCTAssertEqual(server.certificateNames[1], ["other.test", "*.wild.test", "other.test"])
    }

    func testHandshakeNegotiatesTLS13AndH2WhenOffered() throws {
        let pair = try TLSTestPair(server: server, client: client(), serverName: "localhost")
        pair.assertHandshakeSucceeds()
        XCTAssertEqual(pair.server.negotiatedALPN, .h2)
        XCTAssertEqual(pair.client.negotiatedALPN, .h2)
        XCTAssertEqual(pair.server.protocolVersion, .tls1_3)
        XCTAssertEqual(pair.server.protocolVersion.description, "TLSv1.3")
        XCTAssertEqual(pair.server.serverName, "localhost")
        XCTAssertEqual(pair.client.peerCertificateSubject, "/CN=localhost")
        XCTAssertFalse(pair.server.isResumed)
        XCTAssertEqual(pair.server.cipherSuite, "TLS_AES_128_GCM_SHA256")
    }

    func testHTTP11WhenOnlyThatIsOffered() throws {
        let pair = try TLSTestPair(server: server, client: client(alpn: [.http11]), serverName: "localhost")
        pair.assertHandshakeSucceeds()
        XCTAssertEqual(pair.server.negotiatedALPN, .http11)
        XCTAssertEqual(pair.client.negotiatedALPN, .http11)
    }

    func testNoALPNWhenClientOffersNone() throws {
        let pair = try TLSTestPair(server: server, client: client(alpn: []), serverName: "localhost")
        pair.assertHandshakeSucceeds()
        XCTAssertEqual(pair.server.negotiatedALPN, .none)
    }

    func testNoOverlapProceedsWithoutALPN() throws {
        let h1Only = try TLSServerContext(
            certificates: [TLSCertificateFiles(certificatePath: pki.localhostCert, keyPath: pki.localhostKey)],
            alpn: [.http11])
        let pair = try TLSTestPair(server: h1Only, client: client(alpn: [.h2]), serverName: "localhost")
        pair.assertHandshakeSucceeds()
        XCTAssertEqual(pair.server.negotiatedALPN, .none)
        XCTAssertEqual(pair.client.negotiatedALPN, .none)
    }

    func testSNISelectsTheSecondCertificate() throws {
        let pair = try TLSTestPair(server: server, client: client(), serverName: "other.test")
        pair.assertHandshakeSucceeds()
        XCTAssertEqual(pair.client.peerCertificateSubject, "/CN=other.test")
        XCTAssertEqual(pair.server.serverName, "other.test")
        // The per-certificate context keeps the shared settings (ALPN).
        XCTAssertEqual(pair.server.negotiatedALPN, .h2)
    }

    func testSNIWildcardSelectsTheSecondCertificate() throws {
        let pair = try TLSTestPair(server: server, client: client(), serverName: "api.wild.test")
        pair.assertHandshakeSucceeds()
        XCTAssertEqual(pair.client.peerCertificateSubject, "/CN=other.test")
    }

    func testIPAddressSendsNoSNIAndGetsTheDefaultCertificate() throws {
        let pair = try TLSTestPair(server: server, client: client(), serverName: "127.0.0.1")
        pair.assertHandshakeSucceeds()
        XCTAssertNil(pair.server.serverName)
        XCTAssertEqual(pair.client.peerCertificateSubject, "/CN=localhost")
    }

    func testClientRejectsCertificateForAnotherName() throws {
        // No certificate matches: the server falls back to localhost, which the client refuses.
        let pair = try TLSTestPair(server: server, client: client(), serverName: "unknown.test")
        let (_, clientState) = pair.handshake()
        guard case .error(let error) = clientState else { return XCTFail("client: \(clientState)") }
        XCTAssertEqual(error.kind, .handshake)
        XCTAssertTrue(error.message.contains("certificate verification"), error.message)
    }

    func testClientWithSystemStoreRejectsTestCA() throws {
        let pair = try TLSTestPair(server: server, client: TLSClientContext(), serverName: "localhost")
        let (_, clientState) = pair.handshake()
        guard case .error(let error) = clientState else { return XCTFail("client: \(clientState)") }
        XCTAssertTrue(error.message.contains("certificate"), error.message)
    }

    func testTLS11ClientIsRefused() throws {
        let old = try TLSClientContext(verifyPeer: false)
        // What the public API refuses: an old client, with the security level that allows it.
        _ = cedge_SSL_CTX_set_min_proto_version(old.rawContext, TLS1_1_VERSION)
        _ = cedge_SSL_CTX_set_max_proto_version(old.rawContext, TLS1_1_VERSION)
        SSL_CTX_set_security_level(old.rawContext, 0)
        XCTAssertEqual(SSL_CTX_set_cipher_list(old.rawContext, "DEFAULT:@SECLEVEL=0"), 1)
        let pair = try TLSTestPair(server: server, client: old, serverName: "localhost")
        let (serverState, clientState) = pair.handshake()
        guard case .error(let error) = serverState else { return XCTFail("server: \(serverState)") }
        XCTAssertEqual(error.kind, .handshake)
        XCTAssertTrue(error.message.contains("unsupported protocol"), error.message)
        XCTAssertNotEqual(clientState, .done)
    }

    func testTLS12Handshake() throws {
        let tls12 = try client()
        _ = cedge_SSL_CTX_set_max_proto_version(tls12.rawContext, TLS1_2_VERSION)
        let pair = try TLSTestPair(server: server, client: tls12, serverName: "localhost")
        pair.assertHandshakeSucceeds()
        XCTAssertEqual(pair.server.protocolVersion, .tls1_2)
        XCTAssertEqual(pair.server.cipherSuite, "ECDHE-ECDSA-AES128-GCM-SHA256")
        XCTAssertEqual(pair.server.negotiatedALPN, .h2)
    }

    /// The server's order wins (AES-128 first, as in the intermediate profile), except for a
    /// client that lists ChaCha20 first.
    func testTLS13SuiteFollowsServerOrderUnlessClientPrefersChaCha() throws {
        let cases = [
            ("TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"),
            ("TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_256_GCM_SHA384"),
            ("TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"),
        ]
        for (offered, chosen) in cases {
            let tls13 = try client()
            XCTAssertEqual(SSL_CTX_set_ciphersuites(tls13.rawContext, offered), 1)
            let pair = try TLSTestPair(server: server, client: tls13, serverName: "localhost")
            pair.assertHandshakeSucceeds()
            XCTAssertEqual(pair.server.protocolVersion, .tls1_3)
            XCTAssertEqual(pair.server.cipherSuite, chosen, "client offered \(offered)")
        }
    }

    func testGarbageInsteadOfClientHelloIsAnError() throws {
        let pair = try TLSTestPair(server: server, client: client(), serverName: "localhost")
        let garbage = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        XCTAssertEqual(garbage.withUnsafeBytes { write(pair.clientFD, $0.baseAddress, $0.count) }, garbage.count)
        guard case .error(let error) = pair.server.handshake() else { return XCTFail("expected an error") }
        XCTAssertEqual(error.kind, .handshake)
        XCTAssertFalse(error.libraryMessages.isEmpty)
    }
}
