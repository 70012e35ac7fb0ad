import Foundation
import XCTest
@testable import EdgeConfig

/// A temporary directory holding placeholder certificate files (their contents are not read
/// here; only existence and readability are checked), removed when the test ends.
final class Fixture {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "edgeconfig-" + UUID().uuidString
        for name in ["cert.pem", "key.pem", "api-cert.pem", "api-key.pem", "run/cert.pem", "run/key.pem"] {
            try write("-----BEGIN PLACEHOLDER-----\n", to: name)
        }
        try FileManager.default.createDirectory(atPath: directory + "/deploy/examples", withIntermediateDirectories: true)
    }

    func write(_ text: String, to name: String) throws {
        let path = directory + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func parse(_ yaml: String, baseDirectory: String? = nil) -> Result<EdgeConfiguration, ConfigErrors> {
        ConfigLoader.parse(yaml: yaml, sourceName: "edge.yaml", baseDirectory: baseDirectory ?? directory)
    }

    func configuration(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) throws -> EdgeConfiguration {
        switch parse(yaml) {
        case .success(let configuration): return configuration
        case .failure(let errors):
            XCTFail("unexpected errors:\n\(errors)", file: file, line: line)
            throw errors
        }
    }

    func issues(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) -> [ConfigIssue] {
        switch parse(yaml) {
        case .success:
            XCTFail("expected errors, the configuration was accepted", file: file, line: line)
            return []
        case .failure(let errors): return errors.issues
        }
    }
}

/// The repository's deploy/examples directory, found from this source file.
let examplesDirectory: String = {
    let testFile = URL(fileURLWithPath: #filePath)
    return testFile.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/examples").path
}()
