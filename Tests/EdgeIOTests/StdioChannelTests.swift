import EdgeIO
import Glibc
import XCTest

final class StdioChannelTests: XCTestCase {
    // MARK: Lines

    func testEchoThroughCatSplitsLinesWhateverTheWrites() throws {
        let harness = try StdioHarness(ChildCommand(["cat"]))
        harness.write("hello\n")
        XCTAssertTrue(eventually { harness.recorder.current.lines == ["hello"] })

        // One line in many writes, each flushed in a batch of its own.
        for fragment in ["par", "tial", " li", "ne", "\n"] {
            harness.write(fragment)
            usleep(20_000)
        }
        XCTAssertTrue(eventually { harness.recorder.current.lines.count == 2 })
        XCTAssertEqual(harness.recorder.current.lines.last, "partial line")

        // Many lines in one write (cat hands them back in one or a few reads).
        let many = (0..<300).map { "line \($0)" }
        harness.write(many.joined(separator: "\n") + "\n")
        XCTAssertTrue(eventually { harness.recorder.current.lines.count == 302 })
        XCTAssertEqual(Array(harness.recorder.current.lines.dropFirst(2)), many)

        // CRLF endings lose their CR; empty lines are not messages.
        harness.write("crlf\r\n\n\nlast\n")
        XCTAssertTrue(eventually { harness.recorder.current.lines.count == 304 })
        XCTAssertEqual(harness.recorder.current.lines.suffix(2), ["crlf", "last"])

        // cat exits on stdin's end well within the grace period.
        harness.on { $0.shutdown(graceMilliseconds: 5_000) }
        XCTAssertEqual(harness.exitStatus(), .exited(0))
        XCTAssertEqual(harness.recorder.current.closes.count, 1)
        XCTAssertEqual(harness.on { $0.write(Array("late\n".utf8)) }, false, "input is refused after the exit")
        XCTAssertEqual(harness.on { $0.hasExited }, true)
    }

    func testStderrLinesGoToTheirOwnCallAndNeverToStdout() throws {
        let harness = try StdioHarness(ChildCommand(["sh", "-c", "echo oops >&2; echo out; printf 'no newline' >&2"]))
        XCTAssertEqual(harness.exitStatus(), .exited(0))
        let events = harness.recorder.current
        XCTAssertEqual(events.lines, ["out"])
        XCTAssertEqual(events.stderr.map(\.line), ["oops", "no newline"])
        XCTAssertEqual(events.stderr.map(\.truncated), [false, false])
        XCTAssertEqual(events.protocolErrors, [])
    }

    func testLongStderrLinesAreCut() throws {
        let limits = StdioChannel.Limits(maxStderrLineLength: 100)
        let harness = try StdioHarness(ChildCommand(["sh", "-c", "printf '%0300d\\n' 0 >&2; echo tail >&2"]), limits: limits)
        XCTAssertEqual(harness.exitStatus(), .exited(0))
        let stderr = harness.recorder.current.stderr
        XCTAssertEqual(stderr.map(\.line), [String(repeating: "0", count: 100), "tail"])
        XCTAssertEqual(stderr.map(\.truncated), [true, false])
    }

    func testOverlongStdoutLineIsReportedAndSkipped() throws {
        let limits = StdioChannel.Limits(maxLineLength: 64 * 1024)
        let harness = try StdioHarness(ChildCommand(["cat"]), limits: limits)
        // One over the limit in a single read, one spread over many reads (1 MiB through a 64 KiB pipe).
        harness.write("short\n" + String(repeating: "a", count: 64 * 1024 + 1) + "\nbetween\n")
        harness.write(String(repeating: "b", count: 1 << 20) + "\nafter\n")
        XCTAssertTrue(eventually { harness.recorder.current.lines.count == 3 })
        XCTAssertEqual(harness.recorder.current.lines, ["short", "between", "after"])
        XCTAssertEqual(harness.recorder.current.protocolErrors, [.lineTooLong(limit: 64 * 1024), .lineTooLong(limit: 64 * 1024)])
        harness.on { $0.kill() }
        XCTAssertEqual(harness.exitStatus(), .signalled(SIGKILL))
    }

    // MARK: The child's environment

