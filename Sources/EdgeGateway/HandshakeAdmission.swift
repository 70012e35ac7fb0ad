import EdgeIO

/// Something holding a place in `HandshakeAdmission`: a client connection in its TLS handshake.
protocol HandshakeSlotHolder: AnyObject {
    /// Gives up the place by closing the connection (it must call `HandshakeAdmission.leave`).
    func evictFromHandshakeSlot()
}

/// One place in `HandshakeAdmission`, in order of admission.
final class HandshakeSlot {
    let admittedAt: UInt64
    unowned(unsafe) let holder: HandshakeSlotHolder
    fileprivate var newer: HandshakeSlot?
    fileprivate unowned(unsafe) var older: HandshakeSlot?
    fileprivate var isAdmitted = true

    fileprivate init(holder: HandshakeSlotHolder, admittedAt: UInt64) {
        self.holder = holder
        self.admittedAt = admittedAt
    }
}

/// Bounds the client TLS handshakes one worker has in progress (`limits.max_pending_handshakes`).
///
/// A handshake holds about 50 KiB of OpenSSL state until the client's last flight arrives.
/// Starting every connection of a burst at once interleaves all their handshakes: each one
/// finishes later, and memory peaks at the whole burst. With a bound, the rest of the burst
/// waits in the kernel's accept queue, where it costs nothing, and is served in order.
///
/// Clients that stall their handshake must not hold every place: when the set is full and its
/// oldest handshake has run for `stallAfter` milliseconds, that one is evicted (closed) and its
/// place goes to the next connection. One worker's loop owns it: no lock.
final class HandshakeAdmission {
    let limit: Int
    let stallAfter: UInt64
    private(set) var count = 0
    private var oldest: HandshakeSlot?
    private unowned(unsafe) var newest: HandshakeSlot?

    init(limit: Int, stallAfter: UInt64 = 1_000) {
        self.limit = max(1, limit)
        self.stallAfter = stallAfter
    }

    enum Room: Equatable {
        case available
        /// Full; ask again at this loop time (when the oldest handshake counts as stalled), or
        /// earlier when one leaves.
        case full(until: UInt64)
    }

    /// Whether a new handshake may start at `now`. When the set is full and its oldest
    /// handshake has stalled, evicts that one to make room.
    func makeRoom(now: UInt64) -> Room {
        guard count >= limit else { return .available }
        guard let oldest else { return .available }
        let stalledAt = oldest.admittedAt &+ stallAfter
        guard now >= stalledAt else { return .full(until: stalledAt) }
        oldest.holder.evictFromHandshakeSlot()
        leave(oldest)  // in case the holder did not
        return .available
    }

    /// Evicts every handshake in progress (draining: none of them has sent a request yet).
    func evictAll() {
        while let oldest {
            oldest.holder.evictFromHandshakeSlot()
            leave(oldest)  // in case the holder did not
        }
    }

    /// Takes a place for `holder` (after `makeRoom` said there is one).
    func admit(_ holder: HandshakeSlotHolder, now: UInt64) -> HandshakeSlot {
        let slot = HandshakeSlot(holder: holder, admittedAt: now)
        if let newest {
            newest.newer = slot
            slot.older = newest
        } else {
            oldest = slot
        }
        newest = slot
        count += 1
        return slot
    }

    /// Gives a place back (the handshake finished or failed). Leaving twice is harmless.
    func leave(_ slot: HandshakeSlot) {
        guard slot.isAdmitted else { return }
        slot.isAdmitted = false
        if let older = slot.older { older.newer = slot.newer } else { oldest = slot.newer }
        if let newer = slot.newer { newer.older = slot.older } else { newest = slot.older }
        slot.newer = nil
        slot.older = nil
        count -= 1
    }
}
