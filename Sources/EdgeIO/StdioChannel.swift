import Glibc

/// Drives one child process's stdio on an event loop, for a stdio MCP backend: stdout split into
/// lines (newline-delimited JSON-RPC) for the delegate, stderr lines for the log (never parsed),
/// stdin writes queued and flushed as the pipe takes them, the child's exit watched without
/// blocking (a pidfd in the loop, else a polling timer), and a shutdown that escalates from
/// closing stdin to SIGTERM to SIGKILL.
///
/// Created, used and released on its loop's thread, which should be the thread that spawned
/// the child (`spawn(_:on:limits:delegate:)` does): PR_SET_PDEATHSIG ties the child's life to it.
/// Releasing a channel whose child still runs kills the child and reaps it (`ChildProcess`).
public final class StdioChannel: Flushable {
    /// Sizes that bound the memory one child can make the channel hold.
    public struct Limits {
        /// Longest stdout line (one JSON-RPC message) in bytes; longer ones are dropped.
        public var maxLineLength: Int
        /// Longest stderr line kept; longer ones are cut.
        public var maxStderrLineLength: Int
        /// Queued input at which `isWritable` turns false (backpressure).
        public var inputHighWater: Int
        /// Bytes asked for per read.
        public var readSize: Int

        public init(maxLineLength: Int = 16 << 20, maxStderrLineLength: Int = 4096,
                    inputHighWater: Int = 1 << 20, readSize: Int = 64 << 10) {
            self.maxLineLength = max(maxLineLength, 1)
            self.maxStderrLineLength = max(maxStderrLineLength, 1)
            self.inputHighWater = max(inputHighWater, 1)
            self.readSize = max(readSize, 512)
        }
    }

    /// Why the channel stopped taking input (`StdioChannelDelegate.stdioChannel(_:didClose:)`).
    public enum CloseReason: Equatable {
        /// The child closed its stdout.
        case endOfOutput
        /// The child closed its stdin (EPIPE, or the pipe reported its reader gone).
        case inputClosedByChild
        case readFailed(Int32)
        case writeFailed(Int32)
        /// The child exited before either pipe said so.
        case exited
    }

    /// Exit polling period where pidfd_open is missing.
    static let exitPollMilliseconds: UInt64 = 100

    public let process: ChildProcess
    public let limits: Limits
    /// The loop's clock when the channel took the child over: its uptime, for `RestartBackoff`,
    /// is `loop.now - startedAt`.
    public let startedAt: UInt64
    public weak var delegate: StdioChannelDelegate?
    public var flushQueued = false
    /// True once `didClose` was reported: input is refused.
    public private(set) var isClosed = false
    /// True once `didExit` was reported: every descriptor is closed.
    public private(set) var hasExited = false

    private let loop: EventLoop
    private var stdinFD: Int32
    private var stdoutFD: Int32
    private var stderrFD: Int32
    private var exitFD: Int32 = -1
    private var output: LineFramer
    private var errors: LineFramer
    private var input = ByteBuffer()
    private var inputOverHighWater = false
    private var closeInputWhenFlushed = false
    private let escalation = LoopTimer()
    private let exitPoll = LoopTimer()
    /// The signal the escalation timer sends next (0: none).
    private var nextSignal: Int32 = 0
    private var grace: UInt64 = 0

    /// Spawns `command` on the calling thread (the loop's) and drives it on `loop`.
    public static func spawn(_ command: ChildCommand, on loop: EventLoop, limits: Limits = Limits(),
                             delegate: StdioChannelDelegate? = nil) throws -> StdioChannel {
        let (process, pipes) = try ChildProcess.spawn(command)
        return try StdioChannel(process: process, pipes: pipes, loop: loop, limits: limits, delegate: delegate)
    }

