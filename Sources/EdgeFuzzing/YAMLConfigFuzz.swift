import EdgeConfig
#if canImport(Glibc)
import Glibc
#endif

/// The configuration loader on arbitrary bytes: the UTF-8 check, libyaml's events, the
/// composer and the decoder. A file that loads must load again, to the same snapshot, from
/// the YAML mcp-edge writes for it (`yamlText()`), as its documentation promises.
enum YAMLConfigFuzz {
    /// A directory with `cert.pem` and `key.pem`, so configurations with TLS get past the
    /// file checks (only their existence is checked at load time).
    static let directory: String = {
        let path = "/tmp/mcp-edge-fuzz-config"
        mkdir(path, 0o755)
        for name in ["cert.pem", "key.pem", "other.pem", "other-key.pem"] {
            let fd = open(path + "/" + name, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
            if fd >= 0 { close(fd) }
        }
        return path
    }()

    static func run(_ data: [UInt8]) {
        switch ConfigLoader.parse(bytes: data, sourceName: "fuzz.yaml", baseDirectory: directory) {
        case .failure(let errors):
            expect(!errors.issues.isEmpty, "a failure without issues")
        case .success(let configuration):
            let text = configuration.yamlText()
            switch ConfigLoader.parse(yaml: text, sourceName: "written.yaml", baseDirectory: directory) {
            case .failure(let errors):
                expect(false, "the written YAML does not load: \(errors)\n\(text)")
            case .success(let again):
                expect(again == configuration, "the written YAML loads to another snapshot:\n\(text)")
            }
        }
    }
}
