/// One problem found in a configuration file, with the place it was found.
///
/// Produced by `ConfigLoader`; `mcp-edge check` prints one `description` per line. Lines and
/// columns count from 1; a line of 0 means the problem concerns the whole file (e.g. it could
/// not be read).
public struct ConfigIssue: Sendable, Hashable, CustomStringConvertible {
    /// The file name as the user gave it (or the `sourceName` passed to `ConfigLoader.parse`).
    public let file: String
    public let line: Int
    public let column: Int
    /// Where in the schema, e.g. `routes[1].passthrough`; empty for file-level problems.
    public let keyPath: String
    /// What is wrong and how to fix it.
    public let message: String

    public init(file: String, line: Int, column: Int, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    /// `edge.yaml:12:5: routes[1].passthrough: unknown server "bnech"; did you mean "bench"?; defined servers: bench, time`
    public var description: String {
        var text = file
        if line > 0 { text += ":\(line):\(column)" }
        text += ": "
        if !keyPath.isEmpty { text += keyPath + ": " }
        return text + message
    }
}

/// Every problem found in one configuration file, in file order. Thrown by
/// `ConfigLoader.load(path:)`; never empty.
public struct ConfigErrors: Error, Sendable, Hashable, CustomStringConvertible {
    public let issues: [ConfigIssue]

    public init(issues: [ConfigIssue]) {
        self.issues = issues
    }

    /// One issue per line, ready to print.
    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}
