import CEdgeShims
import Glibc

/// How a child process ended.
public enum ExitStatus: Equatable, CustomStringConvertible {
    /// exit(code).
    case exited(Int32)
    /// Killed by this signal.
    case signalled(Int32)
    /// Someone else reaped it (SIGCHLD set to SIG_IGN): the status is lost.
    case unknown

    public var description: String {
        switch self {
        case .exited(let code): return "exited with status \(code)"
        case .signalled(let number): return "killed by signal \(number)"
        case .unknown: return "exited (status unknown)"
        }
    }
}

/// Our ends of a child's stdio pipes: non-blocking and close-on-exec. Whoever takes them from
/// `ChildProcess.spawn` owns them and closes them (a `StdioChannel` does).
public struct ChildPipes {
    /// The write end of the child's stdin.
    public let stdin: Int32
    /// The read end of the child's stdout.
    public let stdout: Int32
    /// The read end of the child's stderr.
    public let stderr: Int32
}

/// One spawned child process: how to signal it and whether it has exited (never blocking).
/// Owned by the thread that spawned it: the child gets SIGKILL when that thread ends
/// (PR_SET_PDEATHSIG), so spawn it on the long-lived worker thread that drives it. It is
/// reaped only through this object (waitid on its own pid; there is no SIGCHLD handler), so a
/// worker never reaps another's children. The child leads its own process group, and signals
/// go to the whole group.
public final class ChildProcess {
    public let pid: Int32
    public let command: ChildCommand
    /// Set once the child has been reaped; after that it is never signalled (its pid may be reused).
    public private(set) var exitStatus: ExitStatus?

    private init(pid: Int32, command: ChildCommand) {
        self.pid = pid
        self.command = command
    }

    /// Writes to a pipe whose reader is gone must fail with EPIPE, not kill the gateway.
    private static let brokenPipesIgnored: Void = { _ = Glibc.signal(SIGPIPE, SIG_IGN) }()

    /// Starts `command` with stdin, stdout and stderr connected to pipes. Returns once the
    /// program has been exec'd; a program that is not found, not executable or a working
    /// directory that does not exist throws a `SpawnError` (nothing is left behind). Also sets
    /// SIGPIPE to SIG_IGN for the process, as `ProcessSignals.block` does.
    public static func spawn(_ command: ChildCommand) throws -> (ChildProcess, ChildPipes) {
        if let why = command.invalidReason {
            throw SpawnError(program: command.program, step: .invalidCommand(why), errno: 0)
        }
        _ = brokenPipesIgnored
        let environment = command.childEnvironment(inheriting: inheritedEnvironment())
        let argv = command.arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for string in argv { free(string) }
            for string in envp { free(string) }
        }
        var ends: [Int32] = [-1, -1, -1]
        var step: Int32 = 0
        var error: Int32 = 0
        let pid = withOptionalCString(ChildCommand.searchPath(in: environment)) { searchPath in
            withOptionalCString(command.workingDirectory) { directory in
                cedge_spawn(command.arguments[0], argv, envp, searchPath, directory, &ends, &step, &error)
            }
        }
        guard pid > 0 else {
            throw SpawnError(program: command.program, step: spawnStep(step, command), errno: error)
        }
        return (ChildProcess(pid: pid, command: command), ChildPipes(stdin: ends[0], stdout: ends[1], stderr: ends[2]))
    }

    private static func spawnStep(_ step: Int32, _ command: ChildCommand) -> SpawnError.Step {
        switch Int(step) {
        case Int(CEDGE_SPAWN_PIPE): return .pipes
        case Int(CEDGE_SPAWN_FORK): return .fork
        case Int(CEDGE_SPAWN_CHDIR): return .workingDirectory(command.workingDirectory ?? "")
        case Int(CEDGE_SPAWN_EXEC): return .exec
        default: return .setup
        }
    }

    private static func inheritedEnvironment() -> [String] {
        var entries: [String] = []
        let table: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = environ
        guard var cursor = table else { return entries }
        while let entry = cursor.pointee {
            entries.append(String(cString: entry))
            cursor += 1
        }
        return entries
    }

    private static func withOptionalCString<T>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
        guard let text else { return body(nil) }
        return text.withCString { body($0) }
    }

    /// A descriptor (close-on-exec, owned by the caller) that polls readable once the child has
    /// exited, for an event loop; nil where pidfd_open is missing (Linux before 5.3).
    public func openExitDescriptor() -> Int32? {
        guard exitStatus == nil else { return nil }
        let fd = cedge_pidfd_open(pid)
        return fd >= 0 ? fd : nil
    }

    /// Sends `number` to the child's process group (to the child alone if that fails); nothing
    /// once the child has been reaped.
    public func signal(_ number: Int32) {
        guard exitStatus == nil else { return }
        if Glibc.kill(-pid, number) != 0 { _ = Glibc.kill(pid, number) }
    }

    /// The exit status if the child has exited, else nil; never blocks. When the child has
    /// exited, what is left of its process group (processes it started) is killed first, while
    /// the unreaped pid still names the group, and then the child is reaped.
    public func pollExit() -> ExitStatus? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        let state = cedge_child_state(pid, 0, &status)
        if state == 0 { return nil }
        if state < 0 {
            guard errno == ECHILD else { return nil }
            exitStatus = .unknown
            return .unknown
        }
        _ = Glibc.kill(-pid, SIGKILL)
        _ = cedge_child_state(pid, 1, &status)
        let ended: ExitStatus = state == 1 ? .exited(status) : .signalled(status)
        exitStatus = ended
        return ended
    }

    /// A child still running when its owner lets go is killed and reaped here (a brief blocking
    /// wait: a SIGKILLed process ends at once), so dropped children leave no zombies.
    deinit {
        guard exitStatus == nil else { return }
        signal(SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
}
