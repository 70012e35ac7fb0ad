/// Reads and validates mcp-edge configuration files. Called by `mcp-edge check`, at start-up and
/// on every reload; it has no state, so any thread may call it.
public enum ConfigLoader {
    /// Reads the file at `path` and returns the validated snapshot, or throws `ConfigErrors`
    /// listing every problem found. Relative paths inside are resolved against the file's directory.
    public static func load(path: String) throws -> EdgeConfiguration {
        let bytes: [UInt8]
        switch LocalFiles.contents(of: path) {
        case .success(let read): bytes = read
        case .failure(let error):
            throw ConfigErrors(issues: [ConfigIssue(file: path, line: 0, column: 0, keyPath: "",
                                                    message: "cannot read the configuration file: \(error.reason)")])
        }
        let file = ConfigDecoder.normalized(LocalFiles.absolute(path))
        let directory = String(file[..<(file.lastIndex(of: "/") ?? file.startIndex)])
        return try parse(bytes: bytes, sourceName: path, baseDirectory: directory.isEmpty ? "/" : directory).get()
    }

    /// Validates the bytes of a configuration file: UTF-8 (the first invalid byte is reported
    /// with its line and column), then as `parse(yaml:)` does.
    public static func parse(bytes: [UInt8], sourceName: String, baseDirectory: String) -> Result<EdgeConfiguration, ConfigErrors> {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let bad = TextPosition.firstInvalidUTF8(in: bytes)
            let hex = String(bytes[bad.offset], radix: 16, uppercase: true)
            let issue = ConfigIssue(file: sourceName, line: bad.line, column: bad.column, keyPath: "",
                                    message: "is not UTF-8 text: byte 0x\(hex.count == 1 ? "0" + hex : hex) is not valid UTF-8 "
                                        + "(save the file as UTF-8)")
            return .failure(ConfigErrors(issues: [issue]))
        }
        return parse(yaml: text, sourceName: sourceName, baseDirectory: baseDirectory)
    }

    /// Validates YAML text. `sourceName` is used in messages; `baseDirectory` is where relative
    /// certificate paths are resolved (and checked to exist).
    public static func parse(yaml: String, sourceName: String, baseDirectory: String) -> Result<EdgeConfiguration, ConfigErrors> {
        let issues = IssueList(file: sourceName)
        let root: YAMLNode?
        do {
            root = try YAMLComposer.compose(yaml)
        } catch {
            issues.add(message(for: error, yaml: yaml), at: error.mark, .root)
            return .failure(ConfigErrors(issues: issues.sortedIssues))
        }
        let decoder = ConfigDecoder(issues: issues, baseDirectory: baseDirectory)
        guard let configuration = decoder.decodeRoot(root), issues.issues.isEmpty else {
            return .failure(ConfigErrors(issues: issues.sortedIssues))
        }
        return .success(configuration)
    }

    private static func message(for error: YAMLError, yaml: String) -> String {
        guard error.isSyntaxError else { return error.problem }
        var message = "invalid YAML: \(error.problem)"
        if let context = error.context {
            message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
        }
        let line = yaml.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(error.mark.line - 1).first
        if let line, line.contains("\t") {
            message += "; indent with spaces, YAML does not allow tabs"
        }
        if let line, line.contains("[") && line.contains("::") {
            message += "; quote IPv6 addresses, a bare \"[\" starts a list: address: \"[::1]:8443\""
        }
        return message
    }
}