    /// Takes over `pipes` (closing them when done) and registers them with `loop`.
    /// `watchExitWithPidfd: false` forces the polling fallback (tests).
    public init(process: ChildProcess, pipes: ChildPipes, loop: EventLoop, limits: Limits = Limits(),
                delegate: StdioChannelDelegate? = nil, watchExitWithPidfd: Bool = true) throws {
        self.process = process
        self.loop = loop
        self.limits = limits
        self.delegate = delegate
        startedAt = loop.now
        stdinFD = pipes.stdin
        stdoutFD = pipes.stdout
        stderrFD = pipes.stderr
        output = LineFramer(maxLength: limits.maxLineLength, truncates: false, initialCapacity: limits.readSize)
        errors = LineFramer(maxLength: limits.maxStderrLineLength, truncates: true, initialCapacity: 4096)
        escalation.action = { [weak self] in self?.escalate() }
        exitPoll.action = { [weak self] in self?.checkExit() }
        if watchExitWithPidfd, let fd = process.openExitDescriptor() { exitFD = fd }
        // On a failed registration deinit closes everything and ChildProcess's deinit kills the child.
        try loop.register(stdoutFD, StdioWatch(self, .stdout))
        try loop.register(stderrFD, StdioWatch(self, .stderr))
        try loop.register(stdinFD, StdioWatch(self, .stdin))
        if exitFD >= 0 {
            try loop.register(exitFD, StdioWatch(self, .exit))
        } else {
            loop.arm(exitPoll, in: StdioChannel.exitPollMilliseconds)
        }
    }

    deinit { closeDescriptors() }

    public var pid: Int32 { process.pid }

    // MARK: Input

    /// Queued input not yet taken by the pipe.
    public var pendingInputBytes: Int { input.readableBytes }

    /// Whether to write more now: false once the queue reached `limits.inputHighWater` (until
    /// `stdioChannelDidDrainInput`) or input is closed.
    public var isWritable: Bool { acceptsInput && input.readableBytes < limits.inputHighWater }

    private var acceptsInput: Bool { stdinFD >= 0 && !closeInputWhenFlushed && !isClosed }

