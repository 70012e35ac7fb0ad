import EdgeIO
import Glibc
import XCTest

/// Records what a `StdioChannel` reports (on the loop thread) for the test thread to read, and
/// lets a test react on the loop thread.
final class StdioRecorder: StdioChannelDelegate {
    struct Events {
        var lines: [String] = []
        var stderr: [(line: String, truncated: Bool)] = []
        var protocolErrors: [StdioProtocolError] = []
        var drains = 0
        var closes: [StdioChannel.CloseReason] = []
        var exits: [ExitStatus] = []
    }

    let events = Locked(Events())
    /// Keep the lines themselves (off for bulk transfers, which count in `onLine`).
    var keepLines = true
    var onLine: ((StdioChannel, ByteView) -> Void)?
    var onDrain: ((StdioChannel) -> Void)?

    var current: Events { events.current }

    func stdioChannel(_ channel: StdioChannel, didReadLine line: ByteView) {
        if keepLines {
            let text = String(decoding: line, as: UTF8.self)
            events.withLock { $0.lines.append(text) }
        }
        onLine?(channel, line)
    }

    func stdioChannel(_ channel: StdioChannel, didReadStderrLine line: ByteView, truncated: Bool) {
        let text = String(decoding: line, as: UTF8.self)
        events.withLock { $0.stderr.append((text, truncated)) }
    }

    func stdioChannel(_ channel: StdioChannel, didHitProtocolError error: StdioProtocolError) {
        events.withLock { $0.protocolErrors.append(error) }
    }

    func stdioChannelDidDrainInput(_ channel: StdioChannel) {
        events.withLock { $0.drains += 1 }
        onDrain?(channel)
    }

    func stdioChannel(_ channel: StdioChannel, didClose reason: StdioChannel.CloseReason) {
        events.withLock { $0.closes.append(reason) }
    }

    func stdioChannel(_ channel: StdioChannel, didExit status: ExitStatus) {
        events.withLock { $0.exits.append(status) }
    }
}

/// One child driven by a `StdioChannel` on a loop of its own. The channel lives on the loop's
/// thread: tests reach it through `on`, and it is released there.
final class StdioHarness {
    let running: RunningLoop
    let recorder = StdioRecorder()
    private var channel: StdioChannel?

    init(_ command: ChildCommand, limits: StdioChannel.Limits = StdioChannel.Limits(), pidfd: Bool = true) throws {
        running = try RunningLoop()
        let loop = running.loop
        let recorder = self.recorder
        let made: Result<StdioChannel, Error>? = running.sync {
            Result {
                let (process, pipes) = try ChildProcess.spawn(command)
                return try StdioChannel(process: process, pipes: pipes, loop: loop, limits: limits,
                                        delegate: recorder, watchExitWithPidfd: pidfd)
            }
        }
        channel = try XCTUnwrap(made).get()
    }

    /// Runs `body` with the channel on the loop's thread.
    @discardableResult
    func on<T>(_ body: @escaping (StdioChannel) -> T) -> T? {
        running.sync { [self] in body(channel!) }
    }

    func write(_ text: String) {
        on { $0.write(Array(text.utf8)) }
    }

    /// Waits until the child has exited and returns how.
    func exitStatus() -> ExitStatus? {
        guard eventually({ !recorder.current.exits.isEmpty }) else { return nil }
        return recorder.current.exits.first
    }

    func close() {
        running.sync { [self] in channel = nil }
        running.stop()
    }

    deinit { close() }
}

/// The descriptors open in this process right now.
func openDescriptors() -> Set<Int32> {
    var found = Set<Int32>()
    guard let directory = opendir("/proc/self/fd") else { return found }
    let own = dirfd(directory)
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if let fd = Int32(name), fd != own { found.insert(fd) }
    }
    closedir(directory)
    return found
}

/// A fresh directory under /tmp.
func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/edgeio-test-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "mkdtemp failed: \(errno)")
    return String(cString: template)
}

/// Writes `text` to `path` with the given mode.
func writeFile(_ path: String, _ text: String, mode: mode_t = 0o644) {
    let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, mode)
    precondition(fd >= 0, "open \(path) failed: \(errno)")
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    Glibc.close(fd)
    chmod(path, mode)
}
