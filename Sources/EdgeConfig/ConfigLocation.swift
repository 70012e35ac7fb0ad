/// Where a value was written in a configuration file, kept in the snapshot for checks made
/// after loading (a certificate and key that do not belong together are found only when
/// OpenSSL loads them): they report the problem at the value's line like any other issue.
public struct ConfigLocation: Sendable, Hashable {
    public let file: String
    public let line: Int
    public let column: Int
    /// `listeners[0].tls.key`
    public let keyPath: String

    public init(file: String, line: Int, column: Int, keyPath: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
    }

    /// A problem with the value written here.
    public func issue(_ message: String) -> ConfigIssue {
        ConfigIssue(file: file, line: line, column: column, keyPath: keyPath, message: message)
    }
}