    /// Queues bytes for the child's stdin (the caller adds each message's newline); written at
    /// the end of this event batch. False when input is closed (the bytes are dropped).
    @discardableResult
    public func write(_ bytes: ByteView) -> Bool {
        guard acceptsInput else { return false }
        input.write(bytes)
        inputQueued()
        return true
    }

    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        guard acceptsInput else { return false }
        input.write(contentsOf: bytes)
        inputQueued()
        return true
    }

    @discardableResult
    public func write(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard acceptsInput else { return false }
        input.write(contentsOf: bytes)
        inputQueued()
        return true
    }

    private func inputQueued() {
        if input.readableBytes >= limits.inputHighWater { inputOverHighWater = true }
        loop.queueFlush(self)
    }

    /// Closes the child's stdin (its EOF) once the queued input is written.
    public func closeInput() {
        guard stdinFD >= 0 else { return }
        if input.isEmpty {
            closeStdin()
        } else {
            closeInputWhenFlushed = true
            loop.queueFlush(self)
        }
    }

    /// Writes queued input until the pipe is full (then the writable event calls it again).
    public func flush() {
        guard stdinFD >= 0 else { return }
        while !input.isEmpty {
            switch PipeIO.write(stdinFD, from: input) {
            case .count(let n):
                input.moveReaderIndex(forwardBy: n)
            case .wouldBlock:
                reportDrainIfLow()
                return
            case .closed:
                reportClose(.inputClosedByChild)
                return
            case .failed(let error):
                reportClose(.writeFailed(error))
                return
            }
        }
        if input.capacity > 4 * limits.readSize { input = ByteBuffer() }
        if closeInputWhenFlushed { closeStdin() }
        reportDrainIfLow()
    }

    private func reportDrainIfLow() {
        guard inputOverHighWater, input.readableBytes <= limits.inputHighWater / 2, acceptsInput else { return }
        inputOverHighWater = false
        delegate?.stdioChannelDidDrainInput(self)
    }

    // MARK: Ending

    /// Ends the child gently: closes stdin after the queued input so that it can exit by itself,
    /// sends SIGTERM (to its process group) if it still runs `graceMilliseconds` later, and
    /// SIGKILL after as long again. The exit is reported as usual. Later calls do nothing.
    public func shutdown(graceMilliseconds: UInt64) {
        guard process.exitStatus == nil, nextSignal == 0 else { return }
        closeInput()
        grace = graceMilliseconds
        nextSignal = SIGTERM
        loop.arm(escalation, in: graceMilliseconds)
    }

    /// Sends SIGKILL to the child's process group now; the exit is reported as usual.
    public func kill() {
        process.signal(SIGKILL)
    }

    private func escalate() {
        guard process.exitStatus == nil, nextSignal > 0 else { return }
        process.signal(nextSignal)
        if nextSignal == SIGTERM {
            nextSignal = SIGKILL
            loop.arm(escalation, in: grace)
        } else {
            nextSignal = -1
        }
    }

    private func checkExit() {
        guard !hasExited else { return }
        guard let status = process.pollExit() else {
            if exitFD < 0 { loop.arm(exitPoll, in: StdioChannel.exitPollMilliseconds) }
            return
        }
        // What the child wrote before it exited is in the pipes: deliver it first.
        readOutput()
        readErrors()
        reportClose(.exited)
        hasExited = true
        closeDescriptors()
        delegate?.stdioChannel(self, didExit: status)
    }

    private func reportClose(_ reason: CloseReason) {
        guard !isClosed else { return }
        isClosed = true
        input.clear()
        closeStdin()
        delegate?.stdioChannel(self, didClose: reason)
    }

    private func closeStdin() {
        guard stdinFD >= 0 else { return }
        loop.close(stdinFD)
        stdinFD = -1
    }

    private func closeDescriptors() {
        closeStdin()
        if stdoutFD >= 0 { loop.close(stdoutFD); stdoutFD = -1 }
        if stderrFD >= 0 { loop.close(stderrFD); stderrFD = -1 }
        if exitFD >= 0 { loop.close(exitFD); exitFD = -1 }
        loop.cancel(escalation)
        loop.cancel(exitPoll)
    }

    // MARK: Output

    fileprivate func handle(_ stream: StdioWatch.Stream, _ events: IOEvents) {
        switch stream {
        case .stdout: readOutput()
        case .stderr: readErrors()
        case .stdin:
            if events.contains(.hangup) && input.isEmpty {
                reportClose(.inputClosedByChild)
            } else {
                flush()
            }
        case .exit: checkExit()
        }
    }

    /// Reads stdout until the pipe is empty (edge-triggered), delivering each line.
    private func readOutput() {
        while stdoutFD >= 0 {
            output.reserve(limits.readSize)
            switch PipeIO.read(stdoutFD, into: &output.buffer) {
            case .count:
                deliverOutput(atEnd: false)
            case .wouldBlock:
                output.shrink(to: limits.readSize)
                return
            case .closed:
                deliverOutput(atEnd: true)
                loop.close(stdoutFD)
                stdoutFD = -1
                reportClose(.endOfOutput)
            case .failed(let error):
                loop.close(stdoutFD)
                stdoutFD = -1
                reportClose(.readFailed(error))
            }
        }
    }

    private func deliverOutput(atEnd: Bool) {
        while stdoutFD >= 0, let item = output.next(atEnd: atEnd) {
            switch item {
            case .line(let range, _):
                // A copy sharing the storage: the delegate may call back into the channel.
                let bytes = output.buffer
                bytes.withView(range) { delegate?.stdioChannel(self, didReadLine: $0) }
            case .overlong:
                delegate?.stdioChannel(self, didHitProtocolError: .lineTooLong(limit: limits.maxLineLength))
            }
        }
    }

    /// Reads stderr until the pipe is empty; its end or failure is not reported (stdout's is).
    private func readErrors() {
        while stderrFD >= 0 {
            errors.reserve(4096)
            let result = PipeIO.read(stderrFD, into: &errors.buffer)
            let atEnd: Bool
            switch result {
            case .count: atEnd = false
            case .wouldBlock: return
            case .closed, .failed: atEnd = true
            }
            while stderrFD >= 0, let item = errors.next(atEnd: atEnd) {
                if case .line(let range, let truncated) = item {
                    let bytes = errors.buffer
                    bytes.withView(range) { delegate?.stdioChannel(self, didReadStderrLine: $0, truncated: truncated) }
                }
            }
            if atEnd && stderrFD >= 0 {
                loop.close(stderrFD)
                stderrFD = -1
            }
        }
    }
}

/// Routes a loop event on one of a channel's descriptors to the channel (one descriptor per
/// handler); holds the channel weakly, as the loop holds the handler.
private final class StdioWatch: IOHandler {
    enum Stream { case stdin, stdout, stderr, exit }

    weak var channel: StdioChannel?
    let stream: Stream

    init(_ channel: StdioChannel, _ stream: Stream) {
        self.channel = channel
        self.stream = stream
    }

    func handle(_ events: IOEvents) { channel?.handle(stream, events) }
}
