/// What to start as a child process: the arguments (the first is the program, searched in PATH
/// when it has no slash), variables added to the environment the child inherits from us, and
/// the directory it starts in. A plain value, built from configuration.
public struct ChildCommand: Equatable {
    /// argv; `arguments[0]` names the program.
    public var arguments: [String]
    /// Set on top of our own environment (a name given here replaces ours).
    public var environment: [String: String]
    /// nil: our working directory.
    public var workingDirectory: String?

    public init(_ arguments: [String], environment: [String: String] = [:], workingDirectory: String? = nil) {
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
    }

    /// The program as the user wrote it, for messages.
    public var program: String { arguments.first ?? "" }

    /// `inherited` ("NAME=value" entries) with `environment` laid over it: replaced entries keep
    /// their place, new ones follow in name order (so the child's environment is reproducible).
    func childEnvironment(inheriting inherited: [String]) -> [String] {
        var remaining = environment
        var merged: [String] = []
        merged.reserveCapacity(inherited.count + environment.count)
        for entry in inherited {
            let name = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? entry
            if let value = remaining.removeValue(forKey: name) {
                merged.append(name + "=" + value)
            } else if environment[name] == nil {
                merged.append(entry)
            }
        }
        for name in remaining.keys.sorted() { merged.append(name + "=" + remaining[name]!) }
        return merged
    }

    /// The PATH the program is searched in: the child's own (an added PATH applies), as
    /// node's child_process and most MCP clients do.
    static func searchPath(in environment: [String]) -> String? {
        for entry in environment where entry.hasPrefix("PATH=") { return String(entry.dropFirst(5)) }
        return nil
    }

    /// Why this command cannot be passed to exec at all, or nil.
    var invalidReason: String? {
        if arguments.isEmpty || arguments[0].isEmpty { return "the command is empty" }
        let texts = arguments + environment.keys + environment.values + (workingDirectory.map { [$0] } ?? [])
        if texts.contains(where: { $0.utf8.contains(0) }) { return "the command contains a NUL byte" }
        if environment.keys.contains(where: { $0.isEmpty || $0.contains("=") }) {
            return "an environment variable name is empty or contains '='"
        }
        return nil
    }
}
