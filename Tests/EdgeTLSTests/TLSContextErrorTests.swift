import EdgeTLS
import XCTest

final class TLSContextErrorTests: XCTestCase {
    private var pki: TestPKI!

    override func setUpWithError() throws { pki = try TestPKI.shared() }

    private func configurationError(_ body: () throws -> Void, file: StaticString = #filePath,
                                    line: UInt = #line) -> TLSError? {
        do {
            try body()
            XCTFail("expected an error", file: file, line: line)
        } catch let error as TLSError {
            XCTAssertEqual(error.kind, .configuration, file: file, line: line)
            return error
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
        return nil
    }

    func testBadKeyPathNamesThePath() {
        let path = pki.directory + "/missing.key"
        let error = configurationError {
            _ = try TLSServerContext(certificates: [TLSCertificateFiles(certificatePath: pki.localhostCert, keyPath: path)])
        }
        XCTAssertTrue(error?.message.contains("cannot load private key \(path)") ?? false, "\(String(describing: error))")
        XCTAssertTrue(error?.message.contains("check the path") ?? false)
        XCTAssertFalse(error?.libraryMessages.isEmpty ?? true)
    }

    func testBadCertificatePathNamesThePath() {
        let path = pki.directory + "/missing.pem"
        let error = configurationError {
            _ = try TLSServerContext(certificates: [TLSCertificateFiles(certificatePath: path, keyPath: pki.localhostKey)])
        }
        XCTAssertTrue(error?.message.contains("cannot load certificate \(path)") ?? false, "\(String(describing: error))")
    }

    func testKeyFromAnotherCertificateIsRefused() {
        let error = configurationError {
            _ = try TLSServerContext(certificates: [
                TLSCertificateFiles(certificatePath: pki.localhostCert, keyPath: pki.otherKey)])
        }
        XCTAssertTrue(error?.message.contains("does not match certificate \(pki.localhostCert)") ?? false,
                      "\(String(describing: error))")
    }

    func testSecondCertificateIsCheckedToo() {
        let error = configurationError {
            _ = try TLSServerContext(certificates: [
                TLSCertificateFiles(certificatePath: pki.localhostCert, keyPath: pki.localhostKey),
                TLSCertificateFiles(certificatePath: pki.otherCert, keyPath: pki.localhostKey)])
        }
        XCTAssertTrue(error?.message.contains(pki.otherCert) ?? false, "\(String(describing: error))")
    }

    func testNoCertificatesIsAnError() {
        _ = configurationError { _ = try TLSServerContext(certificates: []) }
    }

    func testMissingCAFileNamesThePath() {
        let path = pki.directory + "/missing-ca.pem"
        let error = configurationError { _ = try TLSClientContext(caFile: path) }
        XCTAssertTrue(error?.message.contains(path) ?? false, "\(String(describing: error))")
    }
}