    func testEnvironmentAndWorkingDirectoryReachTheChild() throws {
        let directory = makeTemporaryDirectory()
        defer { rmdir(directory) }
        let command = ChildCommand(["sh", "-c", "echo $FOO; echo $PATH; pwd"],
                                   environment: ["FOO": "bar baz"], workingDirectory: directory)
        let harness = try StdioHarness(command)
        XCTAssertEqual(harness.exitStatus(), .exited(0))
        let inheritedPath = String(cString: getenv("PATH"))
        XCTAssertEqual(harness.recorder.current.lines, ["bar baz", inheritedPath, directory])
    }

    func testTheProgramIsSearchedInTheChildsPath() throws {
        let directory = makeTemporaryDirectory()
        let program = directory + "/edge-probe"
        writeFile(program, "#!/bin/sh\necho found \"$@\"\n", mode: 0o755)
        defer { unlink(program); rmdir(directory) }
        let command = ChildCommand(["edge-probe", "it"], environment: ["PATH": directory + ":/usr/bin:/bin"])
        let harness = try StdioHarness(command)
        XCTAssertEqual(harness.exitStatus(), .exited(0))
        XCTAssertEqual(harness.recorder.current.lines, ["found it"])
    }

    func testTheChildInheritsOnlyDescriptorsZeroToTwo() throws {
        // A descriptor deliberately left inheritable, and a listening socket: neither may leak.
        let leaky = open("/dev/null", O_RDONLY)
        XCTAssertGreaterThan(leaky, 2)
        defer { Glibc.close(leaky) }
        let listener = try Socket.listen(SocketAddress(host: "127.0.0.1", port: 0), reusePort: false)
        defer { Glibc.close(listener) }

        let harness = try StdioHarness(ChildCommand(["ls", "-l", "/proc/self/fd"]))
        XCTAssertEqual(harness.exitStatus(), .exited(0))
        var targets: [Int32: String] = [:]
        for line in harness.recorder.current.lines {
            guard let arrow = line.range(of: " -> ") else { continue }
            let number = line[..<arrow.lowerBound].split(separator: " ").last.flatMap { Int32($0) }
            if let number { targets[number] = String(line[arrow.upperBound...]) }
        }
        // ls's own handle on the directory it lists is the one other entry allowed.
        let others = targets.filter { $0.key > 2 && !$0.value.hasPrefix("/proc/") }
        XCTAssertEqual(others, [:], "descriptors leaked into the child")
        XCTAssertEqual(targets.filter { $0.key <= 2 }.keys.sorted(), [0, 1, 2])
        XCTAssertTrue(targets.filter { $0.key <= 2 }.values.allSatisfy { $0.hasPrefix("pipe:") }, "\(targets)")
    }

    // MARK: Exit

    func testExitStatusIsReportedOnceWithPidfd() throws {
        try checkExitThree(pidfd: true)
    }

    func testExitStatusIsReportedOnceByPolling() throws {
        try checkExitThree(pidfd: false)
    }

    private func checkExitThree(pidfd: Bool) throws {
        let harness = try StdioHarness(ChildCommand(["sh", "-c", "exit 3"]), pidfd: pidfd)
        XCTAssertEqual(harness.exitStatus(), .exited(3))
        usleep(200_000)
        XCTAssertEqual(harness.recorder.current.exits, [.exited(3)])
        XCTAssertEqual(harness.recorder.current.closes.count, 1)
        XCTAssertEqual(harness.on { $0.process.exitStatus }, .exited(3))
    }

    func testKillReportsTheSignal() throws {
        let harness = try StdioHarness(ChildCommand(["sleep", "30"]))
        harness.on { $0.kill() }
        XCTAssertEqual(harness.exitStatus(), .signalled(SIGKILL))
        XCTAssertEqual(harness.recorder.current.closes.count, 1)
    }

    func testChildClosingItsStdinIsReportedOnceBeforeTheExit() throws {
        let harness = try StdioHarness(ChildCommand(["sh", "-c", "exec 0<&-; sleep 1"]))
        XCTAssertTrue(eventually { !harness.recorder.current.closes.isEmpty })
        XCTAssertEqual(harness.recorder.current.closes, [.inputClosedByChild])
        XCTAssertTrue(harness.recorder.current.exits.isEmpty, "sleep is still running")
        XCTAssertEqual(harness.on { $0.write(Array("x\n".utf8)) }, false)
        XCTAssertEqual(harness.exitStatus(), .exited(0))
        XCTAssertEqual(harness.recorder.current.closes, [.inputClosedByChild])
    }

