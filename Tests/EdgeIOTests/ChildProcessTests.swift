import Glibc
import XCTest
@testable import EdgeIO

final class ChildProcessTests: XCTestCase {
    /// Waits (bounded) for `child` to exit, polling as a loop would.
    private func awaitExit(_ child: ChildProcess) -> ExitStatus? {
        var status: ExitStatus?
        _ = eventually {
            status = child.pollExit()
            return status != nil
        }
        return status
    }

    /// True when `pid` has ended (no such process, or a zombie waiting to be reaped).
    private func isGone(_ pid: Int32) -> Bool {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return true }
        defer { Glibc.close(fd) }
        var bytes = [UInt8](repeating: 0, count: 512)
        let n = Glibc.read(fd, &bytes, bytes.count)
        guard n > 0 else { return true }
        // "pid (comm) S …": the state follows the last ')'.
        let text = String(decoding: bytes[0..<n], as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return true }
        return text[text.index(after: close)...].trimmingPrefix(" ").first == "Z"
    }

    private func closeAll(_ pipes: ChildPipes) {
        Glibc.close(pipes.stdin)
        Glibc.close(pipes.stdout)
        Glibc.close(pipes.stderr)
    }

    func testOurEndsAreNonBlockingAndCloseOnExec() throws {
        let (child, pipes) = try ChildProcess.spawn(ChildCommand(["cat"]))
        defer { closeAll(pipes) }
        for fd in [pipes.stdin, pipes.stdout, pipes.stderr] {
            XCTAssertNotEqual(fcntl(fd, F_GETFL) & O_NONBLOCK, 0, "fd \(fd) is non-blocking")
            XCTAssertNotEqual(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0, "fd \(fd) is close-on-exec")
        }
        XCTAssertNil(child.pollExit(), "cat waits for input")
        Glibc.close(pipes.stdin)
        XCTAssertEqual(awaitExit(child), .exited(0))
    }

    func testTheChildLeadsItsOwnProcessGroup() throws {
        let (child, pipes) = try ChildProcess.spawn(ChildCommand(["sleep", "30"]))
        defer { closeAll(pipes) }
        XCTAssertEqual(getpgid(child.pid), child.pid)
        XCTAssertNotEqual(getpgid(child.pid), getpgrp())
        child.signal(SIGTERM)
        XCTAssertEqual(awaitExit(child), .signalled(SIGTERM))
        child.signal(SIGKILL) // reaped: does nothing (the pid may belong to someone else now)
    }

    func testAChildIsKilledWhenTheThreadThatSpawnedItEnds() throws {
        let spawned = Locked<ChildProcess?>(nil)
        let pipes = Locked<ChildPipes?>(nil)
        let thread = try WorkerThread(name: "spawner") {
            if let (child, ends) = try? ChildProcess.spawn(ChildCommand(["sleep", "30"])) {
                spawned.withLock { $0 = child }
                pipes.withLock { $0 = ends }
            }
        }
        thread.join()
        let child = try XCTUnwrap(spawned.current)
        defer { pipes.current.map(closeAll) }
        XCTAssertEqual(awaitExit(child), .signalled(SIGKILL), "PR_SET_PDEATHSIG fired when the spawning thread ended")
    }

    func testWhatTheChildLeftInItsGroupIsKilledWithIt() throws {
        // The shell starts a background sleep that holds stdout open, then exits.
        let (child, pipes) = try ChildProcess.spawn(ChildCommand(["sh", "-c", "sleep 30 & echo $!"]))
        defer { closeAll(pipes) }
        XCTAssertEqual(awaitExit(child), .exited(0))
        XCTAssertTrue(waitFor(pipes.stdout, POLLIN))
        let text = String(decoding: drain(pipes.stdout), as: UTF8.self)
        let straggler = try XCTUnwrap(Int32(text.split(separator: "\n").first ?? ""))
        // It was our grandchild: once killed it is a zombie until whoever adopted it reaps it.
        XCTAssertTrue(eventually { isGone(straggler) }, "the background sleep was killed")
    }

    func testSpawnErrorsNameTheStepAndTheReason() {
        func failure(_ command: ChildCommand) -> SpawnError? {
            do {
                let (_, pipes) = try ChildProcess.spawn(command)
                closeAll(pipes)
                return nil
            } catch {
                return error as? SpawnError
            }
        }
        let before = openDescriptors()
        defer { XCTAssertEqual(openDescriptors(), before, "failed spawns left no descriptor open") }
        let missing = failure(ChildCommand(["mcp-edge-no-such-program"]))
        XCTAssertEqual(missing?.step, .exec)
        XCTAssertEqual(missing?.errno, ENOENT)
        XCTAssertEqual(missing?.description, "cannot start \"mcp-edge-no-such-program\": No such file or directory (searched the child's PATH)")

        let directory = makeTemporaryDirectory()
        let plainFile = directory + "/not-a-program"
        writeFile(plainFile, "#!/bin/sh\n", mode: 0o644)
        defer { unlink(plainFile); rmdir(directory) }
        let notExecutable = failure(ChildCommand([plainFile]))
        XCTAssertEqual(notExecutable?.step, .exec)
        XCTAssertEqual(notExecutable?.errno, EACCES)
        XCTAssertEqual(failure(ChildCommand(["not-a-program"], environment: ["PATH": directory]))?.errno, EACCES,
                       "found but not executable: EACCES, as execvp says")

        let noDirectory = failure(ChildCommand(["true"], workingDirectory: "/nonexistent/dir"))
        XCTAssertEqual(noDirectory?.step, .workingDirectory("/nonexistent/dir"))
        XCTAssertEqual(noDirectory?.errno, ENOENT)

        XCTAssertEqual(failure(ChildCommand([]))?.step, .invalidCommand("the command is empty"))
        XCTAssertEqual(failure(ChildCommand(["true"], environment: ["A=B": "c"]))?.step,
                       .invalidCommand("an environment variable name is empty or contains '='"))
        XCTAssertEqual(failure(ChildCommand(["tr\0ue"]))?.step, .invalidCommand("the command contains a NUL byte"))
    }

    func testTheEnvironmentIsOursWithTheCommandsOnTop() {
        let command = ChildCommand(["x"], environment: ["PATH": "/opt/bin", "NEW": "1", "ALSO": "2"])
        let merged = command.childEnvironment(inheriting: ["HOME=/root", "PATH=/usr/bin", "EMPTY=", "ODD", "PATH=/dup"])
        XCTAssertEqual(merged, ["HOME=/root", "PATH=/opt/bin", "EMPTY=", "ODD", "ALSO=2", "NEW=1"])
        XCTAssertEqual(ChildCommand.searchPath(in: merged), "/opt/bin")
        XCTAssertNil(ChildCommand.searchPath(in: ["HOME=/root"]))
        XCTAssertEqual(ChildCommand(["x"]).childEnvironment(inheriting: ["A=1"]), ["A=1"])
    }
}
