import EdgeIO
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
    private let poller = PollingThread()

    func submit(_ job: Job) {
        queue.withLock { $0.append(job) }
    }

    func start() throws {
        try poller.start(name: "edge-exchange", pauseMicroseconds: 2000) { [self] in
            let jobs = queue.withLock { jobs -> [Job] in
                defer { jobs.removeAll() }
                return jobs
            }
            for job in jobs {
                let (bearer, lifetime) = Self.exchange(job.settings, subject: job.subject)
                job.loop.execute { job.done(bearer, lifetime) }
            }
            return !jobs.isEmpty
        }
    }

    func stop() { poller.stop() }

    /// One exchange: the `Authorization` value for the backend and its lifetime, or nil (logged).
    static func exchange(_ settings: TokenExchangeSettings, subject: [UInt8]) -> ([UInt8]?, Int) {
        var form = [("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"),
                    ("subject_token", String(decoding: subject, as: UTF8.self)),
                    ("subject_token_type", "urn:ietf:params:oauth:token-type:access_token"),
                    ("requested_token_type", "urn:ietf:params:oauth:token-type:access_token")]
        if let audience = settings.audience { form += [("audience", audience), ("resource", audience)] }
        if let scope = settings.scope { form.append(("scope", scope)) }
        guard let token = TokenEndpoint.request(settings.tokenURL, form: form, clientID: settings.clientID,
                                                clientSecret: settings.clientSecret, caFile: settings.caFile,
                                                server: settings.server) else { return (nil, 0) }
        return (token.authorization, token.lifetime ?? 300)
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
