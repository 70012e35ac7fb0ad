import EdgeIO
import EdgeTLS
import MCPWire
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A backend's RFC 8693 token exchange: where to trade a client's token, and as whom.
final class TokenExchangeSettings {
    let server: String
    let tokenURL: String
    let clientID: String
    let clientSecret: String
    let audience: String?
    let scope: String?
    let caFile: String?

    init(server: String, tokenURL: String, clientID: String, clientSecret: String, audience: String?, scope: String?, caFile: String?) {
        self.server = server
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.audience = audience
        self.scope = scope
        self.caFile = caFile
    }
}

/// The process's token exchanges, made on one thread of their own (never a loop); each result
/// goes back to the loop that asked. Jobs wait in a queue the thread looks at every 2 ms.
final class TokenExchangeThread {
    struct Job {
        let settings: TokenExchangeSettings
        let subject: [UInt8]
        let loop: EventLoop
        let done: (_ bearer: [UInt8]?, _ lifetime: Int) -> Void
    }

    private let queue = Mutex<[Job]>([])
    private let stopRequested = Atomic<Bool>(false)
    private var thread: WorkerThread?

    func submit(_ job: Job) {
        queue.withLock { $0.append(job) }
    }

    func start() throws {
        thread = try WorkerThread(name: "edge-exchange") { [self] in
            while !stopRequested.load(ordering: .relaxed) {
                let jobs = queue.withLock { jobs -> [Job] in
                    defer { jobs.removeAll() }
                    return jobs
                }
                if jobs.isEmpty { usleep(2000); continue }
                for job in jobs {
                    let (bearer, lifetime) = Self.exchange(job.settings, subject: job.subject)
                    job.loop.execute { job.done(bearer, lifetime) }
                }
            }
        }
    }

    func stop() {
        stopRequested.store(true, ordering: .relaxed)
        thread?.join()
        thread = nil
    }

    /// One exchange: the `Authorization` value for the backend and its lifetime, or nil (logged).
    static func exchange(_ settings: TokenExchangeSettings, subject: [UInt8]) -> ([UInt8]?, Int) {
        var form = [("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"),
                    ("subject_token", String(decoding: subject, as: UTF8.self)),
                    ("subject_token_type", "urn:ietf:params:oauth:token-type:access_token"),
                    ("requested_token_type", "urn:ietf:params:oauth:token-type:access_token")]
        if let audience = settings.audience { form += [("audience", audience), ("resource", audience)] }
        if let scope = settings.scope { form.append(("scope", scope)) }
        let basic = Base64.encode(Array((HTTPSFetch.formEncode(settings.clientID) + ":" + HTTPSFetch.formEncode(settings.clientSecret)).utf8))
        do {
            let response = try HTTPSFetch.postForm(settings.tokenURL, form: form,
                                                   headers: [("authorization", "Basic " + String(decoding: basic, as: UTF8.self))],
                                                   caFile: settings.caFile)
            guard response.status == 200, let document = JSONValue.parse(response.body[...], maxDepth: 8),
                  let token = document["access_token"]?.stringValue, !token.isEmpty,
                  token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                EdgeLog.write("server \(settings.server): token exchange answered HTTP \(response.status) without a usable access_token")
                return (nil, 0)
            }
            return (Array(("Bearer " + token).utf8), document["expires_in"]?.intValue ?? 300)
        } catch {
            EdgeLog.write("server \(settings.server): token exchange at \(settings.tokenURL) failed: \(error)")
            return (nil, 0)
        }
    }
}

/// One worker's exchanged tokens: (backend, client token) → the backend's token until it
/// expires. Requests for a token being fetched wait together; at most 4096 entries.
final class ExchangedTokens {
    private struct Key: Hashable {
        let server: Int
        let subject: [UInt8]
    }

    private var tokens: [Key: (bearer: [UInt8], expires: UInt64)] = [:]
    private var waiting: [Key: [([UInt8]?) -> Void]] = [:]
    let exchanges: TokenExchangeThread

    init(exchanges: TokenExchangeThread) {
        self.exchanges = exchanges
    }

    /// Calls `done` (on `loop`) with the `Authorization` value for `target`.
    func token(for target: UpstreamTarget, settings: TokenExchangeSettings, subject: [UInt8], loop: EventLoop,
               done: @escaping ([UInt8]?) -> Void) {
        let key = Key(server: target.index, subject: subject)
        if let entry = tokens[key], entry.expires > loop.now { return done(entry.bearer) }
        if waiting[key] != nil { waiting[key]!.append(done); return }
        waiting[key] = [done]
        exchanges.submit(.init(settings: settings, subject: subject, loop: loop) { [weak self] bearer, lifetime in
            guard let self else { return }
            if let bearer, lifetime > 0 {
                if self.tokens.count >= 4096 { self.tokens.removeAll(keepingCapacity: true) }
                // Renewed a little before the backend would refuse it.
                self.tokens[key] = (bearer, loop.now + UInt64(Swift.max(lifetime - 5, 1)) * 1000)
            }
            for waiter in self.waiting.removeValue(forKey: key) ?? [] { waiter(bearer) }
        })
    }
}
