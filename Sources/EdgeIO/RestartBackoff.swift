/// How long to wait before starting a crashed child again: exponential (100 ms, 200 ms, …) up to
/// a maximum (30 s), back to the first step once a child stayed up long enough (60 s) to count
/// as healthy. Optional jitter takes up to `jitterPercent` off each delay so that many workers
/// restarting the same server do not do it in step. A value owned by one supervisor; no clock.
public struct RestartBackoff: Equatable {
    public let initialMilliseconds: UInt64
    public let maximumMilliseconds: UInt64
    /// An uptime at least this long resets the sequence.
    public let stableMilliseconds: UInt64
    /// 0…100: how much of a delay jitter may take away.
    public let jitterPercent: UInt64
    /// Restarts since the last reset.
    public private(set) var attempts = 0

    public init(initialMilliseconds: UInt64 = 100, maximumMilliseconds: UInt64 = 30_000,
                stableMilliseconds: UInt64 = 60_000, jitterPercent: UInt64 = 0) {
        self.initialMilliseconds = max(initialMilliseconds, 1)
        self.maximumMilliseconds = max(maximumMilliseconds, self.initialMilliseconds)
        self.stableMilliseconds = stableMilliseconds
        self.jitterPercent = min(jitterPercent, 100)
    }

    /// The delay before the next start, for a child that ran `uptimeMilliseconds` before it
    /// exited (0 for one that failed to start); counts the attempt.
    public mutating func delay(afterUptime uptimeMilliseconds: UInt64) -> UInt64 {
        var generator = SystemRandomNumberGenerator()
        return delay(afterUptime: uptimeMilliseconds, using: &generator)
    }

    /// As `delay(afterUptime:)`, drawing the jitter from `generator` (tests pass a fixed one).
    public mutating func delay<G: RandomNumberGenerator>(afterUptime uptimeMilliseconds: UInt64, using generator: inout G) -> UInt64 {
        if uptimeMilliseconds >= stableMilliseconds { attempts = 0 }
        let full = undisturbedDelay
        attempts += 1
        guard jitterPercent > 0 else { return full }
        let spread = full * jitterPercent / 100
        return full - UInt64.random(in: 0...spread, using: &generator)
    }

    /// The next delay without jitter and without counting it.
    public var undisturbedDelay: UInt64 {
        // 40 doublings of 1 ms already pass any sensible maximum; the cap keeps the shift in range.
        let doublings = min(attempts, 40)
        let (scaled, overflow) = initialMilliseconds.multipliedReportingOverflow(by: 1 << UInt64(doublings))
        return overflow ? maximumMilliseconds : min(scaled, maximumMilliseconds)
    }

    /// Forgets past failures (an operator restarted the backend by hand).
    public mutating func reset() { attempts = 0 }
}
