/// A timeout owned by one connection and armed again and again: arming it later than it is
/// already armed, or disarming it, only stores the new deadline (no list work), so refreshing
/// an idle timeout on every request costs one store.
public final class LoopTimer {
    /// Absolute deadline in loop milliseconds; 0 when disarmed.
    public internal(set) var deadline: UInt64 = 0
    /// Runs on the loop's thread when the deadline passes. Settable so that an owner can keep
    /// its timer in a `let` (no retain per access, unlike a `lazy var`) and point the action at
    /// itself once initialised.
    public var action: () -> Void
    var linkedTick: UInt64 = 0
    var isLinked = false
    var next: LoopTimer?
    unowned(unsafe) var previous: LoopTimer?

    /// `action` runs on the loop's thread when the deadline passes.
    public init(_ action: @escaping () -> Void = {}) {
        self.action = action
    }

    public var isArmed: Bool { deadline != 0 }
}

/// A hashed timing wheel: 1024 slots of `tickMilliseconds`. Timers further away than one
/// rotation stay in their slot and are looked at again on the next pass.
final class TimerWheel {
    static let slotCount = 1024
    let tickMilliseconds: UInt64
    private var slots: [LoopTimer?]
    private var currentTick: UInt64
    private(set) var linkedCount = 0
    private var expired: [LoopTimer] = []

    init(now: UInt64, tickMilliseconds: UInt64 = 100) {
        self.tickMilliseconds = tickMilliseconds
        slots = Array(repeating: nil, count: TimerWheel.slotCount)
        currentTick = now / tickMilliseconds
    }

    func arm(_ timer: LoopTimer, deadline: UInt64) {
        timer.deadline = Swift.max(deadline, 1)
        let tick = Swift.max(timer.deadline / tickMilliseconds, currentTick + 1)
        if timer.isLinked {
            // Still in a slot at or before its new tick: the walk finds it there and moves it on.
            if tick >= timer.linkedTick { return }
            unlink(timer)
        }
        link(timer, tick: tick)
    }

    /// Clears the deadline and leaves the timer in its slot, where the walk drops it unless an
    /// `arm` reuses it first: a connection that disarms and re-arms its timeout on every
    /// request does no list work (and no reference counting) for it.
    func disarm(_ timer: LoopTimer) {
        timer.deadline = 0
    }

    /// Clears the deadline and takes the timer out of the wheel at once (its owner is closing).
    func cancel(_ timer: LoopTimer) {
        timer.deadline = 0
        if timer.isLinked { unlink(timer) }
    }

    /// Fires every timer whose deadline is at or before `now`.
    func advance(to now: UInt64) {
        let target = now / tickMilliseconds
        guard target > currentTick else { return }
        let last = Swift.min(target, currentTick + UInt64(TimerWheel.slotCount))
        var tick = currentTick + 1
        while tick <= last {
            var node = slots[Int(tick % UInt64(TimerWheel.slotCount))]
            while let timer = node {
                node = timer.next
                if timer.deadline == 0 {
                    unlink(timer)
                } else if timer.deadline <= now {
                    unlink(timer)
                    expired.append(timer)
                } else {
                    // Not due yet. A deadline later inside the tick being reached goes to the
                    // next tick: this slot is not walked again for a whole rotation.
                    unlink(timer)
                    link(timer, tick: Swift.max(timer.deadline / tickMilliseconds, target + 1))
                }
            }
            tick += 1
        }
        currentTick = target
        // Fire after the walk: an action may arm or disarm other timers of the same slot.
        for timer in expired where timer.deadline != 0 && !timer.isLinked {
            timer.deadline = 0
            timer.action()
        }
        expired.removeAll(keepingCapacity: true)
    }

    private func link(_ timer: LoopTimer, tick: UInt64) {
        let slot = Int(tick % UInt64(TimerWheel.slotCount))
        timer.linkedTick = tick
        timer.isLinked = true
        timer.previous = nil
        timer.next = slots[slot]
        slots[slot]?.previous = timer
        slots[slot] = timer
        linkedCount += 1
    }

    private func unlink(_ timer: LoopTimer) {
        let slot = Int(timer.linkedTick % UInt64(TimerWheel.slotCount))
        if let previous = timer.previous {
            previous.next = timer.next
        } else {
            slots[slot] = timer.next
        }
        timer.next?.previous = timer.previous
        timer.next = nil
        timer.previous = nil
        timer.isLinked = false
        linkedCount -= 1
    }
}
