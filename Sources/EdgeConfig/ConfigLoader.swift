import Foundation
import Yams

/// Reads and validates mcp-edge configuration files. Called by `mcp-edge check`, at start-up and
/// on every reload; it has no state, so any thread may call it.
public enum ConfigLoader {
    /// Reads the file at `path` and returns the validated snapshot, or throws `ConfigErrors`
    /// listing every problem found. Relative paths inside are resolved against the file's directory.
    public static func load(path: String) throws -> EdgeConfiguration {
        let text: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw ConfigErrors(issues: [ConfigIssue(file: path, line: 0, column: 0, keyPath: "",
                                                        message: "is not UTF-8 text")])
            }
            text = decoded
        } catch let errors as ConfigErrors {
            throw errors
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? error.localizedDescription
            throw ConfigErrors(issues: [ConfigIssue(file: path, line: 0, column: 0, keyPath: "",
                                                    message: "cannot read the configuration file: \(reason)")])
        }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL
        return try parse(yaml: text, sourceName: path, baseDirectory: absolute.deletingLastPathComponent().path).get()
    }

    /// Validates YAML text. `sourceName` is used in messages; `baseDirectory` is where relative
    /// certificate paths are resolved (and checked to exist).
    public static func parse(yaml: String, sourceName: String, baseDirectory: String) -> Result<EdgeConfiguration, ConfigErrors> {
        let issues = IssueList(file: sourceName)
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            let position = yamlPosition(error)
            issues.add(yamlMessage(error, yaml: yaml), line: position.line, column: position.column, .root)
            return .failure(ConfigErrors(issues: issues.sortedIssues))
        }
        let decoder = ConfigDecoder(issues: issues, baseDirectory: baseDirectory)
        guard let configuration = decoder.decodeRoot(root), issues.issues.isEmpty else {
            return .failure(ConfigErrors(issues: issues.sortedIssues))
        }
        return .success(configuration)
    }

    private static func yamlPosition(_ error: Error) -> (line: Int, column: Int) {
        switch error as? YamlError {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return (mark.line, mark.column)
        case .duplicatedKeysInMapping(_, let context):
            return (context.mark.line, context.mark.column)
        case .reader(_, let offset?, _, let yaml):
            let prefix = yaml.utf8.prefix(offset)
            let line = prefix.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
            return (line, 1)
        default:
            return (0, 0)
        }
    }

    private static func yamlMessage(_ error: Error, yaml: String) -> String {
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem)"
            if let context {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            let line = yaml.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(mark.line - 1).first
            if let line, line.contains("\t") {
                message += "; indent with spaces, YAML does not allow tabs"
            }
            if let line, line.contains("[") && line.contains("::") {
                message += "; quote IPv6 addresses, a bare \"[\" starts a list: address: \"[::1]:8443\""
            }
            return message
        case .duplicatedKeysInMapping(let duplicates, _):
            let keys = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
            return "duplicate key \(keys) in one mapping; each key may appear only once"
        case .reader(let problem, _, _, _):
            return "cannot read the text: \(problem)"
        default:
            return "invalid YAML: \(error)"
        }
    }
}
