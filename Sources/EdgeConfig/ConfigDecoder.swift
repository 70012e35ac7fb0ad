
/// A position in the schema, printed the way users write it: `routes[1].passthrough`.
struct KeyPath: CustomStringConvertible {
    let description: String

    static let root = KeyPath(description: "")

    func key(_ name: String) -> KeyPath {
        KeyPath(description: description.isEmpty ? name : description + "." + name)
    }

    func index(_ position: Int) -> KeyPath {
        KeyPath(description: description + "[\(position)]")
    }
}

/// The issues found so far in one file.
final class IssueList {
    let file: String
    private(set) var issues: [ConfigIssue] = []

    init(file: String) {
        self.file = file
    }

    func add(_ message: String, at mark: YAMLMark?, _ path: KeyPath) {
        add(message, line: mark?.line ?? 0, column: mark?.column ?? 0, path)
    }

    /// Issues found in another file (one the configuration names), kept with their own file.
    func append(_ found: [ConfigIssue]) {
        issues.append(contentsOf: found)
    }

    func add(_ message: String, line: Int, column: Int, _ path: KeyPath) {
        issues.append(ConfigIssue(file: file, line: line, column: column, keyPath: path.description, message: message))
    }

    /// File order, so the first thing to fix is printed first.
    var sortedIssues: [ConfigIssue] {
        issues.enumerated().sorted { left, right in
            (left.element.line, left.element.column, left.offset)
                < (right.element.line, right.element.column, right.offset)
        }.map(\.element)
    }
}

/// The keys of one YAML mapping, already checked against the keys its section allows.
struct MappingReader {
    let node: YAMLNode
    let path: KeyPath
    /// Pairs with a known key, in file order.
    let entries: [(name: String, key: YAMLNode, value: YAMLNode)]
    /// Allowed keys that an unknown key looked like; they are not reported missing as well.
    let suggested: Set<String>

    subscript(name: String) -> YAMLNode? {
        entries.first { $0.name == name }?.value
    }

    func has(_ name: String) -> Bool {
        entries.contains { $0.name == name }
    }
}

/// Turns the composed YAML tree into an `EdgeConfiguration`, recording every problem instead of
/// stopping at the first. Each section lives in its own extension.
final class ConfigDecoder {
    let issues: IssueList
    /// Directory that relative file paths are resolved against.
    let baseDirectory: String

    init(issues: IssueList, baseDirectory: String) {
        self.issues = issues
        self.baseDirectory = baseDirectory
    }

    // MARK: Shapes

