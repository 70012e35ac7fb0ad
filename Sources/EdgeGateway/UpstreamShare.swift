/// How many upstream connections one client connection holds at once
/// (`limits.max_upstream_connections_per_client`). An HTTP/2 client may open a hundred streams;
/// past its share they wait here in arrival order, so that one client never takes a backend's
/// whole pool from the others. A request holds its place from the moment it asks for a
/// connection (waiting in the pool's queue included) until its response ends or fails.
/// Owned by one client connection, on its worker's loop.
final class UpstreamShare {
    let limit: Int
    private(set) var held = 0
    /// Requests waiting their turn; `head` is the next (a queue without shifting).
    private var waiting: [Exchange] = []
    private var head = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes a place if one is free.
    func take() -> Bool {
        guard held < limit else { return false }
        held += 1
        return true
    }

    /// Queues a request until a place is free (it is dispatched by `give`).
    func wait(_ exchange: Exchange) {
        waiting.append(exchange)
    }

    /// A place was given back: it goes straight to the next request still waiting.
    func give() {
        held -= 1
        while head < waiting.count {
            let next = waiting[head]
            head += 1
            compact()
            if next.isWaitingTurn {
                held += 1
                next.takeTurn()
                return
            }
        }
    }

    private func compact() {
        if head == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 64 && head * 2 > waiting.count {
            waiting.removeFirst(head)
            head = 0
        }
    }

    /// Forgets every waiting request (the client connection is closing).
    func clear() {
        waiting.removeAll()
        head = 0
    }
}
