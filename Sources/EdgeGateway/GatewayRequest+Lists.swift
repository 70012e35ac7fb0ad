import MCPGateway
import MCPWire

/// Pages gathered from the backends for one merged list.
final class ListFanOut {
    /// The pages as bytes (merged by splicing, `Catalog.mergeRaw`).
    var pages: [Catalog.RawPage] = []
    /// The pages as trees, for `Catalog.merge` when `mergeRaw` declines.
    var parsedPages: [Catalog.Page] {
        pages.compactMap { page in
            guard case .object(let result)? = JSONValue.parse(page.message[page.result]) else { return nil }
            return Catalog.Page(server: page.server, result: result)
        }
    }
    var unavailable: [Int] = []
    /// Backends with more pages, and their cursors.
    var more: [(server: Int, cursor: [UInt8])] = []
    var waiting: Set<Int> = []
}

/// Merged lists: every backend's page (or the ones a cursor names), merged in route order.
extension GatewayRequest {
    /// Ties a cursor to its route (a cursor from another route is refused).
    var routeTag: UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in route.path.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return hash
    }

    func list(_ kind: ListKind) {
        var wanted: [(server: Int, cursor: [UInt8]?)] = []
        if let range = fields.cursor, MessageScanner.kind(of: range, in: body[...]) != .null {
            guard MessageScanner.kind(of: range, in: body[...]) == .string, let text = JSONString.decode(body[range]),
                  let cursor = context.decodeCursor(text[...]), cursor.routeTag == routeTag, cursor.method == kind.rawValue else {
                return respondError(code: -32602, message: "Invalid params: the cursor is not one this route issued")
            }
            for page in cursor.pending {
                guard let server = catalog.serverIndex(page.server) else { continue }
                wanted.append((server, page.cursor.isEmpty ? nil : page.cursor))
            }
        } else {
            wanted = route.backends.indices.map { ($0, nil) }
        }
        wanted.removeAll { !mayReach($0.server) }
        collect(kind, wanted) { [weak self] fanOut in
            guard let self else { return }
            // Members after the merged array, in this order.
            var extra = JSONObject()
            if !fanOut.more.isEmpty {
                let pending = fanOut.more.sorted { $0.server < $1.server }.map {
                    PendingPage(server: self.route.backends[$0.server].nameBytes, cursor: $0.cursor)
                }
                let cursor = MergedCursor(routeTag: self.routeTag, method: kind.rawValue, pending: pending)
                if let text = self.context.encodeCursor(cursor) { extra["nextCursor"] = .string(text) }
            }
            if !fanOut.unavailable.isEmpty {
                var meta = JSONObject()
                meta["io.github.mcp-edge/unavailable"] = .array(fanOut.unavailable.sorted().map { .string(self.route.backends[$0].nameBytes) })
                extra["_meta"] = .object(meta)
            }
            if self.era.isModern {
                // Cache hints the 2026-07-28 era requires: the shortest of the backends' (a
                // backend that gave none counts as 0, "immediately stale"), public only if all
                // pages were public.
                var ttl: Int? = nil
                var allPublic = !fanOut.pages.isEmpty
                for page in fanOut.pages {
                    let bytes = page.message[...]
                    let pageTTL = JSONSpans.member("ttlMs", of: page.result, in: bytes).flatMap { Self.integer(bytes[$0]) } ?? 0
                    ttl = Swift.min(ttl ?? pageTTL, pageTTL)
                    let scope = JSONSpans.member("cacheScope", of: page.result, in: bytes)
                    if !(scope.map { JSONString.equals(bytes[$0], "public".utf8) } ?? false) { allPublic = false }
                }
                extra["resultType"] = "complete"
                extra["ttlMs"] = .number(Array(String(Swift.max(ttl ?? 0, 0)).utf8))
                extra["cacheScope"] = allPublic ? "public" : "private"
            }
            var out: [UInt8] = []
            out.reserveCapacity(fanOut.pages.reduce(256) { $0 + $1.message.count })
            out.append(contentsOf: #"{"jsonrpc":"2.0","id":"#.utf8)
            out.append(contentsOf: self.clientID ?? "null".utf8.map { $0 }[...])
            out.append(contentsOf: #","result":{"#.utf8)
            JSONString.write(kind.key.utf8, into: &out)
            out.append(UInt8(ascii: ":"))
            let filter = self.listFilter
            guard self.catalog.mergeRaw(kind, pages: fanOut.pages, into: &out, filter: filter) else {
                var result = self.catalog.merge(kind, pages: fanOut.parsedPages, filter: filter)
                for (key, value) in extra { result[key] = value }
                return self.respondResult(result)
            }
            for (key, value) in extra {
                out.append(UInt8(ascii: ","))
                JSONString.write(key, into: &out)
                out.append(UInt8(ascii: ":"))
                value.write(into: &out)
            }
            out.append(contentsOf: "}}".utf8)
            self.respond(status: 200, json: out)
        }
    }

    /// Lists every page of `kind` from every backend (at most `refreshPageLimit` rounds) to
    /// fill the catalog's name maps, without answering the client.
    func refreshList(_ kind: ListKind, _ done: @escaping () -> Void) {
        var rounds = 0
        func round(_ wanted: [(server: Int, cursor: [UInt8]?)]) {
            collect(kind, wanted) { [weak self] fanOut in
                guard let self else { return }
                self.record(kind, fanOut)
                rounds += 1
                guard !fanOut.more.isEmpty, rounds < Self.refreshPageLimit else { return done() }
                round(fanOut.more.map { (server: $0.server, cursor: $0.cursor) })
            }
        }
        round(route.backends.indices.map { (server: $0, cursor: [UInt8]?.none) })
    }

    static let refreshPageLimit = 20

    /// A JSON number token that is an integer fitting an `Int` (as `JSONValue.intValue`).
    static func integer(_ token: ArraySlice<UInt8>) -> Int? {
        guard let first = token.first, first == UInt8(ascii: "-") || (0x30...0x39).contains(first),
              !token.contains(where: { $0 == 0x2E || $0 | 0x20 == 0x65 }) else { return nil }
        return Int(String(decoding: token, as: UTF8.self))
    }

    /// Lists resources and templates of every backend (first pages) to fill the catalog's
    /// URI map, without answering the client.
    func refreshResources(_ done: @escaping () -> Void) {
        let wanted = route.backends.indices.map { (server: $0, cursor: [UInt8]?.none) }
        // What the pages list goes into the catalog's maps (merging them does that).
        collect(.resources, wanted) { [weak self] resources in
            guard let self else { return }
            self.record(.resources, resources)
            self.collect(.resourceTemplates, wanted) { [weak self] templates in
                self?.record(.resourceTemplates, templates)
                done()
            }
        }
    }

    /// Fills the catalog's maps from pages, as a merge for a client would.
    private func record(_ kind: ListKind, _ fanOut: ListFanOut) {
        var scratch: [UInt8] = []
        if !catalog.mergeRaw(kind, pages: fanOut.pages, into: &scratch) {
            _ = catalog.merge(kind, pages: fanOut.parsedPages)
        }
    }

    /// Asks each wanted backend for its page; `done` runs once all answered or
    /// `timeouts.gateway_fanout` passed (the silent ones are then counted unavailable).
    func collect(_ kind: ListKind, _ wanted: [(server: Int, cursor: [UInt8]?)], _ done: @escaping (ListFanOut) -> Void) {
        let fanOut = ListFanOut()
        fanOut.waiting = Set(wanted.map(\.server))
        let generation = self.generation
        var finished = false
        let complete: () -> Void = { [weak self] in
            guard let self else { return }
            guard !finished, generation == self.generation else { return }
            finished = true
            fanOut.unavailable.append(contentsOf: fanOut.waiting)
            fanOut.waiting.removeAll()
            self.onTimeout = nil
            self.context.loop.disarm(self.timer)
            done(fanOut)
        }
        guard !wanted.isEmpty else { return complete() }
        func askOne(_ server: Int, _ cursor: [UInt8]?, attempt: Int) {
            let backend = route.backends[server]
            backendUse(for: backend) { [weak self] use in
                guard let self else { return }
                guard generation == self.generation, !finished else { return }
                guard let use else {
                    fanOut.waiting.remove(server)
                    fanOut.unavailable.append(server)
                    if fanOut.waiting.isEmpty { complete() }
                    return
                }
                var params = JSONObject()
                if let cursor { params["cursor"] = .string(cursor) }
                let call = self.context.askPage(backend, use: use, method: kind.method, params: params, subject: self.clientToken) { answer in
                    guard generation == self.generation, !finished else { return }
                    if answer.status == 404, !use.isModern, use.sessionID != nil, attempt == 0 {
                        // The backend forgot the session (restarted, expired): a new one, once.
                        return self.reopen(backend) { askOne(server, cursor, attempt: 1) }
                    }
                    fanOut.waiting.remove(server)
                    if let result = answer.result {
                        fanOut.pages.append(Catalog.RawPage(server: server, message: answer.message, result: result))
                        let bytes = answer.message[...]
                        if let range = JSONSpans.member("nextCursor", of: result, in: bytes),
                           bytes[range.lowerBound] == UInt8(ascii: "\""), let next = JSONString.decode(bytes[range]), !next.isEmpty {
                            fanOut.more.append((server, next))
                        }
                    } else if !answer.isError {
                        fanOut.unavailable.append(server)
                    }
                    if fanOut.waiting.isEmpty { complete() }
                }
                if let call { self.calls.append(call) }
            }
        }
        for (server, cursor) in wanted { askOne(server, cursor, attempt: 0) }
        armFanOut(generation: generation, complete)
    }
}