    // MARK: Shutdown

    func testShutdownSendsSIGTERMToAChildThatIgnoresStdinsEnd() throws {
        let harness = try StdioHarness(ChildCommand(["sleep", "30"]))
        harness.on { $0.shutdown(graceMilliseconds: 100) }
        XCTAssertEqual(harness.exitStatus(), .signalled(SIGTERM))
    }

    func testShutdownKillsAChildThatIgnoresStdinsEndAndSIGTERM() throws {
        let harness = try StdioHarness(ChildCommand(["sh", "-c", "trap '' TERM; echo ready; sleep 30"]))
        XCTAssertTrue(eventually { harness.recorder.current.lines == ["ready"] }, "the trap is set")
        let started = monotonicMilliseconds()
        harness.on { $0.shutdown(graceMilliseconds: 200) }
        XCTAssertEqual(harness.exitStatus(), .signalled(SIGKILL))
        let elapsed = monotonicMilliseconds() - started
        XCTAssertGreaterThanOrEqual(elapsed, 300, "two grace periods passed first")
        XCTAssertLessThan(elapsed, 5_000)
    }

    // MARK: Spawn failures

    func testACommandThatIsNotFoundIsASpawnError() throws {
        let running = try RunningLoop()
        let loop = running.loop
        let before = openDescriptors()
        let outcome: Result<StdioChannel, Error>? = running.sync {
            Result { try StdioChannel.spawn(ChildCommand(["mcp-edge-no-such-program", "--flag"]), on: loop) }
        }
        guard case .failure(let error)? = outcome else { return XCTFail("spawned: \(String(describing: outcome))") }
        let spawnError = try XCTUnwrap(error as? SpawnError)
        XCTAssertEqual(spawnError.step, .exec)
        XCTAssertEqual(spawnError.errno, ENOENT)
        XCTAssertTrue("\(spawnError)".contains("mcp-edge-no-such-program"), "\(spawnError)")
        XCTAssertTrue("\(spawnError)".contains("No such file or directory"), "\(spawnError)")
        running.stop()
        XCTAssertEqual(openDescriptors(), before, "the failed spawn left no descriptor open")
    }

    // MARK: Backpressure

    func testSeveralMegabytesThroughCatWithBackpressure() throws {
        let limits = StdioChannel.Limits(inputHighWater: 256 * 1024)
        let harness = try StdioHarness(ChildCommand(["cat"]), limits: limits)
        let lineCount = 8 * 1024
        let filler = String(repeating: "x", count: 1000)
        let state = Locked((sent: 0, received: 0, misordered: 0, peakQueued: 0))
        let recorder = harness.recorder
        recorder.keepLines = false
        recorder.onLine = { _, line in
            let expected = Array("\(state.current.received):".utf8)
            let matches = line.count == expected.count + filler.utf8.count && line.starts(with: expected)
            state.withLock { $0.received += 1; if !matches { $0.misordered += 1 } }
        }
        let pump: (StdioChannel) -> Void = { channel in
            while channel.isWritable && state.current.sent < lineCount {
                let index = state.current.sent
                channel.write(Array("\(index):\(filler)\n".utf8))
                state.withLock { $0.sent += 1; $0.peakQueued = max($0.peakQueued, channel.pendingInputBytes) }
            }
        }
        recorder.onDrain = pump
        harness.on(pump)
        XCTAssertTrue(eventually { state.current.received == lineCount }, "received \(state.current.received)")
        let result = state.current
        XCTAssertEqual(result.misordered, 0)
        XCTAssertGreaterThan(recorder.current.drains, 0, "the high-water mark was reached and drained")
        XCTAssertLessThan(result.peakQueued, 256 * 1024 + 1100)
        harness.on { $0.shutdown(graceMilliseconds: 5_000) }
        XCTAssertEqual(harness.exitStatus(), .exited(0))
    }
}

func monotonicMilliseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec) / 1_000_000
}
