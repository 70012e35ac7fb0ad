import Foundation
import Glibc

/// A throwaway CA and two P-256 server certificates, made once per test process with the
/// `openssl` command in a temporary directory (removed at exit):
/// - `localhost`: SAN DNS:localhost, IP:127.0.0.1 (the default certificate)
/// - `other`: CN other.test, SAN DNS:other.test, DNS:*.wild.test
struct TestPKI {
    let directory: String
    var caPath: String { directory + "/ca.pem" }
    var localhostCert: String { directory + "/localhost.pem" }
    var localhostKey: String { directory + "/localhost.key" }
    var otherCert: String { directory + "/other.pem" }
    var otherKey: String { directory + "/other.key" }

    static func shared() throws -> TestPKI { try cached.get() }

    private static let cached: Result<TestPKI, Error> = Result {
        signal(SIGPIPE, SIG_IGN)
        let directory = NSTemporaryDirectory() + "edge-tls-tests-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        createdDirectory = directory
        atexit { if let path = TestPKI.createdDirectory { try? FileManager.default.removeItem(atPath: path) } }
        let pki = TestPKI(directory: directory)
        try pki.generate()
        return pki
    }
    private static var createdDirectory: String?

    private func generate() throws {
        try openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ca.key")
        try openssl("req", "-x509", "-new", "-key", "ca.key", "-sha256", "-days", "2", "-subj", "/CN=EdgeTLS Test CA",
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                    "-out", "ca.pem")
        try leaf("localhost", subject: "/CN=localhost", san: "DNS:localhost,IP:127.0.0.1")
        try leaf("other", subject: "/CN=other.test", san: "DNS:other.test,DNS:*.wild.test")
    }

    private func leaf(_ name: String, subject: String, san: String) throws {
        try openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "\(name).key")
        try openssl("req", "-new", "-key", "\(name).key", "-subj", subject, "-out", "\(name).csr")
        let extensions = "subjectAltName=\(san)\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        try extensions.write(toFile: "\(directory)/\(name).ext", atomically: true, encoding: .utf8)
        try openssl("x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-days", "2", "-sha256", "-extfile", "\(name).ext", "-out", "\(name).pem")
    }

    private func openssl(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            throw PKIError(message: "openssl \(arguments.joined(separator: " ")) failed: "
                           + String(decoding: output, as: UTF8.self))
        }
    }

    struct PKIError: Error, CustomStringConvertible { let message: String; var description: String { message } }
}
