import Glibc

/// Why a child process could not be started: the program, the step that failed and errno's
/// text, worded for the operator who wrote the command.
public struct SpawnError: Error, CustomStringConvertible, Equatable {
    public enum Step: Equatable {
        case invalidCommand(String)
        case pipes
        case fork
        /// Process group, PR_SET_PDEATHSIG or stdio redirection in the child.
        case setup
        case workingDirectory(String)
        case exec
    }

    public let program: String
    public let step: Step
    /// 0 for `.invalidCommand`.
    public let errno: Int32

    public init(program: String, step: Step, errno: Int32) {
        self.program = program
        self.step = step
        self.errno = errno
    }

    public var description: String {
        let reason = String(cString: strerror(errno))
        switch step {
        case .invalidCommand(let why): return "cannot start \"\(program)\": \(why)"
        case .pipes: return "cannot start \"\(program)\": creating its stdio pipes failed: \(reason)"
        case .fork: return "cannot start \"\(program)\": vfork failed: \(reason)"
        case .setup: return "cannot start \"\(program)\": preparing the child failed: \(reason)"
        case .workingDirectory(let path): return "cannot start \"\(program)\": working directory \"\(path)\": \(reason)"
        case .exec:
            let hint = program.contains("/") ? "" : " (searched the child's PATH)"
            return "cannot start \"\(program)\": \(reason)\(hint)"
        }
    }
}