    /// Reads a mapping whose keys must all be in `allowed`; reports unknown keys with a suggestion.
    func mapping(_ node: YAMLNode, _ path: KeyPath, allowed: [String]) -> MappingReader? {
        guard case .mapping(let mapping) = node else {
            let keys = allowed.joined(separator: ", ")
            issues.add("expected a mapping with the keys \(keys); found \(node.kindDescription)", at: node.mark, path)
            return nil
        }
        var entries: [(name: String, key: YAMLNode, value: YAMLNode)] = []
        var suggested: Set<String> = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                issues.add("keys must be plain words; found \(key.kindDescription)", at: key.mark, path)
                continue
            }
            let name = scalar.string
            guard allowed.contains(name) else {
                var message = "unknown key \"\(name)\""
                if let guess = ValueSyntax.suggestion(for: name, among: allowed) {
                    message += "; did you mean \"\(guess)\"?"
                    suggested.insert(guess)
                }
                message += " (allowed keys here: \(allowed.joined(separator: ", ")))"
                issues.add(message, at: key.mark, path.key(name))
                continue
            }
            entries.append((name, key, value))
        }
        return MappingReader(node: node, path: path, entries: entries, suggested: suggested)
    }

    /// The value of a key that must be present; reports it missing at the mapping's position.
    func required(_ reader: MappingReader, _ name: String, example: String) -> YAMLNode? {
        guard let value = reader[name] else {
            if reader.suggested.contains(name) { return nil }
            issues.add("missing required key \"\(name)\" (for example \(name): \(example))", at: reader.node.mark, reader.path)
            return nil
        }
        return value
    }

    func sequence(_ node: YAMLNode, _ path: KeyPath, example: String) -> [YAMLNode]? {
        guard case .sequence(let sequence) = node else {
            issues.add("expected a list, like \(example); found \(node.kindDescription)", at: node.mark, path)
            return nil
        }
        return Array(sequence)
    }

    // MARK: Scalars

    /// A non-empty text value.
    func string(_ node: YAMLNode, _ path: KeyPath, example: String) -> String? {
        guard case .scalar(let scalar) = node, !node.isNull else {
            issues.add("expected a value like \(example); found \(node.kindDescription)", at: node.mark, path)
            return nil
        }
        guard !scalar.string.isEmpty else {
            issues.add("must not be empty; write something like \(example)", at: node.mark, path)
            return nil
        }
        return scalar.string
    }

    func stringList(_ node: YAMLNode, _ path: KeyPath, example: String) -> [String]? {
        guard let items = sequence(node, path, example: example) else { return nil }
        var strings: [String] = []
        for (position, item) in items.enumerated() {
            guard let text = string(item, path.index(position), example: example) else { return nil }
            strings.append(text)
        }
        return strings
    }

    /// A whole number in `range`.
    func integer(_ node: YAMLNode, _ path: KeyPath, range: ClosedRange<Int>) -> Int? {
        guard let text = string(node, path, example: "\(range.lowerBound)") else { return nil }
        guard let value = ValueSyntax.integer(text), range.contains(value) else {
            issues.add("must be a whole number from \(range.lowerBound) to \(range.upperBound); got \(text)", at: node.mark, path)
            return nil
        }
        return value
    }

    /// A byte count in `range`, plain or with a KiB/MiB/GiB unit.
    func byteSize(_ node: YAMLNode, _ path: KeyPath, range: ClosedRange<Int>) -> Int? {
        guard let text = string(node, path, example: "64KiB") else { return nil }
        switch ValueSyntax.byteSize(text) {
        case .failure(let error):
            issues.add(error.message, at: node.mark, path)
            return nil
        case .success(let bytes):
            guard range.contains(bytes) else {
                issues.add("must be from \(range.lowerBound) to \(range.upperBound) bytes; got \(text)", at: node.mark, path)
                return nil
            }
            return bytes
        }
    }

    /// A duration in `range`.
    func duration(_ node: YAMLNode, _ path: KeyPath, range: ClosedRange<Duration>) -> Duration? {
        guard let text = string(node, path, example: "10s") else { return nil }
        switch ValueSyntax.duration(text) {
        case .failure(let error):
            issues.add(error.message, at: node.mark, path)
            return nil
        case .success(let duration):
            guard range.contains(duration) else {
                let low = ValueSyntax.format(range.lowerBound), high = ValueSyntax.format(range.upperBound)
                issues.add("must be from \(low) to \(high); got \(text)", at: node.mark, path)
                return nil
            }
            return duration
        }
    }

    // MARK: Files

    /// Where `node` is, for checks made after loading.
    func location(_ node: YAMLNode, _ keyPath: KeyPath) -> ConfigLocation {
        ConfigLocation(file: issues.file, line: node.mark.line, column: node.mark.column, keyPath: keyPath.description)
    }

    /// Resolves `path` against the config directory and checks the file can be read now, so a
    /// typo fails `mcp-edge check` instead of the first TLS handshake.
    func readableFile(_ node: YAMLNode, _ keyPath: KeyPath, what: String) -> String? {
        guard let written = string(node, keyPath, example: "\(what).pem") else { return nil }
        let resolved = resolvePath(written)
        let origin = written.hasPrefix("/") ? "" : " (\"\(written)\" relative to \(baseDirectory))"
        switch LocalFiles.kind(of: resolved) {
        case .missing:
            issues.add("\(what) file \(resolved) does not exist\(origin)", at: node.mark, keyPath)
            return nil
        case .directory:
            issues.add("\(what) path \(resolved) is a directory; give the PEM file\(origin)", at: node.mark, keyPath)
            return nil
        case .file(readable: false):
            issues.add("\(what) file \(resolved) is not readable by this user; check its permissions", at: node.mark, keyPath)
            return nil
        case .file(readable: true):
            break
        }
        return resolved
    }

    /// Absolute, with `.` and `..` folded away.
    func resolvePath(_ path: String) -> String {
        Self.normalized(path.hasPrefix("/") ? path : baseDirectory + "/" + path)
    }

    /// An absolute path with empty, `.` and `..` components folded away.
    static func normalized(_ absolutePath: String) -> String {
        var parts: [Substring] = []
        for part in absolutePath.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}

extension YAMLNode {
    /// `~`, `null` or nothing at all, written without quotes.
    var isNull: Bool {
        guard case .scalar(let scalar) = self else { return false }
        guard scalar.style != .singleQuoted, scalar.style != .doubleQuoted else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// For messages: "a list", "a mapping", "the text \"x\"", "no value".
    var kindDescription: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar): return isNull ? "no value" : "\"\(scalar.string)\""
        }
    }
}
